/// Recognises the admin commands of admin-commands.md in a statement; everything else is SQL for SQLite.
///
/// Matching is on the whole statement, case-insensitive, with whitespace runs collapsed: `LOAD MYSQL
/// SERVERS TO RUNTIME;` is a command, `LOAD MYSQL SERVERS TO RUNTIME now` is not (SQLite then reports
/// the syntax error).
public enum AdminCommandParser {
    /// Parses a statement typed by a full admin user.
    public static func parse(_ raw: String) -> AdminCommand {
        parse(AdminStatementText(raw))
    }

    public static func parse(_ text: AdminStatementText) -> AdminCommand {
        let upper = text.normalized
        let words = Self.words(upper)
        guard let first = words.first else { return .sql(text.sql) }
        switch first {
        case "LOAD", "SAVE":
            return parseLoadSave(words, text: text) ?? .sql(text.sql)
        case "SET":
            return parseSet(text) ?? .sql(text.sql)
        case "SHOW":
            return parseShow(words, text: text).map(AdminCommand.show) ?? .sql(text.sql)
        case "PROXYSQL", "JUNCTION":
            if words.count >= 3, words[1] == "CLUSTER_NODE_UUID" {
                let original = AdminCommandParser.words(text.spaced)
                return .clusterNodeUUID(uuid: original[2], adminInterfaces: original.dropFirst(3).joined(separator: " "))
            }
            let rest = words.dropFirst().joined(separator: " ")
            return ProxySQLCommand(rawValue: rest).map(AdminCommand.proxysql) ?? .sql(text.sql)
        case "CHECKSUM":
            return parseChecksum(words) ?? .sql(text.sql)
        case "TRUNCATE":
            return isDigestTruncate(words) ? .truncateQueryDigest : .sql(text.sql)
        case "KILL":
            if words.count == 3, words[1] == "CONNECTION", let id = Int(words[2]) { return .killConnection(id) }
            if words.count == 3, words[1] == "QUERY", let id = Int(words[2]) { return .killQuery(id) }
            if words.count == 2, let id = Int(words[1]) { return .killConnection(id) }
            return .sql(text.sql)
        case "EXPLAIN" where words.count >= 3 && words[1] == "ROUTING":
            return parseExplainRouting(text.sql) ?? .sql(text.sql)
        case "BEGIN", "COMMIT", "ROLLBACK", "USE", "UNLOCK":
            return words.count == 1 || first == "USE" || upper == "UNLOCK TABLES" ? .ignored : .sql(text.sql)
        case "START":
            return upper.hasPrefix("START TRANSACTION") ? .ignored : .sql(text.sql)
        case "LOCK":
            return upper.hasPrefix("LOCK TABLE") ? .ignored : .sql(text.sql)
        case "PROXY_SELECT":
            let sql = "SELECT" + text.sql.drop { $0.isWhitespace }.dropFirst("PROXY_SELECT".count)
            let table = words.firstIndex { $0.uppercased() == "FROM" }.flatMap { index in
                words.index(after: index) < words.endIndex ? words[words.index(after: index)] : nil
            }
            return .proxySelect(table: table.map { unquote(String($0)).lowercased() } ?? "", sql: sql)
        case "SELECT":
            if upper == "SELECT CONFIG FILE" { return .selectConfigFile }
            if upper == "SELECT GLOBAL_CHECKSUM()" { return .selectGlobalChecksum }
            if words.count == 5, upper.hasPrefix("SELECT CONFIG INTO OUTFILE ") {
                return .saveConfigToFile(path: unquote(lastWord(text.spaced)))
            }
            return .sql(text.sql)
        default:
            // mysqldump wraps session settings in version comments: /*!40101 SET …*/, /*!40000 ALTER TABLE … */
            if upper.hasPrefix("/*!") {
                let body = upper.drop { $0 != " " }.drop { $0 == " " }
                if body.hasPrefix("SET ") || body.hasPrefix("ALTER TABLE") { return .ignored }
            }
            return .sql(text.sql)
        }
    }

    // MARK: LOAD / SAVE

    private static func parseLoadSave(_ words: [String], text: AdminStatementText) -> AdminCommand? {
        let isLoad = words[0] == "LOAD"
        let upper = text.normalized
        if isLoad, words.count == 6, words[1] == "MYSQL", words[2] == "USER", words[4...] == ["TO", "RUNTIME"] || words[4...] == ["TO", "RUN"] {
            return .loadUserToRuntime(lastWords(text.spaced, dropping: 2))
        }
        if !isLoad, upper == "SAVE MYSQL DIGEST TO DISK" { return .saveDigestToDisk }
        if !isLoad, words.count == 5, upper.hasPrefix("SAVE CONFIG TO FILE ") {
            return .saveConfigToFile(path: unquote(lastWord(text.spaced)))
        }
        guard words.count >= 3 else { return nil }
        let direction = words.suffix(2).joined(separator: " ")
        let moduleName = words.dropFirst().dropLast(2).joined(separator: " ")
        guard let module = AdminModule(rawValue: moduleName == "JUNCTION SERVERS" ? "PROXYSQL SERVERS" : moduleName) else {
            return nil
        }
        if isLoad {
            switch direction {
            case "TO RUNTIME", "TO RUN", "FROM MEMORY", "FROM MEM": return .loadToRuntime(module)
            case "TO MEMORY", "TO MEM", "FROM DISK": return module.runtimeOnly ? nil : .loadFromDisk(module)
            case "FROM CONFIG": return module.loadsFromConfig ? .loadFromConfig(module) : nil
            default: return nil
            }
        }
        guard !module.runtimeOnly else { return nil }
        switch direction {
        case "TO MEMORY", "TO MEM", "FROM RUNTIME", "FROM RUN": return .saveToMemory(module)
        case "TO DISK", "FROM MEMORY", "FROM MEM": return .saveToDisk(module)
        default: return nil
        }
    }

