import SQLText

/// Which session settings Junction can judge without a server, so that a SET needs no backend (a driver's
/// connect-time `SET autocommit=0` or `SET NAMES` must not fail because the writer is down). Pure.
///
/// Only values every supported server (MySQL 5.7/8.x, MariaDB 10.x/11.x) accepts are judged here; anything else
/// runs on a backend, so the server's own error reaches the client as from a direct connection.
enum LocalSettingCheck {
    /// True when every setting is one Junction knows the server accepts.
    static func accepts(_ settings: [SetStatementParser.Setting]) -> Bool {
        settings.allSatisfy(accepts)
    }

    static func accepts(_ setting: SetStatementParser.Setting) -> Bool {
        guard let replay = setting.replay else { return setting.key == "autocommit" }
        switch setting.key {
        case "autocommit", "transaction_access":
            return true
        case "names":
            return acceptsNames(replay)
        case "transaction_isolation":
            let level = replay.uppercased().replacingOccurrences(of: "SESSION TRANSACTION ISOLATION LEVEL ", with: "")
            return isolationLevels.contains(level)
        default:
            break
        }
        guard let equals = replay.firstIndex(of: "=") else { return false }
        let value = unquoted(String(replay[replay.index(after: equals)...])).lowercased()
        if booleans.contains(setting.key) { return ["0", "1", "on", "off", "true", "false"].contains(value) }
        if let range = integers[setting.key] {
            guard value.count <= 12, value.allSatisfy(\.isASCIIDigit), let number = Int(value) else { return false }
            return range.contains(number)
        }
        switch setting.key {
        case "character_set_client", "character_set_connection", "character_set_results":
            return charsets.contains(value)
        case "collation_connection":
            return isPortableCollation(value)
        case "time_zone":
            return value == "system" || isOffset(value)
        default:
            return false
        }
    }

    static let isolationLevels: Set<String> = ["READ UNCOMMITTED", "READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE"]
    static let charsets: Set<String> = ["utf8mb4", "utf8", "utf8mb3", "latin1", "ascii", "binary"]
    static let booleans: Set<String> = [
        "sql_auto_is_null", "sql_safe_updates", "foreign_key_checks", "unique_checks", "sql_big_selects",
        "sql_quote_show_create", "sql_notes", "sql_warnings",
    ]
    static let integers: [String: ClosedRange<Int>] = [
        "wait_timeout": 1...31_536_000, "interactive_timeout": 1...31_536_000, "net_read_timeout": 1...31_536_000,
        "net_write_timeout": 1...31_536_000, "group_concat_max_len": 4...4_294_967_295,
        "sql_select_limit": 0...4_294_967_295, "innodb_lock_wait_timeout": 1...1_073_741_824,
        "lock_wait_timeout": 1...31_536_000,
    ]

    /// `NAMES cs [COLLATE co]`, `CHARACTER SET cs`, `CHARSET cs`.
    static func acceptsNames(_ replay: String) -> Bool {
        let words = replay.split(separator: " ").map { unquoted(String($0)).lowercased() }
        switch words.first {
        case "names":
            guard words.count == 2 || (words.count == 4 && words[2] == "collate") else { return false }
            guard charsets.contains(words[1]) else { return false }
            return words.count == 2 || (isPortableCollation(words[3]) && words[3].hasPrefix(words[1] == "binary" ? "binary" : words[1] + "_"))
        case "character":
            return words.count == 3 && words[1] == "set" && charsets.contains(words[2])
        case "charset":
            return words.count == 2 && charsets.contains(words[1])
        default:
            return false
        }
    }

    static func isPortableCollation(_ name: String) -> Bool {
        if name == "binary" || name == "latin1_swedish_ci" { return true }
        for charset in charsets where charset != "binary" {
            for suffix in ["_general_ci", "_bin", "_unicode_ci"] where name == charset + suffix { return true }
        }
        return false
    }

    /// `+HH:MM` / `-HH:MM` within the range every server accepts (-12:59 … +13:00).
    static func isOffset(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard bytes.count == 6, bytes[0] == UInt8(ascii: "+") || bytes[0] == UInt8(ascii: "-"), bytes[3] == UInt8(ascii: ":"),
              let hours = Int(String(decoding: bytes[1...2], as: UTF8.self)),
              let minutes = Int(String(decoding: bytes[4...5], as: UTF8.self)), minutes < 60 else { return false }
        let total = hours * 60 + minutes
        return bytes[0] == UInt8(ascii: "+") ? total <= 13 * 60 : total <= 12 * 60 + 59
    }

    static func unquoted(_ text: String) -> String {
        guard text.count >= 2, let first = text.first, first == text.last, first == "'" || first == "\"" || first == "`" else {
            return text
        }
        return String(text.dropFirst().dropLast())
    }
}

private extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
