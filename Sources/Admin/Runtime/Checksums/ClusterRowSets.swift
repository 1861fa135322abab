import GRDB

/// One result set as a cluster peer receives it: column names and each field's text (nil for NULL).
public struct ClusterResultSet: Sendable, Equatable {
    public var columns: [String]
    public var rows: [[String?]]

    public init(columns: [String], rows: [[String?]]) {
        self.columns = columns
        self.rows = rows
    }
}

/// The result sets a module's checksum covers, cut from the runtime configuration with the columns, filters and
/// order of the fetch queries ProxySQL 2.7 peers send (`ClusterFetchQuery`). What is hashed is what peers are served.
public enum ClusterRowSets {
    static let serverColumns = ["hostgroup_id", "hostname", "port", "gtid_port", "status", "weight", "compression",
                                "max_connections", "max_replication_lag", "use_ssl", "max_latency_ms", "comment"]
    static let queryRuleColumns = [
        "rule_id", "username", "schemaname", "flagIN", "client_addr", "proxy_addr", "proxy_port", "digest", "match_digest",
        "match_pattern", "negate_match_pattern", "re_modifiers", "flagOUT", "replace_pattern", "destination_hostgroup",
        "cache_ttl", "cache_empty_result", "cache_timeout", "reconnect", "timeout", "retries", "delay", "next_query_flagIN",
        "mirror_flagOUT", "mirror_hostgroup", "error_msg", "OK_msg", "sticky_conn", "multiplex", "gtid_from_hostgroup",
        "log", "apply", "attributes", "comment",
    ]
    static let fastRoutingColumns = ["username", "schemaname", "flagIN", "destination_hostgroup", "comment"]
    static let userColumns = ["username", "password", "use_ssl", "default_hostgroup", "default_schema", "schema_locked",
                              "transaction_persistent", "fast_forward", "backend", "frontend", "max_connections",
                              "attributes", "comment"]
    static let clusterPeerColumns = ["hostname", "port", "weight", "comment"]
    /// The hostgroup tables after the servers in `mysql_servers_v2`, in hashing order, with their keys.
    static let hostgroupTables: [(table: String, key: [String])] = [
        ("mysql_replication_hostgroups", ["writer_hostgroup"]),
        ("mysql_group_replication_hostgroups", ["writer_hostgroup"]),
        ("mysql_galera_hostgroups", ["writer_hostgroup"]),
        ("mysql_aws_aurora_hostgroups", ["writer_hostgroup"]),
        ("mysql_hostgroup_attributes", ["hostgroup_id"]),
        ("mysql_servers_ssl_params", ["hostname", "port", "username"]),
    ]
    /// Variables each node keeps for itself: left out of the variables checksums and never taken from a peer.
    public static let nodeLocalVariables: Set<String> = [
        "mysql-threads", "mysql-interfaces", "admin-mysql_ifaces", "admin-restapi_port", "admin-telnet_admin_ifaces",
        "admin-telnet_stats_ifaces", "admin-web_port",
    ]

    /// The result sets of checksum `name` ("mysql_servers_v2", …) in hashing order.
    public static func resultSets(of name: String, in runtime: RuntimeConfiguration) -> [ClusterResultSet] {
        switch name {
        case "mysql_query_rules":
            let rules = runtime.tables["mysql_query_rules"].map { table in
                TableRows(columns: table.columns, rows: table.rows.filter { value(table, $0, "active") == "1" })
            }
            return [select(queryRuleColumns, from: rules, orderBy: ["rule_id"]),
                    select(fastRoutingColumns, from: runtime.tables["mysql_query_rules_fast_routing"],
                           orderBy: ["username", "schemaname", "flagIN"])]
        case "mysql_servers":
            return [servers(runtime.tables["mysql_servers"])]
        case "mysql_servers_v2":
            return [servers(runtime.tables["mysql_servers"])] + hostgroupTables.map { table, key in
                let rows = runtime.tables[table]
                return select(rows?.columns ?? [], from: rows, orderBy: key)
            }
        case "mysql_users":
            let users = runtime.tables["mysql_users"].map { table in
                TableRows(columns: table.columns, rows: table.rows.filter {
                    value(table, $0, "active") == "1" && (Int(value(table, $0, "default_hostgroup") ?? "") ?? -1) >= 0
                })
            }
            var set = select(userColumns, from: users, orderBy: [])
            set.rows = set.rows.map { $0.map { $0 ?? "" } }
            return [set]
        case "proxysql_servers":
            return [select(clusterPeerColumns, from: runtime.tables["proxysql_servers"], orderBy: ["hostname", "port"])]
        case "mysql_variables", "admin_variables":
            let prefix = name == "mysql_variables" ? "mysql-" : "admin-"
            let rows = runtime.variables
                .filter { $0.key.hasPrefix(prefix) && !nodeLocalVariables.contains($0.key) }
                .sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
                .map { [$0.key, $0.value] as [String?] }
            return [ClusterResultSet(columns: ["variable_name", "variable_value"], rows: rows)]
        default:
            return []
        }
    }

