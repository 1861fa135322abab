import GRDB
import JunctionConfig
import QueryRouting

/// The configuration that is live (the RUNTIME layer): the rows of every runtime table and every
/// variable. It changes only by replacing one module at a time, after the new content validated.
public struct RuntimeConfiguration: Sendable, Equatable {
    /// Config table name (`mysql_servers`) → its runtime rows.
    public var tables: [String: TableRows]
    /// Full variable name → normalised value, for every `mysql-*` and `admin-*` variable.
    public var variables: [String: String]

    public init(tables: [String: TableRows] = [:], variables: [String: String] = [:]) {
        self.tables = tables
        self.variables = variables
    }

    public var mysqlServers: [MySQLServerRow] { (try? decodeServers()) ?? [] }
    public var mysqlUsers: [MySQLUserRow] { (try? decodeUsers()) ?? [] }
    public var replicationHostgroups: [MySQLReplicationHostgroupRow] { (try? decodeReplicationHostgroups()) ?? [] }
    public var clusterPeers: [ClusterPeerRow] { (try? decodeClusterPeers()) ?? [] }

    /// The rows `runtime_<table>` shows and SAVE … TO MEMORY writes back. A user that is both frontend and
    /// backend is two rows there (frontend-only and backend-only), as in ProxySQL's authentication store.
    func renderedRows(of table: String) -> TableRows? {
        guard var content = tables[table] else { return nil }
        if table == "mysql_query_rules", let active = content.columns.firstIndex(of: "active") {
            // The runtime holds the loaded rules only: inactive ones were never loaded.
            content.rows = content.rows.filter { $0[active] == 1.databaseValue }
            return content
        }
        guard table == MySQLUserRow.tableName,
              let frontend = content.columns.firstIndex(of: "frontend"),
              let backend = content.columns.firstIndex(of: "backend") else { return content }
        let yes = 1.databaseValue, no = 0.databaseValue
        content.rows = content.rows.flatMap { row -> [[DatabaseValue]] in
            guard row[frontend] == yes, row[backend] == yes else { return [row] }
            var frontendOnly = row, backendOnly = row
            frontendOnly[backend] = no
            backendOnly[frontend] = no
            return [frontendOnly, backendOnly]
        }
        return content
    }

    /// The `mysql-*` variables, typed.
    public func mysqlVariables() throws -> MySQLVariables {
        try MySQLVariables(variables.filter { $0.key.hasPrefix("mysql-") })
    }

    /// The `admin-*` variables, typed.
    public func adminVariables() throws -> AdminVariables {
        try AdminVariables(variables.filter { $0.key.hasPrefix("admin-") && $0.key != "admin-version" })
    }

    /// Checks what `module` contributes and decodes what goes live, once: the error names the table, row and
    /// column. For the modules the proxy serves from, the servers, users and variables are decoded, and the query
    /// rules compiled when they are what changed.
    public func compile(_ module: AdminModule) throws -> CompiledRuntime {
        switch module {
        case .mysqlServers, .mysqlUsers, .mysqlVariables, .mysqlQueryRules:
            // The changed module first, so its error is the one reported.
            let servers = try decodeServers()
            if module == .mysqlServers { _ = try decodeReplicationHostgroups() }
            let users = try decodeUsers()
            let variables = try mysqlVariables()
            let rules = module == .mysqlQueryRules ? try queryRuleSet() : nil
            return CompiledRuntime(runtime: self, proxy: .init(servers: servers, users: users, variables: variables, queryRules: rules))
        case .proxysqlServers:
            _ = try decodeClusterPeers()
        case .adminVariables:
            let admin = try adminVariables()
            guard !admin.adminCredentials.isEmpty else {
                throw RuntimeValidationError("admin-admin_credentials: at least one user:password pair is needed")
            }
        default:
            break
        }
        return CompiledRuntime(runtime: self, proxy: nil)
    }

    func rows(_ table: String) -> [NamedRow] {
        tables[table]?.namedRows ?? []
    }

    /// Each row of `table` turned into a typed row and validated; an error names the table and row.
    private func decode<T>(_ table: String, key: [String], _ make: (NamedRow) throws -> T, validate: (T) throws -> Void) throws -> [T] {
        try rows(table).map { row in
            do {
                let value = try make(row)
                try validate(value)
                return value
            } catch {
                let label = key.map { "\($0)=\(row.string($0).map { "'\($0)'" } ?? "NULL")" }.joined(separator: ", ")
                throw RuntimeValidationError("\(table) row (\(label)): \(error)")
            }
        }
    }

    func decodeServers() throws -> [MySQLServerRow] {
        try decode(MySQLServerRow.tableName, key: ["hostgroup_id", "hostname", "port"], { row in
            let statusText = row.string("status") ?? "ONLINE"
            guard let status = ServerStatus(caseInsensitive: statusText) else {
                throw RuntimeValidationError("status '\(statusText)' is not ONLINE, SHUNNED, OFFLINE_SOFT or OFFLINE_HARD")
            }
            return MySQLServerRow(
                hostgroupID: try row.int("hostgroup_id"), hostname: row.string("hostname") ?? "", port: try row.int("port", default: 3306),
                gtidPort: try row.int("gtid_port"), status: status, weight: try row.int("weight", default: 1),
                compression: try row.int("compression"), maxConnections: try row.int("max_connections", default: 1000),
                maxReplicationLag: try row.int("max_replication_lag"), useSSL: try row.int("use_ssl"),
                maxLatencyMs: try row.int("max_latency_ms"), comment: row.string("comment") ?? "")
        }, validate: { try $0.validate() })
    }

