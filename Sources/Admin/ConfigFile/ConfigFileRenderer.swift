import GRDB

/// Renders the MEMORY configuration as a config file (`SELECT CONFIG FILE`, `SAVE CONFIG TO FILE`),
/// in the format `junction -c` reads back.
enum ConfigFileRenderer {
    static let tableSections = [
        "mysql_servers", "mysql_replication_hostgroups", "mysql_group_replication_hostgroups", "mysql_galera_hostgroups",
        "mysql_aws_aurora_hostgroups", "mysql_servers_ssl_params", "mysql_users", "mysql_query_rules",
        "mysql_query_rules_fast_routing", "scheduler", "proxysql_servers",
    ]

    static func render(_ db: Database) throws -> String {
        var out = ""
        if let datadir = try String.fetchOne(db, sql: "SELECT file FROM pragma_database_list WHERE name = 'disk'") {
            let directory = datadir.split(separator: "/").dropLast().joined(separator: "/")
            out += "datadir=\(quote((datadir.hasPrefix("/") ? "/" : "") + directory))\n"
        }
        for (section, prefix) in [("admin_variables", "admin-"), ("mysql_variables", "mysql-")] {
            let rows = try Row.fetchAll(db, sql: "SELECT variable_name, variable_value FROM main.global_variables WHERE variable_name LIKE ? AND variable_name <> 'admin-version' ORDER BY variable_name",
                                        arguments: [prefix + "%"])
            out += "\(section)=\n{\n"
            for row in rows {
                let name: String = row[0]
                let value: String = row[1] ?? ""
                out += "\t\(name.dropFirst(prefix.count))=\(quote(value))\n"
            }
            out += "}\n"
        }
        for table in tableSections {
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM main.\(table)")
            guard !rows.isEmpty else { continue }
            out += "\(table)=\n(\n"
            out += rows.map { row in
                let fields = row.columnNames.compactMap { name -> String? in
                    switch row[name] as DatabaseValue {
                    case let value where value.isNull: return nil
                    case let value:
                        switch value.storage {
                        case .int64(let int): return "\t\t\(name)=\(int)"
                        case .double(let double): return "\t\t\(name)=\(double)"
                        default: return "\t\t\(name)=\(quote(SQLiteRunner.text(value) ?? ""))"
                        }
                    }
                }
                return "\t{\n" + fields.joined(separator: "\n") + "\n\t}"
            }.joined(separator: ",\n")
            out += "\n)\n"
        }
        return out
    }

    private static func quote(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
