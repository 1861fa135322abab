/// `/metrics`: the stats tables as Prometheus metric families, under the names ProxySQL 2.7.1's exporter uses
/// (docs/notes/proxysql-2.7.1-metrics-sample.txt), so existing dashboards and alerts keep working; then Junction's
/// own (`junction_*`), among them query latency histograms by hostgroup and server.
enum ProxyMetrics {
    /// What `/metrics` reads, in the order `families` takes them.
    static let statements = [
        ObservationQueries.global, ObservationQueries.pool, ObservationQueries.latency, ObservationQueries.memory,
        ObservationQueries.peers, ObservationQueries.peerChecksums, ObservationQueries.errorTotals,
        "SELECT variable_name, variable_value FROM runtime_global_variables WHERE variable_name IN ('admin-version', "
            + "'mysql-max_connections', 'mysql-wait_timeout', 'mysql-monitor_enabled', 'mysql-monitor_ping_interval', "
            + "'mysql-monitor_ping_timeout', 'mysql-monitor_ping_max_failures', 'mysql-monitor_read_only_interval', "
            + "'mysql-monitor_read_only_timeout', 'mysql-monitor_writer_is_also_reader', 'mysql-monitor_replication_lag_interval', "
            + "'mysql-monitor_replication_lag_timeout', 'mysql-monitor_history', 'mysql-monitor_replication_lag_group_by_host', "
            + "'mysql-monitor_aws_rds_topology_discovery_interval')",
        "SELECT uuid, hostname, port, last_seen_at FROM stats.stats_proxysql_servers_clients_status ORDER BY uuid, hostname, port",
    ]

    /// A family of one or more samples read from `stats_mysql_global` by variable name.
    private struct GlobalFamily {
        let name: String
        let kind: MetricFamily.Kind
        let help: String
        let samples: [(labels: [(String, String)], variable: String)]
        /// Applied to each value (ProxySQL reports a few nanosecond counters in seconds).
        var scale = 1.0
    }

    private static func plain(_ name: String, _ kind: MetricFamily.Kind, _ variable: String, _ help: String) -> GlobalFamily {
        GlobalFamily(name: name, kind: kind, help: help, samples: [([], variable)])
    }

    private static func labelled(_ name: String, _ kind: MetricFamily.Kind, _ label: String, _ help: String,
                                 _ values: [(String, String)]) -> GlobalFamily {
        GlobalFamily(name: name, kind: kind, help: help, samples: values.map { ([(label, $0.0)], $0.1) })
    }

