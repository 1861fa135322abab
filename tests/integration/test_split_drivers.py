"""The read/write split must be invisible to drivers.

Junction in front of the whole lab — writer hostgroup 10 = the primary (server_id 1), reader hostgroup 20 = both
replicas (server_ids 2 and 3) — with the README's split rules for user `app`:
  (1, '^SELECT.*FOR UPDATE$' → 10), (2, '^select' → 20), (3, '^insert' → 10), all apply=1, caseless (the default).
A second Junction user, `junction_plain` (default hostgroup 10), has no rule at all (the rules name `app`).

Every case runs through every driver left at its defaults (driver_adapters.py): PyMySQL with autocommit=False (its
default) and autocommit=True, mysql-connector-python with plain and with prepared cursors, MariaDB Connector/Python,
and SQLAlchemy's ORM Session over PyMySQL. What each must see is what a direct connection to one MySQL server gives,
with reads answered by the replicas:
  1. a read then a write in one transaction under autocommit=0 commits (or rolls back) on the primary;
  2. after a transaction ends, plain reads go to the replicas again, to both; and `SELECT @@autocommit` answers
     what the driver set (mysql-connector's `conn.autocommit` asks it);
  3. `SELECT ROW_COUNT()` and `SELECT LAST_INSERT_ID()` answer about the statement before them;
  4. `KILL [QUERY] <id>` with the id of Junction's handshake acts on that client connection (1095 for another user's,
     1094 for an unknown one);
  5. with the primary down, new connections read from the replicas without an error and a write fails fast;
  6. the tutorial's `mariadb -e "select @@server_id"` with mysql_replication_hostgroups and the monitor on is answered
     by the replicas only.

What the drivers send on their own when they connect (seen in the primary's general log, direct):
  - PyMySQL: SET NAMES utf8mb4, then SET AUTOCOMMIT = 0 (at its default) — one statement each;
  - mysql-connector-python: SET NAMES 'utf8mb4' COLLATE 'utf8mb4_general_ci', SET @@session.autocommit = OFF;
    its prepared cursor then sends COM_STMT_PREPARE / COM_STMT_RESET / COM_STMT_EXECUTE / COM_STMT_CLOSE per statement;
  - MariaDB Connector/Python: SET AUTOCOMMIT=0 only (the charset is in the handshake); parameters are
    substituted on the client, in the text protocol;
  - SQLAlchemy (pymysql dialect): PyMySQL's two statements, then on the engine's first connection SET NAMES utf8mb4,
    SELECT VERSION(), SELECT DATABASE(), SELECT @@tx_isolation, SELECT @@sql_mode, SELECT @@lower_case_table_names
    and ROLLBACK — reads that the split rules send to a replica, under autocommit=0 — and a ROLLBACK each time the
    pool takes a connection back.

One Junction for the module (admin 17932, clients 17933), the monitor on (monitor/monitor) and
mysql-connect_timeout_server_max=1500 so that a write with the primary down fails within seconds.
"""

from __future__ import annotations

import collections
import itertools
import random
import subprocess
import threading
import time
import uuid

import pymysql
import pytest

from admin_helpers import Admin, JunctionProcess, cli, lab_sql, proxy_login
from conftest import DIRECT, LAB_SH, wait_until
from driver_adapters import (DRIVER_ERRORS, DRIVERS, PYMYSQL_AUTOCOMMIT, Hung, close_quietly, describe, error_code,
                             is_connection_error, timed, within)
from split_lab import (PRIMARY, PRIMARY_ID, READER, REPLICA1, REPLICA2, REPLICA_IDS, SCHEMA, WRITER, LabTables,
                       count_rows, direct, direct_value, one, q, sqlquote, wait_replicated)

pytestmark = [pytest.mark.skipif(DIRECT, reason="about Junction's read/write split"), pytest.mark.proxy_only]

ADMIN_PORT = 17932
PROXY_PORT = 17933
PLAIN_USER = "junction_plain"
PLAIN_PASSWORD = "junction-plain-pw"
SPLIT_RULES = [(1, "^SELECT.*FOR UPDATE$", WRITER), (2, "^select", READER), (3, "^insert", WRITER)]
CONNECT_TIMEOUT_SERVER_MAX_MS = 1500
MYSQL_VARIABLES = ("monitor_enabled=true monitor_ping_interval=500 monitor_connect_interval=1000 "
                   "monitor_read_only_interval=300 monitor_read_only_timeout=500 monitor_ping_max_failures=2 "
                   f"connect_timeout_server_max={CONNECT_TIMEOUT_SERVER_MAX_MS}")
