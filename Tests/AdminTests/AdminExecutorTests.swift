import Foundation
import JunctionConfig
import Logging
import Testing
@testable import Admin

/// The executor over real SQLite files in a temporary datadir, with a target that records what was applied.
final class RecordingTarget: RuntimeTarget {
    var applied: [(AdminModule, RuntimeConfiguration)] = []
    var refuse: String?

    func apply(_ compiled: CompiledRuntime, changed module: AdminModule) throws {
        if let refuse { throw RuntimeValidationError(refuse) }
        applied.append((module, compiled.runtime))
    }
}

struct AdminExecutorTests {
    static let config = """
        datadir="/unused"
        admin_variables = { admin_credentials="admin:admin" }
        mysql_variables = { max_connections=1500 }
        mysql_servers = ( { address="10.0.0.1", port=3306, hostgroup=10 }, { address="10.0.0.2", hostgroup=20 } )
        mysql_users = ( { username="app", password="secret", default_hostgroup=10 } )
        mysql_query_rules = ( { rule_id=1, active=1, match_pattern="^select", destination_hostgroup=20, apply=1 } )
        """

    let admin = AdminSessionInfo(username: "admin", role: .admin, clientAddress: "127.0.0.1")
    let stats = AdminSessionInfo(username: "stats", role: .stats, clientAddress: "127.0.0.1")

    private func makeExecutor(datadir: String, config: String = Self.config, existed: Bool = false, reload: Bool = false,
                              target: RecordingTarget = RecordingTarget()) throws -> AdminExecutor {
        let executor = try AdminExecutor(database: AdminDatabase(datadir: datadir), target: target, configFilePath: nil,
                                         logger: Logger(label: "test"))
        try executor.start(configFile: JunctionConfigFile.parse(text: config, fileName: "test.cnf"), databaseExisted: existed, reload: reload)
        return executor
    }

    private func tempDir() throws -> String {
        let path = NSTemporaryDirectory() + "junction-admin-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    private func rows(_ executor: AdminExecutor, _ sql: String) -> [[String?]] {
        guard case .rows(_, let rows) = executor.execute(sql, session: admin) else { return [] }
        return rows
    }

    @Test func firstStartLoadsTheFileSavesItAndMakesItLive() throws {
        let target = RecordingTarget()
        let executor = try makeExecutor(datadir: tempDir(), target: target)
        #expect(executor.runtime.mysqlServers.map(\.hostname) == ["10.0.0.1", "10.0.0.2"])
        #expect(rows(executor, "SELECT count(*) FROM disk.mysql_servers") == [["2"]])
        #expect(rows(executor, "SELECT variable_value FROM disk.global_variables WHERE variable_name='mysql-max_connections'") == [["1500"]])
        #expect(rows(executor, "SELECT rule_id, destination_hostgroup FROM runtime_mysql_query_rules") == [["1", "20"]])
        #expect(target.applied.contains { $0.0 == .mysqlUsers })
    }

