/// One row of `mysql_servers`: a backend in a hostgroup. Defaults are the table's column defaults.
///
/// The same host may appear in several hostgroups; the key is (hostgroupID, hostname, port). Flag columns
/// (`compression`, `useSSL`) stay `Int`, as in the table, so rows map to and from SQLite column for column.
public struct MySQLServerRow: Sendable, Equatable {
    public static let tableName = "mysql_servers"

    public var hostgroupID: Int
    /// Host name, IP address, or a Unix socket path when `port` is 0.
    public var hostname: String
    public var port: Int
    /// Port of the binlog reader used for GTID-consistent reads; 0 = none.
    public var gtidPort: Int
    public var status: ServerStatus
    public var weight: Int
    /// 1 = compressed protocol to the backend.
    public var compression: Int
    public var maxConnections: Int
    /// Seconds of replication lag above which the monitor shuns the server; 0 = no check.
    public var maxReplicationLag: Int
    /// 1 = TLS to the backend.
    public var useSSL: Int
    /// Ping time above which the server gets no new connections; 0 = `mysql-default_max_latency_ms`.
    public var maxLatencyMs: Int
    public var comment: String

    public init(
        hostgroupID: Int = 0,
        hostname: String,
        port: Int = 3306,
        gtidPort: Int = 0,
        status: ServerStatus = .online,
        weight: Int = 1,
        compression: Int = 0,
        maxConnections: Int = 1000,
        maxReplicationLag: Int = 0,
        useSSL: Int = 0,
        maxLatencyMs: Int = 0,
        comment: String = ""
    ) {
        self.hostgroupID = hostgroupID
        self.hostname = hostname
        self.port = port
        self.gtidPort = gtidPort
        self.status = status
        self.weight = weight
        self.compression = compression
        self.maxConnections = maxConnections
        self.maxReplicationLag = maxReplicationLag
        self.useSSL = useSSL
        self.maxLatencyMs = maxLatencyMs
        self.comment = comment
    }

    /// Enforces the CHECK constraints of `CREATE TABLE mysql_servers` (`status` is checked by its type).
    public func validate() throws {
        let check = RowChecker(table: Self.tableName)
        try check.atLeast("hostgroup_id", hostgroupID, 0)
        try check.range("port", port, 0...65535)
        try check.range("gtid_port", gtidPort, 0...65535)
        if gtidPort != 0, gtidPort == port {
            throw check.fail("gtid_port", "must differ from port (or be 0), got \(gtidPort)")
        }
        try check.range("weight", weight, 0...10_000_000)
        try check.flag("compression", compression)
        try check.atLeast("max_connections", maxConnections, 0)
        try check.range("max_replication_lag", maxReplicationLag, 0...126_144_000)
        try check.flag("use_ssl", useSSL)
        try check.atLeast("max_latency_ms", maxLatencyMs, 0)
    }
}
