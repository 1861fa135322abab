/// Classifies a statement from its tokens (one pass, no allocation beyond the token list).
public enum StatementClassifier {
    public static func classify(_ text: String) -> StatementTraits {
        classify(TokenizedStatement(text))
    }

    public static func classify(_ statement: TokenizedStatement) -> StatementTraits {
        var traits = StatementTraits()
        let tokens = statement.tokens
        guard !tokens.isEmpty else { return traits }
        traits.kind = kind(of: statement)
        if traits.kind == .use, tokens.count >= 2 {
            traits.useSchema = statement.identifier(tokens[1])
        }
        if traits.kind == .select { traits.isLockingRead = isLockingRead(statement) }
        var sawSemicolon = false
        var startsStatement = false
        for (i, token) in tokens.enumerated() {
            let atStatementStart = startsStatement
            startsStatement = false
            switch token.kind {
            case .userVariable:
                traits.usesUserVariables = true
            case .systemVariable:
                let name = statement.upper(token)
                if name.hasSuffix("IDENTITY") || name.hasSuffix("LAST_INSERT_ID") { traits.usesLastInsertID = true }
                else if name.hasSuffix("WARNING_COUNT") || name.hasSuffix("ERROR_COUNT") { traits.readsPreviousResult = true }
                else if name.hasSuffix("AUTOCOMMIT") { traits.readsAutocommit = true }
            case .punctuation:
                if statement.bytes[token.start] == UInt8(ascii: ";") { sawSemicolon = true; startsStatement = true; continue }
            case .word:
                if sawSemicolon { traits.isMultiStatement = true }
                if sawSemicolon, atStatementStart,
                   ["SET", "USE", "LOCK", "PREPARE", "CREATE", "BEGIN", "START"].contains(statement.upper(token)) {
                    traits.laterStatementChangesSession = true
                }
                let length = token.end - token.start
                if length == 9 || length == 10 {
                    if statement.isKeyword(i, "ROW_COUNT") || statement.isKeyword(i, "FOUND_ROWS"), i + 1 < tokens.count,
                       statement.bytes[tokens[i + 1].start] == UInt8(ascii: "(") {
                        traits.readsPreviousResult = true
                    }
                    break
                }
                guard length == 8 || length == 14 || length == 19 else { break }
                let word = statement.upper(token)
                if word == "GET_LOCK", i + 1 < tokens.count, statement.bytes[tokens[i + 1].start] == UInt8(ascii: "(") {
                    traits.usesAdvisoryLock = true
                } else if word == "SQL_CALC_FOUND_ROWS" {
                    traits.usesFoundRows = true
                } else if word == "LAST_INSERT_ID" {
                    traits.usesLastInsertID = true
                }
            default:
                if sawSemicolon { traits.isMultiStatement = true }
            }
        }
        return traits
    }

    /// Ends in FOR UPDATE / FOR SHARE (maybe with NOWAIT, SKIP LOCKED, OF t) or LOCK IN SHARE MODE.
    private static func isLockingRead(_ s: TokenizedStatement) -> Bool {
        let count = s.tokens.count
        for index in stride(from: count - 1, through: max(0, count - 8), by: -1) {
            if s.isKeyword(index, "FOR") {
                if s.isKeyword(index + 1, "UPDATE") || s.isKeyword(index + 1, "SHARE") { return true }
            } else if s.isKeyword(index, "LOCK") {
                if s.isKeyword(index + 1, "IN"), s.isKeyword(index + 2, "SHARE"), s.isKeyword(index + 3, "MODE") { return true }
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
            return (s.keyword(1) == "TABLES" || s.keyword(1) == "TABLE") && s.tokens.indices.contains(where: { s.keyword($0) == "LOCK" })
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
