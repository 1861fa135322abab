import Foundation
import Testing
@testable import SQLText

/// Digest text as query-processing.md §5.2 describes it, case by case, plus the tutorial's queries.
struct DigestTests {
    static let cases: [(String, String)] = [
        // The spec's table.
        ("SELECT * FROM t WHERE id = 5", "SELECT * FROM t WHERE id = ?"),
        ("select  *   from t where name='abc' and x=\"def\"", "select * from t where name=? and x=?"),
        ("   SELECT 1", "SELECT ?"),
        ("SELECT * FROM t WHERE a=1;", "SELECT * FROM t WHERE a=?"),
        ("SELECT    a,b   ,   c FROM   t", "SELECT a,b,c FROM t"),
        ("SELECT 'it''s' , \"a\\\"b\"", "SELECT ?,?"),
        ("SELECT * FROM t WHERE a = -5 AND b = +3.14 AND c = 1e10 AND d = 0x1F", "SELECT * FROM t WHERE a = ? AND b = ? AND c = ? AND d = ?"),
        ("SELECT e=x'AB', b'101', N'abc', _utf8'abc'", "SELECT e=x?,b?,N?,_utf8?"),
        ("SELECT -1, - 1, a-1, a - 1", "SELECT ?,?,a-?,a ?"),
        ("SET a = a + 1", "SET a = a ?"),
        ("SELECT .5, 5., 0b101", "SELECT .?,?,0b101"),
        ("SELECT * FROM t WHERE id IN (1,2,3,4,5,6)", "SELECT * FROM t WHERE id IN (?,?,?,...)"),
        ("SELECT * FROM t WHERE id IN (1,2,3,4)", "SELECT * FROM t WHERE id IN (?,?,?,?)"),
        ("SELECT f(1,2,3,4,5)", "SELECT f(?,?,?,...)"),
        ("SELECT * FROM t WHERE id IN ('x',2,NULL,4,5)", "SELECT * FROM t WHERE id IN (?,?,NULL,?,?)"),
        ("SELECT * FROM t WHERE a IS NULL AND val=TRUE", "SELECT * FROM t WHERE a IS NULL AND val=TRUE"),
        ("SELECT `db`.`t`.`c1`, @@version", "SELECT `db`.`t`.`c1`,@@version"),
        ("SET NAMES utf8", "SET NAMES utf8"),
        ("/* c1 */ select /* c2 */ 1", "select ?"),
        ("SELECT 1 -- x", "SELECT ?"),
        ("SELECT 1 # x", "SELECT ?"),
        ("SELECT /*!40001 SQL_NO_CACHE */ * FROM t", "SELECT SQL_NO_CACHE * FROM t"),
        ("SELECT a FROM t WHERE b IN (SELECT c FROM u WHERE d=5)", "SELECT a FROM t WHERE b IN (SELECT c FROM u WHERE d=?)"),
        // The tutorial's queries.
        ("select @@server_id", "select @@server_id"),
        ("select @@version_comment limit 1", "select @@version_comment limit ?"),
        ("insert into hanzhongtest.edu_user values(9,\"测试写3\",\"wahah\")", "insert into hanzhongtest.edu_user values(?,?,?)"),
        ("select * from stats_mysql_query_digest", "select * from stats_mysql_query_digest"),
        // Identifiers with digits, unicode, line breaks, comments in odd places.
        ("SELECT c1, t2.col3 FROM t2", "SELECT c1,t2.col3 FROM t2"),
        ("SELECT naïve, 名前 FROM ユーザー WHERE 名前 = 'たろう'", "SELECT naïve,名前 FROM ユーザー WHERE 名前 = ?"),
        ("SELECT\n\t*\r\nFROM\tt", "SELECT * FROM t"),
        ("SELECT 1 /* trailing", "SELECT ?"),
        ("SELECT 'unterminated", "SELECT ?"),
        ("SELECT \"unterminated \\\" still", "SELECT ?"),
        ("SELECT a--b FROM t", "SELECT a--b FROM t"),
        ("SELECT 1;;  ", "SELECT ?"),
        ("", ""),
        ("   ", ""),
        ("SELECT 1.5e-3, 2E+10, 3e", "SELECT ?,?,3e"),
        ("SELECT 0x, 0xZZ", "SELECT 0x,0xZZ"),
        ("CALL p(1, 'a', @x)", "CALL p(?,?,@x)"),
        ("SELECT * FROM t LIMIT 10 OFFSET 20", "SELECT * FROM t LIMIT ? OFFSET ?"),
        ("UPDATE t SET a = 'x', b = 2 WHERE id = 3", "UPDATE t SET a = ?,b = ? WHERE id = ?"),
        ("DELETE FROM t WHERE ts < '2024-01-01 00:00:00'", "DELETE FROM t WHERE ts < ?"),
        ("SELECT ( 1 ) , ( 2 )", "SELECT ( ? ),( ? )"),
    ]

