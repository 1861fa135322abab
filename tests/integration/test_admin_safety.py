"""The admin interface refuses what it must and survives what users throw at it: the read-only stats user, wrong
passwords, malformed and huge statements, CHECK constraints, bad SET commands, and the probes client drivers send
when they connect. Against the session's Junction admin port (nothing here changes its configuration), plus one
dedicated Junction (admin on 0.0.0.0:17232) for the loopback-only rule.
"""

from __future__ import annotations

import socket

import mysql.connector
import pymysql
import pytest

from admin_helpers import Admin, JunctionProcess, cli, connect_error
from conftest import ADMIN_PORT, DIRECT, HOST, PROXY_PORT

pytestmark = [pytest.mark.skipif(DIRECT, reason="about Junction's admin interface"), pytest.mark.proxy_only]

ERROR_PREFIX = "Junction Admin Error: "
SERVER_COLUMNS = ["hostgroup_id", "hostname", "port", "gtid_port", "status", "weight", "compression",
                  "max_connections", "max_replication_lag", "use_ssl", "max_latency_ms", "comment"]


@pytest.fixture
def admin(proxy):
    a = Admin(ADMIN_PORT)
    yield a
    a.close()


@pytest.fixture
def stats(proxy):
    s = Admin(ADMIN_PORT, user="stats", password="stats")
    yield s
    s.close()


def assert_admin_error(error: tuple[int, str], *fragments: str):
    code, message = error
    assert code == 1045 and message.startswith(ERROR_PREFIX), f"({code}) {message}"
    for f in fragments:
        assert f in message, f"{f!r} not in {message!r}"


def assert_still_usable(a: Admin):
    assert a.rows("SELECT 1") == [("1",)]


# ---------------------------------------------------------------- the stats user


@pytest.mark.parametrize("statement", [
    "INSERT INTO stats_mysql_global VALUES ('Junction_test', '1')",
    "DELETE FROM stats_mysql_global",
    "UPDATE stats_mysql_global SET Variable_Value = '0'",
    "DELETE FROM stats_mysql_connection_pool",
    "INSERT INTO monitor.mysql_server_ping_log (hostname, port, time_start_us) VALUES ('h', 1, 1)",
    "DELETE FROM monitor.mysql_server_connect_log",
    "CREATE TABLE junk (a INT)",
    "LOAD MYSQL SERVERS TO RUNTIME",
    "LOAD MYSQL USERS FROM DISK",
    "SAVE MYSQL SERVERS TO DISK",
    "SAVE MYSQL VARIABLES TO MEMORY",
    "SET mysql-max_connections = 5",
    "PRAGMA query_only = OFF",
    "ATTACH DATABASE '/tmp/junction-stats-attach.db' AS extra",
])
def test_stats_user_cannot_write(admin, stats, statement):
    runtime_before = admin.rows("SELECT * FROM runtime_mysql_servers")
    max_connections = admin.variable("mysql-max_connections")
    assert_admin_error(stats.error(statement))
    assert_still_usable(stats)
    assert admin.rows("SELECT * FROM runtime_mysql_servers") == runtime_before
    assert admin.variable("mysql-max_connections") == max_connections


def test_stats_user_sees_only_the_stats_schemas(stats):
    assert [r[1] for r in stats.rows("SHOW DATABASES")] == ["main", "monitor", "stats_history"]
    assert stats.value("SELECT DATABASE()") == "stats"
    assert_admin_error(stats.error("SELECT * FROM mysql_servers"), "no such table")
    assert_admin_error(stats.error("SELECT * FROM disk.mysql_users"))
    assert stats.rows("SELECT * FROM global_variables") == [("mysql-max_allowed_packet", "4194304")]


