"""Server status as the admin sets it, and as failed connects set it (ProxySQL's rules): OFFLINE_HARD ends the
connections in use at once (an open transaction is rolled back by the server), OFFLINE_SOFT lets them finish and
takes no new work, and a server that refuses connections is SHUNNED after `mysql-shun_on_failures` failures, its
clients' connects retried on another server, and tried again after `mysql-shun_recovery_time_sec`.

Each test starts its own Junction (admin 17732, clients 17733); the monitor is off (junction_config turns it off), so
every status change seen here is the admin's or the query path's.
"""

from __future__ import annotations

import threading
import time

import pymysql
import pytest

from admin_helpers import Admin, own_junction, proxy_login
from conftest import DIRECT, HOST, LAB_PORT, TEST_DB, wait_until

pytestmark = [pytest.mark.skipif(DIRECT, reason="about Junction's server status"), pytest.mark.proxy_only]

ADMIN_PORT = 17732
PROXY_PORT = 17733
PRIMARY, REPLICA1, REPLICA2 = LAB_PORT, LAB_PORT + 1, LAB_PORT + 2


@pytest.fixture
def junction(tmp_path, lab):
    """A Junction of this test's own; stopped (and required to stop cleanly) at the end."""
    yield from own_junction(tmp_path, ADMIN_PORT, PROXY_PORT)


def primary_conn() -> pymysql.connections.Connection:
    return pymysql.connect(host=HOST, port=PRIMARY, user="app", password="app", autocommit=True, connect_timeout=10,
                           read_timeout=30)


def primary_value(sql: str, args=None):
    c = primary_conn()
    try:
        with c.cursor() as cur:
            cur.execute(sql, args)
            return cur.fetchone()[0]
    finally:
        c.close()


def on_primary(thread_id: int) -> bool:
    return primary_value("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = %s", (thread_id,)) == 1


def make_table(name: str):
    c = primary_conn()
    try:
        with c.cursor() as cur:
            cur.execute(f"CREATE TABLE {TEST_DB}.{name} (id INT PRIMARY KEY, note VARCHAR(32) NOT NULL)")
    finally:
        c.close()


def rows_on_primary(name: str, row_id: int) -> int:
    return primary_value(f"SELECT COUNT(*) FROM {TEST_DB}.{name} WHERE id = %s", (row_id,))


def set_status(a: Admin, port: int, status: str):
    a.run(f"UPDATE mysql_servers SET status = '{status}' WHERE port = {port}")
    a.run("LOAD MYSQL SERVERS TO RUNTIME")
    assert a.column(f"SELECT status FROM runtime_mysql_servers WHERE port = {port}") == [status]


def statuses(a: Admin, port: int) -> set[str]:
    return set(a.column(f"SELECT status FROM runtime_mysql_servers WHERE port = {port}"))


def open_transaction(name: str):
    """A client through Junction with BEGIN; INSERT of row 1 not committed. Returns (connection, backend thread id)."""
    c = proxy_login(PROXY_PORT, "app", "app", database=TEST_DB)
    with c.cursor() as cur:
        cur.execute("BEGIN")
        cur.execute(f"INSERT INTO {name} VALUES (1, 'uncommitted')")
        cur.execute("SELECT CONNECTION_ID()")  # in the transaction: the backend connection's thread id
        thread_id = int(cur.fetchone()[0])
    assert on_primary(thread_id), f"backend thread {thread_id} is not on the primary"
    return c, thread_id


# `table` before `junction`: the Junction (and with it any backend connection still holding the uncommitted row's
# locks) is stopped before the table is dropped.


@pytest.mark.timeout(60)
def test_offline_hard_closes_connections_in_use(table, junction):
    name = table("offhard")
    make_table(name)
    junction.write_config(servers=[(0, PRIMARY)])
    junction.start()
    a = junction.admin()
    c, thread_id = open_transaction(name)
    try:
        set_status(a, PRIMARY, "OFFLINE_HARD")
        try:
            wait_until(lambda: not on_primary(thread_id), timeout=3, interval=0.05,
                       what=f"the backend connection in use (thread {thread_id}) to be closed by OFFLINE_HARD")
        finally:
            print(f"backend thread {thread_id} on the primary after OFFLINE_HARD: {on_primary(thread_id)}")
        try:
            with c.cursor() as cur:
                cur.execute("COMMIT")
            outcome = "COMMIT succeeded"
        except pymysql.err.MySQLError as e:
            outcome = f"COMMIT failed: {e.args!r}"
        print(outcome)
        assert outcome.startswith("COMMIT failed"), "the transaction's connection outlived OFFLINE_HARD"
        assert rows_on_primary(name, 1) == 0, "the uncommitted row reached the primary"
    finally:
        c.close()


