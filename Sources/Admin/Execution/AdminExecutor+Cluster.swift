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
