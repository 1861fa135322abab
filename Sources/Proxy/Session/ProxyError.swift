import MySQLProtocol

/// Errors of the proxy path, each with the MySQL error the client receives.
enum ProxyError: Error, CustomStringConvertible {
    case noBackend(hostgroup: Int, elapsedMs: Int)
    case backendRefused(ErrPacket)
    case backendLost
    case unknownStatement(UInt32, command: String)
    /// COM_STMT_SEND_LONG_DATA past `mysql-max_allowed_packet` (the session's chunks together): dropped, and
    /// the statement's next execute fails instead of running with part of its data.
    case longDataTooLarge(limit: Int)

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
        case .longDataTooLarge(let limit):
            return MySQLErrorCode.packetTooLarge.packet(
                "Parameter of prepared statement which is set through mysql_send_long_data() is longer than 'max_allowed_packet' (\(limit) bytes)")
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
