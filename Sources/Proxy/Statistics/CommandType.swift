import SQLText

/// The command classes of `stats_mysql_commands_counters`, from a query's first words.
public enum CommandType {
    /// Every row the table shows, in order.
    public static let all = [
        "ALTER_TABLE", "ALTER_VIEW", "ANALYZE_TABLE", "BEGIN", "CALL", "CHANGE_MASTER", "COMMIT", "CREATE_DATABASE",
        "CREATE_INDEX", "CREATE_TABLE", "CREATE_TEMPORARY", "CREATE_TRIGGER", "CREATE_USER", "CREATE_VIEW", "DEALLOCATE",
        "DELETE", "DESCRIBE", "DROP_DATABASE", "DROP_INDEX", "DROP_TABLE", "DROP_TRIGGER", "DROP_USER", "DROP_VIEW",
        "GRANT", "EXECUTE", "EXPLAIN", "FLUSH", "INSERT", "KILL", "LOAD", "LOCK_TABLE", "OPTIMIZE", "PREPARE", "PURGE",
        "RENAME_TABLE", "RESET_MASTER", "RESET_SLAVE", "REPLACE", "REVOKE", "ROLLBACK", "SAVEPOINT", "SELECT",
        "SELECT_FOR_UPDATE", "SET", "SHOW_TABLE_STATUS", "START_TRANSACTION", "TRUNCATE_TABLE", "UNLOCK_TABLES",
        "UPDATE", "USE", "SHOW", "UNKNOWN",
    ]

    /// The class of a digest text (comments already gone, words single-spaced). Reads the bytes: this runs
    /// for every query (`mysql-commands_stats`), so no Foundation search and no lowercased copies.
    public static func of(_ digestText: String) -> String {
        var text = digestText
        return text.withUTF8 { of(bytes: $0) }
    }

    static func of(bytes: UnsafeBufferPointer<UInt8>) -> String {
        let (first, afterFirst) = ASCIIWords.upperWord(bytes, from: 0)
        guard !first.isEmpty else { return "UNKNOWN" }
        let second = ASCIIWords.upperWord(bytes, from: afterFirst).word
        switch first {
        case "SELECT":
            return ASCIIWords.contains(bytes, "FOR UPDATE") ? "SELECT_FOR_UPDATE" : "SELECT"
        case "INSERT", "UPDATE", "DELETE", "REPLACE", "SET", "USE", "BEGIN", "COMMIT", "ROLLBACK", "CALL", "GRANT", "REVOKE",
             "KILL", "LOAD", "FLUSH", "EXPLAIN", "PREPARE", "EXECUTE", "DEALLOCATE", "SAVEPOINT", "PURGE", "OPTIMIZE":
            return first
        case "DESCRIBE", "DESC": return "DESCRIBE"
        case "START": return second == "TRANSACTION" ? "START_TRANSACTION" : "UNKNOWN"
        case "SHOW": return ASCIIWords.hasPrefix(bytes, "SHOW TABLE STATUS") ? "SHOW_TABLE_STATUS" : "SHOW"
        case "CREATE":
            switch second {
            case "DATABASE", "SCHEMA": return "CREATE_DATABASE"
            case "INDEX", "UNIQUE": return "CREATE_INDEX"
            case "TABLE": return "CREATE_TABLE"
            case "TEMPORARY": return "CREATE_TEMPORARY"
            case "TRIGGER": return "CREATE_TRIGGER"
            case "USER": return "CREATE_USER"
            case "VIEW", "OR": return "CREATE_VIEW"
            default: return "UNKNOWN"
            }
        case "DROP":
            switch second {
            case "DATABASE", "SCHEMA": return "DROP_DATABASE"
            case "INDEX": return "DROP_INDEX"
            case "TABLE", "TEMPORARY": return "DROP_TABLE"
            case "TRIGGER": return "DROP_TRIGGER"
            case "USER": return "DROP_USER"
            case "VIEW": return "DROP_VIEW"
            default: return "UNKNOWN"
            }
        case "ALTER": return second == "VIEW" ? "ALTER_VIEW" : second == "TABLE" ? "ALTER_TABLE" : "UNKNOWN"
        case "ANALYZE": return "ANALYZE_TABLE"
        case "CHANGE": return "CHANGE_MASTER"
        case "LOCK": return "LOCK_TABLE"
        case "UNLOCK": return "UNLOCK_TABLES"
        case "RENAME": return "RENAME_TABLE"
        case "TRUNCATE": return "TRUNCATE_TABLE"
        case "RESET": return second == "MASTER" ? "RESET_MASTER" : second == "SLAVE" || second == "REPLICA" ? "RESET_SLAVE" : "UNKNOWN"
        default: return "UNKNOWN"
        }
    }

    /// Upper bounds (µs) of the latency buckets cnt_100us … cnt_10s; anything slower is cnt_INFs.
    public static let bucketLimits: [UInt64] = [100, 500, 1_000, 5_000, 10_000, 50_000, 100_000, 500_000, 1_000_000, 5_000_000, 10_000_000]
}
