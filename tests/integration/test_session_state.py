"""Session state through Junction behaves as on a direct connection, although backend
connections are shared: every test here runs while 20 other clients hammer `SELECT 1`."""

import pymysql
import pytest

ROUNDS = 25


def _one(cur, sql, args=None):
    cur.execute(sql, args)
    return cur.fetchone()


def test_set_names(clients, hammer):
    c = clients.pymysql()
    cur = c.cursor()
    cur.execute("SET NAMES latin1")
    for i in range(ROUNDS):
        assert _one(cur, "SELECT @@character_set_client, @@character_set_connection, @@character_set_results") \
            == ("latin1", "latin1", "latin1"), f"round {i}"
        assert _one(cur, "SELECT CHARSET('abc'), 'abc'") == ("latin1", "abc")
        assert _one(cur, "SELECT 1") == (1,)
    cur.execute("SET NAMES utf8mb4 COLLATE utf8mb4_unicode_ci")
    for i in range(ROUNDS):
        assert _one(cur, "SELECT @@character_set_client, @@collation_connection") \
            == ("utf8mb4", "utf8mb4_unicode_ci"), f"round {i}"
        assert _one(cur, "SELECT 'ü😀'") == ("ü😀",)


def test_latin1_bytes_are_converted(clients, table):
    """With SET NAMES latin1, the server converts result text to latin1 bytes."""
    t = table("latin")
    c = clients.pymysql()
    cur = c.cursor()
    cur.execute(f"CREATE TABLE {t} (s VARCHAR(10)) DEFAULT CHARSET=utf8mb4")
    cur.execute(f"INSERT INTO {t} VALUES ('é')")
    cur.execute("SET NAMES latin1")
    cur.execute(f"SELECT HEX(CONVERT(s USING latin1)), HEX(s), LENGTH(s) FROM {t}")
    assert cur.fetchone() == ("E9", "C3A9", 2)
    cur.execute("SET NAMES utf8mb4")


def test_sql_mode(clients, hammer):
    c = clients.pymysql()
    cur = c.cursor()
    cur.execute("SET SESSION sql_mode = 'ANSI_QUOTES,PIPES_AS_CONCAT'")
    for i in range(ROUNDS):
        assert _one(cur, "SELECT @@session.sql_mode") == ("PIPES_AS_CONCAT,ANSI_QUOTES",), f"round {i}"
        # The mode changes how statements parse: || concatenates, "x" is an identifier.
        assert _one(cur, "SELECT 'a' || 'b'") == ("ab",)
        with pytest.raises(pymysql.err.OperationalError) as info:
            cur.execute('SELECT "no_such_column"')
        assert info.value.args[0] == 1054
    cur.execute("SET SESSION sql_mode = DEFAULT")
    assert _one(cur, "SELECT 'a' || 'b'") == (0,)


def test_time_zone(clients, hammer):
    c = clients.pymysql()
    cur = c.cursor()
    cur.execute("SET time_zone = '+05:00'")
    for i in range(ROUNDS):
        assert _one(cur, "SELECT @@time_zone, @@session.time_zone") == ("+05:00", "+05:00"), f"round {i}"
        # NOW() and UTC_TIMESTAMP() share the statement's start time: exactly 5 hours apart.
        assert _one(cur, "SELECT TIMESTAMPDIFF(MINUTE, UTC_TIMESTAMP(), NOW())") == (300,)
        assert _one(cur, "SELECT FROM_UNIXTIME(0)")[0].isoformat() == "1970-01-01T05:00:00"
        assert _one(cur, "SELECT 1") == (1,)


def test_user_variable(clients, hammer, table):
    t = table("uv")
    c = clients.pymysql()
    cur = c.cursor()
    cur.execute(f"CREATE TABLE {t} (i INT)")
    cur.execute("SET @x = 42, @s = 'text ü'")
    for i in range(50):
        assert _one(cur, "SELECT @x, @s") == (42, "text ü"), f"round {i}"
        cur.execute(f"INSERT INTO {t} VALUES (%s)", (i,))
        assert _one(cur, "SELECT 1") == (1,)
        assert _one(cur, f"SELECT COUNT(*) FROM {t}") == (i + 1,)
    cur.execute("SET @x = @x + 1")
    assert _one(cur, "SELECT @x") == (43,)
    # Another client never sees these variables.
    other = clients.pymysql().cursor()
    assert _one(other, "SELECT @x, @s") == (None, None)


