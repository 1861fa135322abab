import GRDB
import JunctionConfig

extension AdminShowCommand {
    /// The SHOW forms a stats user may run (they only read).
    var allowedForStatsUsers: Bool {
        switch self {
        case .databases, .tables, .createTable, .fields, .tableStatus, .mysqlStatus, .processlist, .variables: return true
        case .mysqlUsers, .mysqlServers, .charset, .collation: return false
        }
    }
}

/// SHOW commands, answered from SQLite (admin-commands.md §6.2).
extension AdminExecutor {
    func show(_ command: AdminShowCommand, in db: Database, schemaForTables: String) throws -> AdminResult {
        switch command {
        case .databases:
            return try SQLiteRunner.query("SELECT seq, name, file FROM pragma_database_list", in: db)
        case .tables(let schema, let like):
            let source = try knownSchema(schema ?? schemaForTables, in: db)
            var sql = "SELECT name AS tables FROM \(source).sqlite_master WHERE type = 'table' AND name NOT IN ('sqlite_sequence')"
            var arguments: StatementArguments = []
            if let like {
                sql += " AND name LIKE ?"
                arguments = [like.replacingOccurrences(of: "\\", with: "")]
            }
            return try SQLiteRunner.query(sql + " ORDER BY name", arguments: arguments, in: db)
        case .createTable(let schema, let table):
            return try showCreateTable(schema: schema, table: table, in: db)
        case .fields(let table):
            let columns = try Row.fetchAll(db, sql: "SELECT name, \"notnull\", pk FROM pragma_table_info(?)", arguments: [table])
            guard !columns.isEmpty else { throw AdminError.admin("Table does not exist") }
            return .rows(columns: ["Field", "Type", "Null", "Key", "Default", "Extra"], rows: columns.map { row in
                let notNull: Int = row[1]
                let primaryKey: Int = row[2]
                return [row[0] as String, "varchar(255)", notNull != 0 ? "NO" : "YES", primaryKey > 0 ? "PRI" : "", "", ""]
            })
        case .tableStatus(let like):
            let names = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE ? ORDER BY name",
                                            arguments: [like])
            let columns = ["Name", "Engine", "Version", "Row_format", "Rows", "Avg_row_length", "Data_length", "Max_data_length",
                           "Index_length", "Data_free", "Auto_increment", "Create_time", "Update_time", "Check_time", "Collation",
                           "Checksum", "Create_options", "Comment"]
            return .rows(columns: columns, rows: try names.map { name in
                let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM \"\(name)\"") ?? 0
                return [name, "SQLite", "10", "Dynamic", String(count), "0", "0", "0", "0", "0", nil, nil, nil, nil,
                        "utf8_general_ci", nil, "", ""]
            })
        case .variables(let prefix, let like, let whereClause):
            var conditions: [String] = []
            var arguments: StatementArguments = []
            if let prefix {
                conditions.append("Variable_name LIKE ?")
                _ = arguments.append(contentsOf: [prefix + "%"])
            }
            if let like {
                conditions.append("Variable_name LIKE ?")
                _ = arguments.append(contentsOf: [like])
            }
            if let whereClause { conditions.append("(" + whereClause + ")") }
            let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
            return try SQLiteRunner.query("""
                SELECT Variable_name, Value FROM (SELECT variable_name AS Variable_name, variable_value AS Value \
                FROM global_variables)\(filter) ORDER BY Variable_name
                """, arguments: arguments, in: db)
        case .mysqlStatus:
            return try SQLiteRunner.query("SELECT Variable_Name AS Variable_name, Variable_Value AS Value FROM stats_mysql_global", in: db)
        case .mysqlUsers:
            return try SQLiteRunner.query("SELECT * FROM main.mysql_users ORDER BY username, active DESC, username ASC", in: db)
        case .mysqlServers:
            return try SQLiteRunner.query("SELECT * FROM main.mysql_servers ORDER BY hostgroup_id, hostname, port", in: db)
        case .processlist(let full):
            let sql = full ? "SELECT * FROM stats_mysql_processlist"
                : "SELECT SessionID, user, db, hostgroup, command, time_ms, substr(info, 1, 100) AS info FROM stats_mysql_processlist"
            return try SQLiteRunner.query(sql, in: db)
        case .charset:
            return try SQLiteRunner.query("""
                SELECT Charset, Collation AS "Default collation" FROM main.mysql_collations WHERE "Default" = 'Yes' ORDER BY Charset
                """, in: db)
        case .collation:
            return try SQLiteRunner.query("SELECT Collation, Charset, Id, \"Default\" FROM main.mysql_collations ORDER BY Id", in: db)
        }
    }

    private func knownSchema(_ name: String, in db: Database) throws -> String {
        let schemas = try String.fetchAll(db, sql: "SELECT name FROM pragma_database_list")
        guard let match = schemas.first(where: { $0.caseInsensitiveCompare(name) == .orderedSame }) else {
            throw AdminError.admin("unknown database '\(name)'")
        }
        return match
    }

    /// The catalog's exact text for Junction's tables, SQLite's stored text for tables users created.
    private func showCreateTable(schema: String?, table: String, in db: Database) throws -> AdminResult {
        let schemaName = try knownSchema(schema ?? "main", in: db)
        let storedSQL = try String.fetchOne(db, sql: "SELECT sql FROM \(schemaName).sqlite_master WHERE type = 'table' AND name = ?",
                                            arguments: [table])
        guard let storedSQL else { throw AdminError.admin("Table '\(table)' does not exist") }
        let catalogued = AdminSchemaName(rawValue: schemaName).flatMap { AdminTableCatalog.table(table, in: $0) }
            ?? AdminTableCatalog.all.first { $0.name == table }
        let text = AdminTableCatalog.showCreateText(catalogued?.createSQL ?? storedSQL)
        return .rows(columns: ["table", "Create Table"], rows: [[table, text]])
    }
}