def test_stats_user_reads_stats_and_monitor_tables(stats):
    assert stats.columns("SELECT * FROM stats_mysql_global") == ["Variable_Name", "Variable_Value"]
    assert stats.columns("SELECT * FROM main.stats_mysql_connection_pool")[:4] == ["hostgroup", "srv_host", "srv_port", "status"]
    assert stats.columns("SELECT * FROM monitor.mysql_server_ping_log") == \
        ["hostname", "port", "time_start_us", "ping_success_time_us", "ping_error"]
    assert stats.columns("SELECT * FROM monitor.mysql_server_read_only_log")[-2:] == ["read_only", "error"]
    assert stats.columns("SELECT * FROM stats_history.mysql_connections")[0] == "timestamp"
    tables = stats.column("SHOW TABLES")
    for t in ("stats_mysql_global", "stats_mysql_connection_pool", "stats_mysql_query_digest", "stats_mysql_processlist"):
        assert t in tables


def test_stats_mysql_global_counts_client_traffic(stats, proxy):
    """stats_mysql_global (and SHOW MYSQL STATUS) show the MySQL module's counters, e.g. Questions and
    Client_Connections_connected (admin-schema.md §3)."""
    def counters() -> dict:
        return dict(stats.rows("SELECT Variable_Name, Variable_Value FROM stats_mysql_global"))

    before = counters()
    assert "Questions" in before and "Client_Connections_connected" in before, \
        f"stats_mysql_global lacks the basic counters; it holds {len(before)} rows"
    c = pymysql.connect(host=HOST, port=PROXY_PORT, user="app", password="app", connect_timeout=10)
    with c.cursor() as cur:
        for _ in range(5):
            cur.execute("SELECT 1")
        after = counters()
    c.close()
    assert int(after["Questions"]) >= int(before["Questions"]) + 5
    assert int(after["Client_Connections_connected"]) >= 1


# ---------------------------------------------------------------- logins


def test_wrong_password_is_refused_and_the_admin_keeps_serving(proxy):
    for user, password in [("admin", "wrong"), ("stats", "wrong"), ("nobody", "admin"), ("admin", "")] * 5:
        code, message = connect_error(ADMIN_PORT, user, password)
        assert code == 1045, f"{user}/{password!r}: ({code}) {message}"
    with Admin(ADMIN_PORT) as a:
        assert_still_usable(a)
    with Admin(ADMIN_PORT, user="stats", password="stats") as s:
        assert_still_usable(s)


def _non_loopback_address() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # no packet is sent; this only picks the outgoing interface
            address = s.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def test_admin_and_stats_log_in_only_from_loopback(tmp_path, lab):
    address = _non_loopback_address()
    if address is None:
        pytest.skip("this host has no non-loopback IPv4 address")
    j = JunctionProcess(tmp_path, 17232, 17233)
    j.write_config(admin_ifaces="0.0.0.0:17232", admin_credentials="admin:admin;radmin:radmin")
    j.start()
    try:
        for user in ("admin", "stats"):
            code, message = connect_error(17232, user, user, host=address)
            assert code == 1040 and f"User '{user}' can only connect locally" in message, f"({code}) {message}"
        with Admin(17232, user="radmin", password="radmin", host=address) as remote:
            assert_still_usable(remote)
        with Admin(17232) as local:
            assert_still_usable(local)
    finally:
        assert j.stop() == 0, j.log()


# ---------------------------------------------------------------- bad statements


@pytest.mark.parametrize("statement, fragment", [
    ("LOAD MYSQL SERVERS TO NOWHERE", ""),
    ("LOAD MYSQL SERVERS TO RUNTIME extra", ""),
    ("SAVE MYSQL NOTHING TO DISK", ""),
    ("SHOW CREATE TABLE nosuch", "nosuch"),
    ("SELEC 1", "syntax error"),
    ("SELECT * FROM nosuch_table", "no such table: nosuch_table"),
    ("INSERT INTO mysql_servers (hostgroup_id) VALUES (1", "incomplete input"),
    ("SELECT 'x' || '" + "y" * 1024 * 1024 + "' FROM WHERE", "syntax error"),
], ids=["load_to_nowhere", "load_extra_word", "save_unknown_module", "show_create_nosuch", "syntax_error",
        "no_such_table", "unclosed_paren", "one_mib_garbage"])
