import Foundation
import GRDB
import JunctionConfig

/// What the monitor writes: its log rows, and runtime server placement (MEMORY untouched).
extension AdminExecutor {
    /// Appends one row to a `monitor.*` table (values in the table's column order).
    public func appendMonitorLog(_ table: String, _ values: [DatabaseValueConvertible?]) {
        let marks = Array(repeating: "?", count: values.count).joined(separator: ", ")
        _ = try? database.withAdmin { db in
            try db.execute(sql: "INSERT OR REPLACE INTO monitor.\(table) VALUES (\(marks))", arguments: StatementArguments(values))
        }
    }

    /// Drops monitor log rows older than `microseconds` (`mysql-monitor_history`).
    public func purgeMonitorLogs(olderThan microseconds: Int64) {
        _ = try? database.withAdmin { db in
            for table in ["mysql_server_connect_log", "mysql_server_ping_log", "mysql_server_read_only_log",
                          "mysql_server_replication_lag_log"] {
                try db.execute(sql: "DELETE FROM monitor.\(table) WHERE time_start_us < ?", arguments: [microseconds])
            }
        }
    }

    /// Replaces the runtime `mysql_servers` (the monitor's placement) and makes it live; `mysql_servers` gets a new
    /// checksum and epoch (its version and `mysql_servers_v2` stay: peers do not take a monitor's placement). MEMORY
    /// keeps what the user wrote.
    public func applyRuntimeServers(_ servers: [MySQLServerRow], reason: String) throws {
        let columns = ["hostgroup_id", "hostname", "port", "gtid_port", "status", "weight", "compression", "max_connections",
                       "max_replication_lag", "use_ssl", "max_latency_ms", "comment"]
        let rows: [[DatabaseValue]] = servers.map { s in
            [s.hostgroupID.databaseValue, s.hostname.databaseValue, s.port.databaseValue, s.gtidPort.databaseValue,
             s.status.rawValue.databaseValue, s.weight.databaseValue, s.compression.databaseValue, s.maxConnections.databaseValue,
             s.maxReplicationLag.databaseValue, s.useSSL.databaseValue, s.maxLatencyMs.databaseValue, s.comment.databaseValue]
        }
        var candidate = runtime
        candidate.tables[MySQLServerRow.tableName] = TableRows(columns: columns, rows: rows)
        try goLive(candidate, changed: .mysqlServers, as: .monitorPlacement)
        logger.notice("runtime servers changed by the monitor", metadata: ["reason": "\(reason)"])
    }
}
