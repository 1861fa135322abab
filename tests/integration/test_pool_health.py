"""Pooled backend connections that died while idle are never handed to a client: connections idle for a while are
validated before reuse, idle ones are pinged (`mysql-ping_interval_server_msec`) and dropped when dead, and a
connection the server killed is not used.

The network is broken with a TCP relay (tcp_relay.py) between Junction and replica 1 (@@server_id 2): its
`drop_existing()` is a firewall/NAT that forgot every connection, so Junction's pooled sockets stay open, silently,
and the first byte Junction sends on one is answered with a TCP RST. ProxySQL hands such connections to clients and
they get 2013 "Lost connection".

Each test starts its own Junction (admin 17632, clients 17633) with the server under test alone in hostgroup 0, the
default hostgroup of app.
"""

from __future__ import annotations

import threading
import time

import pymysql
import pytest

from admin_helpers import Admin, own_junction, proxy_login
from conftest import DIRECT, HOST, LAB_PORT, wait_until

pytestmark = [pytest.mark.skipif(DIRECT, reason="about Junction's connection pool"), pytest.mark.proxy_only]

ADMIN_PORT = 17632
PROXY_PORT = 17633
REPLICA1 = LAB_PORT + 1
REPLICA1_ID = 2
WARM_CLIENTS = 8


@pytest.fixture
def junction(tmp_path, lab):
    """A Junction of this test's own; stopped (and required to stop cleanly) at the end."""
    yield from own_junction(tmp_path, ADMIN_PORT, PROXY_PORT)


def start(junction, server_port: int, extra: str = "") -> Admin:
    junction.write_config(servers=[(0, server_port)], users=[("app", "app", 0)], mysql_variables=extra)
    junction.start()
    return junction.admin()


def conn_free(a: Admin, port: int) -> int:
    """ConnFree of a server in stats_mysql_connection_pool (summed over its hostgroups)."""
    return sum(int(v) for (v,) in a.rows(f"SELECT ConnFree FROM stats_mysql_connection_pool WHERE srv_port = {port}"))


def in_threads(n: int, work) -> list[str]:
    """Runs work(i) in n threads started together; returns the errors (repr), one per failed thread."""
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(n)

    def run(i):
        try:
            barrier.wait(timeout=30)
            work(i)
        except Exception as e:  # noqa: BLE001 - reported by the test
            with lock:
                errors.append(f"client {i}: {e!r}")

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "client threads did not finish"
    return errors


def warm_pool(a: Admin, port: int, n: int = WARM_CLIENTS) -> int:
    """n clients run a query at the same time (each holds its backend connection for 0.2 s, so that about n of them
    are opened), then disconnect: the backend connections go back to Junction's pool. Returns ConnFree."""

    def work(i):
        c = proxy_login(PROXY_PORT, "app", "app")
        try:
            with c.cursor() as cur:
                cur.execute("SELECT 1, SLEEP(0.2)")
                assert cur.fetchall() == ((1, 0),)
        finally:
            c.close()

    errors = in_threads(n, work)
    assert errors == [], f"warming the pool failed: {errors}"
    free = wait_until(lambda: (lambda f: f if f >= 2 else 0)(conn_free(a, port)), timeout=5,
                      what=f"pooled (free) connections to port {port}")
    print(f"pool warmed: ConnFree={free} for port {port}")
    return free


def concurrent_reads(clients: int, reads_each: int, sql: str = "SELECT @@server_id") -> tuple[list, list[str]]:
    """`clients` new client connections, started together, each running `sql` `reads_each` times. Returns (the first
    column of every answer, one error per failed read)."""
    answers: list = []
    errors: list[str] = []
    lock = threading.Lock()

    def work(i):
        c = None
        try:
            for k in range(reads_each):
                stage = "connect"
                try:
                    if c is None:
                        # (PyMySQL's login sends SET NAMES, which needs a backend connection too.)
                        c = proxy_login(PROXY_PORT, "app", "app")
                    stage = "read"
                    with c.cursor() as cur:
                        cur.execute(sql)
                        row = cur.fetchone()
                    with lock:
                        answers.append(row[0])
                except pymysql.err.MySQLError as e:
                    with lock:
                        errors.append(f"client {i} read {k} ({stage}): {e.args!r}")
                    if c is not None and not c.open:
                        c = None
        finally:
            if c is not None:
                c.close()

    failed = in_threads(clients, work)
    return answers, errors + failed


