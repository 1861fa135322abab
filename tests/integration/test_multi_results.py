"""Several result sets for one command: multi-statement queries and stored procedures."""

import pymysql
from pymysql.constants import CLIENT


def test_multi_statement_query(clients, table):
    t = table("multi")
    c = clients.pymysql(client_flag=CLIENT.MULTI_STATEMENTS)
    cur = c.cursor()
    cur.execute(
        f"CREATE TABLE {t} (i INT PRIMARY KEY);"
        f"SELECT 1 AS a;"
        f"INSERT INTO {t} VALUES (1), (2), (3);"
        f"SELECT 'x' AS b, 2 AS c UNION ALL SELECT 'y', 3;"
        f"UPDATE {t} SET i = i + 10 WHERE i > 1;"
        f"SELECT i FROM {t} ORDER BY i"
    )
    assert cur.rowcount == 0 and cur.description is None  # CREATE TABLE: OK packet
    assert cur.nextset()
    assert cur.fetchall() == ((1,),)
    assert cur.nextset()
    assert cur.rowcount == 3 and cur.description is None  # INSERT: 3 rows affected
    assert cur.nextset()
    assert cur.fetchall() == (("x", 2), ("y", 3))
    assert cur.nextset()
    assert cur.rowcount == 2  # UPDATE: 2 rows affected
    assert cur.nextset()
    assert cur.fetchall() == ((1,), (12,), (13,))
    assert not cur.nextset()
    # The connection carries on normally.
    cur.execute("SELECT 42")
    assert cur.fetchall() == ((42,),)


def test_multi_statement_error_in_the_middle(clients):
    c = clients.pymysql(client_flag=CLIENT.MULTI_STATEMENTS)
    cur = c.cursor()
    cur.execute("SELECT 1; SELECT * FROM no_such_table_xyz; SELECT 3")
    assert cur.fetchall() == ((1,),)
    try:
        cur.nextset()
        raise AssertionError("the second statement should have failed")
    except pymysql.err.ProgrammingError as e:
        assert e.args[0] == 1146
    # The statements after the failing one are not run; the connection is usable.
    cur.execute("SELECT 4")
    assert cur.fetchall() == ((4,),)


def test_multi_statements_refused_without_the_flag(clients):
    c = clients.pymysql()
    cur = c.cursor()
    try:
        cur.execute("SELECT 1; SELECT 2")
        raise AssertionError("multi-statement query accepted without CLIENT_MULTI_STATEMENTS")
    except pymysql.err.ProgrammingError as e:
        assert e.args[0] == 1064
    cur.execute("SELECT 5")
    assert cur.fetchall() == ((5,),)


def test_stored_procedure_with_several_results(clients, table):
    proc = table("proc")  # dropped as a table (no-op); the procedure is dropped below
    t = table("proc_t")
    c = clients.pymysql()
    cur = c.cursor()
    cur.execute(f"CREATE TABLE {t} (i INT)")
    cur.execute(f"""CREATE PROCEDURE {proc}(IN n INT, OUT total INT)
        BEGIN
            INSERT INTO {t} VALUES (n), (n * 2);
            SELECT n AS first;
            SELECT i FROM {t} ORDER BY i;
            SELECT SUM(i) INTO total FROM {t};
        END""")
    try:
        cur.execute(f"CALL {proc}(5, @total)")
        assert cur.fetchall() == ((5,),)
        assert cur.nextset()
        assert cur.fetchall() == ((5,), (10,))
        assert cur.nextset()  # the CALL's own OK packet
        assert cur.description is None
        assert not cur.nextset()
        cur.execute("SELECT @total")
        assert cur.fetchall() == ((15,),)

        # callproc() passes parameters through user variables.
        cur.callproc(proc, (1, 0))
        assert cur.fetchall() == ((1,),)
        while cur.nextset():
            pass
        cur.execute(f"SELECT @_{proc}_1")
        assert cur.fetchall() == ((18,),)
    finally:
        cur.execute(f"DROP PROCEDURE IF EXISTS {proc}")


def test_procedure_error_after_a_result(clients, table):
    proc = table("proc_err")
    c = clients.pymysql()
    cur = c.cursor()
    cur.execute(f"CREATE PROCEDURE {proc}() BEGIN SELECT 'before' AS x; SELECT * FROM no_such_table_xyz; END")
    try:
        cur.execute(f"CALL {proc}()")
        assert cur.fetchall() == (("before",),)
        try:
            cur.nextset()
            raise AssertionError("the procedure's second statement should have failed")
        except pymysql.err.ProgrammingError as e:
            assert e.args[0] == 1146
        cur.execute("SELECT 'after'")
        assert cur.fetchall() == (("after",),)
    finally:
        cur.execute(f"DROP PROCEDURE IF EXISTS {proc}")
