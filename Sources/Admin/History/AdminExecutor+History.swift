import Foundation
import GRDB

extension AdminExecutor {
    /// The `stats_history` sampling periods from the runtime admin variables.
    public var statsHistoryIntervals: [StatsHistoryKind: Int] {
        Dictionary(uniqueKeysWithValues: StatsHistoryKind.allCases.map { kind in
            (kind, Int(adminVariables[kind.intervalVariable] ?? "") ?? 0)
        })
    }

    public var digestToDiskInterval: Int { Int(adminVariables["admin-stats_mysql_query_digest_to_disk"] ?? "") ?? 0 }

    /// Writes one sample of each of `kinds` at `now` (epoch seconds) from the stats tables (store them first), then
    /// the hourly and daily summaries of periods that ended, and drops samples past their retention (base tables 7
    /// days, hourly 1 year), as ProxySQL's statistics thread does.
    ///
    /// Each kind's sample is stamped with the start of its interval and written in one transaction; a kind that fails
    /// is reported in the error after the others are written.
    public func recordHistory(_ kinds: [StatsHistoryKind], now: Int, cpuTicks: (user: Int, system: Int)) throws {
        let intervals = statsHistoryIntervals
        var failures: [String] = []
        try database.withAdmin { db in
            for kind in kinds {
                let interval = max(1, intervals[kind] ?? 1)
                do {
                    try db.inTransaction {
                        try record(kind, at: now / interval * interval, cpuTicks: cpuTicks, in: db)
                        return .commit
                    }
                } catch {
                    failures.append("\(kind.rawValue): \(error)")
                }
            }
        }
        if !failures.isEmpty { throw AdminError.admin("stats_history: " + failures.joined(separator: "; ")) }
    }

    private func record(_ kind: StatsHistoryKind, at now: Int, cpuTicks: (user: Int, system: Int), in db: Database) throws {
        for sampled in SampledTable.tables(for: kind) {
            var arguments: [DatabaseValueConvertible] = [now]
            if sampled.sourceTable == nil { arguments += [cpuTicks.user, cpuTicks.system] }
            try db.execute(sql: sampled.insertSQL, arguments: StatementArguments(arguments))
            try summarise(sampled, now: now, in: db)
        }
        if kind == .mysqlConnections { try recordStatusVariables(now: now, in: db) }
        if kind == .connectionPool {
            try db.execute(sql: """
                INSERT OR REPLACE INTO stats_history.history_stats_mysql_connection_pool SELECT ?, hostgroup, srv_host, srv_port, \
                status, ConnUsed, ConnFree, ConnOK, ConnERR, MaxConnUsed, Queries, Queries_GTID_sync, Bytes_data_sent, \
                Bytes_data_recv, Latency_us FROM stats.stats_mysql_connection_pool
                """, arguments: [now])
            try db.execute(sql: "DELETE FROM stats_history.history_stats_mysql_connection_pool WHERE timestamp < ?",
                           arguments: [now - 7 * 86_400])
        }
    }

    /// `history_mysql_status_variables`: every `stats_mysql_global` value, by id from the lookup table.
    private func recordStatusVariables(now: Int, in db: Database) throws {
        try db.execute(sql: """
            INSERT OR IGNORE INTO stats_history.history_mysql_status_variables_lookup (variable_name) \
            SELECT Variable_Name FROM stats.stats_mysql_global
            """)
        try db.execute(sql: """
            INSERT OR REPLACE INTO stats_history.history_mysql_status_variables SELECT ?, l.variable_id, g.Variable_Value \
            FROM stats.stats_mysql_global g JOIN stats_history.history_mysql_status_variables_lookup l ON l.variable_name = g.Variable_Name
            """, arguments: [now])
        try db.execute(sql: "DELETE FROM stats_history.history_mysql_status_variables WHERE timestamp < ?", arguments: [now - 7 * 86_400])
    }

    private func summarise(_ sampled: SampledTable, now: Int, in db: Database) throws {
        let hour = sampled.table + "_hour", day = sampled.table + "_day"
        try db.execute(sql: sampled.summarySQL(from: sampled.table, into: hour, seconds: 3_600), arguments: [now])
        try db.execute(sql: sampled.summarySQL(from: hour, into: day, seconds: 86_400), arguments: [now])
        try db.execute(sql: "DELETE FROM stats_history.\(sampled.table) WHERE timestamp < ?", arguments: [now - 7 * 86_400])
        try db.execute(sql: "DELETE FROM stats_history.\(hour) WHERE timestamp < ?", arguments: [now - 365 * 86_400])
    }
}
