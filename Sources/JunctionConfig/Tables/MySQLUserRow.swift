import Foundation

/// One row of `mysql_users`: credentials for clients (frontend) and for backends. Defaults are the column defaults.
///
/// The key is (username, backend) and (username, frontend) is unique, so a name appears at most twice. Flag
/// columns stay `Int`, as in the table, so rows map to and from SQLite column for column.
public struct MySQLUserRow: Sendable, Equatable {
    public static let tableName = "mysql_users"

    public var username: String
    /// Clear text, or a `mysql_native_password` / `caching_sha2_password` hash. The column is nullable; NULL reads as "".
    public var password: String
    public var active: Int
    public var useSSL: Int
    /// The hostgroup used when no query rule chooses one.
    public var defaultHostgroup: Int
    /// nil or "" means `mysql-default_schema`.
    public var defaultSchema: String?
    /// Stored and shown; not enforced (as in ProxySQL 2.7.1).
    public var schemaLocked: Int
    public var transactionPersistent: Int
    public var fastForward: Int
    public var backend: Int
    public var frontend: Int
    public var maxConnections: Int
    /// JSON object text, or "".
    public var attributes: String
    public var comment: String

    public init(
        username: String,
        password: String = "",
        active: Int = 1,
        useSSL: Int = 0,
        defaultHostgroup: Int = 0,
        defaultSchema: String? = nil,
        schemaLocked: Int = 0,
        transactionPersistent: Int = 1,
        fastForward: Int = 0,
        backend: Int = 1,
        frontend: Int = 1,
        maxConnections: Int = 10000,
        attributes: String = "",
        comment: String = ""
    ) {
        self.username = username
        self.password = password
        self.active = active
        self.useSSL = useSSL
        self.defaultHostgroup = defaultHostgroup
        self.defaultSchema = defaultSchema
        self.schemaLocked = schemaLocked
        self.transactionPersistent = transactionPersistent
        self.fastForward = fastForward
        self.backend = backend
        self.frontend = frontend
        self.maxConnections = maxConnections
        self.attributes = attributes
        self.comment = comment
    }

    /// Enforces the CHECK constraints of `CREATE TABLE mysql_users`, `JSON_VALID(attributes) OR attributes = ''`
    /// included.
    public func validate() throws {
        let check = RowChecker(table: Self.tableName)
        try check.flag("active", active)
        try check.flag("use_ssl", useSSL)
        try check.flag("schema_locked", schemaLocked)
        try check.flag("transaction_persistent", transactionPersistent)
        try check.flag("fast_forward", fastForward)
        try check.flag("backend", backend)
        try check.flag("frontend", frontend)
        try check.atLeast("max_connections", maxConnections, 0)
        if !attributes.isEmpty, !Self.isValidJSON(attributes) {
            throw check.fail("attributes", "must be valid JSON or empty")
        }
    }

    /// Like SQLite's `JSON_VALID`: any JSON value, scalars included.
    static func isValidJSON(_ text: String) -> Bool {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])) != nil
    }
}