@pytest.mark.timeout(90)
def test_reads_survive_pooled_connections_the_network_dropped(junction, relays):
    relay = relays(REPLICA1)
    a = start(junction, relay.port)
    warm_pool(a, relay.port)
    print(f"relayed connections before the drop: {relay.connection_count()}")

    # Junction validates a pooled connection idle for 500 ms or more before handing it out: be past that.
    time.sleep(1.0)
    dropped = relay.drop_existing()
    assert dropped >= 2, f"only {dropped} relayed connections to drop"

    answers, errors = concurrent_reads(WARM_CLIENTS, 5, "SELECT @@server_id, SLEEP(0.05)")
    print(f"{dropped} pooled connections dropped by the network; {len(answers)} reads answered, {len(errors)} errors; "
          f"resets sent by the relay: {relay.resets_sent}, ConnFree now {conn_free(a, relay.port)}")
    for e in errors[:10]:
        print("  ", e)
    assert errors == [], f"{len(errors)} of {WARM_CLIENTS * 5} reads failed; first: {errors[:3]}"
    assert answers == [REPLICA1_ID] * (WARM_CLIENTS * 5)


@pytest.mark.timeout(90)
def test_idle_pooled_connections_are_pinged_and_dead_ones_dropped(junction, relays):
    relay = relays(REPLICA1)
    a = start(junction, relay.port)
    a.run("SET mysql-ping_interval_server_msec = 1000")
    a.run("LOAD MYSQL VARIABLES TO RUNTIME")
    assert a.variable("mysql-ping_interval_server_msec", "runtime") == "1000"
    warm_pool(a, relay.port)

    dropped = relay.drop_existing()
    assert dropped >= 2, f"only {dropped} relayed connections to drop"
    started = time.monotonic()
    # No client traffic from here on: only Junction's own pings can find the dead connections.
    try:
        wait_until(lambda: conn_free(a, relay.port) == 0, timeout=6, interval=0.1,
                   what="the dead pooled connections to be pinged and dropped (ConnFree = 0)")
    finally:
        print(f"after {time.monotonic() - started:.1f}s: ConnFree={conn_free(a, relay.port)}, "
              f"resets sent by the relay (bytes Junction sent on dropped connections): {relay.resets_sent}")


def app_sleepers(port: int) -> list[int]:
    """Thread ids of the idle ('Sleep') connections of user app on a lab server, but the one asking."""
    c = pymysql.connect(host=HOST, port=port, user="app", password="app", autocommit=True, connect_timeout=10)
    try:
        with c.cursor() as cur:
            cur.execute("SELECT ID FROM information_schema.PROCESSLIST WHERE USER = 'app' AND COMMAND = 'Sleep' "
                        "AND ID <> CONNECTION_ID()")
            return [int(r[0]) for r in cur.fetchall()]
    finally:
        c.close()


@pytest.mark.timeout(90)
def test_killed_idle_pooled_connections_are_not_used(junction):
    a = start(junction, REPLICA1)
    free = warm_pool(a, REPLICA1)

    # Junction's pooled connections (stats_mysql_free_connections.fd is the server's thread id), as the replica sees
    # them: idle threads of app. Only those are killed (another Junction's connections are left alone).
    pooled = {int(fd) for (fd,) in a.rows(f"SELECT fd FROM stats_mysql_free_connections WHERE srv_port = {REPLICA1}")}
    victims = sorted(pooled & set(app_sleepers(REPLICA1)))
    assert len(victims) >= 2 and len(victims) == free, \
        f"pooled connections {sorted(pooled)} (ConnFree {free}), idle app threads on the replica among them: {victims}"
    killer = pymysql.connect(host=HOST, port=REPLICA1, user="app", password="app", autocommit=True,
                             connect_timeout=10)
    try:
        with killer.cursor() as cur:
            for thread_id in victims:
                try:
                    cur.execute(f"KILL CONNECTION {thread_id}")
                except pymysql.err.OperationalError as e:
                    if e.args[0] != 1094:  # unknown thread: it ended meanwhile
                        raise
    finally:
        killer.close()
    # The server has ended them (and closed their sockets) before Junction is asked for anything.
    wait_until(lambda: not set(victims) & set(app_sleepers(REPLICA1)), timeout=10,
               what="the killed threads to leave the replica's processlist")

    answers, errors = concurrent_reads(10, 1, "SELECT @@server_id, SLEEP(0.1)")
    print(f"killed {len(victims)} idle app threads on the replica; 10 reads: {len(answers)} answered, "
          f"{len(errors)} errors {errors[:3]}")
    assert errors == [], f"{len(errors)} of 10 reads failed: {errors[:3]}"
    assert answers == [REPLICA1_ID] * 10


