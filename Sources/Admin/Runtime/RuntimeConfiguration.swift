import GRDB
import JunctionConfig

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

    /// The `mysql-*` variables, typed.
    public func mysqlVariables() throws -> MySQLVariables {
        try MySQLVariables(variables.filter { $0.key.hasPrefix("mysql-") })
    }

    /// The `admin-*` variables, typed.
    public func adminVariables() throws -> AdminVariables {
        try AdminVariables(variables.filter { $0.key.hasPrefix("admin-") && $0.key != "admin-version" })
    }

    /// Checks what `module` contributes; the error names the table, row and column.
    func validate(_ module: AdminModule) throws {
        switch module {
        case .mysqlServers:
            _ = try decodeServers()
            _ = try decodeReplicationHostgroups()
        case .mysqlUsers: _ = try decodeUsers()
        case .proxysqlServers: _ = try decodeClusterPeers()
        case .mysqlVariables: _ = try mysqlVariables()
        case .adminVariables:
            let admin = try adminVariables()
            guard !admin.adminCredentials.isEmpty else {
                throw RuntimeValidationError("admin-admin_credentials: at least one user:password pair is needed")
            }
        default: break
        }
    }

    private func rows(_ table: String) -> [NamedRow] {
        tables[table]?.namedRows ?? []
    }

    func decodeServers() throws -> [MySQLServerRow] {
        try rows(MySQLServerRow.tableName).map { row in
            let statusText = row.string("status") ?? "ONLINE"
            guard let status = ServerStatus(caseInsensitive: statusText) else {
                throw RuntimeValidationError("mysql_servers row \(row.number): status '\(statusText)' is not ONLINE, SHUNNED, OFFLINE_SOFT or OFFLINE_HARD")
            }
            let server = MySQLServerRow(
                hostgroupID: row.int("hostgroup_id"), hostname: row.string("hostname") ?? "", port: row.int("port", default: 3306),
                gtidPort: row.int("gtid_port"), status: status, weight: row.int("weight", default: 1),
                compression: row.int("compression"), maxConnections: row.int("max_connections", default: 1000),
                maxReplicationLag: row.int("max_replication_lag"), useSSL: row.int("use_ssl"),
                maxLatencyMs: row.int("max_latency_ms"), comment: row.string("comment") ?? "")
            try RuntimeValidationError.naming(row: row.number, of: MySQLServerRow.tableName) { try server.validate() }
            return server
        }
    }

    func decodeUsers() throws -> [MySQLUserRow] {
        try rows(MySQLUserRow.tableName).map { row in
            let user = MySQLUserRow(
                username: row.string("username") ?? "", password: row.string("password") ?? "", active: row.int("active", default: 1),
                useSSL: row.int("use_ssl"), defaultHostgroup: row.int("default_hostgroup"),
                defaultSchema: row.string("default_schema"), schemaLocked: row.int("schema_locked"),
                transactionPersistent: row.int("transaction_persistent", default: 1), fastForward: row.int("fast_forward"),
                backend: row.int("backend", default: 1), frontend: row.int("frontend", default: 1),
                maxConnections: row.int("max_connections", default: 10000), attributes: row.string("attributes") ?? "",
                comment: row.string("comment") ?? "")
            try RuntimeValidationError.naming(row: row.number, of: MySQLUserRow.tableName) { try user.validate() }
            return user
        }
    }

    func decodeReplicationHostgroups() throws -> [MySQLReplicationHostgroupRow] {
        try rows(MySQLReplicationHostgroupRow.tableName).map { row in
            let pair = MySQLReplicationHostgroupRow(
                writerHostgroup: row.int("writer_hostgroup"), readerHostgroup: row.int("reader_hostgroup"),
                checkType: row.string("check_type") ?? "read_only", comment: row.string("comment") ?? "")
            try RuntimeValidationError.naming(row: row.number, of: MySQLReplicationHostgroupRow.tableName) { try pair.validate() }
            return pair
        }
    }

    func decodeClusterPeers() throws -> [ClusterPeerRow] {
        try rows(ClusterPeerRow.tableName).map { row in
            let peer = ClusterPeerRow(hostname: row.string("hostname") ?? "", port: row.int("port", default: 6032),
                                      weight: row.int("weight"), comment: row.string("comment") ?? "")
            try RuntimeValidationError.naming(row: row.number, of: ClusterPeerRow.tableName) { try peer.validate() }
            return peer
        }
    }
}

/// Why a LOAD … TO RUNTIME was refused; the running configuration is unchanged.
public struct RuntimeValidationError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }

    static func naming(row: Int, of table: String, _ body: () throws -> Void) throws {
        do { try body() } catch {
            throw RuntimeValidationError("\(table) row \(row): \(error)")
        }
    }
}
