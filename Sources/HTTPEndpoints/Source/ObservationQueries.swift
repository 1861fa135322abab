/// The statements the HTTP endpoints read, against the admin's schemas (the stats tables are refreshed first).
public enum ObservationQueries {
    public static let global = "SELECT Variable_Name, Variable_Value FROM stats.stats_mysql_global"
    public static let pool = """
        SELECT hostgroup, srv_host, srv_port, status, ConnUsed, ConnFree, ConnOK, ConnERR, MaxConnUsed, Queries, \
        Bytes_data_sent, Bytes_data_recv, Latency_us FROM stats.stats_mysql_connection_pool ORDER BY hostgroup, srv_host, srv_port
        """
    public static let commands = "SELECT * FROM stats.stats_mysql_commands_counters ORDER BY Command"
    public static let latency = "SELECT * FROM stats.stats_mysql_query_latency ORDER BY hostgroup, srv_host, srv_port"
    public static let users = "SELECT username, frontend_connections, frontend_max_connections FROM stats.stats_mysql_users ORDER BY username"
    public static let memory = "SELECT Variable_Name, Variable_Value FROM stats.stats_memory_metrics"
    public static let servers = """
        SELECT hostgroup_id, hostname, port, status, weight, max_connections, max_replication_lag, comment \
        FROM runtime_mysql_servers ORDER BY hostgroup_id, hostname, port
        """
    public static let peers = """
        SELECT hostname, port, weight, comment, response_time_ms, Uptime_s, last_check_ms, Queries, \
        Client_Connections_connected, Client_Connections_created FROM stats.stats_proxysql_servers_metrics ORDER BY hostname, port
        """
    public static let peerChecksums = """
        SELECT hostname, port, name, version, epoch, checksum, changed_at, updated_at, diff_check \
        FROM stats.stats_proxysql_servers_checksums ORDER BY hostname, port, name
        """
    /// Every error counted, by hostgroup, server and code (no row limit: a counter must not lose series).
    public static let errorTotals = """
        SELECT hostgroup, hostname, port, errno, SUM(count_star) AS count_star FROM stats.stats_mysql_errors \
        GROUP BY hostgroup, hostname, port, errno ORDER BY hostgroup, hostname, port, errno
        """
    public static let rules = "SELECT rule_id, hits FROM stats.stats_mysql_query_rules ORDER BY rule_id"
    public static let errors = """
        SELECT hostgroup, hostname, port, username, schemaname, errno, count_star, first_seen, last_seen, last_error \
        FROM stats.stats_mysql_errors ORDER BY last_seen DESC LIMIT 100
        """

    /// The heaviest digests first, by total time.
    public static func digests(limit: Int) -> String {
        """
        SELECT hostgroup, schemaname, username, digest, digest_text, count_star, sum_time, min_time, max_time, \
        sum_rows_affected, sum_rows_sent, first_seen, last_seen FROM stats.stats_mysql_query_digest \
        ORDER BY sum_time DESC LIMIT \(max(1, min(limit, 10_000)))
        """
    }

    /// The latest failed checks of every kind the monitor runs, newest first.
    public static func monitorErrors(limit: Int) -> String {
        let logs = [("connect", "mysql_server_connect_log", "connect_error"), ("ping", "mysql_server_ping_log", "ping_error"),
                    ("read_only", "mysql_server_read_only_log", "error"),
                    ("replication_lag", "mysql_server_replication_lag_log", "error")]
        let union = logs.map { kind, table, column in
            "SELECT '\(kind)' AS kind, hostname, port, time_start_us, \(column) AS error FROM monitor.\(table)"
        }.joined(separator: " UNION ALL ")
        return "SELECT * FROM (\(union)) WHERE error IS NOT NULL ORDER BY time_start_us DESC LIMIT \(max(1, min(limit, 1_000)))"
    }
}
