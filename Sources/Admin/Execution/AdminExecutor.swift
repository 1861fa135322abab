import Foundation
import GRDB
import NIOCore
import JunctionConfig
import Logging

/// Runs admin statements: commands of admin-commands.md, client probes, and SQL for SQLite.
///
/// Confined to the admin's one event loop: statements run one at a time across all admin sessions.
public final class AdminExecutor {
    let database: AdminDatabase
    /// What is live. Replaced one module at a time by LOAD … TO RUNTIME.
    public internal(set) var runtime: RuntimeConfiguration
    public internal(set) var checksums = RuntimeChecksums()
    /// The typed `admin-*` runtime values (credentials, interfaces).
    public internal(set) var adminVariables: AdminVariables
    weak var target: RuntimeTarget?
    /// The config file Junction started with, for LOAD … FROM CONFIG.
    let configFilePath: String?
    public let logger: Logger
    /// `admin-read_only` (also set by `PROXYSQL READONLY`): admin SQL runs with `PRAGMA query_only`.
    var readOnly: Bool { runtime.variables["admin-read_only"] == "true" }
    /// Where the `stats_*` tables come from: the running proxy's counters.
    public var statsSource: StatsSource?
    /// Kills client session `id` (its running query only, with `queryOnly`); the future says whether it existed.
    public var killSession: ((_ id: Int, _ queryOnly: Bool) -> EventLoopFuture<Bool>)?
    /// `SHOW PROMETHEUS METRICS`: the text `/metrics` serves.
    public var prometheusMetrics: (() -> EventLoopFuture<String>)?

    /// Statements whose answer needs the proxy's event loops (admin KILL): the answer to come, or nil for those
    /// `execute` answers at once.
    public func pendingAnswer(_ raw: String, session: AdminSessionInfo) -> EventLoopFuture<AdminResult>? {
        let text = AdminStatementText(raw)
        if text.normalized == "SHOW PROMETHEUS METRICS", let prometheusMetrics {
            return prometheusMetrics().map { .rows(columns: ["Data"], rows: [[$0]]) }
        }
        guard session.role == .admin, let killSession else { return nil }
        guard text.normalized.hasPrefix("KILL") else { return nil }
        switch AdminCommandParser.parse(text) {
        case .killConnection(let id), .killQuery(let id):
            let queryOnly = AdminCommandParser.parse(text) == .killQuery(id)
            return killSession(id, queryOnly).map { found in
                found ? .done : .error(AdminError("Unknown thread id: \(id)", code: 1094, sqlState: "HY000"))
            }
        default:
            return nil
        }
    }

    /// Whether the process is stopping (SIGTERM received): `JUNCTION HEALTH` reports it so the node is taken out of
    /// its load balancer while it still serves.
    public var isStopping: () -> Bool = { false }
    /// Runs `PROXYSQL …` commands that act on the process (pause, stop, shutdown…); nil answers "not supported".
    public var processControl: ((ProxySQLCommand) -> AdminResult)?
    /// Called on the admin's loop each time admin variables go live (the HTTP listeners follow them).
    public var onAdminVariablesApplied: ((AdminVariables) -> Void)?

    public init(database: AdminDatabase, target: RuntimeTarget?, configFilePath: String?, logger: Logger) throws {
        self.database = database
        self.target = target
        self.configFilePath = configFilePath
        self.logger = logger
        var variables = VariableCatalog.defaults(module: "mysql")
        variables.merge(VariableCatalog.defaults(module: "admin")) { $1 }
        runtime = RuntimeConfiguration(variables: variables)
        adminVariables = try AdminVariables()
    }

    /// The version the admin reports (`SELECT @@version`, `admin-version`): Junction's, or the one it presents to
    /// ProxySQL cluster peers (`cluster_presented_version`).
    public var version: String { runtime.variables["admin-version"] ?? VariableCatalog.adminVersion }

    /// Reports `version` instead of Junction's own; called before `start`.
    public func presentVersion(_ version: String) {
        runtime.variables["admin-version"] = version
    }

    /// Answers one statement.
    public func execute(_ raw: String, session: AdminSessionInfo) -> AdminResult {
        let text = AdminStatementText(raw)
        if text.sql.isEmpty { return .error(AdminError("No query specified", code: 1065, sqlState: "42000")) }
        if let answer = ClientProbes.answer(text, session: session, executor: self) { return answer }
        switch session.role {
        case .stats: return executeAsStatsUser(text)
        case .admin: return executeAsAdmin(text, session: session)
        }
    }

