"""Errors keep their code, SQLSTATE and message; warnings are visible with SHOW WARNINGS."""

import mysql.connector
import pymysql
import pytest


def _pymysql_error(cur, sql, args=None):
    with pytest.raises(pymysql.err.MySQLError) as info:
        cur.execute(sql, args)
    return info.value


def test_duplicate_key(clients, table):
    t = table("dup")
    c = clients.pymysql()
    cur = c.cursor()
    cur.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY, u VARCHAR(10) UNIQUE)")
    cur.execute(f"INSERT INTO {t} VALUES (1, 'a')")
    e = _pymysql_error(cur, f"INSERT INTO {t} VALUES (1, 'b')")
    assert isinstance(e, pymysql.err.IntegrityError)
    assert e.args == (1062, "Duplicate entry '1' for key 'PRIMARY'")
    e = _pymysql_error(cur, f"INSERT INTO {t} VALUES (2, 'a')")
    assert e.args == (1062, "Duplicate entry 'a' for key 'u'")
    cur.execute(f"SELECT COUNT(*) FROM {t}")
    assert cur.fetchone() == (1,)


def test_no_such_table(clients, test_db):
    c = clients.pymysql()
    e = _pymysql_error(c.cursor(), "SELECT * FROM no_such_table_xyz")
    assert isinstance(e, pymysql.err.ProgrammingError)
    assert e.args == (1146, f"Table '{test_db}.no_such_table_xyz' doesn't exist")


def test_syntax_error(clients):
    c = clients.pymysql()
    e = _pymysql_error(c.cursor(), "SELEC 1")
    assert e.args[0] == 1064
    assert e.args[1].startswith("You have an error in your SQL syntax")
    assert "near 'SELEC 1' at line 1" in e.args[1]


@pytest.mark.parametrize("sql, errno, sqlstate", [
    ("SELECT * FROM no_such_table_xyz", 1146, "42S02"),
    ("SELEC 1", 1064, "42000"),
    ("SELECT no_such_column FROM DUAL", 1054, "42S22"),
    ("SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'custom failure', MYSQL_ERRNO = 1644", 1644, "45000"),
    ("SIGNAL SQLSTATE 'HY123' SET MESSAGE_TEXT = 'odd state', MYSQL_ERRNO = 3999", 3999, "HY123"),
])
def test_error_code_and_sqlstate(clients, sql, errno, sqlstate):
    c = clients.connector()
    cur = c.cursor()
    with pytest.raises(mysql.connector.Error) as info:
        cur.execute(sql)
    assert info.value.errno == errno
    assert info.value.sqlstate == sqlstate
    cur.execute("SELECT 1")
    assert cur.fetchall() == [(1,)]


def test_signal_message_text(clients):
    c = clients.pymysql()
    e = _pymysql_error(c.cursor(), "SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'custom failure ü'")
    assert e.args == (1644, "custom failure ü")


def test_duplicate_key_sqlstate(clients, table):
    t = table("dup_state")
    c = clients.connector()
    cur = c.cursor()
    cur.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY)")
    cur.execute(f"INSERT INTO {t} VALUES (1)")
    with pytest.raises(mysql.connector.IntegrityError) as info:
        cur.execute(f"INSERT INTO {t} VALUES (1)")
    assert (info.value.errno, info.value.sqlstate) == (1062, "23000")


def test_division_by_zero_warning(clients):
    c = clients.pymysql()
    cur = c.cursor()
    cur.execute("SELECT 1/0")
    assert cur.fetchall() == ((None,),)
    assert c._result.warning_count == 1  # from the EOF/OK packet that ends the result
    cur.execute("SHOW WARNINGS")
    assert cur.fetchall() == (("Warning", 1365, "Division by 0"),)
    # Neither SHOW WARNINGS nor a statement that uses no table clears the list.
    cur.execute("SELECT @@warning_count")
    assert cur.fetchall() == ((1,),)
    cur.execute("SELECT 2/0, 3/0")
    assert c._result.warning_count == 2
    cur.execute("SHOW WARNINGS")
    assert cur.fetchall() == (("Warning", 1365, "Division by 0"),) * 2


def test_truncation_warning_in_non_strict_mode(clients, table):
    t = table("trunc")
    c = clients.pymysql()
    cur = c.cursor()
    cur.execute("SET SESSION sql_mode = ''")
    cur.execute(f"CREATE TABLE {t} (c VARCHAR(3), n TINYINT)")
    cur.execute(f"INSERT INTO {t} VALUES ('abcdef', 1000)")
    assert c._result.warning_count == 2
    cur.execute("SHOW WARNINGS")
    assert cur.fetchall() == (
        ("Warning", 1265, "Data truncated for column 'c' at row 1"),
        ("Warning", 1264, "Out of range value for column 'n' at row 1"),
    )
    cur.execute("SHOW COUNT(*) WARNINGS")
    assert cur.fetchall() == ((2,),)
    cur.execute(f"SELECT c, n FROM {t}")
    assert cur.fetchall() == (("abc", 127),)


def test_strict_mode_turns_truncation_into_error(clients, table):
    t = table("strict")
    c = clients.pymysql()
    cur = c.cursor()
    cur.execute("SET SESSION sql_mode = 'STRICT_TRANS_TABLES'")
    cur.execute(f"CREATE TABLE {t} (c VARCHAR(3)) ENGINE=InnoDB")
    e = _pymysql_error(cur, f"INSERT INTO {t} VALUES ('abcdef')")
    assert e.args == (1406, "Data too long for column 'c' at row 1")


def test_warnings_survive_concurrent_load(clients, hammer):
    """SHOW WARNINGS must describe this client's previous statement, even under load."""
    c = clients.pymysql()
    cur = c.cursor()
    for i in range(30):
        cur.execute(f"SELECT {i}/0")
        assert cur.fetchall() == ((None,),)
        cur.execute("SHOW WARNINGS")
        assert cur.fetchall() == (("Warning", 1365, "Division by 0"),), f"iteration {i}"
        # A statement that reads a table clears the list (SELECT 1 would not: MariaDB keeps
        # the warnings of the last statement that used tables, and reports warning_count 0).
        cur.execute("SELECT COUNT(*) FROM seq_1_to_3")
        assert cur.fetchall() == ((3,),)
        cur.execute("SHOW WARNINGS")
        assert cur.fetchall() == (), f"iteration {i}"
