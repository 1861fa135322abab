#!/usr/bin/env python3
"""Junction at connection scale: many mostly idle clients, and the rate of short connections.

    bench/run.sh connections [options]     (installs what is missing, starts the lab, then runs this script)
    bench/connections.py [options]         (the lab must be running: lab/lab.sh start)

1. Scale. One Junction (hostgroup 0 = the lab's primary, user app/app, mysql-max_connections large enough)
   receives --clients connections (default 10,000), opened by a few client processes, at most
   --connect-concurrency handshakes in flight. Each one logs in (mysql_native_password) and runs SELECT 1. The
   clients then stay idle for --idle seconds, then each runs SELECT 1 once per second (their start times spread
   evenly over the second) for --time seconds, then they quit. At every step: Junction's RSS (VmRSS from
   /proc/PID/status), its CPU (utime+stime from /proc/PID/stat), its open file descriptors, and the backend
   connections it holds as the primary sees them (rows of information_schema.PROCESSLIST whose client port is one
   of Junction's sockets to the primary, so that nobody else's connections, nor the lookup's own, are counted).

2. Connection set-up rate. --workers processes (default 8) each loop for --time seconds: connect, log in, INSERT
   one row into sbtest.bench_connect, COM_QUIT, wait for the server to close. Against the primary directly,
   HAProxy in TCP mode and Junction (started as bench/bench.py starts them). Reports connections/s, errors,
   latency of a whole cycle, and the proxy's CPU per connection.

The MySQL client is this file's own: the greeting, HandshakeResponse41, mysql_native_password (and an auth switch
to it), COM_QUERY with its OK or text result set, COM_QUIT. Asyncio streams for the many clients of part 1,
blocking sockets for the short loops of part 2.

Benchmarks are not tests: nothing here asserts a timing. The script exits 1 when a client saw an error, so that the
test suite's tiny run (tests/integration/test_bench.py) notices when it rots.

Python 3 standard library only, plus the mariadb (or mysql) and haproxy executables; bench/bench.py for the lab,
the proxies and the docs.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import functools
import hashlib
import json
import math
import multiprocessing
import os
import platform
import re
import resource
import shlex
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from array import array
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402  (bench/bench.py: the lab, the proxies, the machine, the docs)
from bench import HOST, LAB_PORT, PASSWORD, USER, BenchError, Lab, cores, cpu_ticks  # noqa: E402

DOC_START = "<!-- connections:start -->"
DOC_END = "<!-- connections:end -->"
TABLE = "bench_connect"
LABELS = {"direct": "direct", "haproxy": "HAProxy", "junction": "Junction"}


def log(msg: str) -> None:
    print(f"connections: {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- the MySQL client protocol (sans I/O)
#
# A flow is a generator: it yields bytes to send, or RECV to be sent the next packet as (sequence id, payload);
# its return value is the result. AsyncConn and SyncConn drive one over a socket.

RECV = object()

CLIENT_LONG_PASSWORD = 0x1
CLIENT_LONG_FLAG = 0x4
CLIENT_CONNECT_WITH_DB = 0x8
CLIENT_PROTOCOL_41 = 0x200
CLIENT_TRANSACTIONS = 0x2000
CLIENT_SECURE_CONNECTION = 0x8000
CLIENT_PLUGIN_AUTH = 0x80000
NATIVE_PASSWORD = "mysql_native_password"
UTF8_GENERAL_CI = 33

SELECT_1 = b"SELECT 1"
SELECT_1_ROWS = [b"\x011"]  # one row, one column: the length-encoded string "1"
INSERT = f"INSERT INTO {TABLE} (at) VALUES (NOW())".encode()


class ProtocolError(Exception):
    pass


class ServerError(Exception):
    def __init__(self, code: int, state: str, message: str):
        super().__init__(f"ERROR {code} ({state}): {message}")
        self.code = code


def packet(seq: int, payload: bytes) -> bytes:
    return len(payload).to_bytes(3, "little") + bytes([seq & 0xFF]) + payload


def err_packet(p: bytes) -> ServerError:
    code = int.from_bytes(p[1:3], "little")
    state, msg = "HY000", p[3:]
    if msg[:1] == b"#":
        state, msg = msg[1:6].decode(errors="replace"), msg[6:]
    return ServerError(code, state, msg.decode(errors="replace"))


def lenenc_int(p: bytes, pos: int) -> tuple[int, int]:
    first = p[pos]
    if first < 0xFB:
        return first, pos + 1
    size = {0xFC: 2, 0xFD: 3, 0xFE: 8}.get(first)
    if size is None:
        raise ProtocolError(f"bad length-encoded integer 0x{first:02x}")
    return int.from_bytes(p[pos + 1:pos + 1 + size], "little"), pos + 1 + size


@functools.lru_cache(maxsize=8)
def _password_stages(password: bytes) -> tuple[bytes, bytes]:
    stage1 = hashlib.sha1(password).digest()
    return stage1, hashlib.sha1(stage1).digest()


def native_scramble(password: bytes, nonce: bytes) -> bytes:
    """mysql_native_password: SHA1(pw) XOR SHA1(nonce + SHA1(SHA1(pw))); empty for an empty password."""
    if not password:
        return b""
    stage1, stage2 = _password_stages(password)
    mask = hashlib.sha1(nonce + stage2).digest()
    return bytes(a ^ b for a, b in zip(stage1, mask))


def parse_greeting(p: bytes) -> tuple[int, bytes, str]:
    """HandshakeV10 → (capabilities, the 20-byte nonce, the auth plugin's name)."""
    if p[:1] == b"\xff":
        raise err_packet(p)
    if p[:1] != b"\x0a":
        raise ProtocolError(f"unexpected greeting (protocol version {p[:1].hex()})")
    pos = p.index(b"\0", 1) + 1 + 4  # server version, connection id
    nonce = p[pos:pos + 8]
    pos += 8 + 1  # auth-plugin-data part 1, filler
    caps = int.from_bytes(p[pos:pos + 2], "little")
    pos += 2
    plugin = NATIVE_PASSWORD
    if len(p) > pos:
        pos += 1 + 2  # character set, status flags
        caps |= int.from_bytes(p[pos:pos + 2], "little") << 16
        pos += 2
        data_len = p[pos]
        pos += 1 + 10  # length of the auth data, reserved
        if caps & CLIENT_SECURE_CONNECTION:
            n = max(13, data_len - 8)  # part 2, NUL-terminated
            nonce = (nonce + p[pos:pos + n])[:max(20, data_len - 1)]
            pos += n
        if caps & CLIENT_PLUGIN_AUTH:
            plugin = p[pos:].split(b"\0", 1)[0].decode(errors="replace")
    return caps, nonce, plugin


def login_flow(user: str, password: str, db: str | None):
    """Greeting → HandshakeResponse41 (mysql_native_password) → [auth switch → scramble] → OK."""
    pw = password.encode()
    seq, p = yield RECV
    caps, nonce, _plugin = parse_greeting(p)
    need = CLIENT_PROTOCOL_41 | CLIENT_SECURE_CONNECTION | CLIENT_PLUGIN_AUTH
    if caps & need != need:
        raise ProtocolError(f"the server does not offer protocol 4.1 with plugin auth (capabilities 0x{caps:x})")
    flags = (CLIENT_LONG_PASSWORD | CLIENT_LONG_FLAG | CLIENT_PROTOCOL_41 | CLIENT_TRANSACTIONS
             | CLIENT_SECURE_CONNECTION | CLIENT_PLUGIN_AUTH)
    if db:
        if not caps & CLIENT_CONNECT_WITH_DB:
            raise ProtocolError("the server does not offer CLIENT_CONNECT_WITH_DB")
        flags |= CLIENT_CONNECT_WITH_DB
    auth = native_scramble(pw, nonce)
    body = (struct.pack("<IIB23x", flags, 1 << 24, UTF8_GENERAL_CI) + user.encode() + b"\0"
            + bytes([len(auth)]) + auth + (db.encode() + b"\0" if db else b"") + NATIVE_PASSWORD.encode() + b"\0")
    yield packet(seq + 1, body)
    for _ in range(3):
        seq, p = yield RECV
        if p[:1] == b"\x00":
            return
        if p[:1] == b"\xff":
            raise err_packet(p)
        if p[:1] == b"\xfe":  # AuthSwitchRequest: plugin name NUL, new nonce (NUL-terminated)
            name, _, data = p[1:].partition(b"\0")
            if name.decode(errors="replace") != NATIVE_PASSWORD:
                raise ProtocolError(f"the server asked for auth plugin {name!r}; only {NATIVE_PASSWORD} is implemented")
            yield packet(seq + 1, native_scramble(pw, data[:20]))
            continue
        raise ProtocolError(f"unexpected packet 0x{p[:1].hex()} during login")
    raise ProtocolError("login did not end after an auth switch")


def query_flow(sql: bytes):
    """COM_QUERY → the affected rows of an OK, or the raw row payloads of a text result set."""
    yield packet(0, b"\x03" + sql)
    _, p = yield RECV
    if p[:1] == b"\xff":
        raise err_packet(p)
    if p[:1] == b"\x00":
        return lenenc_int(p, 1)[0]
    columns, _ = lenenc_int(p, 0)
    for _ in range(columns):
        _, p = yield RECV
        if p[:1] == b"\xff":
            raise err_packet(p)
    _, p = yield RECV
    if p[:1] == b"\xfe" and len(p) < 9:  # the EOF after the column definitions (no CLIENT_DEPRECATE_EOF asked)
        _, p = yield RECV
    rows = []
    while not (p[:1] == b"\xfe" and len(p) < 0xFFFFFF):  # EOF (or OK) ends the rows
        if p[:1] == b"\xff":
            raise err_packet(p)
        rows.append(p)
        _, p = yield RECV
    return rows


COM_QUIT = packet(0, b"\x01")


def _take_packet(buf: bytearray):
    if len(buf) >= 4:
        n = buf[0] | buf[1] << 8 | buf[2] << 16
        if len(buf) >= 4 + n:
            seq, payload = buf[3], bytes(buf[4:4 + n])
            del buf[:4 + n]
            return seq, payload
    return None


class AsyncConn:
    __slots__ = ("reader", "writer", "buf")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader, self.writer, self.buf = reader, writer, bytearray()

    @classmethod
    async def open(cls, port: int) -> "AsyncConn":
        reader, writer = await asyncio.open_connection(HOST, port)
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return cls(reader, writer)

    async def packet(self):
        while (got := _take_packet(self.buf)) is None:
            chunk = await self.reader.read(65536)
            if not chunk:
                raise ConnectionError("connection closed by the server")
            self.buf += chunk
        return got

    async def run(self, flow):
        # Packets here are a few bytes, written to an idle socket: no drain() needed.
        try:
            step = next(flow)
            while True:
                if step is RECV:
                    step = flow.send(await self.packet())
                else:
                    self.writer.write(step)
                    step = flow.send(None)
        except StopIteration as done:
            return done.value

    def closed_by_peer(self) -> bool:
        return self.reader.at_eof()

    def quit(self) -> None:
        try:
            if not self.writer.is_closing():
                self.writer.write(COM_QUIT)
        finally:
            self.writer.close()


class SyncConn:
    def __init__(self, sock: socket.socket):
        self.sock, self.buf = sock, bytearray()

    def packet(self):
        while (got := _take_packet(self.buf)) is None:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed by the server")
            self.buf += chunk
        return got

    def run(self, flow):
        try:
            step = next(flow)
            while True:
                if step is RECV:
                    step = flow.send(self.packet())
                else:
                    self.sock.sendall(step)
                    step = flow.send(None)
        except StopIteration as done:
            return done.value

    def quit(self, timeout: float) -> None:
        """COM_QUIT, then wait until the server closes (so that the next connection starts after this one ended)."""
        self.sock.sendall(COM_QUIT)
        self.sock.settimeout(timeout)
        try:
            while self.sock.recv(65536):
                pass
        except ConnectionResetError:
            pass
        except socket.timeout:
            raise ProtocolError(f"the server did not close the connection within {timeout:g}s of COM_QUIT")


def describe(e: BaseException) -> str:
    """An error as counted in the results: its kind and message, without the parts that vary per connection."""
    if isinstance(e, (asyncio.TimeoutError, socket.timeout)):
        return "timeout"
    if isinstance(e, OSError) and e.errno is not None:
        return f"{type(e).__name__}: {os.strerror(e.errno)}"
    return re.sub(r"\b\d+(ms|s)\b", r"N\1", f"{type(e).__name__}: {e}")[:200]  # "after 10005ms" → "after Nms"


NET_ERRORS = (OSError, EOFError, ConnectionError, ProtocolError, ServerError, asyncio.TimeoutError, IndexError,
              ValueError)


# ---------------------------------------------------------------- Junction seen from /proc and from the primary


def proc_status(pid: int) -> dict:
    """VmRSS, VmHWM (peak RSS) in KiB and the thread count, from /proc/PID/status."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0])
            elif key == "Threads":
                out[key] = int(value)
    return out


def nofile_limit(pid: int) -> str:
    with open(f"/proc/{pid}/limits") as f:
        for line in f:
            if line.startswith("Max open files"):
                soft, hard = line.split()[3:5]
                return f"{soft}/{hard}"
    return "?"


def socket_inodes(pid: int) -> tuple[int, set[str]]:
    """The number of open file descriptors of a process, and the inodes of its sockets."""
    inodes, count = set(), 0
    fd_dir = f"/proc/{pid}/fd"
    for fd in os.listdir(fd_dir):
        count += 1
        try:
            target = os.readlink(f"{fd_dir}/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return count, inodes


def local_ports_to(pid: int, remote_port: int) -> tuple[int, set[int]]:
    """Junction's open fds, and the local ports of its established TCP connections to `remote_port`."""
    count, inodes = socket_inodes(pid)
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(table).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            f = line.split()
            if len(f) > 9 and f[3] == "01" and f[9] in inodes and int(f[2].rsplit(":", 1)[1], 16) == remote_port:
                ports.add(int(f[1].rsplit(":", 1)[1], 16))
    return count, ports


def backend_connections(lab: Lab, junction_pid: int) -> tuple[int, int]:
    """(connections the primary lists for Junction, every `app` connection it lists minus this lookup's own)."""
    _, ports = local_ports_to(junction_pid, lab.primary)
    hosts = lab.sql(lab.primary, f"SELECT HOST FROM information_schema.PROCESSLIST WHERE USER = '{USER}'").split()
    mine = sum(1 for h in hosts if h.rpartition(":")[2].isdigit() and int(h.rpartition(":")[2]) in ports)
    return mine, len(hosts) - 1


def listen_overflows() -> int:
    """TcpExt ListenOverflows (system-wide): connections dropped because a listener's accept queue was full."""
    try:
        lines = [line.split() for line in open("/proc/net/netstat") if line.startswith("TcpExt:")]
        return int(dict(zip(lines[0], lines[1]))["ListenOverflows"])
    except (OSError, KeyError, IndexError, ValueError):
        return -1


POOL_COLUMNS = ["status", "ConnUsed", "ConnFree", "ConnOK", "ConnERR", "MaxConnUsed", "Queries"]


def junction_pool(lab: Lab, admin_port: int) -> dict:
    """Junction's own view of its connections to the primary: stats_mysql_connection_pool on its admin port."""
    cmd = [lab.client, "--no-defaults", "--protocol=tcp", f"--host={HOST}", f"--port={admin_port}", "--user=admin",
           "--password=admin", "--batch", "--skip-column-names", "--connect-timeout=5", "-e",
           f"SELECT {', '.join(POOL_COLUMNS)} FROM stats_mysql_connection_pool WHERE srv_port = {lab.primary}"]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return {"error": "timeout"}
    if r.returncode != 0 or not r.stdout.strip():
        return {"error": (r.stderr.strip() or "no row")[:200]}
    values = r.stdout.split("\n")[0].split("\t")
    return {k: (v if k == "status" else int(v)) for k, v in zip(POOL_COLUMNS, values)}


def admin_port_of(proxy) -> int:
    cfg = (proxy.log_path.parent / f"{proxy.name}.cnf").read_text()
    return int(re.search(r'mysql_ifaces="[^"]*:(\d+)"', cfg).group(1))


class Sample:
    """Junction's state at one moment."""

    def __init__(self, lab: Lab, pid: int, admin_port: int):
        st = proc_status(pid)
        self.rss_kib, self.hwm_kib, self.threads = st.get("VmRSS", 0), st.get("VmHWM", 0), st.get("Threads", 0)
        self.fds, _ = socket_inodes(pid)
        self.ticks, self.at = cpu_ticks(pid), time.monotonic()
        self.backends, self.app_connections = backend_connections(lab, pid)
        self.pool = junction_pool(lab, admin_port)

    def as_dict(self) -> dict:
        return {"rss_kib": self.rss_kib, "hwm_kib": self.hwm_kib, "threads": self.threads, "fds": self.fds,
                "backends": self.backends, "app_connections_on_primary": self.app_connections, "pool": self.pool}


# ---------------------------------------------------------------- part 1: the many clients (worker processes)


def percentile(values, q: float):
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, max(0, math.ceil(q * len(values)) - 1))]