    private func executeAsAdmin(_ text: AdminStatementText, session: AdminSessionInfo) -> AdminResult {
        let command = AdminCommandParser.parse(text)
        do {
            return try database.withAdmin { db in
                if case .clusterNodeUUID(let uuid, let interfaces) = command {
                    try db.execute(sql: "INSERT OR REPLACE INTO stats.stats_proxysql_servers_clients_status VALUES (?, ?, ?, ?, ?)",
                                   arguments: [uuid, session.clientAddress, session.clientPort, interfaces, Int(Date().timeIntervalSince1970)])
                    return .done
                }
                return try run(command, text: text, in: db)
            }
        } catch let error as RuntimeValidationError {
            return .error(.admin(error.description))
        } catch let error as AdminError {
            return .error(error)
        } catch let error as DatabaseError {
            return .error(SQLiteRunner.translate(error))
        } catch {
            return .error(.admin("\(error)"))
        }
    }

    private func executeAsStatsUser(_ text: AdminStatementText) -> AdminResult {
        if text.normalized.hasPrefix("PRAGMA") || text.normalized.hasPrefix("ATTACH") || text.normalized.hasPrefix("DETACH") {
            return .error(.admin("Command not allowed"))
        }
        let command = AdminCommandParser.parse(text)
        do {
            return try database.withStatsOnly { db in
                switch command {
                case .ignored: return .done
                case .show(let show) where show.allowedForStatsUsers: return try self.show(show, in: db, schemaForTables: "main")
                case .sql: break
                default: return .error(.admin("stats users can only read the stats tables"))
                }
                return SQLiteRunner.run(text.sql, in: db)
            }
        } catch let error as AdminError {
            return .error(error)
        } catch let error as DatabaseError {
            return .error(SQLiteRunner.translate(error))
        } catch {
            return .error(.admin("\(error)"))
        }
    }

    private func run(_ command: AdminCommand, text: AdminStatementText, in db: Database) throws -> AdminResult {
        switch command {
        case .loadToRuntime(let module):
            let result = try loadToRuntime(module, in: db)
            logger.info("configuration loaded to runtime", metadata: ["module": "\(module.rawValue)"])
            return result
        case .saveToMemory(let module): return try saveToMemory(module, in: db)
        case .loadFromDisk(let module): return try loadFromDisk(module, in: db)
        case .saveToDisk(let module): return try saveToDisk(module, in: db)
        case .loadFromConfig(let module): return try loadFromConfig(module, in: db)
        case .loadUserToRuntime(let name): return try loadUserToRuntime(name, in: db)
        case .saveDigestToDisk:
            let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM stats.stats_mysql_query_digest_reset") ?? 0
            try db.execute(sql: """
                INSERT INTO stats_history.history_mysql_query_digest SELECT strftime('%s','now'), hostgroup, schemaname, username,
                client_address, digest, digest_text, count_star, first_seen, last_seen, sum_time, min_time, max_time,
                sum_rows_affected, sum_rows_sent FROM stats.stats_mysql_query_digest_reset
                """)
            return .ok(affectedRows: count)
        case .selectConfigFile:
            return .rows(columns: ["Data"], rows: [[try ConfigFileRenderer.render(db)]])
        case .saveConfigToFile(let path):
            let text = try ConfigFileRenderer.render(db)
            do { try text.write(toFile: path, atomically: true, encoding: .utf8) } catch {
                throw AdminError.admin("cannot write \(path): \(error.localizedDescription)")
            }
            return .ok(message: "File \(path) is saved.")
        case .setVariable(let name, let value): return try setVariable(name, value, in: db)
        case .ignored: return .done
        case .show(let show): return try self.show(show, in: db, schemaForTables: "main")
        case .proxysql(let command): return proxysql(command, in: db)
        case .checksum(let schema, let tables):
            let rows = try tables.map { table -> [String?] in
                let content = try TableRows.read(table, schema: schema.rawValue, in: db)
                return [table, ClusterChecksum.render(ClusterChecksum.rows(content.rows.map { $0.map(SQLiteRunner.text) }))]
            }
            return .rows(columns: ["table", "checksum"], rows: rows)
        case .selectGlobalChecksum:
            return .rows(columns: ["CHECKSUM"], rows: [[String(checksums.global)]])
        case .proxySelect(let table, let sql):
            if let served = servedToPeers(table) { return .rows(columns: served.columns, rows: served.rows) }
            return try run(.sql(sql), text: text, in: db)
        case .clusterNodeUUID:
            return .done  // recorded by executeAsAdmin, which knows the session
        case .truncateQueryDigest:
            try db.execute(sql: "DELETE FROM stats.stats_mysql_query_digest")
            try db.execute(sql: "DELETE FROM stats.stats_mysql_query_digest_reset")
            return .done
        case .explainRouting(let query, let user, let schema):
            return try explainRouting(query: query, user: user, schema: schema)
        case .killConnection(let id), .killQuery(let id):
            // Reached only without a proxy to ask (`killSession`); otherwise `pendingAnswer` answered it.
            return .error(AdminError("Unknown thread id: \(id)", code: 1094, sqlState: "HY000"))
        case .sql(let sql):
            try refreshRuntimeTables(mentionedIn: sql, in: db)
            if readOnly { try db.execute(sql: "PRAGMA query_only = ON") }
            defer { if readOnly { try? db.execute(sql: "PRAGMA query_only = OFF") } }
            return SQLiteRunner.run(sql, in: db)
        }
    }