    /// The checksum value of `name` over its result sets.
    public static func checksum(of name: String, sets: [ClusterResultSet]) -> UInt64 {
        let rows = sets.map(\.rows)
        switch name {
        case "mysql_query_rules": return ClusterChecksum.queryRules(rules: rows.first ?? [], fastRouting: rows.dropFirst().first ?? [])
        case "mysql_servers_v2": return ClusterChecksum.serversV2(tables: rows)
        case "mysql_users": return ClusterChecksum.users(rows.first ?? [])
        default: return ClusterChecksum.rows(rows.first ?? [])
        }
    }

    /// Servers as peers see them: SHUNNED is ONLINE (a node's own view of a backend does not travel), OFFLINE_HARD
    /// rows are left out.
    private static func servers(_ table: TableRows?) -> ClusterResultSet {
        var set = select(serverColumns, from: table, orderBy: ["hostgroup_id", "hostname", "port"])
        set.rows = set.rows.compactMap { row in
            var row = row
            switch row[4]?.uppercased() {
            case "OFFLINE_HARD": return nil
            case "SHUNNED", "SHUNNED_REPLICATION_LAG", "ONLINE": row[4] = "ONLINE"
            case let status: row[4] = status
            }
            return row
        }
        return set
    }

    /// `SELECT columns FROM table ORDER BY key` with SQLite's ordering (NULL, numbers, then text byte-wise).
    private static func select(_ columns: [String], from table: TableRows?, orderBy key: [String]) -> ClusterResultSet {
        guard let table else { return ClusterResultSet(columns: columns, rows: []) }
        let indexes = columns.map { name in table.columns.firstIndex { $0.caseInsensitiveCompare(name) == .orderedSame } }
        let keyIndexes = key.compactMap { name in table.columns.firstIndex { $0.caseInsensitiveCompare(name) == .orderedSame } }
        let sorted = table.rows.sorted { a, b in
            for index in keyIndexes {
                let order = compare(a[index], b[index])
                if order != 0 { return order < 0 }
            }
            return false
        }
        return ClusterResultSet(columns: columns, rows: sorted.map { row in
            indexes.map { $0.flatMap { SQLiteRunner.text(row[$0]) } }
        })
    }

    private static func value(_ table: TableRows, _ row: [DatabaseValue], _ column: String) -> String? {
        table.columns.firstIndex(of: column).flatMap { SQLiteRunner.text(row[$0]) }
    }

    private static func compare(_ a: DatabaseValue, _ b: DatabaseValue) -> Int {
        func rank(_ v: DatabaseValue) -> Int {
            switch v.storage {
            case .null: return 0
            case .int64, .double: return 1
            case .string: return 2
            case .blob: return 3
            }
        }
        if rank(a) != rank(b) { return rank(a) < rank(b) ? -1 : 1 }
        switch (a.storage, b.storage) {
        case (.int64(let x), .int64(let y)): return x == y ? 0 : (x < y ? -1 : 1)
        case (.int64, _), (.double, _):
            let x = Double.fromDatabaseValue(a) ?? 0, y = Double.fromDatabaseValue(b) ?? 0
            return x == y ? 0 : (x < y ? -1 : 1)
        default:
            let x = Array((SQLiteRunner.text(a) ?? "").utf8), y = Array((SQLiteRunner.text(b) ?? "").utf8)
            return x == y ? 0 : (x.lexicographicallyPrecedes(y) ? -1 : 1)
        }
    }
}
