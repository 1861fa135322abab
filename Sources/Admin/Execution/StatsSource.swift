import GRDB
import NIOCore

/// The running proxy's counters as `stats_*` table rows. Junction's app implements it over the proxy's
/// event loops; the admin calls it before a statement that names a stats table.
public protocol StatsSource: AnyObject {
    /// The rows of every stats table the source knows, by table name; the counters named in `reset` are
    /// emptied as they are read (`*_reset` tables).
    func collect(reset: StatsReset) -> EventLoopFuture<[String: TableRows]>
}

/// Which cumulative counters a read also resets.
public struct StatsReset: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public static let digests = StatsReset(rawValue: 1)
    public static let connectionPool = StatsReset(rawValue: 2)
    public static let errors = StatsReset(rawValue: 4)
}

extension AdminExecutor {
    /// What a statement needs from the stats source: nothing, the counters, or the counters with the
    /// digest statistics reset (`*_reset`, SAVE MYSQL DIGEST TO DISK, TRUNCATE of the digest tables).
    public enum StatsNeed: Equatable {
        case none
        case read(reset: StatsReset)
    }

    /// Tables are named by plain substring, as ProxySQL does; SHOW forms that read them count too.
    public func statsNeed(for sql: String) -> StatsNeed {
        guard statsSource != nil else { return .none }
        let upper = AdminStatementText(sql).normalized
        var reset: StatsReset = []
        if sql.containsASCIICaseInsensitive("stats_mysql_query_digest_reset") || upper == "SAVE MYSQL DIGEST TO DISK"
            || (upper.hasPrefix("TRUNCATE") && upper.containsASCIICaseInsensitive("STATS_MYSQL_QUERY_DIGEST")) {
            reset.insert(.digests)
        }
        if sql.containsASCIICaseInsensitive("stats_mysql_connection_pool_reset") { reset.insert(.connectionPool) }
        if sql.containsASCIICaseInsensitive("stats_mysql_errors_reset") { reset.insert(.errors) }
        if !reset.isEmpty || sql.containsASCIICaseInsensitive("stats_") || upper == "SHOW MYSQL STATUS" || upper.hasSuffix("PROCESSLIST") {
            return .read(reset: reset)
        }
        return .none
    }

    /// Writes collected rows into the `stats` schema, replacing what was there, in one transaction (one commit
    /// instead of one per row; readers never see half of a collection).
    public func storeStats(_ tables: [String: TableRows]) {
        _ = try? database.withAdmin { db in
            try db.inTransaction {
                for (name, rows) in tables {
                    try rows.write(to: name, schema: "stats", in: db)
                }
                return .commit
            }
        }
    }
}