    private static let globalFamilies: [GlobalFamily] = [
        plain("proxysql_uptime_seconds_total", .counter, "ProxySQL_Uptime", "Seconds since Junction started."),
        plain("proxysql_active_transactions", .gauge, "Active_Transactions", "Client sessions inside a transaction now."),
        plain("proxysql_client_connections_connected", .gauge, "Client_Connections_connected", "Client connections open now."),
        plain("proxysql_client_connections_non_idle", .gauge, "Client_Connections_non_idle", "Client sessions running a command now."),
        plain("proxysql_client_connections_hostgroup_locked", .gauge, "Client_Connections_hostgroup_locked",
              "Client sessions locked to a hostgroup."),
        labelled("proxysql_client_connections_total", .counter, "status", "Client connections created and aborted.",
                 [("created", "Client_Connections_created"), ("aborted", "Client_Connections_aborted")]),
        plain("proxysql_server_connections_connected", .gauge, "Server_Connections_connected", "Backend connections open now."),
        labelled("proxysql_server_connections_total", .counter, "status", "Backend connections created, delayed and aborted.",
                 [("created", "Server_Connections_created"), ("delayed", "Server_Connections_delayed"),
                  ("aborted", "Server_Connections_aborted")]),
        plain("proxysql_questions_total", .counter, "Questions", "Statements clients sent."),
        plain("proxysql_slow_queries_total", .counter, "Slow_queries", "Queries slower than mysql-long_query_time."),
        labelled("proxysql_queries_backends_bytes_total", .counter, "traffic_flow", "Query bytes exchanged with backends.",
                 [("sent", "Queries_backends_bytes_sent"), ("received", "Queries_backends_bytes_recv")]),
        labelled("proxysql_queries_frontends_bytes_total", .counter, "traffic_flow", "Query bytes exchanged with clients.",
                 [("sent", "Queries_frontends_bytes_sent"), ("received", "Queries_frontends_bytes_recv")]),
        GlobalFamily(name: "proxysql_query_processor_time_seconds_total", kind: .counter, help: "Time spent evaluating query rules.",
                     samples: [([], "Query_Processor_time_nsec")], scale: 1e-9),
        GlobalFamily(name: "proxysql_backend_query_time_seconds_total", kind: .counter, help: "Time spent waiting on backends.",
                     samples: [([], "Backend_query_time_nsec")], scale: 1e-9),
        plain("proxysql_com_autocommit_total", .counter, "Com_autocommit", "SET autocommit statements."),
        plain("proxysql_com_autocommit_filtered_total", .counter, "Com_autocommit_filtered", "SET autocommit answered without a backend."),
        plain("proxysql_com_commit_cnt_total", .counter, "Com_commit", "COMMIT statements."),
        plain("proxysql_com_commit_cnt_filtered_total", .counter, "Com_commit_filtered", "COMMIT answered without a backend."),
        plain("proxysql_com_rollback_total", .counter, "Com_rollback", "ROLLBACK statements."),
        plain("proxysql_com_rollback_filtered_total", .counter, "Com_rollback_filtered", "ROLLBACK answered without a backend."),
        plain("proxysql_com_backend_change_user_total", .counter, "Com_backend_change_user", "COM_CHANGE_USER sent to backends."),
        plain("proxysql_com_backend_init_db_total", .counter, "Com_backend_init_db", "COM_INIT_DB sent to backends."),
        plain("proxysql_com_backend_set_names_total", .counter, "Com_backend_set_names", "SET NAMES sent to backends."),
        plain("proxysql_com_frontend_init_db_total", .counter, "Com_frontend_init_db", "COM_INIT_DB from clients."),
        plain("proxysql_com_frontend_set_names_total", .counter, "Com_frontend_set_names", "SET NAMES from clients."),
        plain("proxysql_com_frontend_use_db_total", .counter, "Com_frontend_use_db", "USE from clients."),
        labelled("proxysql_com_backend_stmt_total", .counter, "op", "Prepared-statement commands sent to backends.",
                 [("prepare", "Com_backend_stmt_prepare"), ("execute", "Com_backend_stmt_execute"), ("close", "Com_backend_stmt_close")]),
        labelled("proxysql_com_frontend_stmt_total", .counter, "op", "Prepared-statement commands from clients.",
                 [("prepare", "Com_frontend_stmt_prepare"), ("execute", "Com_frontend_stmt_execute"), ("close", "Com_frontend_stmt_close")]),
        plain("proxysql_selects_for_update__autocommit0_total", .counter, "Selects_for_update__autocommit0",
              "SELECT … FOR UPDATE with autocommit off."),
        plain("proxysql_access_denied_wrong_password_total", .counter, "Access_Denied_Wrong_Password", "Logins refused for a wrong password."),
        plain("proxysql_access_denied_max_connections_total", .counter, "Access_Denied_Max_Connections",
              "Logins refused at mysql-max_connections."),
        plain("proxysql_access_denied_max_user_connections_total", .counter, "Access_Denied_Max_User_Connections",
              "Logins refused at a user's max_connections."),
        plain("proxysql_myhgm_myconnpool_get_total", .counter, "MyHGM_myconnpoll_get", "Requests to the connection pool."),
        plain("proxysql_myhgm_myconnpool_get_ok_total", .counter, "MyHGM_myconnpoll_get_ok", "Pool requests that got a connection."),
        plain("proxysql_myhgm_myconnpool_push_total", .counter, "MyHGM_myconnpoll_push", "Connections returned to the pool."),
        plain("proxysql_myhgm_myconnpool_reset_total", .counter, "MyHGM_myconnpoll_reset", "Pooled connections reset."),
        plain("proxysql_myhgm_myconnpool_destroy_total", .counter, "MyHGM_myconnpoll_destroy", "Pooled connections closed as unhealthy."),
        plain("proxysql_connpool_get_conn_success_total", .counter, "ConnPool_get_conn_success", "Sessions that got a backend connection."),
        plain("proxysql_connpool_get_conn_success_immediate_total", .counter, "ConnPool_get_conn_immediate",
              "Sessions that got an idle connection at once."),
        plain("proxysql_connpool_get_conn_success_latency_awareness_total", .counter, "ConnPool_get_conn_latency_awareness",
              "Connections picked by latency awareness."),
        plain("proxysql_connpool_get_conn_failure_total", .counter, "ConnPool_get_conn_failure", "Sessions the pool had no connection for."),
        plain("proxysql_gtid_consistent_queries_total", .counter, "GTID_consistent_queries", "Queries with GTID-consistent reads."),
        plain("proxysql_gtid_session_collected_total", .counter, "GTID_session_collected", "Sessions with GTID state collected."),
        plain("proxysql_generated_error_packets_total", .counter, "generated_error_packets", "Error packets Junction generated."),
        plain("proxysql_max_connect_timeouts_total", .counter, "max_connect_timeouts", "Backend connects that timed out."),
        plain("proxysql_backend_lagging_during_query_total", .counter, "backend_lagging_during_query", "Queries failed on a lagging server."),
        plain("proxysql_backend_offline_during_query_total", .counter, "backend_offline_during_query", "Queries failed on an offline server."),
        plain("proxysql_queries_with_max_lag_total", .counter, "queries_with_max_lag_ms", "Queries with a max_lag annotation."),
        plain("proxysql_queries_with_max_lag__delayed_total", .counter, "queries_with_max_lag_ms__delayed", "Queries delayed by max_lag."),
        plain("proxysql_queries_with_max_lag__total_wait_time_total", .counter, "queries_with_max_lag_ms__total_wait_time_us",
              "Time waited because of max_lag."),
        plain("proxysql_mysql_unexpected_frontend_com_quit_total", .counter, "mysql_unexpected_frontend_com_quit", "Unexpected COM_QUIT from clients."),
        plain("proxysql_mysql_unexpected_frontend_packets_total", .counter, "mysql_unexpected_frontend_packets", "Unexpected packets from clients."),
        plain("proxysql_hostgroup_locked_set_cmds_total", .counter, "hostgroup_locked_set_cmds", "Sessions locked to a hostgroup."),
        plain("proxysql_hostgroup_locked_queries_total", .counter, "hostgroup_locked_queries", "Queries refused by a hostgroup lock."),
        plain("proxysql_automatic_detected_sql_injection_total", .counter, "automatic_detected_sql_injection", "Blocked SQL injection attempts."),
        plain("proxysql_whitelisted_sqli_fingerprint_total", .counter, "whitelisted_sqli_fingerprint", "Whitelisted SQL injection fingerprints."),
        plain("proxysql_mysql_killed_backend_connections_total", .counter, "mysql_killed_backend_connections", "Backend connections killed."),
        plain("proxysql_mysql_killed_backend_queries_total", .counter, "mysql_killed_backend_queries", "Backend queries killed."),
        plain("proxysql_client_host_error_killed_connections", .counter, "client_host_error_killed_connections",
              "Client connections killed for too many errors from their host."),
        plain("proxysql_servers_table_version_total", .counter, "Servers_table_version", "Times the servers table changed."),
        plain("proxysql_mysql_thread_workers", .gauge, "MySQL_Thread_Workers", "Event loops serving clients (mysql-threads)."),
        plain("proxysql_mysql_monitor_workers", .gauge, "MySQL_Monitor_Workers", "Monitor workers."),
        plain("proxysql_mysql_monitor_workers_aux", .gauge, "MySQL_Monitor_Workers_Aux", "Auxiliary monitor workers."),
        plain("proxysql_mysql_monitor_workers_started_total", .counter, "MySQL_Monitor_Workers_Started", "Monitor workers started."),
        labelled("proxysql_mysql_monitor_connect_check_total", .counter, "status", "Monitor connect checks.",
                 [("ok", "MySQL_Monitor_connect_check_OK"), ("err", "MySQL_Monitor_connect_check_ERR")]),
        labelled("proxysql_mysql_monitor_ping_check_total", .counter, "status", "Monitor ping checks.",
                 [("ok", "MySQL_Monitor_ping_check_OK"), ("err", "MySQL_Monitor_ping_check_ERR")]),
        labelled("proxysql_mysql_monitor_read_only_check_total", .counter, "status", "Monitor read_only checks.",
                 [("ok", "MySQL_Monitor_read_only_check_OK"), ("err", "MySQL_Monitor_read_only_check_ERR")]),
        labelled("proxysql_mysql_monitor_replication_lag_check_total", .counter, "status", "Monitor replication lag checks.",
                 [("ok", "MySQL_Monitor_replication_lag_check_OK"), ("err", "MySQL_Monitor_replication_lag_check_ERR")]),
        plain("proxysql_mysql_monitor_dns_cache_queried", .counter, "MySQL_Monitor_dns_cache_queried", "Monitor DNS cache lookups."),
        plain("proxysql_mysql_monitor_dns_cache_lookup_success", .counter, "MySQL_Monitor_dns_cache_lookup_success", "Monitor DNS cache hits."),
        plain("proxysql_mysql_monitor_dns_cache_record_updated", .counter, "MySQL_Monitor_dns_cache_record_updated", "Monitor DNS cache updates."),
        labelled("proxysql_query_cache_count_get_total", .counter, "status", "Query cache reads, found or not.",
                 [("ok", "Query_Cache_count_GET_OK"), ("err", "Query_Cache_count_GET_missed")]),
        plain("proxysql_query_cache_count_set_total", .counter, "Query_Cache_count_SET", "Query cache writes."),
        labelled("proxysql_query_cache_bytes_total", .counter, "op", "Bytes read from and written into the query cache.",
                 [("read", "Query_Cache_bytes_OUT"), ("written", "Query_Cache_bytes_IN")]),
        plain("proxysql_query_cache_purged_total", .counter, "Query_Cache_Purged", "Query cache entries purged."),
        plain("proxysql_query_cache_entries_total", .counter, "Query_Cache_Entries", "Entries in the query cache now."),
        plain("proxysql_query_cache_memory_bytes", .gauge, "Query_Cache_Memory_bytes", "Memory the query cache holds."),
        plain("proxysql_mysql_backend_buffers_bytes", .gauge, "mysql_backend_buffers_bytes", "Backend buffers of fast-forward sessions."),
        plain("proxysql_mysql_frontend_buffers_bytes", .gauge, "mysql_frontend_buffers_bytes", "Client connection buffers."),
        plain("proxysql_mysql_session_internal_bytes", .gauge, "mysql_session_internal_bytes", "Other session memory."),
        plain("proxysql_connpool_memory_bytes", .gauge, "ConnPool_memory_bytes", "Memory of the connection pool's metadata."),
        plain("proxysql_stmt_client_active", .gauge, "Stmt_Client_Active_Total", "Prepared statements clients hold."),
        plain("proxysql_stmt_client_active_unique", .gauge, "Stmt_Client_Active_Unique", "Distinct prepared statements clients hold."),
        plain("proxysql_stmt_server_active", .gauge, "Stmt_Server_Active_Total", "Prepared statements on backend connections."),
        plain("proxysql_stmt_server_active_unique", .gauge, "Stmt_Server_Active_Unique", "Distinct prepared statements on backends."),
        plain("proxysql_stmt_max_stmt_id", .gauge, "Stmt_Max_Stmt_id", "Highest prepared statement id given out."),
        plain("proxysql_stmt_cached", .gauge, "Stmt_Cached", "Prepared statements with cached metadata."),
        plain("proxysql_mysql_listener_paused", .gauge, "mysql_listener_paused", "1 while the client listener is paused."),
        plain("proxysql_mirror_concurrency", .gauge, "Mirror_concurrency", "Mirrored queries running now."),
        plain("proxysql_mirror_queue_lengths", .gauge, "Mirror_queue_length", "Mirrored queries waiting."),
        plain("proxysql_aws_aurora_replicas_skipped_during_query_total", .counter, "get_aws_aurora_replicas_skipped_during_query",
              "Aurora replicas skipped while choosing a server."),
        plain("junction_server_connections_free", .gauge, "Server_Connections_free", "Idle backend connections in the pools."),
        plain("junction_query_digest_entries", .gauge, "Digest_entries", "Entries in stats_mysql_query_digest."),
        plain("junction_query_rules", .gauge, "Query_Processor_rules", "Query rules at runtime."),
    ]

