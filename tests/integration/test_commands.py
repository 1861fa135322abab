"""Protocol commands besides COM_QUERY: PING, INIT_DB, CHANGE_USER, RESET_CONNECTION,
STATISTICS and QUIT."""

import mysql.connector
import pymysql
import pytest


def _one(cur, sql):
    cur.execute(sql)
    return cur.fetchone()


def test_ping(clients, hammer):
    c = clients.pymysql()
    for _ in range(20):
        c.ping(reconnect=False)
    cur = c.cursor()
    assert _one(cur, "SELECT 'after ping'") == ("after ping",)
    mc = clients.connector()
    for _ in range(5):
        assert mc.cmd_ping()["field_count"] == 0
    assert mc.is_connected()


def test_init_db(clients, test_db, hammer):
    c = clients.pymysql()
    cur = c.cursor()
    c.select_db("sbtest")  # COM_INIT_DB
    for _ in range(10):
        assert _one(cur, "SELECT DATABASE()") == ("sbtest",)
        assert _one(cur, "SELECT 1") == (1,)
    c.select_db(test_db)
    assert _one(cur, "SELECT DATABASE()") == (test_db,)
    with pytest.raises(pymysql.err.OperationalError) as info:
        c.select_db("no_such_db_xyz")
    assert info.value.args == (1049, "Unknown database 'no_such_db_xyz'")
    assert _one(cur, "SELECT DATABASE()") == (test_db,)


def test_init_db_with_connector(clients, test_db):
    c = clients.connector()
    c.cmd_init_db("mysql")
    cur = c.cursor()
    cur.execute("SELECT DATABASE()")
    assert cur.fetchall() == [("mysql",)]
    with pytest.raises(mysql.connector.Error) as info:
        c.cmd_init_db("no_such_db_xyz")
    assert (info.value.errno, info.value.sqlstate) == (1049, "42000")


def test_change_user(clients, test_db, hammer):
    c = clients.connector()
    cur = c.cursor()
    cur.execute("SET @x = 42, time_zone = '+03:00'")
    cur.execute("CREATE TEMPORARY TABLE tmp_change_user (i INT)")
    c.cmd_change_user(username="app", password="app", database="sbtest")  # COM_CHANGE_USER
    cur = c.cursor()
    for _ in range(10):
        cur.execute("SELECT @x, @@time_zone, DATABASE(), CURRENT_USER() LIKE 'app@%'")
        # A new session: user variables and settings are gone, the new database is current.
        assert cur.fetchall() == [(None, "SYSTEM", "sbtest", 1)]
    with pytest.raises(mysql.connector.Error) as info:
        cur.execute("SELECT * FROM tmp_change_user")
    assert info.value.errno == 1146
    cur.execute("SET @y = 7")
    cur.execute("SELECT @y")
    assert cur.fetchall() == [(7,)]


def test_change_user_wrong_password(clients):
    c = clients.connector()
    with pytest.raises(mysql.connector.Error) as info:
        c.cmd_change_user(username="app", password="wrong", database="")
    assert (info.value.errno, info.value.sqlstate) == (1045, "28000")


def test_reset_connection(clients, test_db, hammer):
    c = clients.connector()
    cur = c.cursor()
    cur.execute("SET @x = 42, @y = 'y', time_zone = '+03:00', SESSION sql_mode = 'ANSI'")
    cur.execute("CREATE TEMPORARY TABLE tmp_reset (i INT)")
    cur.execute("SELECT @x")
    assert cur.fetchall() == [(42,)]
    assert c.cmd_reset_connection() is True  # COM_RESET_CONNECTION
    cur = c.cursor()
    for _ in range(10):
        cur.execute("SELECT @x, @y, @@time_zone, DATABASE(), @@session.sql_mode = @@global.sql_mode")
        # Variables and session settings are reset; the database stays.
        assert cur.fetchall() == [(None, None, "SYSTEM", test_db, 1)]
    with pytest.raises(mysql.connector.Error) as info:
        cur.execute("SELECT * FROM tmp_reset")
    assert info.value.errno == 1146


def test_reset_connection_ends_transaction(clients, table):
    t = table("reset_tx")
    c = clients.connector(autocommit=True)
    cur = c.cursor()
    cur.execute(f"CREATE TABLE {t} (i INT) ENGINE=InnoDB")
    cur.execute("START TRANSACTION")
    cur.execute(f"INSERT INTO {t} VALUES (1)")
    assert c.cmd_reset_connection() is True
    cur = c.cursor()
    cur.execute(f"SELECT COUNT(*), @@in_transaction FROM {t}")
    assert cur.fetchall() == [(0, 0)]  # the open transaction was rolled back


def test_statistics(clients):
    c = clients.connector()
    stats = c.cmd_statistics()  # COM_STATISTICS
    assert "Uptime" in stats


def test_quit_then_reconnect(clients):
    c = clients.pymysql()
    c.close()  # COM_QUIT
    c2 = clients.pymysql()
    with c2.cursor() as cur:
        assert _one(cur, "SELECT 'new'") == ("new",)