    @Test(arguments: cases)
    func digestText(query: String, expected: String) {
        #expect(QueryDigest.compute(query).text == expected)
    }

    @Test func multiRowInsertGroupsCollapse() {
        let row = "(1,2,3,4,5)"
        let query = "INSERT INTO t VALUES " + Array(repeating: row, count: 12).joined(separator: ",")
        let group = "(?,?,?,...)"
        #expect(QueryDigest.compute(query).text == "INSERT INTO t VALUES " + Array(repeating: group, count: 10).joined(separator: ",") + ",...")
        let ten = "INSERT INTO t VALUES " + Array(repeating: row, count: 10).joined(separator: ",")
        #expect(QueryDigest.compute(ten).text == "INSERT INTO t VALUES " + Array(repeating: group, count: 10).joined(separator: ","))
        // Groups that were not collapsed stay, however many.
        let pairs = "INSERT INTO t VALUES " + Array(repeating: "(1,2)", count: 20).joined(separator: ",")
        #expect(QueryDigest.compute(pairs).text == "INSERT INTO t VALUES " + Array(repeating: "(?,?)", count: 20).joined(separator: ","))
    }

    @Test func queriesThatDifferOnlyInLiteralsShareADigest() {
        let a = QueryDigest.compute("SELECT * FROM t WHERE id = 1 AND name = 'x'")
        let b = QueryDigest.compute("SELECT  *  FROM t WHERE id = 99 AND name = 'yy'")
        #expect(a.hash == b.hash)
        #expect(a.hash != QueryDigest.compute("SELECT * FROM u WHERE id = 1 AND name = 'x'").hash)
        #expect(a.hash == SpookyHash.hash64(Array(a.text.utf8)))
        #expect(a.hexString.count == 18)
        #expect(a.hexString.hasPrefix("0x"))
    }

    @Test func options() {
        var lower = DigestOptions()
        lower.lowercase = true
        #expect(QueryDigest.compute("SELECT Name FROM T WHERE id=1", options: lower).text == "select name from t where id=?")
        var nulls = DigestOptions()
        nulls.replaceNull = true
        #expect(QueryDigest.compute("SELECT * FROM t WHERE id IN ('x',2,NULL,4,5)", options: nulls).text == "SELECT * FROM t WHERE id IN (?,?,?,...)")
        var digits = DigestOptions()
        digits.noDigits = true
        #expect(QueryDigest.compute("SELECT b123, 0b101 FROM t1", options: digits).text == "SELECT b?,?b? FROM t?")
        var comments = DigestOptions()
        comments.keepComment = true
        #expect(QueryDigest.compute("SELECT /* id 42 */ 1", options: comments).text == "SELECT /* id ? */ ?")
        var grouping = DigestOptions()
        grouping.groupingLimit = 1
        #expect(QueryDigest.compute("SELECT * FROM t WHERE id IN (1,2,3)", options: grouping).text == "SELECT * FROM t WHERE id IN (?,...)")
        var short = DigestOptions()
        short.maxQueryLength = 12
        #expect(QueryDigest.compute("SELECT a, b, c FROM t", options: short).text == "SELECT a,b,")
        var hashed = DigestOptions()
        hashed.maxDigestLength = 8
        #expect(QueryDigest.compute("SELECT * FROM a", options: hashed).hash == QueryDigest.compute("SELECT * FROM b", options: hashed).hash)
    }