    /// Server status as ProxySQL's `proxysql_connpool_conns_status` encodes it.
    static let statusCodes = ["ONLINE": 1.0, "SHUNNED": 2, "OFFLINE_SOFT": 3, "OFFLINE_HARD": 4, "SHUNNED_REPLICATION_LAG": 5]

    static func families(_ tables: [ResultTable]) -> [MetricFamily] {
        let (global, pool, latency, memory, peers, checksums, errors, variables, clients) =
            (tables[0], tables[1], tables[2], tables[3], tables[4], tables[5], tables[6], tables[7], tables[8])
        var values: [String: Double] = [:]
        for row in global.rows where row.count >= 2 {
            guard let name = row[0].string else { continue }
            values[name] = row[1].number ?? (row[1].string == "true" ? 1 : 0)
        }
        values["Query_Cache_count_GET_missed"] = (values["Query_Cache_count_GET"] ?? 0) - (values["Query_Cache_count_GET_OK"] ?? 0)
        var out = globalFamilies.compactMap { family -> MetricFamily? in
            let samples = family.samples.compactMap { sample in
                values[sample.variable].map { MetricFamily.Sample(labels: sample.labels, value: $0 * family.scale) }
            }
            return samples.isEmpty ? nil : MetricFamily(name: family.name, help: family.help, kind: family.kind, samples: samples)
        }
        out += poolFamilies(pool)
        out += latencyFamilies(latency)
        out += clusterFamilies(peers: peers, checksums: checksums)
        out.append(MetricFamily(name: "proxysql_servers_clients_status_last_seen_at", help: "When a cluster peer last polled this node.",
                                kind: .gauge, samples: clients.records.map {
            .init(labels: [("hostname", $0.text("hostname")), ("port", $0.text("port")), ("uuid", $0.text("uuid"))],
                  value: $0.number("last_seen_at"))
        }))
        out += errorFamilies(errors)
        out += memoryFamilies(memory)
        out += variableFamilies(variables)
        return out
    }