    func decodeUsers() throws -> [MySQLUserRow] {
        try decode(MySQLUserRow.tableName, key: ["username"], { row in
            MySQLUserRow(
                username: row.string("username") ?? "", password: row.string("password") ?? "", active: try row.int("active", default: 1),
                useSSL: try row.int("use_ssl"), defaultHostgroup: try row.int("default_hostgroup"),
                defaultSchema: row.string("default_schema"), schemaLocked: try row.int("schema_locked"),
                transactionPersistent: try row.int("transaction_persistent", default: 1), fastForward: try row.int("fast_forward"),
                backend: try row.int("backend", default: 1), frontend: try row.int("frontend", default: 1),
                maxConnections: try row.int("max_connections", default: 10000), attributes: row.string("attributes") ?? "",
                comment: row.string("comment") ?? "")
        }, validate: { try $0.validate() })
    }

    func decodeReplicationHostgroups() throws -> [MySQLReplicationHostgroupRow] {
        try decode(MySQLReplicationHostgroupRow.tableName, key: ["writer_hostgroup"], { row in
            MySQLReplicationHostgroupRow(
                writerHostgroup: try row.int("writer_hostgroup"), readerHostgroup: try row.int("reader_hostgroup"),
                checkType: row.string("check_type") ?? "read_only", comment: row.string("comment") ?? "")
        }, validate: { try $0.validate() })
    }

    /// The active rules and the fast-routing map, compiled.
    /// - Throws: `RuntimeValidationError` naming the rule that does not compile or decode.
    public func queryRuleSet() throws -> QueryRuleSet {
        let definitions = try decode("mysql_query_rules", key: ["rule_id"], { row -> QueryRuleDefinition? in
            guard try row.int("active", default: 0) == 1 else { return nil }
            var d = QueryRuleDefinition(ruleID: try row.int("rule_id"))
            func optionalInt(_ column: String) throws -> Int? { row.value(column).isNull ? nil : try row.int(column) }
            d.username = row.string("username")
            d.schemaname = row.string("schemaname")
            d.flagIN = try row.int("flagIN")
            d.clientAddr = row.string("client_addr")
            d.proxyAddr = row.string("proxy_addr")
            d.proxyPort = try optionalInt("proxy_port")
            d.digest = row.string("digest")
            d.matchDigest = row.string("match_digest")
            d.matchPattern = row.string("match_pattern")
            d.negateMatchPattern = try row.int("negate_match_pattern") == 1
            d.reModifiers = row.string("re_modifiers")
            d.flagOUT = try optionalInt("flagOUT")
            d.replacePattern = row.string("replace_pattern")
            d.destinationHostgroup = try optionalInt("destination_hostgroup")
            d.cacheTTL = try optionalInt("cache_ttl")
            d.cacheEmptyResult = try optionalInt("cache_empty_result")
            d.cacheTimeout = try optionalInt("cache_timeout")
            d.reconnect = try optionalInt("reconnect")
            d.timeout = try optionalInt("timeout")
            d.retries = try optionalInt("retries")
            d.delay = try optionalInt("delay")
            d.nextQueryFlagIN = try optionalInt("next_query_flagIN")
            d.mirrorFlagOUT = try optionalInt("mirror_flagOUT")
            d.mirrorHostgroup = try optionalInt("mirror_hostgroup")
            d.errorMsg = row.string("error_msg")
            d.okMsg = row.string("OK_msg")
            d.stickyConn = try optionalInt("sticky_conn")
            d.multiplex = try optionalInt("multiplex")
            d.gtidFromHostgroup = try optionalInt("gtid_from_hostgroup")
            d.log = try optionalInt("log")
            d.apply = try row.int("apply") == 1
            d.attributes = row.string("attributes") ?? ""
            return d
        }, validate: { _ in }).compactMap { $0 }
        let routes = try decode("mysql_query_rules_fast_routing", key: ["username", "schemaname", "flagIN"], { row in
            FastRoutingDefinition(username: row.string("username") ?? "", schemaname: row.string("schemaname") ?? "",
                                  flagIN: try row.int("flagIN"), destinationHostgroup: try row.int("destination_hostgroup"))
        }, validate: { _ in })
        do {
            return try QueryRuleSet(rules: definitions, fastRouting: routes)
        } catch {
            throw RuntimeValidationError("\(error)")
        }
    }

    func decodeClusterPeers() throws -> [ClusterPeerRow] {
        try decode(ClusterPeerRow.tableName, key: ["hostname", "port"], { row in
            ClusterPeerRow(hostname: row.string("hostname") ?? "", port: try row.int("port", default: 6032),
                           weight: try row.int("weight"), comment: row.string("comment") ?? "")
        }, validate: { try $0.validate() })
    }
}

/// Why a LOAD … TO RUNTIME was refused; the running configuration is unchanged.
public struct RuntimeValidationError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
