import GRDB
import JunctionConfig

/// Copies the sections of a config file into MEMORY with INSERT OR REPLACE (`LOAD … FROM CONFIG`,
/// and the first start): rows with the same key are replaced, other rows stay.
enum ConfigFileImporter {
    /// Imports the sections of `module`; returns how many entries were read.
    static func importModule(_ module: AdminModule, from file: JunctionConfigFile, in db: Database) throws -> Int {
        switch module {
        case .mysqlServers:
            var count = try insert(file.mysqlServers.map(serverValues), into: "mysql_servers", in: db)
            count += try insert(file.mysqlReplicationHostgroups.map { [
                "writer_hostgroup": $0.writerHostgroup.databaseValue, "reader_hostgroup": $0.readerHostgroup.databaseValue,
                "check_type": $0.checkType.databaseValue, "comment": $0.comment.databaseValue,
            ] }, into: "mysql_replication_hostgroups", in: db)
            for table in ["mysql_group_replication_hostgroups", "mysql_galera_hostgroups", "mysql_aws_aurora_hostgroups",
                          "mysql_servers_ssl_params"] {
                count += try importSection(table, from: file, into: table, in: db)
            }
            return count
        case .mysqlUsers:
            return try insert(file.mysqlUsers.map(userValues), into: "mysql_users", in: db)
        case .mysqlQueryRules:
            return try importSection("mysql_query_rules", from: file, into: "mysql_query_rules", in: db)
                + importSection("mysql_query_rules_fast_routing", from: file, into: "mysql_query_rules_fast_routing", in: db)
        case .mysqlVariables, .adminVariables:
            let isMySQL = module == .mysqlVariables
            let prefix = isMySQL ? "mysql-" : "admin-"
            let entries = isMySQL ? file.mysqlVariables : file.adminVariables
            for (name, value) in entries {
                let fullName = prefix + name
                let normalised: String
                do { normalised = try VariableCatalog.validate(name: fullName, value: value) } catch {
                    throw AdminError.admin("config file: \(isMySQL ? "mysql_variables" : "admin_variables").\(name): \((error as? VariableError)?.reason ?? "\(error)")")
                }
                let canonical = VariableCatalog.definition(named: fullName)?.name ?? fullName
                try db.execute(sql: "INSERT OR REPLACE INTO main.global_variables VALUES (?, ?)", arguments: [canonical, normalised])
            }
            return entries.count
        case .proxysqlServers:
            return try insert(file.clusterPeers.map { [
                "hostname": $0.hostname.databaseValue, "port": $0.port.databaseValue,
                "weight": $0.weight.databaseValue, "comment": $0.comment.databaseValue,
            ] }, into: "proxysql_servers", in: db)
        case .scheduler:
            return try importSection("scheduler", from: file, into: "scheduler", in: db)
        case .restapi:
            return try importSection("restapi", from: file, into: "restapi_routes", in: db)
                + importSection("restapi_routes", from: file, into: "restapi_routes", in: db)
        case .mysqlFirewall:
            return try module.tables.reduce(0) { try $0 + importSection($1, from: file, into: $1, in: db) }
        case .ldapVariables, .sqliteserverVariables, .coredump:
            return 0
        }
    }

    /// Modules read from the config file on a first start, `--initial` and `--reload` (variables first).
    static let startupModules: [AdminModule] = [
        .adminVariables, .mysqlVariables, .mysqlServers, .mysqlUsers, .mysqlQueryRules, .scheduler, .restapi,
        .proxysqlServers,
    ]

    private static func serverValues(_ row: MySQLServerRow) -> [String: DatabaseValue] {
        [
            "hostgroup_id": row.hostgroupID.databaseValue, "hostname": row.hostname.databaseValue, "port": row.port.databaseValue,
            "gtid_port": row.gtidPort.databaseValue, "status": row.status.rawValue.databaseValue, "weight": row.weight.databaseValue,
            "compression": row.compression.databaseValue, "max_connections": row.maxConnections.databaseValue,
            "max_replication_lag": row.maxReplicationLag.databaseValue, "use_ssl": row.useSSL.databaseValue,
            "max_latency_ms": row.maxLatencyMs.databaseValue, "comment": row.comment.databaseValue,
        ]
    }

    private static func userValues(_ row: MySQLUserRow) -> [String: DatabaseValue] {
        [
            "username": row.username.databaseValue, "password": row.password.databaseValue, "active": row.active.databaseValue,
            "use_ssl": row.useSSL.databaseValue, "default_hostgroup": row.defaultHostgroup.databaseValue,
            "default_schema": row.defaultSchema.databaseValue, "schema_locked": row.schemaLocked.databaseValue,
            "transaction_persistent": row.transactionPersistent.databaseValue, "fast_forward": row.fastForward.databaseValue,
            "backend": row.backend.databaseValue, "frontend": row.frontend.databaseValue,
            "max_connections": row.maxConnections.databaseValue, "attributes": row.attributes.databaseValue,
            "comment": row.comment.databaseValue,
        ]
    }

    private static func insert(_ rows: [[String: DatabaseValue]], into table: String, in db: Database) throws -> Int {
        for values in rows {
            let columns = values.keys.sorted()
            let sql = "INSERT OR REPLACE INTO main.\(table) (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))"
            try db.execute(sql: sql, arguments: StatementArguments(columns.map { values[$0]! }))
        }
        return rows.count
    }

    /// Config keys named differently from their columns.
    private static let keyAliases = ["hostgroup": "hostgroup_id", "address": "hostname"]

    /// A section not mapped by JunctionConfig: each entry's keys that name columns of `table` become a row.
    private static func importSection(_ section: String, from file: JunctionConfigFile, into table: String, in db: Database) throws -> Int {
        guard let value = file.otherSections[section] else { return 0 }
        let entries: [ConfigValue]
        switch value {
        case .list(let items), .array(let items): entries = items
        case .group: entries = [value]
        default: throw AdminError.admin("config file: \(section) must be a list of entries")
        }
        let columns = Set(try String.fetchAll(db, sql: "SELECT name FROM pragma_table_info(?)", arguments: [table]))
        var count = 0
        for entry in entries {
            guard case .group(let group) = entry else { throw AdminError.admin("config file: \(section) entries must be { … } groups") }
            var row: [String: DatabaseValue] = [:]
            for setting in group.settings {
                let column = keyAliases[setting.name] ?? setting.name
                guard columns.contains(column) else { continue }
                switch setting.value {
                case .int(let int): row[column] = int.databaseValue
                case .float(let double): row[column] = double.databaseValue
                case .bool(let bool): row[column] = (bool ? 1 : 0).databaseValue
                case .string(let string): row[column] = string.databaseValue
                default: throw AdminError.admin("\(group.fileName):\(setting.line): \(section).\(setting.name): expected a scalar")
                }
            }
            do { count += try insert([row], into: table, in: db) } catch let error as DatabaseError {
                throw AdminError.admin("\(group.fileName):\(group.line): \(section) entry: \(error.message ?? "\(error)")")
            }
        }
        return count
    }
}
