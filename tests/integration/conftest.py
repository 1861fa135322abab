"""Shared fixtures for Junction's integration tests.

The tests talk to Junction the way a user would: through the `mariadb` CLI, PyMySQL,
mysql-connector-python and sysbench, with the lab's MariaDB servers behind it.

Environment:
  JUNCTION_BIN          the junction executable (default: .build/release/junction, else
                        .build/debug/junction)
  JUNCTION_TEST_DIRECT  "1": run every test against the lab's primary itself, no proxy.
                        Proves the tests right; tests marked proxy_only are skipped.
  JUNCTION_LAB_PORT     the lab's primary port (default 13306)
"""

from __future__ import annotations

import itertools
import os
import resource
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import mysql.connector
import pymysql
import pytest

REPO = Path(__file__).resolve().parents[2]
LAB_SH = REPO / "lab" / "lab.sh"
HOST = "127.0.0.1"
LAB_PORT = int(os.environ.get("JUNCTION_LAB_PORT", "13306"))
PROXY_PORT = 16033
ADMIN_PORT = 16032
USER = "app"
PASSWORD = "app"
TEST_DB = "junction_it"
DIRECT = os.environ.get("JUNCTION_TEST_DIRECT") == "1"
MAX_PACKET = 64 * 1024 * 1024

# 1,000 client sockets plus the servers' own: lift the soft file limit to the hard one.
_soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
_want = 65536 if _hard == resource.RLIM_INFINITY else min(_hard, 65536)
if _soft != resource.RLIM_INFINITY and _soft < _want:
    resource.setrlimit(resource.RLIMIT_NOFILE, (_want, _hard))


@dataclass(frozen=True)
class Target:
    """Where the clients under test connect: Junction, or the primary in direct mode."""

    host: str
    port: int
    direct: bool
    log_path: Path | None = None


_junction_log: Path | None = None
_counter = itertools.count(1)


def uniq(prefix: str) -> str:
    """A table/procedure name no other test (or earlier run) uses."""
    return f"{prefix}_{os.getpid()}_{next(_counter)}_{uuid.uuid4().hex[:6]}"


def pytest_collection_modifyitems(config, items):
    if not DIRECT:
        return
    skip = pytest.mark.skip(reason="JUNCTION_TEST_DIRECT=1: test is about the proxy")
    for item in items:
        if "proxy_only" in item.keywords:
            item.add_marker(skip)


# Logs of the Junctions a test started itself (admin_helpers.JunctionProcess): shown with its failure.
test_junction_logs: list[Path] = []


def pytest_runtest_setup(item):
    test_junction_logs.clear()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        for path in test_junction_logs:
            lines = path.read_text(errors="replace").splitlines()[-80:] if path.exists() else ["(no log)"]
            report.sections.append((f"junction log (last {len(lines)} lines of {path})", "\n".join(lines)))


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if exitstatus != 0 and _junction_log is not None and _junction_log.exists():
        text = _junction_log.read_text(errors="replace")
        lines = text.splitlines()[-200:]
        terminalreporter.section(f"junction log (last {len(lines)} lines of {_junction_log})")
        terminalreporter.write_line("\n".join(lines))


# ---------------------------------------------------------------- lab and proxy


def _lab_running() -> bool:
    try:
        c = pymysql.connect(host=HOST, port=LAB_PORT, user=USER, password=PASSWORD, connect_timeout=2)
    except pymysql.err.Error:
        return False
    c.close()
    return True


