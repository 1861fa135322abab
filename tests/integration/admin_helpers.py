"""Helpers shared by the admin-interface tests (test_admin_*.py).

- `Admin`: one PyMySQL connection to an admin port, with one-line helpers for rows, values and errors.
- `cli` / `transcript`: the `mariadb` command-line client, as the tutorial uses it, and parsers for what it prints
  (`--table` frames, `\\G` records, and `-vvv` transcripts: each statement, then its table or "Query OK" line).
- `JunctionProcess`: a dedicated Junction with its own datadir, config file and ports.
- `lab_sql`: SQL as the lab's administrator on its primary (unix socket), e.g. to create the users Junction logs in
  with.
"""

from __future__ import annotations

import getpass
import os
import re
import shutil
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pymysql

from conftest import HOST, LAB_PORT, LAB_SH, _junction_bin, test_junction_logs, wait_until

ADMIN_USER = "admin"
ADMIN_PASSWORD = "admin"


# ---------------------------------------------------------------- PyMySQL


class Admin:
    """A PyMySQL connection to an admin port. Values come back as text, as the admin sends them."""

    def __init__(self, port: int, user: str = ADMIN_USER, password: str = ADMIN_PASSWORD, **kw):
        args = dict(host=HOST, port=port, user=user, password=password, autocommit=True,
                    connect_timeout=5, read_timeout=60, write_timeout=60)
        args.update(kw)
        self.conn = pymysql.connect(**args)

    def run(self, sql: str) -> int:
        """Executes a statement that must succeed; returns the affected-rows count."""
        with self.conn.cursor() as cur:
            return cur.execute(sql)

    def rows(self, sql: str) -> list[tuple]:
        with self.conn.cursor() as cur:
            cur.execute(sql)
            return list(cur.fetchall())

    def columns(self, sql: str) -> list[str]:
        with self.conn.cursor() as cur:
            cur.execute(sql)
            cur.fetchall()
            return [d[0] for d in cur.description]

    def value(self, sql: str):
        rows = self.rows(sql)
        assert len(rows) == 1 and len(rows[0]) == 1, f"{sql!r} returned {rows!r}, expected one value"
        return rows[0][0]

    def column(self, sql: str) -> list:
        return [r[0] for r in self.rows(sql)]

    def error(self, sql: str) -> tuple[int, str]:
        """Executes a statement that must fail; returns (error code, message)."""
        try:
            with self.conn.cursor() as cur:
                cur.execute(sql)
                result = cur.fetchall() if cur.description else None
        except pymysql.err.MySQLError as e:
            return e.args[0], e.args[1] if len(e.args) > 1 else ""
        raise AssertionError(f"{sql[:200]!r} succeeded (result {result!r}); an error was expected")

    def variable(self, name: str, schema: str = "main") -> str | None:
        table = "runtime_global_variables" if schema == "runtime" else f"{schema}.global_variables"
        rows = self.rows(f"SELECT variable_value FROM {table} WHERE variable_name = '{name}'")
        return rows[0][0] if rows else None

    def close(self):
        try:
            self.conn.close()
        except Exception:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def connect_error(port: int, user: str, password: str, **kw) -> tuple[int, str]:
    """Logs in with PyMySQL where the login must be refused; returns (error code, message)."""
    try:
        c = pymysql.connect(host=kw.pop("host", HOST), port=port, user=user, password=password,
                            connect_timeout=5, read_timeout=10, **kw)
    except pymysql.err.MySQLError as e:
        return e.args[0], e.args[1] if len(e.args) > 1 else ""
    c.close()
    raise AssertionError(f"{user!r} logged in on {port}; the login should have been refused")


# ---------------------------------------------------------------- the mariadb CLI


def _client() -> str:
    exe = shutil.which("mariadb") or shutil.which("mysql")
    assert exe, "the mariadb client is not installed"
    return exe


def cli(port: int, *args: str, user: str = ADMIN_USER, password: str = ADMIN_PASSWORD, input: str | None = None,
        timeout: float = 60) -> subprocess.CompletedProcess:
    """`mariadb -u<user> -p<password> -h127.0.0.1 -P<port> <args>`, as the tutorial logs in."""
    cmd = [_client(), "--no-defaults", f"-u{user}", f"-p{password}", f"-h{HOST}", f"-P{port}", *args]
    return subprocess.run(cmd, input=input, capture_output=True, text=True, timeout=timeout)


@dataclass
class Table:
    """A result set as the client drew it with --table (cells stripped, NULL as the text 'NULL')."""

    header: list[str]
    rows: list[list[str]]

    def column(self, name: str) -> list[str]:
        i = self.header.index(name)
        return [r[i] for r in self.rows]


