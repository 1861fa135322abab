import Foundation
import GRDB
import JunctionConfig

/// Answers the queries that client libraries, the CLI and GUI tools send on connect, which SQLite
/// cannot (admin-commands.md §6.3): `select @@version_comment limit 1`, `SELECT DATABASE()`, …
enum ClientProbes {
    static let versionComment = "(Junction Admin Module)"
    /// Longer than any probe a client library sends (a list of some twenty variables).
    static let maximumProbeLength = 4096

    static func answer(_ text: AdminStatementText, session: AdminSessionInfo, executor: AdminExecutor) -> AdminResult? {
        let upper = text.normalized
        guard upper.hasPrefix("SELECT ") || upper.hasPrefix("SHOW ") else { return nil }
        let database = session.role == .stats ? "stats" : "admin"
        switch upper {
        case "SELECT @@VERSION_COMMENT LIMIT 1", "SELECT @@VERSION_COMMENT":
            return .rows(columns: [versionComment], rows: [[versionComment]])
        case "SELECT CONCAT(@@VERSION, ' ', @@VERSION_COMMENT)":
            return .rows(columns: ["concat(@@version, ' ', @@version_comment)"], rows: [[executor.version + " Admin Module"]])
        case "SELECT VERSION()":
            return .rows(columns: ["version()"], rows: [[executor.version]])
        case "SELECT DATABASE()", "SELECT SCHEMA()":
            return .rows(columns: ["DATABASE()"], rows: [[database]])
        case "SELECT DATABASE() AS NAME":
            return .rows(columns: ["name"], rows: [[database]])
        case "SELECT DATABASE(), USER() LIMIT 1", "SELECT DATABASE(), USER()":
            return .rows(columns: ["DATABASE()", "USER()"], rows: [[database, session.username]])
        case "SELECT CURRENT_USER()", "SELECT USER()":
            let column = upper == "SELECT USER()" ? "USER()" : "CURRENT_USER()"
            return .rows(columns: [column], rows: [["\(session.username)@\(session.clientAddress)"]])
        case "SELECT CONNECTION_ID()":
            return .rows(columns: ["CONNECTION_ID()"], rows: [["0"]])
        case "SELECT TIMEDIFF(NOW(), UTC_TIMESTAMP())":
            let offset = TimeZone.current.secondsFromGMT()
            let sign = offset < 0 ? "-" : ""
            let value = String(format: "%@%02d:%02d:00", sign, abs(offset) / 3600, abs(offset) % 3600 / 60)
            return .rows(columns: ["TIMEDIFF(NOW(), UTC_TIMESTAMP())"], rows: [[value]])
        default:
            break
        }
        if upper.hasPrefix("SHOW ") { return showProbe(upper, executor: executor) }
        return systemVariables(text, executor: executor)
    }

    /// `SHOW VARIABLES WHERE Variable_name IN (...)` from connectors, and mysqldump's probes.
    private static func showProbe(_ upper: String, executor: AdminExecutor) -> AdminResult? {
        if upper.hasPrefix("SHOW VARIABLES WHERE VARIABLE_NAME IN ("), upper.containsASCIICaseInsensitive("'SYSTEM_TIME_ZONE'") {
            return .rows(columns: ["Variable_name", "Value"], rows: [
                ["auto_increment_increment", "1"], ["max_allowed_packet", "4194304"], ["sql_mode", ""],
                ["system_time_zone", "UTC"], ["time_zone", "SYSTEM"],
            ])
        }
        if upper == "SHOW GLOBAL VARIABLES LIKE 'VERSION'" || upper == "SHOW VARIABLES LIKE 'VERSION'" {
            return .rows(columns: ["Variable_name", "Value"], rows: [["version", executor.version]])
        }
        if upper.hasPrefix("SHOW VARIABLES LIKE 'GTID\\_MODE'") || upper.hasPrefix("SHOW VARIABLES LIKE 'GTID_MODE'")
            || upper.hasPrefix("SHOW STATUS LIKE 'BINLOG_SNAPSHOT_GTID_EXECUTED'") {
            return .rows(columns: ["Variable_name", "Value"], rows: [])
        }
        return nil
    }

    /// `SELECT @@a [AS x], @@b … [LIMIT n]`: every item a system variable. Known ones have the values
    /// MySQL clients expect; others come from `global_variables`, then `stats_mysql_global`, else NULL.
    private static func systemVariables(_ text: AdminStatementText, executor: AdminExecutor) -> AdminResult? {
        // Probes are short and start with a variable: anything else goes to SQLite without a second look.
        guard text.normalized.utf8.count <= maximumProbeLength, text.normalized.hasPrefix("SELECT @@") else { return nil }
        var body = text.spaced.dropFirst("SELECT ".count)
        if let limit = body.range(of: " LIMIT ", options: [.caseInsensitive, .backwards]),
           body[limit.upperBound...].allSatisfy(\.isNumber) {
            body = body[..<limit.lowerBound]
        }
        let items = body.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !items.isEmpty, items.allSatisfy({ $0.hasPrefix("@@") }) else { return nil }
        var columns: [String] = []
        var values: [String?] = []
        for item in items {
            let parts = item.components(separatedBy: " ").filter { !$0.isEmpty }
            let expression = parts[0]
            guard parts.count == 1 || (parts.count == 3 && parts[1].uppercased() == "AS") || parts.count == 2 else { return nil }
            columns.append(parts.count > 1 ? AdminCommandParser.unquote(parts[parts.count - 1]) : expression)
            var name = expression.dropFirst(2).lowercased()
            for scope in ["session.", "global.", "local."] where name.hasPrefix(scope) { name.removeFirst(scope.count) }
            values.append(value(of: name, executor: executor))
        }
        return .rows(columns: columns, rows: [values])
    }

    private static func value(of name: String, executor: AdminExecutor) -> String? {
        switch name {
        case "version_comment": return versionComment
        case "version": return executor.version
        case "max_allowed_packet": return executor.runtime.variables["mysql-max_allowed_packet"] ?? "67108864"
        case "read_only": return executor.readOnly ? "1" : "0"
        case "sql_mode", "license", "init_connect", "lower_case_table_names": return ""
        case "character_set_client", "character_set_connection", "character_set_server", "character_set_database",
             "character_set_results", "character_set_system":
            return "utf8"
        case "collation_connection", "collation_server", "collation_database": return "utf8_general_ci"
        case "autocommit", "auto_increment_increment", "auto_increment_offset": return "1"
        case "tx_isolation", "transaction_isolation": return "REPEATABLE-READ"
        case "tx_read_only", "transaction_read_only": return "0"
        case "time_zone": return "SYSTEM"
        case "system_time_zone": return "UTC"
        case "wait_timeout", "interactive_timeout": return "28800"
        case "net_write_timeout": return "60"
        case "performance_schema": return "0"
        case "have_query_cache": return "NO"
        case "query_cache_size", "query_cache_type": return "0"
        default:
            if let value = executor.runtime.variables.first(where: { $0.key.caseInsensitiveCompare(name) == .orderedSame })?.value {
                return value
            }
            return try? executor.database.withAdmin { db in
                try String.fetchOne(db, sql: "SELECT variable_value FROM global_variables WHERE variable_name = ? COLLATE NOCASE", arguments: [name])
                    ?? String.fetchOne(db, sql: "SELECT Variable_Value FROM stats.stats_mysql_global WHERE Variable_Name = ? COLLATE NOCASE", arguments: [name])
            }
        }
    }
}
