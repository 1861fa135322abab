import Foundation
import Testing
@testable import JunctionConfig

/// The mapping from config file to rows (config-file.md §2–§3), on the spec's example and on bad entries.
struct JunctionConfigFileTests {
    /// config-file.md §5, verbatim.
    static let tutorial = """
    datadir="/var/lib/proxysql"
    admin_variables = { admin_credentials="admin:admin" mysql_ifaces="0.0.0.0:6032" }
    mysql_variables = {
        threads=4
        max_connections=2048
        interfaces="0.0.0.0:6033"
        monitor_username="monitor"
        monitor_password="monitor"
        server_version="8.0.30"
    }
    mysql_servers = (
        { address="10.0.0.1", port=3306, hostgroup=10, max_connections=200 },
        { address="10.0.0.2", port=3306, hostgroup=20 },
        { address="10.0.0.3", port=3306, hostgroup=20 }
    )
    mysql_replication_hostgroups = ( { writer_hostgroup=10, reader_hostgroup=20, comment="cluster1" } )
    mysql_users = ( { username="app", password="secret", default_hostgroup=10 } )
    mysql_query_rules = (
        { rule_id=1, active=1, match_digest="^SELECT .* FOR UPDATE", destination_hostgroup=10, apply=1 },
        { rule_id=2, active=1, match_digest="^SELECT", destination_hostgroup=20, apply=1 }
    )
    """

    private func parse(_ text: String) throws -> JunctionConfigFile {
        try JunctionConfigFile.parse(text: text, fileName: "junction.cnf")
    }

    private func failure(_ text: String) -> ConfigFileError? {
        #expect(throws: ConfigFileError.self) { try parse(text) }
    }

