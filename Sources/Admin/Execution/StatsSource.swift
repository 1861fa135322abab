import GRDB
import NIOCore

/// The running proxy's counters as `stats_*` table rows. Junction's app implements it over the proxy's
/// event loops; the admin calls it before a statement that names a stats table.
public protocol StatsSource: AnyObject {
    /// The rows of every stats table the source knows, by table name. `resetDigests` empties the digest
    /// statistics as they are read.
    func collect(resetDigests: Bool) -> EventLoopFuture<[String: TableRows]>
}

extension AdminExecutor {
    /// What a statement needs from the stats source: nothing, the counters, or the counters with the
    /// digest statistics reset (`*_reset`, SAVE MYSQL DIGEST TO DISK, TRUNCATE of the digest tables).
    public enum StatsNeed: Equatable {
        case none
        case read
        case readAndResetDigests
    }

    /// Tables are named by plain substring, as ProxySQL does; SHOW forms that read them count too.
    public func statsNeed(for sql: String) -> StatsNeed {
        guard statsSource != nil else { return .none }
        let upper = AdminStatementText(sql).normalized
        if sql.contains("stats_mysql_query_digest_reset") || upper == "SAVE MYSQL DIGEST TO DISK"
            || (upper.hasPrefix("TRUNCATE") && upper.contains("STATS_MYSQL_QUERY_DIGEST")) {
            return .readAndResetDigests
        }
        if sql.contains("stats_") || upper == "SHOW MYSQL STATUS" || upper.hasSuffix("PROCESSLIST") {
            return .read
        }
        return .none
    }

    /// Writes collected rows into the `stats` schema, replacing what was there.
    public func storeStats(_ tables: [String: TableRows]) {
        _ = try? database.withAdmin { db in
            for (name, rows) in tables {
                try rows.write(to: name, schema: "stats", in: db)
            }
        }
    }
}