LAB_PORTS = (PRIMARY, REPLICA1, REPLICA2)
SERVER_OF_PORT = {PRIMARY: "the primary", REPLICA1: "replica 1", REPLICA2: "replica 2"}
STEP_BOUND = 10.0      # seconds any one client call may take before it counts as hung
ROUNDS = 3             # read-then-write rounds of case 1
READS = 100            # reads after a transaction in case 2
UNKNOWN_ID = 987_654_321

USERS = {"app": ("app", "app (the split rules)"),
         "plain": (PLAIN_PASSWORD, f"{PLAIN_USER} (no query rules, default hostgroup 10)")}


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def plain_user(lab):
    """A MariaDB account that may do anything in sbtest (not KILL others' threads); a Junction user too."""
    for host in ("%", "127.0.0.1"):
        lab_sql(f"CREATE USER IF NOT EXISTS '{PLAIN_USER}'@'{host}' IDENTIFIED BY '{PLAIN_PASSWORD}'; "
                f"GRANT ALL ON {SCHEMA}.* TO '{PLAIN_USER}'@'{host}'")
    yield PLAIN_USER
    lab_sql(f"DROP USER IF EXISTS '{PLAIN_USER}'@'%'; DROP USER IF EXISTS '{PLAIN_USER}'@'127.0.0.1'")


@pytest.fixture(scope="module")
def junction(tmp_path_factory, lab, plain_user):
    j = JunctionProcess(tmp_path_factory.mktemp("split-drivers"), ADMIN_PORT, PROXY_PORT)
    j.write_config(servers=[(WRITER, PRIMARY), (READER, REPLICA1), (READER, REPLICA2)],
                   users=[("app", "app", WRITER), (PLAIN_USER, PLAIN_PASSWORD, WRITER)],
                   mysql_variables=MYSQL_VARIABLES)
    j.start()
    try:
        with Admin(ADMIN_PORT) as a:
            for rule_id, pattern, hostgroup in SPLIT_RULES:
                a.run("INSERT INTO mysql_query_rules (rule_id, active, username, match_pattern, destination_hostgroup,"
                      f" apply) VALUES ({rule_id}, 1, 'app', {sqlquote(pattern)}, {hostgroup}, 1)")
            assert a.run("LOAD MYSQL QUERY RULES TO RUNTIME") == 0
        yield j
    finally:
        rc = j.stop()
    assert rc == 0, f"junction exited with {rc}:\n{j.log()}"


@pytest.fixture(params=DRIVERS, ids=[d.id for d in DRIVERS])
def driver(request):
    return request.param


@pytest.fixture
def connect(junction):
    """connect(driver, user="app"|"plain", autocommit=None) → a DriverSession through Junction; closed at the end."""
    opened = []

    def make(drv, user: str = "app", autocommit: bool | None = None):
        name = "app" if user == "app" else PLAIN_USER
        password = USERS[user][0]
        s = step(drv.label, f"connecting through Junction as {name}",
                 lambda: drv.connect(PROXY_PORT, name, password, autocommit=autocommit))
        opened.append(s)
        return s

    yield make
    for s in opened:
        close_quietly(s)


@pytest.fixture
def tables(lab):
    made = LabTables("drv")
    yield made
    made.drop_all()


# ---------------------------------------------------------------- helpers


def step(label: str, what: str, fn, hints: dict[int, str] | None = None, bound: float = STEP_BOUND):
    """One client call, bounded in time; a driver error or a hang fails the test, saying what the user saw."""
    try:
        return within(bound, fn, f"{label}: {what}")
    except Hung as e:
        pytest.fail(f"{e}: the client hangs", pytrace=False)
    except DRIVER_ERRORS as e:
        hint = (hints or {}).get(error_code(e) or 0, "")
        pytest.fail(f"{label}: {what} failed with {describe(e)}{hint}", pytrace=False)


def spread(ids: list[int]) -> str:
    counts = collections.Counter(ids)
    return ", ".join(f"server_id {k}: {counts[k]}" for k in sorted(counts))


READ_ONLY_HINT = {1290: " — the transaction was begun on a read-only replica (by the SELECT) and the write was sent "
                        "to that same replica. A direct connection writes on the primary."}


# ---------------------------------------------------------------- 1. read then write in one transaction


