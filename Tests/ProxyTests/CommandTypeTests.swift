import Testing
@testable import Proxy

/// The class each digest text counts under in `stats_mysql_commands_counters`.
struct CommandTypeTests {
    @Test(arguments: [
        ("SELECT c FROM sbtest1 WHERE id=?", "SELECT"),
        ("select c from t where id=? for update", "SELECT_FOR_UPDATE"),
        ("SELECT * FROM t LOCK IN SHARE MODE", "SELECT"),
        ("insert into t values (?)", "INSERT"),
        ("UPDATE t SET a=?", "UPDATE"),
        ("DELETE FROM t", "DELETE"),
        ("desc t", "DESCRIBE"),
        ("start transaction", "START_TRANSACTION"),
        ("START SLAVE", "UNKNOWN"),
        ("show table status like ?", "SHOW_TABLE_STATUS"),
        ("SHOW TABLES", "SHOW"),
        ("create temporary table t (a int)", "CREATE_TEMPORARY"),
        ("CREATE OR REPLACE VIEW v AS SELECT ?", "CREATE_VIEW"),
        ("drop temporary table t", "DROP_TABLE"),
        ("alter table t add column b int", "ALTER_TABLE"),
        ("reset replica", "RESET_SLAVE"),
        ("truncate t", "TRUNCATE_TABLE"),
        ("", "UNKNOWN"),
        ("   ", "UNKNOWN"),
        ("SÉLECT ?", "UNKNOWN"),
        ("averyveryverylongwordthatisnokeyword x", "UNKNOWN"),
    ])
    func classifies(text: String, expected: String) {
        #expect(CommandType.of(text) == expected)
        #expect(CommandType.all.contains(expected))
    }
}
