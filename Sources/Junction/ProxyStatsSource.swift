import Admin
import GRDB
import NIOCore
import Proxy

/// Turns the proxy's merged counters into the rows of the `stats_*` tables.
final class ProxyStatsSource: StatsSource {
    let server: ProxyServer
    let store: ProxyConfigStore

    init(server: ProxyServer, store: ProxyConfigStore) {
        self.server = server
        self.store = store
    }

    func collect(resetDigests: Bool) -> EventLoopFuture<[String: TableRows]> {
        let snapshot = store.current
        return server.collectStatistics(resetDigests: resetDigests).map { stats in
            let digests = StatsTables.digestRows(stats.digests)
            return [
                "stats_mysql_query_digest": digests,
                "stats_mysql_query_digest_reset": digests,
                "stats_mysql_query_rules": StatsTables.ruleRows(ids: stats.ruleIDs, hits: stats.ruleHits),
                "stats_mysql_global": StatsTables.globalRows(stats, cache: self.store.queryCache.counters),
                "stats_mysql_users": StatsTables.userRows(stats.connectionsPerUser, users: snapshot.users),
            ]
        }
    }
}

/// Pure mapping from counters to table rows.
enum StatsTables {
    static func digestRows(_ digests: [DigestKey: DigestEntry]) -> TableRows {
        let columns = ["hostgroup", "schemaname", "username", "client_address", "digest", "digest_text", "count_star",
                       "first_seen", "last_seen", "sum_time", "min_time", "max_time", "sum_rows_affected", "sum_rows_sent"]
        let rows = digests.map { key, entry -> [DatabaseValue] in
            [key.hostgroup.databaseValue, key.schemaname.databaseValue, key.username.databaseValue, key.clientAddress.databaseValue,
             hex(key.digest).databaseValue, entry.digestText.databaseValue, entry.count.databaseValue,
             entry.firstSeen.databaseValue, entry.lastSeen.databaseValue, Int64(clamping: entry.sumTime).databaseValue,
             Int64(clamping: entry.count == 0 ? 0 : entry.minTime).databaseValue, Int64(clamping: entry.maxTime).databaseValue,
             Int64(clamping: entry.sumRowsAffected).databaseValue, Int64(clamping: entry.sumRowsSent).databaseValue]
        }
        return TableRows(columns: columns, rows: rows)
    }

    static func ruleRows(ids: [Int], hits: [Int]) -> TableRows {
        TableRows(columns: ["rule_id", "hits"], rows: zip(ids, hits).map { [$0.databaseValue, $1.databaseValue] })
    }

    static func globalRows(_ stats: ProxyStatistics, cache: QueryCache.Counters) -> TableRows {
        let values: [(String, String)] = [
            ("ProxySQL_Uptime", String(ProcessClock.uptimeSeconds)),
            ("Active_Transactions", "0"),
            ("Client_Connections_connected", String(stats.clientConnectionsConnected)),
            ("Questions", String(stats.questions)),
            ("Server_Connections_free", String(stats.backendConnectionsFree)),
            ("Digest_entries", String(stats.digests.count)),
            ("Query_Processor_rules", String(stats.ruleIDs.count)),
            ("Query_Cache_Memory_bytes", String(cache.memoryBytes)),
            ("Query_Cache_count_GET", String(cache.gets)),
            ("Query_Cache_count_GET_OK", String(cache.getsOK)),
            ("Query_Cache_count_SET", String(cache.sets)),
            ("Query_Cache_bytes_IN", String(cache.bytesIn)),
            ("Query_Cache_bytes_OUT", String(cache.bytesOut)),
            ("Query_Cache_Purged", String(cache.purged)),
            ("Query_Cache_Entries", String(cache.entries)),
        ]
        return TableRows(columns: ["Variable_Name", "Variable_Value"],
                         rows: values.map { [$0.0.databaseValue, $0.1.databaseValue] })
    }

    static func userRows(_ connections: [String: Int], users: [String: ProxyUser]) -> TableRows {
        TableRows(columns: ["username", "frontend_connections", "frontend_max_connections"], rows: users.values.sorted { $0.username < $1.username }.map {
            [$0.username.databaseValue, (connections[$0.username] ?? 0).databaseValue, $0.maxConnections.databaseValue]
        })
    }

    /// `0x` and 16 upper-case hex digits.
    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return "0x" + String(repeating: "0", count: 16 - digits.count) + digits
    }
}

/// Seconds since Junction started.
enum ProcessClock {
    static let start = NIODeadline.now()
    static var uptimeSeconds: Int64 { (NIODeadline.now() - start).nanoseconds / 1_000_000_000 }
}