@pytest.mark.parametrize("end", ["commit", "rollback"])
def test_read_then_write_in_one_transaction(driver, tables, connect, end):
    """`SELECT COUNT(*) FROM t`, then `INSERT INTO t`, then COMMIT (or ROLLBACK), a few rounds on one connection: no
    error, the committed rows are on the primary and a rolled-back one is nowhere."""
    table = tables()
    s = connect(driver)
    committed = 0
    for n in range(1, ROUNDS + 1):
        where = (f"{driver.label}, round {n} of {'BEGIN, ' if s.autocommit else ''}`SELECT COUNT(*) FROM t`, "
                 f"`INSERT INTO t`, {end}")
        step(driver.label, "BEGIN", s.begin)
        seen = step(where, "the SELECT COUNT(*)", lambda: s.count(table))
        assert seen == committed, f"{where}: SELECT COUNT(*) returned {seen}; {committed} rows were committed"
        step(where, "the INSERT", lambda: s.insert(table, k=n, id=n), hints=READ_ONLY_HINT)
        step(where, end.upper(), getattr(s, end), hints=READ_ONLY_HINT)
        if end == "commit":
            committed += 1
            on_primary = count_rows(PRIMARY, table)
            assert on_primary == committed, \
                f"{where}: after COMMIT the primary has {on_primary} rows, {committed} were committed"
            wait_replicated(table, committed)
        else:
            assert count_rows(PRIMARY, table) == 0, f"{where}: the rolled-back row is on the primary"


# ---------------------------------------------------------------- 2. reads go to the replicas after a transaction


@pytest.mark.parametrize("end", ["commit", "rollback"])
def test_reads_go_to_the_replicas_after_a_transaction(driver, tables, connect, end):
    """After BEGIN … INSERT … COMMIT (autocommit off: INSERT then commit()), or ROLLBACK, the next plain
    `SELECT @@server_id`s are answered by the replicas only, by both. The INSERT gets an AUTO_INCREMENT id, as an
    application's usually does: that must not keep the session on the writer either."""
    table = tables("id INT AUTO_INCREMENT PRIMARY KEY, k INT NOT NULL DEFAULT 0")
    s = connect(driver)
    how = (f"BEGIN, INSERT, {end.upper()}" if s.autocommit else f"INSERT then {end}() (autocommit off)")
    step(driver.label, "BEGIN", s.begin)
    step(driver.label, "the INSERT", lambda: s.insert(table, k=1), hints=READ_ONLY_HINT)
    step(driver.label, end, getattr(s, end))
    ids = step(driver.label, f"{READS} × SELECT @@server_id",
               lambda: [int(s.value("SELECT @@server_id")) for _ in range(READS)])
    on_primary = ids.count(PRIMARY_ID)
    assert on_primary == 0, (
        f"{driver.label}: after {how}, {on_primary} of the next {READS} `SELECT @@server_id` were answered by the "
        f"primary (server_id 1) instead of a replica ({spread(ids)}): the session stayed on the writer after its "
        "transaction ended")
    assert set(ids) == REPLICA_IDS, \
        f"{driver.label}: after {how}, {READS} reads all went to one server ({spread(ids)}); hostgroup 20 has two"


def test_the_session_reads_back_its_own_autocommit(driver, connect):
    """`SELECT @@autocommit` answers the setting the driver made (0 at the defaults), even where Junction runs a read
    of an autocommit=0 session on a replica connection: mysql-connector's `conn.autocommit` property is that query,
    and code that trusts it skips its commit()."""
    s = connect(driver)
    want = 1 if s.autocommit else 0
    for sql in ("SELECT @@autocommit", "SELECT @@session.autocommit"):
        got = step(driver.label, f"5 × {sql}", lambda: [int(s.value(sql)) for _ in range(5)])
        assert set(got) == {want}, (
            f"{driver.label}: `{sql}` answered {got} in a session whose autocommit is {'on' if want else 'off'} "
            f"({want} on a direct connection); mysql-connector's `conn.autocommit` then says "
            f"{'off' if want else 'on'}, and code that trusts it does not commit: its writes are rolled back")


# ---------------------------------------------------------------- 3. ROW_COUNT() and LAST_INSERT_ID()


AUTOCOMMIT_CASES = [pytest.param(d, ac, id=f"{d.id}-autocommit_{'on' if ac else 'off'}")
                    for d in DRIVERS if d is not PYMYSQL_AUTOCOMMIT for ac in (False, True)]