    @Test func tutorialExample() throws {
        let file = try parse(Self.tutorial)
        #expect(file.datadir == "/var/lib/proxysql")
        #expect(file.errorlog == nil)
        #expect(file.adminVariables.map(\.name) == ["admin_credentials", "mysql_ifaces"])
        #expect(file.adminVariables.map(\.value) == ["admin:admin", "0.0.0.0:6032"])
        #expect(file.mysqlVariables.map(\.name)
                == ["threads", "max_connections", "interfaces", "monitor_username", "monitor_password", "server_version"])
        #expect(file.mysqlVariables.map(\.value) == ["4", "2048", "0.0.0.0:6033", "monitor", "monitor", "8.0.30"])
        #expect(file.mysqlServers == [
            MySQLServerRow(hostgroupID: 10, hostname: "10.0.0.1", port: 3306, maxConnections: 200),
            MySQLServerRow(hostgroupID: 20, hostname: "10.0.0.2", port: 3306),
            MySQLServerRow(hostgroupID: 20, hostname: "10.0.0.3", port: 3306),
        ])
        #expect(file.mysqlReplicationHostgroups == [
            MySQLReplicationHostgroupRow(writerHostgroup: 10, readerHostgroup: 20, checkType: "read_only", comment: "cluster1"),
        ])
        #expect(file.mysqlUsers == [
            MySQLUserRow(username: "app", password: "secret", defaultHostgroup: 10, defaultSchema: ""),
        ])
        #expect(file.clusterPeers.isEmpty)
        #expect(Array(file.otherSections.keys) == ["mysql_query_rules"])
        let rules = try #require(file.otherSections["mysql_query_rules"]?.elements)
        #expect(rules.count == 2)
        #expect(rules[1].groupValue?["match_digest"] == .string("^SELECT"))
        #expect(rules[1].groupValue?.line == 20)
    }

    @Test func serverDefaultsAndAliases() throws {
        let file = try parse("mysql_servers = ( { hostname = \"db\", hostgroup_id = 0 } )")
        #expect(file.mysqlServers == [MySQLServerRow(hostname: "db")])
        let row = try #require(file.mysqlServers.first)
        #expect(row.port == 3306 && row.gtidPort == 0 && row.status == .online && row.weight == 1)
        #expect(row.compression == 0 && row.maxConnections == 1000 && row.maxReplicationLag == 0)
        #expect(row.useSSL == 0 && row.maxLatencyMs == 0 && row.comment == "")
    }

    @Test func serverColumnsAndStatusCase() throws {
        let file = try parse("""
        mysql_servers = ( { address="/tmp/mysql.sock", port=0, hostgroup=3, gtid_port=3307, status="offline_soft",
                            weight=5, compression=1, max_connections=9, max_replication_lag=60, use_ssl=1,
                            max_latency_ms=250, comment="c", unknown_key="ignored" } )
        """)
        #expect(file.mysqlServers == [MySQLServerRow(
            hostgroupID: 3, hostname: "/tmp/mysql.sock", port: 0, gtidPort: 3307, status: .offlineSoft, weight: 5,
            compression: 1, maxConnections: 9, maxReplicationLag: 60, useSSL: 1, maxLatencyMs: 250, comment: "c")])
    }

    @Test func userDefaults() throws {
        let row = try #require(try parse("mysql_users = ( { username = \"u\" } )").mysqlUsers.first)
        #expect(row == MySQLUserRow(username: "u", defaultSchema: ""))
        #expect(row.password == "" && row.active == 1 && row.useSSL == 0 && row.defaultHostgroup == 0)
        #expect(row.schemaLocked == 0 && row.transactionPersistent == 1 && row.fastForward == 0)
        #expect(row.backend == 1 && row.frontend == 1 && row.maxConnections == 10000 && row.attributes == "")
    }

    @Test func frontendAndBackendAreNotReadFromTheFile() throws {
        let row = try #require(try parse("mysql_users = ( { username = \"u\", frontend = 0, backend = 0 } )").mysqlUsers.first)
        #expect(row.frontend == 1 && row.backend == 1)
    }

    @Test func clusterPeers() throws {
        let file = try parse("proxysql_servers = ( { hostname = \"p1\", port = 6032 }, { address = \"p2\", port = 7032, weight = 2, comment = \"x\" } )")
        #expect(file.clusterPeers == [ClusterPeerRow(hostname: "p1"), ClusterPeerRow(hostname: "p2", port: 7032, weight: 2, comment: "x")])
    }

    @Test func variablesAsText() throws {
        let file = try parse("mysql_variables = { multiplexing = false, have_ssl = TRUE, wait_timeout = 0x10, made_up = \"x\" }")
        #expect(file.mysqlVariables.map(\.value) == ["false", "true", "16", "x"])
    }

    @Test func otherTopLevelSettingsAreKept() throws {
        let file = try parse("uuid = \"abc\"\nscheduler = ( { id = 1 } )\nldap_variables = { a = 1 }\nerrorlog = \"e\"\npidfile = \"p\"")
        #expect(Set(file.otherSections.keys) == ["uuid", "scheduler", "ldap_variables"])
        #expect(file.errorlog == "e" && file.pidfile == "p")
    }

    @Test(arguments: [
        ("mysql_servers = (\n { address=\"a\", port=3306 } )", "junction.cnf:2: mysql_servers[0]: missing required key 'hostgroup' (or 'hostgroup_id')"),
        ("mysql_servers = ( { hostgroup=1 } )", "junction.cnf:1: mysql_servers[0]: missing required key 'address' (or 'hostname')"),
        ("mysql_servers = ( { address=\"a\", hostgroup=1 },\n { address=\"b\", hostgroup=1,\n port=\"3306\" } )",
         "junction.cnf:3: mysql_servers[1].port: expected an integer, got a string"),
        ("mysql_servers = ( { address=\"a\", hostgroup=1, port=70000 } )", "junction.cnf:1: mysql_servers[0].port: must be between 0 and 65535, got 70000"),
        ("mysql_servers = ( { address=\"a\",\n hostgroup=-1 } )", "junction.cnf:2: mysql_servers[0].hostgroup: must be 0 or more, got -1"),
        ("mysql_servers = ( { address=\"a\", hostgroup=1, status=\"UP\" } )",
         "junction.cnf:1: mysql_servers[0].status: expected one of ONLINE, SHUNNED, OFFLINE_SOFT, OFFLINE_HARD, got 'UP'"),
        ("mysql_servers = ( { address=\"a\", hostgroup=1, hostgroup_id=2 } )",
         "junction.cnf:1: mysql_servers[0].hostgroup_id: give only one of 'hostgroup' and 'hostgroup_id'"),
        ("mysql_servers = ( { address=\"a\", hostgroup=1, use_ssl=true } )", "junction.cnf:1: mysql_servers[0].use_ssl: expected an integer, got a boolean"),
        ("mysql_servers = ( { address=\"a\", hostgroup=1, gtid_port=3306 } )", "junction.cnf:1: mysql_servers[0].gtid_port: must differ from port (or be 0), got 3306"),
        ("mysql_servers = { address=\"a\" }", "junction.cnf:1: mysql_servers: expected a list of groups '( { ... }, ... )', got a group"),
        ("mysql_servers = ( 1 )", "junction.cnf:1: mysql_servers[0]: expected a group '{ ... }', got an integer"),
        ("mysql_users = ( { password=\"p\" } )", "junction.cnf:1: mysql_users[0]: missing required key 'username'"),
        ("mysql_users = ( { username=\"u\", attributes=\"{bad\" } )", "junction.cnf:1: mysql_users[0].attributes: must be valid JSON or empty"),
        ("mysql_users = ( { username=\"u\", active=2 } )", "junction.cnf:1: mysql_users[0].active: must be 0 or 1, got 2"),
        ("mysql_replication_hostgroups = ( { writer_hostgroup=1, reader_hostgroup=1 } )",
         "junction.cnf:1: mysql_replication_hostgroups[0].reader_hostgroup: must differ from writer_hostgroup, got 1"),
        ("mysql_replication_hostgroups = ( { writer_hostgroup=1 } )", "junction.cnf:1: mysql_replication_hostgroups[0]: missing required key 'reader_hostgroup'"),
        ("proxysql_servers = ( { hostname=\"p\" } )", "junction.cnf:1: proxysql_servers[0]: missing required key 'port'"),
        ("proxysql_servers = ( { hostname=\"p\", port=0 } )", "junction.cnf:1: proxysql_servers[0].port: must be between 1 and 65535, got 0"),
        ("datadir = 5", "junction.cnf:1: datadir: expected a string, got an integer"),
        ("mysql_variables = ( )", "junction.cnf:1: mysql_variables: expected a group '{ name = value ... }', got a list"),
        ("mysql_variables = {\n threads = 0 }", "junction.cnf:2: mysql_variables.threads: invalid value '0': must be between 1 and 255"),
        ("mysql_variables = { multiplexing = \"maybe\" }", "junction.cnf:1: mysql_variables.multiplexing: invalid value 'maybe': expected true, false, 1 or 0"),
        ("admin_variables = { admin_credentials = \"\" }", "junction.cnf:1: admin_variables.admin_credentials: invalid value '': expected user:password pairs separated by ';'"),
        ("mysql_variables = { threads = [1] }", "junction.cnf:1: mysql_variables.threads: expected a boolean, an integer or a string, got an array"),
    ] as [(String, String)])
    func mappingErrors(text: String, description: String) {
        #expect(failure(text)?.description == description)
    }

    @Test func theFilesOwnVersionIsAccepted() throws {
        let file = try parse("admin_variables = { version = \"2.7.1-16-g2726c27\" }")
        #expect(file.adminVariables.first?.value == "2.7.1-16-g2726c27")
    }

    @Test func errorsInIncludedFilesNameThatFile() {
        let error = #expect(throws: ConfigFileError.self) {
            try JunctionConfigFile.parse(text: "datadir = \"/d\"\n@include \"servers.cnf\"", fileName: "junction.cnf") { _ in
                "mysql_servers = (\n { address = \"a\" } )"
            }
        }
        #expect(error?.description == "servers.cnf:2: mysql_servers[0]: missing required key 'hostgroup' (or 'hostgroup_id')")
    }

    @Test func loadReadsIncludesBesideTheFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("junction-config-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "datadir = \"/d\"\n@include \"users.cnf\"\n".write(to: directory.appendingPathComponent("junction.cnf"), atomically: true, encoding: .utf8)
        try "mysql_users = ( { username = \"u\" } )".write(to: directory.appendingPathComponent("users.cnf"), atomically: true, encoding: .utf8)
        let file = try JunctionConfigFile.load(path: directory.appendingPathComponent("junction.cnf").path)
        #expect(file.datadir == "/d")
        #expect(file.mysqlUsers.map(\.username) == ["u"])
    }

    @Test func loadReportsAMissingFile() {
        let error = #expect(throws: ConfigFileError.self) { try JunctionConfigFile.load(path: "/nonexistent/junction.cnf") }
        #expect(error?.fileName == "/nonexistent/junction.cnf")
        #expect(error?.line == 0)
        #expect(error?.message.hasPrefix("cannot read the file") == true)
    }
}
