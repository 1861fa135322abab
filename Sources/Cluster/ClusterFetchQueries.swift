/// The queries a node sends to take a module from a peer: word for word those of ProxySQL 2.7, so that a Junction
/// node can take modules from ProxySQL nodes and ProxySQL nodes from Junction (docs/notes/cluster-checksums.md).
/// The `PROXY_SELECT` ones are answered from the result sets the peer hashed, whatever columns they name.
public enum ClusterFetchQueries {
    /// The peer's runtime servers (its monitor's placements included): fetched after `mysql_servers_v2`'s queries
    /// with `admin-cluster_mysql_servers_sync_algorithm` 1, checked against the peer's `mysql_servers` checksum.
    public static let runtimeServers = "PROXY_SELECT hostgroup_id, hostname, port, gtid_port, status, weight, compression, "
        + "max_connections, max_replication_lag, use_ssl, max_latency_ms, comment FROM runtime_mysql_servers "
        + "WHERE status<>'OFFLINE_HARD' ORDER BY hostgroup_id, hostname, port"

    /// The queries for the module whose checksum is `name`, in hashing order.
    public static func queries(forChecksum name: String) -> [String] {
        switch name {
        case "mysql_query_rules":
            return [
                "PROXY_SELECT rule_id, username, schemaname, flagIN, client_addr, proxy_addr, proxy_port, digest, match_digest, "
                    + "match_pattern, negate_match_pattern, re_modifiers, flagOUT, replace_pattern, destination_hostgroup, cache_ttl, "
                    + "cache_empty_result, cache_timeout, reconnect, timeout, retries, delay, next_query_flagIN, mirror_flagOUT, "
                    + "mirror_hostgroup, error_msg, ok_msg, sticky_conn, multiplex, gtid_from_hostgroup, log, apply, attributes, "
                    + "comment FROM runtime_mysql_query_rules ORDER BY rule_id",
                "PROXY_SELECT username, schemaname, flagIN, destination_hostgroup, comment FROM runtime_mysql_query_rules_fast_routing "
                    + "ORDER BY username, schemaname, flagIN",
            ]
        case "mysql_servers_v2":
            return [
                "PROXY_SELECT hostgroup_id, hostname, port, gtid_port, status, weight, compression, max_connections, "
                    + "max_replication_lag, use_ssl, max_latency_ms, comment FROM mysql_servers_v2 WHERE status<>'OFFLINE_HARD' "
                    + "ORDER BY hostgroup_id, hostname, port",
                "PROXY_SELECT writer_hostgroup, reader_hostgroup, comment FROM runtime_mysql_replication_hostgroups ORDER BY writer_hostgroup",
                "PROXY_SELECT writer_hostgroup, backup_writer_hostgroup, reader_hostgroup, offline_hostgroup, active, max_writers, "
                    + "writer_is_also_reader, max_transactions_behind, comment FROM runtime_mysql_group_replication_hostgroups "
                    + "ORDER BY writer_hostgroup",
                "PROXY_SELECT writer_hostgroup, backup_writer_hostgroup, reader_hostgroup, offline_hostgroup, active, max_writers, "
                    + "writer_is_also_reader, max_transactions_behind, comment FROM runtime_mysql_galera_hostgroups ORDER BY writer_hostgroup",
                "PROXY_SELECT writer_hostgroup, reader_hostgroup, active, aurora_port, domain_name, max_lag_ms, check_interval_ms, "
                    + "check_timeout_ms, writer_is_also_reader, new_reader_weight, add_lag_ms, min_lag_ms, lag_num_checks, comment "
                    + "FROM runtime_mysql_aws_aurora_hostgroups ORDER BY writer_hostgroup",
                "PROXY_SELECT hostgroup_id, max_num_online_servers, autocommit, free_connections_pct, init_connect, multiplex, "
                    + "connection_warming, throttle_connections_per_sec, ignore_session_variables, hostgroup_settings, servers_defaults, "
                    + "comment FROM runtime_mysql_hostgroup_attributes ORDER BY hostgroup_id",
                "PROXY_SELECT hostname, port, username, ssl_ca, ssl_cert, ssl_key, ssl_capath, ssl_crl, ssl_crlpath, ssl_cipher, "
                    + "tls_version, comment FROM runtime_mysql_servers_ssl_params ORDER BY hostname, port, username",
            ]
        case "mysql_users":
            return ["PROXY_SELECT username, password, use_ssl, default_hostgroup, default_schema, schema_locked, transaction_persistent, "
                    + "fast_forward, backend, frontend, max_connections, attributes, comment FROM runtime_mysql_users"]
        case "proxysql_servers":
            return ["SELECT hostname, port, weight, comment FROM runtime_proxysql_servers ORDER BY hostname, port"]
        case "mysql_variables":
            return ["SELECT * FROM runtime_global_variables WHERE variable_name LIKE 'mysql-%' AND variable_name NOT IN ('mysql-threads') "
                    + "AND variable_name NOT IN ('mysql-interfaces') ORDER BY variable_name"]
        case "admin_variables":
            return ["SELECT * FROM runtime_global_variables WHERE variable_name LIKE 'admin-%' AND variable_name NOT IN "
                    + "('admin-mysql_ifaces','admin-restapi_port','admin-telnet_admin_ifaces','admin-telnet_stats_ifaces','admin-web_port') "
                    + "ORDER BY variable_name"]
        default:
            return []
        }
    }
}