@pytest.fixture(scope="module")
def counters(lab):
    """Shared by the ROW_COUNT()/LAST_INSERT_ID() tests: rows to update (id 1-150, k 0), three for each test, and an
    AUTO_INCREMENT table whose next id is a random large one (no other connection's LAST_INSERT_ID() is it by
    chance); each test inserts its own k."""
    made = LabTables("drvcount")
    rows_table = made(rows=[(i, 0) for i in range(1, 151)])
    auto_table = made("id INT AUTO_INCREMENT PRIMARY KEY, k INT NOT NULL DEFAULT 0")
    c = direct()
    try:
        with c.cursor() as cur:
            cur.execute(f"ALTER TABLE {SCHEMA}.{auto_table} AUTO_INCREMENT = {random.randint(10_000, 900_000)}")
    finally:
        c.close()
    blocks = itertools.count(0)
    yield lambda: (rows_table, auto_table, next(blocks))
    made.drop_all()


def _update_then_insert(s, who: str, counters) -> tuple:
    """UPDATE (3 rows changed), SELECT ROW_COUNT(), INSERT, SELECT LAST_INSERT_ID(), COMMIT if autocommit is off.
    Returns (ROW_COUNT(), the driver's lastrowid, LAST_INSERT_ID(), the new row's id read on the primary)."""
    rows_table, auto_table, block = counters()
    first, marker = 3 * block + 1, 1000 + block
    update = f"UPDATE {rows_table} SET k = k + 1 WHERE id BETWEEN {first} AND {first + 2}"
    step(who, "UPDATE", lambda: s.execute(update))
    row_count = step(who, "SELECT ROW_COUNT()", lambda: s.value("SELECT ROW_COUNT()"))
    lastrowid = step(who, "INSERT", lambda: s.insert(auto_table, k=marker))
    last_insert_id = step(who, "SELECT LAST_INSERT_ID()", lambda: s.value("SELECT LAST_INSERT_ID()"))
    if not s.autocommit:
        step(who, "COMMIT", s.commit)
    changed = direct_value(PRIMARY, f"SELECT COUNT(*) FROM {SCHEMA}.{rows_table} "
                                    f"WHERE id BETWEEN {first} AND {first + 2} AND k = 1")
    assert changed == 3, f"{who}: the UPDATE changed {changed} rows on the primary, 3 expected"
    row_id = direct_value(PRIMARY, f"SELECT id FROM {SCHEMA}.{auto_table} WHERE k = {marker}")
    return row_count, lastrowid, last_insert_id, row_id


_direct_row_counts: dict[tuple[str, bool], int] = {}


def _direct_row_count(drv, autocommit: bool, counters) -> int:
    """What `SELECT ROW_COUNT()` answers after the UPDATE on a direct connection to the primary with this driver:
    3, except with mysql-connector's prepared cursor, whose COM_STMT_PREPARE of `SELECT ROW_COUNT()` resets it to 0
    on the server itself."""
    key = (drv.id, autocommit)
    if key not in _direct_row_counts:
        s = drv.connect(PRIMARY, autocommit=autocommit)
        try:
            row_count, _, _, _ = _update_then_insert(s, f"{drv.label}, direct to the primary", counters)
        finally:
            close_quietly(s)
        _direct_row_counts[key] = row_count
    return _direct_row_counts[key]


@pytest.mark.parametrize("user", ["app", "plain"])
@pytest.mark.parametrize("drv,autocommit", AUTOCOMMIT_CASES)
def test_row_count_and_last_insert_id_answer_about_the_previous_statement(drv, autocommit, user, counters, connect):
    """`UPDATE … WHERE id BETWEEN …` (3 rows changed) then `SELECT ROW_COUNT()` answers 3 (or, with mysql-connector's
    prepared cursor, what a direct connection answers: 0, its COM_STMT_PREPARE resets the count on the server itself —
    so there only LAST_INSERT_ID() tells); an INSERT into an AUTO_INCREMENT table then `SELECT LAST_INSERT_ID()`
    answers that row's id (also what the driver reports as lastrowid)."""
    expected_row_count = _direct_row_count(drv, autocommit, counters)
    s = connect(drv, user=user, autocommit=autocommit)
    who = f"{drv.label} as {USERS[user][1]}, autocommit {'on' if autocommit else 'off'}"
    row_count, lastrowid, last_insert_id, row_id = _update_then_insert(s, who, counters)
    problems = []
    if row_count not in (3, expected_row_count):
        problems.append(f"`SELECT ROW_COUNT()` right after `UPDATE t SET k = k + 1 WHERE id BETWEEN …` (3 rows "
                        f"changed) returned {row_count}" + ("" if expected_row_count == 3 else
                                                   f"; a direct connection returns 3 or {expected_row_count}"))
    if last_insert_id != row_id:
        problems.append(f"`SELECT LAST_INSERT_ID()` right after the INSERT returned {last_insert_id}; the new row's "
                        f"id is {row_id}")
    if lastrowid != row_id:
        problems.append(f"the driver's lastrowid after the INSERT is {lastrowid}; the new row's id is {row_id}")
    assert not problems, (f"{who}: " + "; ".join(problems) + " — answered by another backend connection than the "
                          "one that ran the UPDATE/INSERT")


