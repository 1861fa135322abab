/// Errors in the bytes a peer sent: Junction answers with an ERR (when it can) and closes.
public enum ProtocolError: Error, Equatable, Sendable {
    case malformedPacket(String)
    case unsupported(String)
    case unexpectedPacket(String)
    case serverError(ErrPacket)
}

extension ProtocolError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .malformedPacket(let what): return "malformed \(what) packet"
        case .unsupported(let what): return "unsupported: \(what)"
        case .unexpectedPacket(let what): return "unexpected packet: \(what)"
        case .serverError(let err): return err.description
        }
    }
}