    @Test func clusterPeersFetchTheRuntimeAndSayWhoTheyAre() throws {
        let executor = try makeExecutor(datadir: tempDir())
        // A peer's fetch (PROXY_SELECT) gets the rows the node hashed, all the columns ProxySQL's peers hash.
        #expect(rows(executor, "PROXY_SELECT hostgroup_id, hostname FROM runtime_mysql_servers ORDER BY hostname").map { Array($0.prefix(3)) }
                == [["10", "10.0.0.1", "3306"], ["20", "10.0.0.2", "3306"]])
        // Any other table is read as SQL.
        #expect(rows(executor, "PROXY_SELECT hostname FROM runtime_proxysql_servers") == [])
        let peer = AdminSessionInfo(username: "cluster", role: .admin, clientAddress: "10.0.0.9", clientPort: 41000)
        guard case .done = executor.execute("PROXYSQL CLUSTER_NODE_UUID 5f1c-Ab 10.0.0.9:6032", session: peer) else {
            Issue.record("CLUSTER_NODE_UUID is answered OK")
            return
        }
        #expect(rows(executor, "SELECT uuid, hostname, port, admin_mysql_ifaces FROM stats_proxysql_servers_clients_status")
                == [["5f1c-Ab", "10.0.0.9", "41000", "10.0.0.9:6032"]])
    }

    @Test func aLocalLoadIsAlwaysNewerThanTheModulesLastEpoch() throws {
        let executor = try makeExecutor(datadir: tempDir())
        func epoch() -> Int { Int(rows(executor, "SELECT epoch FROM runtime_checksums_values WHERE name='mysql_users'").first?.first??.description ?? "") ?? 0 }
        let first = epoch()
        _ = executor.execute("LOAD MYSQL USERS TO RUNTIME", session: admin)
        let second = epoch()
        _ = executor.execute("LOAD MYSQL USERS TO RUNTIME", session: admin)
        #expect(first < second && second < epoch(), "three loads in (most likely) one second: three epochs, peers can tell them apart")
    }

    @Test func savedDatabaseWinsOverTheFileUnlessReloadOrInitial() throws {
        let datadir = try tempDir()
        let first = try makeExecutor(datadir: datadir)
        #expect(first.execute("INSERT INTO mysql_servers (hostgroup_id, hostname) VALUES (30, 'disk-only')", session: admin) == .ok(affectedRows: 1))
        #expect(first.execute("SAVE MYSQL SERVERS TO DISK", session: admin) == .done)
        let changed = Self.config.replacingOccurrences(of: "10.0.0.2", with: "10.9.9.9")
        let second = try makeExecutor(datadir: datadir, config: changed, existed: true)
        #expect(Set(second.runtime.mysqlServers.map(\.hostname)) == ["10.0.0.1", "10.0.0.2", "disk-only"])
        let reloaded = try makeExecutor(datadir: datadir, config: changed, existed: true, reload: true)
        #expect(Set(reloaded.runtime.mysqlServers.map(\.hostname)) == ["10.0.0.1", "10.0.0.2", "10.9.9.9", "disk-only"])
    }

    @Test func aBadRowIsRefusedByNameAndRuntimeStaysAsItWas() throws {
        let target = RecordingTarget()
        let executor = try makeExecutor(datadir: tempDir(), target: target)
        let before = executor.runtime
        let applies = target.applied.count
        _ = executor.execute("UPDATE mysql_users SET max_connections = 'lots'", session: admin)
        guard case .error(let error) = executor.execute("LOAD MYSQL USERS TO RUNTIME", session: admin) else {
            Issue.record("LOAD accepted invalid attributes")
            return
        }
        #expect(error.message.contains("mysql_users"))
        #expect(error.message.contains("max_connections"))
        #expect(executor.runtime == before)
        #expect(target.applied.count == applies)
    }

    @Test func aTargetThatRefusesLeavesRuntimeUnchanged() throws {
        let target = RecordingTarget()
        let executor = try makeExecutor(datadir: tempDir(), target: target)
        let before = executor.runtime
        target.refuse = "rule 1: bad regex"
        _ = executor.execute("DELETE FROM mysql_servers", session: admin)
        #expect(executor.execute("LOAD MYSQL SERVERS TO RUNTIME", session: admin) == .error(.admin("rule 1: bad regex")))
        #expect(executor.runtime == before)
    }

    @Test func setChecksNameAndValue() throws {
        let executor = try makeExecutor(datadir: tempDir())
        #expect(executor.execute("SET mysql-max_connections = 'abc'", session: admin) != .done)
        #expect(executor.execute("SET mysql-no_such_thing = 1", session: admin) != .done)
        #expect(rows(executor, "SELECT variable_value FROM global_variables WHERE variable_name='mysql-max_connections'") == [["1500"]])
        #expect(executor.execute("SET mysql-max_connections = 2500", session: admin) == .ok(affectedRows: 1))
        #expect(executor.execute("LOAD MYSQL VARIABLES TO RUNTIME", session: admin) == .done)
        #expect(executor.runtime.variables["mysql-max_connections"] == "2500")
        #expect(rows(executor, "SELECT variable_value FROM runtime_global_variables WHERE variable_name='mysql-max_connections'") == [["2500"]])
    }

    @Test func loadBumpsVersionAndGlobalChecksum() throws {
        let executor = try makeExecutor(datadir: tempDir())
        let before = executor.checksums.global
        let version = executor.checksums.entries["mysql_servers"]?.version ?? 0
        _ = executor.execute("UPDATE mysql_servers SET weight = 5", session: admin)
        #expect(executor.execute("LOAD MYSQL SERVERS TO RUN", session: admin) == .done)
        #expect(executor.checksums.entries["mysql_servers"]?.version == version + 1)
        #expect(executor.checksums.global != before)
        #expect(rows(executor, "SELECT version FROM runtime_checksums_values WHERE name = 'mysql_servers'") == [[String(version + 1)]])
    }

    @Test func saveToMemoryBringsBackWhatIsLive() throws {
        let executor = try makeExecutor(datadir: tempDir())
        _ = executor.execute("DELETE FROM mysql_users", session: admin)
        #expect(rows(executor, "SELECT count(*) FROM mysql_users") == [["0"]])
        #expect(executor.execute("SAVE MYSQL USERS FROM RUNTIME", session: admin) == .done)
        // As in ProxySQL's authentication store: one frontend-only row and one backend-only row.
        #expect(rows(executor, "SELECT username, frontend, backend FROM mysql_users ORDER BY frontend") == [["app", "0", "1"], ["app", "1", "0"]])
        #expect(executor.execute("LOAD MYSQL USERS TO RUNTIME", session: admin) == .done)
        #expect(executor.runtime.mysqlUsers.filter { $0.frontend == 1 }.map(\.username) == ["app"])
    }

    @Test func statsUsersOnlyRead() throws {
        let executor = try makeExecutor(datadir: tempDir())
        #expect(executor.execute("SELECT DATABASE()", session: stats) == .rows(columns: ["DATABASE()"], rows: [["stats"]]))
        for statement in ["DELETE FROM stats_mysql_global", "LOAD MYSQL USERS TO RUNTIME", "SET mysql-max_connections=1",
                          "PRAGMA query_only = OFF", "SELECT * FROM mysql_users"] {
            guard case .error = executor.execute(statement, session: stats) else {
                Issue.record("stats user could run \(statement)")
                continue
            }
        }
        guard case .rows = executor.execute("SELECT * FROM stats_mysql_global", session: stats) else {
            Issue.record("stats user cannot read stats_mysql_global")
            return
        }
    }

    @Test func aQueryRuleThatDoesNotCompileIsRefused() throws {
        let executor = try makeExecutor(datadir: tempDir())
        _ = executor.execute("INSERT INTO mysql_query_rules (rule_id, active, match_pattern, apply) VALUES (7, 1, '^SELECT (unclosed', 1)", session: admin)
        guard case .error(let error) = executor.execute("LOAD MYSQL QUERY RULES TO RUNTIME", session: admin) else {
            Issue.record("a broken regex was loaded")
            return
        }
        #expect(error.message.contains("rule_id 7"))
        #expect(rows(executor, "SELECT rule_id FROM runtime_mysql_query_rules") == [["1"]])
    }

    @Test func explainRoutingShowsEachRuleAndTheDecision() throws {
        let executor = try makeExecutor(datadir: tempDir())
        _ = executor.execute("INSERT INTO mysql_query_rules (rule_id, active, match_pattern, replace_pattern, apply) VALUES (0, 1, '^select 1$', 'select 2', 0)", session: admin)
        #expect(executor.execute("LOAD MYSQL QUERY RULES TO RUNTIME", session: admin) == .done)
        guard case .rows(let columns, let rows) = executor.execute("EXPLAIN ROUTING 'select 1' USER 'app'", session: admin) else {
            Issue.record("no answer")
            return
        }
        #expect(columns == ["item", "value"])
        let items = Dictionary(rows.map { ($0[0]!, $0[1]) }, uniquingKeysWith: { first, _ in first })
        #expect(items["digest_text"] == "select ?")
        #expect(items["rule 0 (flagIN 0)"] == "matched")
        #expect(items["rule 1 (flagIN 0)"] == "matched, apply: evaluation stops")
        #expect(items["destination_hostgroup"] == "20 (rule)")
        #expect(items["rewritten_query"] == "select 2")
        guard case .rows(_, let other) = executor.execute("EXPLAIN ROUTING 'update t set a = 1'", session: admin) else { return }
        #expect(other.contains { $0 == ["destination_hostgroup", "10 (default_hostgroup of app)"] })
        #expect(other.contains { $0 == ["rule 1 (flagIN 0)", "no match: match_pattern"] })
    }

    @Test func doubleQuotedTextIsAString() throws {
        let executor = try makeExecutor(datadir: tempDir())
        #expect(executor.execute("INSERT INTO mysql_servers (hostgroup_id, hostname, comment) VALUES (5, 'h', \"说明\")", session: admin) == .ok(affectedRows: 1))
        #expect(rows(executor, "SELECT comment FROM mysql_servers WHERE hostgroup_id = 5") == [["说明"]])
    }

    @Test func sqliteErrorsAndCheckConstraintsComeBackAsErrors() throws {
        let executor = try makeExecutor(datadir: tempDir())
        guard case .error(let check) = executor.execute("INSERT INTO mysql_servers (hostname, port) VALUES ('x', 70000)", session: admin),
              case .error(let syntax) = executor.execute("SELEC 1", session: admin) else {
            Issue.record("errors were accepted")
            return
        }
        #expect(check.message.contains("CHECK constraint failed"))
        #expect(syntax.message.contains("syntax error"))
    }

    @Test func showCreateTableUsesTheCatalogText() throws {
        let executor = try makeExecutor(datadir: tempDir())
        let result = executor.execute("show create table mysql_users", session: admin)
        let expected = AdminTableCatalog.showCreateText(AdminTableCatalog.table("mysql_users", in: .main)!.createSQL)
        #expect(result == .rows(columns: ["table", "Create Table"], rows: [["mysql_users", expected]]))
    }

    @Test func configFileRoundTrips() throws {
        let executor = try makeExecutor(datadir: tempDir())
        guard case .rows(_, let data) = executor.execute("SELECT CONFIG FILE", session: admin), let text = data.first?.first ?? nil else {
            Issue.record("no config file")
            return
        }
        let parsed = try JunctionConfigFile.parse(text: text, fileName: "rendered")
        #expect(parsed.mysqlServers.map(\.hostname) == ["10.0.0.1", "10.0.0.2"])
        #expect(parsed.mysqlUsers.map(\.username) == ["app"])
        #expect(parsed.mysqlVariables.first { $0.name == "max_connections" }?.value == "1500")
    }
}