# ---------------------------------------------------------------- 4. KILL


def _clash(thread_id: int, advance: bool = True) -> str | None:
    """A Junction that passes `KILL <id>` on to a server (as it does with a prepared KILL today) must not kill anything
    there: make sure that `id` names no connection on any of the lab's servers, now or later (with `advance`, each
    server is made to hand out higher ids first; ids are not reused). Returns what it names when it does."""
    for port in LAB_PORTS:
        c = direct(port)
        try:
            with c.cursor() as cur:
                cur.execute("SELECT USER, COMMAND FROM information_schema.PROCESSLIST WHERE ID = %s", (thread_id,))
                row = cur.fetchone()
                if row:
                    return f"thread {thread_id} of {row[0]} ({row[1]}) on {SERVER_OF_PORT[port]}"
                cur.execute("SELECT CONNECTION_ID()")
                own = cur.fetchone()[0]
        finally:
            c.close()
        for _ in range(1000 if advance else 0):  # move the server's counter past the id
            if own > thread_id:
                break
            c = direct(port)
            with c.cursor() as cur:
                cur.execute("SELECT CONNECTION_ID()")
                own = cur.fetchone()[0]
            c.close()
    return None


def kill_target(connect, drv, user: str = "app"):
    """A connection through Junction whose handshake id may be named in a KILL safely; returns (session, id)."""
    clashes = []
    for _ in range(20):
        s = connect(drv, user=user)
        tid = int(s.handshake_id())
        clash = _clash(tid)
        if clash is None:
            return s, tid
        clashes.append(clash)
        close_quietly(s)
    pytest.fail(f"no connection id of Junction's was free on the lab's servers: {clashes}")


def _threads_running(marker: str) -> list[tuple[int, int]]:
    """(port, thread id) of every statement on the lab's servers that carries marker."""
    found = []
    for port in LAB_PORTS:
        c = direct(port)
        try:
            with c.cursor() as cur:
                cur.execute("SELECT ID FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() "
                            "AND INFO LIKE %s", (f"%{marker}%",))
                found += [(port, int(tid)) for (tid,) in cur.fetchall()]
        finally:
            c.close()
    return found


def _running(marker: str) -> int | None:
    """The port of the lab server running the statement that carries marker, if any."""
    found = _threads_running(marker)
    return found[0][0] if found else None


def _stop_directly(marker: str) -> None:
    """KILL QUERY, on the server itself, of the statement that carries marker (cleanup after a failed test)."""
    for port, tid in _threads_running(marker):
        c = direct(port)
        try:
            with c.cursor() as cur:
                cur.execute(f"KILL QUERY {tid}")
        except pymysql.err.MySQLError:
            pass
        finally:
            c.close()


def _kill_hints(tid: int) -> dict[int, str]:
    return {1094: f" — Junction passed the KILL on to a MySQL server, where {tid} names no connection, instead of "
                  f"acting on its own client connection {tid}",
            1095: f" — Junction passed the KILL on to a MySQL server, where {tid} is another account's connection"}


class _Query(threading.Thread):
    def __init__(self, s, sql):
        super().__init__(daemon=True)
        self.s, self.sql = s, sql
        self.rows = None
        self.error: BaseException | None = None
        self.finished_at: float | None = None

    def run(self):
        try:
            self.rows = self.s.query(self.sql)
        except BaseException as e:  # noqa: BLE001 - inspected by the test
            self.error = e
        finally:
            self.finished_at = time.monotonic()