def test_temporary_table(clients, hammer):
    c = clients.pymysql()
    cur = c.cursor()
    cur.execute("CREATE TEMPORARY TABLE tmp_state (i INT PRIMARY KEY, v VARCHAR(10))")
    cur.execute("INSERT INTO tmp_state VALUES (0, 'zero')")
    for i in range(1, 21):
        assert _one(cur, "SELECT 1") == (1,)
        cur.execute("INSERT INTO tmp_state VALUES (%s, %s)", (i, f"v{i}"))
        assert _one(cur, "SELECT COUNT(*), MAX(i) FROM tmp_state") == (i + 1, i), f"round {i}"
    other = clients.pymysql().cursor()
    with pytest.raises(pymysql.err.ProgrammingError) as info:
        other.execute("SELECT * FROM tmp_state")
    assert info.value.args[0] == 1146
    cur.execute("DROP TEMPORARY TABLE tmp_state")


def test_use_database(clients, hammer):
    c = clients.pymysql()
    cur = c.cursor()
    cur.execute("USE sbtest")
    for i in range(ROUNDS):
        assert _one(cur, "SELECT DATABASE()") == ("sbtest",), f"round {i}"
        assert _one(cur, "SELECT 1") == (1,)
    with pytest.raises(pymysql.err.OperationalError) as info:
        cur.execute("USE nonexistent_db")
    assert info.value.args == (1049, "Unknown database 'nonexistent_db'")
    # A failed USE leaves the current database as it was.
    for i in range(5):
        assert _one(cur, "SELECT DATABASE()") == ("sbtest",)
    cur.execute("USE mysql")
    assert _one(cur, "SELECT DATABASE()") == ("mysql",)


def test_connection_without_default_database(clients, hammer, proxy):
    """A client that names no database never sees the database of another client's session
    (the hammer's clients all use the test schema)."""
    c = clients.pymysql(database=None)
    cur = c.cursor()
    if proxy.direct:
        expected = {None}
    else:
        # A ProxySQL-style proxy puts such clients in the user's default_schema, else in
        # mysql-default_schema (information_schema).
        expected = {None, "information_schema"}
    seen = set()
    for _ in range(ROUNDS):
        seen.add(_one(cur, "SELECT DATABASE()")[0])
        assert _one(cur, "SELECT 1") == (1,)
    assert len(seen) == 1 and seen <= expected, f"DATABASE() returned {seen}"
    if seen == {None}:
        with pytest.raises(pymysql.err.OperationalError) as info:
            cur.execute("SELECT * FROM some_table")
        assert info.value.args[0] == 1046  # No database selected


def test_session_variables(clients, hammer):
    c = clients.pymysql()
    cur = c.cursor()
    cur.execute("SET SESSION group_concat_max_len = 7, SESSION div_precision_increment = 8")
    # MariaDB 10.11 knows only tx_isolation (transaction_isolation arrived in 11.1).
    cur.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
    for i in range(ROUNDS):
        assert _one(cur, "SELECT GROUP_CONCAT(seq) FROM seq_1_to_9") == ("1,2,3,4",), f"round {i}"
        assert str(_one(cur, "SELECT 1/3")[0]) == "0.33333333"
        assert _one(cur, "SELECT @@session.tx_isolation") == ("READ-COMMITTED",)


def test_two_clients_with_different_state(clients, hammer):
    a = clients.pymysql().cursor()
    b = clients.pymysql().cursor()
    a.execute("SET time_zone = '+01:00', @who = 'a'")
    b.execute("SET time_zone = '-03:30', @who = 'b'")
    a.execute("SET NAMES latin1")
    for i in range(ROUNDS):
        assert _one(a, "SELECT @@time_zone, @who, @@character_set_client") == ("+01:00", "a", "latin1")
        assert _one(b, "SELECT @@time_zone, @who, @@character_set_client") == ("-03:30", "b", "utf8mb4")


def test_last_insert_id_and_found_rows(clients, table, hammer):
    t = table("lid")
    c = clients.pymysql()
    cur = c.cursor()
    cur.execute(f"CREATE TABLE {t} (id INT AUTO_INCREMENT PRIMARY KEY, v INT)")
    for i in range(1, 11):
        cur.execute(f"INSERT INTO {t} (v) VALUES (%s)", (i,))
        assert cur.lastrowid == i
        assert _one(cur, "SELECT LAST_INSERT_ID()") == (i,)
    cur.execute(f"SELECT SQL_CALC_FOUND_ROWS * FROM {t} LIMIT 3")
    assert len(cur.fetchall()) == 3
    assert _one(cur, "SELECT FOUND_ROWS()") == (10,)