def test_bad_statement_is_an_error_and_the_connection_stays_usable(admin, statement, fragment):
    assert_admin_error(admin.error(statement), fragment)
    assert_still_usable(admin)


def test_the_cli_shows_error_code_sqlstate_and_message(proxy):
    r = cli(ADMIN_PORT, "-e", "SELEC 1")
    assert r.returncode == 1
    assert r.stderr.strip().splitlines()[-1] == \
        'ERROR 1045 (28000) at line 1: Junction Admin Error: near "SELEC": syntax error'


def test_one_mib_query_runs(admin):
    text = "x" * (1024 * 1024)
    assert admin.value(f"SELECT LENGTH('{text}')") == str(len(text))
    assert_still_usable(admin)


def test_port_out_of_range_violates_the_check_constraint(admin):
    before = admin.rows("SELECT * FROM mysql_servers")
    assert_admin_error(
        admin.error(f"INSERT INTO mysql_servers (hostgroup_id, hostname, port) VALUES (42, '{HOST}', 70000)"),
        "CHECK constraint failed")
    assert_admin_error(admin.error("UPDATE mysql_servers SET port = 70000"), "CHECK constraint failed")
    assert admin.rows("SELECT * FROM mysql_servers") == before
    assert_still_usable(admin)


@pytest.mark.parametrize("statement, fragment", [
    ("SET mysql-unknown = 1", "mysql-unknown"),
    ("SET mysql-max_connections = 'abc'", "mysql-max_connections"),
    ("SET mysql-max_connections = ''", "mysql-max_connections"),
    ("SET admin-refresh_interval = 'soon'", "admin-refresh_interval"),
])
def test_set_of_an_unknown_variable_or_a_bad_value_changes_nothing(admin, statement, fragment):
    before = admin.rows("SELECT * FROM global_variables ORDER BY variable_name")
    runtime_before = admin.rows("SELECT * FROM runtime_global_variables ORDER BY variable_name")
    assert_admin_error(admin.error(statement), fragment)
    assert admin.rows("SELECT * FROM global_variables ORDER BY variable_name") == before
    assert admin.rows("SELECT * FROM runtime_global_variables ORDER BY variable_name") == runtime_before
    assert "mysql-unknown" not in admin.column("SELECT variable_name FROM global_variables")


# ---------------------------------------------------------------- client drivers


def _pymysql():
    return pymysql.connect(host=HOST, port=ADMIN_PORT, user="admin", password="admin", connect_timeout=5,
                           charset="utf8mb4")


def _connector_pure():
    return mysql.connector.connect(host=HOST, port=ADMIN_PORT, user="admin", password="admin", use_pure=True,
                                   connection_timeout=5)


@pytest.mark.parametrize("connect", [_pymysql, _connector_pure], ids=["pymysql", "mysql_connector"])
def test_driver_probes(proxy, connect):
    conn = connect()
    try:
        cur = conn.cursor()
        cur.execute("SELECT * FROM mysql_servers")
        rows = cur.fetchall()
        assert [d[0] for d in cur.description] == SERVER_COLUMNS
        assert len(rows) >= 1

        cur.execute("select @@version_comment limit 1")
        assert [d[0] for d in cur.description] == ["(Junction Admin Module)"]
        assert list(cur.fetchall()) == [("(Junction Admin Module)",)]

        cur.execute("SELECT DATABASE()")
        assert list(cur.fetchall()) == [("admin",)]

        cur.execute("SHOW VARIABLES LIKE 'mysql-%'")
        assert [d[0] for d in cur.description] == ["Variable_name", "Value"]
        variables = dict(cur.fetchall())
        assert variables["mysql-max_connections"] == "4096"
        assert all(name.startswith("mysql-") for name in variables)
        cur.close()
    finally:
        conn.close()