@pytest.mark.timeout(60)
def test_kill_query_interrupts_the_query_and_the_connection_goes_on(driver, connect):
    victim, tid = kill_target(connect, driver)
    killer = connect(driver)
    marker = f"kill-query-{uuid.uuid4().hex[:12]}"
    query = _Query(victim, f"SELECT SLEEP(30), '{marker}'")
    query.start()
    try:
        wait_until(lambda: _running(marker), timeout=10, what=f"{driver.label}: SELECT SLEEP(30) running on a server")
        killed_at = time.monotonic()
        step(driver.label, f"`KILL QUERY {tid}` (the id of the other connection's handshake) from a second "
             "connection", lambda: killer.execute(f"KILL QUERY {tid}"), hints=_kill_hints(tid))
        query.join(5)
        assert not query.is_alive(), (
            f"{driver.label}: `KILL QUERY {tid}` returned OK, but connection {tid}'s `SELECT SLEEP(30)` still runs 5 s "
            f"later (on {SERVER_OF_PORT.get(_running(marker), 'no server')})")
        took = query.finished_at - killed_at
        if query.error is None:
            assert query.rows and query.rows[0][0] == 1, \
                f"{driver.label}: the killed `SELECT SLEEP(30)` returned {query.rows!r} without being interrupted"
        else:
            assert error_code(query.error) is not None, \
                f"{driver.label}: the killed query raised {describe(query.error)}, not a MySQL error (1317 expected)"
        assert took < 5, f"{driver.label}: the killed query ended {took:.1f} s after `KILL QUERY {tid}`"
    finally:
        if query.is_alive():
            _stop_directly(marker)
            query.join(10)
    assert step(driver.label, "SELECT 1 on the connection whose query was killed",
                lambda: victim.value("SELECT 1")) == 1


@pytest.mark.timeout(60)
def test_kill_closes_the_named_client_connection(driver, connect):
    victim, tid = kill_target(connect, driver)
    assert step(driver.label, "SELECT 1", lambda: victim.value("SELECT 1")) == 1
    killer = connect(driver)
    step(driver.label, f"`KILL {tid}` (the id of the other connection's handshake) from a second connection",
         lambda: killer.execute(f"KILL {tid}"), hints=_kill_hints(tid))
    _, error, _ = timed(STEP_BOUND, lambda: victim.value("SELECT 1"), f"{driver.label}: SELECT 1 after KILL {tid}")
    assert error is not None, f"{driver.label}: `KILL {tid}` returned OK but connection {tid} still answers queries"
    assert is_connection_error(error), \
        f"{driver.label}: the killed connection {tid} raised {describe(error)}, not a lost-connection error"
    assert step(driver.label, "SELECT 1 on the connection that sent the KILL", lambda: killer.value("SELECT 1")) == 1


@pytest.mark.timeout(60)
def test_kill_of_another_users_connection_is_error_1095(driver, connect):
    other, tid = kill_target(connect, driver, user="plain")
    s = connect(driver)
    for statement in (f"KILL QUERY {tid}", f"KILL {tid}"):
        _, error, _ = timed(STEP_BOUND, lambda: s.execute(statement), f"{driver.label}: {statement}")
        assert error is not None, \
            f"{driver.label}: app's `{statement}` naming a connection of {PLAIN_USER} succeeded; 1095 expected"
        assert error_code(error) == 1095, (
            f"{driver.label}: app's `{statement}` naming a connection of {PLAIN_USER} failed with {describe(error)}; "
            f"expected 1095 'You are not owner of thread {tid}'" + _kill_hints(tid).get(error_code(error) or 0, ""))
    assert step(driver.label, f"SELECT 1 on {PLAIN_USER}'s connection", lambda: other.value("SELECT 1")) == 1


@pytest.mark.timeout(60)
def test_kill_of_an_unknown_id_is_error_1094(driver, connect):
    assert _clash(UNKNOWN_ID, advance=False) is None
    s = connect(driver)
    for statement in (f"KILL QUERY {UNKNOWN_ID}", f"KILL {UNKNOWN_ID}"):
        _, error, _ = timed(STEP_BOUND, lambda: s.execute(statement), f"{driver.label}: {statement}")
        assert error is not None, f"{driver.label}: `{statement}` (no such connection) succeeded"
        assert error_code(error) == 1094, \
            f"{driver.label}: `{statement}` failed with {describe(error)}; expected 1094 'Unknown thread id'"
    assert step(driver.label, "SELECT 1 after the failed KILLs", lambda: s.value("SELECT 1")) == 1


# ---------------------------------------------------------------- 5. the primary down


