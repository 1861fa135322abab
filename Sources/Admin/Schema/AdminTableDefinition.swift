/// The SQLite databases an admin connection sees (`SHOW DATABASES`).
public enum AdminSchemaName: String, Sendable, CaseIterable {
    /// MEMORY: the editable configuration and the `runtime_*` views.
    case main
    /// DISK: `<datadir>/junction.db`.
    case disk
    /// Counters, filled from the running proxy when a query names a table.
    case stats
    /// Health-check logs written by the monitor.
    case monitor
    /// Periodic snapshots, `<datadir>/junction_stats.db`.
    case statsHistory = "stats_history"
}

/// One admin table: its name, where it exists, and its exact CREATE TABLE text.
public struct AdminTableDefinition: Sendable {
    public let name: String
    public let schemas: [AdminSchemaName]
    public let createSQL: String

    init(_ name: String, in schemas: [AdminSchemaName], _ createSQL: String) {
        self.name = name
        self.schemas = schemas
        self.createSQL = createSQL
    }

    /// `runtime_mysql_servers` → `mysql_servers`; nil for tables that are not runtime views.
    public var configTableName: String? {
        name.hasPrefix("runtime_") ? String(name.dropFirst("runtime_".count)) : nil
    }
}

/// Every admin table Junction creates (the definitions live in `AdminTableCatalog+Definitions.swift`).
public enum AdminTableCatalog {
    public static var all: [AdminTableDefinition] { definitions }

    public static func tables(in schema: AdminSchemaName) -> [AdminTableDefinition] {
        definitions.filter { $0.schemas.contains(schema) }
    }

    /// The definition of `name` in `schema` (names repeat across schemas, e.g. `global_variables`).
    public static func table(_ name: String, in schema: AdminSchemaName) -> AdminTableDefinition? {
        definitions.first { $0.name == name && $0.schemas.contains(schema) }
    }

    /// Indexes on the monitor logs and the digest history, so that time-range queries stay cheap.
    static let indexes: [(schema: AdminSchemaName, sql: String)] = [
        (.monitor, "CREATE INDEX IF NOT EXISTS idx_connect_log_time_start ON mysql_server_connect_log (time_start_us)"),
        (.monitor, "CREATE INDEX IF NOT EXISTS idx_ping_log_time_start ON mysql_server_ping_log (time_start_us)"),
        (.monitor, "CREATE INDEX IF NOT EXISTS idx_read_only_log_time_start ON mysql_server_read_only_log (time_start_us)"),
        (.monitor, "CREATE INDEX IF NOT EXISTS idx_replication_lag_log_time_start ON mysql_server_replication_lag_log (time_start_us)"),
        (.monitor, "CREATE INDEX IF NOT EXISTS idx_group_replication_log_time_start ON mysql_server_group_replication_log (time_start_us)"),
        (.monitor, "CREATE INDEX IF NOT EXISTS idx_galera_log_time_start ON mysql_server_galera_log (time_start_us)"),
        (.statsHistory, "CREATE INDEX IF NOT EXISTS idx_history_mysql_query_digest_first_seen ON history_mysql_query_digest (first_seen)"),
        (.statsHistory, "CREATE INDEX IF NOT EXISTS idx_history_mysql_query_digest_dump_time ON history_mysql_query_digest (dump_time)"),
        (.statsHistory, "CREATE INDEX IF NOT EXISTS idx_history_mysql_status_variable_id_timestamp ON history_mysql_status_variables (variable_id, timestamp)"),
    ]

    /// `SHOW CREATE TABLE` layout: a line break after the opening parenthesis and after every ` , `
    /// separator, each column indented by four spaces.
    public static func showCreateText(_ createSQL: String) -> String {
        guard let open = createSQL.firstIndex(of: "(") else { return createSQL }
        let head = createSQL[...open]
        let body = createSQL[createSQL.index(after: open)...]
        return head + "\n    " + body.replacingOccurrences(of: " , ", with: ",\n    ")
    }
}