# ---------------------------------------------------------------- the admin's own schema


@pytest.mark.parametrize("statement", [
    "DROP TABLE mysql_users",
    "drop table if exists main.mysql_servers",
    "DROP TABLE `disk`.`mysql_query_rules`",
    "SELECT 1; DROP TABLE global_variables",
    "ALTER TABLE mysql_users ADD COLUMN x INT",
    "/* c */ DROP TABLE stats.stats_mysql_global",
])
def test_the_admins_own_tables_cannot_be_dropped_or_altered(admin, statement):
    with pytest.raises(pymysql.MySQLError) as e:
        admin.run(statement)
    assert_admin_error(e.value.args, "belongs to the admin's schema")
    assert admin.rows("SELECT count(*) FROM mysql_users") is not None
    assert admin.rows("SELECT count(*) FROM disk.mysql_query_rules") is not None
    assert "x" not in [c[0] for c in admin.rows("SELECT name FROM pragma_table_info('mysql_users')")]
    assert_still_usable(admin)


def test_tables_a_user_created_can_be_dropped(admin):
    admin.run("CREATE TABLE my_notes (a INT)")
    admin.run("ALTER TABLE my_notes ADD COLUMN b INT")
    admin.run("DROP TABLE my_notes")
    assert admin.rows("SELECT name FROM sqlite_master WHERE name='my_notes'") == []


def test_saving_variables_says_how_many_were_written(admin):
    mysql = int(admin.rows("SELECT count(*) FROM global_variables WHERE variable_name LIKE 'mysql-%'")[0][0])
    admin_count = int(admin.rows("SELECT count(*) FROM global_variables WHERE variable_name LIKE 'admin-%'")[0][0])
    assert mysql > 100 and admin_count > 30
    assert admin.run("SAVE MYSQL VARIABLES TO DISK") == mysql
    assert admin.run("SAVE ADMIN VARIABLES TO DISK") == admin_count
    assert admin.run("SAVE MYSQL SERVERS TO DISK") == 0


# ---------------------------------------------------------------- KILL by processlist id


def test_admin_kill_stops_a_clients_query_then_its_connection(admin, proxy):
    import threading
    import time
    client = pymysql.connect(host=HOST, port=PROXY_PORT, user="app", password="app", autocommit=True, read_timeout=30)
    outcome = {}

    def sleeper():
        started = time.monotonic()
        try:
            with client.cursor() as cur:
                cur.execute("SELECT SLEEP(20)")
                outcome["result"] = cur.fetchone()
        except pymysql.MySQLError as e:
            outcome["error"] = e.args
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=sleeper)
    thread.start()
    deadline = time.monotonic() + 10
    session = None
    while session is None and time.monotonic() < deadline:
        rows = admin.rows("SELECT SessionID FROM stats_mysql_processlist WHERE info LIKE 'SELECT SLEEP(20)%'")
        session = rows[0][0] if rows else None
        time.sleep(0.1)
    assert session is not None, "the running query is in stats_mysql_processlist"
    admin.run(f"KILL QUERY {session}")
    thread.join(timeout=15)
    assert outcome["seconds"] < 10, outcome
    # MariaDB answers a killed SLEEP with 1 (interrupted); either way the query ended early and the session lives on.
    with client.cursor() as cur:
        cur.execute("SELECT 7")
        assert cur.fetchone() == (7,)
    admin.run(f"KILL {session}")
    with pytest.raises(pymysql.MySQLError):
        with client.cursor() as cur:
            cur.execute("SELECT 8")
    with pytest.raises(pymysql.MySQLError) as e:
        admin.run("KILL 987654")
    assert e.value.args[0] == 1094 and "Unknown thread id" in e.value.args[1]