    // MARK: SET

    /// `SET <module>-<name> = <value>` (one assignment); the client-library SETs are ignored.
    private static func parseSet(_ text: AdminStatementText) -> AdminCommand? {
        let body = text.spaced.dropFirst(4)
        guard let equals = body.firstIndex(of: "=") else { return .ignored } // SET NAMES utf8, SET TRANSACTION …
        var name = body[..<equals].trimmingSpaces()
        let value = body[body.index(after: equals)...].trimmingSpaces()
        if name.hasPrefix("`"), name.hasSuffix("`"), name.count >= 2 { name = String(name.dropFirst().dropLast()) }
        let lowered = name.lowercased()
        let modulePrefixes = ["mysql-", "admin-", "ldap-", "sqliteserver-", "clickhouse-"]
        guard modulePrefixes.contains(where: lowered.hasPrefix) else {
            // SET autocommit=1, SET NAMES …, SET @@session.x=…, SET sql_mode=…: session settings of client
            // libraries; the admin has no session state to change.
            return .ignored
        }
        return .setVariable(name: name, value: unquote(value))
    }

    // MARK: SHOW

    private static func parseShow(_ words: [String], text: AdminStatementText) -> AdminShowCommand? {
        let upper = text.normalized
        let rest = Array(words.dropFirst())
        let original = Self.words(text.spaced)
        switch upper {
        case "SHOW DATABASES", "SHOW SCHEMAS": return .databases
        case "SHOW TABLES": return .tables(schema: nil, like: nil)
        case "SHOW MYSQL STATUS": return .mysqlStatus
        case "SHOW MYSQL USERS": return .mysqlUsers
        case "SHOW MYSQL SERVERS": return .mysqlServers
        case "SHOW PROCESSLIST": return .processlist(full: false)
        case "SHOW FULL PROCESSLIST": return .processlist(full: true)
        case "SHOW CHARSET", "SHOW CHARACTER SET": return .charset
        case "SHOW COLLATION": return .collation
        default: break
        }
        if rest.count == 3, rest[0] == "TABLES", rest[1] == "FROM" || rest[1] == "IN" {
            return .tables(schema: unquote(original[3]), like: nil)
        }
        if rest.count >= 3, rest[0] == "TABLES", rest[1] == "LIKE" {
            return .tables(schema: nil, like: unquote(original[3...].joined(separator: " ")))
        }
        if rest.count == 3, rest[0] == "CREATE", rest[1] == "TABLE" {
            let name = unquote(original[3])
            let parts = name.split(separator: ".", maxSplits: 1).map { unquote(String($0)) }
            return parts.count == 2 ? .createTable(schema: parts[0], table: parts[1]) : .createTable(schema: nil, table: name)
        }
        if rest.count == 3, rest[0] == "FIELDS", rest[1] == "FROM" {
            return .fields(table: unquote(original[3]))
        }
        if rest.count >= 4, rest[0] == "TABLE", rest[1] == "STATUS", rest[2] == "LIKE" {
            return .tableStatus(like: unquote(original[4...].joined(separator: " ")))
        }
        return parseShowVariables(rest, original: Array(original.dropFirst()))
    }

    private static func parseShowVariables(_ rest: [String], original: [String]) -> AdminShowCommand? {
        var index = 0
        var prefix: String?
        switch rest.first {
        case "GLOBAL", "ALL", "SESSION": index = 1
        case "MYSQL": prefix = "mysql-"; index = 1
        case "ADMIN": prefix = "admin-"; index = 1
        case "LDAP": prefix = "ldap-"; index = 1
        default: break
        }
        guard rest.count > index, rest[index] == "VARIABLES" else { return nil }
        index += 1
        if index == rest.count { return .variables(prefix: prefix, like: nil, whereClause: nil) }
        let tail = original[(index + 1)...].joined(separator: " ")
        switch rest[index] {
        case "LIKE": return .variables(prefix: prefix, like: unquote(tail), whereClause: nil)
        case "WHERE": return .variables(prefix: prefix, like: nil, whereClause: tail)
        default: return nil
        }
    }

    // MARK: CHECKSUM, TRUNCATE

