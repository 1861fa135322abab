import GRDB
import JunctionConfig

extension AdminExecutor {
    /// Replaces a peer's rows of a `stats_proxysql_servers_*` table (the cluster's view of that peer).
    public func replaceClusterPeerRows(_ table: String, hostname: String, port: Int, rows: [[DatabaseValueConvertible?]]) {
        _ = try? database.withAdmin { db in
            try db.execute(sql: "DELETE FROM stats.\(table) WHERE hostname = ? AND port = ?", arguments: [hostname, port])
            for row in rows {
                let marks = Array(repeating: "?", count: row.count).joined(separator: ", ")
                try db.execute(sql: "INSERT OR REPLACE INTO stats.\(table) VALUES (\(marks))", arguments: StatementArguments(row))
            }
        }
    }

    /// Drops the rows of peers not in `kept` (hostname, port) from the cluster's stats tables.
    public func keepClusterPeerRows(_ kept: Set<String>) {
        _ = try? database.withAdmin { db in
            for table in ["stats_proxysql_servers_checksums", "stats_proxysql_servers_metrics"] {
                let rows = try Row.fetchAll(db, sql: "SELECT DISTINCT hostname, port FROM stats.\(table)")
                for row in rows {
                    let hostname: String = row["hostname"] ?? ""
                    let port: Int = row["port"] ?? 0
                    if !kept.contains("\(hostname):\(port)") {
                        try db.execute(sql: "DELETE FROM stats.\(table) WHERE hostname = ? AND port = ?", arguments: [hostname, port])
                    }
                }
            }
        }
    }
}

extension AdminExecutor {
    /// The result set hashed into a checksum that a peer's `PROXY_SELECT … FROM table` fetches, nil for other tables.
    func servedToPeers(_ table: String) -> ClusterResultSet? {
        let sources: [String: (checksum: String, index: Int)] = [
            "runtime_mysql_query_rules": ("mysql_query_rules", 0), "runtime_mysql_query_rules_fast_routing": ("mysql_query_rules", 1),
            "runtime_mysql_users": ("mysql_users", 0), "runtime_mysql_servers": ("mysql_servers", 0), "mysql_servers_v2": ("mysql_servers_v2", 0),
            "runtime_mysql_replication_hostgroups": ("mysql_servers_v2", 1), "runtime_mysql_group_replication_hostgroups": ("mysql_servers_v2", 2),
            "runtime_mysql_galera_hostgroups": ("mysql_servers_v2", 3), "runtime_mysql_aws_aurora_hostgroups": ("mysql_servers_v2", 4),
            "runtime_mysql_hostgroup_attributes": ("mysql_servers_v2", 5), "runtime_mysql_servers_ssl_params": ("mysql_servers_v2", 6),
        ]
        guard let source = sources[table], let sets = checksums.served[source.checksum], source.index < sets.count else { return nil }
        return sets[source.index]
    }

    /// The modules a cluster peer can hand over, by the name of the checksum that decides (cluster.md §4: the
    /// servers by `mysql_servers_v2`, which covers every table of the module).
    public static let clusterModules: [(checksumName: String, module: AdminModule)] = [
        ("mysql_query_rules", .mysqlQueryRules), ("mysql_servers_v2", .mysqlServers), ("mysql_users", .mysqlUsers),
        ("proxysql_servers", .proxysqlServers), ("mysql_variables", .mysqlVariables), ("admin_variables", .adminVariables),
    ]

    /// Takes a module fetched from a cluster peer: `results` answer `ClusterFetchQueries.queries(forChecksum:)`, in order.
    /// Unless they hash to `expectedChecksum` (the peer changed meanwhile, or lies) nothing changes and this throws;
    /// otherwise they become MEMORY (per-node variables kept), then RUNTIME with the peer's epoch, then DISK when
    /// `saveToDisk`.
    ///
    /// `runtimeServers`: the peer's runtime servers and its `mysql_servers` epoch and checksum, taken after the servers
    /// module (`admin-cluster_mysql_servers_sync_algorithm` 1) as the runtime servers, the monitor's placement of a
    /// peer; checked like the rest before anything changes.
    public func applyClusterModule(checksumName: String, results: [ClusterResultSet],
                                   runtimeServers: (set: ClusterResultSet, epoch: Int, checksum: String)? = nil,
                                   expectedChecksum: String, epoch: Int, saveToDisk: Bool) throws {
        guard let module = Self.clusterModules.first(where: { $0.checksumName == checksumName })?.module else {
            throw AdminError.admin("\(checksumName) is not a module a peer can hand over")
        }
        let tables = module.variablePrefix == nil ? Self.fetchedTables(of: checksumName) : ["global_variables"]
        guard results.count == tables.count else {
            throw AdminError.admin("the peer answered \(results.count) result sets for \(checksumName), not \(tables.count)")
        }
        let fetched = ClusterChecksum.render(ClusterRowSets.checksum(of: checksumName, sets: results))
        guard fetched == expectedChecksum else {
            throw AdminError.admin("the fetched \(checksumName) hashes to \(fetched), not to the advertised \(expectedChecksum)")
        }
        if let runtimeServers {
            let hashed = ClusterChecksum.render(ClusterChecksum.rows(runtimeServers.set.rows))
            guard hashed == runtimeServers.checksum else {
                throw AdminError.admin("the fetched runtime mysql_servers hash to \(hashed), not to the advertised \(runtimeServers.checksum)")
            }
        }
        try database.withAdmin { db in
            try db.inTransaction {
                for (table, result) in zip(tables, results) {
                    try replaceMemoryRows(of: table, with: result, variablePrefix: module.variablePrefix, in: db)
                }
                _ = try loadToRuntime(module, in: db, peer: (epoch: epoch, checksum: expectedChecksum))
                if let runtimeServers {
                    var candidate = runtime
                    candidate.tables["mysql_servers"] = Self.serverRows(runtimeServers.set)
                    try goLive(candidate, changed: .mysqlServers, as: .peerRuntimeServers(epoch: runtimeServers.epoch, checksum: runtimeServers.checksum))
                }
                return .commit
            }
        }
        if saveToDisk {
            try database.withAdmin { db in _ = try self.saveToDisk(module, in: db) }
        }
    }

