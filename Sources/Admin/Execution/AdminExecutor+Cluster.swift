import GRDB

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
    /// The modules a cluster peer can hand over, by the name of the checksum that decides (cluster.md §4: the
    /// servers by `mysql_servers_v2`, which covers every table of the module).
    public static let clusterModules: [(checksumName: String, module: AdminModule)] = [
        ("mysql_query_rules", .mysqlQueryRules), ("mysql_servers_v2", .mysqlServers), ("mysql_users", .mysqlUsers),
        ("proxysql_servers", .proxysqlServers), ("mysql_variables", .mysqlVariables), ("admin_variables", .adminVariables),
    ]

    /// Takes a module fetched from a cluster peer. `tables` are the rows of `RuntimeChecksums.tables(of:)` as the peer's
    /// runtime tables showed them, `variables` its `runtime_global_variables` for a variables module. Unless they hash to
    /// `expectedChecksum` (the peer changed meanwhile, or lies) nothing changes and this throws; otherwise they become
    /// MEMORY (per-node variables kept), then RUNTIME with the peer's epoch, then DISK when `saveToDisk`.
    public func applyClusterModule(checksumName: String, tables: [[[String?]]], variables: [(String, String)],
                                   expectedChecksum: String, epoch: Int, saveToDisk: Bool) throws {
        guard let module = Self.clusterModules.first(where: { $0.checksumName == checksumName })?.module else {
            throw AdminError.admin("\(checksumName) is not a module a peer can hand over")
        }
        let prefix = RuntimeChecksums.variablePrefix(of: checksumName)
        let fetched = prefix.map { RuntimeChecksums.checksum(ofVariables: variables, prefix: $0) }
            ?? RuntimeChecksums.checksum(ofTables: tables)
        guard fetched == expectedChecksum else {
            throw AdminError.admin("the fetched \(checksumName) hashes to \(fetched), not to the advertised \(expectedChecksum)")
        }
        try database.withAdmin { db in
            try db.inTransaction {
                if let prefix {
                    for (name, value) in variables where name.hasPrefix(prefix) && !RuntimeChecksums.nodeLocalVariables.contains(name) {
                        try db.execute(sql: "INSERT OR REPLACE INTO main.global_variables VALUES (?, ?)", arguments: [name, value])
                    }
                } else {
                    for (table, rows) in zip(RuntimeChecksums.tables(of: checksumName), tables) {
                        try db.execute(sql: "DELETE FROM main.\(table)")
                        for row in rows {
                            let marks = Array(repeating: "?", count: row.count).joined(separator: ", ")
                            try db.execute(sql: "INSERT INTO main.\(table) VALUES (\(marks))", arguments: StatementArguments(row))
                        }
                    }
                }
                _ = try loadToRuntime(module, in: db, epoch: epoch)
                return .commit
            }
        }
        if saveToDisk {
            try database.withAdmin { db in _ = try self.saveToDisk(module, in: db) }
        }
    }
}