    private static func poolFamilies(_ pool: ResultTable) -> [MetricFamily] {
        let records = pool.records
        func server(_ record: ResultTable.Record) -> [(String, String)] {
            [("hostgroup", record.text("hostgroup")), ("endpoint", "\(record.text("srv_host")):\(record.text("srv_port"))")]
        }
        func family(_ name: String, _ kind: MetricFamily.Kind, _ help: String,
                    _ samples: (ResultTable.Record) -> [MetricFamily.Sample]) -> MetricFamily {
            MetricFamily(name: name, help: help, kind: kind, samples: records.flatMap(samples))
        }
        return [
            family("proxysql_connpool_conns", .gauge, "Backend connections in use and idle, by server.") { record in
                [.init(labels: server(record) + [("status", "used")], value: record.number("ConnUsed")),
                 .init(labels: server(record) + [("status", "free")], value: record.number("ConnFree"))]
            },
            family("proxysql_connpool_conns_total", .counter, "Backend connects that succeeded and failed, by server.") { record in
                [.init(labels: server(record) + [("status", "ok")], value: record.number("ConnOK")),
                 .init(labels: server(record) + [("status", "err")], value: record.number("ConnERR"))]
            },
            family("proxysql_connpool_conns_queries_total", .counter, "Queries sent to each server.") { record in
                [.init(labels: server(record), value: record.number("Queries"))]
            },
            family("proxysql_connpool_data_bytes_total", .counter, "Query bytes sent to and received from each server.") { record in
                [.init(labels: server(record) + [("traffic_flow", "sent")], value: record.number("Bytes_data_sent")),
                 .init(labels: server(record) + [("traffic_flow", "recv")], value: record.number("Bytes_data_recv"))]
            },
            family("proxysql_connpool_conns_latency_us", .gauge, "The monitor's latest ping time of each server, in microseconds.") { record in
                [.init(labels: server(record), value: record.number("Latency_us"))]
            },
            family("proxysql_connpool_conns_status", .gauge,
                   "Server status: 1 ONLINE, 2 SHUNNED, 3 OFFLINE_SOFT, 4 OFFLINE_HARD, 5 SHUNNED_REPLICATION_LAG.") { record in
                [.init(labels: server(record), value: statusCodes[record.text("status")] ?? 0)]
            },
            family("junction_connpool_conns_max_used", .gauge, "Most connections in use at once, by server.") { record in
                [.init(labels: server(record), value: record.number("MaxConnUsed"))]
            },
        ]
    }

