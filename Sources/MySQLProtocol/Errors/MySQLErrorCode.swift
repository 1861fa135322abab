/// The error codes and SQLSTATEs Junction sends itself. Backend errors are forwarded unchanged.
public struct MySQLErrorCode: Sendable, Equatable {
    public let code: UInt16
    public let sqlState: String

    public init(_ code: UInt16, _ sqlState: String) {
        self.code = code
        self.sqlState = sqlState
    }

    public static let accessDenied = MySQLErrorCode(1045, "28000")
    public static let tooManyConnections = MySQLErrorCode(1040, "08004")
    public static let userConnectionLimit = MySQLErrorCode(1226, "42000")
    public static let unknownCommand = MySQLErrorCode(1047, "08S01")
    public static let packetTooLarge = MySQLErrorCode(1153, "08S01")
    public static let malformedPacket = MySQLErrorCode(1835, "HY000")
    public static let handshakeError = MySQLErrorCode(1043, "08S01")
    /// Junction could not reach a backend of the hostgroup in time (ProxySQL's code; scripts match on it).
    public static let noBackend = MySQLErrorCode(9001, "HY000")
    /// The backend connection was lost while a command ran (the client's libraries call it 2013).
    public static let backendLost = MySQLErrorCode(2013, "HY000")
    /// A session locked to a hostgroup was sent elsewhere (ProxySQL's code).
    public static let lockedToHostgroup = MySQLErrorCode(9006, "Y0000")
    public static let unknownStatement = MySQLErrorCode(1243, "HY000")
    public static let general = MySQLErrorCode(1105, "HY000")
    public static let unknownThread = MySQLErrorCode(1094, "HY000")
    public static let notOwnerOfThread = MySQLErrorCode(1095, "HY000")
    public static let connectionKilled = MySQLErrorCode(1927, "70100")

    /// The one ERR builder: a code, its SQLSTATE and a message.
    public func packet(_ message: String) -> ErrPacket {
        ErrPacket(errorCode: code, sqlState: sqlState, message: message)
    }
}
