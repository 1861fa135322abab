/// The answer to one admin statement, before it is encoded as MySQL packets.
public enum AdminResult: Equatable, Sendable {
    case ok(affectedRows: Int = 0, message: String = "")
    /// Every column is sent as VAR_STRING text; nil is SQL NULL.
    case rows(columns: [String], rows: [[String?]])
    case error(AdminError)

    static let done = AdminResult.ok()
}

/// An admin error: code, SQLSTATE and the message the client prints.
public struct AdminError: Error, Equatable, Sendable, CustomStringConvertible {
    public let code: UInt16
    public let sqlState: String
    public let message: String

    /// Most admin errors use 1045/28000, as ProxySQL's admin does, so tools that match on it keep working.
    public init(_ message: String, code: UInt16 = 1045, sqlState: String = "28000") {
        self.code = code
        self.sqlState = sqlState
        self.message = message
    }

    /// An error with the admin prefix.
    static func admin(_ text: String) -> AdminError {
        AdminError("Junction Admin Error: " + text)
    }

    /// A statement text that would leave a transaction or savepoint open on the shared admin database.
    static let transactionLeftOpen = AdminError(
        "Junction Admin Error: a transaction must end in the statement text that opens it (the admin database is shared "
            + "by every admin session); it was rolled back. Each admin statement applies at once: use 'BEGIN; …; COMMIT' "
            + "in one statement text, or none", code: 1235, sqlState: "42000")

    public var description: String { "ERROR \(code) (\(sqlState)): \(message)" }
}
