/// `mysql_servers.status`: whether and how a backend takes traffic.
public enum ServerStatus: String, Sendable, Equatable, CaseIterable {
    /// Takes new and existing traffic.
    case online = "ONLINE"
    /// Temporarily out after errors (set by Junction, not normally by users).
    case shunned = "SHUNNED"
    /// No new connections; connections in use finish their work.
    case offlineSoft = "OFFLINE_SOFT"
    /// Out at once; its connections are closed.
    case offlineHard = "OFFLINE_HARD"

    /// Matches case-insensitively, as the table's `CHECK (UPPER(status) IN (...))` does.
    public init?(caseInsensitive text: String) {
        self.init(rawValue: text.uppercased())
    }
}