def parse_tables(text: str) -> list[Table]:
    """Every `+---+` framed table in the client's output. Cells are cut at the `+` positions of the frame, so
    values containing `|` are read correctly; a row whose width differs from the frame's (the client pads wide
    characters such as CJK by display width) is split on `|` instead."""
    tables: list[Table] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if not lines[i].startswith("+-"):
            i += 1
            continue
        frame = lines[i]
        cuts = [m.start() for m in re.finditer(r"\+", frame)]

        def cells(line: str) -> list[str]:
            if len(line) == len(frame):
                return [line[a + 1:b].strip() for a, b in zip(cuts, cuts[1:])]
            parts = [p.strip() for p in line.strip()[1:-1].split("|")]
            assert len(parts) == len(cuts) - 1, f"cannot split {line!r} into {len(cuts) - 1} cells"
            return parts

        header = cells(lines[i + 1])
        assert lines[i + 2] == frame, f"unexpected table layout near: {lines[i:i + 3]!r}"
        rows = []
        j = i + 3
        while j < len(lines) and lines[j] != frame:
            rows.append(cells(lines[j]))
            j += 1
        tables.append(Table(header, rows))
        i = j + 1
    return tables


def parse_vertical(text: str) -> list[dict[str, str]]:
    """The rows of `\\G` output: `*** 1. row ***` blocks of `name: value` lines whose names are right-aligned on
    the colon; a line without that colon continues the previous value (e.g. a multi-line CREATE TABLE)."""
    records: list[dict[str, str]] = []
    colon = None
    last = None
    for line in text.splitlines():
        if re.match(r"^\*+ \d+\. row \*+$", line):
            records.append({})
            colon, last = None, None
            continue
        if not records:
            continue
        m = re.match(r"^( *\S[^:]*): ?(.*)$", line)
        if m and (colon is None or len(m.group(1)) == colon):
            colon = len(m.group(1))
            last = m.group(1).strip()
            records[-1][last] = m.group(2)
        elif last is not None:
            records[-1][last] += "\n" + line
    return records


@dataclass
class Step:
    """One statement of a `mariadb --table -vvv` run and what the client printed for it."""

    sql: str
    output: str

    @property
    def table(self) -> Table | None:
        tables = parse_tables(self.output)
        return tables[0] if tables else None

    @property
    def rows(self) -> list[list[str]]:
        if "Empty set" in self.output:
            return []
        t = self.table
        assert t is not None, f"{self.sql!r} printed no table: {self.output!r}"
        return t.rows

    @property
    def affected(self) -> int | None:
        m = re.search(r"Query OK, (\d+) rows? affected", self.output)
        return int(m.group(1)) if m else None


def transcript(port: int, script: str, **kw) -> list[Step]:
    """Feeds `script` to `mariadb --table -vvv` on stdin, like typing it at the prompt, and returns one Step per
    statement that printed something (`use x` prints nothing in batch mode). The client must exit 0."""
    r = cli(port, "--table", "-vvv", input=script, **kw)
    assert r.returncode == 0, f"mariadb failed ({r.returncode}): {r.stderr}\n{r.stdout[-3000:]}"
    pieces = r.stdout.split("--------------\n")
    steps = []
    for k in range(1, len(pieces) - 1, 2):
        steps.append(Step(pieces[k].strip(), pieces[k + 1].strip()))
    return steps


# ---------------------------------------------------------------- the lab


def _lab_env() -> dict[str, str]:
    r = subprocess.run(["bash", str(LAB_SH), "env"], capture_output=True, text=True, timeout=30,
                       env=dict(os.environ, JUNCTION_LAB_PORT=str(LAB_PORT)))
    assert r.returncode == 0, r.stderr
    env = {}
    for line in r.stdout.splitlines():
        m = re.match(r"export (\w+)=(.*)$", line.strip())
        if m:
            env[m.group(1)] = m.group(2).strip("'\"")
    return env


