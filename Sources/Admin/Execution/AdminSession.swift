/// Who sent an admin statement.
public struct AdminSessionInfo: Sendable {
    public enum Role: Sendable {
        /// `admin-admin_credentials`: every schema and command.
        case admin
        /// `admin-stats_credentials`: read-only, the stats schema as `main`.
        case stats
    }

    public var username: String
    public var role: Role
    public var clientAddress: String
    public var clientPort: Int

    public init(username: String, role: Role, clientAddress: String, clientPort: Int = 0) {
        self.username = username
        self.role = role
        self.clientAddress = clientAddress
        self.clientPort = clientPort
    }
}