def _lab(*args: str, timeout: float = 120) -> None:
    r = subprocess.run(["bash", str(LAB_SH), *args], capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, f"lab/lab.sh {' '.join(args)} failed:\n{r.stdout}\n{r.stderr}"


def _status(a: Admin, port: int) -> str | None:
    rows = a.rows(f"SELECT status FROM runtime_mysql_servers WHERE hostgroup_id = {WRITER} AND port = {port}")
    return rows[0][0] if rows else None


def _replicating(port: int) -> bool:
    c = direct(port)
    try:
        with c.cursor(pymysql.cursors.DictCursor) as cur:
            cur.execute("SHOW SLAVE STATUS")
            s = cur.fetchone() or {}
        if s.get("Slave_IO_Running") != "Yes" or s.get("Slave_SQL_Running") != "Yes":
            return False
        pos = direct_value(PRIMARY, "SELECT @@gtid_binlog_pos")
        with c.cursor() as cur:
            cur.execute("SELECT MASTER_GTID_WAIT(%s, 1)", (pos,))
            return cur.fetchone()[0] == 0
    except pymysql.err.MySQLError:
        return False
    finally:
        c.close()


_down_ids = itertools.count(1)


class TestPrimaryDown:
    """lab/lab.sh kill-server 0 (kill -9 of the primary's mariadbd), then new connections of every driver; the primary
    is started again afterwards and the replicas must replicate from it again."""

    @pytest.fixture(scope="class")
    def primary_down(self, junction):
        made = LabTables("drvdown")
        table = made()
        a = Admin(ADMIN_PORT)
        try:
            wait_until(lambda: _status(a, PRIMARY) == "ONLINE", timeout=15, what="the primary ONLINE in Junction")
            _lab("kill-server", "0")
            try:
                # Give the monitor (pings every 500 ms, 2 failures) the time to notice, as it would have in real life.
                try:
                    wait_until(lambda: _status(a, PRIMARY) == "SHUNNED", timeout=5, interval=0.1,
                               what="the primary SHUNNED")
                except AssertionError:
                    pass
                yield table
            finally:
                _lab("restart-server", "0")
                for port in (REPLICA1, REPLICA2):
                    wait_until(lambda: _replicating(port), timeout=60, interval=0.2,
                               what=f"{SERVER_OF_PORT[port]} replicating from the restarted primary again")
                wait_until(lambda: _status(a, PRIMARY) == "ONLINE", timeout=30, interval=0.2,
                           what="the restarted primary ONLINE in Junction")
        finally:
            a.close()
            made.drop_all()

    @pytest.mark.timeout(60)
    def test_new_connections_read_from_the_replicas(self, primary_down, driver, connect):
        s = connect(driver)
        ids = step(driver.label, "5 × SELECT @@server_id with the primary down",
                   lambda: [int(s.value("SELECT @@server_id")) for _ in range(5)])
        assert set(ids) <= REPLICA_IDS, f"{driver.label}: with the primary down, reads answered by {spread(ids)}"

    @pytest.mark.timeout(60)
    def test_a_write_fails_fast_with_a_mysql_error(self, primary_down, driver, connect):
        s = connect(driver)
        n = next(_down_ids)
        _, error, took = timed(3 * STEP_BOUND, lambda: s.insert(primary_down, k=n, id=n),
                               f"{driver.label}: INSERT with the primary down")
        assert error is not None, f"{driver.label}: an INSERT succeeded with the primary down"
        assert error_code(error) is not None, \
            f"{driver.label}: with the primary down the INSERT raised {describe(error)}, not a MySQL error"
        assert error_code(error) != 1290, \
            f"{driver.label}: with the primary down the INSERT was sent to a read-only replica: {describe(error)}"
        limit = CONNECT_TIMEOUT_SERVER_MAX_MS / 1000 + 3
        assert took < limit, (f"{driver.label}: with the primary down the INSERT failed only after {took:.1f} s "
                              f"(mysql-connect_timeout_server_max={CONNECT_TIMEOUT_SERVER_MAX_MS}): {describe(error)}")


# ---------------------------------------------------------------- 6. the tutorial's read test


def _placement(a: Admin) -> list[tuple[int, int, str]]:
    return sorted((int(h), int(p), s) for h, p, s in
                  a.rows("SELECT hostgroup_id, port, status FROM runtime_mysql_servers"))


@pytest.mark.timeout(90)
def test_tutorial_reads_go_to_the_replicas_only(junction):
    """mysql_replication_hostgroups (writer 10, reader 20) and the monitor on, mysql-monitor_writer_is_also_reader at
    its default (true): `mariadb -e "select @@server_id"` run 20 times is answered by both replicas, never by the
    primary, which has always been read_only=0 (only a promoted writer may also be a reader)."""
    a = Admin(ADMIN_PORT)
    configured = [(WRITER, PRIMARY, "ONLINE"), (READER, REPLICA1, "ONLINE"), (READER, REPLICA2, "ONLINE")]
    try:
        assert a.variable("mysql-monitor_writer_is_also_reader", "runtime") == "true"
        checks = "SELECT count(*) FROM monitor.mysql_server_read_only_log WHERE port = {} AND error IS NULL"
        before = {p: int(a.value(checks.format(p))) for p in LAB_PORTS}
        a.run(f"INSERT INTO mysql_replication_hostgroups (writer_hostgroup, reader_hostgroup, comment) "
              f"VALUES ({WRITER}, {READER}, 'split-drivers')")
        a.run("LOAD MYSQL SERVERS TO RUNTIME")
        # Two read_only checks of each server since the load: the monitor has placed them.
        wait_until(lambda: all(int(a.value(checks.format(p))) >= before[p] + 2 for p in LAB_PORTS), timeout=15,
                   what="two read_only checks of every server")
        ids = []
        for _ in range(20):
            r = cli(PROXY_PORT, "-N", "-e", "select @@server_id", user="app", password="app")
            assert r.returncode == 0, f"mariadb -e 'select @@server_id' failed: {r.stderr}"
            ids.append(int(r.stdout.strip()))
        placement = _placement(a)
        on_primary = ids.count(PRIMARY_ID)
        assert on_primary == 0, (
            f"`mariadb -e \"select @@server_id\"` run 20 times through Junction was answered by the primary "
            f"(server_id 1) {on_primary} times ({spread(ids)}): with mysql_replication_hostgroups (10, 20) and "
            "mysql-monitor_writer_is_also_reader=true the monitor put the writer, read_only=0 from the start, into "
            f"the reader hostgroup as well (runtime_mysql_servers: {placement})")
        assert set(ids) == REPLICA_IDS, f"20 reads did not use both replicas: {spread(ids)}; {placement}"
    finally:
        a.run("DELETE FROM mysql_replication_hostgroups")
        a.run("LOAD MYSQL SERVERS TO RUNTIME")
        try:
            wait_until(lambda: _placement(a) == configured, timeout=15,
                       what=lambda: f"runtime_mysql_servers back to {configured}: {_placement(a)}")
        finally:
            a.close()


# ---------------------------------------------------------------- transaction_persistent = 0


def test_without_transaction_persistence_a_transactions_reads_go_by_the_rules(junction, tables):
    """A user with transaction_persistent=0 (mysql_users): inside BEGIN … COMMIT the split rules still send plain reads
    to the replicas (which do not see the open transaction's rows), while the transaction's writes and its locking
    reads stay on its connection to the primary, and it commits whole. With the default (1), reads stay in it."""
    t = tables()
    with Admin(ADMIN_PORT) as a:
        a.run("UPDATE mysql_users SET transaction_persistent=0 WHERE username='app'")
        assert a.run("LOAD MYSQL USERS TO RUNTIME") == 0
    try:
        c = proxy_login(PROXY_PORT, "app", "app", database=SCHEMA)
        q(c, "BEGIN")
        q(c, f"INSERT INTO {t} (id) VALUES (1)")
        ids = [one(c, "SELECT @@server_id") for _ in range(10)]
        assert set(ids) <= REPLICA_IDS, f"reads in the transaction went to {spread(ids)}"
        assert one(c, f"SELECT COUNT(*) FROM {t}") == 0, "a replica does not see the open transaction's row"
        assert one(c, f"SELECT COUNT(*) FROM {t} FOR UPDATE") == 1, "a locking read runs in the transaction"
        q(c, f"INSERT INTO {t} (id) VALUES (2)")
        q(c, "COMMIT")
        assert count_rows(PRIMARY, t) == 2
        c.close()
    finally:
        with Admin(ADMIN_PORT) as a:
            a.run("UPDATE mysql_users SET transaction_persistent=1 WHERE username='app'")
            assert a.run("LOAD MYSQL USERS TO RUNTIME") == 0
    c = proxy_login(PROXY_PORT, "app", "app", database=SCHEMA)
    q(c, "BEGIN")
    assert one(c, "SELECT @@server_id") == PRIMARY_ID, "with transaction_persistent=1 reads stay in the transaction"
    q(c, "ROLLBACK")
    c.close()
