/// What `stats_history` records, when, and from where (pure data; `AdminExecutor+History` runs it).
public enum StatsHistoryKind: String, CaseIterable, Sendable {
    case mysqlConnections, connectionPool, queryCache, systemCPU, systemMemory

    /// The admin variable giving its period in seconds (0: off).
    public var intervalVariable: String {
        switch self {
        case .mysqlConnections: return "admin-stats_mysql_connections"
        case .connectionPool: return "admin-stats_mysql_connection_pool"
        case .queryCache: return "admin-stats_mysql_query_cache"
        case .systemCPU: return "admin-stats_system_cpu"
        case .systemMemory: return "admin-stats_system_memory"
        }
    }

    /// Whether a sample needs the proxy's counters collected first.
    public var needsProxyStats: Bool { self != .systemCPU }
}

/// One sampled table: its columns, the stats variable (or other source) each is read from, and how the `_hour` and
/// `_day` tables summarise it (cumulative counters keep their largest value, gauges their mean).
struct SampledTable {
    enum Summary { case latest, mean }

    let table: String
    /// Column → (source name, summary).
    let columns: [(column: String, source: String, summary: Summary)]
    /// Where `source` names are looked up: `stats.stats_mysql_global` or `stats.stats_memory_metrics`; nil: given.
    let sourceTable: String?

    static func global(_ table: String, _ columns: [(String, String, Summary)]) -> SampledTable {
        SampledTable(table: table, columns: columns.map { ($0.0, $0.1, $0.2) }, sourceTable: "stats.stats_mysql_global")
    }

    static let mysqlConnections = global("mysql_connections", [
        ("Client_Connections_aborted", "Client_Connections_aborted", .latest),
        ("Client_Connections_connected", "Client_Connections_connected", .mean),
        ("Client_Connections_created", "Client_Connections_created", .latest),
        ("Server_Connections_aborted", "Server_Connections_aborted", .latest),
        ("Server_Connections_connected", "Server_Connections_connected", .mean),
        ("Server_Connections_created", "Server_Connections_created", .latest),
        ("ConnPool_get_conn_failure", "ConnPool_get_conn_failure", .latest),
        ("ConnPool_get_conn_immediate", "ConnPool_get_conn_immediate", .latest),
        ("ConnPool_get_conn_success", "ConnPool_get_conn_success", .latest),
        ("Questions", "Questions", .latest),
        ("Slow_queries", "Slow_queries", .latest),
        ("GTID_consistent_queries", "GTID_consistent_queries", .latest),
    ])

    static let myhgmConnections = global("myhgm_connections", [
        ("MyHGM_myconnpoll_destroy", "MyHGM_myconnpoll_destroy", .latest),
        ("MyHGM_myconnpoll_get", "MyHGM_myconnpoll_get", .latest),
        ("MyHGM_myconnpoll_get_ok", "MyHGM_myconnpoll_get_ok", .latest),
        ("MyHGM_myconnpoll_push", "MyHGM_myconnpoll_push", .latest),
        ("MyHGM_myconnpoll_reset", "MyHGM_myconnpoll_reset", .latest),
    ])

    static let queryCache = global("mysql_query_cache", [
        ("count_GET", "Query_Cache_count_GET", .latest), ("count_GET_OK", "Query_Cache_count_GET_OK", .latest),
        ("count_SET", "Query_Cache_count_SET", .latest), ("bytes_IN", "Query_Cache_bytes_IN", .latest),
        ("bytes_OUT", "Query_Cache_bytes_OUT", .latest), ("Entries_Purged", "Query_Cache_Purged", .latest),
        ("Entries_In_Cache", "Query_Cache_Entries", .mean), ("Memory_Bytes", "Query_Cache_Memory_bytes", .mean),
    ])

    static let systemMemory = SampledTable(table: "system_memory", columns: [
        ("allocated", "jemalloc_allocated", .mean), ("resident", "jemalloc_resident", .mean), ("active", "jemalloc_active", .mean),
        ("mapped", "jemalloc_mapped", .mean), ("metadata", "jemalloc_metadata", .mean), ("retained", "jemalloc_retained", .mean),
    ], sourceTable: "stats.stats_memory_metrics")

    /// CPU time in clock ticks, from the process's own `times()`.
    static let systemCPU = SampledTable(table: "system_cpu", columns: [
        ("tms_utime", "tms_utime", .latest), ("tms_stime", "tms_stime", .latest),
    ], sourceTable: nil)

    static func tables(for kind: StatsHistoryKind) -> [SampledTable] {
        switch kind {
        case .mysqlConnections: return [mysqlConnections]
        case .connectionPool: return [myhgmConnections]
        case .queryCache: return [queryCache]
        case .systemCPU: return [systemCPU]
        case .systemMemory: return [systemMemory]
        }
    }

    /// `INSERT` of one sample at `?1` = timestamp (then the given values, for a table without a source table).
    var insertSQL: String {
        let names = columns.map(\.column).joined(separator: ", ")
        let values: String
        if let sourceTable {
            values = columns.map { "IFNULL((SELECT CAST(Variable_Value AS INT) FROM \(sourceTable) WHERE Variable_Name = '\($0.source)'), 0)" }
                .joined(separator: ", ")
        } else {
            values = columns.indices.map { "?\($0 + 2)" }.joined(separator: ", ")
        }
        return "INSERT OR REPLACE INTO stats_history.\(table) (timestamp, \(names)) SELECT ?1, \(values)"
    }

    /// Summarises every whole period (`seconds` long, ended before `?1` = now) not yet in `table_suffix`.
    func summarySQL(from source: String, into target: String, seconds: Int) -> String {
        let summaries = columns.map { column -> String in
            column.summary == .latest ? "MAX(\(column.column))" : "CAST(AVG(\(column.column)) AS INT)"
        }.joined(separator: ", ")
        return """
            INSERT OR IGNORE INTO stats_history.\(target) (timestamp, \(columns.map(\.column).joined(separator: ", "))) \
            SELECT timestamp / \(seconds) * \(seconds) AS period, \(summaries) FROM stats_history.\(source) \
            WHERE timestamp >= (SELECT IFNULL(MAX(timestamp) + \(seconds), 0) FROM stats_history.\(target)) \
            AND timestamp < ?1 / \(seconds) * \(seconds) GROUP BY period
            """
    }
}
