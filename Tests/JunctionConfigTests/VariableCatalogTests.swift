import Testing
@testable import JunctionConfig

/// The variable catalog of variables.md: contents, defaults and validation.
struct VariableCatalogTests {
    private func invalid(_ name: String, _ value: String) -> String? {
        do {
            _ = try VariableCatalog.validate(name: name, value: value)
            return nil
        } catch let error as VariableError {
            return error.reason
        } catch {
            return "unexpected \(error)"
        }
    }

    @Test func counts() {
        #expect(VariableCatalog.definitions(module: "mysql").count == 163)
        #expect(VariableCatalog.definitions(module: "admin").count == 49)
        #expect(VariableCatalog.all.count == 212)
        #expect(Set(VariableCatalog.all.map { $0.name.lowercased() }).count == VariableCatalog.all.count)
    }

    @Test func everyDefaultValidatesToItself() throws {
        for definition in VariableCatalog.all {
            #expect(try VariableCatalog.validate(name: definition.name, value: definition.defaultValue) == definition.defaultValue,
                    "\(definition.name)")
        }
    }

    @Test(arguments: [
        ("mysql-threads", "4"), ("mysql-max_connections", "10000"), ("mysql-interfaces", ""),
        ("mysql-server_version", "8.0.11"), ("mysql-default_charset", "utf8"),
        ("mysql-default_collation_connection", "utf8_general_ci"), ("mysql-monitor_username", "monitor"),
        ("mysql-server_capabilities", "569867"), ("mysql-default_schema", "information_schema"),
        ("mysql-wait_timeout", "28800000"), ("mysql-multiplexing", "true"), ("mysql-session_idle_ms", "1"),
        ("mysql-keep_multiplexing_variables", "tx_isolation,transaction_isolation,version"),
        ("mysql-default_authentication_plugin", "mysql_native_password"), ("mysql-default_session_track_gtids", "OFF"),
        ("mysql-query_cache_size_MB", "256"), ("mysql-firewall_whitelist_errormsg", "Firewall blocked this query"),
        ("admin-admin_credentials", "admin:admin"), ("admin-stats_credentials", "stats:stats"),
        ("admin-mysql_ifaces", "127.0.0.1:6032"), ("admin-refresh_interval", "2000"), ("admin-version", "2.7.1-junction"),
        ("admin-cluster_mysql_servers_sync_algorithm", "1"), ("admin-prometheus_memory_metrics_interval", "61"),
    ])
    func defaults(name: String, value: String) {
        #expect(VariableCatalog.definition(named: name)?.defaultValue == value)
    }

    @Test func debugOnlyAndRemovedVariablesAreAbsent() {
        for name in ["mysql-session_debug", "admin-debug", "admin-debug_output", "mysql-forward_autocommit", "admin-hash_passwords"] {
            #expect(VariableCatalog.definition(named: name) == nil, "\(name)")
        }
    }

    @Test func lookupIgnoresCase() {
        #expect(VariableCatalog.definition(named: "MYSQL-Query_Cache_Size_mb")?.name == "mysql-query_cache_size_MB")
        #expect(VariableCatalog.definition(named: "mysql-threads")?.shortName == "threads")
        #expect(VariableCatalog.definition(named: "admin-web_port")?.module == "admin")
    }

    @Test func restartOnlyForStartupVariables() {
        #expect(VariableCatalog.all.filter(\.needsRestart).map(\.name).sorted()
                == ["admin-mysql_ifaces", "mysql-interfaces", "mysql-stacksize", "mysql-threads"])
    }

    @Test(arguments: [("true", "true"), ("FALSE", "false"), ("1", "true"), ("0", "false"), ("True", "true"), (" 1 ", "true")])
    func booleansNormalise(value: String, expected: String) throws {
        #expect(try VariableCatalog.validate(name: "mysql-multiplexing", value: value) == expected)
    }

    @Test func integersNormalise() throws {
        #expect(try VariableCatalog.validate(name: "mysql-threads", value: "08") == "8")
        #expect(try VariableCatalog.validate(name: "mysql-threads", value: "+16") == "16")
        #expect(try VariableCatalog.validate(name: "mysql-server_capabilities", value: "4294967295") == "4294967295")
    }

    @Test(arguments: [("7", "10"), ("0", "0"), ("1", "1"), ("45", "60"), ("200", "300"), ("300", "300")])
    func roundedIntervalsSnapUp(value: String, expected: String) throws {
        #expect(try VariableCatalog.validate(name: "admin-stats_mysql_connections", value: value) == expected)
    }

    @Test func roundedIntervalsAboveThreeHundredBecomeSixHundred() throws {
        #expect(try VariableCatalog.validate(name: "admin-stats_system_cpu", value: "400") == "600")
    }

    @Test(arguments: [
        ("mysql-threads", "0", "must be between 1 and 255"),
        ("mysql-threads", "256", "must be between 1 and 255"),
        ("mysql-threads", "four", "expected an integer"),
        ("mysql-threads", "4x", "expected an integer"),
        ("mysql-connect_timeout_client", "499", "must be between 500 and 3600000"),
        ("mysql-server_capabilities", "10", "must be between 11 and 4294967295"),
        ("admin-stats_mysql_connections", "301", "must be between 0 and 300"),
        ("mysql-multiplexing", "yes", "expected true, false, 1 or 0"),
        ("mysql-monitor_username", "", "must not be empty"),
        ("mysql-default_authentication_plugin", "sha256_password", "must be one of mysql_native_password, caching_sha2_password"),
        ("admin-admin_credentials", "admin", "expected user:password pairs separated by ';'"),
        ("admin-admin_credentials", ":pw", "expected user:password pairs separated by ';'"),
        ("admin-version", "1.0", "is read-only"),
        ("mysql-eventslog_filename", "/var/log/", "must be a file name, not end with '/'"),
        ("mysql-monitor_replication_lag_use_percona_heartbeat", "nodot", "expected schema.table or nothing"),
    ] as [(String, String, String)])
    func rejectedValues(name: String, value: String, reason: String) {
        #expect(invalid(name, value) == reason)
    }

    @Test func unknownNames() {
        #expect(throws: VariableError.unknownVariable("mysql-no_such_thing")) {
            try VariableCatalog.validate(name: "mysql-no_such_thing", value: "1")
        }
        #expect(VariableError.invalidValue(name: "mysql-threads", value: "0", reason: "must be between 1 and 255").description
                == "invalid value '0' for mysql-threads: must be between 1 and 255")
    }

    @Test func specialRules() throws {
        #expect(try VariableCatalog.validate(name: "mysql-default_charset", value: "") == "utf8")
        #expect(try VariableCatalog.validate(name: "mysql-default_collation_connection", value: "") == "utf8_general_ci")
        #expect(try VariableCatalog.validate(name: "mysql-server_version", value: "5.1.30") == "5.5.30")
        #expect(try VariableCatalog.validate(name: "mysql-default_session_track_gtids", value: "own_gtid") == "OWN_GTID")
        #expect(try VariableCatalog.validate(name: "mysql-monitor_replication_lag_use_percona_heartbeat", value: "`hb`.heartbeat")
                == "`hb`.heartbeat")
        #expect(try VariableCatalog.validate(name: "admin-admin_credentials", value: "admin:admin;radmin:r:a:d;") == "admin:admin;radmin:r:a:d;")
    }
}