    /// `junction_query_latency_seconds`: a histogram per server in a hostgroup (sum by hostgroup in PromQL).
    private static func latencyFamilies(_ latency: ResultTable) -> [MetricFamily] {
        var samples: [MetricFamily.Sample] = []
        for record in latency.records {
            let buckets = LatencyBuckets(record)
            let labels = [("hostgroup", record.text("hostgroup")), ("endpoint", "\(record.text("srv_host")):\(record.text("srv_port"))")]
            for (index, running) in buckets.cumulative.enumerated() {
                let bound = index < LatencyBuckets.boundsUs.count ? PrometheusExposition.format(LatencyBuckets.boundsUs[index] / 1e6) : "+Inf"
                samples.append(.init(suffix: "_bucket", labels: labels + [("le", bound)], value: running))
            }
            samples.append(.init(suffix: "_sum", labels: labels, value: buckets.timeUs / 1e6))
            samples.append(.init(suffix: "_count", labels: labels, value: buckets.count))
        }
        return [MetricFamily(name: "junction_query_latency_seconds", help: "Query time by hostgroup and server, as clients saw it.",
                             kind: .histogram, samples: samples)]
    }

    private static func clusterFamilies(peers: ResultTable, checksums: ResultTable) -> [MetricFamily] {
        let peerRecords = peers.records
        func peer(_ record: ResultTable.Record) -> [(String, String)] {
            [("hostname", record.text("hostname")), ("port", record.text("port"))]
        }
        func peerFamily(_ name: String, _ kind: MetricFamily.Kind, _ column: String, _ help: String) -> MetricFamily {
            MetricFamily(name: name, help: help, kind: kind,
                         samples: peerRecords.map { .init(labels: peer($0), value: $0.number(column)) })
        }
        let checksumRecords = checksums.records
        func checksumFamily(_ name: String, _ kind: MetricFamily.Kind, _ column: String, _ help: String) -> MetricFamily {
            MetricFamily(name: name, help: help, kind: kind, samples: checksumRecords.map {
                .init(labels: peer($0) + [("name", $0.text("name"))], value: $0.number(column))
            })
        }
        return [
            peerFamily("proxysql_servers_metrics_uptime_s_total", .counter, "Uptime_s", "A cluster peer's uptime in seconds."),
            peerFamily("proxysql_servers_metrics_queries_total", .counter, "Queries", "Queries a cluster peer has served."),
            peerFamily("proxysql_servers_metrics_client_conns_created_total", .counter, "Client_Connections_created",
                       "Client connections a cluster peer has accepted."),
            peerFamily("proxysql_servers_metrics_client_conns_connected_total", .gauge, "Client_Connections_connected",
                       "Client connections open on a cluster peer."),
            peerFamily("proxysql_servers_metrics_response_time_ms", .gauge, "response_time_ms", "A cluster peer's latest answer time, ms."),
            peerFamily("proxysql_servers_metrics_last_check_ms", .gauge, "last_check_ms", "Time of the latest check of a cluster peer, ms."),
            checksumFamily("proxysql_servers_checksums_version_total", .counter, "version", "A peer module's version (loads)."),
            checksumFamily("proxysql_servers_checksums_epoch", .gauge, "epoch", "When a peer module's configuration was made."),
            checksumFamily("proxysql_servers_checksums_changed_at", .gauge, "changed_at", "When a peer module's checksum last changed."),
            checksumFamily("proxysql_servers_checksums_updated_at", .gauge, "updated_at", "When a peer module was last checked."),
            checksumFamily("proxysql_servers_checksums_diff_check", .gauge, "diff_check",
                           "Checks in a row that found a peer module different from this node's."),
        ]
    }

