/// The few variables whose values have rules beyond their kind (variables.md notes them in the meaning column).
enum VariableRules {
    static func apply(to value: String, of definition: VariableDefinition) throws -> String {
        func invalid(_ reason: String) -> VariableError {
            .invalidValue(name: definition.name, value: value, reason: reason)
        }
        switch definition.name {
        case "mysql-default_charset", "mysql-default_collation_connection":
            // An empty value resets the built-in default.
            return value.isEmpty ? definition.defaultValue : value
        case "mysql-server_version":
            // ProxySQL replaces this one version string, which old clients mishandle.
            return value == "5.1.30" ? "5.5.30" : value
        case "mysql-eventslog_filename", "mysql-auditlog_filename":
            guard !value.hasSuffix("/") else { throw invalid("must be a file name, not end with '/'") }
            return value
        case "mysql-monitor_replication_lag_use_percona_heartbeat":
            guard value.isEmpty || isSchemaDotTable(value) else { throw invalid("expected schema.table or nothing") }
            return value
        default:
            return value
        }
    }

    /// `db.table`, each part optionally in backticks, made of letters, digits, `_` and `$`.
    static func isSchemaDotTable(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return false }
        return parts.allSatisfy { part in
            var name = Substring(part)
            if name.hasPrefix("`"), name.hasSuffix("`"), name.count >= 2 { name = name.dropFirst().dropLast() }
            return !name.isEmpty && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "$") }
        }
    }
}
