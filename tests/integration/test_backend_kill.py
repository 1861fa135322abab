"""A backend connection killed on the server while a client's query runs on it."""

import threading
import time
import uuid

import pymysql
import pytest

from conftest import wait_until


def _find_thread(direct, marker: str) -> int:
    """The server thread running the statement that carries marker (not the lookup itself)."""
    with direct.cursor() as cur:
        def lookup():
            cur.execute(
                "SELECT ID FROM information_schema.PROCESSLIST "
                "WHERE ID <> CONNECTION_ID() AND INFO LIKE %s", (f"SELECT SLEEP(30), '{marker}'%",))
            row = cur.fetchone()
            return row[0] if row else None

        return wait_until(lookup, timeout=15, what=f"the query {marker} to show in PROCESSLIST")


class _Runner(threading.Thread):
    def __init__(self, conn, sql):
        super().__init__(daemon=True)
        self.conn, self.sql = conn, sql
        self.error: Exception | None = None
        self.result = None
        self.finished_at: float | None = None

    def run(self):
        try:
            with self.conn.cursor() as cur:
                cur.execute(self.sql)
                self.result = cur.fetchall()
        except Exception as e:  # noqa: BLE001 - inspected by the test
            self.error = e
        finally:
            self.finished_at = time.monotonic()


def _run_and_kill(clients, direct_primary, kill: str):
    marker = f"kill-{uuid.uuid4().hex}"
    conn = clients.pymysql(read_timeout=60)
    runner = _Runner(conn, f"SELECT SLEEP(30), '{marker}'")
    runner.start()
    direct = direct_primary()
    thread_id = _find_thread(direct, marker)
    killed_at = time.monotonic()
    with direct.cursor() as cur:
        cur.execute(f"{kill} {int(thread_id)}")
    runner.join(timeout=20)
    assert not runner.is_alive(), "the client still waits 20 s after its backend query was killed"
    return conn, runner, runner.finished_at - killed_at


@pytest.mark.timeout(90)
def test_killed_backend_connection_gives_an_error(clients, direct_primary, proxy):
    conn, runner, delay = _run_and_kill(clients, direct_primary, "KILL CONNECTION")
    assert runner.error is not None, f"no error; the query returned {runner.result!r}"
    assert isinstance(runner.error, pymysql.err.MySQLError), repr(runner.error)
    assert delay < 5, f"the error came {delay:.1f}s after the kill"
    if proxy.direct:
        # Without a proxy the client's own connection is the one that was killed.
        with pytest.raises(pymysql.err.MySQLError):
            conn.ping(reconnect=False)
        return
    # Through the proxy the client connection survives, on a new backend connection.
    with conn.cursor() as cur:
        cur.execute("SELECT 1")
        assert cur.fetchone() == (1,)
        cur.execute("SELECT 'still here', 2 + 2")
        assert cur.fetchone() == ("still here", 4)


@pytest.mark.timeout(90)
def test_killed_query_gives_error_1317_and_connection_goes_on(clients, direct_primary):
    conn, runner, delay = _run_and_kill(clients, direct_primary, "KILL QUERY")
    assert runner.error is not None, f"no error; the query returned {runner.result!r}"
    assert runner.error.args[:2] == (1317, "Query execution was interrupted")
    assert delay < 5
    with conn.cursor() as cur:
        cur.execute("SELECT 1")
        assert cur.fetchone() == (1,)


@pytest.mark.proxy_only
@pytest.mark.timeout(90)
def test_killed_backend_does_not_disturb_other_clients(clients, direct_primary):
    others = [clients.pymysql() for _ in range(5)]
    _run_and_kill(clients, direct_primary, "KILL CONNECTION")
    for n, c in enumerate(others):
        with c.cursor() as cur:
            for k in range(5):
                cur.execute(f"SELECT {n}, {k}")
                assert cur.fetchone() == (n, k)
