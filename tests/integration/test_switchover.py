"""A planned switchover under load: sysbench's OLTP read/write workload runs through Junction (writer hostgroup 10 =
the primary, reader hostgroup 20 = both replicas, read/write split rules) while the writer moves from the primary to
replica 1 through the admin, and sysbench sees no error and no reconnect.

The switchover, as an operator does it with ProxySQL:
  1. replica 1 has applied everything (MASTER_GTID_WAIT), then `SET GLOBAL read_only = 0` on it;
  2. admin: the primary OFFLINE_SOFT in hostgroup 10 (transactions running there finish), replica 1 added to
     hostgroup 10, LOAD MYSQL SERVERS TO RUNTIME.
Then sysbench's sessions must leave the old primary within 3 s (no connection in use there, no more queries) and go on
with the new writer, sysbench must end with exit status 0, no reconnect and no error but InnoDB's lock conflicts, and a
new write through Junction must land on replica 1.

Keeping the lab healthy (later tests need the primary → replicas replication running):
  - sysbench's tables live in a schema of their own, dropped at the end on the primary (replicated to both replicas,
    which drops replica 1's diverged copy too) and, binlog off, on replica 1 once more in case replication did not;
  - replica 1 keeps replicating from the primary during the test. The writes it takes after the switch are logged in
    its own binlog (GTIDs of its server id in domain 0); it replicates in slave_pos mode, which ignores them, and the
    lab never makes it a primary. Transactions that were still running on the old primary replicate into replica 1
    after the switch and may touch rows sysbench changes there too: row events find rows by primary key and
    sysbench's DELETE + INSERT of an id happen in one transaction, so they apply (at worst after a lock wait or a
    retried deadlock);
  - at the end: read_only=1 on replica 1 again, and both replicas must have applied the primary's last transaction
    with both replication threads running (asserted). If replica 1's SQL thread stopped anyway, it is repaired
    (schema dropped locally, gtid_slave_pos moved to the primary's position, replication restarted) and the test fails.

A Junction of its own: admin 17832, clients 17833.
"""

from __future__ import annotations

import getpass
import re
import shutil
import subprocess
import threading
import time

import pymysql
import pymysql.cursors
import pytest

from admin_helpers import _client, _lab_env, own_junction, proxy_login
from conftest import DIRECT, HOST, LAB_PORT, wait_until

pytestmark = [pytest.mark.skipif(DIRECT, reason="about Junction's runtime server changes"), pytest.mark.proxy_only]

ADMIN_PORT = 17832
PROXY_PORT = 17833
PRIMARY, REPLICA1, REPLICA2 = LAB_PORT, LAB_PORT + 1, LAB_PORT + 2
SOCKET_NAME = {PRIMARY: "PRIMARY", REPLICA1: "REPLICA1", REPLICA2: "REPLICA2"}
WRITER, READER = 10, 20
SCHEMA = "junction_switchover"
RUN_SECONDS = 12
SWITCH_AT = 4.0
# InnoDB's own lock conflicts, which sysbench rolls back, retries and counts as "ignored errors" (see
# test_sysbench.py; --verbosity=5 logs each with its code); anything else is fatal for sysbench and fails its run.
LOCK_CONFLICTS = {1213, 1205, 1020}
REPORT = re.compile(r"^\[ (\d+)s \] thds: (\d+) tps: ([\d.]+) qps: ([\d.]+) .*err/s: ([\d.]+) reconn/s: ([\d.]+)")


@pytest.fixture
def junction(tmp_path, lab):
    """A Junction of this test's own; stopped (and required to stop cleanly) at the end."""
    yield from own_junction(tmp_path, ADMIN_PORT, PROXY_PORT)


# ---------------------------------------------------------------- the lab's servers


