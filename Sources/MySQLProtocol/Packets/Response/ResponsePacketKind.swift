import NIOCore

/// What the first byte of a response packet says, without decoding it (STYLE §3 "peek, don't parse").
public enum ResponsePacketKind: Equatable, Sendable {
    case ok
    case err
    /// 0xFE in a short packet: EOF, or an OK that ends a result under CLIENT_DEPRECATE_EOF.
    case eof
    /// 0xFB as the first packet of a response: the server asks for a LOCAL INFILE.
    case localInfileRequest
    /// Anything else: a column count, a column definition or a row.
    case data

    @inlinable
    public static func peek(_ payload: ByteBuffer) -> ResponsePacketKind {
        guard let first = payload.getInteger(at: payload.readerIndex, as: UInt8.self) else { return .data }
        switch first {
        case 0x00: return .ok
        case 0xFF: return .err
        case 0xFE where payload.readableBytes < MySQLFrame.maxPayloadLength: return .eof
        case 0xFB: return .localInfileRequest
        default: return .data
        }
    }
}

/// Status flags and warnings from a terminating packet, read without decoding the rest. Under
/// CLIENT_DEPRECATE_EOF a 0xFE terminator has the OK layout; otherwise it is an EOF packet.
@inlinable
public func peekTerminatorStatus(_ payload: ByteBuffer, deprecateEOF: Bool) -> (status: ServerStatusFlags, warnings: UInt16) {
    if !deprecateEOF, payload.readableBytes < 9, payload.getInteger(at: payload.readerIndex, as: UInt8.self) == 0xFE {
        let warnings = payload.getInteger(at: payload.readerIndex + 1, endianness: .little, as: UInt16.self) ?? 0
        let status = payload.getInteger(at: payload.readerIndex + 3, endianness: .little, as: UInt16.self) ?? 0
        return (ServerStatusFlags(rawValue: status), warnings)
    }
    if let ok = OKPacket.peekStatus(payload) { return (ok.status, ok.warnings) }
    return ([], 0)
}