def _worker_init() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C reaches the parent, which stops the workers
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def scale_worker(pipe, port: int, first: int, count: int, total: int, concurrency: int, timeout: float,
                 db: str) -> None:
    _worker_init()
    try:
        asyncio.run(_scale_worker(pipe, port, first, count, total, concurrency, timeout, db))
    except BaseException as e:  # the parent must hear about it rather than wait
        try:
            pipe.send({"fatal": f"{type(e).__name__}: {e}"})
        except OSError:
            pass
        raise


async def _scale_worker(pipe, port, first, count, total, concurrency, timeout, db) -> None:
    loop = asyncio.get_running_loop()

    async def command():
        return await loop.run_in_executor(None, pipe.recv)

    conns: list[AsyncConn | None] = [None] * count
    errors: Counter = Counter()
    latencies = array("d")
    gate = asyncio.Semaphore(concurrency)

    async def open_one(i: int) -> None:
        async with gate:
            t0 = time.monotonic()
            c = None
            try:
                async with asyncio.timeout(timeout):
                    c = await AsyncConn.open(port)
                    await c.run(login_flow(USER, PASSWORD, db))
                    rows = await c.run(query_flow(SELECT_1))
                if rows != SELECT_1_ROWS:
                    raise ProtocolError(f"SELECT 1 returned {rows!r}")
                conns[i] = c
                latencies.append(time.monotonic() - t0)
            except NET_ERRORS as e:
                errors[describe(e)] += 1
                if c:
                    c.writer.close()

    # connect
    await command()
    cpu0, t0 = time.process_time(), time.monotonic()
    await asyncio.gather(*(open_one(i) for i in range(count)))
    pipe.send({"connected": sum(1 for c in conns if c), "errors": dict(errors), "latencies": latencies.tobytes(),
               "seconds": time.monotonic() - t0, "cpu": time.process_time() - cpu0})

    # idle, then one SELECT 1 per second on each connection
    _, start, end = await command()
    closed_idle = sum(1 for c in conns if c and c.closed_by_peer())
    errors = Counter()
    if closed_idle:
        errors["closed by Junction while idle"] += closed_idle
    latencies = array("d")
    stats = {"queries": 0, "missed": 0}

    async def ticker(i: int, c: AsyncConn) -> None:
        due = start + (first + i) / total  # spread evenly over the second, across all workers
        while due < end:
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            t = time.monotonic()
            try:
                rows = await c.run(query_flow(SELECT_1))
                if rows != SELECT_1_ROWS:
                    raise ProtocolError(f"SELECT 1 returned {rows!r}")
            except ServerError as e:  # an error packet: the connection goes on
                errors[describe(e)] += 1
            except NET_ERRORS as e:
                errors[describe(e)] += 1
                conns[i] = None
                c.writer.close()
                return
            else:
                latencies.append(time.monotonic() - t)
                stats["queries"] += 1
            now = time.monotonic()
            due += 1.0
            if due < now:  # more than a second late: the missed seconds are skipped, not caught up
                skipped = math.ceil(now - due)
                stats["missed"] += skipped
                due += skipped

    cpu0 = time.process_time()
    tasks = [asyncio.ensure_future(ticker(i, c)) for i, c in enumerate(conns) if c and not c.closed_by_peer()]
    if tasks:
        _, pending = await asyncio.wait(tasks, timeout=max(1.0, end - loop.time()) + timeout)
        for t in pending:
            t.cancel()
        if pending:
            errors[f"no answer within {timeout:g}s after the end"] += len(pending)
    pipe.send({"queries": stats["queries"], "missed": stats["missed"], "errors": dict(errors),
               "latencies": latencies.tobytes(), "cpu": time.process_time() - cpu0,
               "open": sum(1 for c in conns if c)})

    # quit
    await command()
    for c in conns:
        if c:
            c.quit()
    await asyncio.sleep(0.2)
    pipe.send({"closed": True})


