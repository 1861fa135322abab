import JunctionConfig

/// What the monitor needs from the rest of Junction: the runtime topology, a place for its logs, and a
/// way to change the runtime servers. Called on the monitor's event loop.
public protocol MonitorHost: AnyObject {
    func monitorTopology() -> MonitorTopology
    func recordMonitorLog(_ entry: MonitorLogEntry)
    /// Drops log rows that started before `microseconds` (epoch µs).
    func purgeMonitorLogs(olderThan microseconds: Int64)
    /// Makes `servers` the runtime `mysql_servers` (MEMORY is left alone).
    func applyMonitorPlacement(_ servers: [MySQLServerRow], reason: String)
    /// The last ping time of a server (`Latency_us` in stats_mysql_connection_pool).
    func serverLatency(host: String, port: Int, microseconds: Int64)
    /// Closes every connection of the query path to a server (idle and in use): it stopped answering pings,
    /// and queries running there would otherwise wait for TCP to give up.
    func closeConnections(host: String, port: Int)
}

/// The runtime servers, replication hostgroups and `mysql-monitor_*` settings.
public struct MonitorTopology: Sendable {
    public var servers: [MySQLServerRow]
    public var replicationHostgroups: [MySQLReplicationHostgroupRow]
    public var settings: MonitorSettings

    public init(servers: [MySQLServerRow], replicationHostgroups: [MySQLReplicationHostgroupRow], settings: MonitorSettings) {
        self.servers = servers
        self.replicationHostgroups = replicationHostgroups
        self.settings = settings
    }
}

/// One row for a `monitor.mysql_server_*_log` table.
public enum MonitorLogEntry: Equatable, Sendable {
    case connect(host: String, port: Int, startUs: Int64, successUs: Int64?, error: String?)
    case ping(host: String, port: Int, startUs: Int64, successUs: Int64?, error: String?)
    case readOnly(host: String, port: Int, startUs: Int64, successUs: Int64?, readOnly: Int?, error: String?)
    case replicationLag(host: String, port: Int, startUs: Int64, successUs: Int64?, lagSeconds: Int?, error: String?)
}

/// The `mysql-monitor_*` variables the checks use.
public struct MonitorSettings: Sendable, Equatable {
    public var enabled = true
    public var username = "monitor"
    public var password = "monitor"
    public var historyMs = 7_200_000
    public var connectIntervalMs = 120_000
    public var connectTimeoutMs = 600
    public var pingIntervalMs = 8_000
    public var pingTimeoutMs = 1_000
    public var pingMaxFailures = 3
    public var readOnlyIntervalMs = 1_000
    public var readOnlyTimeoutMs = 800
    public var readOnlyMaxTimeoutCount = 3
    public var writerIsAlsoReader = true
    public var replicationLagIntervalMs = 10_000
    public var replicationLagTimeoutMs = 1_000
    public var replicationLagCount = 1
    /// Lag assumed when replication is stopped (Seconds_Behind_Master is NULL).
    public var slaveLagWhenNull = 60
    /// `mysql-shun_on_failures`, `mysql-shun_recovery_time_sec` and the connect settings they depend on.
    public var shunOnFailures = 5
    public var shunRecoveryTimeSec = 10
    public var connectRetriesOnFailure = 10
    public var connectTimeoutServerMaxMs = 10_000

    public init() {}

    /// From `global_variables` values (full names); missing or malformed values keep the defaults.
    public init(variables: [String: String]) {
        func int(_ name: String, _ fallback: Int) -> Int { variables[name].flatMap { Int($0) } ?? fallback }
        enabled = variables["mysql-monitor_enabled"] != "false"
        username = variables["mysql-monitor_username"] ?? username
        password = variables["mysql-monitor_password"] ?? password
        historyMs = int("mysql-monitor_history", historyMs)
        connectIntervalMs = int("mysql-monitor_connect_interval", connectIntervalMs)
        connectTimeoutMs = int("mysql-monitor_connect_timeout", connectTimeoutMs)
        pingIntervalMs = int("mysql-monitor_ping_interval", pingIntervalMs)
        pingTimeoutMs = int("mysql-monitor_ping_timeout", pingTimeoutMs)
        pingMaxFailures = int("mysql-monitor_ping_max_failures", pingMaxFailures)
        readOnlyIntervalMs = int("mysql-monitor_read_only_interval", readOnlyIntervalMs)
        readOnlyTimeoutMs = int("mysql-monitor_read_only_timeout", readOnlyTimeoutMs)
        readOnlyMaxTimeoutCount = int("mysql-monitor_read_only_max_timeout_count", readOnlyMaxTimeoutCount)
        writerIsAlsoReader = variables["mysql-monitor_writer_is_also_reader"] != "false"
        replicationLagIntervalMs = int("mysql-monitor_replication_lag_interval", replicationLagIntervalMs)
        replicationLagTimeoutMs = int("mysql-monitor_replication_lag_timeout", replicationLagTimeoutMs)
        replicationLagCount = int("mysql-monitor_replication_lag_count", replicationLagCount)
        slaveLagWhenNull = int("mysql-monitor_slave_lag_when_null", slaveLagWhenNull)
        shunOnFailures = int("mysql-shun_on_failures", shunOnFailures)
        shunRecoveryTimeSec = int("mysql-shun_recovery_time_sec", shunRecoveryTimeSec)
        connectRetriesOnFailure = int("mysql-connect_retries_on_failure", connectRetriesOnFailure)
        connectTimeoutServerMaxMs = int("mysql-connect_timeout_server_max", connectTimeoutServerMaxMs)
    }
}