@pytest.fixture(scope="session")
def lab():
    """The lab's three servers, started if needed (lab/lab.sh start is idempotent)."""
    env = dict(os.environ, JUNCTION_LAB_PORT=str(LAB_PORT))
    r = subprocess.run(["bash", str(LAB_SH), "start"], env=env, capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        pytest.exit(f"lab/lab.sh start failed:\n{r.stdout}\n{r.stderr}", returncode=3)
    assert _lab_running(), "lab started but the primary refuses app/app"
    return {"primary": LAB_PORT, "replica1": LAB_PORT + 1, "replica2": LAB_PORT + 2}


def _junction_config(datadir: Path) -> str:
    return f"""datadir="{datadir}"
admin_variables = {{ admin_credentials="admin:admin" mysql_ifaces="{HOST}:{ADMIN_PORT}" }}
mysql_variables = {{ threads=2 interfaces="{HOST}:{PROXY_PORT}" max_connections=4096 monitor_username="monitor" monitor_password="monitor" monitor_enabled=false enable_load_data_local_infile=true }}
mysql_servers = ( {{ address="{HOST}", port={LAB_PORT}, hostgroup=0, max_connections=200 }} )
mysql_users = ( {{ username="{USER}", password="{PASSWORD}", default_hostgroup=0 }} )
"""


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((HOST, port)) == 0


def _junction_bin() -> Path:
    if os.environ.get("JUNCTION_BIN"):
        return Path(os.environ["JUNCTION_BIN"])
    for p in (REPO / ".build" / "release" / "junction", REPO / ".build" / "debug" / "junction"):
        if p.exists():
            return p
    return REPO / ".build" / "release" / "junction"


@pytest.fixture(scope="session")
def proxy(lab, test_db):
    """The MySQL endpoint under test: a running Junction (or the primary in direct mode)."""
    global _junction_log
    if DIRECT:
        yield Target(HOST, LAB_PORT, direct=True)
        return
    binary = _junction_bin()
    if not binary.exists():
        pytest.exit(f"junction binary not found at {binary} (set JUNCTION_BIN, or JUNCTION_TEST_DIRECT=1)", returncode=3)
    if _port_open(PROXY_PORT) or _port_open(ADMIN_PORT):
        pytest.exit(f"port {PROXY_PORT} or {ADMIN_PORT} is already taken: is another junction running?", returncode=3)
    tmp = Path(tempfile.mkdtemp(prefix="junction-it-"))
    cfg = tmp / "junction.cnf"
    cfg.write_text(_junction_config(tmp))
    log_path = tmp / "junction.log"
    _junction_log = log_path
    log = open(log_path, "wb")
    proc = subprocess.Popen(
        [str(binary), "-f", "-c", str(cfg), "-D", str(tmp)],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        last_error: Exception | None = None
        while True:
            if proc.poll() is not None:
                log.flush()
                pytest.exit(f"junction exited with {proc.returncode} during startup:\n"
                            + log_path.read_text(errors="replace")[-8000:], returncode=3)
            try:
                c = pymysql.connect(host=HOST, port=PROXY_PORT, user=USER, password=PASSWORD,
                                    connect_timeout=2, read_timeout=5)
                with c.cursor() as cur:
                    cur.execute("SELECT 1")
                    assert cur.fetchone() == (1,)
                c.close()
                break
            except (pymysql.err.Error, OSError, AssertionError) as e:
                last_error = e
            if time.monotonic() > deadline:
                pytest.exit(f"junction did not accept a MySQL login on {PROXY_PORT} within 60s "
                            f"(last error: {last_error!r}):\n" + log_path.read_text(errors="replace")[-8000:],
                            returncode=3)
            time.sleep(0.2)
        yield Target(HOST, PROXY_PORT, direct=False, log_path=log_path)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=15)
        log.close()
        if proc.returncode not in (0, -signal.SIGTERM):
            print(f"\njunction exited with {proc.returncode}; log: {log_path}")


@pytest.fixture(scope="session")
def test_db(lab):
    """A schema for the tests' own tables, made (and dropped at the end) on the primary."""
    c = direct_primary_conn()
    with c.cursor() as cur:
        cur.execute(f"CREATE DATABASE IF NOT EXISTS {TEST_DB}")
    c.close()
    yield TEST_DB
    # A new connection: fault tests restart the lab's primary, which ends any connection held across the run.
    c = direct_primary_conn()
    with c.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {TEST_DB}")
    c.close()


# ---------------------------------------------------------------- connection factories


def direct_primary_conn(**kw) -> pymysql.connections.Connection:
    """A PyMySQL connection straight to the lab's primary, for inspection (PROCESSLIST, KILL)."""
    args = dict(host=HOST, port=LAB_PORT, user=USER, password=PASSWORD, autocommit=True,
                connect_timeout=10, read_timeout=120, max_allowed_packet=MAX_PACKET)
    args.update(kw)
    return pymysql.connect(**args)


@pytest.fixture
def direct_primary(lab):
    conns = []

    def factory(**kw):
        c = direct_primary_conn(**kw)
        conns.append(c)
        return c

    yield factory
    for c in conns:
        _close_quietly(c)


def _close_quietly(c):
    try:
        c.close()
    except Exception:
        pass


class Clients:
    """Connection factories pointed at the target; everything opened is closed after the test."""

    def __init__(self, target: Target, db: str):
        self.target = target
        self.db = db
        self._open: list = []
        self._lock = threading.Lock()

    def _keep(self, c):
        with self._lock:
            self._open.append(c)
        return c

    def pymysql(self, **kw) -> pymysql.connections.Connection:
        args = dict(host=self.target.host, port=self.target.port, user=USER, password=PASSWORD,
                    database=self.db, autocommit=True, connect_timeout=10, read_timeout=120,
                    write_timeout=120, max_allowed_packet=MAX_PACKET, charset="utf8mb4")
        args.update(kw)
        return self._keep(pymysql.connect(**args))

    def connector(self, **kw):
        """mysql-connector-python (pure Python: its binary protocol is what `prepared=True` uses)."""
        args = dict(host=self.target.host, port=self.target.port, user=USER, password=PASSWORD,
                    database=self.db, autocommit=True, connection_timeout=10, use_pure=True,
                    charset="utf8mb4", collation="utf8mb4_general_ci")
        args.update(kw)
        return self._keep(mysql.connector.connect(**args))

    def cli(self, *args: str, input: str | None = None, database: str | None = "",
            timeout: float = 60, user: str = USER, password: str = PASSWORD) -> subprocess.CompletedProcess:
        """Run the `mariadb` command-line client against the target."""
        exe = shutil.which("mariadb") or shutil.which("mysql")
        assert exe, "the mariadb client is not installed"
        cmd = [exe, "--no-defaults", "--protocol=tcp", f"--host={self.target.host}",
               f"--port={self.target.port}", f"--user={user}", f"--password={password}"]
        db = self.db if database == "" else database
        if db:
            cmd.append(f"--database={db}")
        cmd.extend(args)
        return subprocess.run(cmd, input=input, capture_output=True, text=True, timeout=timeout)

    def close_all(self):
        with self._lock:
            conns, self._open = self._open, []
        for c in conns:
            _close_quietly(c)


@pytest.fixture
def clients(proxy, test_db):
    c = Clients(proxy, test_db)
    yield c
    c.close_all()


@pytest.fixture
def table(test_db, direct_primary):
    """Returns a function making unique table names; the tables are dropped after the test."""
    names: list[str] = []

    def make(prefix: str = "t") -> str:
        name = uniq(prefix)
        names.append(name)
        return name

    yield make
    if names:
        c = direct_primary(database=test_db)
        with c.cursor() as cur:
            # A client connection still open (and maybe in a transaction) can hold a metadata
            # lock on the table; do not wait long for it: the schema is dropped at the end anyway.
            cur.execute("SET SESSION lock_wait_timeout = 5")
            for n in names:
                try:
                    cur.execute(f"DROP TABLE IF EXISTS `{n}`")
                except pymysql.err.OperationalError as e:
                    if e.args[0] != 1205:
                        raise
                    print(f"table {n} is still locked by a client; left for the final cleanup")


# ---------------------------------------------------------------- background load


class Hammer:
    """N connections running `SELECT 1` in a loop, so that backend connections get shared."""

    def __init__(self, clients: Clients, n: int = 20, max_seconds: float = 90):
        self.clients = clients
        self.n = n
        self.max_seconds = max_seconds
        self.stop_event = threading.Event()
        self.errors: list[str] = []
        self.queries = 0
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._ready = threading.Barrier(n + 1)

    def _run(self, i: int):
        deadline = time.monotonic() + self.max_seconds
        count = 0
        try:
            c = self.clients.pymysql()
            cur = c.cursor()
        except Exception as e:  # noqa: BLE001 - reported as a test failure
            with self._lock:
                self.errors.append(f"hammer {i}: connect: {e!r}")
            self._ready.abort()
            return
        try:
            self._ready.wait(timeout=60)
        except threading.BrokenBarrierError:
            pass
        try:
            while not self.stop_event.is_set() and time.monotonic() < deadline:
                cur.execute("SELECT 1")
                row = cur.fetchone()
                if row != (1,):
                    raise AssertionError(f"SELECT 1 returned {row!r}")
                count += 1
        except Exception as e:  # noqa: BLE001
            with self._lock:
                self.errors.append(f"hammer {i}: {e!r}")
        finally:
            with self._lock:
                self.queries += count

    def start(self):
        for i in range(self.n):
            t = threading.Thread(target=self._run, args=(i,), daemon=True, name=f"hammer-{i}")
            t.start()
            self._threads.append(t)
        try:
            self._ready.wait(timeout=60)
        except threading.BrokenBarrierError:
            pass
        assert not self.errors, self.errors

    def stop(self):
        self.stop_event.set()
        for t in self._threads:
            t.join(timeout=30)
        assert not any(t.is_alive() for t in self._threads), "hammer threads did not stop"
        assert not self.errors, f"concurrent SELECT 1 load failed: {self.errors[:5]}"
        assert self.queries > 0


@pytest.fixture
def hammer(clients):
    """Starts 20 connections hammering `SELECT 1` for the duration of the test."""
    h = Hammer(clients, n=20)
    h.start()
    yield h
    h.stop()


def wait_until(predicate, timeout: float, interval: float = 0.05, what="condition"):
    """Polls predicate until it returns a truthy value, which is returned; fails after timeout. `what` names
    the condition in the failure (a callable is asked then, to describe the state it failed in)."""
    deadline = time.monotonic() + timeout
    while True:
        v = predicate()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what() if callable(what) else what}")
        time.sleep(interval)


@pytest.fixture
def relays():
    """Makes relays (`relays(target_port)`); all closed after the test."""
    from tcp_relay import Relay

    made: list = []

    def make(target_port: int):
        r = Relay(target_port)
        made.append(r)
        return r

    yield make
    for r in made:
        r.close()
