import Admin
import GRDB
import NIOCore
import Proxy
import SQLText

/// Turns the proxy's merged counters into the rows of the `stats_*` tables.
final class ProxyStatsSource: StatsSource {
    let server: ProxyServer
    let store: ProxyConfigStore

    init(server: ProxyServer, store: ProxyConfigStore) {
        self.server = server
        self.store = store
    }

    func collect(reset: StatsReset) -> EventLoopFuture<[String: TableRows]> {
        let snapshot = store.current
        let latencies = store.serverLatencies.withLockedValue { $0 }
        return server.collectStatistics(resetDigests: reset.contains(.digests), resetConnectionPool: reset.contains(.connectionPool),
                                        resetErrors: reset.contains(.errors)).map { stats in
            let digests = StatsTables.digestRows(stats.digests)
            return [
                "stats_mysql_query_digest": digests,
                "stats_mysql_query_digest_reset": digests,
                "stats_mysql_query_rules": StatsTables.ruleRows(ids: stats.ruleIDs, hits: stats.ruleHits),
                "stats_mysql_global": StatsTables.globalRows(stats, cache: self.store.queryCache.counters),
                "stats_mysql_users": StatsTables.userRows(stats.connectionsPerUser, users: snapshot.users),
                "stats_mysql_commands_counters": StatsTables.commandRows(stats.commands),
                "stats_mysql_connection_pool": StatsTables.poolRows(stats, latencies: latencies),
                "stats_mysql_connection_pool_reset": StatsTables.poolRows(stats, latencies: latencies),
                "stats_mysql_processlist": StatsTables.processRows(stats.processes),
                "stats_mysql_errors": StatsTables.errorRows(stats.errors),
                "stats_mysql_errors_reset": StatsTables.errorRows(stats.errors),
                "stats_mysql_free_connections": StatsTables.freeConnectionRows(stats.freeConnections),
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
             QueryDigest.hexString(key.digest).databaseValue, entry.digestText.databaseValue, entry.count.databaseValue,
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
            ("ProxySQL_Uptime", String(ProcessUptime.seconds)),
            ("Active_Transactions", String(stats.activeTransactions)),
            ("Client_Connections_connected", String(stats.clientConnectionsConnected)),
            ("Questions", String(stats.questions)),
            ("Server_Connections_free", String(stats.backendConnectionsFree)),
            ("Digest_entries", String(stats.digests.count)),
            ("Query_Processor_rules", String(stats.ruleIDs.count)),
            ("Slow_queries", String(stats.slowQueries)),
            ("ConnPool_get_conn_immediate", String(stats.getConnImmediate)),
            ("ConnPool_get_conn_success", String(stats.getConnSuccess)),
            ("ConnPool_get_conn_failure", String(stats.getConnFailure)),
            ("Servers_table_version", String(stats.serversTableVersion)),
            ("mysql_backend_buffers_bytes", "0"),
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

    static func commandRows(_ commands: [String: CommandCounter]) -> TableRows {
        let columns = ["Command", "Total_Time_us", "Total_cnt", "cnt_100us", "cnt_500us", "cnt_1ms", "cnt_5ms", "cnt_10ms",
                       "cnt_50ms", "cnt_100ms", "cnt_500ms", "cnt_1s", "cnt_5s", "cnt_10s", "cnt_INFs"]
        return TableRows(columns: columns, rows: CommandType.all.map { name in
            let counter = commands[name] ?? CommandCounter()
            return [name.databaseValue, Int64(clamping: counter.totalTimeUs).databaseValue, counter.count.databaseValue]
                + counter.buckets.map(\.databaseValue)
        })
    }

    static func poolRows(_ stats: ProxyStatistics, latencies: [ServerEndpoint: Int] = [:]) -> TableRows {
        let columns = ["hostgroup", "srv_host", "srv_port", "status", "ConnUsed", "ConnFree", "ConnOK", "ConnERR", "MaxConnUsed",
                       "Queries", "Queries_GTID_sync", "Bytes_data_sent", "Bytes_data_recv", "Latency_us"]
        let keys = Set(stats.serverConnections.keys).union(stats.servers.keys).sorted {
            ($0.hostgroup, $0.endpoint.host, $0.endpoint.port) < ($1.hostgroup, $1.endpoint.host, $1.endpoint.port)
        }
        return TableRows(columns: columns, rows: keys.map { key in
            let now = stats.serverConnections[key] ?? (used: 0, free: 0)
            let counters = stats.servers[key] ?? ServerCounters()
            let status = stats.serverStatus[key] ?? "OFFLINE_HARD"
            return [key.hostgroup.databaseValue, key.endpoint.host.databaseValue, key.endpoint.port.databaseValue,
                    status.databaseValue, now.used.databaseValue, now.free.databaseValue, counters.connectionsOK.databaseValue,
                    counters.connectionsFailed.databaseValue, max(counters.maxUsed, now.used).databaseValue,
                    counters.queries.databaseValue, 0.databaseValue, counters.bytesSent.databaseValue,
                    counters.bytesReceived.databaseValue, (latencies[key.endpoint] ?? 0).databaseValue]
        })
    }

    static func processRows(_ processes: [ClientProcessInfo]) -> TableRows {
        let columns = ["ThreadID", "SessionID", "user", "db", "cli_host", "cli_port", "hostgroup", "l_srv_host", "l_srv_port",
                       "srv_host", "srv_port", "command", "time_ms", "info", "status_flags", "extended_info"]
        return TableRows(columns: columns, rows: processes.sorted { $0.sessionID < $1.sessionID }.map(processRow))
    }

    private static func processRow(_ p: ClientProcessInfo) -> [DatabaseValue] {
        var row: [DatabaseValue] = [p.threadID.databaseValue, Int(p.sessionID).databaseValue, p.user.databaseValue]
        row += [p.schema.databaseValue, p.clientHost.databaseValue, p.clientPort.databaseValue]
        row += [p.hostgroup.databaseValue, p.localBackendHost.databaseValue, p.localBackendPort.databaseValue]
        row += [p.backendHost.databaseValue, p.backendPort.databaseValue, p.command.databaseValue]
        row += [p.timeMs.databaseValue, p.info.databaseValue, 0.databaseValue, DatabaseValue.null]
        return row
    }

    static func errorRows(_ errors: [ErrorKey: ErrorEntry]) -> TableRows {
        let columns = ["hostgroup", "hostname", "port", "username", "client_address", "schemaname", "errno", "count_star",
                       "first_seen", "last_seen", "last_error"]
        return TableRows(columns: columns, rows: errors.map { key, entry in
            [key.hostgroup.databaseValue, key.endpoint.host.databaseValue, key.endpoint.port.databaseValue,
             key.username.databaseValue, entry.clientAddress.databaseValue, key.schemaname.databaseValue,
             Int(key.errorCode).databaseValue, entry.count.databaseValue, entry.firstSeen.databaseValue,
             entry.lastSeen.databaseValue, entry.lastError.databaseValue]
        })
    }

    static func freeConnectionRows(_ connections: [FreeConnectionInfo]) -> TableRows {
        let columns = ["fd", "hostgroup", "srv_host", "srv_port", "user", "schema", "init_connect", "time_zone", "sql_mode",
                       "autocommit", "idle_ms", "statistics", "mysql_info"]
        return TableRows(columns: columns, rows: connections.map { c -> [DatabaseValue] in
            var row: [DatabaseValue] = [Int(c.threadID).databaseValue, c.hostgroup.databaseValue, c.endpoint.host.databaseValue]
            row += [c.endpoint.port.databaseValue, c.user.databaseValue, c.schema.databaseValue, DatabaseValue.null]
            row += [c.timeZone.databaseValue, c.sqlMode.databaseValue, c.autocommit.databaseValue, c.idleMs.databaseValue]
            row += [DatabaseValue.null, DatabaseValue.null]
            return row
        })
    }

}
