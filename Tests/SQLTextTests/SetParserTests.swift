import SQLText
import Testing

@Suite struct SetParserTests {
    typealias Setting = SetStatementParser.Setting

    @Test func plainSessionAssignmentsAreTracked() {
        #expect(SetStatementParser.parse("SET sql_mode='ANSI', time_zone = '+05:00'")
                == .session([Setting(key: "sql_mode", replay: "sql_mode='ANSI'"), Setting(key: "time_zone", replay: "time_zone='+05:00'")]))
        #expect(SetStatementParser.parse("SET @@session.wait_timeout = 100")
                == .session([Setting(key: "wait_timeout", replay: "wait_timeout=100")]))
        #expect(SetStatementParser.parse("SET SESSION foreign_key_checks=OFF;")
                == .session([Setting(key: "foreign_key_checks", replay: "foreign_key_checks=OFF")]))
        #expect(SetStatementParser.parse("set @@LOCAL.max_join_size = -1")
                == .session([Setting(key: "max_join_size", replay: "max_join_size=-1")]))
    }

    @Test func namesAndCharset() {
        #expect(SetStatementParser.parse("SET NAMES utf8mb4") == .session([Setting(key: "names", replay: "NAMES utf8mb4", standalone: true)]))
        #expect(SetStatementParser.parse("SET NAMES 'latin1' COLLATE 'latin1_bin'")
                == .session([Setting(key: "names", replay: "NAMES 'latin1' COLLATE 'latin1_bin'", standalone: true)]))
        #expect(SetStatementParser.parse("SET CHARACTER SET utf8") == .session([Setting(key: "names", replay: "CHARACTER SET utf8", standalone: true)]))
    }

    @Test func autocommit() {
        #expect(SetStatementParser.parse("SET autocommit=0") == .session([Setting(key: "autocommit", replay: "autocommit=0")]))
        #expect(SetStatementParser.parse("set AUTOCOMMIT = ON") == .session([Setting(key: "autocommit", replay: nil)]))
        #expect(SetStatementParser.parse("SET autocommit=2") == .pinsSession)
    }

    @Test func transactionCharacteristics() {
        #expect(SetStatementParser.parse("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
                == .session([Setting(key: "transaction_isolation", replay: "SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED", standalone: true)]))
        #expect(SetStatementParser.parse("SET TRANSACTION READ ONLY") == .pinsSession)
        #expect(SetStatementParser.parse("SET GLOBAL TRANSACTION READ ONLY") == .global)
    }

    @Test func whatCannotBeReplayedPinsTheSession() {
        #expect(SetStatementParser.parse("SET @x = 1") == .pinsSession)
        #expect(SetStatementParser.parse("SET sql_mode = CONCAT(@@sql_mode, ',STRICT_ALL_TABLES')") == .pinsSession)
        #expect(SetStatementParser.parse("SET insert_id = 5") == .pinsSession)
        #expect(SetStatementParser.parse("SET a = (SELECT 1)") == .pinsSession)
        #expect(SetStatementParser.parse("SET") == .pinsSession)
        #expect(SetStatementParser.parse("SET a =") == .pinsSession)
    }

    @Test func globalOnly() {
        #expect(SetStatementParser.parse("SET GLOBAL max_connections = 10") == .global)
        #expect(SetStatementParser.parse("SET @@global.max_connections = 10") == .global)
    }
}
