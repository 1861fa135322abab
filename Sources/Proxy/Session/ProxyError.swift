import MySQLProtocol

/// Errors of the proxy path, each with the MySQL error the client receives.
enum ProxyError: Error, CustomStringConvertible {
    case noBackend(hostgroup: Int, elapsedMs: Int)
    case backendRefused(ErrPacket)
    case backendLost
    case unknownStatement(UInt32, command: String)

    var errPacket: ErrPacket {
        switch self {
        case .noBackend(let hg, let ms):
            return MySQLErrorCode.noBackend.packet("Max connect timeout reached while reaching hostgroup \(hg) after \(ms)ms")
        case .backendRefused(let err):
            return err
        case .backendLost:
            return MySQLErrorCode.backendLost.packet("Lost connection to backend server during query")
        case .unknownStatement(let id, let command):
            return MySQLErrorCode.unknownStatement.packet("Unknown prepared statement handler (\(id)) given to \(command)")
        }
    }

    var description: String { errPacket.description }

    /// The ERR a client gets for any error of the backend side.
    static func errPacket(for error: any Error) -> ErrPacket {
        switch error {
        case let e as ProxyError: return e.errPacket
        case BackendError.authenticationFailed(let err): return err
        case BackendError.unsupportedAuth(let why): return MySQLErrorCode.general.packet(why)
        case let e as BackendError: return MySQLErrorCode.backendLost.packet("Junction: \(e.description)")
        default: return MySQLErrorCode.general.packet("Junction: \(error)")
        }
    }
}
