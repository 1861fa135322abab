/// Classifies a statement from its first and last tokens and what `TraitScanner` gathered from all of them.
public enum StatementClassifier {
    public static func classify(_ text: String) -> StatementTraits {
        classify(TokenizedStatement(text))
    }

    public static func classify(_ statement: TokenizedStatement) -> StatementTraits {
        guard !statement.tokens.isEmpty else { return StatementTraits() }
        var traits = statement.scanner.traits
        traits.kind = kind(of: statement)
        if traits.kind == .use, statement.tokens.count >= 2 {
            traits.useSchema = statement.identifier(statement.tokens[1])
        }
        if traits.kind == .select { traits.isLockingRead = isLockingRead(statement) }
        return traits
    }

    /// Ends in FOR UPDATE / FOR SHARE (maybe with NOWAIT, SKIP LOCKED, OF t) or LOCK IN SHARE MODE.
    private static func isLockingRead(_ s: TokenizedStatement) -> Bool {
        guard !s.isCut else { return isLockingRead(Array(s.lastTokens), s) }
        let count = s.tokens.count
        for index in stride(from: count - 1, through: max(0, count - TokenizedStatement.lastTokenCount), by: -1) {
            if s.isKeyword(index, "FOR") {
                if s.isKeyword(index + 1, "UPDATE") || s.isKeyword(index + 1, "SHARE") { return true }
            } else if s.isKeyword(index, "LOCK") {
                if s.isKeyword(index + 1, "IN"), s.isKeyword(index + 2, "SHARE"), s.isKeyword(index + 3, "MODE") { return true }
            }
        }
        return false
    }

    /// The same over the last tokens of a cut statement.
    private static func isLockingRead(_ last: [SQLToken], _ s: TokenizedStatement) -> Bool {
        func isKeyword(_ index: Int, _ keyword: StaticString) -> Bool { index < last.count && s.isKeyword(last[index], keyword) }
        for index in stride(from: last.count - 1, through: 0, by: -1) {
            if isKeyword(index, "FOR") {
                if isKeyword(index + 1, "UPDATE") || isKeyword(index + 1, "SHARE") { return true }
            } else if isKeyword(index, "LOCK") {
                if isKeyword(index + 1, "IN"), isKeyword(index + 2, "SHARE"), isKeyword(index + 3, "MODE") { return true }
            }
        }
        return false
    }

    private static func kind(of s: TokenizedStatement) -> StatementTraits.Kind {
        guard let first = s.keyword(0) else {
            // `(SELECT …)` and the like.
            if s.tokens.first.map({ s.bytes[$0.start] == UInt8(ascii: "(") }) == true, s.keyword(1) == "SELECT" { return .select }
            return .other
        }
        switch first {
        case "SELECT", "WITH", "VALUES", "TABLE": return .select
        case "INSERT": return .insert
        case "UPDATE": return .update
        case "LOAD":
            guard s.keyword(1) == "DATA" || s.keyword(1) == "XML" else { return .other }
            for i in 2..<min(s.tokens.count, 5) where s.keyword(i) == "LOCAL" { return .loadDataLocal }
            return .other
        case "DELETE": return .delete
        case "REPLACE": return .replace
        case "SET": return .set
        case "USE": return .use
        case "SHOW", "DESC", "DESCRIBE", "EXPLAIN": return .show
        case "CALL": return .call
        case "BEGIN": return s.tokens.count == 1 || s.keyword(1) == "WORK" ? .begin : .other
        case "START": return s.keyword(1) == "TRANSACTION" ? .begin : .other
        case "COMMIT": return .commit
        case "ROLLBACK": return s.keyword(1) == "TO" ? .other : .rollback
        case "SAVEPOINT": return .savepoint
        case "LOCK": return s.keyword(1) == "TABLE" || s.keyword(1) == "TABLES" ? .lockTables : .other
        case "UNLOCK": return .unlockTables
        case "FLUSH":
            return (s.keyword(1) == "TABLES" || s.keyword(1) == "TABLE") && s.scanner.mentionsLock
                ? .flushTablesWithReadLock : .other
        case "CREATE":
            if s.keyword(1) == "TEMPORARY" { return .createTemporaryTable }
            if s.keyword(1) == "OR", s.keyword(2) == "REPLACE", s.keyword(3) == "TEMPORARY" { return .createTemporaryTable }
            return .ddl
        case "ALTER", "DROP", "TRUNCATE", "RENAME": return .ddl
        case "PREPARE", "EXECUTE", "DEALLOCATE": return .sqlPrepare
        default: return .other
        }
    }
}