def lab_sql(sql: str) -> str:
    """Runs SQL on the lab's primary as its administrator: the OS user, over the unix socket (as lab.sh does; there
    is no root login over TCP). Replication copies users and grants to the replicas."""
    socket_path = _lab_env()["JUNCTION_LAB_PRIMARY_SOCKET"]
    r = subprocess.run([_client(), "--no-defaults", "--protocol=socket", f"--socket={socket_path}",
                        f"-u{getpass.getuser()}", "--batch", "--skip-column-names", "-e", sql],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, f"lab SQL failed: {sql}\n{r.stderr}"
    return r.stdout


def create_lab_user(name: str, password: str) -> None:
    """A MariaDB account on the lab (for '%' and 127.0.0.1) that may SELECT anything."""
    lab_sql(f"CREATE USER IF NOT EXISTS '{name}'@'%' IDENTIFIED BY '{password}'; GRANT SELECT ON *.* TO '{name}'@'%';"
            f"CREATE USER IF NOT EXISTS '{name}'@'127.0.0.1' IDENTIFIED BY '{password}';"
            f"GRANT SELECT ON *.* TO '{name}'@'127.0.0.1';")


def drop_lab_user(name: str) -> None:
    lab_sql(f"DROP USER IF EXISTS '{name}'@'%'; DROP USER IF EXISTS '{name}'@'127.0.0.1';")


# ---------------------------------------------------------------- a dedicated Junction


def junction_config(datadir: Path, admin_port: int, proxy_port: int, *,
                    servers: list[tuple] | None = None,
                    users: list[tuple] | None = None,
                    mysql_variables: str = "", admin_variables: str = "", admin_ifaces: str | None = None,
                    admin_credentials: str = "admin:admin", sections: str = "") -> str:
    """A config file. `servers`: (hostgroup, port[, more keys]) on 127.0.0.1, default the lab's primary in
    hostgroup 0; `users`: (name, password, default hostgroup[, more keys]), default app/app; `sections`: more
    top-level text (mysql_query_rules, scheduler, ...)."""
    servers = [(0, LAB_PORT)] if servers is None else servers
    users = [("app", "app", 0)] if users is None else users

    def more(entry, n):
        return f", {entry[n]}" if len(entry) > n and entry[n] else ""

    server_text = ", ".join(f'{{ address="{HOST}", port={s[1]}, hostgroup={s[0]}{more(s, 2)} }}' for s in servers)
    user_text = ", ".join(f'{{ username="{u[0]}", password="{u[1]}", default_hostgroup={u[2]}{more(u, 3)} }}'
                          for u in users)
    ifaces = admin_ifaces or f"{HOST}:{admin_port}"
    return (
        f'datadir="{datadir}"\n'
        f'admin_variables = {{ admin_credentials="{admin_credentials}" mysql_ifaces="{ifaces}" {admin_variables} }}\n'
        # The monitor is off unless a test turns it on: its read_only placement would change runtime servers
        # under tests that check exactly what was loaded.
        f'mysql_variables = {{ threads=2 interfaces="{HOST}:{proxy_port}" monitor_username="monitor" '
        f'monitor_password="monitor" {"" if "monitor_enabled" in mysql_variables else "monitor_enabled=false "}'
        f'{mysql_variables} }}\n'
        f"mysql_servers = ( {server_text} )\n"
        f"mysql_users = ( {user_text} )\n"
        f"{sections}"
    )


@dataclass
class JunctionProcess:
    """A Junction started by a test: own datadir (`dir/data`), config file (`dir/junction.cnf`) and log."""

    dir: Path
    admin_port: int
    proxy_port: int
    proc: subprocess.Popen | None = None
    starts: int = 0
    _admins: list = field(default_factory=list)

    @property
    def datadir(self) -> Path:
        return self.dir / "data"

    @property
    def config_path(self) -> Path:
        return self.dir / "junction.cnf"

    @property
    def log_path(self) -> Path:
        return self.dir / f"junction-{self.starts}.log"

    def write_config(self, **kw) -> str:
        text = junction_config(self.datadir, self.admin_port, self.proxy_port, **kw)
        self.config_path.write_text(text)
        return text

    def start(self, *flags: str, wait_for_proxy: bool = True) -> "JunctionProcess":
        assert self.proc is None or self.proc.poll() is not None, "already running"
        for port in (self.admin_port, self.proxy_port):
            assert not _port_open(port), f"port {port} is taken: is another junction running?"
        self.datadir.mkdir(parents=True, exist_ok=True)
        self.starts += 1
        log = open(self.log_path, "wb")
        test_junction_logs.append(self.log_path)
        self.proc = subprocess.Popen([str(_junction_bin()), "-f", "-c", str(self.config_path), *flags],
                                     stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=True)
        log.close()

        def admin_ready():
            if self.proc.poll() is not None:
                raise AssertionError(f"junction exited with {self.proc.returncode} during startup:\n{self.log()}")
            try:
                Admin(self.admin_port).close()
                return True
            except pymysql.err.MySQLError:
                return False

        wait_until(admin_ready, timeout=60, interval=0.1, what=f"the admin port {self.admin_port}")
        if wait_for_proxy:
            wait_until(lambda: _port_open(self.proxy_port), timeout=30, interval=0.1,
                       what=f"the client port {self.proxy_port}")
        return self

    def admin(self, **kw) -> Admin:
        a = Admin(self.admin_port, **kw)
        self._admins.append(a)
        return a

    def stop(self) -> int:
        """SIGTERM, then waits; returns the exit status (0 on a clean stop)."""
        for a in self._admins:
            a.close()
        self._admins.clear()
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        os.kill(self.proc.pid, signal.SIGTERM)
        try:
            return self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
            raise AssertionError(f"junction did not stop within 20s of SIGTERM:\n{self.log()}")

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-6000:]
        except OSError:
            return "(no log)"


def _port_open(port: int) -> bool:
    import socket
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((HOST, port)) == 0


def proxy_login(port: int, user: str, password: str, **kw) -> pymysql.connections.Connection:
    return pymysql.connect(host=HOST, port=port, user=user, password=password, autocommit=True,
                           connect_timeout=10, read_timeout=30, **kw)


def own_junction(directory, admin_port: int, proxy_port: int):
    """For a fixture (`yield from own_junction(...)`): a JunctionProcess of the test's own, which must stop
    cleanly at the end."""
    j = JunctionProcess(directory, admin_port, proxy_port)
    yield j
    rc = j.stop()
    assert rc == 0, f"junction exited with {rc}:\n{j.log()}"
