"""The monitor (monitor.md §2): connect/ping/read_only checks with the monitor user fill the monitor logs,
and servers are placed in the writer or reader hostgroup of mysql_replication_hostgroups by read_only,
following a topology change. A dedicated Junction (admin 17532, clients 17533) with short check intervals.
"""

from __future__ import annotations

import getpass
import subprocess
import time

import pytest

from admin_helpers import _client, _lab_env, own_junction, proxy_login
from conftest import DIRECT, HOST, LAB_PORT, wait_until

pytestmark = [pytest.mark.skipif(DIRECT, reason="about Junction's monitor"), pytest.mark.proxy_only]

ADMIN_PORT = 17532
PROXY_PORT = 17533
PRIMARY, REPLICA1, REPLICA2 = LAB_PORT, LAB_PORT + 1, LAB_PORT + 2
FAST_CHECKS = ("monitor_enabled=true monitor_read_only_interval=200 monitor_read_only_timeout=500 "
               "monitor_ping_interval=300 monitor_connect_interval=300 monitor_writer_is_also_reader=false")


def server_sql(which: str, sql: str) -> str:
    """SQL as the lab's administrator on one server (PRIMARY, REPLICA1, REPLICA2), over its unix socket."""
    socket_path = _lab_env()[f"JUNCTION_LAB_{which}_SOCKET"]
    r = subprocess.run([_client(), "--no-defaults", "--protocol=socket", f"--socket={socket_path}",
                        f"-u{getpass.getuser()}", "--batch", "--skip-column-names", "-e", sql],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout


@pytest.fixture
def junction(tmp_path, lab):
    """A Junction of this test's own; stopped (and required to stop cleanly) at the end."""
    yield from own_junction(tmp_path, ADMIN_PORT, PROXY_PORT)


def start(junction, servers, extra=""):
    junction.write_config(
        servers=servers,
        users=[("app", "app", 10)],
        mysql_variables=FAST_CHECKS + " " + extra,
        sections='mysql_replication_hostgroups = ( { writer_hostgroup=10, reader_hostgroup=20, comment="lab" } )\n')
    junction.start()
    return junction.admin()


def placement(a) -> set[tuple[int, int]]:
    return {(int(hg), int(port)) for hg, port in a.rows("SELECT hostgroup_id, port FROM runtime_mysql_servers")}


def test_monitor_logs_fill_with_successful_checks(junction):
    a = start(junction, [(10, PRIMARY), (20, REPLICA1), (20, REPLICA2)])

    def logged():
        return all(a.value(f"SELECT count(*) FROM monitor.{t} WHERE port = {PRIMARY}") != "0"
                   for t in ("mysql_server_connect_log", "mysql_server_ping_log", "mysql_server_read_only_log"))
    wait_until(logged, timeout=10, what="rows in every monitor log")
    for table, error in (("mysql_server_connect_log", "connect_error"), ("mysql_server_ping_log", "ping_error")):
        rows = a.rows(f"SELECT port, {error} FROM monitor.{table} ORDER BY time_start_us DESC LIMIT 6")
        assert rows and all(err is None for _, err in rows), rows
    read_only = dict(a.rows("SELECT port, read_only FROM monitor.mysql_server_read_only_log "
                            "WHERE error IS NULL ORDER BY time_start_us"))
    assert read_only == {str(PRIMARY): "0", str(REPLICA1): "1", str(REPLICA2): "1"}


def test_checks_that_coincide_on_a_server_do_not_fail_each_other(junction):
    """Ping, read_only and replication lag checks of one server often run at the same moment (every 100 ms here); each
    must get a connection of its own, not fail as "connection closed" on one another's."""
    a = start(junction, [(10, PRIMARY), (20, REPLICA1, "max_replication_lag=60")], "monitor_replication_lag_interval=100")
    for name in ("read_only", "ping"):
        a.run(f"SET mysql-monitor_{name}_interval=100")
    a.run("LOAD MYSQL VARIABLES TO RUNTIME")
    time.sleep(4)
    errors = a.rows("""SELECT 'ping', port, ping_error FROM monitor.mysql_server_ping_log WHERE ping_error IS NOT NULL
        UNION ALL SELECT 'read_only', port, error FROM monitor.mysql_server_read_only_log WHERE error IS NOT NULL
        UNION ALL SELECT 'lag', port, error FROM monitor.mysql_server_replication_lag_log WHERE error IS NOT NULL""")
    assert errors == []
    checks = int(a.value(f"SELECT count(*) FROM monitor.mysql_server_ping_log WHERE port = {REPLICA1}"))
    assert checks >= 20 and int(a.value(f"SELECT count(*) FROM monitor.mysql_server_read_only_log WHERE port = {REPLICA1}")) >= 20


def test_servers_are_placed_by_read_only(junction):
    # Everything configured as a reader: the monitor finds the writable one and makes it the writer.
    a = start(junction, [(20, PRIMARY), (20, REPLICA1), (20, REPLICA2)])
    wait_until(lambda: (10, PRIMARY) in placement(a), timeout=10, what="the primary in the writer hostgroup")
    assert placement(a) == {(10, PRIMARY), (20, REPLICA1), (20, REPLICA2)}
    # MEMORY keeps what the user wrote.
    assert {(int(h), int(p)) for h, p in a.rows("SELECT hostgroup_id, port FROM mysql_servers")} == \
        {(20, PRIMARY), (20, REPLICA1), (20, REPLICA2)}
    # Writes through the proxy (default hostgroup 10) reach the primary.
    from admin_helpers import proxy_login
    c = proxy_login(PROXY_PORT, "app", "app")
    with c.cursor() as cur:
        cur.execute("SELECT @@server_id")
        assert cur.fetchone()[0] == 1
    c.close()


def test_the_writer_follows_a_promotion(junction):
    a = start(junction, [(10, PRIMARY), (20, REPLICA1), (20, REPLICA2)])
    wait_until(lambda: placement(a) == {(10, PRIMARY), (20, REPLICA1), (20, REPLICA2)}, timeout=10, what="steady state")
    server_sql("PRIMARY", "CREATE TABLE IF NOT EXISTS sbtest.promotion (id INT AUTO_INCREMENT PRIMARY KEY, "
                          "written_on INT NOT NULL)")
    server_sql("PRIMARY", "TRUNCATE TABLE sbtest.promotion")
    c = proxy_login(PROXY_PORT, "app", "app")
    try:
        with c.cursor() as cur:
            cur.execute("INSERT INTO sbtest.promotion (written_on) VALUES (@@server_id)")
        wait_until(lambda: server_sql("REPLICA1", "SELECT COUNT(*) FROM sbtest.promotion").strip() == "1",
                   timeout=10, what="the first row replicated to replica 1")
        # Promote replica 1, demote the primary (replication itself is left running).
        server_sql("PRIMARY", "SET GLOBAL read_only = 1")
        server_sql("REPLICA1", "SET GLOBAL read_only = 0")
        wait_until(lambda: placement(a) == {(10, REPLICA1), (20, PRIMARY), (20, REPLICA2)}, timeout=10,
                   what="replica 1 as the writer")
        assert "monitor" in junction.log().lower()
        # Writes move to the new primary, on the same client connection, and nothing written before is lost.
        with c.cursor() as cur:
            cur.execute("INSERT INTO sbtest.promotion (written_on) VALUES (@@server_id)")
        rows = server_sql("REPLICA1", "SELECT written_on FROM sbtest.promotion ORDER BY id").split()
        assert rows == ["1", "2"], rows
    finally:
        c.close()
        server_sql("REPLICA1", "SET GLOBAL read_only = 1")
        server_sql("PRIMARY", "SET GLOBAL read_only = 0")
        # The row written on replica 1 stays there only (its binlog is not replicated back): remove it there.
        server_sql("REPLICA1", "SET SESSION sql_log_bin = 0; DELETE FROM sbtest.promotion WHERE written_on = 2")
        server_sql("PRIMARY", "DROP TABLE IF EXISTS sbtest.promotion")
    wait_until(lambda: placement(a) == {(10, PRIMARY), (20, REPLICA1), (20, REPLICA2)}, timeout=10, what="back")


def test_an_unreachable_writer_is_assumed_read_only(junction):
    dead = 1  # nothing listens on port 1
    a = start(junction, [(10, PRIMARY), (10, dead), (20, REPLICA1)], extra="monitor_read_only_max_timeout_count=2")
    wait_until(lambda: (10, dead) not in placement(a), timeout=10, what="the unreachable server out of the writers")
    assert (20, dead) in placement(a) and (10, PRIMARY) in placement(a)
    errors = a.rows(f"SELECT ping_error FROM monitor.mysql_server_ping_log WHERE port = {dead}")
    assert errors and all(e is not None for (e,) in errors)


def test_monitor_can_be_turned_off_at_runtime(junction):
    a = start(junction, [(10, PRIMARY), (20, REPLICA1)])
    wait_until(lambda: a.value("SELECT count(*) FROM monitor.mysql_server_ping_log") != "0", timeout=10, what="pings")
    a.run("SET mysql-monitor_enabled = 'false'")
    a.run("LOAD MYSQL VARIABLES TO RUNTIME")
    import time
    time.sleep(0.6)  # let a check already in flight finish
    before = a.value("SELECT count(*) FROM monitor.mysql_server_ping_log")
    time.sleep(1.0)
    assert a.value("SELECT count(*) FROM monitor.mysql_server_ping_log") == before


def test_a_server_that_stops_answering_pings_is_shunned_then_comes_back(junction):
    a = start(junction, [(10, PRIMARY), (20, REPLICA1), (20, REPLICA2)], extra="monitor_ping_max_failures=2")

    def status(port):
        return {s for (s,) in a.rows(f"SELECT status FROM runtime_mysql_servers WHERE port = {port}")}
    wait_until(lambda: a.value("SELECT count(*) FROM monitor.mysql_server_ping_log WHERE ping_error IS NULL") != "0",
               timeout=10, what="pings")
    lab = str(__import__("conftest").LAB_SH)
    subprocess.run(["bash", lab, "kill-server", "2"], check=True, capture_output=True, timeout=60)
    try:
        wait_until(lambda: status(REPLICA2) == {"SHUNNED"}, timeout=15, what="replica 2 shunned")
        # Reads keep working on the other replica meanwhile.
        from admin_helpers import proxy_login
        c = proxy_login(PROXY_PORT, "app", "app")
        with c.cursor() as cur:
            for _ in range(5):
                cur.execute("SELECT /* hostgroup=20 */ @@server_id")
                assert cur.fetchone()[0] == 2
        c.close()
    finally:
        subprocess.run(["bash", lab, "restart-server", "2"], check=True, capture_output=True, timeout=120)
    wait_until(lambda: status(REPLICA2) == {"ONLINE"}, timeout=20, what="replica 2 back online")
    latency = a.value(f"SELECT Latency_us FROM stats_mysql_connection_pool WHERE srv_port = {PRIMARY} AND hostgroup = 10")
    assert int(latency) > 0


def test_a_lagging_replica_is_shunned_until_it_catches_up(junction):
    a = start(junction, [(10, PRIMARY), (20, REPLICA1, "max_replication_lag=2"), (20, REPLICA2, "max_replication_lag=2")],
              extra="monitor_replication_lag_interval=300 monitor_slave_lag_when_null=60")

    def status(port):
        return a.value(f"SELECT status FROM runtime_mysql_servers WHERE hostgroup_id = 20 AND port = {port}")
    def latest_lag(port):
        rows = a.rows(f"SELECT repl_lag FROM monitor.mysql_server_replication_lag_log WHERE port = {port} "
                       "AND error IS NULL ORDER BY time_start_us DESC LIMIT 1")
        return int(rows[0][0]) if rows else None

    # Both replicas checked, in time and ONLINE before the fault (a replica restarted by an earlier test
    # can report a passing lag spike while it reconnects; that is not what this test is about).
    wait_until(lambda: all(latest_lag(p) is not None and latest_lag(p) <= 2 and status(p) == "ONLINE"
                           for p in (REPLICA1, REPLICA2)),
               timeout=15, what="both replicas checked and ONLINE")
    server_sql("REPLICA1", "STOP SLAVE SQL_THREAD")
    try:
        wait_until(lambda: status(REPLICA1) == "SHUNNED", timeout=10, what="replica 1 shunned for lag")
        # Replica 2 keeps serving. A single check of it can still catch a real spike of its own (it was
        # restarted by an earlier test), which shuns it until the next check; the samples say if so.
        def replica2_checks():
            lags = a.rows(f"SELECT repl_lag, error FROM monitor.mysql_server_replication_lag_log WHERE port = {REPLICA2} "
                          "ORDER BY time_start_us DESC LIMIT 10")
            pings = a.rows(f"SELECT ping_success_time_us, ping_error FROM monitor.mysql_server_ping_log "
                           f"WHERE port = {REPLICA2} ORDER BY time_start_us DESC LIMIT 5")
            return f"latest lag checks, newest first: {lags}; latest pings: {pings}"
        wait_until(lambda: status(REPLICA2) == "ONLINE", timeout=3,
                   what=lambda: f"replica 2 ONLINE ({replica2_checks()})")
        # A check that failed (a timeout on a loaded machine) logs its error and no lag; the latest check
        # that got an answer is the one that counts.
        assert latest_lag(REPLICA1) == 60, (
            "stopped replication counts as mysql-monitor_slave_lag_when_null; latest checks: "
            + str(a.rows(f"SELECT repl_lag, error FROM monitor.mysql_server_replication_lag_log "
                         f"WHERE port = {REPLICA1} ORDER BY time_start_us DESC LIMIT 5")))
    finally:
        server_sql("REPLICA1", "START SLAVE SQL_THREAD")
    wait_until(lambda: status(REPLICA1) == "ONLINE", timeout=15, what="replica 1 back after catching up")


@pytest.mark.parametrize("protocol", ["text", "prepared"])
def test_reads_survive_a_replica_crash(junction, protocol):
    """kill -9 of a replica's mariadbd while a client reads in a loop: the reads that were running on it
    run again on the other replica (its server is gone), so the client sees no error at all — with text
    queries and with prepared statements (which are prepared again on the other server)."""
    import threading
    from admin_helpers import proxy_login

    a = start(junction, [(10, PRIMARY), (20, REPLICA1), (20, REPLICA2)], extra="monitor_ping_max_failures=2")
    a.run("INSERT INTO mysql_query_rules (rule_id, active, match_pattern, destination_hostgroup, apply) "
          "VALUES (1, 1, '^select', 20, 1)")
    a.run("LOAD MYSQL QUERY RULES TO RUNTIME")
    errors: list[str] = []
    answered: list[int] = []
    stop = threading.Event()

    def connect():
        if protocol == "text":
            return proxy_login(PROXY_PORT, "app", "app"), {}
        import mysql.connector
        return mysql.connector.connect(host="127.0.0.1", port=PROXY_PORT, user="app", password="app"), {"prepared": True}

    def reader():
        c, cursor_options = connect()
        while not stop.is_set():
            try:
                cur = c.cursor(**cursor_options)
                cur.execute("select @@server_id, sleep(?)" if protocol == "prepared" else "select @@server_id, sleep(0.02)",
                            (0.02,) if protocol == "prepared" else None)
                answered.append(int(cur.fetchone()[0]))
                cur.close()
            except Exception as e:  # noqa: BLE001 - counted
                errors.append(repr(e))
        c.close()

    threads = [threading.Thread(target=reader, daemon=True) for _ in range(4)]
    for t in threads:
        t.start()
    lab = str(__import__("conftest").LAB_SH)
    try:
        wait_until(lambda: 3 in answered, timeout=10, what="reads on replica 2")
        subprocess.run(["bash", lab, "kill-server", "2"], check=True, capture_output=True, timeout=60)
        killed_at = len(answered)
        wait_until(lambda: len(answered) > killed_at + 100, timeout=30,
                   what=lambda: f"reads after the crash ({len(answered) - killed_at} answered, errors {errors[:3]})")
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
        subprocess.run(["bash", lab, "restart-server", "2"], check=True, capture_output=True, timeout=120)
    assert errors == [], f"{len(errors)} reads failed: {errors[:3]}"
    assert set(answered[killed_at + 20:]) == {2}, "after the crash, reads go to replica 1 only"


def test_a_server_added_or_new_credentials_get_a_connect_check_within_seconds(junction):
    """The tutorial adds servers and sets the monitor credentials, then looks at the connect log: that must not wait
    for mysql-monitor_connect_interval (here 10 minutes)."""
    junction.write_config(servers=[(10, PRIMARY)], users=[("app", "app", 10)],
                          mysql_variables="monitor_enabled=true monitor_connect_interval=600000")
    junction.start()
    a = junction.admin()

    def connect_rows(port: int, errors: bool = False):
        where = "connect_error IS NOT NULL" if errors else "connect_error IS NULL"
        return int(a.value(f"SELECT count(*) FROM monitor.mysql_server_connect_log WHERE port = {port} AND {where}"))

    wait_until(lambda: connect_rows(PRIMARY) > 0, timeout=5, what="the first connect check")
    a.run(f"INSERT INTO mysql_servers (hostgroup_id, hostname, port) VALUES (20, '{HOST}', {REPLICA1})")
    a.run("LOAD MYSQL SERVERS TO RUNTIME")
    wait_until(lambda: connect_rows(REPLICA1) > 0, timeout=5, what="the added server's connect check")
    a.run("SET mysql-monitor_password='wrong'")
    a.run("LOAD MYSQL VARIABLES TO RUNTIME")
    wait_until(lambda: connect_rows(PRIMARY, errors=True) > 0 and connect_rows(REPLICA1, errors=True) > 0, timeout=5,
               what="connect checks with the new credentials")
    assert "Access denied" in a.value("SELECT connect_error FROM monitor.mysql_server_connect_log "
                                      "WHERE connect_error IS NOT NULL ORDER BY time_start_us DESC LIMIT 1")
