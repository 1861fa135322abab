"""The admin's stats tables against real traffic: a Junction of this module's own, the lab's primary (hostgroup 10)
and replicas (hostgroup 20) behind it, and clients sending reads, writes, a transaction, a prepared statement, a
refused login, a failing query and a long `SELECT SLEEP(2)`. Every table monitoring tools read (dolphie, ProxySQL's
own dashboards, Grafana exporters) must be filled and agree with that traffic: cumulative counters are compared
before and after, gauges while the clients are still connected.

The traffic runs once (the `traffic` fixture), taking every snapshot the tests need; each test then checks one table.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import mysql.connector
import pymysql
import pytest

from admin_helpers import Admin, JunctionProcess, connect_error, proxy_login
from conftest import DIRECT, HOST, LAB_PORT, TEST_DB, direct_primary_conn, uniq, wait_until

pytestmark = [pytest.mark.skipif(DIRECT, reason="about Junction's admin tables"), pytest.mark.proxy_only]

ADMIN_PORT, PROXY_PORT = 18332, 18333
PRIMARY, REPLICA1, REPLICA2 = LAB_PORT, LAB_PORT + 1, LAB_PORT + 2
THREADS = 2  # admin_helpers.junction_config's mysql-threads

# Every variable `SELECT * FROM stats_mysql_global` returns on ProxySQL 2.7.1 (the reference binary
# ../shared/anchors/proxysql, `--version` 2.7.1-16-g2726c27, started with a minimal config and queried on its admin
# port), in its order: 108 names. Tools such as dolphie index this table by name and crash on a missing one.
PROXYSQL_271_GLOBAL_VARIABLES = (
    'ProxySQL_Uptime', 'Active_Transactions', 'Client_Connections_aborted', 'Client_Connections_connected',
    'Client_Connections_created', 'Server_Connections_aborted', 'Server_Connections_connected',
    'Server_Connections_created', 'Server_Connections_delayed', 'Client_Connections_non_idle',
    'mysql_backend_buffers_bytes', 'mysql_frontend_buffers_bytes', 'mysql_session_internal_bytes', 'Com_autocommit',
    'Com_autocommit_filtered', 'Com_commit', 'Com_commit_filtered', 'Com_rollback', 'Com_rollback_filtered',
    'Com_backend_change_user', 'Com_backend_init_db', 'Com_backend_set_names', 'Com_frontend_init_db',
    'Com_frontend_set_names', 'Com_frontend_use_db', 'Com_backend_stmt_prepare', 'Com_backend_stmt_execute',
    'Com_backend_stmt_close', 'Com_frontend_stmt_prepare', 'Com_frontend_stmt_execute', 'Com_frontend_stmt_close',
    'Questions', 'Slow_queries', 'GTID_consistent_queries', 'GTID_session_collected', 'Queries_backends_bytes_recv',
    'Queries_backends_bytes_sent', 'Queries_frontends_bytes_recv', 'Queries_frontends_bytes_sent',
    'Query_Processor_time_nsec', 'Backend_query_time_nsec', 'ConnPool_get_conn_latency_awareness',
    'ConnPool_get_conn_immediate', 'ConnPool_get_conn_success', 'ConnPool_get_conn_failure',
    'mysql_killed_backend_connections', 'mysql_killed_backend_queries', 'hostgroup_locked_set_cmds',
    'hostgroup_locked_queries', 'mysql_unexpected_frontend_com_quit', 'mysql_unexpected_frontend_packets',
    'queries_with_max_lag_ms__total_wait_time_us', 'queries_with_max_lag_ms__delayed', 'queries_with_max_lag_ms',
    'backend_lagging_during_query', 'backend_offline_during_query', 'get_aws_aurora_replicas_skipped_during_query',
    'automatic_detected_sql_injection', 'whitelisted_sqli_fingerprint', 'max_connect_timeouts',
    'generated_error_packets', 'client_host_error_killed_connections', 'Client_Connections_hostgroup_locked',
    'Mirror_concurrency', 'Mirror_queue_length', 'Selects_for_update__autocommit0', 'Servers_table_version',
    'MySQL_Thread_Workers', 'Access_Denied_Wrong_Password', 'Access_Denied_Max_Connections',
    'Access_Denied_Max_User_Connections', 'MySQL_Monitor_Workers', 'MySQL_Monitor_Workers_Aux',
    'MySQL_Monitor_Workers_Started', 'MySQL_Monitor_connect_check_OK', 'MySQL_Monitor_connect_check_ERR',
    'MySQL_Monitor_ping_check_OK', 'MySQL_Monitor_ping_check_ERR', 'MySQL_Monitor_read_only_check_OK',
    'MySQL_Monitor_read_only_check_ERR', 'MySQL_Monitor_replication_lag_check_OK',
    'MySQL_Monitor_replication_lag_check_ERR', 'MySQL_Monitor_dns_cache_queried',
    'MySQL_Monitor_dns_cache_lookup_success', 'MySQL_Monitor_dns_cache_record_updated', 'MyHGM_myconnpoll_get',
    'MyHGM_myconnpoll_get_ok', 'MyHGM_myconnpoll_push', 'MyHGM_myconnpoll_destroy', 'MyHGM_myconnpoll_reset',
    'SQLite3_memory_bytes', 'ConnPool_memory_bytes', 'Stmt_Client_Active_Total', 'Stmt_Client_Active_Unique',
    'Stmt_Server_Active_Total', 'Stmt_Server_Active_Unique', 'Stmt_Max_Stmt_id', 'Stmt_Cached',
    'Query_Cache_Memory_bytes', 'Query_Cache_count_GET', 'Query_Cache_count_GET_OK', 'Query_Cache_count_SET',
    'Query_Cache_bytes_IN', 'Query_Cache_bytes_OUT', 'Query_Cache_Purged', 'Query_Cache_Entries',
    'new_req_conns_count', 'mysql_listener_paused',
)

# The columns of each table on ProxySQL 2.7.1 (same reference binary, `SELECT * FROM <table>`): tools read them by
# name (dolphie: SessionID, cli_host, srv_host, time_ms, info, ConnUsed, Total_cnt, count_star, ...).
PROXYSQL_271_COLUMNS = {
    "stats_mysql_global": ["Variable_Name", "Variable_Value"],
    "stats_mysql_processlist": ["ThreadID", "SessionID", "user", "db", "cli_host", "cli_port", "hostgroup",
                                "l_srv_host", "l_srv_port", "srv_host", "srv_port", "command", "time_ms", "info",
                                "status_flags", "extended_info"],
    "stats_mysql_users": ["username", "frontend_connections", "frontend_max_connections"],
    "stats_mysql_errors": ["hostgroup", "hostname", "port", "username", "client_address", "schemaname", "errno",
                           "count_star", "first_seen", "last_seen", "last_error"],
    "stats_mysql_connection_pool": ["hostgroup", "srv_host", "srv_port", "status", "ConnUsed", "ConnFree", "ConnOK",
                                    "ConnERR", "MaxConnUsed", "Queries", "Queries_GTID_sync", "Bytes_data_sent",
                                    "Bytes_data_recv", "Latency_us"],
    "stats_mysql_commands_counters": ["Command", "Total_Time_us", "Total_cnt", "cnt_100us", "cnt_500us", "cnt_1ms",
                                      "cnt_5ms", "cnt_10ms", "cnt_50ms", "cnt_100ms", "cnt_500ms", "cnt_1s", "cnt_5s",
                                      "cnt_10s", "cnt_INFs"],
    "stats_mysql_free_connections": ["fd", "hostgroup", "srv_host", "srv_port", "user", "schema", "init_connect",
                                     "time_zone", "sql_mode", "autocommit", "idle_ms", "statistics", "mysql_info"],
    "stats_memory_metrics": ["Variable_Name", "Variable_Value"],
}

LATENCY_BUCKETS = PROXYSQL_271_COLUMNS["stats_mysql_commands_counters"][3:]


# ---------------------------------------------------------------- snapshots


def dict_rows(admin: Admin, sql: str) -> list[dict[str, str | None]]:
    with admin.conn.cursor() as cur:
        cur.execute(sql)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]


def global_status(admin: Admin) -> dict[str, str]:
    return {name: value for name, value in admin.rows("SELECT Variable_Name, Variable_Value FROM stats_mysql_global")}


def commands(admin: Admin) -> dict[str, dict[str, int]]:
    return {r["Command"]: {k: int(v) for k, v in r.items() if k != "Command"}
            for r in dict_rows(admin, "SELECT * FROM stats_mysql_commands_counters")}


def pool(admin: Admin, table: str = "stats_mysql_connection_pool") -> dict[tuple[int, int], dict[str, str]]:
    """Rows by (hostgroup, port)."""
    return {(int(r["hostgroup"]), int(r["srv_port"])): r for r in dict_rows(admin, f"SELECT * FROM {table}")}


def num(status: dict[str, str], name: str) -> int:
    assert name in status, f"stats_mysql_global has no variable {name!r}"
    value = status[name]
    assert value is not None and value.lstrip("-").isdigit(), \
        f"stats_mysql_global: {name} = {value!r}, expected an integer"
    return int(value)


@dataclass
class Traffic:
    """What the clients did, and what the admin tables said before, during and after."""

    table: str
    missing_table: str
    statements: list[str] = field(default_factory=list)  # COM_QUERY texts sent by the test itself
    connections: int = 0                                  # successful client logins
    refused_logins: int = 0
    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)
    commands_before: dict = field(default_factory=dict)
    commands_after: dict = field(default_factory=dict)
    pool_before: dict = field(default_factory=dict)
    pool_after: dict = field(default_factory=dict)
    during_trx_active: str | None = None
    held_open: int = 0
    users_held: list = field(default_factory=list)
    status_held: dict = field(default_factory=dict)
    processlist: list = field(default_factory=list)
    sleep_row: dict | None = None
    sleep_status: dict = field(default_factory=dict)
    stmt_status: dict = field(default_factory=dict)
    users_after: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    free_connections: list = field(default_factory=list)
    memory: list = field(default_factory=list)
    sent_at: float = 0.0
    unreadable: dict = field(default_factory=dict)        # table -> the error its SELECT got

    def readable(self, table: str):
        assert table not in self.unreadable, f"{table}: {self.unreadable[table]}"

    def delta(self, name: str) -> int:
        return num(self.after, name) - num(self.before, name)

    def command_delta(self, command: str, column: str = "Total_cnt") -> int:
        assert command in self.commands_after, \
            f"stats_mysql_commands_counters has no row for {command!r} (rows: {sorted(self.commands_after)})"
        return self.commands_after[command][column] - self.commands_before.get(command, {}).get(column, 0)


@pytest.fixture(scope="module")
def node(tmp_path_factory, lab):
    j = JunctionProcess(tmp_path_factory.mktemp("stats-tables"), ADMIN_PORT, PROXY_PORT)
    j.write_config(servers=[(10, PRIMARY), (20, REPLICA1), (20, REPLICA2)], users=[("app", "app", 10)])
    j.start()
    yield j
    rc = j.stop()
    assert rc == 0, f"junction exited with {rc}:\n{j.log()}"


@pytest.fixture(scope="module")
def traffic(node, test_db) -> Traffic:
    admin = node.admin()
    t = Traffic(table=uniq("stats"), missing_table=uniq("missing"))
    t.before, t.commands_before, t.pool_before = global_status(admin), commands(admin), pool(admin)

    def connect(**kw):
        c = proxy_login(PROXY_PORT, "app", "app", database=test_db, **kw)
        t.connections += 1
        return c

    def snapshot(table: str, where: str = "") -> list[dict]:
        sql = f"SELECT * FROM {table}{where}"
        try:
            return dict_rows(admin, sql)
        except pymysql.err.MySQLError as e:
            t.unreadable[table] = f"`{sql}` failed on the admin port: {e.args}"
            return []

    def run(cur, sql: str):
        t.statements.append(sql)
        cur.execute(sql)
        return cur.fetchall()

    held = [connect() for _ in range(3)]
    cur = held[0].cursor()
    # Writes and reads, autocommit.
    run(cur, f"CREATE TABLE {t.table} (id INT PRIMARY KEY, v VARCHAR(40))")
    for i in range(1, 4):
        run(cur, f"INSERT INTO {t.table} VALUES ({i}, 'row {i}')")
    for _ in range(5):
        assert run(cur, f"SELECT v FROM {t.table} WHERE id = 2") == (("row 2",),)
    # A transaction; Active_Transactions is read while it is open (ProxySQL refreshes it within ~2 s).
    run(cur, "BEGIN")
    run(cur, f"UPDATE {t.table} SET v = 'changed' WHERE id = 1")
    run(cur, f"INSERT INTO {t.table} VALUES (4, 'in a transaction')")
    try:
        wait_until(lambda: num(global_status(admin), "Active_Transactions") >= 1, timeout=3, interval=0.05)
    except AssertionError:
        pass
    t.during_trx_active = global_status(admin).get("Active_Transactions")
    run(cur, "COMMIT")
    # A query the primary refuses.
    with pytest.raises(pymysql.err.ProgrammingError) as refused:
        run(cur, f"SELECT * FROM {t.missing_table}")
    assert refused.value.args[0] == 1146, refused.value.args
    # A prepared statement over the binary protocol.
    mc = mysql.connector.connect(host=HOST, port=PROXY_PORT, user="app", password="app", database=test_db,
                                 use_pure=True, autocommit=True, connection_timeout=10)
    t.connections += 1
    ps = mc.cursor(prepared=True)
    ps.execute(f"SELECT v FROM {t.table} WHERE id = %s", (3,))
    assert [tuple(r) for r in ps.fetchall()] == [("row 3",)]
    t.stmt_status = global_status(admin)
    ps.close()  # COM_STMT_CLOSE
    mc.close()
    # A login with the wrong password.
    code, message = connect_error(PROXY_PORT, "app", "not-the-password")
    assert code == 1045, message
    t.refused_logins += 1

    # A long query, seen in the processlist while it runs; the three connections above are still open.
    sleeper = connect()
    sleep_sql = "SELECT SLEEP(2)"
    t.statements.append(sleep_sql)
    sleep_errors: list[BaseException] = []

    def sleep_query():
        try:
            with sleeper.cursor() as c:
                c.execute(sleep_sql)
                c.fetchall()
        except BaseException as e:  # noqa: BLE001 - reported below
            sleep_errors.append(e)

    # Four client connections are open now: the gauges count them.
    t.held_open = len(held) + 1

    def users_and_status_settled():
        t.users_held = snapshot("stats_mysql_users")
        t.status_held = global_status(admin)
        app = [u for u in t.users_held if u["username"] == "app"]
        return app and app[0]["frontend_connections"] == str(t.held_open) and \
            t.status_held.get("Client_Connections_connected") == str(t.held_open)

    try:
        wait_until(users_and_status_settled, timeout=1.5, interval=0.05)
    except AssertionError:
        pass

    th = threading.Thread(target=sleep_query, daemon=True)
    th.start()

    def sleep_listed():
        rows = snapshot("stats_mysql_processlist")
        t.processlist = rows
        return next((r for r in rows if (r.get("info") or "").upper() == sleep_sql), None)

    try:
        wait_until(sleep_listed, timeout=1.0, interval=0.05)
        # Read it again half a second into the query: by then it runs on its backend connection.
        time.sleep(0.5)
        t.sleep_row = sleep_listed()
    except AssertionError:
        t.sleep_row = None
    t.sleep_status = global_status(admin)

    th.join(timeout=10)
    assert not th.is_alive() and not sleep_errors, f"SELECT SLEEP(2) through Junction failed: {sleep_errors!r}"
    for c in held + [sleeper]:
        c.close()
    t.sent_at = time.time()

    # Cumulative counters: taken once the frontends are gone and the counters have caught up (Junction's are
    # current at once; ProxySQL folds its threads' counters in within a few seconds).
    def settled():
        t.after, t.commands_after = global_status(admin), commands(admin)
        users = snapshot("stats_mysql_users", " WHERE username = 'app'")
        select_before = t.commands_before.get("SELECT", {})
        select_after = t.commands_after.get("SELECT", {})
        return (t.after.get("Client_Connections_connected") == "0"
                and t.after.get("Active_Transactions") == "0"
                and all(u["frontend_connections"] == "0" for u in users)
                and select_after.get("Total_cnt", 0) >= select_before.get("Total_cnt", 0) + 8
                and select_after.get("Total_Time_us", 0) >= select_before.get("Total_Time_us", 0) + 1_900_000)

    try:
        wait_until(settled, timeout=5, interval=0.05)
    except AssertionError:
        pass
    t.pool_after = pool(admin)
    t.users_after = snapshot("stats_mysql_users")
    t.errors = snapshot("stats_mysql_errors")
    t.free_connections = snapshot("stats_mysql_free_connections")
    t.memory = snapshot("stats_memory_metrics")
    yield t
    c = direct_primary_conn(database=test_db)
    with c.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {t.table}")
    c.close()


# ---------------------------------------------------------------- the tables


@pytest.mark.parametrize("table", sorted(PROXYSQL_271_COLUMNS))
def test_columns_are_proxysqls(node, table):
    with node.admin() as admin:
        try:
            columns = admin.columns(f"SELECT * FROM {table}")
        except pymysql.err.MySQLError as e:
            pytest.fail(f"{table}: SELECT * failed on the admin port: {e.args}")
    assert columns == PROXYSQL_271_COLUMNS[table], \
        f"{table}: columns {columns}, expected ProxySQL 2.7.1's {PROXYSQL_271_COLUMNS[table]}"


def test_global_has_every_variable_proxysql_reports(traffic):
    missing = [n for n in PROXYSQL_271_GLOBAL_VARIABLES if n not in traffic.after]
    assert not missing, (f"stats_mysql_global lacks {len(missing)} of ProxySQL 2.7.1's "
                         f"{len(PROXYSQL_271_GLOBAL_VARIABLES)} variables: {missing}")
    wrong = {n: traffic.after[n] for n in PROXYSQL_271_GLOBAL_VARIABLES if n != "mysql_listener_paused"
             and not (traffic.after[n] or "").isdigit()}
    assert not wrong, f"stats_mysql_global: these should be non-negative integers, as on ProxySQL: {wrong}"
    assert traffic.after["mysql_listener_paused"] in ("true", "false"), \
        f"stats_mysql_global: mysql_listener_paused = {traffic.after['mysql_listener_paused']!r}, expected 'false'"


def test_global_gauges(traffic):
    s = traffic.after
    assert num(s, "ProxySQL_Uptime") >= 1, "stats_mysql_global: ProxySQL_Uptime should count seconds since start"
    assert num(s, "MySQL_Thread_Workers") == THREADS, \
        f"stats_mysql_global: MySQL_Thread_Workers = {s['MySQL_Thread_Workers']}, expected mysql-threads={THREADS}"
    assert num(s, "Servers_table_version") >= 1, "stats_mysql_global: Servers_table_version should be >= 1"
    assert traffic.during_trx_active is not None and int(traffic.during_trx_active) >= 1, \
        (f"stats_mysql_global: Active_Transactions = {traffic.during_trx_active!r} inside BEGIN ... COMMIT, "
         "expected >= 1")
    assert num(s, "Active_Transactions") == 0, \
        f"stats_mysql_global: Active_Transactions = {s['Active_Transactions']} after COMMIT, expected 0"
    held = traffic.status_held
    assert num(held, "Client_Connections_connected") == traffic.held_open, \
        (f"stats_mysql_global: Client_Connections_connected = {held['Client_Connections_connected']} with "
         f"{traffic.held_open} client connections open, expected {traffic.held_open}")
    assert num(traffic.sleep_status, "Client_Connections_non_idle") >= 1, \
        "stats_mysql_global: Client_Connections_non_idle should count the session running SELECT SLEEP(2)"
    assert num(s, "Client_Connections_connected") == 0, \
        (f"stats_mysql_global: Client_Connections_connected = {s['Client_Connections_connected']} after every "
         "client left, expected 0")
    assert num(s, "Server_Connections_connected") >= 1, \
        "stats_mysql_global: Server_Connections_connected should count the pooled backend connections"
    assert num(s, "Server_Connections_created") >= num(s, "Server_Connections_connected"), \
        (f"stats_mysql_global: Server_Connections_created ({s['Server_Connections_created']}) < "
         f"Server_Connections_connected ({s['Server_Connections_connected']}): created must count every connection")


def test_global_counters_move_with_the_traffic(traffic):
    t = traffic
    expected: dict[str, int] = {
        # every statement the test sent (drivers add their own: SET NAMES, SET autocommit)
        "Questions": len(t.statements),
        # successful logins + the refused one (ProxySQL counts an accepted-then-refused client too)
        "Client_Connections_created": t.connections + t.refused_logins,
        "Client_Connections_aborted": t.refused_logins,
        "Access_Denied_Wrong_Password": t.refused_logins,
        "Com_commit": 1,
        "Com_frontend_stmt_prepare": 1,
        "Com_frontend_stmt_execute": 1,
        "Com_frontend_stmt_close": 1,
        "Com_backend_stmt_prepare": 1,
        "Com_backend_stmt_execute": 1,
        "Slow_queries": 1,  # SELECT SLEEP(2) > mysql-long_query_time (1 s)
        "Queries_frontends_bytes_recv": sum(len(s) for s in t.statements),
        "Queries_frontends_bytes_sent": 1,
        "Queries_backends_bytes_sent": sum(len(s) for s in t.statements),
        "Queries_backends_bytes_recv": 1,
        "ConnPool_get_conn_success": 1,
        "MyHGM_myconnpoll_get": 1,
        "MyHGM_myconnpoll_push": 1,
    }
    missing = [name for name in expected if name not in t.before or name not in t.after]
    assert not missing, f"stats_mysql_global has no variables {missing}"
    short = {name: f"moved by {t.delta(name)}, expected at least {want}" for name, want in expected.items()
             if t.delta(name) < want}
    assert not short, f"stats_mysql_global counters that did not follow the traffic: {short}"
    assert num(t.stmt_status, "Stmt_Client_Active_Total") >= 1 and num(t.stmt_status, "Stmt_Cached") >= 1, \
        ("stats_mysql_global: Stmt_Client_Active_Total / Stmt_Cached should count the open prepared statement: "
         f"{ {k: v for k, v in t.stmt_status.items() if k.startswith('Stmt_')} }")


def test_processlist_shows_the_running_query(traffic):
    traffic.readable("stats_mysql_processlist")
    row = traffic.sleep_row
    assert row is not None, ("stats_mysql_processlist: no row with info 'SELECT SLEEP(2)' while it ran; rows: "
                             f"{traffic.processlist}")
    assert (row["user"], row["db"], row["command"]) == ("app", TEST_DB, "Query"), \
        f"stats_mysql_processlist: expected user app, db {TEST_DB}, command Query: {row}"
    assert row["hostgroup"] == "10" and row["srv_host"] == HOST and row["srv_port"] == str(PRIMARY), \
        f"stats_mysql_processlist: the query runs on hostgroup 10, {HOST}:{PRIMARY}: {row}"
    assert row["cli_host"] == HOST and (row["cli_port"] or "").isdigit(), \
        f"stats_mysql_processlist: cli_host/cli_port should be the client's address: {row}"
    assert (row["SessionID"] or "").isdigit() and (row["time_ms"] or "").isdigit(), \
        f"stats_mysql_processlist: SessionID and time_ms should be integers: {row}"
    idle = [r for r in traffic.processlist if r is not row]
    assert len(idle) >= traffic.held_open - 1 and all(r["command"] == "Sleep" for r in idle), \
        (f"stats_mysql_processlist: the {traffic.held_open - 1} other open client connections should be listed "
         f"with command Sleep: {idle}")


def test_users_count_frontend_connections(traffic):
    traffic.readable("stats_mysql_users")
    app = [u for u in traffic.users_held if u["username"] == "app"]
    assert app, f"stats_mysql_users: no row for user app: {traffic.users_held}"
    assert app[0]["frontend_connections"] == str(traffic.held_open), \
        (f"stats_mysql_users: app has frontend_connections={app[0]['frontend_connections']} while "
         f"{traffic.held_open} of its connections were open")
    assert int(app[0]["frontend_max_connections"]) > 0, f"stats_mysql_users: frontend_max_connections: {app[0]}"
    after = [u for u in traffic.users_after if u["username"] == "app"]
    assert after and after[0]["frontend_connections"] == "0", \
        f"stats_mysql_users: app should have 0 frontend connections once they are closed: {traffic.users_after}"


def test_errors_record_the_failed_query(traffic):
    traffic.readable("stats_mysql_errors")
    rows = [r for r in traffic.errors if r["errno"] == "1146"]
    assert rows, f"stats_mysql_errors: no row with errno 1146 after a SELECT on a missing table: {traffic.errors}"
    r = rows[0]
    expected = {"hostgroup": "10", "hostname": HOST, "port": str(PRIMARY), "username": "app",
                "client_address": HOST, "schemaname": TEST_DB}
    wrong = {k: (r[k], v) for k, v in expected.items() if r[k] != v}
    assert not wrong, f"stats_mysql_errors: (value, expected) for the 1146 row: {wrong}; row {r}"
    assert int(r["count_star"]) >= 1, f"stats_mysql_errors: count_star should be >= 1: {r}"
    assert traffic.missing_table in (r["last_error"] or ""), \
        f"stats_mysql_errors: last_error should be the server's message naming {traffic.missing_table}: {r}"
    first, last = int(r["first_seen"]), int(r["last_seen"])
    assert first <= last and abs(last - traffic.sent_at) < 120, \
        f"stats_mysql_errors: first_seen/last_seen should be Unix times of the error (now {int(traffic.sent_at)}): {r}"


def test_connection_pool_counts_the_primarys_queries(traffic):
    t = traffic
    for key in [(10, PRIMARY), (20, REPLICA1), (20, REPLICA2)]:
        assert key in t.pool_after, f"stats_mysql_connection_pool: no row for hostgroup/port {key}: {t.pool_after}"
        assert t.pool_after[key]["status"] == "ONLINE" and t.pool_after[key]["srv_host"] == HOST, \
            f"stats_mysql_connection_pool: {key} should be ONLINE on {HOST}: {t.pool_after[key]}"
    after, before = t.pool_after[(10, PRIMARY)], t.pool_before.get((10, PRIMARY), {})

    def moved(col):
        return int(after[col]) - int(before.get(col) or 0)

    assert moved("Queries") >= len(t.statements), \
        (f"stats_mysql_connection_pool: hostgroup 10 Queries moved by {moved('Queries')}, expected at least the "
         f"{len(t.statements)} statements sent: {after}")
    assert moved("Bytes_data_sent") >= sum(len(s) for s in t.statements) and moved("Bytes_data_recv") > 0, \
        f"stats_mysql_connection_pool: hostgroup 10 Bytes_data_sent/recv should move with the queries: {after}"
    assert int(after["ConnUsed"]) == 0 and int(after["ConnFree"]) >= 1, \
        f"stats_mysql_connection_pool: with every client gone, hostgroup 10's connections should be free: {after}"
    assert int(after["MaxConnUsed"]) >= 1 and int(after["ConnERR"]) == 0, \
        f"stats_mysql_connection_pool: hostgroup 10 MaxConnUsed >= 1, ConnERR 0 expected: {after}"
    assert int(after["ConnOK"]) + int(after["ConnFree"]) >= 1, f"stats_mysql_connection_pool: {after}"


def test_commands_counters_move_with_the_traffic(traffic):
    t = traffic
    # ProxySQL 2.7.1 counts the prepared SELECT with the text ones: 5 reads + the failing one + SLEEP + prepared.
    expected = {"SELECT": 8, "INSERT": 4, "UPDATE": 1, "CREATE_TABLE": 1, "BEGIN": 1, "COMMIT": 1}
    short = {c: f"Total_cnt moved by {t.command_delta(c)}, expected at least {n}" for c, n in expected.items()
             if t.command_delta(c) < n}
    assert not short, f"stats_mysql_commands_counters: {short}"
    for command, row in t.commands_after.items():
        assert sum(row[b] for b in LATENCY_BUCKETS) == row["Total_cnt"], \
            f"stats_mysql_commands_counters: {command}'s latency buckets do not add up to Total_cnt: {row}"
    assert t.command_delta("SELECT", "Total_Time_us") >= 1_900_000, \
        (f"stats_mysql_commands_counters: SELECT Total_Time_us moved by {t.command_delta('SELECT', 'Total_Time_us')}"
         " µs, expected the 2 s of SELECT SLEEP(2)")
    assert t.command_delta("SELECT", "cnt_5s") >= 1, \
        "stats_mysql_commands_counters: SELECT SLEEP(2) should land in the cnt_5s bucket (1 s < t <= 5 s)"


def test_free_connections_list_the_idle_backends(traffic):
    traffic.readable("stats_mysql_free_connections")
    rows = [r for r in traffic.free_connections if r["hostgroup"] == "10" and r["srv_port"] == str(PRIMARY)]
    assert rows, ("stats_mysql_free_connections: no idle connection to the primary (hostgroup 10) after the "
                  f"clients left: {traffic.free_connections}")
    for r in rows:
        assert r["srv_host"] == HOST and r["user"] == "app" and (r["fd"] or "").isdigit() \
            and (r["idle_ms"] or "").isdigit(), f"stats_mysql_free_connections: unexpected row {r}"
    assert any(r["schema"] == TEST_DB for r in rows), \
        f"stats_mysql_free_connections: a connection the traffic used should be on schema {TEST_DB}: {rows}"
    free = int(traffic.pool_after[(10, PRIMARY)]["ConnFree"])
    assert len(rows) == free, \
        (f"stats_mysql_free_connections lists {len(rows)} connections to the primary, "
         f"stats_mysql_connection_pool says ConnFree={free}")


def test_memory_metrics_are_reported(traffic):
    traffic.readable("stats_memory_metrics")
    rows = traffic.memory
    assert len(rows) > 0, ("stats_memory_metrics is empty; ProxySQL 2.7.1 reports SQLite3_memory_bytes, "
                           "Auth_memory, query_digest_memory, mysql_query_rules_memory, stack_memory_* ...")
    bad = [r for r in rows if not (r["Variable_Value"] or "").isdigit()]
    assert not bad, f"stats_memory_metrics: values should be byte counts (dolphie sorts them as numbers): {bad}"


def test_connection_pool_reset_returns_then_zeroes_the_counters(node, traffic):
    admin = node.admin()
    created_before = num(global_status(admin), "Server_Connections_created")
    columns = admin.columns("SELECT * FROM stats_mysql_connection_pool")
    with admin.conn.cursor() as cur:
        cur.execute("SELECT * FROM stats_mysql_connection_pool_reset")
        rows = cur.fetchall()
        reset_columns = [d[0] for d in cur.description]
    assert reset_columns == columns, \
        f"stats_mysql_connection_pool_reset: columns {reset_columns}, expected stats_mysql_connection_pool's {columns}"
    returned = {(int(r[0]), int(r[2])): dict(zip(reset_columns, r)) for r in rows}
    assert set(returned) == set(traffic.pool_after), \
        f"stats_mysql_connection_pool_reset: rows {sorted(returned)}, expected {sorted(traffic.pool_after)}"
    row = returned[(10, PRIMARY)]
    assert int(row["Queries"]) >= int(traffic.pool_after[(10, PRIMARY)]["Queries"]), \
        f"stats_mysql_connection_pool_reset should return the counters accumulated so far: {row}"
    now = pool(admin)
    for key, r in now.items():
        nonzero = {c: r[c] for c in ("ConnOK", "ConnERR", "Queries", "Bytes_data_sent", "Bytes_data_recv")
                   if r[c] != "0"}
        assert not nonzero, f"stats_mysql_connection_pool after reading the _reset table: {key} kept {nonzero}"
    assert now[(10, PRIMARY)]["ConnFree"] == row["ConnFree"], \
        "stats_mysql_connection_pool: ConnFree is a gauge and should survive the reset"
    created_after = num(global_status(admin), "Server_Connections_created")
    assert created_after >= created_before, \
        (f"stats_mysql_global: Server_Connections_created went from {created_before} to {created_after} when "
         "stats_mysql_connection_pool_reset was read; it is cumulative on ProxySQL 2.7.1 (the reset only zeroes "
         "the pool table)")