@pytest.mark.timeout(60)
def test_offline_soft_lets_a_transaction_finish(table, junction):
    name = table("offsoft")
    make_table(name)
    junction.write_config(servers=[(0, PRIMARY)], mysql_variables="connect_timeout_server_max=2000")
    junction.start()
    a = junction.admin()
    c, thread_id = open_transaction(name)
    try:
        set_status(a, PRIMARY, "OFFLINE_SOFT")
        assert on_primary(thread_id), "OFFLINE_SOFT closed the connection of an open transaction"
        with c.cursor() as cur:
            cur.execute(f"INSERT INTO {name} VALUES (2, 'after offline_soft')")
            cur.execute("COMMIT")
        assert rows_on_primary(name, 1) == 1 and rows_on_primary(name, 2) == 1
    finally:
        c.close()

    # No ONLINE server left in hostgroup 0: a new client's query fails with a MySQL error, after at most
    # connect_timeout_server_max (2 s), not a hang.
    started = time.monotonic()
    try:
        fresh = proxy_login(PROXY_PORT, "app", "app", database=TEST_DB)
        try:
            with fresh.cursor() as cur:
                cur.execute("SELECT @@server_id")
                pytest.fail(f"a new client's query ran with the only server OFFLINE_SOFT: {cur.fetchall()!r}")
        finally:
            fresh.close()
    except pymysql.err.MySQLError as e:
        elapsed = time.monotonic() - started
        print(f"new client with no ONLINE server: {e.args!r} after {elapsed:.2f}s")
        assert elapsed < 2.0 + 3.0, f"the error took {elapsed:.1f}s (connect_timeout_server_max is 2s)"
        assert e.args[0] not in (2003, 2006), f"not an error from Junction: {e.args!r}"


@pytest.mark.timeout(90)
def test_a_server_refusing_connections_is_shunned_then_retried(junction, relays):
    relay = relays(REPLICA2)
    relay.refuse_new(True)
    junction.write_config(
        servers=[(0, REPLICA1, "weight=1"), (0, relay.port, "weight=1")],
        mysql_variables="shun_on_failures=2 shun_recovery_time_sec=2 connect_retries_on_failure=3")
    junction.start()
    a = junction.admin()
    assert a.variable("mysql-monitor_enabled", "runtime") == "false", "the monitor would shun servers too"

    answers: list[int] = []
    errors: list[str] = []
    lock = threading.Lock()

    def read(label: str) -> int | None:
        try:
            c = proxy_login(PROXY_PORT, "app", "app")
            try:
                with c.cursor() as cur:
                    cur.execute("SELECT @@server_id")
                    sid = int(cur.fetchone()[0])
            finally:
                c.close()
        except pymysql.err.MySQLError as e:
            with lock:
                errors.append(f"{label}: {e.args!r}")
            return None
        with lock:
            answers.append(sid)
        return sid

    threads = [threading.Thread(target=read, args=(f"client {i}",), daemon=True) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    print(f"20 clients while the relay refuses: answers {sorted(set(answers))}, errors {errors[:3]}; "
          f"relay accepted {relay.accepted}, refused {relay.refused}")
    assert errors == [], f"{len(errors)} of 20 reads failed: {errors[:3]}"
    assert answers == [2] * 20, "the refusing server answered?"
    assert relay.refused >= 1, "Junction never tried the refusing server"

    # SHUNNED (a read now and then, in case the shun is lifted and comes back with new failures).
    def shunned():
        if statuses(a, relay.port) == {"SHUNNED"}:
            return True
        read("while waiting for SHUNNED")
        return False
    try:
        wait_until(shunned, timeout=6, interval=0.1, what=f"the refusing server (port {relay.port}) to be SHUNNED")
    finally:
        print(f"status of the refusing server: {statuses(a, relay.port)}; ConnERR: "
              f"{a.column(f'SELECT ConnERR FROM stats_mysql_connection_pool WHERE srv_port = {relay.port}')}")

    relay.refuse_new(False)

    def online():
        if statuses(a, relay.port) == {"ONLINE"}:
            return True
        read("while waiting for ONLINE")  # a lazy un-shun (ProxySQL's) needs traffic
        return False
    wait_until(online, timeout=8, interval=0.1, what=f"the server (port {relay.port}) ONLINE again")
    wait_until(lambda: read("until server 3 answers") == 3, timeout=8, interval=0.05,
               what="a read on the recovered server (@@server_id 3)")
    print(f"after recovery: {answers.count(3)} reads on server 3; errors {errors}")
    assert errors == [], f"reads failed: {errors[:5]}"