def root_sql(port: int, sql: str) -> str:
    """SQL as the lab's administrator on one server, over its unix socket (app may not change read_only)."""
    socket_path = _lab_env()[f"JUNCTION_LAB_{SOCKET_NAME[port]}_SOCKET"]
    r = subprocess.run([_client(), "--no-defaults", "--protocol=socket", f"--socket={socket_path}",
                        f"-u{getpass.getuser()}", "--batch", "--skip-column-names", "-e", sql],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, f"{sql!r} on {port}: {r.stderr}"
    return r.stdout.strip()


def direct(port: int, **kw) -> pymysql.connections.Connection:
    return pymysql.connect(host=HOST, port=port, user="app", password="app", autocommit=True, connect_timeout=10,
                           read_timeout=60, **kw)


def value(port: int, sql: str, args=None):
    c = direct(port)
    try:
        with c.cursor() as cur:
            cur.execute(sql, args)
            row = cur.fetchone()
            return None if row is None else row[0]
    finally:
        c.close()


def slave_status(port: int) -> dict:
    c = direct(port, cursorclass=pymysql.cursors.DictCursor)
    try:
        with c.cursor() as cur:
            cur.execute("SHOW SLAVE STATUS")
            return cur.fetchone() or {}
    finally:
        c.close()


def replicating(port: int) -> bool:
    s = slave_status(port)
    return s.get("Slave_IO_Running") == "Yes" and s.get("Slave_SQL_Running") == "Yes"


def caught_up(port: int, timeout: int = 30) -> bool:
    """Waits until the replica has applied everything the primary has logged so far."""
    pos = value(PRIMARY, "SELECT @@gtid_binlog_pos")
    return value(port, "SELECT MASTER_GTID_WAIT(%s, %s)", (pos, timeout)) == 0


def drop_schema_everywhere():
    """The schema dropped on the primary (replicated) and, binlog off, on replica 1 (its diverged copy)."""
    on = direct(PRIMARY)
    try:
        with on.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS {SCHEMA}")
    finally:
        on.close()
    root_sql(REPLICA1, f"SET SESSION sql_log_bin = 0; DROP DATABASE IF EXISTS {SCHEMA}")


def restore_lab() -> list[str]:
    """Puts the lab back as it was; returns what was wrong with it (empty when healthy)."""
    problems: list[str] = []

    def attempt(what, fn):
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - collected, reported by the test
            problems.append(f"{what}: {e!r}")

    attempt("read_only=1 on replica 1", lambda: root_sql(REPLICA1, "SET GLOBAL read_only = 1"))
    attempt("dropping the schema", drop_schema_everywhere)
    for port in (REPLICA1, REPLICA2):
        try:
            ok = replicating(port) and caught_up(port, 30)
        except Exception as e:  # noqa: BLE001
            ok = False
            problems.append(f"MASTER_GTID_WAIT on {port}: {e!r}")
        if ok and replicating(port):
            continue
        s = slave_status(port)
        problems.append(f"replication on {port} after the test: IO={s.get('Slave_IO_Running')} "
                        f"SQL={s.get('Slave_SQL_Running')} Last_SQL_Error={s.get('Last_SQL_Error')!r} "
                        f"Last_IO_Error={s.get('Last_IO_Error')!r}")
        if s.get("Slave_SQL_Running") != "Yes":
            # Repair: what the primary logged since is only this test's schema (now dropped): skip to its position.
            pos = value(PRIMARY, "SELECT @@gtid_binlog_pos")
            attempt(f"repairing replication on {port}", lambda: root_sql(
                port, f"STOP SLAVE; SET SESSION sql_log_bin = 0; DROP DATABASE IF EXISTS {SCHEMA}; "
                      f"SET GLOBAL gtid_slave_pos = '{pos}'; START SLAVE"))
            try:
                wait_until(lambda: replicating(port) and caught_up(port, 5), timeout=30, interval=0.5,
                           what=f"replication on {port} after the repair")
                problems.append(f"replication on {port} repaired")
            except AssertionError as e:
                problems.append(f"replication on {port} NOT repaired: {e}; {slave_status(port)}")
    attempt("schema gone on replica 1", lambda: root_sql(REPLICA1, f"SET SESSION sql_log_bin = 0; "
                                                                   f"DROP DATABASE IF EXISTS {SCHEMA}"))
    if root_sql(REPLICA1, "SELECT @@global.read_only") != "1":
        problems.append("replica 1 is not read_only")
    return problems


# ---------------------------------------------------------------- sysbench


def sysbench_cmd(port: int, *args: str) -> list[str]:
    exe = shutil.which("sysbench")
    assert exe, "sysbench is not installed"
    return [exe, "oltp_read_write", "--db-driver=mysql", f"--mysql-host={HOST}", f"--mysql-port={port}",
            "--mysql-user=app", "--mysql-password=app", f"--mysql-db={SCHEMA}", "--tables=2", "--table-size=10000",
            *args]


def stat(output: str, name: str) -> int:
    m = re.search(rf"^\s*{name}:\s+(\d+)", output, re.MULTILINE)
    assert m, f"no '{name}' in sysbench output:\n{output[-3000:]}"
    return int(m.group(1))


class Sysbench:
    """`sysbench ... run` in the background; its output lines are collected as they come."""

    def __init__(self, cmd: list[str]):
        self.lines: list[str] = []
        self.started = time.monotonic()
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     text=True, bufsize=1)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait(self, timeout: float) -> int:
        rc = self.proc.wait(timeout=timeout)
        self.reader.join(timeout=10)
        return rc

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    @property
    def output(self) -> str:
        return "\n".join(self.lines)


