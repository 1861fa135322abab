"""A configuration loaded to RUNTIME is live on the client port at once, without a restart: users, server
status, and LOADs while queries run. Each test starts its own Junction (admin 17132, clients 17133) with the lab's
primary in hostgroup 0.
"""

from __future__ import annotations

import threading

import pymysql
import pytest

from admin_helpers import connect_error, create_lab_user, drop_lab_user, proxy_login, own_junction
from conftest import DIRECT, LAB_PORT, uniq, wait_until

pytestmark = [pytest.mark.skipif(DIRECT, reason="about Junction's admin interface"), pytest.mark.proxy_only]

ADMIN_PORT = 17132
PROXY_PORT = 17133
PRIMARY, REPLICA1 = LAB_PORT, LAB_PORT + 1


@pytest.fixture
def junction(tmp_path, lab):
    """A Junction of this test's own; stopped (and required to stop cleanly) at the end."""
    yield from own_junction(tmp_path, ADMIN_PORT, PROXY_PORT)


@pytest.fixture
def lab_user():
    name, password = uniq("live"), "live-pw"
    create_lab_user(name, password)
    yield name, password
    drop_lab_user(name)


def port_of(conn) -> int:
    with conn.cursor() as cur:
        cur.execute("SELECT @@port")
        return int(cur.fetchone()[0])


def port_on_new_connection() -> int:
    c = proxy_login(PROXY_PORT, "app", "app")
    try:
        return port_of(c)
    finally:
        c.close()


def test_users_added_and_removed_take_effect_on_the_client_port(junction, lab_user):
    user, password = lab_user
    junction.write_config()
    junction.start()
    a = junction.admin()

    code, _ = connect_error(PROXY_PORT, user, password)
    assert code == 1045, "a user unknown to Junction logged in"

    a.run(f"INSERT INTO mysql_users (username, password, default_hostgroup) VALUES ('{user}', '{password}', 0)")
    code, _ = connect_error(PROXY_PORT, user, password)
    assert code == 1045, "a user only in MEMORY (not loaded) logged in"

    a.run("LOAD MYSQL USERS TO RUNTIME")
    kept = proxy_login(PROXY_PORT, user, password)
    with kept.cursor() as cur:
        cur.execute("SELECT CURRENT_USER()")
        assert cur.fetchone()[0].split("@")[0] == user, "the backend did not see the new user"

    a.run(f"DELETE FROM mysql_users WHERE username = '{user}'")
    a.run("LOAD MYSQL USERS TO RUNTIME")
    code, message = connect_error(PROXY_PORT, user, password)
    assert code == 1045 and user in message, message
    # Existing sessions of a removed user keep running (admin-commands.md §4.1).
    with kept.cursor() as cur:
        cur.execute("SELECT 7")
        assert cur.fetchone() == (7,)
    kept.close()
    # Others are not affected.
    assert port_on_new_connection() == PRIMARY


def test_offline_hard_server_gets_no_more_queries(junction):
    junction.write_config(servers=[(0, PRIMARY), (0, REPLICA1)])
    junction.start()
    a = junction.admin()

    seen: set[int] = set()
    wait_until(lambda: seen.add(port_on_new_connection()) or seen == {PRIMARY, REPLICA1}, timeout=30,
               interval=0, what="both servers of hostgroup 0 to answer")
    kept = proxy_login(PROXY_PORT, "app", "app")
    for _ in range(10):
        port_of(kept)

    a.run(f"UPDATE mysql_servers SET status = 'OFFLINE_HARD' WHERE port = {REPLICA1}")
    a.run("LOAD MYSQL SERVERS TO RUNTIME")
    assert a.rows(f"SELECT status FROM runtime_mysql_servers WHERE port = {REPLICA1}") == [("OFFLINE_HARD",)]

    fresh = [port_on_new_connection() for _ in range(30)]
    assert set(fresh) == {PRIMARY}, f"new connections still reached the OFFLINE_HARD server: {fresh}"
    on_kept = [port_of(kept) for _ in range(30)]
    assert set(on_kept) == {PRIMARY}, f"a kept connection still reached the OFFLINE_HARD server: {on_kept}"

    # And back: ONLINE again is live too.
    a.run(f"UPDATE mysql_servers SET status = 'ONLINE' WHERE port = {REPLICA1}")
    a.run("LOAD MYSQL SERVERS TO RUNTIME")
    wait_until(lambda: port_on_new_connection() == REPLICA1, timeout=30, interval=0,
               what="the server back ONLINE to answer again")
    kept.close()


class QueryLoop:
    """Runs `SELECT <n>` on one kept connection, and on a new connection every 10th query, until stopped."""

    def __init__(self):
        self.stop = threading.Event()
        self.queries = 0
        self.errors: list[str] = []
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _query(self, conn, n: int):
        with conn.cursor() as cur:
            cur.execute(f"SELECT {n}")
            row = cur.fetchone()
        if row != (n,):
            raise AssertionError(f"SELECT {n} returned {row!r}")

    def _run(self):
        kept = None
        n = 0
        while not self.stop.is_set():
            n += 1
            try:
                if kept is None:
                    kept = proxy_login(PROXY_PORT, "app", "app")
                if n % 10 == 0:
                    fresh = proxy_login(PROXY_PORT, "app", "app")
                    self._query(fresh, n)
                    fresh.close()
                else:
                    self._query(kept, n)
                self.queries += 1
            except (pymysql.err.MySQLError, OSError, AssertionError) as e:
                self.errors.append(f"query {n}: {e!r}")
                if len(self.errors) > 20:
                    break
        if kept is not None:
            kept.close()

    def wait_for_more(self, than: int):
        wait_until(lambda: self.queries > than or self.errors, timeout=30, interval=0.01,
                   what="the query loop to make progress")


def test_loads_while_queries_run(junction):
    junction.write_config(servers=[(0, PRIMARY), (0, REPLICA1)])
    junction.start()
    a = junction.admin()
    loop = QueryLoop()
    loop.thread.start()
    try:
        loop.wait_for_more(20)
        changes = [
            ("MYSQL SERVERS", f"UPDATE mysql_servers SET weight = weight + 1 WHERE port = {REPLICA1}"),
            ("MYSQL USERS", "UPDATE mysql_users SET max_connections = max_connections - 1 WHERE username = 'app'"),
            ("MYSQL VARIABLES", "SET mysql-max_connections = 3000"),
            ("MYSQL QUERY RULES", "INSERT INTO mysql_query_rules (active, match_digest, apply) VALUES (0, '^SELECT nothing', 1)"),
            ("ADMIN VARIABLES", "SET admin-refresh_interval = 2100"),
        ]
        for i in range(10):
            module, change = changes[i % len(changes)]
            a.run(change)
            before = loop.queries
            assert a.run(f"LOAD {module} TO RUNTIME") == 0
            loop.wait_for_more(before + 5)
    finally:
        loop.stop.set()
        loop.thread.join(timeout=30)
    assert not loop.errors, f"queries failed during LOAD ... TO RUNTIME: {loop.errors[:5]}"
    assert loop.queries > 50
    assert a.value(f"SELECT weight FROM runtime_mysql_servers WHERE port = {REPLICA1}") == "3"
    assert int(a.value("SELECT version FROM runtime_checksums_values WHERE name = 'mysql_servers'")) == 3