    /// `mysql_error_total`: errors backends returned, by hostgroup, server and code (`errorTotals` sums them).
    private static func errorFamilies(_ errors: ResultTable) -> [MetricFamily] {
        let samples = errors.records.map { record in
            MetricFamily.Sample(labels: [("hostgroup", record.text("hostgroup")), ("address", record.text("hostname")),
                                         ("port", record.text("port")), ("code", record.text("errno"))],
                                value: record.number("count_star"))
        }
        return [MetricFamily(name: "mysql_error_total", help: "Errors backends returned.", kind: .counter, samples: samples)]
    }

    private static func memoryFamilies(_ memory: ResultTable) -> [MetricFamily] {
        var values: [String: Double] = [:]
        for row in memory.rows where row.count >= 2 { if let name = row[0].string { values[name] = row[1].number } }
        let names = ["Auth_memory": "proxysql_auth_memory_bytes", "query_digest_memory": "proxysql_query_digest_memory_bytes",
                     "mysql_query_rules_memory": "proxysql_mysql_query_rules_memory_bytes",
                     "prepare_statement_metadata_memory": "prepare_stmt_metadata_memory_bytes",
                     "prepare_statement_backend_memory": "prepare_stmt_backend_memory_bytes",
                     "SQLite3_memory_bytes": "proxysql_sqlite3_memory_bytes",
                     "stack_memory_mysql_threads": "proxysql_stack_memory_mysql_threads_bytes",
                     "stack_memory_admin_threads": "proxysql_stack_memory_admin_threads_bytes",
                     "stack_memory_cluster_threads": "proxysql_stack_memory_cluster_threads",
                     "mysql_firewall_users_table": "proxysql_mysql_firewall_users_table_bytes",
                     "mysql_firewall_users_config": "proxysql_mysql_firewall_users_config_bytes",
                     "mysql_firewall_rules_table": "proxysql_mysql_firewall_rules_table_bytes",
                     "mysql_firewall_rules_config": "proxysql_mysql_firewall_rules_config_bytes"]
        var out: [MetricFamily] = names.keys.sorted().compactMap { variable in
            values[variable].map { .single(names[variable]!, .gauge, "\(variable) of stats_memory_metrics, in bytes.", $0) }
        }
        // ProxySQL reports jemalloc's figures; Junction (glibc malloc) reports the process's, under the same names.
        let kinds = ["active", "mapped", "metadata", "resident", "retained"]
        let samples = kinds.compactMap { kind in values["jemalloc_\(kind)"].map { MetricFamily.Sample(labels: [("type", kind)], value: $0) } }
        out.append(MetricFamily(name: "proxysql_jemalloc_bytes", help: "Process memory by kind, in bytes.", kind: .gauge, samples: samples))
        if let allocated = values["jemalloc_allocated"] {
            out.append(.single("proxysql_jemalloc_allocated_bytes_total", .counter, "Bytes allocated now.", allocated))
        }
        return out
    }