def pool_rows(a) -> list[tuple]:
    return a.rows("SELECT hostgroup, srv_port, status, ConnUsed, ConnFree, ConnOK, ConnERR, Queries "
                  "FROM stats_mysql_connection_pool ORDER BY hostgroup, srv_port")


# ---------------------------------------------------------------- the test


@pytest.mark.timeout(240)
def test_planned_switchover_under_sysbench_loses_nothing(junction):
    for port in (REPLICA1, REPLICA2):
        assert replicating(port), f"replication on {port} is not running before the test: {slave_status(port)}"
    assert root_sql(REPLICA1, "SELECT @@global.read_only") == "1"

    bench: Sysbench | None = None
    problems: list[str] = []
    try:
        drop_schema_everywhere()  # leftovers of an interrupted run
        on = direct(PRIMARY)
        with on.cursor() as cur:
            cur.execute(f"CREATE DATABASE {SCHEMA}")
            cur.execute(f"CREATE TABLE {SCHEMA}.marker (id INT PRIMARY KEY, note VARCHAR(64) NOT NULL)")
        on.close()
        r = subprocess.run(sysbench_cmd(PRIMARY, "--threads=2", "prepare"), capture_output=True, text=True,
                           timeout=120, stdin=subprocess.DEVNULL)
        assert r.returncode == 0, f"sysbench prepare failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
        for port in (REPLICA1, REPLICA2):
            assert caught_up(port, 60), f"replica {port} did not apply the prepared tables"

        junction.write_config(servers=[(WRITER, PRIMARY), (READER, REPLICA1), (READER, REPLICA2)],
                              users=[("app", "app", WRITER)])
        junction.start()
        a = junction.admin()
        a.run("INSERT INTO mysql_query_rules (rule_id, active, match_pattern, destination_hostgroup, apply) "
              f"VALUES (1, 1, '^SELECT.*FOR UPDATE', {WRITER}, 1)")
        a.run("INSERT INTO mysql_query_rules (rule_id, active, match_pattern, destination_hostgroup, apply) "
              f"VALUES (2, 1, '^SELECT', {READER}, 1)")
        a.run("LOAD MYSQL QUERY RULES TO RUNTIME")
        assert a.variable("mysql-monitor_enabled", "runtime") == "false"

        bench = Sysbench(sysbench_cmd(PROXY_PORT, "--threads=4", f"--time={RUN_SECONDS}", "--report-interval=1",
                                      "--verbosity=5", "run"))
        time.sleep(max(0.0, bench.started + SWITCH_AT - time.monotonic()))
        assert bench.proc.poll() is None, f"sysbench ended before the switchover:\n{bench.output[-3000:]}"

        # 1. Replica 1 has everything the primary has so far; it becomes writable.
        switch_started = time.monotonic() - bench.started
        assert caught_up(REPLICA1, 10), "replica 1 did not catch up with the primary"
        root_sql(REPLICA1, "SET GLOBAL read_only = 0")
        # 2. The admin moves the writer.
        a.run(f"UPDATE mysql_servers SET status = 'OFFLINE_SOFT' WHERE hostgroup_id = {WRITER} AND port = {PRIMARY}")
        a.run(f"INSERT INTO mysql_servers (hostgroup_id, hostname, port) VALUES ({WRITER}, '{HOST}', {REPLICA1})")
        a.run("LOAD MYSQL SERVERS TO RUNTIME")
        switch_done = time.monotonic() - bench.started
        print(f"switchover from {switch_started:.2f}s to {switch_done:.2f}s after sysbench started")
        assert set(a.rows(f"SELECT port, status FROM runtime_mysql_servers WHERE hostgroup_id = {WRITER}")) == \
            {(str(PRIMARY), "OFFLINE_SOFT"), (str(REPLICA1), "ONLINE")}

        # The transactions running on the old primary finish and its sessions move to the new writer: soon no
        # session holds a connection to the old primary, and it gets no more queries. (Checked after sysbench's
        # own result, so that the log shows both.)
        def old_primary() -> tuple[int, int]:
            row = a.rows("SELECT ConnUsed, Queries FROM stats_mysql_connection_pool "
                         f"WHERE hostgroup = {WRITER} AND srv_port = {PRIMARY}")
            return (int(row[0][0]), int(row[0][1])) if row else (0, 0)
        try:
            wait_until(lambda: old_primary()[0] == 0, timeout=3, interval=0.05,
                       what="no session on the old primary")
            left_old_primary = True
        except AssertionError:
            left_old_primary = False
        used_then, queries_then = old_primary()
        left_at = time.monotonic() - bench.started
        print(f"{left_at:.2f}s: sessions on the old primary {used_then}, its queries so far {queries_then}")

        rc = bench.wait(timeout=RUN_SECONDS + 90)
        out = bench.output
        reports = [m for m in (REPORT.match(line) for line in bench.lines) if m]
        print("\n".join(line for line in bench.lines if REPORT.match(line)))
        pool = pool_rows(a)
        print("stats_mysql_connection_pool (hostgroup, port, status, used, free, ok, err, queries):")
        for row in pool:
            print("  ", row)

        assert rc == 0, f"sysbench failed ({rc}):\n{out[-5000:]}"
        assert "FATAL" not in out, out[-5000:]
        transactions, ignored = stat(out, "transactions"), stat(out, "ignored errors")
        reconnects = stat(out, "reconnects")
        logged = sorted({int(code) for code in re.findall(r"Ignoring error (\d+)", out)})
        print(f"sysbench: {transactions} transactions, {ignored} ignored errors {logged}, {reconnects} reconnects")
        assert reconnects == 0, out[-3000:]
        assert set(logged) <= LOCK_CONFLICTS, f"sysbench ignored errors other than InnoDB lock conflicts: {logged}"
        assert ignored <= max(3, transactions // 1000), \
            f"{ignored} ignored errors in {transactions} transactions:\n{out[-3000:]}"

        after = [(int(m.group(1)), float(m.group(3))) for m in reports if int(m.group(1)) > switch_done + 1]
        assert len(after) >= 3, f"too few report lines after the switch at {switch_done:.1f}s:\n{out[-3000:]}"
        stalled = [(sec, tps) for sec, tps in after if tps <= 0]
        assert not stalled, f"no transactions in these seconds after the switch: {stalled}"
        writer_queries = {int(port): int(q) for hg, port, _, _, _, _, _, q in pool if int(hg) == WRITER}
        assert left_old_primary, \
            f"{used_then} sessions still used the OFFLINE_SOFT old primary {left_at - switch_done:.1f}s after the " \
            f"switch (it ran {writer_queries.get(PRIMARY)} queries in all, the new writer " \
            f"{writer_queries.get(REPLICA1)})"
        assert writer_queries.get(PRIMARY, 0) == queries_then, \
            f"the old primary ran {writer_queries.get(PRIMARY, 0) - queries_then} more queries after its sessions left"
        assert writer_queries.get(REPLICA1, 0) > 0, f"no query ran on the new writer: {pool}"

        # New writes land on replica 1, not on the old primary.
        c = proxy_login(PROXY_PORT, "app", "app", database=SCHEMA)
        try:
            with c.cursor() as cur:
                cur.execute("INSERT INTO marker VALUES (1, 'after the switchover')")
                cur.execute("SELECT @@server_id FOR UPDATE")
                assert cur.fetchone()[0] == 2, "the writer hostgroup does not answer from replica 1"
        finally:
            c.close()
        assert value(REPLICA1, f"SELECT note FROM {SCHEMA}.marker WHERE id = 1") == "after the switchover"
        assert value(PRIMARY, f"SELECT COUNT(*) FROM {SCHEMA}.marker") == 0
    finally:
        if bench is not None:
            bench.kill()
        problems = restore_lab()
        print(f"lab after the test: {problems or 'healthy'}")
    assert problems == [], f"the lab was not healthy after the switchover: {problems}"
