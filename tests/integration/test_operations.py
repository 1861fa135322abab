"""Running Junction as a service: `junction health` (what keepalived and load balancers ask) says healthy only when
the node accepts clients, is not stopping and reaches an ONLINE writer, with its exit code and one line saying why;
SIGTERM with `stop_grace_period_ms` keeps serving while the check already fails, then lets running transactions
finish, so a planned stop under a write loop fails no write; SIGHUP merges the config file like `--reload`; systemd
hears READY=1 once both ports listen and STOPPING=1 when a stop begins."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time

import pymysql
import pytest

from admin_helpers import JunctionProcess, lab_sql, proxy_login
from conftest import DIRECT, HOST, LAB_PORT, _junction_bin, wait_until

pytestmark = [pytest.mark.skipif(DIRECT, reason="about Junction's process"), pytest.mark.proxy_only]

ADMIN, PROXY = 17432, 17433
DEAD_PORT = 17499  # nothing listens here


def health(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(_junction_bin()), "health", *args], capture_output=True, text=True, timeout=30)


@pytest.fixture
def node(tmp_path, lab):
    j = JunctionProcess(tmp_path, ADMIN, PROXY)
    j.write_config(servers=[(10, LAB_PORT), (30, DEAD_PORT)], users=[("app", "app", 10)],
                   sections="stop_grace_period_ms=1500\nstop_drain_timeout_ms=8000\n")
    yield j
    rc = j.stop()
    assert rc == 0, f"junction exited with {rc}:\n{j.log()}"


def test_health_exit_codes_say_why(node):
    config = str(node.config_path)
    closed = health("-c", config, "--timeout-ms", "500")
    assert closed.returncode == 1 and "does not accept connections (connection refused)" in closed.stdout, closed
    node.start()
    ok = health("-c", config)
    assert ok.returncode == 0, ok
    assert ok.stdout.strip() == f"healthy: clients accepted on {HOST}:{PROXY}, writer {HOST}:{LAB_PORT} reachable"
    admin = node.admin()
    admin.run("UPDATE mysql_users SET default_hostgroup=30")
    admin.run("LOAD MYSQL USERS TO RUNTIME")
    unreachable = health("-c", config, "--timeout-ms", "500")
    assert unreachable.returncode == 1, unreachable
    assert f"no ONLINE writer reachable ({HOST}:{DEAD_PORT}: connection refused)" in unreachable.stdout
    admin.run("UPDATE mysql_servers SET status='OFFLINE_SOFT' WHERE hostgroup_id=30")
    admin.run("LOAD MYSQL SERVERS TO RUNTIME")
    none = health("-c", config)
    assert none.returncode == 1 and "no ONLINE writer in the runtime configuration" in none.stdout, none
    wrong = health("-c", config, "--password", "wrong")
    assert wrong.returncode == 1 and "Access denied" in wrong.stdout, wrong
    # Addresses given on the command line instead of a config file.
    admin.run("UPDATE mysql_users SET default_hostgroup=10")
    admin.run("LOAD MYSQL USERS TO RUNTIME")
    given = health("--admin", f"{HOST}:{ADMIN}", "--client", f"{HOST}:{PROXY}", "--user", "admin", "--password", "admin")
    assert given.returncode == 0, given


def test_a_planned_stop_under_a_write_loop_fails_no_write(node):
    """Writers open a connection per transaction (two INSERTs around a short sleep) until the health check fails, as
    a load balancer would stop sending them; SIGTERM comes in the middle. Every transaction begun commits."""
    table = "sbtest.planned_stop"
    lab_sql(f"DROP TABLE IF EXISTS {table}; CREATE TABLE {table} (id INT PRIMARY KEY, part INT)")
    node.start()
    healthy = threading.Event()
    healthy.set()
    failures: list[str] = []
    committed: list[int] = []
    lock = threading.Lock()
    counter = iter(range(1, 1_000_000))

    def writer():
        while healthy.is_set():
            with lock:
                n = next(counter)
            try:
                conn = proxy_login(PROXY, "app", "app")
                with conn.cursor() as cur:
                    cur.execute("BEGIN")
                    cur.execute(f"INSERT INTO {table} VALUES ({n * 2}, 1)")
                    cur.execute("DO SLEEP(0.3)")
                    cur.execute(f"INSERT INTO {table} VALUES ({n * 2 + 1}, 2)")
                    cur.execute("COMMIT")
                conn.close()
                with lock:
                    committed.append(n)
            except pymysql.MySQLError as e:
                with lock:
                    failures.append(f"transaction {n}: {e}")

    def balancer():
        while healthy.is_set():
            if health("-c", str(node.config_path), "--timeout-ms", "500").returncode != 0:
                healthy.clear()
            time.sleep(0.1)

    threads = [threading.Thread(target=writer) for _ in range(4)] + [threading.Thread(target=balancer)]
    for t in threads:
        t.start()
    time.sleep(1.5)
    os.kill(node.proc.pid, signal.SIGTERM)
    stopped_at = time.monotonic()
    for t in threads:
        t.join(timeout=30)
    assert not healthy.is_set(), "the health check failed after SIGTERM"
    assert node.proc.wait(timeout=20) == 0, node.log()
    assert failures == [], failures
    assert len(committed) >= 8, committed
    rows = int(lab_sql(f"SELECT COUNT(*) FROM {table}").split()[-1])
    assert rows == 2 * len(committed), "every committed transaction is whole in the table"
    assert time.monotonic() - stopped_at >= 1.4, "it served through the grace period"
    assert "stopping: the health check reports it" in node.log()


def test_sighup_merges_the_config_file(node):
    node.start()
    admin = node.admin()
    text = node.config_path.read_text().replace('default_hostgroup=10', 'default_hostgroup=10, comment="reloaded"')
    node.config_path.write_text(text + f'mysql_query_rules = ( {{ rule_id=7, active=1, match_pattern="^SELECT 7", apply=1 }} )\n')
    os.kill(node.proc.pid, signal.SIGHUP)
    wait_until(lambda: admin.rows("SELECT comment FROM runtime_mysql_users") == [("reloaded",), ("reloaded",)],
               timeout=10, what="the reloaded user")
    assert admin.rows("SELECT rule_id FROM runtime_mysql_query_rules") == [("7",)]
    assert admin.rows("SELECT rule_id FROM disk.mysql_query_rules") == [("7",)], "saved to disk as --reload does"
    conn = proxy_login(PROXY, "app", "app")
    with conn.cursor() as cur:
        cur.execute("SELECT 1")
    conn.close()
    # A file that does not parse changes nothing and is logged.
    node.config_path.write_text(text + "mysql_servers = ( {\n")
    os.kill(node.proc.pid, signal.SIGHUP)
    wait_until(lambda: "reload: the config file was not (fully) loaded" in node.log(), timeout=10, what="the refused reload")
    assert admin.rows("SELECT rule_id FROM runtime_mysql_query_rules") == [("7",)]


def test_systemd_hears_ready_then_stopping(node, tmp_path):
    path = str(tmp_path / "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(20)
    os.environ["NOTIFY_SOCKET"] = path
    try:
        node.start()
    finally:
        del os.environ["NOTIFY_SOCKET"]
    assert sock.recv(256) == b"READY=1"
    with socket.create_connection((HOST, PROXY), timeout=5), socket.create_connection((HOST, ADMIN), timeout=5):
        pass  # both ports listened when READY=1 came
    os.kill(node.proc.pid, signal.SIGTERM)
    assert sock.recv(256) == b"STOPPING=1"
    assert node.proc.wait(timeout=20) == 0
    sock.close()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_a_stop_during_the_first_start_leaves_a_first_start(tmp_path, lab, sig):
    """systemd may stop (or kill) Junction while it is still starting: SIGTERM stops it cleanly, and either way the
    next start still takes the config file (a half-made junction.db is not mistaken for a saved configuration)."""
    j = JunctionProcess(tmp_path, ADMIN, PROXY)
    j.write_config(users=[("app", "app", 0, 'comment="from the file"')])
    j.datadir.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen([str(_junction_bin()), "-f", "-c", str(j.config_path)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    # As soon as the configuration database appears: the first start is under way, nothing saved yet.
    wait_until(lambda: (j.datadir / "junction.db").exists(), timeout=10, interval=0.005, what="junction.db created")
    proc.send_signal(sig)
    assert proc.wait(timeout=20) == (0 if sig == signal.SIGTERM else -9), "SIGTERM stops cleanly, not by the signal"
    j.start()
    try:
        assert j.admin().rows("SELECT DISTINCT comment FROM runtime_mysql_users") == [("from the file",)]
    finally:
        assert j.stop() == 0, j.log()
