import Testing
@testable import JunctionConfig

/// `MySQLVariables` and `AdminVariables`: defaults, overrides and rejection.
struct TypedVariablesTests {
    @Test func mysqlDefaults() throws {
        let v = try MySQLVariables()
        #expect(v.threads == 4)
        #expect(v.interfaces == ["0.0.0.0:6033"])
        #expect(v.serverVersion == "8.0.11")
        #expect(v.maxConnections == 10000)
        #expect(v.connectTimeoutServer == 1000)
        #expect(v.connectTimeoutServerMax == 10000)
        #expect(v.connectRetriesOnFailure == 10)
        #expect(v.connectRetriesDelay == 1)
        #expect(v.connectTimeoutClient == 10000)
        #expect(v.freeConnectionsPct == 10)
        #expect(v.connectionMaxAgeMs == 0)
        #expect(v.defaultSchema == "information_schema")
        #expect(v.maxAllowedPacket == 67_108_864)
        #expect(v.monitorUsername == "monitor")
        #expect(v.monitorPassword == "monitor")
        #expect(v.enableLoadDataLocalInfile == false)
        #expect(v.defaultCharset == "utf8")
        #expect(v.defaultCollationConnection == "utf8_general_ci")
        #expect(v.queryRetriesOnFailure == 1)
        #expect(v.multiplexing == true)
        #expect(v.pingIntervalServerMsec == 10000)
        #expect(v.waitTimeout == 28_800_000)
        #expect(v.autocommitFalseIsTransaction == false)
        #expect(v.enableClientDeprecateEOF == true)
        #expect(v.enableServerDeprecateEOF == true)
        #expect(v.serverCapabilities == 569_867)
        #expect(v.haveSSL == true && v.haveCompress == true)
        #expect(v.keepMultiplexingVariables == ["tx_isolation", "transaction_isolation", "version"])
        #expect(v.setQueryLockOnHostgroup == true)
        #expect(v.defaultQueryTimeout == 86_400_000)
        #expect(v.shunOnFailures == 5)
        #expect(v.shunRecoveryTimeSec == 10)
        #expect(v.pollTimeout == 2000)
        #expect(v.sessionIdleMs == 1)
        #expect(v.values.count == 163)
        #expect(v["mysql-monitor_ping_interval"] == "8000")
    }

    @Test func mysqlOverrides() throws {
        let v = try MySQLVariables([
            "mysql-threads": "8", "interfaces": "0.0.0.0:6033; /tmp/proxysql.sock", "MYSQL-Multiplexing": "0",
            "mysql-keep_multiplexing_variables": "version, ,sql_mode", "set_query_lock_on_hostgroup": "0",
        ])
        #expect(v.threads == 8)
        #expect(v.interfaces == ["0.0.0.0:6033", "/tmp/proxysql.sock"])
        #expect(v.multiplexing == false)
        #expect(v["mysql-multiplexing"] == "false")
        #expect(v.keepMultiplexingVariables == ["version", "sql_mode"])
        #expect(v.setQueryLockOnHostgroup == false)
    }

    @Test func mysqlRejects() {
        #expect(throws: VariableError.invalidValue(name: "mysql-threads", value: "0", reason: "must be between 1 and 255")) {
            try MySQLVariables(["threads": "0"])
        }
        #expect(throws: VariableError.unknownVariable("mysql-nope")) { try MySQLVariables(["mysql-nope": "1"]) }
        #expect(throws: VariableError.unknownVariable("admin-web_port")) { try MySQLVariables(["admin-web_port": "1"]) }
    }

    @Test func adminDefaults() throws {
        let v = try AdminVariables()
        #expect(v.adminCredentials == [AdminCredential(user: "admin", password: "admin")])
        #expect(v.statsCredentials == [AdminCredential(user: "stats", password: "stats")])
        #expect(v.mysqlIfaces == ["127.0.0.1:6032"])
        #expect(v.values.count == 49)
    }

    @Test func adminOverrides() throws {
        let v = try AdminVariables([
            "admin-admin_credentials": "admin:admin;radmin:pa:ss", "mysql_ifaces": "0.0.0.0:6032;/tmp/admin.sock",
        ])
        #expect(v.adminCredentials == [AdminCredential(user: "admin", password: "admin"), AdminCredential(user: "radmin", password: "pa:ss")])
        #expect(v.mysqlIfaces == ["0.0.0.0:6032", "/tmp/admin.sock"])
        #expect(throws: VariableError.self) { try AdminVariables(["admin-mysql_ifaces": ""]) }
    }
}