    /// `SET mysql-x = v`: the name and value are checked first; a rejected SET changes nothing.
    private func setVariable(_ name: String, _ value: String, in db: Database) throws -> AdminResult {
        guard let definition = VariableCatalog.definition(named: name) else {
            throw AdminError.admin("Unknown global variable: '\(name)'")
        }
        if definition.name == "admin-version" {
            throw AdminError.admin("Variable 'admin-version' is read-only")
        }
        let normalised: String
        do { normalised = try VariableCatalog.validate(name: definition.name, value: value) } catch {
            throw AdminError.admin("Invalid value '\(value)' for \(definition.name): \((error as? VariableError)?.reason ?? "\(error)")")
        }
        try db.execute(sql: "INSERT OR REPLACE INTO main.global_variables VALUES (?, ?)", arguments: [definition.name, normalised])
        return .ok(affectedRows: 1)
    }

    /// `LOAD MYSQL USER <name> TO RUNTIME`: one user's rows from MEMORY, the others untouched.
    private func loadUserToRuntime(_ name: String, in db: Database) throws -> AdminResult {
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "_+-".contains($0) }) else {
            throw AdminError.admin("Invalid name \(name)")
        }
        let memory = try TableRows.read("mysql_users", schema: "main", in: db)
        let current = runtime.tables["mysql_users"] ?? memory.emptied()
        guard let nameIndex = memory.columns.firstIndex(of: "username") else { return .done }
        var merged = current
        merged.rows = current.rows.filter { SQLiteRunner.text($0[nameIndex]) != name }
            + memory.rows.filter { SQLiteRunner.text($0[nameIndex]) == name }
        var candidate = runtime
        candidate.tables["mysql_users"] = merged
        try goLive(candidate, changed: .mysqlUsers, as: .load(peer: nil))
        return .done
    }

    func adminVariablesApplied() throws {
        adminVariables = try runtime.adminVariables()
        onAdminVariablesApplied?(adminVariables)
    }

    private func proxysql(_ command: ProxySQLCommand, in db: Database) -> AdminResult {
        switch command {
        case .readOnly:
            runtime.variables["admin-read_only"] = "true"
            return .done
        case .readWrite:
            runtime.variables["admin-read_only"] = "false"
            return .done
        case .flushLogs:
            // Refused rather than answered OK: a logrotate script must not believe a file was reopened.
            return .error(AdminError("Junction Admin Error: PROXYSQL FLUSH LOGS: Junction writes its log to standard error (the "
                + "journal under systemd), not to a file it could reopen; rotate with journald", code: 1047, sqlState: "08S01"))
        case .flushMySQLClientHosts:
            return .error(AdminError("Junction Admin Error: PROXYSQL FLUSH MYSQL CLIENT HOSTS: Junction keeps no client host "
                + "cache (mysql-client_host_cache_size is not supported), so there is nothing to flush", code: 1047, sqlState: "08S01"))
        case .flushConfigDB:
            return .error(AdminError("Junction Admin Error: PROXYSQL FLUSH CONFIGDB is not supported: Junction's configuration "
                + "database is written at each SAVE … TO DISK and needs no reopening", code: 1047, sqlState: "08S01"))
        case .health:
            let stopping: [[String?]] = [["stopping", isStopping() ? "1" : "0"]]
            return .rows(columns: ["Variable_name", "Value"], rows: stopping + runtime.onlineWriters.map { ["writer", $0] })
        case .flushQueryCache:
            // Until the query cache exists there is nothing to flush; the processControl hook takes over then.
            return processControl?(command) ?? .done
        default:
            return processControl?(command) ?? .error(.admin("JUNCTION \(command.rawValue) is not supported by this build"))
        }
    }
}

extension AdminExecutor {
    /// Column names of `table` for COM_FIELD_LIST (the CLI's tab completion after `USE`).
    func columnNames(of table: String, session: AdminSessionInfo) -> [String] {
        let read = { (db: Database) in try String.fetchAll(db, sql: "SELECT name FROM pragma_table_info(?)", arguments: [table]) }
        return (try? session.role == .admin ? database.withAdmin(read) : database.withStatsOnly(read)) ?? []
    }
}
