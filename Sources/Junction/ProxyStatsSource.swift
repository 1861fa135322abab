import Admin
import GRDB
import HTTPEndpoints
import NIOCore
import Proxy
import SQLText

/// Turns the proxy's merged counters into the rows of the `stats_*` tables.
final class ProxyStatsSource: StatsSource {
    let server: ProxyServer
    let store: ProxyConfigStore
    /// What the stats need beyond the proxy's counters; asked on the admin's loop, when a collection starts.
    let globalContext: () -> GlobalContext

    init(server: ProxyServer, store: ProxyConfigStore, globalContext: @escaping () -> GlobalContext) {
        self.server = server
        self.store = store
        self.globalContext = globalContext
    }

    func collect(reset: StatsReset) -> EventLoopFuture<[String: TableRows]> {
        let snapshot = store.current
        let context = globalContext()
        let latencies = store.serverLatencies.withLockedValue { $0 }
        return server.collectStatistics(resetDigests: reset.contains(.digests), resetConnectionPool: reset.contains(.connectionPool),
                                        resetErrors: reset.contains(.errors)).map { stats in
            let digests = StatsTables.digestRows(stats.digests)
            return [
                "stats_mysql_query_digest": digests,
                "stats_mysql_query_digest_reset": digests,
                "stats_mysql_query_rules": StatsTables.ruleRows(ids: stats.ruleIDs, hits: stats.ruleHits),
                "stats_mysql_global": StatsTables.globalRows(stats, cache: self.store.queryCache.counters, context: context),
                "stats_mysql_users": StatsTables.userRows(stats.connectionsPerUser, users: snapshot.users),
                "stats_mysql_commands_counters": StatsTables.commandRows(stats.commands),
                "stats_mysql_connection_pool": StatsTables.poolRows(stats, latencies: latencies),
                "stats_mysql_connection_pool_reset": StatsTables.poolRows(stats, latencies: latencies),
                "stats_mysql_query_latency": StatsTables.latencyRows(stats.servers),
                "stats_mysql_processlist": StatsTables.processRows(stats.processes),
                "stats_mysql_errors": StatsTables.errorRows(stats.errors),
                "stats_mysql_errors_reset": StatsTables.errorRows(stats.errors),
                "stats_mysql_free_connections": StatsTables.freeConnectionRows(stats.freeConnections),
                "stats_memory_metrics": MemoryMetrics.rows(.init(
                    sqliteBytes: context.sqliteBytes,
                    authBytes: snapshot.users.values.reduce(0) { $0 + $1.username.utf8.count + $1.password.utf8.count + 64 },
                    digestBytes: stats.digests.reduce(0) { $0 + $1.value.digestText.utf8.count + 128 },
                    ruleBytes: stats.ruleIDs.count * 256,
                    preparedClientBytes: stats.clientStatementTexts.reduce(0) { $0 + $1.utf8.count },
                    preparedServerBytes: stats.serverStatementTexts.reduce(0) { $0 + $1.utf8.count },
                    threads: context.threads)),
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

    /// Every variable ProxySQL 2.7.1 reports, in its order, then Junction's own. A counter of something Junction
    /// does not do (GTID tracking, Aurora, SQL-injection detection, hostgroup locking, …) is 0, as ProxySQL shows it
    /// with those features unused; the processing-time counters are 0 as with ProxySQL's defaults.
    static func globalRows(_ stats: ProxyStatistics, cache: QueryCache.Counters, context: GlobalContext) -> TableRows {
        let g = stats.global
        let commands = stats.commands
        let connected = stats.serverConnections.values.reduce(0) { $0 + $1.used + $1.free }
        let monitor = context.monitorChecks
        func check(_ name: String) -> String { String(monitor[name] ?? 0) }
        var values: [(String, String)] = [
            ("ProxySQL_Uptime", String(ProcessUptime.seconds)),
            ("Active_Transactions", String(stats.activeTransactions)),
            ("Client_Connections_aborted", String(g[.clientConnectionsAborted])),
            ("Client_Connections_connected", String(stats.clientConnectionsConnected)),
            ("Client_Connections_created", String(g[.clientConnectionsCreated])),
            ("Server_Connections_aborted", String(g[.serverConnectionsAborted])),
            ("Server_Connections_connected", String(connected)),
            ("Server_Connections_created", String(g[.serverConnectionsCreated])),
            ("Server_Connections_delayed", "0"),
            ("Client_Connections_non_idle", String(stats.clientConnectionsNonIdle)),
            ("mysql_backend_buffers_bytes", "0"),
            ("mysql_frontend_buffers_bytes", "0"),
            ("mysql_session_internal_bytes", "0"),
            ("Com_autocommit", String(g[.comAutocommit])),
            ("Com_autocommit_filtered", String(g[.comAutocommitFiltered])),
            ("Com_commit", String(commands["COMMIT"]?.count ?? 0)),
            ("Com_commit_filtered", String(g[.comCommitFiltered])),
            ("Com_rollback", String(commands["ROLLBACK"]?.count ?? 0)),
            ("Com_rollback_filtered", String(g[.comRollbackFiltered])),
        ]
        let counted: [GlobalCounter] = [.comBackendChangeUser, .comBackendInitDB, .comBackendSetNames, .comFrontendInitDB,
                                        .comFrontendSetNames, .comFrontendUseDB, .comBackendStmtPrepare, .comBackendStmtExecute,
                                        .comBackendStmtClose, .comFrontendStmtPrepare, .comFrontendStmtExecute, .comFrontendStmtClose]
        values += counted.map { ($0.name, String(g[$0])) }
        values += [
            ("Questions", String(stats.questions)),
            ("Slow_queries", String(stats.slowQueries)),
            ("GTID_consistent_queries", "0"),
            ("GTID_session_collected", "0"),
            // Junction relays a query's bytes as they are: what backends sent is what clients were sent.
            ("Queries_backends_bytes_recv", String(g[.queriesFrontendsBytesSent])),
            ("Queries_backends_bytes_sent", String(g[.queriesFrontendsBytesRecv])),
            ("Queries_frontends_bytes_recv", String(g[.queriesFrontendsBytesRecv])),
            ("Queries_frontends_bytes_sent", String(g[.queriesFrontendsBytesSent])),
            ("Query_Processor_time_nsec", "0"),
            ("Backend_query_time_nsec", "0"),
            ("ConnPool_get_conn_latency_awareness", "0"),
            ("ConnPool_get_conn_immediate", String(stats.getConnImmediate)),
            ("ConnPool_get_conn_success", String(stats.getConnSuccess)),
            ("ConnPool_get_conn_failure", String(stats.getConnFailure)),
            ("mysql_killed_backend_connections", "0"),
            ("mysql_killed_backend_queries", String(g[.killedBackendQueries])),
        ]
        values += ["hostgroup_locked_set_cmds", "hostgroup_locked_queries", "mysql_unexpected_frontend_com_quit",
                   "mysql_unexpected_frontend_packets", "queries_with_max_lag_ms__total_wait_time_us",
                   "queries_with_max_lag_ms__delayed", "queries_with_max_lag_ms", "backend_lagging_during_query",
                   "backend_offline_during_query", "get_aws_aurora_replicas_skipped_during_query",
                   "automatic_detected_sql_injection", "whitelisted_sqli_fingerprint"].map { ($0, "0") }
        values += [
            ("max_connect_timeouts", String(stats.getConnFailure)),
            ("generated_error_packets", "0"),
            ("client_host_error_killed_connections", "0"),
            ("Client_Connections_hostgroup_locked", "0"),
            ("Mirror_concurrency", "0"),
            ("Mirror_queue_length", "0"),
            ("Selects_for_update__autocommit0", "0"),
            ("Servers_table_version", String(stats.serversTableVersion)),
            ("MySQL_Thread_Workers", String(context.threads)),
            ("Access_Denied_Wrong_Password", String(g[.accessDeniedWrongPassword])),
            ("Access_Denied_Max_Connections", String(g[.accessDeniedMaxConnections])),
            ("Access_Denied_Max_User_Connections", String(g[.accessDeniedMaxUserConnections])),
            // The monitor runs on the admin's one event loop.
            ("MySQL_Monitor_Workers", context.monitorEnabled ? "1" : "0"),
            ("MySQL_Monitor_Workers_Aux", "0"),
            ("MySQL_Monitor_Workers_Started", context.monitorEnabled ? "1" : "0"),
        ]
        for name in ["connect", "ping", "read_only", "replication_lag"] {
            values += [("MySQL_Monitor_\(name)_check_OK", check("MySQL_Monitor_\(name)_check_OK")),
                       ("MySQL_Monitor_\(name)_check_ERR", check("MySQL_Monitor_\(name)_check_ERR"))]
        }
        values += [
            ("MySQL_Monitor_dns_cache_queried", "0"),
            ("MySQL_Monitor_dns_cache_lookup_success", "0"),
            ("MySQL_Monitor_dns_cache_record_updated", "0"),
            ("MyHGM_myconnpoll_get", String(stats.getConnSuccess + stats.getConnFailure)),
            ("MyHGM_myconnpoll_get_ok", String(stats.getConnSuccess)),
            ("MyHGM_myconnpoll_push", String(g[.poolPush])),
            ("MyHGM_myconnpoll_destroy", String(g[.poolDestroy])),
            ("MyHGM_myconnpoll_reset", String(g[.poolReset])),
            ("SQLite3_memory_bytes", "0"),
            ("ConnPool_memory_bytes", "0"),
            ("Stmt_Client_Active_Total", String(stats.clientStatementsTotal)),
            ("Stmt_Client_Active_Unique", String(stats.clientStatementTexts.count)),
            ("Stmt_Server_Active_Total", String(stats.serverStatementsTotal)),
            ("Stmt_Server_Active_Unique", String(stats.serverStatementTexts.count)),
            ("Stmt_Max_Stmt_id", String(stats.clientStatementTexts.count + 1)),
            ("Stmt_Cached", String(stats.serverStatementTexts.count)),
            ("Query_Cache_Memory_bytes", String(cache.memoryBytes)),
            ("Query_Cache_count_GET", String(cache.gets)),
            ("Query_Cache_count_GET_OK", String(cache.getsOK)),
            ("Query_Cache_count_SET", String(cache.sets)),
            ("Query_Cache_bytes_IN", String(cache.bytesIn)),
            ("Query_Cache_bytes_OUT", String(cache.bytesOut)),
            ("Query_Cache_Purged", String(cache.purged)),
            ("Query_Cache_Entries", String(cache.entries)),
            ("new_req_conns_count", "0"),
            ("mysql_listener_paused", "false"),
            // Junction's own.
            ("Server_Connections_free", String(stats.backendConnectionsFree)),
            ("Digest_entries", String(stats.digests.count)),
            ("Query_Processor_rules", String(stats.ruleIDs.count)),
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

    /// Junction's `stats_mysql_query_latency`: each server's query latency in a hostgroup, bucketed as the command counters.
    static func latencyRows(_ servers: [ServerKey: ServerCounters]) -> TableRows {
        let columns = ["hostgroup", "srv_host", "srv_port", "Total_Time_us", "Total_cnt", "cnt_100us", "cnt_500us", "cnt_1ms",
                       "cnt_5ms", "cnt_10ms", "cnt_50ms", "cnt_100ms", "cnt_500ms", "cnt_1s", "cnt_5s", "cnt_10s", "cnt_INFs"]
        let keys = servers.keys.filter { servers[$0]!.latency.count > 0 }.sorted {
            ($0.hostgroup, $0.endpoint.host, $0.endpoint.port) < ($1.hostgroup, $1.endpoint.host, $1.endpoint.port)
        }
        return TableRows(columns: columns, rows: keys.map { key in
            let latency = servers[key]!.latency
            return [key.hostgroup.databaseValue, key.endpoint.host.databaseValue, key.endpoint.port.databaseValue,
                    Int64(clamping: latency.totalTimeUs).databaseValue, latency.count.databaseValue] + latency.buckets.map(\.databaseValue)
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

    /// The `statistics` column: JSON, as ProxySQL fills it (the counters Junction keeps per connection).
    static func freeConnectionStatistics(_ c: FreeConnectionInfo) -> String {
        JSONValue.object([("age_ms", .number(Double(c.ageMs))), ("idle_ms", .number(Double(c.idleMs)))]).text
    }

    /// The `mysql_info` column: JSON describing the server side of the connection.
    static func freeConnectionInfo(_ c: FreeConnectionInfo) -> String {
        JSONValue.object([("host", .string(c.endpoint.host)), ("port", .number(Double(c.endpoint.port))), ("user", .string(c.user)),
                          ("db", c.schema.map(JSONValue.string) ?? .null), ("thread_id", .number(Double(c.threadID))),
                          ("server_version", .string(c.serverVersion)), ("autocommit", .string(c.autocommit))]).text
    }

    static func freeConnectionRows(_ connections: [FreeConnectionInfo]) -> TableRows {
        let columns = ["fd", "hostgroup", "srv_host", "srv_port", "user", "schema", "init_connect", "time_zone", "sql_mode",
                       "autocommit", "idle_ms", "statistics", "mysql_info"]
        return TableRows(columns: columns, rows: connections.map { c -> [DatabaseValue] in
            var row: [DatabaseValue] = [Int(c.threadID).databaseValue, c.hostgroup.databaseValue, c.endpoint.host.databaseValue]
            row += [c.endpoint.port.databaseValue, c.user.databaseValue, c.schema.databaseValue, DatabaseValue.null]
            row += [c.timeZone.databaseValue, c.sqlMode.databaseValue, c.autocommit.databaseValue, c.idleMs.databaseValue]
            row += [freeConnectionStatistics(c).databaseValue, freeConnectionInfo(c).databaseValue]
            return row
        })
    }

}

/// The process facts in `stats_mysql_global` that are not the proxy's counters.
struct GlobalContext: Sendable {
    var threads: Int
    var monitorEnabled: Bool
    var monitorChecks: [String: Int]
    /// The size of the admin's SQLite files (configuration and statistics).
    var sqliteBytes: Int
}