class Workers:
    """The client processes of part 1, each with a pipe; started and stopped by PID."""

    def __init__(self, ctx, procs: int, clients: int, port: int, concurrency: int, timeout: float, db: str):
        self.items = []
        first = 0
        for k in range(procs):
            count = clients // procs + (1 if k < clients % procs else 0)
            parent, child = ctx.Pipe()
            p = ctx.Process(target=scale_worker, args=(child, port, first, count, clients,
                                                       max(1, concurrency // procs), timeout, db), daemon=True)
            p.start()
            child.close()
            self.items.append((p, parent))
            first += count

    def send(self, msg) -> None:
        for _, pipe in self.items:
            pipe.send(msg)

    def gather(self, timeout: float) -> list[dict]:
        out, deadline = [], time.monotonic() + timeout
        for p, pipe in self.items:
            while not pipe.poll(0.5):
                if not p.is_alive():
                    raise BenchError(f"client process {p.pid} exited with {p.exitcode}")
                if time.monotonic() > deadline:
                    raise BenchError(f"client process {p.pid} did not answer within {timeout:g}s")
            msg = pipe.recv()
            if "fatal" in msg:
                raise BenchError(f"client process {p.pid} failed: {msg['fatal']}")
            out.append(msg)
        return out

    def stop(self) -> None:
        for p, pipe in self.items:
            if p.is_alive():
                p.join(timeout=5)
            if p.is_alive():
                os.kill(p.pid, signal.SIGKILL)
                p.join(timeout=5)
            pipe.close()


def _latencies(msgs: list[dict]) -> list[float]:
    out = array("d")
    for m in msgs:
        out.frombytes(m["latencies"])
    return list(out)


def _merge_errors(msgs: list[dict]) -> dict[str, int]:
    total: Counter = Counter()
    for m in msgs:
        total.update(m["errors"])
    return dict(total)


def _sleep_until(t: float) -> None:
    delay = t - time.monotonic()
    if delay > 0:
        time.sleep(delay)


_nofile_warned: set[int] = set()


def set_nofile(soft: int) -> int:
    """Sets this process's RLIMIT_NOFILE (children inherit it), raising the hard limit when needed and allowed
    (CAP_SYS_RESOURCE), else up to the hard limit. Returns the soft limit set."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft <= hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
        return soft
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, soft))
        return soft
    except (ValueError, OSError):
        if soft not in _nofile_warned:
            _nofile_warned.add(soft)
            log(f"cannot raise RLIMIT_NOFILE to {soft} (hard limit {hard}, no CAP_SYS_RESOURCE): using {hard}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        return hard


def run_scale(opts, lab: Lab, workdir: Path, ctx) -> dict:
    limit = max(20000, 2 * opts.clients)
    set_nofile(opts.junction_nofile)  # Junction inherits this limit
    try:
        junction = bench.start_junction(opts, lab, workdir, split=False, max_connections=limit,
                                        user_max_connections=limit, extra_variables=opts.junction_variables)
    finally:
        set_nofile(opts.nofile)
    pid, port, admin = junction.pid, junction.port, admin_port_of(junction)
    res: dict = {"clients": opts.clients, "procs": opts.procs, "nofile": nofile_limit(pid),
                 "max_connections": limit, "phases": {}}
    log(f"scale: Junction pid {pid}, port {port}, RLIMIT_NOFILE {res['nofile']}; "
        f"{opts.clients} clients from {opts.procs} process(es)")
    time.sleep(1)
    before = Sample(lab, pid, admin)
    res["phases"]["before"] = {"clients": 0, **before.as_dict()}

    workers = Workers(ctx, opts.procs, opts.clients, port, opts.connect_concurrency, opts.client_timeout, opts.db)
    try:
        # connect
        overflows0 = listen_overflows()
        t0, ticks0 = time.monotonic(), cpu_ticks(pid)
        workers.send(("connect",))
        msgs = workers.gather(timeout=opts.client_timeout + opts.clients / 50 + 60)
        seconds = time.monotonic() - t0
        connected = Sample(lab, pid, admin)
        junction.alive()
        n = sum(m["connected"] for m in msgs)
        lat = _latencies(msgs)
        cpu = (connected.ticks - ticks0) / bench.CLK_TCK
        res["phases"]["connect"] = {
            "clients": n, "seconds": seconds, "rate": n / seconds if seconds else None,
            "errors": _merge_errors(msgs), "p50_ms": _ms(percentile(lat, 0.5)), "p99_ms": _ms(percentile(lat, 0.99)),
            "max_ms": _ms(max(lat) if lat else None), "cpu_s": cpu, "cpu_pct": 100 * cpu / seconds,
            "cpu_us_per_op": cpu * 1e6 / n if n else None, "client_cpu_s": sum(m["cpu"] for m in msgs),
            "listen_overflows": (listen_overflows() - overflows0) if overflows0 >= 0 else None,
            **connected.as_dict()}
        log(f"scale: {n} of {opts.clients} clients connected in {seconds:.1f}s; "
            f"errors {res['phases']['connect']['errors'] or 'none'}")

        # idle
        time.sleep(opts.idle)
        idle = Sample(lab, pid, admin)
        cpu = (idle.ticks - connected.ticks) / bench.CLK_TCK
        res["phases"]["idle"] = {"clients": n, "seconds": opts.idle, "errors": {}, "cpu_s": cpu,
                                 "cpu_pct": 100 * cpu / max(0.1, idle.at - connected.at), **idle.as_dict()}

        # one SELECT 1 per client per second
        start = time.monotonic() + 0.5
        end = start + opts.time
        workers.send(("run", start, end))
        _sleep_until(start)
        ticks_a = cpu_ticks(pid)
        series = []  # every half second: seconds since the start, Junction's sockets to the primary, CPU ticks
        mid = None
        while (now := time.monotonic()) < end - 0.25:
            if mid is None and now >= start + opts.time / 2:
                mid = Sample(lab, pid, admin)
            series.append((round(now - start, 2), len(local_ports_to(pid, lab.primary)[1]), cpu_ticks(pid)))
            _sleep_until(now + 0.5)
        _sleep_until(end)
        ticks_b = cpu_ticks(pid)
        mid = mid or Sample(lab, pid, admin)
        msgs = workers.gather(timeout=opts.client_timeout + 60)
        after = Sample(lab, pid, admin)
        junction.alive()
        queries = sum(m["queries"] for m in msgs)
        lat = _latencies(msgs)
        cpu = (ticks_b - ticks_a) / bench.CLK_TCK
        errors = _merge_errors(msgs)
        res["phases"]["query"] = {
            "clients": sum(m["open"] for m in msgs), "seconds": opts.time, "queries": queries,
            "rate": queries / opts.time, "missed": sum(m["missed"] for m in msgs), "errors": errors,
            "p50_ms": _ms(percentile(lat, 0.5)), "p99_ms": _ms(percentile(lat, 0.99)),
            "max_ms": _ms(max(lat) if lat else None), "cpu_s": cpu, "cpu_pct": 100 * cpu / opts.time,
            "cpu_us_per_op": cpu * 1e6 / queries if queries else None,
            "client_cpu_s": sum(m["cpu"] for m in msgs), "backends_mid": mid.backends,
            "backends_peak": max([b for _, b, _ in series] + [mid.backends, after.backends]), "series": series,
            "rss_mid_kib": mid.rss_kib, **after.as_dict()}
        log(f"scale: {queries} queries in {opts.time}s; errors {errors or 'none'}")

        # quit
        workers.send(("close",))
        workers.gather(timeout=60)
    finally:
        workers.stop()
    time.sleep(2)
    closed = Sample(lab, pid, admin)
    res["phases"]["closed"] = {"clients": 0, **closed.as_dict()}
    # Junction still serves a new client after the crowd left.
    try:
        lab.sql(port, "SELECT 1", timeout=15)
        res["after_ok"] = True
    except (BenchError, subprocess.TimeoutExpired) as e:
        res["after_ok"] = False
        res["after_error"] = str(e)
    junction.alive()
    res["log"] = junction_log_summary(junction)
    junction.stop()
    return res


def junction_log_summary(proxy) -> list[list]:
    """Junction's log lines of level warning and above, as [message, count], timestamps and connection ids left
    out, the most frequent first."""
    try:
        lines = proxy.log_path.read_text(errors="replace").splitlines()
    except OSError:
        return []
    counts: Counter = Counter()
    for line in lines:
        parts = line.split(None, 2)
        if len(parts) == 3 and parts[1] in ("warning", "error", "critical"):
            counts[parts[1] + " " + re.sub(r"conn_id=\d+ ", "", parts[2])] += 1
    return [[msg, n] for msg, n in counts.most_common()]


def _ms(seconds):
    return None if seconds is None else seconds * 1000


# ---------------------------------------------------------------- part 2: connection set-up rate


def rate_worker(queue, port: int, db: str, start: float, end: float, timeout: float) -> None:
    _worker_init()
    errors: Counter = Counter()
    latencies = array("d")
    n = 0
    _sleep_until(start)
    while (t0 := time.monotonic()) < end:
        sock = None
        try:
            sock = socket.create_connection((HOST, port), timeout=timeout)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            c = SyncConn(sock)
            c.run(login_flow(USER, PASSWORD, db))
            affected = c.run(query_flow(INSERT))
            if affected != 1:
                raise ProtocolError(f"INSERT answered {affected!r}, not 1 affected row")
            c.quit(timeout=2)
            n += 1
            latencies.append(time.monotonic() - t0)
        except NET_ERRORS as e:
            errors[describe(e)] += 1
            time.sleep(0.01)
        finally:
            if sock:
                sock.close()
    queue.put({"n": n, "errors": dict(errors), "latencies": latencies.tobytes(), "done": time.monotonic()})


def rate_one(opts, lab: Lab, ctx, target: str, port: int, proxy) -> dict:
    table = f"`{opts.db}`.`{TABLE}`"
    rows0 = int(lab.sql(lab.primary, f"SELECT COUNT(*) FROM {table}"))
    if proxy:
        proxy.alive()
    queue = ctx.Queue()
    start = time.monotonic() + 0.5
    end = start + opts.time
    procs = [ctx.Process(target=rate_worker, args=(queue, port, opts.db, start, end, opts.client_timeout),
                         daemon=True) for _ in range(opts.workers)]
    for p in procs:
        p.start()
    try:
        _sleep_until(start)
        ticks0 = cpu_ticks(proxy.pid) if proxy else 0
        msgs = []
        deadline = end + opts.client_timeout + 30
        while len(msgs) < len(procs):
            try:
                msgs.append(queue.get(timeout=1))
            except Exception:  # queue.Empty
                if time.monotonic() > deadline or not any(p.is_alive() for p in procs) and queue.empty():
                    raise BenchError(f"{target}: {len(procs) - len(msgs)} connect worker(s) did not report")
        ticks1 = cpu_ticks(proxy.pid) if proxy else 0
    finally:
        for p in procs:
            p.join(timeout=10)
            if p.is_alive():
                os.kill(p.pid, signal.SIGKILL)
                p.join(timeout=5)
    if proxy:
        proxy.alive()
    n = sum(m["n"] for m in msgs)
    seconds = max(m["done"] for m in msgs) - start
    lat = _latencies(msgs)
    errors = _merge_errors(msgs)
    rows = int(lab.sql(lab.primary, f"SELECT COUNT(*) FROM {table}")) - rows0
    if rows != n:
        errors[f"{rows} rows inserted for {n} connections"] = abs(rows - n)
    cpu = (ticks1 - ticks0) / bench.CLK_TCK if proxy else None
    return {"target": target, "connections": n, "seconds": seconds, "rate": n / seconds, "errors": errors,
            "p50_ms": _ms(percentile(lat, 0.5)), "p99_ms": _ms(percentile(lat, 0.99)),
            "cpu_s": cpu, "cpu_pct": 100 * cpu / seconds if cpu is not None else None,
            "cpu_us_per_conn": cpu * 1e6 / n if cpu is not None and n else None}


def run_rate(opts, lab: Lab, workdir: Path, ctx) -> tuple[list[dict], str]:
    table = f"`{opts.db}`.`{TABLE}`"
    lab.sql(lab.primary, f"CREATE TABLE IF NOT EXISTS {table} (id INT AUTO_INCREMENT PRIMARY KEY, "
                         "at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)")
    lab.sql(lab.primary, f"TRUNCATE TABLE {table}")
    proxies: dict = {}
    haproxy_version = "HAProxy (not run)"
    if "haproxy" in opts.targets:
        proxies["haproxy"], hv = bench.start_haproxy(opts, lab, workdir)
        haproxy_version = hv
    if "junction" in opts.targets:
        limit = max(20000, 2 * opts.clients)
        set_nofile(opts.junction_nofile)
        try:
            proxies["junction"] = bench.start_junction(opts, lab, workdir, split=False, max_connections=limit,
                                                       user_max_connections=limit,
                                                       extra_variables=opts.junction_variables)
        finally:
            set_nofile(opts.nofile)
    for name, p in proxies.items():
        log(f"rate: {name} pid {p.pid}, port {p.port}")
    results = []
    try:
        for target in opts.targets:
            proxy = proxies.get(target)
            port = proxy.port if proxy else lab.primary
            r = rate_one(opts, lab, ctx, target, port, proxy)
            results.append(r)
            log(f"rate: {target}: {r['connections']} connections in {r['seconds']:.1f}s, "
                f"errors {r['errors'] or 'none'}")
    finally:
        for p in proxies.values():
            p.stop()
        try:
            lab.sql(lab.primary, f"DROP TABLE IF EXISTS {table}")
        except BenchError as e:
            log(f"could not drop {table}: {e}")
    return results, haproxy_version


# ---------------------------------------------------------------- tables and docs


def _f(v, fmt: str) -> str:
    return "–" if v is None else format(v, fmt)


def _n(v) -> str:
    return "–" if v is None else format(round(v), ",")


def _mib(kib) -> str:
    return "–" if kib is None else f"{kib / 1024:.1f}"


def _errors(e: dict) -> str:
    return str(sum(e.values())) if e else "0"


def scale_table(res: dict) -> str:
    ph = res["phases"]
    head = ["phase", "clients open", "seconds", "rate /s", "errors", "latency p50 / p99 ms", "Junction CPU % core",
            "Junction CPU µs/op", "Junction RSS MiB", "Junction fds", "backend conns"]
    lines = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]

    def row(label, p, rate="–", lat="–", cpu_pct="–", cpu_op="–", seconds="–", backends=None):
        b = str(p["backends"]) if backends is None else backends
        lines.append("| " + " | ".join([label, f"{p['clients']:,}", seconds, rate, _errors(p.get("errors", {})), lat,
                                        cpu_pct, cpu_op, _mib(p["rss_kib"]), f"{p['fds']:,}", b]) + " |")

    row("started, no clients", ph["before"])
    if "connect" in ph:
        c = ph["connect"]
        row("connect + login + SELECT 1", c, rate=_n(c["rate"]), seconds=_f(c["seconds"], ".1f"),
            lat=f"{_f(c['p50_ms'], '.1f')} / {_f(c['p99_ms'], '.1f')}", cpu_pct=_f(c["cpu_pct"], ".0f"),
            cpu_op=_f(c["cpu_us_per_op"], ".0f"))
    if "idle" in ph:
        i = ph["idle"]
        row("idle", i, seconds=_f(i["seconds"], ".0f"), cpu_pct=_f(i["cpu_pct"], ".1f"))
    if "query" in ph:
        q = ph["query"]
        row("SELECT 1 per client per second", q, rate=_n(q["rate"]), seconds=_f(q["seconds"], ".0f"),
            lat=f"{_f(q['p50_ms'], '.2f')} / {_f(q['p99_ms'], '.2f')}", cpu_pct=_f(q["cpu_pct"], ".0f"),
            cpu_op=_f(q["cpu_us_per_op"], ".1f"),
            backends=f"{q['backends_mid']} mid-run, {q['backends_peak']} peak, {q['backends']} end")
    if "closed" in ph:
        row("all clients quit (+2 s)", ph["closed"])
    return "\n".join(lines)


def scale_notes(res: dict) -> list[str]:
    ph = res["phases"]
    notes = [f"Junction's RLIMIT_NOFILE (soft/hard): {res['nofile']}; mysql-max_connections and the user's "
             f"max_connections: {res['max_connections']:,}."]
    if "idle" in ph and ph["idle"]["clients"]:
        per = (ph["idle"]["rss_kib"] - ph["before"]["rss_kib"]) / ph["idle"]["clients"]
        notes.append(f"RSS per idle client: {per:.1f} KiB ((idle RSS − RSS before) / clients); peak RSS (VmHWM) "
                     f"{_mib(max(p.get('hwm_kib', 0) for p in ph.values()))} MiB; Junction threads "
                     f"{ph['idle']['threads']}.")
    if "connect" in ph:
        c = ph["connect"]
        notes.append(f"Connect phase: slowest client {_f(c['max_ms'], '.0f')} ms; TCP listen-queue overflows "
                     f"(system-wide TcpExt ListenOverflows) during it: {_f(c['listen_overflows'], 'd')}; "
                     f"the client processes used {c['client_cpu_s']:.1f} s of CPU.")
    if "query" in ph:
        q = ph["query"]
        notes.append(f"Query phase: {q['queries']:,} queries ({res['clients']:,} wanted per second); "
                     f"{q['missed']:,} per-second slots skipped because a client was more than a second late; "
                     f"slowest query {_f(q['max_ms'], '.0f')} ms; the client processes used "
                     f"{100 * q['client_cpu_s'] / q['seconds']:.0f}% of a core.")
        if q.get("series"):
            notes.append("Junction's connections to the primary during the query phase, every 0.5 s: "
                         + ", ".join(str(b) for _, b, _ in q["series"]) + ".")
    pools = []
    for name, p in ph.items():
        pool = p.get("pool") or {}
        if "ConnOK" in pool:
            pools.append(f"{name} {pool['status']} used {pool['ConnUsed']} free {pool['ConnFree']} "
                         f"ConnOK {pool['ConnOK']} ConnERR {pool['ConnERR']} MaxConnUsed {pool['MaxConnUsed']}")
        elif pool.get("error"):
            pools.append(f"{name}: {pool['error']}")
    if pools:
        notes.append("Junction's stats_mysql_connection_pool for the primary (cumulative) after each phase: "
                     + "; ".join(pools) + ".")
    errors = {}
    for name, p in ph.items():
        for k, v in p.get("errors", {}).items():
            errors[f"{name}: {k}"] = v
    if errors:
        notes.append("Errors: " + "; ".join(f"{k} × {v}" for k, v in errors.items()) + ".")
    if not res.get("after_ok", True):
        notes.append(f"After the clients quit, a new client failed: {res.get('after_error')}.")
    if res.get("log"):
        notes.append("Junction's log, warning and above: " + "; ".join(
            f"`{msg[:160]}` × {n}" for msg, n in res["log"][:4]) + ("; …" if len(res["log"]) > 4 else "") + ".")
    return notes


def rate_table(results: list[dict]) -> str:
    head = ["target", "connections/s", "connections", "errors", "cycle p50 / p99 ms", "proxy CPU µs/conn",
            "proxy CPU % core"]
    lines = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    for r in results:
        lines.append("| " + " | ".join([
            LABELS[r["target"]], _n(r["rate"]), f"{r['connections']:,}", _errors(r["errors"]),
            f"{_f(r['p50_ms'], '.2f')} / {_f(r['p99_ms'], '.2f')}", _f(r["cpu_us_per_conn"], ".0f"),
            _f(r["cpu_pct"], ".0f")]) + " |")
    by = {r["target"]: r for r in results}
    if "haproxy" in by and "junction" in by:
        h, j = by["haproxy"], by["junction"]
        ratio_rate = j["rate"] / h["rate"] if h["rate"] else None
        ratio_cpu = (j["cpu_us_per_conn"] / h["cpu_us_per_conn"]
                     if j["cpu_us_per_conn"] is not None and h["cpu_us_per_conn"] else None)
        lines.append("")
        lines.append(f"Junction/HAProxy: connections/s {_f(ratio_rate, '.2f')}, CPU per connection "
                     f"{_f(ratio_cpu, '.2f')}.")
    errors = [f"{LABELS[r['target']]}: {k} × {v}" for r in results for k, v in r["errors"].items()]
    if errors:
        lines.append("")
        lines.append("Errors: " + "; ".join(errors) + ".")
    return "\n".join(lines)


def docs_section(opts, info: dict, scale: dict | None, rate: list[dict] | None) -> str:
    parts = [
        DOC_START,
        "## Connection scale (`bench/connections.py`)",
        "",
        f"`{info['command']}` — {info['date']}, {info['machine']}.",
        f"{info['mariadb']}, {info['haproxy']}, Junction {info['junction']} (release build), Python "
        f"{platform.python_version()} clients (this script's own protocol code). Load average when it started: "
        f"{info['loadavg']}.",
        "",
    ]
    if scale:
        parts += [
            f"### {scale['clients']:,} clients",
            "",
            f"One Junction (`mysql-threads={opts.proxy_threads}`, hostgroup 0 = the primary, monitor off, "
            f"mysql-max_connections {scale['max_connections']:,}). {scale['clients']:,} clients from "
            f"{scale['procs']} Python asyncio process(es), at most {opts.connect_concurrency} handshakes in flight, "
            f"each: connect, log in (mysql_native_password, schema {opts.db}), `SELECT 1`; then {opts.idle} s idle; "
            f"then `SELECT 1` once per second each (start times spread evenly over the second) for {opts.time} s; "
            "then COM_QUIT.",
            "",
            "- CPU: utime+stime of Junction (/proc/PID/stat) over the phase; µs/op is per connection (connect) or "
            "per query. RSS: VmRSS (/proc/PID/status) at the end of the phase. fds: entries of /proc/PID/fd.",
            "- backend conns: the primary's PROCESSLIST rows whose client port is one of Junction's sockets to it "
            "(pooled idle connections included).",
            "- latency: as the clients measured it (connect: TCP connect to the first `SELECT 1`'s result).",
            "",
            scale_table(scale),
            "",
        ] + [f"- {n}" for n in scale_notes(scale)] + [""]
    if rate:
        parts += [
            "### Connection set-up rate",
            "",
            f"{opts.workers} client processes, {opts.time} s per target, each in a loop: connect, log in, "
            f"`INSERT INTO {opts.db}.{TABLE} (at) VALUES (NOW())`, COM_QUIT, wait for the server to close. "
            f"HAProxy: `mode tcp`, `nbthread {opts.proxy_threads}` (a new server connection per client "
            f"connection); Junction: `mysql-threads={opts.proxy_threads}`, pooled server connections. Proxy CPU: "
            "utime+stime over the run divided by the connections completed.",
            "",
            rate_table(rate),
            "",
        ]
    if info.get("warning"):
        parts += [f"**Warning: {info['warning']}.**", ""]
    parts.append(DOC_END)
    return "\n".join(parts) + "\n"


# ---------------------------------------------------------------- main


def default_procs(clients: int) -> int:
    return max(1, min(cores(), math.ceil(clients / 2500)))


def parse_args(argv):
    default_bin = os.environ.get("JUNCTION_BIN") or str(bench.REPO / ".build" / "release" / "junction")
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--clients", type=int, default=10000, help="concurrent clients in part 1 (default 10000)")
    p.add_argument("--idle", type=int, default=5, help="seconds the clients stay idle (default 5)")
    p.add_argument("--time", type=int, default=10,
                   help="seconds of the per-second SELECT 1 phase, and per target of part 2 (default 10)")
    p.add_argument("--workers", type=int, default=8, help="concurrent connect loops in part 2 (default 8)")
    p.add_argument("--procs", type=int, help="client processes in part 1 (default: one per 2,500 clients, at most "
                                             "the number of cores)")
    p.add_argument("--connect-concurrency", type=int, default=256,
                   help="handshakes in flight at once in part 1, over all client processes (default 256)")
    p.add_argument("--client-timeout", type=float, default=30,
                   help="seconds a client waits for a connection, login or answer (default 30)")
    p.add_argument("--parts", type=bench.choice_list(["scale", "rate"]), default=["scale", "rate"],
                   help="scale (the many clients), rate (connection set-up rate); default both")
    p.add_argument("--targets", type=bench.choice_list(list(LABELS)), default=list(LABELS),
                   help="targets of part 2 (default direct,haproxy,junction)")
    p.add_argument("--nofile", type=int, default=65536,
                   help="RLIMIT_NOFILE of this script and HAProxy (default 65536, at least --clients + 1024; "
                        "capped at the hard limit without CAP_SYS_RESOURCE)")
    p.add_argument("--junction-nofile", type=int, default=65536,
                   help="RLIMIT_NOFILE Junction is started with (default 65536, capped likewise)")
    p.add_argument("--write-docs", action="store_true",
                   help=f"replace the section between {DOC_START} and {DOC_END} in docs/PERFORMANCE.md")
    p.add_argument("--junction-bin", type=Path, default=Path(default_bin),
                   help="the junction binary (default $JUNCTION_BIN, else .build/release/junction)")
    p.add_argument("--junction-log-level", default="warning", help="Junction's --log-level (default warning)")
    p.add_argument("--junction-variables", default="", metavar="'NAME=VALUE …'",
                   help="more mysql_variables for Junction's config file, e.g. 'connect_timeout_server=3000'")
    p.add_argument("--proxy-threads", type=int, default=cores(),
                   help="HAProxy nbthread and Junction mysql-threads (default: the number of cores)")
    p.add_argument("--db", default="sbtest", help="schema the clients log in to (default sbtest)")
    p.add_argument("--json", type=Path, help="also write the results to this JSON file")
    opts = p.parse_args(argv)
    if min(opts.clients, opts.time, opts.workers, opts.connect_concurrency) < 1 or opts.idle < 0:
        p.error("--clients, --time, --workers and --connect-concurrency must be positive")
    opts.procs = opts.procs or default_procs(opts.clients)
    opts.procs = max(1, min(opts.procs, opts.clients))
    opts.nofile = max(opts.nofile, opts.clients + 1024)
    opts.junction_bin = opts.junction_bin.absolute()
    if not opts.junction_bin.exists():
        p.error(f"junction binary not found at {opts.junction_bin} (build it: "
                "scripts/build-release.sh, or pass --junction-bin)")
    return opts


def primary_uptime(lab: Lab) -> int:
    try:
        return int(lab.sql(lab.primary, "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
                                        "WHERE VARIABLE_NAME = 'UPTIME'"))
    except (BenchError, ValueError, subprocess.TimeoutExpired):
        return -1


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv=None) -> int:
    opts = parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    command = (os.environ.get("BENCH_COMMAND")
               or "bench/connections.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])).strip()
    command = re.sub(r" --json(=| )\S+", "", command)  # where the JSON went is no part of how the numbers were made
    ctx = multiprocessing.get_context("fork")
    lab = Lab(LAB_PORT, opts.db)
    workdir = Path(tempfile.mkdtemp(prefix="junction-connections-"))

    def body() -> int:
        scale = rate = None
        set_nofile(opts.nofile)
        try:  # only the primary is used (lab.check() would want the replicas too)
            lab.sql(lab.primary, "SELECT 1", timeout=15)
        except (BenchError, subprocess.TimeoutExpired) as e:
            raise BenchError(f"the lab's primary does not answer on {HOST}:{lab.primary} (start it: lab/lab.sh "
                             f"start): {e}")
        lab.sql(lab.primary, f"CREATE DATABASE IF NOT EXISTS `{opts.db}`")
        info = {
            "command": command,
            "date": datetime.date.today().isoformat(),
            "machine": bench.machine(),
            "mariadb": "MariaDB " + lab.sql(lab.primary, "SELECT VERSION()").split("-")[0],
            "haproxy": "HAProxy (not run)",
            "junction": bench.junction_version(opts.junction_bin),
            "loadavg": " ".join(open("/proc/loadavg").read().split()[:3]),
        }
        uptime_before, started = primary_uptime(lab), time.monotonic()
        if "scale" in opts.parts:
            d = workdir / "scale"
            d.mkdir()
            scale = run_scale(opts, lab, d, ctx)
        if "rate" in opts.parts:
            d = workdir / "rate"
            d.mkdir()
            rate, hv = run_rate(opts, lab, d, ctx)
            if "haproxy" in opts.targets:
                info["haproxy"] = "HAProxy " + (hv.split("version ", 1)[1].split()[0] if "version " in hv else hv)
        if primary_uptime(lab) < uptime_before + time.monotonic() - started - 5:
            info["warning"] = (f"the lab's primary ({HOST}:{lab.primary}) restarted during the benchmark (another "
                               "user of the lab?): these numbers are disturbed")
            log("warning: " + info["warning"])

        print()
        if scale:
            print(f"{scale['clients']:,} clients through Junction:")
            print(scale_table(scale))
            for n in scale_notes(scale):
                print(f"- {n}")
            print()
        if rate:
            print(f"Connection set-up rate, {opts.workers} workers, {opts.time} s per target:")
            print(rate_table(rate))
        sys.stdout.flush()
        if opts.json:
            opts.json.write_text(json.dumps({"info": info, "scale": scale, "rate": rate}, indent=2))
        if opts.write_docs:
            bench.write_docs(docs_section(opts, info, scale, rate), DOC_START, DOC_END)
        failed = []
        if scale:
            failed += [k for p in scale["phases"].values() for k in p.get("errors", {})]
            if scale["phases"]["connect"]["clients"] != opts.clients:
                failed.append("not every client connected")
            if not scale.get("after_ok", True):
                failed.append("Junction refused a client after the crowd left")
        if rate:
            failed += [k for r in rate for k in r["errors"]]
            failed += [f"{r['target']}: no connection" for r in rate if not r["connections"]]
        if failed:
            log(f"errors: {'; '.join(failed[:10])}; logs in {workdir}")
            return 1
        return 0

    return bench.guarded(workdir, body)


if __name__ == "__main__":
    sys.exit(main())