    private static let checksumTables: [String: String] = [
        "SERVERS": "mysql_servers", "USERS": "mysql_users", "QUERY RULES": "mysql_query_rules",
        "VARIABLES": "global_variables", "REPLICATION HOSTGROUPS": "mysql_replication_hostgroups",
        "GROUP REPLICATION HOSTGROUPS": "mysql_group_replication_hostgroups",
        "GALERA HOSTGROUPS": "mysql_galera_hostgroups", "AURORA HOSTGROUPS": "mysql_aws_aurora_hostgroups",
        "HOSTGROUP ATTRIBUTES": "mysql_hostgroup_attributes", "SERVERS SSL PARAMS": "mysql_servers_ssl_params",
    ]

    private static func parseChecksum(_ words: [String]) -> AdminCommand? {
        var rest = words.dropFirst()
        var schema = AdminSchemaName.main
        switch rest.first {
        case "MEMORY", "MEM": rest = rest.dropFirst()
        case "DISK": schema = .disk; rest = rest.dropFirst()
        default: break
        }
        guard rest.first == "MYSQL", let table = checksumTables[rest.dropFirst().joined(separator: " ")] else { return nil }
        return .checksum(schema: schema, tables: [table])
    }

    private static func isDigestTruncate(_ words: [String]) -> Bool {
        var rest = words.dropFirst()
        if rest.first == "TABLE" { rest = rest.dropFirst() }
        guard rest.count == 1, var name = rest.first?.lowercased() else { return false }
        if name.hasPrefix("stats.") { name.removeFirst("stats.".count) }
        return name == "stats_mysql_query_digest" || name == "stats_mysql_query_digest_reset"
    }

    // MARK: EXPLAIN ROUTING

    /// `EXPLAIN ROUTING '<query>' [USER '<name>'] [SCHEMA '<schema>']`, quotes as in SQL ('' or \' inside).
    static func parseExplainRouting(_ sql: String) -> AdminCommand? {
        var scanner = WordScanner(Substring(sql))
        guard scanner.word()?.uppercased() == "EXPLAIN", scanner.word()?.uppercased() == "ROUTING",
              let query = scanner.quoted() else { return nil }
        var user: String?
        var schema: String?
        while let keyword = scanner.word()?.uppercased() {
            let value = scanner.quoted() ?? scanner.word()
            switch (keyword, value) {
            case ("USER", let name?): user = name
            case ("SCHEMA", let name?): schema = name
            default: return nil
            }
        }
        return .explainRouting(query: query, user: user, schema: schema)
    }

    // MARK: Text helpers

    /// Removes one level of '…', "…" or `…` quoting (and backslash escapes inside quotes).
    static func unquote(_ text: String) -> String {
        guard let first = text.first, first == "'" || first == "\"" || first == "`", text.count >= 2, text.last == first else {
            return text
        }
        let inner = text.dropFirst().dropLast()
        guard first != "`" else { return String(inner) }
        var out = ""
        var escaped = false
        for character in inner {
            if escaped { out.append(character); escaped = false; continue }
            if character == "\\" { escaped = true; continue }
            out.append(character)
        }
        return out.replacingOccurrences(of: String([first, first]), with: String(first))
    }

    /// The statement's words, split on single spaces as bytes. No command has more than a dozen words: past
    /// `limit`, the rest stays one word, so a statement of millions of words costs one copy, not millions.
    static func words(_ text: String, limit: Int = 16) -> [String] {
        text.utf8.split(separator: UInt8(ascii: " "), maxSplits: limit).map { String(decoding: $0, as: UTF8.self) }
    }

    private static func lastWord(_ text: String) -> String {
        String(text.split(separator: " ").last ?? "")
    }

    /// The word before the last `count` words.
    private static func lastWords(_ text: String, dropping count: Int) -> String {
        let words = text.split(separator: " ")
        return String(words[words.count - 1 - count])
    }
}

extension Substring {
    func trimmingSpaces() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}

/// Reads bare words and quoted strings off the front of a statement.
struct WordScanner {
    private var rest: Substring

    init(_ text: Substring) { rest = text }

    private mutating func skipSpaces() { rest = rest.drop { $0.isWhitespace } }

    /// The next run of non-space characters that is not a quoted string.
    mutating func word() -> String? {
        skipSpaces()
        guard let first = rest.first, first != "'", first != "\"" else { return nil }
        let word = rest.prefix { !$0.isWhitespace }
        rest = rest.dropFirst(word.count)
        return String(word)
    }

    /// The next '…' or "…" string, unescaped.
    mutating func quoted() -> String? {
        skipSpaces()
        guard let quote = rest.first, quote == "'" || quote == "\"" else { return nil }
        var out = ""
        var index = rest.index(after: rest.startIndex)
        while index < rest.endIndex {
            let character = rest[index]
            if character == "\\" {
                index = rest.index(after: index)
                if index < rest.endIndex { out.append(rest[index]); index = rest.index(after: index) }
                continue
            }
            if character == quote {
                let next = rest.index(after: index)
                if next < rest.endIndex, rest[next] == quote { out.append(quote); index = rest.index(after: next); continue }
                rest = rest[next...]
                return out
            }
            out.append(character)
            index = rest.index(after: index)
        }
        return nil
    }
}