    /// Fetched servers as runtime rows: the text columns stay text, the others are integers as in the tables.
    static func serverRows(_ set: ClusterResultSet) -> TableRows {
        let textColumns: Set<String> = ["hostname", "status", "comment"]
        let rows: [[DatabaseValue]] = set.rows.map { row in
            zip(set.columns, row).map { column, text -> DatabaseValue in
                guard let text else { return .null }
                if textColumns.contains(column.lowercased()) { return text.databaseValue }
                return Int64(text)?.databaseValue ?? text.databaseValue
            }
        }
        return TableRows(columns: set.columns, rows: rows)
    }

    /// The MEMORY tables a table module's fetched result sets go to, in fetch order.
    static func fetchedTables(of checksumName: String) -> [String] {
        switch checksumName {
        case "mysql_servers_v2": return AdminModule.mysqlServers.tables
        case "mysql_query_rules": return AdminModule.mysqlQueryRules.tables
        case "mysql_users": return AdminModule.mysqlUsers.tables
        case "proxysql_servers": return AdminModule.proxysqlServers.tables
        default: return []
        }
    }

    /// Writes one fetched result set into MEMORY: a table's rows are replaced (by column name, the fetched rules and
    /// users being active ones); variables are merged, a node's own ones (interfaces, threads) and names Junction
    /// does not know left alone.
    private func replaceMemoryRows(of table: String, with result: ClusterResultSet, variablePrefix: String?, in db: Database) throws {
        if let variablePrefix {
            guard let name = result.columns.firstIndex(where: { $0.caseInsensitiveCompare("variable_name") == .orderedSame }),
                  let value = result.columns.firstIndex(where: { $0.caseInsensitiveCompare("variable_value") == .orderedSame }) else {
                throw AdminError.admin("the peer's variables have no variable_name/variable_value columns")
            }
            for row in result.rows {
                guard let variable = row[name], variable.hasPrefix(variablePrefix), !ClusterRowSets.nodeLocalVariables.contains(variable),
                      let definition = VariableCatalog.definition(named: variable), definition.name != "admin-version" else { continue }
                try db.execute(sql: "INSERT OR REPLACE INTO main.global_variables VALUES (?, ?)", arguments: [definition.name, row[value] ?? ""])
            }
            return
        }
        let known = try Set(String.fetchAll(db, sql: "SELECT name FROM pragma_table_info(?, 'main')", arguments: [table]).map { $0.lowercased() })
        var columns = result.columns.filter { known.contains($0.lowercased()) }
        let indexes = columns.map { column in result.columns.firstIndex(of: column)! }
        let activeAdded = (table == "mysql_query_rules" || table == "mysql_users") && !known.isDisjoint(with: ["active"])
            && !columns.contains { $0.lowercased() == "active" }
        if activeAdded { columns.append("active") }
        try db.execute(sql: "DELETE FROM main.\(table)")
        guard !result.rows.isEmpty else { return }
        let names = columns.map { "\"\($0)\"" }.joined(separator: ", ")
        let marks = Array(repeating: "?", count: columns.count).joined(separator: ", ")
        let insert = try db.makeStatement(sql: "INSERT INTO main.\(table) (\(names)) VALUES (\(marks))")
        for row in result.rows where row.count == result.columns.count {
            var values: [DatabaseValueConvertible?] = indexes.map { row[$0] }
            if activeAdded { values.append(1) }
            try insert.execute(arguments: StatementArguments(values))
        }
    }
}