    private static func variableFamilies(_ variables: ResultTable) -> [MetricFamily] {
        var values: [String: String] = [:]
        for row in variables.rows where row.count >= 2 { if let name = row[0].string { values[name] = row[1].string ?? "" } }
        func number(_ name: String, scale: Double = 1) -> Double? {
            values[name].flatMap { $0 == "true" ? 1 : $0 == "false" ? 0 : Double($0) }.map { $0 * scale }
        }
        var out: [MetricFamily] = []
        if let version = values["admin-version"] {
            out.append(MetricFamily(name: "proxysql_version_info", help: "The version the admin reports.", kind: .gauge,
                                    samples: [.init(labels: [("version", version), ("version_comment", "Junction \(version)")], value: 1)]))
        }
        let gauges: [(String, String, Double, String)] = [
            ("proxysql_mysql_max_connections", "mysql-max_connections", 1, "mysql-max_connections."),
            ("proxysql_mysql_wait_timeout", "mysql-wait_timeout", 1, "mysql-wait_timeout, ms."),
            ("proxysql_mysql_monitor_ping_interval", "mysql-monitor_ping_interval", 1e-3, "mysql-monitor_ping_interval in seconds."),
            ("proxysql_mysql_monitor_ping_timeout_seconds", "mysql-monitor_ping_timeout", 1e-3, "mysql-monitor_ping_timeout in seconds."),
            ("proxysql_mysql_monitor_ping_max_failures", "mysql-monitor_ping_max_failures", 1, "mysql-monitor_ping_max_failures."),
            ("proxysql_mysql_monitor_read_only_interval_seconds", "mysql-monitor_read_only_interval", 1e-3,
             "mysql-monitor_read_only_interval in seconds."),
            ("proxysql_mysql_monitor_read_only_timeout_seconds", "mysql-monitor_read_only_timeout", 1e-3,
             "mysql-monitor_read_only_timeout in seconds."),
            ("proxysql_mysql_monitor_replication_lag_interval_seconds", "mysql-monitor_replication_lag_interval", 1e-3,
             "mysql-monitor_replication_lag_interval in seconds."),
            ("proxysql_mysql_monitor_replication_lag_timeout_seconds", "mysql-monitor_replication_lag_timeout", 1e-3,
             "mysql-monitor_replication_lag_timeout in seconds."),
            ("proxysql_mysql_monitor_history_timeout_seconds", "mysql-monitor_history", 1e-3, "mysql-monitor_history in seconds."),
            ("proxysql_monitor_replication_lag_group_by_host", "mysql-monitor_replication_lag_group_by_host", 1,
             "mysql-monitor_replication_lag_group_by_host."),
            ("proxysql_mysql_monitor_aws_rds_topology_discovery_interval", "mysql-monitor_aws_rds_topology_discovery_interval", 1,
             "mysql-monitor_aws_rds_topology_discovery_interval."),
        ]
        for (name, variable, scale, help) in gauges {
            if let value = number(variable, scale: scale) { out.append(.single(name, .gauge, help, value)) }
        }
        if let enabled = number("mysql-monitor_enabled") {
            out.append(.single("proxysql_mysql_monitor_enabled", .gauge, "1 when the monitor runs.", enabled))
        }
        if let writerIsReader = number("mysql-monitor_writer_is_also_reader") {
            out.append(.single("proxysql_mysql_monitor_writer_is_also_reader", .gauge, "mysql-monitor_writer_is_also_reader.",
                               writerIsReader))
        }
        return out
    }
}
