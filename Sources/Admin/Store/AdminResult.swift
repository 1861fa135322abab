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

    public var description: String { "ERROR \(code) (\(sqlState)): \(message)" }
}
