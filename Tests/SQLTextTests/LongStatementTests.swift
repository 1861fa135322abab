import SQLText
import Testing

/// Statements far longer than anyone writes by hand: only their first tokens are kept, and what the classifier
/// needs from the rest is still seen.
@Suite struct LongStatementTests {
    /// `SELECT 1, 1, …` with `count` items, then `tail`.
    static func longSelect(_ count: Int, tail: String) -> String {
        "SELECT " + String(repeating: "1, ", count: count) + "1" + tail
    }

    @Test func aStatementOfMillionsOfTokensKeepsOnlyItsFirstTokens() {
        let statement = TokenizedStatement(Array(repeating: UInt8(ascii: "("), count: 3_000_000))
        #expect(statement.tokenCount == 3_000_000)
        #expect(statement.tokens.count == TokenizedStatement.keptTokenLimit)
        #expect(statement.isCut)
        #expect(statement.lastTokens.count == TokenizedStatement.lastTokenCount)
        #expect(StatementClassifier.classify(statement).kind == .other)
    }

    @Test func traitsPastTheKeptTokensAreFound() {
        let far = 10_000
        #expect(StatementClassifier.classify(Self.longSelect(far, tail: ", @a")).usesUserVariables)
        #expect(StatementClassifier.classify(Self.longSelect(far, tail: ", GET_LOCK('x', 1)")).usesAdvisoryLock)
        #expect(!StatementClassifier.classify(Self.longSelect(far, tail: ", get_lock")).usesAdvisoryLock)
        #expect(StatementClassifier.classify(Self.longSelect(far, tail: ", ROW_COUNT()")).readsPreviousResult)
        #expect(StatementClassifier.classify(Self.longSelect(far, tail: ", @@session.last_insert_id")).usesLastInsertID)
        #expect(StatementClassifier.classify(Self.longSelect(far, tail: " FOR UPDATE")).isLockingRead)
        #expect(StatementClassifier.classify(Self.longSelect(far, tail: " LOCK IN SHARE MODE")).isLockingRead)
        let multi = StatementClassifier.classify(Self.longSelect(far, tail: "; SET @x = 1"))
        #expect(multi.isMultiStatement && multi.laterStatementChangesSession)
        let flush = "FLUSH TABLES " + String(repeating: "t, ", count: far) + "t WITH READ LOCK"
        #expect(StatementClassifier.classify(flush).kind == .flushTablesWithReadLock)
    }

    @Test func aShortStatementIsNotCut() {
        let statement = TokenizedStatement("SELECT a FROM t FOR UPDATE")
        #expect(!statement.isCut && statement.tokenCount == 6 && statement.tokens.count == 6)
        #expect(Array(statement.lastTokens) == statement.tokens)
        #expect(StatementClassifier.classify(statement).isLockingRead)
    }

    @Test func aCutSetStatementIsLeftToTheServer() {
        func set(_ count: Int) -> String { "SET " + Array(repeating: "sql_mode = ''", count: count).joined(separator: ", ") }
        guard case .session = SetStatementParser.parse(set(100)) else {
            Issue.record("100 assignments are remembered for replay")
            return
        }
        #expect(SetStatementParser.parse(set(2_000)) == .pinsSession)
    }
}
