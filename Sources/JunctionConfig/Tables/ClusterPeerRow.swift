/// One row of `proxysql_servers`: a peer of the cluster, polled on its admin port.
public struct ClusterPeerRow: Sendable, Equatable {
    public static let tableName = "proxysql_servers"

    public var hostname: String
    /// The peer's admin port.
    public var port: Int
    /// Unused by the sync algorithm; kept for compatibility.
    public var weight: Int
    public var comment: String

    public init(hostname: String, port: Int = 6032, weight: Int = 0, comment: String = "") {
        self.hostname = hostname
        self.port = port
        self.weight = weight
        self.comment = comment
    }

    /// Enforces the CHECK constraints of `CREATE TABLE proxysql_servers`: only `weight >= 0` (the table does not
    /// bound `port`; the config-file reader does).
    public func validate() throws {
        try RowChecker(table: Self.tableName).atLeast("weight", weight, 0)
    }
}
