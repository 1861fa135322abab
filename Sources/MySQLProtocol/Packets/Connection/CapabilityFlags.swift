/// Capability flags exchanged in the handshake (`CLIENT_*`).
public struct CapabilityFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let longPassword = CapabilityFlags(rawValue: 1 << 0)
    public static let foundRows = CapabilityFlags(rawValue: 1 << 1)
    public static let longFlag = CapabilityFlags(rawValue: 1 << 2)
    public static let connectWithDB = CapabilityFlags(rawValue: 1 << 3)
    public static let noSchema = CapabilityFlags(rawValue: 1 << 4)
    public static let compress = CapabilityFlags(rawValue: 1 << 5)
    public static let odbc = CapabilityFlags(rawValue: 1 << 6)
    public static let localFiles = CapabilityFlags(rawValue: 1 << 7)
    public static let ignoreSpace = CapabilityFlags(rawValue: 1 << 8)
    public static let protocol41 = CapabilityFlags(rawValue: 1 << 9)
    public static let interactive = CapabilityFlags(rawValue: 1 << 10)
    public static let ssl = CapabilityFlags(rawValue: 1 << 11)
    public static let ignoreSigpipe = CapabilityFlags(rawValue: 1 << 12)
    public static let transactions = CapabilityFlags(rawValue: 1 << 13)
    public static let reserved = CapabilityFlags(rawValue: 1 << 14)
    public static let secureConnection = CapabilityFlags(rawValue: 1 << 15)
    public static let multiStatements = CapabilityFlags(rawValue: 1 << 16)
    public static let multiResults = CapabilityFlags(rawValue: 1 << 17)
    public static let psMultiResults = CapabilityFlags(rawValue: 1 << 18)
    public static let pluginAuth = CapabilityFlags(rawValue: 1 << 19)
    public static let connectAttrs = CapabilityFlags(rawValue: 1 << 20)
    public static let pluginAuthLenencClientData = CapabilityFlags(rawValue: 1 << 21)
    public static let canHandleExpiredPasswords = CapabilityFlags(rawValue: 1 << 22)
    public static let sessionTrack = CapabilityFlags(rawValue: 1 << 23)
    public static let deprecateEOF = CapabilityFlags(rawValue: 1 << 24)

    /// What Junction offers clients: every flag here is honoured end to end.
    public static let junctionServerDefault: CapabilityFlags = [
        .longPassword, .foundRows, .longFlag, .connectWithDB, .noSchema, .odbc, .localFiles, .ignoreSpace,
        .protocol41, .interactive, .ignoreSigpipe, .transactions, .secureConnection, .multiStatements,
        .multiResults, .psMultiResults, .pluginAuth, .connectAttrs, .pluginAuthLenencClientData,
        .sessionTrack, .deprecateEOF,
    ]

    /// Flags that change how a server encodes results or interprets statements for one connection.
    /// Backend connections are pooled by these, so a result can be forwarded to the client unchanged.
    public static let resultShaping: CapabilityFlags = [
        .foundRows, .localFiles, .ignoreSpace, .sessionTrack, .deprecateEOF, .odbc,
    ]
}

/// Server status flags (`SERVER_STATUS_*`) carried by OK and EOF packets.
public struct ServerStatusFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let inTransaction = ServerStatusFlags(rawValue: 0x0001)
    public static let autocommit = ServerStatusFlags(rawValue: 0x0002)
    public static let moreResultsExist = ServerStatusFlags(rawValue: 0x0008)
    public static let noGoodIndexUsed = ServerStatusFlags(rawValue: 0x0010)
    public static let noIndexUsed = ServerStatusFlags(rawValue: 0x0020)
    public static let cursorExists = ServerStatusFlags(rawValue: 0x0040)
    public static let lastRowSent = ServerStatusFlags(rawValue: 0x0080)
    public static let databaseDropped = ServerStatusFlags(rawValue: 0x0100)
    public static let noBackslashEscapes = ServerStatusFlags(rawValue: 0x0200)
    public static let metadataChanged = ServerStatusFlags(rawValue: 0x0400)
    public static let queryWasSlow = ServerStatusFlags(rawValue: 0x0800)
    public static let psOutParams = ServerStatusFlags(rawValue: 0x1000)
    public static let inTransactionReadOnly = ServerStatusFlags(rawValue: 0x2000)
    public static let sessionStateChanged = ServerStatusFlags(rawValue: 0x4000)
}
