import SQLText
import Testing

@Suite struct ClassifierTests {
    @Test(arguments: [
        ("SELECT 1", StatementTraits.Kind.select), ("  select * from t", .select), ("/* c */ SELECT 1", .select),
        ("insert into t values (1)", .insert), ("BEGIN", .begin), ("START TRANSACTION READ ONLY", .begin),
        ("commit", .commit), ("ROLLBACK", .rollback), ("ROLLBACK TO SAVEPOINT a", .other), ("SET NAMES utf8", .set),
        ("USE `db`", .use), ("LOCK TABLES t WRITE", .lockTables), ("UNLOCK TABLES", .unlockTables),
        ("FLUSH TABLES WITH READ LOCK", .flushTablesWithReadLock), ("CREATE TEMPORARY TABLE t (a int)", .createTemporaryTable),
        ("create table t (a int)", .ddl), ("PREPARE s FROM 'select 1'", .sqlPrepare),
        ("LOAD DATA LOCAL INFILE 'x' INTO TABLE t", .loadDataLocal), ("LOAD DATA INFILE 'x' INTO TABLE t", .other),
        ("", .other), ("-- only a comment\n", .other),
    ])
    func kinds(sql: String, kind: StatementTraits.Kind) {
        #expect(StatementClassifier.classify(sql).kind == kind)
    }

    @Test func userVariablesPinButSystemVariablesDoNot() {
        #expect(StatementClassifier.classify("SELECT @a").pinsConnection)
        #expect(StatementClassifier.classify("SELECT @`a b`").pinsConnection)
        #expect(!StatementClassifier.classify("SELECT @@version").pinsConnection)
        #expect(!StatementClassifier.classify("SELECT '@a'").pinsConnection)
        #expect(!StatementClassifier.classify("SELECT 1 -- @a").pinsConnection)
    }

    @Test func blockersAreFound() {
        #expect(StatementClassifier.classify("SELECT GET_LOCK('x', 1)").usesAdvisoryLock)
        #expect(StatementClassifier.classify("SELECT SQL_CALC_FOUND_ROWS * FROM t").usesFoundRows)
        #expect(StatementClassifier.classify("select last_insert_id()").usesLastInsertID)
        #expect(StatementClassifier.classify("CREATE TEMPORARY TABLE t (a int)").pinsConnection)
    }

    @Test func readsOfThePreviousStatementAreFound() {
        #expect(StatementClassifier.classify("SELECT ROW_COUNT()").readsPreviousResult)
        #expect(StatementClassifier.classify("select found_rows ( )").readsPreviousResult)
        #expect(StatementClassifier.classify("SELECT @@warning_count").readsPreviousResult)
        #expect(StatementClassifier.classify("SELECT @@session.error_count").readsPreviousResult)
        #expect(StatementClassifier.classify("SELECT @@last_insert_id").usesLastInsertID)
        #expect(!StatementClassifier.classify("SELECT row_count FROM stats").readsPreviousResult, "a column, not the function")
    }

    @Test func multiStatements() {
        let plain = StatementClassifier.classify("SELECT 1; SELECT 2")
        #expect(plain.isMultiStatement && !plain.pinsConnection)
        #expect(!StatementClassifier.classify("SELECT 1;").isMultiStatement)
        #expect(StatementClassifier.classify("SELECT 1; SET sql_mode=''").pinsConnection)
        #expect(StatementClassifier.classify("SELECT 1; USE x").pinsConnection)
    }

    @Test func useSchemaIsUnquoted() {
        #expect(StatementClassifier.classify("USE `my``db`").useSchema == "my`db")
        #expect(StatementClassifier.classify("use sbtest").useSchema == "sbtest")
    }

    @Test func tokenizerSurvivesGarbage() {
        let inputs = ["'unterminated", "/* open", "`x", "@", "@@", "\\", "'\\", String(repeating: "(", count: 1000), "\u{0}\u{1}\u{FF}"]
        for input in inputs { _ = StatementClassifier.classify(input) }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let bytes = (0..<Int.random(in: 0..<64, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            _ = StatementClassifier.classify(TokenizedStatement(bytes))
            _ = SetStatementParser.parse(TokenizedStatement(bytes))
        }
    }
}

struct LockingReadAndDDLTests {
    @Test(arguments: [
        ("SELECT * FROM t WHERE id = 1 FOR UPDATE", true), ("select * from t for share", true),
        ("SELECT * FROM t FOR UPDATE NOWAIT", true), ("SELECT * FROM t FOR UPDATE SKIP LOCKED", true),
        ("SELECT * FROM t LOCK IN SHARE MODE", true), ("SELECT 'for update' FROM t", false),
        ("SELECT * FROM t", false), ("SELECT * FROM updates_for t", false),
    ])
    func lockingReads(sql: String, locking: Bool) {
        #expect(StatementClassifier.classify(sql).isLockingRead == locking, "\(sql)")
    }

    @Test(arguments: ["CREATE TABLE t (a int)", "ALTER TABLE t ADD b int", "DROP TABLE t", "TRUNCATE TABLE t",
                      "RENAME TABLE a TO b", "CREATE INDEX i ON t (a)"])
    func ddl(sql: String) {
        #expect(StatementClassifier.classify(sql).kind == .ddl)
        #expect(StatementClassifier.classify("CREATE TEMPORARY TABLE t (a int)").kind == .createTemporaryTable)
    }
}

/// The byte helpers the per-query code uses instead of Foundation.
struct ASCIIWordsTests {
    @Test func uppercasesOnlyASCIILetters() {
        #expect(ASCIIWords.uppercased(Array("select_1 `é`".utf8)) == "SELECT_1 `é`")
    }

    @Test func findsWordsAndPhrasesIgnoringCase() {
        var text = "  select c from t for update"
        text.withUTF8 { bytes in
            let first = ASCIIWords.upperWord(bytes, from: 0)
            #expect(first.word == "SELECT")
            #expect(ASCIIWords.upperWord(bytes, from: first.end).word == "C")
            #expect(ASCIIWords.contains(bytes, "FOR UPDATE"))
            #expect(!ASCIIWords.contains(bytes, "FOR SHARE"))
            #expect(ASCIIWords.hasPrefix(bytes, "  SELECT C"))
            #expect(!ASCIIWords.hasPrefix(bytes, "SELECT"))
        }
    }
}