    @Test func firstComment() {
        #expect(QueryDigest.compute("/* hostgroup=20 */ SELECT 1 /* other */").firstComment == " hostgroup=20 ")
        #expect(QueryDigest.compute("SELECT /*!40001 SQL_NO_CACHE */ 1").firstComment == "40001 SQL_NO_CACHE ")
        #expect(QueryDigest.compute("SELECT 1").firstComment == nil)
        #expect(QueryDigest.compute("/* " + String(repeating: "x", count: 3000)).firstComment?.utf8.count == 1024)
    }

    @Test func randomBytesNeverTrap() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("'\"`/*!-#+,.()0123456789abcxXeE \n\\;@?NUL".utf8) + [0xC3, 0xA9, 0xFF, 0x00]
        for _ in 0..<2000 {
            let length = Int.random(in: 0..<64, using: &generator)
            let bytes = (0..<length).map { _ in alphabet.randomElement(using: &generator)! }
            let digest = bytes.withUnsafeBufferPointer { QueryDigest.compute(bytes: $0) }
            let again = bytes.withUnsafeBufferPointer { QueryDigest.compute(bytes: $0) }
            #expect(digest == again)
            #expect(!digest.text.hasPrefix(" ") && !digest.text.hasSuffix(" "))
        }
    }
}

/// Every kind of literal in every common position: hundreds of generated cases, each with the digest
/// the template implies (the literal as `?`, spaces after commas gone), bare and wrapped in comments.
struct DigestMatrixTests {
    static let literals = ["1", "42", "3.14", "1e10", "2.5E-3", "0x1F", "'abc'", "\"abc\"", "'it''s'", "'a\\'b'", "''",
                           "'日本語'", "12345678901234567890", "'2024-01-01 00:00:00'", "X'0A'"]
    static let signed = ["-7", "+3.5", "- 1"]
    static let templates = [
        "SELECT * FROM t WHERE id = {}", "UPDATE t SET a = {} WHERE b = {}", "INSERT INTO t VALUES ({})",
        "DELETE FROM t WHERE x > {}", "SELECT {} AS a", "CALL p({})", "SELECT * FROM t LIMIT {}",
        "SELECT * FROM t WHERE a IN ({}, {})", "SELECT f({}) FROM t", "SET @x = {}", "SELECT * FROM t WHERE a BETWEEN {} AND {}",
        "REPLACE INTO t (a, b) VALUES ({}, {})", "SELECT CONCAT(name, {}) FROM `db`.`t`",
    ]

    static var cases: [(String, String)] {
        var all: [(String, String)] = []
        for template in templates {
            let expected = template.replacingOccurrences(of: "{}", with: "?").replacingOccurrences(of: ", ", with: ",")
            var values = literals
            if template.contains(" {}") && !template.contains("({}") && !template.contains(", {}") { values += signed }
            for literal in values {
                let query = template.replacingOccurrences(of: "{}", with: literal.hasPrefix("X'") ? "'x'" : literal)
                all.append((query, expected))
                all.append(("/* app=web */ " + query + " -- trailing", expected))
                all.append(("  " + query + ";", expected))
            }
        }
        return all
    }

    @Test func matrix() {
        let cases = Self.cases
        #expect(cases.count > 500)
        for (query, expected) in cases {
            #expect(QueryDigest.compute(query).text == expected, "\(query)")
        }
    }
}