@pytest.mark.timeout(90)
def test_a_query_on_a_server_that_stops_answering_pings_fails_instead_of_hanging(junction, relays):
    """A server vanishes from the network (no FIN, no RST: a cable pulled) while a client's query runs on it.
    TCP alone would leave the client waiting for many minutes; the monitor shuns the server after
    `mysql-monitor_ping_max_failures` failed pings and closes its connections, so the client gets an error
    within seconds (a read is first tried again elsewhere: with no other server in the hostgroup, that
    ends after `mysql-connect_timeout_server_max`)."""
    relay = relays(REPLICA1)
    a = start(junction, relay.port, extra="monitor_enabled=true monitor_ping_interval=300 monitor_ping_timeout=200 "
                                         "monitor_ping_max_failures=2 monitor_connect_interval=60000 "
                                         "connect_timeout_server_max=3000")
    wait_until(lambda: a.value(f"SELECT COUNT(*) FROM monitor.mysql_server_ping_log WHERE port = {relay.port} "
                               "AND ping_error IS NULL") != "0", timeout=10, what="a first good ping")
    c = proxy_login(PROXY_PORT, "app", "app")
    outcome: dict = {}

    def long_query():
        started = time.monotonic()
        try:
            with c.cursor() as cur:
                cur.execute("SELECT SLEEP(30)")
                outcome["result"] = cur.fetchall()
        except pymysql.err.MySQLError as e:
            outcome["error"] = e
        outcome["seconds"] = time.monotonic() - started

    runner = threading.Thread(target=long_query, daemon=True)
    runner.start()
    time.sleep(0.5)  # the query is on the server
    relay.refuse_new(True)  # the server's address stops accepting connections …
    relay.drop_existing()   # … and every open connection goes silent
    runner.join(timeout=45)
    assert not runner.is_alive(), "the client still waits 45 s after its server vanished"
    print(f"outcome after {outcome.get('seconds', 0):.1f}s: {outcome.get('error') or outcome.get('result')!r}")
    assert "error" in outcome, f"no error: {outcome!r}"
    assert outcome["seconds"] < 10, f"the error came after {outcome['seconds']:.1f}s"
    wait_until(lambda: a.value(f"SELECT status FROM runtime_mysql_servers WHERE port = {relay.port}") == "SHUNNED",
               timeout=5, what="the server shunned")
    c.close()


@pytest.mark.timeout(120)
def test_clients_beyond_a_servers_max_connections_wait_their_turn(junction):
    """100 clients query at once a server whose mysql_servers.max_connections is 4: every query is answered
    (they queue for the 4 connections, none gets ERR 9001 or a connection the server would refuse), and the
    server never sees more than 4 connections from Junction."""
    a = start(junction, REPLICA1)
    a.run(f"UPDATE mysql_servers SET max_connections = 4 WHERE port = {REPLICA1}")
    a.run("LOAD MYSQL SERVERS TO RUNTIME")
    conns = [proxy_login(PROXY_PORT, "app", "app") for _ in range(100)]
    seen: list[int] = []
    stop = threading.Event()

    def watch():
        while not stop.is_set():
            seen.append(int(a.value(f"SELECT COALESCE(SUM(ConnUsed + ConnFree), 0) FROM stats_mysql_connection_pool "
                                    f"WHERE srv_port = {REPLICA1}")))
            time.sleep(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    answers: dict[int, tuple] = {}

    def ask(i):
        with conns[i].cursor() as cur:
            cur.execute(f"SELECT {i}, SLEEP(0.05)")
            answers[i] = cur.fetchone()

    errors = in_threads(100, ask)
    stop.set()
    watcher.join(timeout=5)
    for c in conns:
        c.close()
    assert errors == [], f"{len(errors)} of 100 clients failed: {errors[:3]}"
    assert sorted(answers) == list(range(100)) and all(answers[i][0] == i for i in answers)
    assert max(seen) <= 4, f"Junction held {max(seen)} connections to a server allowed 4"
