import NIOCore

/// OK_Packet (header 0x00, or 0xFE when it replaces EOF under CLIENT_DEPRECATE_EOF).
public struct OKPacket: Equatable, Sendable {
    public var header: UInt8 = 0x00
    public var affectedRows: UInt64 = 0
    public var lastInsertID: UInt64 = 0
    public var statusFlags: ServerStatusFlags = .autocommit
    public var warnings: UInt16 = 0
    public var info: String = ""
    /// Raw session-state-change data (CLIENT_SESSION_TRACK with SERVER_SESSION_STATE_CHANGED).
    public var sessionStateChanges: [UInt8] = []

    public init(header: UInt8 = 0x00, affectedRows: UInt64 = 0, lastInsertID: UInt64 = 0,
                statusFlags: ServerStatusFlags = .autocommit, warnings: UInt16 = 0, info: String = "") {
        self.header = header
        self.affectedRows = affectedRows
        self.lastInsertID = lastInsertID
        self.statusFlags = statusFlags
        self.warnings = warnings
        self.info = info
    }

    public func encode(into buffer: inout ByteBuffer, capabilities: CapabilityFlags) {
        buffer.writeInteger(header)
        buffer.writeLengthEncodedInteger(affectedRows)
        buffer.writeLengthEncodedInteger(lastInsertID)
        buffer.writeInteger(statusFlags.rawValue, endianness: .little)
        buffer.writeInteger(warnings, endianness: .little)
        if capabilities.contains(.sessionTrack) {
            if !info.isEmpty || statusFlags.contains(.sessionStateChanged) { buffer.writeLengthEncodedString(info) }
            if statusFlags.contains(.sessionStateChanged) { buffer.writeLengthEncodedBytes(sessionStateChanges) }
        } else {
            buffer.writeString(info)
        }
    }

    public static func decode(from payload: ByteBuffer, capabilities: CapabilityFlags) throws -> OKPacket {
        var buffer = payload
        guard let header = buffer.readInteger(as: UInt8.self), header == 0x00 || header == 0xFE,
              let affected = buffer.readLengthEncodedInteger(),
              let insertID = buffer.readLengthEncodedInteger() else { throw ProtocolError.malformedPacket("OK") }
        var ok = OKPacket(header: header, affectedRows: affected, lastInsertID: insertID)
        if let status = buffer.readInteger(endianness: .little, as: UInt16.self) {
            ok.statusFlags = ServerStatusFlags(rawValue: status)
            ok.warnings = buffer.readInteger(endianness: .little, as: UInt16.self) ?? 0
        }
        if capabilities.contains(.sessionTrack) {
            if buffer.readableBytes > 0 { ok.info = buffer.readLengthEncodedString() ?? "" }
            if ok.statusFlags.contains(.sessionStateChanged), let changes = buffer.readLengthEncodedSlice() {
                ok.sessionStateChanges = Array(changes.readableBytesView)
            }
        } else {
            ok.info = buffer.readString(length: buffer.readableBytes) ?? ""
        }
        return ok
    }

    /// Reads just the status flags and warning count of an OK packet, without decoding the rest.
    public static func peekStatus(_ payload: ByteBuffer) -> (status: ServerStatusFlags, warnings: UInt16, affectedRows: UInt64, lastInsertID: UInt64)? {
        var buffer = payload
        guard buffer.readInteger(as: UInt8.self) != nil,
              let affected = buffer.readLengthEncodedInteger(), let insertID = buffer.readLengthEncodedInteger(),
              let status = buffer.readInteger(endianness: .little, as: UInt16.self) else { return nil }
        let warnings = buffer.readInteger(endianness: .little, as: UInt16.self) ?? 0
        return (ServerStatusFlags(rawValue: status), warnings, affected, insertID)
    }
}

extension ServerStatusFlags {
    /// Where the status flags sit in a response's terminator payload (OK, OK with header 0xFE, or EOF), if it is one.
    public static func offset(inTerminator payload: ByteBuffer) -> Int? {
        guard let header = payload.getInteger(at: payload.readerIndex, as: UInt8.self) else { return nil }
        if header == 0xFE, payload.readableBytes == 5 { return payload.readerIndex + 3 }  // EOF
        guard header == 0x00 || header == 0xFE else { return nil }
        var buffer = payload
        buffer.moveReaderIndex(forwardBy: 1)
        guard buffer.readLengthEncodedInteger() != nil, buffer.readLengthEncodedInteger() != nil, buffer.readableBytes >= 2 else {
            return nil
        }
        return buffer.readerIndex
    }
}

/// EOF_Packet (header 0xFE, payload shorter than 9 bytes).
public struct EOFPacket: Equatable, Sendable {
    public var warnings: UInt16
    public var statusFlags: ServerStatusFlags

    public init(warnings: UInt16 = 0, statusFlags: ServerStatusFlags = .autocommit) {
        self.warnings = warnings
        self.statusFlags = statusFlags
    }

    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(0xFE))
        buffer.writeInteger(warnings, endianness: .little)
        buffer.writeInteger(statusFlags.rawValue, endianness: .little)
    }

    public static func decode(from payload: ByteBuffer) throws -> EOFPacket {
        var buffer = payload
        guard buffer.readInteger(as: UInt8.self) == 0xFE else { throw ProtocolError.malformedPacket("EOF") }
        let warnings = buffer.readInteger(endianness: .little, as: UInt16.self) ?? 0
        let status = buffer.readInteger(endianness: .little, as: UInt16.self) ?? 0
        return EOFPacket(warnings: warnings, statusFlags: ServerStatusFlags(rawValue: status))
    }
}
