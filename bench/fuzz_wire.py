#!/usr/bin/env python3
"""A black-box wire fuzzer for Junction: its client port and its admin port, spoken to byte by byte.

    bench/fuzz_wire.py [--port-kind client|admin|both] [--seconds N] [--seed S] [--junction-bin PATH]
    bench/fuzz_wire.py --host 127.0.0.1 --port 6033 --admin-port 6032 [--pid PID] ...   (a running Junction)
    bench/fuzz_wire.py --replay FINDING.json [--junction-bin PATH | --host/--port ...]    (run a saved case again)

Without --port, the script starts its own Junction (--junction-bin, default .build/release/junction) on free ports
in front of the lab's primary (127.0.0.1:13306, or $JUNCTION_LAB_PORT; start the lab with `lab/lab.sh start`), user
app/app, admin admin/admin, schema sbtest. It creates the table sbtest.junction_fuzz_wire for its LOAD DATA and
prepared-statement cases and drops it at the end.

Each fuzzed port gets --seconds of batches. A batch is --batch-size fuzz cases run by --workers threads, each case
on its own TCP connection:

- before the login: random bytes before or instead of the handshake response; handshake responses mutated (bit
  flips, truncation, insertions), or lying (auth-response and connect-attribute lengths, length-encoded integers of
  0xFB..0xFF, missing NULs, capability words, sequence ids), an SSL request, unknown or foreign auth plugins and the
  auth-switch that follows, a login split across tiny TCP writes;
- after a real login (mysql_native_password computed here from Junction's nonce; Junction keeps its users'
  passwords in clear): every command byte 0x00-0x20 and beyond with random or mutated payloads; COM_STMT_EXECUTE
  with lying parameter counts, types, null bitmaps and values; COM_STMT_FETCH/CLOSE/RESET/SEND_LONG_DATA with
  random ids; COM_CHANGE_USER garbage; COM_QUERY with random bytes, mutated statements, deeply nested parentheses,
  huge IN lists, unterminated quotes and comments, NUL bytes, odd Unicode, first-comment annotations; LOAD DATA
  LOCAL uploads cut short or lying; pipelined commands; disconnects mid-command;
- frame-level lies on both sides of the login: a header announcing 16 MiB and then nothing (then close), wrong
  sequence ids, packets split across many tiny writes; oversize fields (a 16 MiB+ user name in a handshake response
  or COM_CHANGE_USER, a 16 MiB+ statement or column name on the admin port);
- what one client can make Junction hold (client port): 64 MiB pipelined behind a running command, 64 MiB of
  COM_STMT_SEND_LONG_DATA never executed, a statement of millions of punctuation characters;
- on the admin port, its commands re-spaced (line breaks, combining marks, odd spaces) and cut short;
- now and then, instead of a case, a flood: 500 sockets that connect and never answer (or stop inside a header).

Where the framing stayed intact, a case ends with COM_PING: a session that neither answers nor closes within
--stuck-timeout seconds is a "stuck session" (saved like a crash). After every batch a real client (PyMySQL) logs in
on the client port and runs SELECT 1, another runs SELECT 1 on the admin port (admin/admin), and the Junction process
must be alive; a watchdog thread runs the same checks every second while the batch runs. A check that takes more
than --hang-seconds (5) is a hang; a check that fails is a failure; a process that exited is a crash (when this
script starts Junction, the Swift runtime's backtracer puts the crashed thread's stack into the log, which the
finding quotes). A hang or failure while the lab's primary itself was down or restarted (the lab may be shared) is
reported but not counted. Junction's RSS (VmRSS of /proc/PID/status) is sampled every 50 ms; with --rss-limit-mib,
a batch that takes it past the limit is a finding too.

When something is found, the batch's cases are saved as JSON (every byte in hex, or zlib+base64 when large, with the
seed) and as text (the bytes each case sent, in hex, and Junction's log), and, when this script started Junction
itself, Junction is restarted and the batch's cases are replayed one at a time to find the one that reproduces it,
which is saved on its own (--replay runs such a file again, one case at a time, and stops at the first that does
harm). The report gives per port: executions (fuzz cases sent; a flood counts as one), batches, crashes, hangs,
failures, stuck sessions, batches over the RSS limit, floods, the max RSS and the slowest health check. The exit
status is 1 when any of those was found, 2 when the run could not start.

Python 3 standard library and PyMySQL.
"""

from __future__ import annotations

import argparse
import base64
import concurrent.futures
import hashlib
import json
import os
import random
import resource
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import pymysql

REPO = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
LAB_PORT = int(os.environ.get("JUNCTION_LAB_PORT", "13306"))
USER, PASSWORD = "app", "app"
ADMIN_USER, ADMIN_PASSWORD = "admin", "admin"
SCHEMA = "sbtest"
TABLE = "junction_fuzz_wire"


def log(msg: str) -> None:
    print(f"fuzz_wire: {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- the MySQL protocol, as far as the fuzzer needs it

CLIENT_LONG_PASSWORD = 0x1
CLIENT_FOUND_ROWS = 0x2
CLIENT_LONG_FLAG = 0x4
CLIENT_CONNECT_WITH_DB = 0x8
CLIENT_COMPRESS = 0x20
CLIENT_LOCAL_FILES = 0x80
CLIENT_PROTOCOL_41 = 0x200
CLIENT_INTERACTIVE = 0x400
CLIENT_SSL = 0x800
CLIENT_TRANSACTIONS = 0x2000
CLIENT_SECURE_CONNECTION = 0x8000
CLIENT_MULTI_STATEMENTS = 0x10000
CLIENT_MULTI_RESULTS = 0x20000
CLIENT_PS_MULTI_RESULTS = 0x40000
CLIENT_PLUGIN_AUTH = 0x80000
CLIENT_CONNECT_ATTRS = 0x100000
CLIENT_PLUGIN_AUTH_LENENC = 0x200000
CLIENT_SESSION_TRACK = 0x800000
CLIENT_DEPRECATE_EOF = 0x1000000

BASE_CAPS = (CLIENT_LONG_PASSWORD | CLIENT_FOUND_ROWS | CLIENT_LONG_FLAG | CLIENT_PROTOCOL_41 | CLIENT_TRANSACTIONS
             | CLIENT_SECURE_CONNECTION | CLIENT_MULTI_STATEMENTS | CLIENT_MULTI_RESULTS | CLIENT_PS_MULTI_RESULTS
             | CLIENT_PLUGIN_AUTH | CLIENT_PLUGIN_AUTH_LENENC | CLIENT_CONNECT_ATTRS | CLIENT_LOCAL_FILES)

COM_QUIT, COM_INIT_DB, COM_QUERY, COM_FIELD_LIST = 0x01, 0x02, 0x03, 0x04
COM_STATISTICS, COM_PING, COM_CHANGE_USER = 0x09, 0x0E, 0x11
COM_STMT_PREPARE, COM_STMT_EXECUTE, COM_STMT_SEND_LONG_DATA = 0x16, 0x17, 0x18
COM_STMT_CLOSE, COM_STMT_RESET, COM_SET_OPTION, COM_STMT_FETCH, COM_RESET_CONNECTION = 0x19, 0x1A, 0x1B, 0x1C, 0x1F

NATIVE = "mysql_native_password"
SHA2 = "caching_sha2_password"
MAX_FRAME = 0xFFFFFF


def frame(payload: bytes, seq: int = 0) -> bytes:
    """`payload` as one logical packet: frames of at most 0xFFFFFF bytes (an empty last one after a full one)."""
    out = bytearray()
    pos = 0
    while True:
        chunk = payload[pos:pos + MAX_FRAME]
        out += struct.pack("<I", len(chunk))[:3] + bytes([seq & 0xFF]) + chunk
        seq += 1
        pos += len(chunk)
        if len(chunk) < MAX_FRAME:
            return bytes(out)


def header(length: int, seq: int) -> bytes:
    return struct.pack("<I", length & MAX_FRAME)[:3] + bytes([seq & 0xFF])


def lenenc_int(n: int) -> bytes:
    if n < 0xFB:
        return bytes([n])
    if n <= 0xFFFF:
        return b"\xfc" + struct.pack("<H", n)
    if n <= 0xFFFFFF:
        return b"\xfd" + struct.pack("<I", n)[:3]
    return b"\xfe" + struct.pack("<Q", n & 0xFFFFFFFFFFFFFFFF)


def lenenc_bytes(b: bytes) -> bytes:
    return lenenc_int(len(b)) + b


def native_scramble(password: str, nonce: bytes) -> bytes:
    """mysql_native_password: SHA1(password) XOR SHA1(nonce + SHA1(SHA1(password)))."""
    if not password:
        return b""
    stage1 = hashlib.sha1(password.encode()).digest()
    stage2 = hashlib.sha1(stage1).digest()
    mix = hashlib.sha1(nonce[:20] + stage2).digest()
    return bytes(a ^ b for a, b in zip(stage1, mix))


def sha2_scramble(password: str, nonce: bytes) -> bytes:
    """caching_sha2_password's fast path: SHA256(password) XOR SHA256(SHA256(SHA256(password)) + nonce)."""
    if not password:
        return b""
    stage1 = hashlib.sha256(password.encode()).digest()
    stage2 = hashlib.sha256(stage1).digest()
    mix = hashlib.sha256(stage2 + nonce[:20]).digest()
    return bytes(a ^ b for a, b in zip(stage1, mix))


def parse_greeting(payload: bytes) -> bytes:
    """The 20-byte nonce of a HandshakeV10; ValueError when it is none (an ERR packet, garbage)."""
    if not payload or payload[0] != 10:
        raise ValueError(f"not a HandshakeV10 (first byte {payload[:1].hex() or 'none'})")
    end = payload.index(b"\0", 1)
    pos = end + 1 + 4
    part1 = payload[pos:pos + 8]
    pos += 8 + 1 + 2 + 1 + 2 + 2
    auth_len = payload[pos]
    pos += 1 + 10
    part2 = payload[pos:pos + max(13, auth_len - 8)]
    return (part1 + part2)[:20]


def handshake_response(caps: int, user: bytes, auth: bytes, db: bytes | None = None, plugin: bytes | None = NATIVE.encode(),
                       attrs: list[tuple[bytes, bytes]] | None = None, charset: int = 45,
                       max_packet: int = 1 << 24) -> tuple[bytes, int]:
    """A HandshakeResponse41 payload, and the offset of the auth response in it (to put a real scramble there)."""
    if db is not None:
        caps |= CLIENT_CONNECT_WITH_DB
    out = bytearray(struct.pack("<IIB", caps & 0xFFFFFFFF, max_packet & 0xFFFFFFFF, charset & 0xFF) + b"\0" * 23)
    out += user + b"\0"
    if caps & CLIENT_PLUGIN_AUTH_LENENC:
        out += lenenc_int(len(auth))
    elif caps & CLIENT_SECURE_CONNECTION:
        out += bytes([len(auth) & 0xFF])
    offset = len(out)
    out += auth
    if not caps & (CLIENT_PLUGIN_AUTH_LENENC | CLIENT_SECURE_CONNECTION):
        out += b"\0"
    if db is not None:
        out += db + b"\0"
    if caps & CLIENT_PLUGIN_AUTH and plugin is not None:
        out += plugin + b"\0"
    if caps & CLIENT_CONNECT_ATTRS and attrs is not None:
        body = b"".join(lenenc_bytes(k) + lenenc_bytes(v) for k, v in attrs)
        out += lenenc_bytes(body)
    return bytes(out), offset


class Closed(Exception):
    """The peer closed the connection (or reset it)."""


class Wire:
    """A blocking TCP connection with packet reading."""

    def __init__(self, host: str, port: int, timeout: float = 5.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.closed_by_peer = False
        self.received = 0

    def send(self, data: bytes, timeout: float = 30.0) -> None:
        """Sends all of `data` within `timeout` seconds (reads leave short timeouts on the socket: not for sends)."""
        try:
            self.sock.settimeout(timeout)
            self.sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError) as e:
            self.closed_by_peer = True
            raise Closed(str(e)) from e
        except socket.timeout as e:
            raise Closed(f"send timed out after {len(data)} bytes: the peer does not read") from e

    def _fill(self, timeout: float) -> bool:
        """Reads what arrives within `timeout`; False on timeout. Closed when the peer closed."""
        self.sock.settimeout(max(timeout, 0.001))
        try:
            data = self.sock.recv(1 << 20)
        except socket.timeout:
            return False
        except (ConnectionResetError, ConnectionAbortedError) as e:
            self.closed_by_peer = True
            raise Closed(str(e)) from e
        if not data:
            self.closed_by_peer = True
            raise Closed("EOF")
        self.received += len(data)
        self.buf += data
        return True

    def packet(self, timeout: float) -> tuple[int, bytes] | None:
        """The next whole frame (sequence id, payload), or None when none arrived within `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            if len(self.buf) >= 4:
                length = int.from_bytes(self.buf[:3], "little")
                if len(self.buf) >= 4 + length:
                    seq = self.buf[3]
                    payload = bytes(self.buf[4:4 + length])
                    del self.buf[:4 + length]
                    return seq, payload
            left = deadline - time.monotonic()
            if left <= 0 or not self._fill(left):
                return None

    def _drop_frames(self) -> None:
        """Forgets the whole frames in the buffer; a partial one stays, so that reading stays aligned on frames."""
        pos = 0
        while len(self.buf) - pos >= 4:
            length = int.from_bytes(self.buf[pos:pos + 3], "little")
            if len(self.buf) - pos < 4 + length:
                break
            pos += 4 + length
        del self.buf[:pos]

    def drain(self, timeout: float, idle: float = 0.03) -> int:
        """Reads until nothing came for `idle` seconds after something came, or `timeout` passed with nothing.
        Returns the bytes read (Closed when the peer closed)."""
        got = 0
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return got
            before = self.received
            if not self._fill(min(left, idle) if got else left):
                return got
            got += self.received - before
            self._drop_frames()

    def close(self, rst: bool = False) -> None:
        try:
            if rst:
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.sock.close()
        except OSError:
            pass


# ---------------------------------------------------------------- bytes in saved cases

def enc(b: bytes):
    """Bytes for a JSON case file: hex, or zlib+base64 when large."""
    if len(b) <= 4096:
        return b.hex()
    return {"zlib_b64": base64.b64encode(zlib.compress(b, 6)).decode(), "len": len(b),
            "head_hex": b[:256].hex(), "sha256": hashlib.sha256(b).hexdigest()}


def dec(v) -> bytes:
    if isinstance(v, str):
        return bytes.fromhex(v)
    return zlib.decompress(base64.b64decode(v["zlib_b64"]))


def short_hex(b: bytes, limit: int = 256) -> str:
    if len(b) <= limit:
        return b.hex()
    return f"{b[:limit].hex()}… ({len(b)} bytes in all, sha256 {hashlib.sha256(b).hexdigest()[:16]})"


# ---------------------------------------------------------------- cases
#
# A case is a list of steps, each a tuple whose first item names it; bytes are `bytes`. Cases are generated up front
# from the batch's random generator (so a seed and batch number give the same cases again); only what depends on
# Junction's nonce (a real scramble) is computed while the case runs.
#
#   ("greet",)                               read the greeting (its nonce is kept)
#   ("raw", data)                            send bytes as they are
#   ("chunks", data, seed)                   send bytes in writes of 1..7 bytes
#   ("hs", payload, auth_off, auth, ops, seq) a handshake response: at auth_off the real scramble for `auth`
#                                            ("native:PASSWORD", "sha2:PASSWORD" or "" for as is), then the mutation
#                                            ops, framed with `seq`
#   ("login", user, password, caps, db)      a correct login; the case stops if it is refused
#   ("switch", mode, seq)                    read an AuthSwitchRequest and answer: "native:PASSWORD" or "hex:…"
#   ("cmd", payload, seq)                    a framed packet
#   ("stmt", payload, seq, ref)              a framed packet whose bytes 1..4 become the id of the ref-th statement
#                                            this case prepared (when it has one)
#   ("prepare", sql)                         COM_STMT_PREPARE, its response read, the statement id kept
#   ("change_user", user, password, db, plugin, charset, ops)  COM_CHANGE_USER with a real scramble, mutated by ops
#   ("read", seconds)                        read what comes within `seconds`
#   ("probe", seconds)                       COM_PING: an answer or a close must come within `seconds`
#   ("sleep", seconds), ("close", "fin" | "rst"), ("shutwr",)


@dataclass
class Case:
    name: str
    port: str  # "client" | "admin"
    steps: list
    tag: str = ""  # batch/index, set by the batch

    def to_json(self) -> dict:
        steps = []
        for step in self.steps:
            steps.append([enc(x) if isinstance(x, (bytes, bytearray)) else x for x in step])
        return {"name": self.name, "port": self.port, "tag": self.tag, "steps": steps}

    @staticmethod
    def from_json(d: dict) -> "Case":
        byte_fields = {"raw": [1], "chunks": [1], "hs": [1], "cmd": [1], "stmt": [1]}
        steps = []
        for step in d["steps"]:
            step = list(step)
            for i in byte_fields.get(step[0], []):
                step[i] = dec(step[i])
            steps.append(tuple(step))
        return Case(d["name"], d["port"], steps, d.get("tag", ""))


def apply_ops(data: bytes, ops: list) -> bytes:
    """Byte mutations: ["flip", pos, bit], ["set", pos, byte], ["trunc", n], ["ins", pos, hex], ["del", pos, n],
    ["dup", pos, n]; positions are clamped to the data."""
    b = bytearray(data)
    for op in ops:
        kind = op[0]
        if kind == "trunc":
            del b[op[1]:]
            continue
        pos = min(op[1], len(b))
        if kind == "flip" and pos < len(b):
            b[pos] ^= 1 << op[2]
        elif kind == "set" and pos < len(b):
            b[pos] = op[2]
        elif kind == "ins":
            b[pos:pos] = bytes.fromhex(op[2])
        elif kind == "del":
            del b[pos:pos + op[2]]
        elif kind == "dup":
            b[pos:pos] = b[pos:pos + op[2]]
    return bytes(b)


@dataclass
class Outcome:
    stuck: bool = False
    login_failed: str = ""
    closed_by_peer: bool = False
    error: str = ""
    sent: list = field(default_factory=list)  # (what, bytes) actually written, for the reproducer
    stuck_step: int = -1


class Runner:
    """Runs one case on its own connection."""

    def __init__(self, host: str, port: int, case: Case, connect_timeout: float = 5.0, keep_sent: bool = True):
        self.host, self.port, self.case = host, port, case
        self.connect_timeout = connect_timeout
        self.keep_sent = keep_sent
        self.nonce = b"\0" * 20
        self.statements: list[int] = []
        self.out = Outcome()

    def _send(self, w: Wire, what: str, data: bytes) -> None:
        if self.keep_sent:
            self.out.sent.append((what, data))
        w.send(data)

    def run(self) -> Outcome:
        try:
            w = Wire(self.host, self.port, self.connect_timeout)
        except OSError as e:
            self.out.error = f"connect: {e}"
            return self.out
        try:
            for index, step in enumerate(self.case.steps):
                if not self._step(w, index, step):
                    break
        except Closed:
            self.out.closed_by_peer = True
        except OSError as e:
            self.out.error = f"{type(e).__name__}: {e}"
        finally:
            w.close(rst=any(s[0] == "close" and s[1] == "rst" for s in self.case.steps))
        return self.out

    def _step(self, w: Wire, index: int, step: tuple) -> bool:
        kind = step[0]
        if kind == "greet":
            got = w.packet(5.0)
            if got is None:
                self.out.error = "no greeting within 5s"
                return False
            try:
                self.nonce = parse_greeting(got[1])
            except (ValueError, IndexError) as e:
                self.out.error = f"greeting: {e}"
                return False
        elif kind == "raw":
            self._send(w, "raw", step[1])
        elif kind == "chunks":
            data, rng = step[1], random.Random(step[2])
            pos = 0
            if self.keep_sent:
                self.out.sent.append(("chunks", data))
            while pos < len(data):
                n = rng.randint(1, 7)
                w.send(data[pos:pos + n])
                pos += n
                if rng.random() < 0.3:
                    time.sleep(0.001)
        elif kind == "hs":
            _, payload, off, auth, ops, seq = step
            payload = self._with_scramble(payload, off, auth)
            self._send(w, "handshake response", frame(apply_ops(payload, ops), seq))
        elif kind == "login":
            _, user, password, caps, db = step
            payload, _ = handshake_response(caps, user.encode(), native_scramble(password, self.nonce),
                                            db.encode() if db else None, attrs=[(b"_client_name", b"fuzz_wire")])
            self._send(w, "login", frame(payload, 1))
            got = w.packet(10.0)
            if got is None or not got[1] or got[1][0] != 0x00:
                self.out.login_failed = "no answer" if got is None else got[1][:80].hex()
                return False
        elif kind == "switch":
            _, mode, seq = step
            got = w.packet(3.0)
            if got is None:
                return True
            rseq, payload = got
            nonce = self.nonce
            if payload[:1] == b"\xfe" and b"\0" in payload[1:]:
                rest = payload[payload.index(b"\0", 1) + 1:]
                nonce = rest.rstrip(b"\0")[:20] or nonce
            if mode.startswith("native:"):
                reply = native_scramble(mode[7:], nonce)
            else:
                reply = bytes.fromhex(mode[4:])
            self._send(w, "auth switch response", frame(reply, (rseq + 1) if seq is None else seq))
        elif kind == "cmd":
            self._send(w, "command", frame(step[1], step[2]))
        elif kind == "stmt":
            payload = bytearray(step[1])
            ref = step[3]
            if ref is not None and self.statements and len(payload) >= 5:
                payload[1:5] = struct.pack("<I", self.statements[ref % len(self.statements)])
            self._send(w, "statement command", frame(bytes(payload), step[2]))
        elif kind == "prepare":
            self._send(w, "prepare", frame(bytes([COM_STMT_PREPARE]) + step[1].encode(), 0))
            got = w.packet(10.0)
            if got is not None and got[1][:1] == b"\x00" and len(got[1]) >= 5:
                self.statements.append(struct.unpack("<I", got[1][1:5])[0])
            w.drain(0.3, idle=0.02)
        elif kind == "change_user":
            _, user, password, db, plugin, charset, ops = step
            scramble = sha2_scramble(password, self.nonce) if plugin == SHA2 else native_scramble(password, self.nonce)
            payload = (bytes([COM_CHANGE_USER]) + user.encode() + b"\0" + bytes([len(scramble)]) + scramble
                       + (db or "").encode() + b"\0" + struct.pack("<H", charset) + plugin.encode() + b"\0")
            self._send(w, "change user", frame(apply_ops(payload, ops), 0))
        elif kind == "read":
            w.drain(step[1])
        elif kind == "probe":
            # Stuck: after the ping the connection stays open and silent for `seconds`. Bytes still coming (a large
            # result of an earlier command) are progress; the answer may come after them.
            w.drain(0.05, idle=0.02)
            self._send(w, "probe (COM_PING)", frame(bytes([COM_PING]), 0))
            cap = time.monotonic() + 6 * step[1]
            while True:
                before = w.received
                if w.packet(step[1]) is not None:
                    break
                if w.received == before or time.monotonic() > cap:
                    self.out.stuck = True
                    self.out.stuck_step = index
                    # Does the answer come late, or never?
                    late = time.monotonic()
                    try:
                        got = w.packet(3 * step[1])
                        self.out.error = (f"answered {time.monotonic() - late + step[1]:.1f}s after the ping"
                                          if got is not None else f"silent for {4 * step[1]:.0f}s after the ping")
                    except Closed:
                        self.out.error = "closed by Junction after the silence"
                    return False
        elif kind == "sleep":
            time.sleep(step[1])
        elif kind == "shutwr":
            w.sock.shutdown(socket.SHUT_WR)
        elif kind == "close":
            return False
        return True

    def _with_scramble(self, payload: bytes, off: int, auth: str) -> bytes:
        if not auth:
            return payload
        method, password = auth.split(":", 1)
        s = sha2_scramble(password, self.nonce) if method == "sha2" else native_scramble(password, self.nonce)
        return payload[:off] + s + payload[off + len(s):]


# ---------------------------------------------------------------- what to send

CLIENT_QUERIES = [
    "SELECT 1", "select @@version_comment limit 1", "SELECT @@server_id, @@version", "SELECT 1, 'a', NULL, 2.5",
    f"SELECT * FROM {SCHEMA}.{TABLE} LIMIT 3", "SELECT 'a' AS x, 2 AS y UNION SELECT 'b', 3",
    "SET @junction_fuzz = 1", "SET NAMES utf8mb4", "SET NAMES latin1 COLLATE latin1_swedish_ci",
    "SET SESSION sql_mode = 'STRICT_TRANS_TABLES'", "SET autocommit = 0", "SET autocommit = 1",
    "SET time_zone = '+05:00'", "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
    "SET character_set_results = NULL", "SET @@session.wait_timeout = 3600, @a = 2", f"USE {SCHEMA}", "USE `sbtest`",
    "BEGIN", "COMMIT", "ROLLBACK", "START TRANSACTION READ ONLY", "SHOW WARNINGS", "SHOW COUNT(*) WARNINGS",
    "SHOW ERRORS LIMIT 1", "SHOW VARIABLES LIKE 'max_allowed_packet'", "SELECT 1; SELECT 2", "SELECT 1;",
    "SELECT GET_LOCK('junction_fuzz', 0)", "SELECT SQL_CALC_FOUND_ROWS 1", "SELECT FOUND_ROWS()",
    "CREATE TEMPORARY TABLE junction_fuzz_tmp (a int)", f"INSERT INTO {SCHEMA}.{TABLE} VALUES (1, 'x')",
    "SELECT LAST_INSERT_ID()", "DO 1", "SELECT /*+ MAX_EXECUTION_TIME(1000) */ 1", "/* hostgroup=0 */ SELECT 1",
    "/* cache_ttl=1000 */ SELECT 7", "/*!40101 SET NAMES utf8 */", "SELECT 1 FOR UPDATE",
    "PREPARE junction_fuzz_s FROM 'SELECT 1'", "EXECUTE junction_fuzz_s", "SELECT REPEAT('x', 70000)",
    "SELECT 1 WHERE 1 IN (1, 2, 3)", "SELECT CAST('x' AS CHAR(10)) AS `weird ``name`", "SELECT 0x41, x'42', b'1'",
    "SELECT 'it''s', \"dq\", 'back\\\\slash'", "SELECT 1 -- comment\n", "SELECT 1 # comment", "SELECT /* c */ 1",
    "SELECT @@session.autocommit", "SHOW SESSION STATUS LIKE 'Com_select'", "SELECT SLEEP(0.01)",
    "SELECT * FROM information_schema.SCHEMATA LIMIT 2", "XA RECOVER",
]

PREPARED = [
    ("SELECT ?", 1), ("SELECT ?, ?", 2), ("SELECT ? + ?, CONCAT(?, 'x')", 3), ("SELECT 1", 0),
    (f"SELECT a, b FROM {SCHEMA}.{TABLE} WHERE a = ? OR b = ?", 2), (f"SELECT a, b FROM {SCHEMA}.{TABLE}", 0),
    ("SELECT ? FROM DUAL WHERE ? IS NULL", 2), ("DO ?", 1), ("SET @junction_fuzz = ?", 1),
    ("SELECT " + ", ".join(["?"] * 40), 40), ("SELECT COALESCE(" + ", ".join(["?"] * 300) + ")", 300),
    ("SELECT ? AS `a`, 'x' AS b UNION ALL SELECT ?, 'y'", 2),
]

ADMIN_QUERIES = [
    "SELECT 1", "select @@version_comment limit 1", "SELECT @@version", "SELECT @@max_allowed_packet, @@tx_isolation AS i",
    "SELECT DATABASE(), USER()", "SELECT CONCAT(@@version, ' ', @@version_comment)", "SELECT TIMEDIFF(NOW(), UTC_TIMESTAMP())",
    "SELECT CURRENT_USER()", "SELECT CONNECTION_ID()", "SELECT DATABASE() AS name",
    "SELECT * FROM mysql_servers", "SELECT * FROM runtime_mysql_servers", "SELECT * FROM mysql_users",
    "SELECT * FROM global_variables WHERE variable_name LIKE 'mysql-%'", "SELECT * FROM stats.stats_mysql_query_digest",
    "SELECT * FROM stats_mysql_processlist", "SELECT * FROM monitor.mysql_server_ping_log",
    "SELECT COUNT(*) FROM stats_mysql_connection_pool", "SELECT * FROM runtime_checksums_values", "SELECT sqlite_version()",
    "SHOW DATABASES", "SHOW TABLES", "SHOW TABLES FROM stats", "SHOW TABLES LIKE 'mysql%'", "SHOW CREATE TABLE mysql_servers",
    "SHOW CREATE TABLE main.mysql_users", "SHOW FIELDS FROM mysql_servers", "SHOW TABLE STATUS LIKE 'mysql_users'",
    "SHOW VARIABLES", "SHOW MYSQL VARIABLES LIKE 'mysql-max%'", "SHOW ADMIN VARIABLES",
    "SHOW VARIABLES WHERE variable_name = 'mysql-threads'", "SHOW GLOBAL VARIABLES LIKE 'version'", "SHOW MYSQL STATUS",
    "SHOW MYSQL SERVERS", "SHOW MYSQL USERS", "SHOW PROCESSLIST", "SHOW FULL PROCESSLIST", "SHOW CHARSET", "SHOW COLLATION",
    "SELECT CONFIG FILE", "SELECT GLOBAL_CHECKSUM()", "CHECKSUM MEMORY MYSQL SERVERS", "CHECKSUM DISK MYSQL USERS",
    "EXPLAIN ROUTING 'select * from t where id = 7 for update' USER 'app' SCHEMA 'sbtest'",
    "EXPLAIN ROUTING \"SELECT /* hostgroup=3 */ 1\"", "SET NAMES utf8", "SET autocommit = 1", "SET mysql-nonexistent = 1",
    "BEGIN", "COMMIT", "USE main", "SHOW VARIABLES WHERE VARIABLE_NAME IN ('system_time_zone','time_zone')",
    "SHOW VARIABLES LIKE 'gtid\\_mode'", "SELECT @@a, @@session.b AS c LIMIT 1", "/*!40101 SET NAMES utf8 */",
    "SELECT variable_name, variable_value FROM runtime_global_variables ORDER BY 1 LIMIT 5",
]

# Admin commands for g_admin_words: none changes what is live (no LOAD/SAVE of edited tables, no KILL, no PROXYSQL …).
ADMIN_COMMANDS = [
    "SHOW TABLES FROM stats", "SHOW TABLES IN main", "SHOW TABLES LIKE 'mysql%'", "SHOW CREATE TABLE main.mysql_users",
    "SHOW CREATE TABLE mysql_servers", "SHOW FIELDS FROM mysql_servers", "SHOW TABLE STATUS LIKE 'mysql_users'",
    "SHOW MYSQL VARIABLES LIKE 'mysql-max%'", "SHOW ADMIN VARIABLES WHERE variable_name LIKE 'admin-%'", "SHOW GLOBAL VARIABLES",
    "SHOW VARIABLES LIKE 'version'", "SHOW ALL VARIABLES", "SHOW SESSION VARIABLES WHERE 1 = 1", "SHOW LDAP VARIABLES",
    "SHOW FULL PROCESSLIST", "SHOW MYSQL STATUS", "SHOW CHARACTER SET", "SHOW DATABASES",
    "LOAD MYSQL USER app TO RUNTIME", "CHECKSUM DISK MYSQL SERVERS", "CHECKSUM MEMORY MYSQL QUERY RULES",
    "CHECKSUM MYSQL GROUP REPLICATION HOSTGROUPS", "TRUNCATE TABLE stats.stats_mysql_query_digest_reset",
    "EXPLAIN ROUTING 'select 1' USER 'app' SCHEMA 'sbtest'", "SET mysql-nonexistent_variable = 'x'", "SET NAMES utf8mb4",
    "SELECT @@version AS v, @@session.autocommit LIMIT 1", "SELECT CONFIG FILE", "SELECT GLOBAL_CHECKSUM()",
    "LOAD MYSQL SERVERS TO RUNTIME", "LOAD MYSQL QUERY RULES FROM MEMORY", "SAVE MYSQL VARIABLES TO MEMORY",
    "START TRANSACTION", "LOCK TABLES mysql_servers READ", "UNLOCK TABLES", "USE stats",
    "/*!40101 SET character_set_client = utf8 */", "SELECT DATABASE(), USER() LIMIT 1",
]

# Inserted into statements: quoting and comment openers, numbers at the edges, and Unicode whose case mapping or
# grapheme clustering differs (a combining mark after a line break, ß, ŉ, İ, ﬀ, U+0345 whose upper case is not
# combining), odd spaces, invalid UTF-8, NUL.
TOKENS = [
    b"\n\xcd\x85", b"\xcd\x85", b"\t\xcc\x81", b"\n\xcc\x81", b"\xc3\x9f", b"\xc5\x89", b"\xc4\xb0", b"\xef\xac\x80",
    b"\xc2\xa0", b"\xe2\x80\xa8", b"\xe3\x80\x80", b"\xc2\x85", b"\xef\xbb\xbf", b"\xe2\x80\x8d", b"\x00", b"\xff",
    b"\xc0\x80", b"\xed\xa0\x80", b"\xf0\x9f\x98\x80", b"\xf4\x90\x80\x80", b"'", b"\"", b"`", b"\\", b"/*", b"*/",
    b"/*!", b"/*M!", b"--", b"-- ", b"#", b";", b"(", b")", b",", b"?", b"@@", b"@", b"\r\n", b"%", b"''", b"\\'",
    b"0x", b"1e309", b"-9223372036854775809", b"18446744073709551616", b"99999999999999999999999", b" LIMIT ",
    b" AS ", b"=", b"\x1a", b" ", b"\t", b"\x0b", b"\x0c", b"\r", b"NULL", b"FROM", b"WHERE", b" IN (", b"\xd9\xa3",
    b"\xc2\xbd", b"\xe2\x85\xab",
]


def mutate_text(rng: random.Random, text: bytes, rounds: int | None = None) -> bytes:
    """Byte- and token-level mutations of a statement."""
    b = bytearray(text)
    for _ in range(rounds if rounds is not None else rng.choice([1, 1, 2, 3, 5])):
        r = rng.random()
        spaces = [i for i, c in enumerate(b) if c == 0x20] or [len(b)]
        if r < 0.30:  # a token at a word boundary
            pos = rng.choice(spaces + [len(b)])
            b[pos:pos] = rng.choice(TOKENS)
        elif r < 0.45:  # a token anywhere
            pos = rng.randint(0, len(b))
            b[pos:pos] = rng.choice(TOKENS)
        elif r < 0.55 and b:
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
        elif r < 0.62 and b:
            del b[rng.randint(0, len(b)):]
        elif r < 0.70 and b:
            i = rng.randrange(len(b))
            del b[i:i + rng.randint(1, 8)]
        elif r < 0.78 and b:
            i = rng.randrange(len(b))
            n = rng.randint(1, 16)
            b[i:i] = b[i:i + n] * rng.choice([1, 2, 10, 100])
        elif r < 0.84:
            b[:] = bytes(b).swapcase()
        elif r < 0.92:  # whitespace games
            b[:] = bytes(b).replace(b" ", rng.choice([b"\n", b"\t", b"  ", b"\r\n", b"\n\xcd\x85", b"\x0b"]))
        else:
            pos = rng.randint(0, len(b))
            b[pos:pos] = rng.choice(TOKENS) * rng.choice([10, 100, 1000])
    return bytes(b)


def rand_bytes(rng: random.Random, n: int) -> bytes:
    return rng.getrandbits(8 * n).to_bytes(n, "little") if n else b""


def nasty_sql(rng: random.Random, port: str) -> bytes:
    """Statements that are hard on parsers, tokenizers and digests."""
    k = rng.randrange(16)
    if k == 0:
        d = rng.choice([50, 500, 5000, 50000, 200000])
        return b"SELECT " + b"(" * d + b"1" + b")" * d
    if k == 1:
        d = rng.choice([100, 10000, 300000])
        return b"SELECT " + b"(" * d
    if k == 2:
        # SQLite on the admin port takes seconds for 200,000 items: the admin port gets smaller lists.
        n = rng.choice([1000, 20000, 200000] if port == "client" else [1000, 5000, 20000])
        items = [str(rng.randint(-10**9, 10**9)).encode() if rng.random() < 0.7 else b"'s%d'" % i for i in range(n)]
        return b"SELECT 1 FROM DUAL WHERE 1 IN (" + b",".join(items) + b")"
    if k == 3:
        n = rng.choice([1000, 50000])
        return b"SELECT 1 IN (" + b", ".join([b"?"] * n) + b")"
    if k == 4:
        opener = rng.choice([b"'", b"\"", b"`", b"/*", b"/*!", b"/*!50000", b"-- ", b"#", b"/*M!", b"'\\", b"x'", b"@`"])
        return b"SELECT " + opener + rand_bytes(rng, rng.randint(0, 64)).replace(b"*/", b"").replace(b"'", b"")
    if k == 5:
        base = rng.choice(CLIENT_QUERIES if port == "client" else ADMIN_QUERIES).encode()
        b = bytearray(base)
        for _ in range(rng.randint(1, 5)):
            b.insert(rng.randint(0, len(b)), 0)
        return bytes(b)
    if k == 6:
        return b"SELECT 1;" * rng.choice([2, 50, 500]) + rng.choice([b"", b"SELECT", b";;;", b"SELECT 'x"])
    if k == 7:  # first-comment annotations
        key = rng.choice([b"hostgroup", b"cache_ttl", b"query_retries", b"query_timeout", b"mirror",
                          b"create_new_connection", b"HOSTGROUP", b"query_delay", b"junk"])
        value = rng.choice([b"0", b"1", b"-1", b"999", b"1" * 30, b"9223372036854775807", b"\xd9\xa3", b"", b"=", b"1e5"])
        if key == b"query_delay" and value not in (b"0", b"1", b"-1", b"", b"="):
            value = b"5"  # a long delay is what was asked for: the session waits (not a fault)
        return b"/* " + key + b"=" + value + rng.choice([b" ", b";", b";;x=1;"]) + b"*/ SELECT 1"
    if k == 8:
        return b"SELECT '" + b"x" * rng.choice([1 << 10, 1 << 16, 1 << 20]) + b"'"
    if k == 9:
        return b"SELECT `" + b"i" * rng.choice([64, 65, 1000, 100000]) + b"`"
    if k == 10:
        return b"SELECT '" + rand_bytes(rng, rng.randint(1, 200)) + b"'"
    if k == 11:
        sets = [b"@a=1", b"@@session.sql_mode='ANSI'", b"NAMES utf8mb4 COLLATE utf8mb4_bin", b"autocommit=(SELECT 1)",
                b"SESSION TRANSACTION ISOLATION LEVEL SERIALIZABLE", b"character_set_client=DEFAULT", b"@@x=",
                b"time_zone=@@time_zone", b"NAMES", b"sql_mode=CONCAT(@@sql_mode, ',ANSI')", b"@`q``x`=2",
                b"wait_timeout=28800", b"@@local.net_write_timeout=60", b"CHARACTER SET 'x'", b"=1"]
        return b"SET " + b", ".join(rng.sample(sets, rng.randint(1, 4)))
    if k == 12:
        return rng.choice([b"USE", b"USE `", b"USE x y", b"USE `a``b`", b"USE " + b"d" * 300, b"use\tsbtest;;",
                           b"SHOW WARNINGS LIMIT 18446744073709551616", b"SHOW COUNT(*)", b"SHOW", b"COMMIT WORK",
                           b"select @@version_comment limit 1".upper(), b"select @@version_comment limit 1 ",
                           b"BEGIN; COMMIT; BEGIN", b"ROLLBACK TO SAVEPOINT x"])
    if k == 13:
        base = rng.choice(CLIENT_QUERIES if port == "client" else ADMIN_QUERIES).encode()
        return mutate_text(rng, base, rng.randint(3, 10))
    if k == 14:  # invalid UTF-8 and control bytes throughout
        return b"SELECT '" + bytes(rng.choice([0x80, 0xbf, 0xc0, 0xc1, 0xf5, 0xff, 0xed, 0x00, 0x1a]) for _ in range(rng.randint(1, 50))) + b"'"
    return b"SELECT " + b"+" * rng.choice([10, 1000, 100000]) + b"1"


def admin_nasty(rng: random.Random) -> bytes:
    k = rng.randrange(6)
    if k == 0:
        inner = nasty_sql(rng, "client").replace(b"'", b"''")
        return b"EXPLAIN ROUTING '" + inner + b"'" + rng.choice([b"", b" USER 'app'", b" USER 'app' SCHEMA 'x'", b" USER",
                                                                 b" SCHEMA '", b" USER 'a' USER 'b'"])
    if k == 1:
        verb = rng.choice([b"SHOW TABLES FROM", b"SHOW CREATE TABLE", b"SHOW FIELDS FROM", b"SHOW VARIABLES",
                           b"SHOW TABLE STATUS LIKE", b"SHOW TABLES LIKE", b"SHOW MYSQL VARIABLES", b"SHOW ADMIN VARIABLES LIKE",
                           b"LOAD MYSQL USER", b"CHECKSUM DISK MYSQL", b"TRUNCATE TABLE", b"KILL CONNECTION", b"SELECT CONFIG INTO"])
        tail = b"".join(rng.choice(TOKENS) for _ in range(rng.randint(1, 3)))
        return verb + rng.choice([b"", b" "]) + tail
    if k == 2:
        return b"SELECT " + b", ".join(b"@@" + rng.choice([b"a", b"session.", b"global.x", b"", b"local.y AS", b"v AS z AS w"])
                                        for _ in range(rng.randint(1, 6))) + rng.choice([b"", b" LIMIT 1", b" LIMIT", b" LIMIT x"])
    if k == 3:
        return b"SHOW VARIABLES " + rng.choice([b"LIKE", b"WHERE", b"LIKE '", b"WHERE variable_name = '", b"WHERE (((",
                                                 b"LIKE '%", b"WHERE 1=1; SELECT 2"])
    if k == 4:
        return mutate_text(rng, rng.choice(ADMIN_QUERIES).encode(), rng.randint(1, 6))
    return nasty_sql(rng, "admin")


def exec_payload(rng: random.Random, nparams: int, stmt_id: int = 1) -> bytes:
    """A COM_STMT_EXECUTE, truthful or lying about its parameters."""
    lie = rng.random() < 0.7
    n = nparams
    if lie and rng.random() < 0.4:
        n = max(0, nparams + rng.choice([-2, -1, 1, 2, 7, 300]))
    flags = rng.choice([0, 0, 0, 1, 2, 4, 8, rng.randrange(256)]) if lie else rng.choice([0, 0, 1])
    iters = rng.choice([1, 1, 1, 0, 2, 0xFFFFFFFF, rng.getrandbits(32)]) if lie else 1
    out = bytearray([COM_STMT_EXECUTE]) + struct.pack("<IBI", stmt_id, flags, iters)
    if n == 0 and not lie:
        return bytes(out)
    bitmap_len = (n + 7) // 8
    if lie and rng.random() < 0.2:
        bitmap_len = max(0, bitmap_len + rng.choice([-1, 1, 5]))
    nulls = rand_bytes(rng, bitmap_len) if lie and rng.random() < 0.5 else b"\0" * bitmap_len
    out += nulls
    bound = rng.choice([1, 1, 1, 0, rng.randrange(256)]) if lie else 1
    out.append(bound)
    type_pool = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0F, 0x10, 0xF5, 0xF6,
                 0xF7, 0xF8, 0xF9, 0xFA, 0xFB, 0xFC, 0xFD, 0xFE, 0xFF]
    types = []
    for _ in range(n):
        t = rng.choice(type_pool) if lie else rng.choice([0x08, 0xFD, 0x05, 0x06])
        if lie and rng.random() < 0.1:
            t = rng.randrange(256)
        types.append(t)
        out += bytes([t, rng.choice([0x00, 0x80]) if lie else 0])
    for t in types:
        if t in (0x01,):
            out += rand_bytes(rng, 1)
        elif t in (0x02, 0x0D):
            out += rand_bytes(rng, 2)
        elif t in (0x03, 0x04, 0x09):
            out += rand_bytes(rng, 4)
        elif t in (0x05, 0x08):
            out += rand_bytes(rng, 8)
        elif t == 0x06:
            pass
        elif t in (0x07, 0x0A, 0x0C):
            ln = rng.choice([0, 4, 7, 11, 255]) if lie else 4
            out += bytes([ln]) + rand_bytes(rng, min(ln, 11))
        elif t == 0x0B:
            ln = rng.choice([0, 8, 12, 200]) if lie else 8
            out += bytes([ln]) + rand_bytes(rng, min(ln, 12))
        else:
            body = rand_bytes(rng, rng.choice([0, 1, 10, 300, 70000]))
            if lie and rng.random() < 0.3:
                out += rng.choice([b"\xfe" + struct.pack("<Q", rng.getrandbits(64)), b"\xfd\xff\xff\xff", b"\xfc\xff\xff",
                                   b"\xfb", b"\xff"]) + body[:10]
            else:
                out += lenenc_bytes(body)
    if lie and rng.random() < 0.3:
        out = bytearray(apply_ops(bytes(out), rand_ops(rng, len(out))))
    return bytes(out)


def rand_ops(rng: random.Random, length: int, max_ops: int = 6) -> list:
    ops = []
    for _ in range(rng.randint(1, max_ops)):
        r = rng.random()
        pos = rng.randint(0, max(length - 1, 0))
        if r < 0.4:
            ops.append(["flip", pos, rng.randrange(8)])
        elif r < 0.55:
            ops.append(["set", pos, rng.choice([0x00, 0xFF, 0xFE, 0xFD, 0xFC, 0xFB, 0x80, 0x7F, rng.randrange(256)])])
        elif r < 0.7:
            ops.append(["trunc", rng.randint(0, length)])
        elif r < 0.82:
            ops.append(["ins", pos, rand_bytes(rng, rng.randint(1, 16)).hex()])
        elif r < 0.92:
            ops.append(["del", pos, rng.randint(1, 8)])
        else:
            ops.append(["dup", pos, rng.randint(1, 32)])
    return ops


def rand_caps(rng: random.Random) -> int:
    caps = BASE_CAPS
    for flag in (CLIENT_DEPRECATE_EOF, CLIENT_SESSION_TRACK, CLIENT_CONNECT_WITH_DB, CLIENT_INTERACTIVE, CLIENT_COMPRESS,
                 CLIENT_PLUGIN_AUTH_LENENC, CLIENT_CONNECT_ATTRS, CLIENT_MULTI_STATEMENTS):
        if rng.random() < 0.3:
            caps ^= flag
    return caps


class Generator:
    """Makes the cases of one batch for one port, from one random generator."""

    def __init__(self, rng: random.Random, port: str, stuck_timeout: float, oversize: bool = True, skip: tuple = ()):
        self.rng = rng
        self.port = port
        self.stuck = stuck_timeout
        self.user, self.password = (USER, PASSWORD) if port == "client" else (ADMIN_USER, ADMIN_PASSWORD)
        kinds = {
            "pre_random": 6, "pre_nogreet": 3, "hs_mutated": 14, "hs_lies": 12, "hs_plugin": 6, "hs_tiny_writes": 2,
            "pre_frame_lies": 5, "cmd_random": 16, "sql_nasty": 12, "sql_mutated": 10, "change_user": 5,
            "pipeline": 4, "post_frame_lies": 5, "disconnect": 3, "oversize": 1 if oversize else 0,
        }
        if port == "client":
            kinds.update({"stmt": 14, "local_infile": 3, "memory": 1 if oversize else 0})
        else:
            kinds.update({"admin_sql": 16, "admin_words": 10})
        for k in skip:
            kinds.pop(k, None)
        self.kinds = [k for k, w in kinds.items() if w > 0]
        self.weights = [kinds[k] for k in self.kinds]

    def case(self) -> Case:
        kind = self.rng.choices(self.kinds, self.weights)[0]
        steps = getattr(self, "g_" + kind)()
        return Case(kind, self.port, steps)

    # helpers

    def login_steps(self, caps: int | None = None, db: str | None = None) -> list:
        caps = BASE_CAPS if caps is None else caps
        if db is None and self.port == "client" and self.rng.random() < 0.5:
            db = SCHEMA
        return [("greet",), ("login", self.user, self.password, caps, db or "")]

    def good_hs(self, password: str | None = None, plugin: str = NATIVE) -> tuple[bytes, int, str]:
        rng = self.rng
        caps = rand_caps(rng)
        password = self.password if password is None else password
        scramble_len = 32 if plugin == SHA2 else 20
        attrs = [(b"_client_name", b"fuzz_wire"), (b"_pid", str(rng.randint(1, 99999)).encode())] if rng.random() < 0.7 else None
        db = SCHEMA.encode() if self.port == "client" and rng.random() < 0.4 else None
        payload, off = handshake_response(caps, self.user.encode(), b"\0" * scramble_len, db, plugin.encode(), attrs,
                                          charset=rng.choice([8, 33, 45, 63, 224, 255, 0]))
        return payload, off, ("sha2:" if plugin == SHA2 else "native:") + password

    def after(self, t: float = 0.5) -> list:
        return [("read", t), ("probe", self.stuck)]

    # pre-login

    def g_pre_random(self) -> list:
        rng = self.rng
        r = rng.random()
        if r < 0.4:
            data = rand_bytes(rng, rng.choice([1, 3, 4, 5, 16, 100, 1000, 4096]))
        elif r < 0.8:
            data = frame(rand_bytes(rng, rng.choice([0, 1, 4, 31, 32, 33, 100, 1000])), rng.choice([0, 1, 1, 2, 255]))
        else:
            data = b"".join(frame(rand_bytes(rng, rng.randint(0, 64)), rng.randrange(256)) for _ in range(rng.randint(2, 20)))
        return [("greet",), ("raw", data), ("read", 0.3)]

    def g_pre_nogreet(self) -> list:
        data = rand_bytes(self.rng, self.rng.choice([1, 4, 37, 200, 2000]))
        if self.rng.random() < 0.5:
            data = frame(data, 1)
        return [("raw", data), ("read", 0.3)]

    def g_hs_mutated(self) -> list:
        rng = self.rng
        payload, off, auth = self.good_hs(plugin=rng.choice([NATIVE, NATIVE, NATIVE, SHA2]))
        ops = rand_ops(rng, len(payload))
        return [("greet",), ("hs", payload, off, auth, ops, rng.choice([1, 1, 1, 1, 0, 2, 255])), ("read", 0.5)]

    def g_hs_lies(self) -> list:
        rng = self.rng
        user = self.user.encode()
        base = struct.pack("<IIB", BASE_CAPS, 1 << 24, 45) + b"\0" * 23
        k = rng.randrange(16)
        caps_nolenenc = BASE_CAPS & ~CLIENT_PLUGIN_AUTH_LENENC
        if k == 0:  # 1-byte auth length larger than what follows
            p = struct.pack("<IIB", caps_nolenenc, 1 << 24, 45) + b"\0" * 23 + user + b"\0" + bytes([rng.choice([21, 100, 255])]) + rand_bytes(rng, rng.randint(0, 20))
        elif k == 1:  # lenenc auth length lying
            p = base + user + b"\0" + rng.choice([b"\xfe" + struct.pack("<Q", rng.choice([2**63 - 1, 2**64 - 1, 2**32, 1 << 24])),
                                                  b"\xfd\xff\xff\xff", b"\xfc\xff\xff", b"\xfb", b"\xff", b"\xfe", b"\xfd\x01",
                                                  b"\xfc"]) + rand_bytes(rng, rng.randint(0, 30))
        elif k == 2:  # connect attributes lying
            attrs = lenenc_bytes(b"_client_name") + lenenc_bytes(b"x")
            lie = rng.choice([b"\xfe" + struct.pack("<Q", 2**64 - 1), b"\xfd\xff\xff\xff", lenenc_int(len(attrs) + 50),
                              lenenc_int(max(len(attrs) - 3, 0)), b"\xfb", b"\xff"])
            inner = rng.choice([attrs, b"\xfe" + struct.pack("<Q", 2**62) + b"k", b"\x05ab", attrs + b"\xfc\xff\xff", b"\x00\x00" * 50])
            p = base + user + b"\0" + lenenc_bytes(b"\0" * 20) + NATIVE.encode() + b"\0" + lie + inner
        elif k == 3:  # no NUL after the user name: the packet ends inside it
            p = base + user + rand_bytes(rng, rng.randint(0, 40)).replace(b"\0", b"x")
        elif k == 4:  # schema and plugin without NUL
            p = struct.pack("<IIB", BASE_CAPS | CLIENT_CONNECT_WITH_DB, 1 << 24, 45) + b"\0" * 23 + user + b"\0" + lenenc_bytes(b"\1" * 20) + b"sbte"
        elif k == 5:  # without CLIENT_PROTOCOL_41
            p = struct.pack("<HI", 0x0001 | 0x8000, 1 << 24)[:5] + user + b"\0" + b"scramble\0"
        elif k == 6:  # every capability bit
            p = struct.pack("<IIB", 0xFFFFFFFF, 0xFFFFFFFF, 0xFF) + b"\0" * 23 + user + b"\0" + lenenc_bytes(b"\2" * 20) + rand_bytes(rng, 30)
        elif k == 7:  # an SSL request, then bytes that look like a TLS ClientHello, or the full response
            ssl = struct.pack("<IIB", BASE_CAPS | CLIENT_SSL, 1 << 24, 45) + b"\0" * 23
            then = rng.choice([b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + rand_bytes(rng, 64), b"", frame(rand_bytes(rng, 40), 2)])
            return [("greet",), ("raw", frame(ssl, 1) + then), ("read", 0.5)]
        elif k == 8:  # SSL bit set in a full response
            p, _ = handshake_response(BASE_CAPS | CLIENT_SSL, user, b"\3" * 20)
        elif k == 9:  # empty or tiny payloads
            p = rand_bytes(rng, rng.choice([0, 1, 2, 3, 4, 8, 9, 31, 33]))
        elif k == 10:  # a packet header whose length is larger than what is sent, then close
            p, _ = handshake_response(BASE_CAPS, user, b"\4" * 20)
            return [("greet",), ("raw", header(len(p) + rng.choice([1, 100, 5000]), 1) + p), ("read", 0.3), ("close", rng.choice(["fin", "rst"]))]
        elif k == 11:  # good response with a wrong sequence id
            p, off, auth = self.good_hs()
            return [("greet",), ("hs", p, off, auth, [], rng.choice([0, 2, 3, 100, 255])), ("read", 0.5), ("probe", self.stuck)]
        elif k == 12:  # two responses in one write
            p, off, auth = self.good_hs()
            return [("greet",), ("hs", p, off, auth, [], 1), ("raw", frame(p, 2)), ("read", 0.5)]
        elif k == 13:  # a user name of a known user with an empty or wrong-length scramble
            p, _ = handshake_response(rand_caps(rng), user, rand_bytes(rng, rng.choice([0, 1, 19, 21, 32, 255])))
        elif k == 14:  # unknown user, long user names
            name = rng.choice([b"", b"nobody", b"a" * 300, b"'; DROP", "ü😀".encode(), b"\xff\xfe", b"root"])
            p, _ = handshake_response(rand_caps(rng), name, rand_bytes(rng, 20))
        else:  # a schema that does not exist, or a long one
            db = rng.choice([b"nope", b"x" * 70, b"`", b"a.b", b"information_schema", b"\xff"])
            p, off = handshake_response(BASE_CAPS, user, b"\0" * 20, db)
            return [("greet",), ("hs", p, off, "native:" + self.password, [], 1), ("read", 0.5), ("probe", self.stuck)]
        return [("greet",), ("hs", p, 0, "", [], 1), ("read", 0.5)]

    def g_hs_plugin(self) -> list:
        rng = self.rng
        plugin = rng.choice([b"", b"mysql_clear_password", b"auth_gssapi_client", b"sha256_password", b"client_ed25519",
                             b"dialog", b"x" * 300, rand_bytes(rng, 12).replace(b"\0", b"a"), b"MYSQL_NATIVE_PASSWORD"])
        caps = rand_caps(rng) | CLIENT_PLUGIN_AUTH
        payload, off = handshake_response(caps, self.user.encode(), rand_bytes(rng, rng.choice([0, 8, 20, 32])), None, plugin)
        mode = rng.choice(["native:" + self.password, "native:" + self.password, "native:wrong", "hex:",
                           "hex:" + rand_bytes(rng, rng.choice([1, 19, 21, 255])).hex(), "hex:" + ("ab" * 70000)])
        steps = [("greet",), ("hs", payload, off, "", [], 1)]
        r = rng.random()
        if r < 0.15:
            return steps + [("read", 0.3), ("close", "rst")]
        seq = None if rng.random() < 0.8 else rng.randrange(256)
        steps.append(("switch", mode, seq))
        if r < 0.3:
            steps.append(("raw", frame(rand_bytes(rng, 30), 4)))
        steps.append(("read", 0.5))
        if mode == "native:" + self.password and seq is None and r >= 0.3:
            steps.append(("probe", self.stuck))
        return steps

    def g_hs_tiny_writes(self) -> list:
        """A login in writes of 1..7 bytes. A correct scramble depends on the nonce, so the split login carries a wrong
        one (Junction must still join the pieces and refuse it); the other half logs in whole and then sends a
        command in pieces, checked by a probe."""
        rng = self.rng
        p, off, auth = self.good_hs()
        if rng.random() < 0.5:
            return [("greet",), ("chunks", frame(p, 1), rng.getrandbits(32)), ("read", 0.5)]
        return [("greet",), ("hs", p, off, auth, [], 1), ("read", 0.3),
                ("chunks", frame(bytes([COM_QUERY]) + b"SELECT 1, 'tiny writes'", 0), rng.getrandbits(32)),
                ("read", 1.0), ("probe", self.stuck)]

    def g_pre_frame_lies(self) -> list:
        rng = self.rng
        k = rng.randrange(5)
        if k == 0:  # a header announcing 16 MiB (a continued frame), then nothing, then close
            return [("greet",), ("raw", header(MAX_FRAME, 1)), ("read", rng.choice([0.1, 0.5])), ("close", rng.choice(["fin", "rst"]))]
        if k == 1:
            return [("greet",), ("raw", header(MAX_FRAME - 1, 1) + rand_bytes(rng, 100)), ("read", 0.2), ("close", "fin")]
        if k == 2:  # a header in pieces, then silence
            return [("greet",), ("raw", header(rng.randrange(1 << 24), 1)[:rng.randint(1, 3)]), ("read", 0.3), ("close", "rst")]
        if k == 3:  # a half-closed socket after a partial packet
            return [("greet",), ("raw", frame(rand_bytes(rng, 50), 1)[:rng.randint(1, 50)]), ("shutwr",), ("read", 0.5)]
        p, _ = handshake_response(BASE_CAPS, self.user.encode(), b"\5" * 20)
        return [("greet",), ("raw", header(len(p), rng.randrange(256)) + p), ("read", 0.5)]

    # after the login

    def g_cmd_random(self) -> list:
        rng = self.rng
        steps = self.login_steps(rand_caps(rng) | CLIENT_PROTOCOL_41)
        corpus = CLIENT_QUERIES if self.port == "client" else ADMIN_QUERIES
        for _ in range(rng.randint(1, 8)):
            r = rng.random()
            if r < 0.6:
                cmd = rng.randrange(0x21)
            elif r < 0.8:
                cmd = rng.randrange(0x21, 0x100)
            else:
                cmd = rng.choice([COM_QUERY, COM_FIELD_LIST, COM_INIT_DB, COM_STMT_PREPARE, COM_STMT_EXECUTE, COM_STMT_FETCH,
                                  COM_SET_OPTION, COM_CHANGE_USER, COM_STMT_SEND_LONG_DATA, COM_RESET_CONNECTION])
            if cmd == COM_QUIT and rng.random() < 0.8:
                cmd = COM_STATISTICS
            p = rng.random()
            if p < 0.4:
                payload = rand_bytes(rng, rng.choice([0, 1, 2, 4, 5, 7, 9, 16, 100, 1000]))
            elif p < 0.7:
                payload = mutate_text(rng, rng.choice(corpus).encode(), rng.randint(0, 3))
            elif p < 0.85:
                payload = struct.pack("<I", rng.choice([0, 1, 2, 0xFFFFFFFF, rng.getrandbits(32)])) + rand_bytes(rng, rng.randint(0, 12))
            else:
                payload = rng.choice([b"", b"\0", b"sbtest", b"sbtest\0", b"mysql_servers\0%", SCHEMA.encode() + b"." + TABLE.encode(),
                                      b"\x00\x00", b"\x01\x00", b"\xff\xff"])
            steps += [("cmd", bytes([cmd]) + payload, rng.choice([0, 0, 0, 0, 1, 255])), ("read", 0.3)]
            if cmd == COM_QUIT:
                return steps
        return steps + [("probe", self.stuck)]

    def g_sql_nasty(self) -> list:
        rng = self.rng
        sql = nasty_sql(rng, self.port) if self.port == "client" else admin_nasty(rng)
        cmd = COM_QUERY if self.port == "admin" or rng.random() < 0.85 else rng.choice([COM_STMT_PREPARE, COM_FIELD_LIST, COM_INIT_DB])
        return self.login_steps() + [("cmd", bytes([cmd]) + sql, 0)] + self.after(2.0)

    def g_sql_mutated(self) -> list:
        rng = self.rng
        corpus = CLIENT_QUERIES if self.port == "client" else ADMIN_QUERIES
        steps = self.login_steps()
        for _ in range(rng.randint(1, 4)):
            steps += [("cmd", bytes([COM_QUERY]) + mutate_text(rng, rng.choice(corpus).encode()), 0), ("read", 0.5)]
        return steps + [("probe", self.stuck)]

    def g_admin_sql(self) -> list:
        rng = self.rng
        steps = self.login_steps()
        for _ in range(rng.randint(1, 4)):
            steps += [("cmd", bytes([COM_QUERY]) + admin_nasty(rng), 0), ("read", 0.5)]
        return steps + [("probe", self.stuck)]

    def g_stmt(self) -> list:
        rng = self.rng
        steps = self.login_steps(rand_caps(rng))
        chosen = rng.sample(PREPARED, rng.randint(1, 3))
        for sql, _ in chosen:
            steps.append(("prepare", sql if rng.random() < 0.9 else mutate_text(rng, sql.encode(), 1).decode("utf-8", "replace")))
        for _ in range(rng.randint(1, 10)):
            ref = rng.randrange(len(chosen)) if rng.random() < 0.85 else None
            nparams = chosen[ref][1] if ref is not None else rng.randint(0, 5)
            r = rng.random()
            if r < 0.5:
                payload = exec_payload(rng, nparams, rng.getrandbits(32) if ref is None else 0)
                wait = 1.0
            elif r < 0.65:
                payload = bytes([COM_STMT_FETCH]) + struct.pack("<II", rng.getrandbits(32) if ref is None else 0,
                                                                rng.choice([0, 1, 5, 0xFFFFFFFF, rng.getrandbits(32)]))
                wait = 1.0
            elif r < 0.75:
                payload = bytes([COM_STMT_CLOSE]) + struct.pack("<I", rng.getrandbits(32) if ref is None else 0)
                wait = 0.05
            elif r < 0.85:
                payload = bytes([COM_STMT_RESET]) + struct.pack("<I", rng.getrandbits(32) if ref is None else 0)
                wait = 0.5
            else:
                payload = (bytes([COM_STMT_SEND_LONG_DATA]) + struct.pack("<IH", rng.getrandbits(32) if ref is None else 0,
                                                                        rng.choice([0, 1, 2, 65535, rng.randrange(65536)]))
                           + rand_bytes(rng, rng.choice([0, 1, 100, 70000])))
                wait = 0.05
            if rng.random() < 0.15:
                payload = payload[:rng.randint(0, len(payload))]
            steps += [("stmt", payload, 0, ref), ("read", wait)]
            if rng.random() < 0.15:  # session state changing under the statements (cursors, pins, transactions)
                steps += [self.state_change(), ("read", 0.5)]
        return steps + [("probe", self.stuck)]

    def state_change(self) -> tuple:
        rng = self.rng
        r = rng.random()
        if r < 0.25:
            return ("cmd", bytes([COM_RESET_CONNECTION]), 0)
        if r < 0.45:
            return ("change_user", self.user, self.password, rng.choice([None, SCHEMA]), NATIVE, 45, [])
        if r < 0.55:
            return ("cmd", bytes([COM_SET_OPTION]) + struct.pack("<H", rng.choice([0, 1])), 0)
        if r < 0.65:
            return ("cmd", bytes([COM_INIT_DB]) + rng.choice([SCHEMA.encode(), b"information_schema", b"nope"]), 0)
        sql = rng.choice([b"BEGIN", b"COMMIT", b"ROLLBACK", b"SET autocommit = 0", b"SET @junction_fuzz = 2",
                          b"SELECT GET_LOCK('junction_fuzz_stmt', 0)", b"CREATE TEMPORARY TABLE IF NOT EXISTS junction_fuzz_t (a int)",
                          b"SET NAMES latin1", b"SELECT 1; SELECT 2", b"/* create_new_connection=1 */ SELECT 1",
                          b"/* mirror=0 */ SELECT 1", b"/* cache_ttl=1000 */ SELECT 5"])
        return ("cmd", bytes([COM_QUERY]) + sql, 0)

    def g_change_user(self) -> list:
        rng = self.rng
        steps = self.login_steps()
        if self.port == "client" and rng.random() < 0.4:  # state to forget: a statement, a transaction, a pin
            steps += [("prepare", "SELECT ?, 'before change user'"), self.state_change(), ("read", 0.3)]
        r = rng.random()
        if r < 0.35:
            steps.append(("cmd", bytes([COM_CHANGE_USER]) + rand_bytes(rng, rng.choice([0, 1, 5, 30, 100, 1000])), 0))
        elif r < 0.85:
            user = rng.choice([self.user, self.user, "nobody", "", "admin", "x" * 200])
            password = self.password if rng.random() < 0.7 else "wrong"
            ops = rand_ops(rng, 40) if rng.random() < 0.5 else []
            steps.append(("change_user", user, password, rng.choice([None, SCHEMA, "nope", "x" * 100]),
                          rng.choice([NATIVE, NATIVE, SHA2, "", "unknown_plugin"]), rng.choice([33, 45, 8, 0, 0xFFFF]), ops))
        else:
            steps.append(("cmd", bytes([COM_CHANGE_USER]) + self.user.encode() + rng.choice([b"", b"\0", b"\0\xff", b"\0\x14" + b"\1" * 5]), 0))
        steps.append(("read", 0.5))
        if rng.random() < 0.5:
            steps.append(("cmd", bytes([COM_QUERY]) + b"SELECT 1", 0))
            steps.append(("read", 0.5))
        if self.port == "client" and rng.random() < 0.4:  # the statement prepared before, after the change
            steps += [("stmt", exec_payload(rng, 1), 0, 0), ("read", 0.5)]
        return steps + [("probe", self.stuck)]

    def g_local_infile(self) -> list:
        rng = self.rng
        steps = self.login_steps(BASE_CAPS | CLIENT_LOCAL_FILES, SCHEMA)
        sql = f"LOAD DATA LOCAL INFILE 'junction_fuzz.csv' INTO TABLE {SCHEMA}.{TABLE} FIELDS TERMINATED BY ','".encode()
        steps += [("cmd", bytes([COM_QUERY]) + sql, 0), ("read", 1.0)]
        k = rng.randrange(7)
        if k == 0:  # proper data then the empty packet
            data = b"".join(b"%d,%s\n" % (rng.randrange(100), rand_bytes(rng, 4).hex().encode()) for _ in range(rng.randint(0, 20)))
            return steps + [("raw", (frame(data, 2) if data else b"") + frame(b"", 3 if data else 2))] + self.after(2.0)
        if k == 1:  # random packets and wrong sequence ids, then the end (no probe: with a wrong sequence id the
            # server itself may wait its net_read_timeout, 30 s, as it would for a direct client)
            raw = b"".join(frame(rand_bytes(rng, rng.randint(0, 300)), rng.randrange(256)) for _ in range(rng.randint(1, 10)))
            return steps + [("raw", raw + frame(b"", rng.randrange(256))), ("read", 2.0), ("close", "fin")]
        if k == 2:  # leaves mid-upload
            return steps + [("raw", frame(b"1,a\n" * 100, 2)), ("close", rng.choice(["fin", "rst"]))]
        if k == 3:  # a 16 MiB header, then nothing
            return steps + [("raw", header(MAX_FRAME, 2)), ("read", 0.3), ("close", "rst")]
        if k == 4:  # a large upload, then leaves without the end
            return steps + [("raw", frame(b"7,zz\n" * 200000, 2)), ("read", 0.2), ("close", "rst")]
        if k == 5:  # commands instead of data
            return steps + [("raw", frame(bytes([COM_PING]), 0) + frame(bytes([COM_QUERY]) + b"SELECT 1", 0) + frame(b"", 2)),
                            ("read", 2.0), ("close", "fin")]
        return steps + [("raw", frame(b"", 2)), ("raw", frame(b"", 3))] + self.after(2.0)

    def g_pipeline(self) -> list:
        rng = self.rng
        corpus = CLIENT_QUERIES if self.port == "client" else ADMIN_QUERIES
        parts = []
        for _ in range(rng.choice([2, 10, 50, 200])):
            r = rng.random()
            if r < 0.3:
                parts.append(frame(bytes([COM_PING]), 0))
            elif r < 0.8:
                parts.append(frame(bytes([COM_QUERY]) + rng.choice(corpus).encode(), rng.choice([0, 0, 0, 7])))
            else:
                parts.append(frame(bytes([rng.randrange(0x21)]) + rand_bytes(rng, rng.randint(0, 8)), 0))
        parts = [p for p in parts if p[4] != COM_QUIT]
        return self.login_steps() + [("raw", b"".join(parts))] + self.after(3.0)

    def g_post_frame_lies(self) -> list:
        rng = self.rng
        steps = self.login_steps()
        k = rng.randrange(7)
        if k == 0:  # 16 MiB announced, then nothing, then close
            return steps + [("raw", header(MAX_FRAME, 0)), ("read", rng.choice([0.1, 0.5])), ("close", rng.choice(["fin", "rst"]))]
        if k == 1:  # a full 16 MiB frame, continued by a lying one, then close
            return steps + [("raw", header(MAX_FRAME, 0) + bytes([COM_QUERY]) + b"-" * (MAX_FRAME - 1) + header(100, 1) + b"x"),
                            ("read", 0.3), ("close", "rst")]
        if k == 2:  # a command in tiny writes
            sql = rng.choice(CLIENT_QUERIES if self.port == "client" else ADMIN_QUERIES).encode()
            return steps + [("chunks", frame(bytes([COM_QUERY]) + sql, 0), rng.getrandbits(32))] + self.after(1.0)
        if k == 3:  # wrong sequence ids on commands
            return steps + [("cmd", bytes([COM_QUERY]) + b"SELECT 1", rng.choice([1, 2, 99, 255])), ("read", 0.5),
                            ("cmd", bytes([COM_PING]), 200)] + self.after(0.5)
        if k == 4:  # an empty packet, and a header split from its payload
            return steps + [("raw", frame(b"", 0)), ("read", 0.3), ("raw", header(9, 0)), ("sleep", 0.05),
                            ("raw", bytes([COM_QUERY]) + b"SELECT 1")] + self.after(0.5)
        if k == 5:  # a partial command, half-closed
            return steps + [("raw", frame(bytes([COM_QUERY]) + b"SELECT 1", 0)[:rng.randint(1, 11)]), ("shutwr",), ("read", 0.5)]
        return steps + [("raw", header(rng.randint(10, 1000), 0) + b"\x03SEL"), ("read", 0.2), ("close", "fin")]

    def g_disconnect(self) -> list:
        rng = self.rng
        steps = self.login_steps()
        sql = rng.choice([b"SELECT SLEEP(0.2)", b"SELECT 1", b"BEGIN", b"SELECT REPEAT('x', 1000000)",
                          b"SELECT * FROM information_schema.COLUMNS"])
        if self.port == "admin":
            sql = rng.choice([b"SELECT * FROM stats_mysql_processlist", b"SHOW PROCESSLIST", b"SELECT * FROM global_variables"])
        steps.append(("cmd", bytes([COM_QUERY]) + sql, 0))
        if rng.random() < 0.5:
            steps.append(("sleep", rng.choice([0.0, 0.001, 0.01, 0.05])))
        return steps + [("close", rng.choice(["fin", "rst"]))]

    def g_admin_words(self) -> list:
        """Admin commands re-spaced: words dropped from the end, and joined by other whitespace, or by a line break
        followed by a combining mark (which joins the space before it into one character, and whose upper case may
        not be combining): the command parser compares words of the upper-cased text with words of the original."""
        rng = self.rng
        steps = self.login_steps()
        for _ in range(rng.randint(1, 4)):
            words = rng.choice(ADMIN_COMMANDS).encode().split(b" ")
            if rng.random() < 0.6:
                words = words[:rng.randint(1, len(words))]
            seps = [b" ", b" ", b" ", b"\n", b"\t", b"  ", b"\r\n", b"\n\xcd\x85", b"\t\xcd\x85", b"\n\xcc\x81",
                    b"\xc2\xa0", b"\xe3\x80\x80", b"\xe2\x80\xa8", b"\x0b", b"\x0c"]
            text = words[0]
            for w in words[1:]:
                text += rng.choice(seps) + w
            if rng.random() < 0.5:
                text += rng.choice(seps[3:]) + rng.choice([b"", b"x", b"\xcd\x85", b"\xc3\x9f", b"\xc5\x89", b"'", b"`a`"])
            if rng.random() < 0.3:
                text = text.lower() if rng.random() < 0.5 else mutate_text(rng, text, 1)
            steps += [("cmd", bytes([COM_QUERY]) + text + rng.choice([b"", b";", b" ;", b";\n"]), 0), ("read", 0.5)]
        return steps + [("probe", self.stuck)]

    def g_memory(self) -> list:
        """What one logged-in client can make Junction hold: bytes pipelined behind a running command, long data of
        a prepared statement never executed, and a long statement of punctuation (one token per byte)."""
        rng = self.rng
        k = rng.randrange(3)
        if k == 0:
            ping = frame(bytes([COM_PING]) + b"p" * ((1 << 20) - 1), 0)
            return self.login_steps() + [("cmd", bytes([COM_QUERY]) + b"SELECT SLEEP(2)", 0), ("raw", ping * 64),
                                         ("read", 3.0), ("probe", self.stuck)]
        if k == 1:
            chunk = bytes([COM_STMT_SEND_LONG_DATA]) + struct.pack("<IH", 0, 0) + b"L" * (4 << 20)
            return self.login_steps() + [("prepare", "SELECT ?")] + [("stmt", chunk, 0, 0)] * 16 + [("read", 0.5), ("probe", self.stuck)]
        return self.login_steps() + [("cmd", bytes([COM_QUERY]) + b"SELECT " + rng.choice([b"(", b",", b"+", b"?"]) * rng.choice([4 << 20, 8 << 20]), 0)] \
            + self.after(10.0)

    def g_oversize(self) -> list:
        """Fields and packets past 16 MiB: what Junction writes back must be split into frames too."""
        rng = self.rng
        big = MAX_FRAME + rng.choice([1, 1000, 1 << 20])
        k = rng.randrange(4 if self.port == "admin" else 3)
        if k == 0:  # a handshake response whose user name is 16 MiB and more: "Access denied for user '…'"
            payload, _ = handshake_response(BASE_CAPS, b"u" * big, b"\0" * 20)
            return [("greet",), ("raw", frame(payload, 1)), ("read", 2.0)]
        if k == 1:  # COM_CHANGE_USER with such a name
            return self.login_steps() + [("raw", frame(bytes([COM_CHANGE_USER]) + b"u" * big + b"\0\x14" + b"\0" * 20 + b"\0", 0)),
                                         ("read", 2.0)]
        if k == 2:  # a statement of more than 16 MiB
            body = b"SELECT '" + b"x" * big + b"'" if self.port == "client" else b"SELECT '" + b"x" * big
            return self.login_steps() + [("raw", frame(bytes([COM_QUERY]) + body, 0))] + self.after(10.0)
        # k == 3: an admin result whose column name is 16 MiB and more
        return self.login_steps() + [("raw", frame(bytes([COM_QUERY]) + b"SELECT 1 AS \"" + b"c" * big + b"\"", 0))] + self.after(10.0)


# ---------------------------------------------------------------- the Junction under test

def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def rss_kib(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def pid_listening_on(port: int) -> int | None:
    """The process that listens on 127.0.0.1/0.0.0.0:`port` (its socket's inode, looked up in /proc/*/fd)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    parts = line.split()
                    if parts[3] == "0A" and int(parts[1].rsplit(":", 1)[1], 16) == port:
                        inodes.add(parts[9])
        except OSError:
            continue
    if not inodes:
        return None
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    return int(pid)
        except OSError:
            continue
    return None


class Target:
    """The Junction being fuzzed: started here (and restarted after a crash), or one that was already running."""

    def __init__(self, opts):
        self.opts = opts
        self.own = opts.port is None
        self.proc: subprocess.Popen | None = None
        self.host = opts.host
        self.client_port = opts.port
        self.admin_port = opts.admin_port
        self.pid = opts.pid
        self.workdir: Path | None = None
        self.log_path: Path | None = None
        self.starts = 0

    def start(self) -> None:
        if not self.own:
            if self.pid is None:
                self.pid = pid_listening_on(self.client_port)
            return
        if self.workdir is None:
            self.workdir = Path(tempfile.mkdtemp(prefix="junction-fuzz-wire-"))
            self.client_port = free_port()
            self.admin_port = free_port()
        data = self.workdir / "data"
        data.mkdir(exist_ok=True)
        cfg = self.workdir / "junction.cnf"
        cfg.write_text(
            f'datadir="{data}"\n'
            f'admin_variables = {{ admin_credentials="{ADMIN_USER}:{ADMIN_PASSWORD}" mysql_ifaces="{HOST}:{self.admin_port}" }}\n'
            f'mysql_variables = {{ threads=2 interfaces="{HOST}:{self.client_port}" max_connections=4096 '
            f'monitor_username="monitor" monitor_password="monitor" monitor_enabled={"true" if self.opts.monitor else "false"} '
            f'enable_load_data_local_infile=true }}\n'
            f'mysql_servers = ( {{ address="{HOST}", port={self.opts.lab_port}, hostgroup=0, max_connections=200 }} )\n'
            f'mysql_users = ( {{ username="{USER}", password="{PASSWORD}", default_hostgroup=0 }} )\n')
        self.starts += 1
        self.log_path = self.workdir / f"junction-{self.starts}.log"
        env = dict(os.environ)
        backtracer = swift_backtracer()
        if backtracer and "SWIFT_BACKTRACE" not in env:
            # A crash then leaves its stack in the log (release builds print no message for a failed precondition).
            env["SWIFT_BACKTRACE"] = f"enable=yes,interactive=no,color=no,swift-backtrace={backtracer}"
        with open(self.log_path, "wb") as log_file:
            self.proc = subprocess.Popen([str(self.opts.junction_bin), "-f", "-c", str(cfg), "-D", str(data), "--initial",
                                          "--log-level", self.opts.junction_log_level],
                                         stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         start_new_session=True, env=env)
        self.pid = self.proc.pid
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"junction exited with {self.proc.returncode} during start-up:\n{self.log_tail()}")
            try:
                health_client(self.host, self.client_port, 5)
                health_admin(self.host, self.admin_port, 5)
                return
            except Exception as e:  # noqa: BLE001 - retried until the deadline
                if time.monotonic() > deadline:
                    raise RuntimeError(f"junction did not answer within 60s ({e!r}):\n{self.log_tail()}") from e
            time.sleep(0.2)

    def alive(self) -> bool:
        if self.proc is not None:
            return self.proc.poll() is None
        if self.pid is None:
            return True  # unknown: the health checks tell
        return os.path.exists(f"/proc/{self.pid}") and not _is_zombie(self.pid)

    def exit_status(self) -> str:
        if self.proc is not None and self.proc.returncode is not None:
            rc = self.proc.returncode
            return f"signal {-rc} ({signal.Signals(-rc).name})" if rc < 0 else f"exit status {rc}"
        return "gone"

    def stop(self) -> int | None:
        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None else self.proc.returncode
        os.kill(self.proc.pid, signal.SIGTERM)
        try:
            return self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.kill(self.proc.pid, signal.SIGKILL)
            return self.proc.wait(timeout=10)

    def restart(self) -> None:
        self.stop()
        time.sleep(0.2)
        self.start()

    def _log_path(self) -> Path | None:
        path = self.log_path or (Path(self.opts.log) if self.opts.log else None)
        return path if path is not None and path.exists() else None

    def _log_text(self, limit: int = 4 << 20) -> str:
        path = self._log_path()
        if path is None:
            return ""
        with open(path, "rb") as f:
            f.seek(max(0, path.stat().st_size - limit))
            return f.read().decode("utf-8", "replace")

    def log_tail(self, lines: int = 60) -> str:
        """The log's last lines (each cut to 400 characters); after a crash, the crashed thread's stack first."""
        path = self._log_path()
        if path is None:
            return "(no log)"
        all_lines = [ln if len(ln) <= 400 else ln[:400] + f"… ({len(ln)} characters)" for ln in self._log_text().splitlines()]
        crash = next((i for i, ln in enumerate(all_lines) if ln.startswith("*** Program crashed")), None)
        if crash is None:
            return "\n".join(all_lines[-lines:])
        signal_line = next((i for i in range(crash, -1, -1) if all_lines[i].startswith("*** Signal")), crash)
        before = all_lines[max(0, signal_line - 15):signal_line]
        start = next((i for i in range(crash, len(all_lines)) if all_lines[i].endswith(" crashed:")), None)
        stack = []
        if start is not None:
            for ln in all_lines[start:start + 45]:
                if stack and (ln.startswith("Thread ") or ln.startswith("Registers") or ln.startswith("Images")):
                    break
                stack.append(ln)
        return "\n".join([f"(from {path})", *before, all_lines[crash], "", *stack])

    def crashing(self) -> bool:
        """The process still exists but the Swift runtime is printing its crash backtrace."""
        text = self._log_text(1 << 20)
        return "*** Signal " in text or "*** Program crashed" in text

    def settle(self, timeout: float = 90) -> None:
        """Waits for a crashing process to finish dying (the backtracer takes seconds), at most `timeout`."""
        deadline = time.monotonic() + timeout
        quiet_until = time.monotonic() + 1.0
        while self.alive() and time.monotonic() < deadline:
            if not self.crashing() and time.monotonic() > quiet_until:
                return
            time.sleep(0.2)


def swift_backtracer() -> str | None:
    """The Swift runtime's crash backtracer of the installed toolchain, if there is one."""
    swift = shutil.which("swift")
    candidates = [Path(swift).resolve().parents[1] / "libexec" / "swift" / "linux"] if swift else []
    candidates.append(Path("/opt/swift/usr/libexec/swift/linux"))
    for d in candidates:
        for name in ("swift-backtrace-static", "swift-backtrace"):
            if (d / name).exists():
                return str(d / name)
    return None


def _is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


class RSSSampler(threading.Thread):
    """Samples Junction's VmRSS every 50 ms: the max over a stretch (a port's run) and over a window (a batch)."""

    def __init__(self, target: Target):
        super().__init__(daemon=True, name="rss")
        self.target = target
        self.max_kib = 0
        self.window_kib = 0
        self.stop_event = threading.Event()

    def run(self):
        while not self.stop_event.wait(0.05):
            pid = self.target.pid
            if pid is not None:
                v = rss_kib(pid)
                if v is not None:
                    self.max_kib = max(self.max_kib, v)
                    self.window_kib = max(self.window_kib, v)

    def take(self) -> int:
        """The max since the last take."""
        v, self.max_kib = self.max_kib, 0
        return v

    def take_window(self) -> int:
        v, self.window_kib = self.window_kib, 0
        return v


# ---------------------------------------------------------------- health checks

def health_client(host: str, port: int, timeout: float) -> None:
    c = pymysql.connect(host=host, port=port, user=USER, password=PASSWORD, database=SCHEMA, connect_timeout=timeout,
                        read_timeout=timeout, write_timeout=timeout, autocommit=True)
    try:
        with c.cursor() as cur:
            cur.execute("SELECT 1")
            row = cur.fetchone()
            if row != (1,):
                raise AssertionError(f"client port: SELECT 1 returned {row!r}")
    finally:
        c.close()


def health_admin(host: str, port: int, timeout: float) -> None:
    c = pymysql.connect(host=host, port=port, user=ADMIN_USER, password=ADMIN_PASSWORD, connect_timeout=timeout,
                        read_timeout=timeout, write_timeout=timeout)
    try:
        with c.cursor() as cur:
            cur.execute("SELECT 1")
            row = cur.fetchone()
            if row not in ((1,), ("1",)):
                raise AssertionError(f"admin port: SELECT 1 returned {row!r}")
    finally:
        c.close()


@dataclass
class Health:
    ok: bool
    seconds: float
    error: str = ""
    hang: bool = False


def backend_uptime(port: int) -> int | None:
    """The lab primary's Uptime (seconds), asked directly; None when it does not answer."""
    try:
        c = pymysql.connect(host=HOST, port=port, user=USER, password=PASSWORD, connect_timeout=3, read_timeout=5)
        try:
            with c.cursor() as cur:
                cur.execute("SHOW GLOBAL STATUS LIKE 'Uptime'")
                return int(cur.fetchone()[1])
        finally:
            c.close()
    except Exception:  # noqa: BLE001
        return None


def check_health(target: Target, hang_seconds: float) -> Health:
    """Both ports answer SELECT 1 and the process lives. A check slower than `hang_seconds` is a hang."""
    t0 = time.monotonic()
    error = ""
    limit = max(hang_seconds * 3, 10)
    for name, fn, port in (("client", health_client, target.client_port), ("admin", health_admin, target.admin_port)):
        try:
            fn(target.host, port, limit)
        except Exception as e:  # noqa: BLE001 - reported
            error = f"{name} port: {type(e).__name__}: {e}"
            break
    seconds = time.monotonic() - t0
    return Health(ok=not error, seconds=seconds, error=error, hang=seconds > hang_seconds)


class Watchdog(threading.Thread):
    """Runs the health checks all along (every `interval` s), so that a stall while a batch runs is seen even when
    it is over by the batch's end: the slowest check of a window, and which one it was."""

    def __init__(self, target: Target, hang_seconds: float, interval: float):
        super().__init__(daemon=True, name="watchdog")
        self.target = target
        self.hang_seconds = hang_seconds
        self.interval = interval
        self.lock = threading.Lock()
        self.worst = (0.0, "")
        self.stop_event = threading.Event()

    def run(self):
        limit = max(self.hang_seconds * 3, 10)
        while not self.stop_event.wait(self.interval):
            for name, fn, port in (("client", health_client, self.target.client_port),
                                   ("admin", health_admin, self.target.admin_port)):
                t0 = time.monotonic()
                try:
                    fn(self.target.host, port, limit)
                    error = ""
                except Exception as e:  # noqa: BLE001 - only the time counts here; the batch's own check judges
                    error = f": {type(e).__name__}: {e}"
                seconds = time.monotonic() - t0
                with self.lock:
                    if seconds > self.worst[0]:
                        self.worst = (seconds, f"{name} port SELECT 1{error}")

    def take_window(self) -> tuple[float, str]:
        with self.lock:
            w, self.worst = self.worst, (0.0, "")
        return w


# ---------------------------------------------------------------- floods of half-open connections

def flood(target: Target, port: int, rng: random.Random, n: int, hang_seconds: float) -> tuple[Health, str]:
    """`n` sockets that connect and then say nothing (or stop inside a packet); the health checks run meanwhile."""
    mode = rng.choice(["silent", "greet-then-silent", "partial-header", "partial-handshake", "announce-16MiB"])
    socks = []
    try:
        for _ in range(n):
            try:
                s = socket.create_connection((target.host, port), timeout=5)
            except OSError:
                break
            socks.append(s)
        for s in socks:
            try:
                if mode == "partial-header":
                    s.sendall(b"\x40\x00")
                elif mode == "partial-handshake":
                    s.sendall(header(80, 1) + struct.pack("<IIB", BASE_CAPS, 1 << 24, 45))
                elif mode == "announce-16MiB":
                    s.sendall(header(MAX_FRAME, 1))
                elif mode == "greet-then-silent":
                    s.settimeout(2)
                    s.recv(4096)
            except OSError:
                pass
        health = check_health(target, hang_seconds)
    finally:
        for i, s in enumerate(socks):
            try:
                if i % 2:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                s.close()
            except OSError:
                pass
    return health, f"{len(socks)} sockets, {mode}"


# ---------------------------------------------------------------- the fuzzing loop

@dataclass
class PortStats:
    port: str
    executions: int = 0
    batches: int = 0
    crashes: int = 0
    hangs: int = 0
    failures: int = 0
    stuck: int = 0
    memory: int = 0
    backend_outages: int = 0
    floods: int = 0
    logins_refused: int = 0
    max_rss_kib: int = 0
    max_health_seconds: float = 0.0
    findings: list = field(default_factory=list)


def run_cases(target: Target, cases: list[Case], workers: int) -> list[Outcome]:
    ports = {"client": target.client_port, "admin": target.admin_port}

    def one(case: Case) -> Outcome:
        return Runner(target.host, ports[case.port], case).run()

    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one, cases))


class Fuzzer:
    def __init__(self, opts, target: Target, sampler: RSSSampler, watchdog: Watchdog | None = None):
        self.opts = opts
        self.target = target
        self.sampler = sampler
        self.watchdog = watchdog or Watchdog(target, opts.hang_seconds, 1.0)  # not started: windows stay empty
        self.out_dir = Path(opts.out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.signatures: set[str] = set()
        self.uptime_before: int | None = None

    def batch_cases(self, port: str, batch: int) -> list[Case]:
        rng = random.Random(f"{self.opts.seed}:{port}:{batch}")
        gen = Generator(rng, port, self.opts.stuck_timeout, oversize=not self.opts.no_oversize, skip=self.opts.skip_kinds)
        cases = []
        for i in range(self.opts.batch_size):
            c = gen.case()
            c.tag = f"seed {self.opts.seed}, {port} batch {batch}, case {i}"
            cases.append(c)
        return cases

    def fuzz_port(self, port: str) -> PortStats:
        st = PortStats(port)
        self.sampler.take()
        deadline = time.monotonic() + self.opts.seconds
        batch = 0
        log(f"{port} port: fuzzing for {self.opts.seconds}s (seed {self.opts.seed})")
        while time.monotonic() < deadline:
            if self.opts.flood > 0 and batch % self.opts.flood_every == self.opts.flood_every - 1:
                rng = random.Random(f"{self.opts.seed}:{port}:{batch}:flood")
                health, what = flood(self.target, self.target.client_port if port == "client" else self.target.admin_port,
                                     rng, self.opts.flood, self.opts.hang_seconds)
                st.floods += 1
                st.executions += 1
                case = Case("flood", port, [("flood", what)], f"seed {self.opts.seed}, {port} batch {batch}, flood: {what}")
                if not self.after_batch(st, batch, [case], [Outcome()], health):
                    break
            cases = self.batch_cases(port, batch)
            self.uptime_before = backend_uptime(self.opts.lab_port)
            self.sampler.take_window()
            self.watchdog.take_window()
            outcomes = run_cases(self.target, cases, self.opts.workers)
            peak = self.sampler.take_window()
            during = self.watchdog.take_window()
            st.executions += len(cases)
            st.batches += 1
            for case, out in zip(cases, outcomes):
                if out.login_failed:
                    st.logins_refused += 1
            health = check_health(self.target, self.opts.hang_seconds) if self.target.alive() else None
            findings_before = len(st.findings)
            if not self.after_batch(st, batch, cases, outcomes, health, during):
                break
            troubled = len(st.findings) > findings_before  # stuck sessions then are its consequence, not news
            limit = self.opts.rss_limit_mib << 10
            if limit and peak > limit:
                st.memory += 1
                what = f"RSS reached {peak / 1024:.0f} MiB (limit {self.opts.rss_limit_mib} MiB)"
                log(f"{port} port: MEMORY in batch {batch}: {what}")
                self.handle_finding(st, "memory", port, batch, cases, outcomes, what)
                if not self.opts.keep_going:
                    break
            stuck = [(c, o) for c, o in zip(cases, outcomes) if o.stuck]
            if stuck and troubled:
                log(f"{port} port: {len(stuck)} stuck session(s) in batch {batch}, taken as part of its finding")
                stuck = []
            if stuck:
                # The stuck session may be the victim of another case (a backend connection it left unusable and
                # the pool handed on): the whole batch is kept too.
                batch_file = self.save_finding(st, "stuck-batch", port, batch, cases, outcomes,
                                               f"the batch of {len(stuck)} stuck session(s)")
                st.findings.pop()
            for case, out in stuck:
                st.stuck += 1
                self.save_finding(st, "stuck", port, batch, [case], [out],
                                  f"no answer to COM_PING within {self.opts.stuck_timeout}s, connection still open "
                                  f"({out.error}); if it does not happen alone, replay its batch: {batch_file}")
            if stuck and not self.opts.keep_going:
                break
            batch += 1
            if batch % 10 == 0:
                log(f"{port} port: {st.executions} executions, {st.batches} batches, "
                    f"max RSS {self.sampler.max_kib / 1024:.0f} MiB so far in this stretch")
        st.max_rss_kib = max(st.max_rss_kib, self.sampler.take())
        return st

    def backend_disturbed(self) -> bool:
        """Someone else stopped or restarted the lab's primary while the batch ran (the lab is shared)."""
        now = backend_uptime(self.opts.lab_port)
        return now is None or self.uptime_before is None or now < self.uptime_before

    def classify(self, health: Health | None, during: tuple[float, str] | None = None) -> tuple[str | None, str]:
        """None when all is well; else ("crash" | "hang" | "failure", what). `during`: the watchdog's slowest check
        while the cases ran."""
        t = self.target
        slow = during is not None and during[0] > self.opts.hang_seconds
        if health is not None and health.ok and not health.hang and t.alive() and not slow:
            return None, ""
        t.settle()  # a process printing its crash backtrace is alive for a few seconds more
        if not t.alive():
            return "crash", f"junction died ({t.exit_status()})"
        if health is None:
            health = check_health(t, self.opts.hang_seconds)
        if health.hang or not health.ok:
            what = f"health check took {health.seconds:.1f}s" + (f": {health.error}" if health.error else "")
            return ("hang" if health.hang else "failure"), what
        if slow:
            return "hang", f"while the cases ran, a health check ({during[1]}) took {during[0]:.1f}s"
        return None, ""

    def after_batch(self, st: PortStats, batch: int, cases: list[Case], outcomes: list[Outcome], health: Health | None,
                    during: tuple[float, str] | None = None) -> bool:
        """Records what the health checks found; False to stop fuzzing this port."""
        if health is not None:
            st.max_health_seconds = max(st.max_health_seconds, health.seconds)
        if during is not None:
            st.max_health_seconds = max(st.max_health_seconds, during[0])
        st.max_rss_kib = max(st.max_rss_kib, self.sampler.max_kib)
        kind, what = self.classify(health, during)
        if kind is None:
            return True
        if kind in ("hang", "failure") and self.backend_disturbed():
            st.backend_outages += 1
            log(f"{cases[0].port} port: {kind} after batch {batch} ({what}), but the backend itself was down or "
                f"restarted meanwhile (lab Uptime {self.uptime_before} -> {backend_uptime(self.opts.lab_port)}): not counted")
            return True
        port = cases[0].port
        if kind == "crash":
            st.crashes += 1
        elif kind == "hang":
            st.hangs += 1
        else:
            st.failures += 1
        log(f"{port} port: {kind.upper()} after batch {batch}: {what}")
        self.handle_finding(st, kind, port, batch, cases, outcomes, what)
        return self.opts.keep_going and self.target.alive()

    def handle_finding(self, st, kind, port, batch, cases, outcomes, what):
        log_text = self.target.log_tail(80)
        signature = crash_signature(log_text) if kind == "crash" else ""
        if signature:
            what = f"{what} in {signature}"
        path = self.save_finding(st, kind, port, batch, cases, outcomes, what, log_text=log_text)
        if not self.target.own:
            return
        seen = signature and signature in self.signatures
        self.signatures.add(signature)
        if seen:
            log(f"{port} port: the same crash as before ({signature}): not minimized again")
        if self.opts.no_minimize or cases[0].name == "flood" or seen:
            if kind != "memory":
                self.target.restart()
            return
        culprit = self.minimize(kind, cases)
        if culprit is not None:
            case, out, detail, log_text = culprit
            p = self.save_finding(st, kind, port, batch, [case], [out], f"{what}; reproduced alone: {detail}",
                                  single=True, log_text=log_text)
            log(f"{port} port: reproduced by one case alone: {p}")
        else:
            log(f"{port} port: no single case of the batch reproduces it alone; the batch is in {path}")
        if not self.target.alive():
            self.target.restart()

    def minimize(self, kind, cases):
        """Replays the batch's cases one at a time on a fresh Junction; the first after which the health checks
        find the same kind of trouble."""
        budget = time.monotonic() + self.opts.minimize_seconds
        self.target.restart()
        ports = {"client": self.target.client_port, "admin": self.target.admin_port}
        for case in cases:
            if time.monotonic() > budget:
                log("minimizing: out of time")
                return None
            self.sampler.take_window()
            self.watchdog.take_window()
            out = Runner(self.target.host, ports[case.port], case).run()
            time.sleep(0.1)
            peak = self.sampler.take_window()
            during = self.watchdog.take_window()
            if kind == "memory":
                if peak > self.opts.rss_limit_mib << 10:
                    log_text = self.target.log_tail(40)
                    self.target.restart()
                    return case, out, f"RSS reached {peak / 1024:.0f} MiB", log_text
                continue
            health = check_health(self.target, self.opts.hang_seconds) if self.target.alive() else None
            found, detail = self.classify(health, during)
            if found is not None:
                log_text = self.target.log_tail(80)
                self.target.restart()
                if found == kind:
                    return case, out, detail, log_text
                log(f"minimizing: case {case.tag} caused a {found} ({detail}), not a {kind}")
        return None

    def save_finding(self, st, kind, port, batch, cases, outcomes, what, single=False, log_text=None) -> Path:
        n = len(st.findings) + 1
        stem = f"{kind}-{port}-seed{self.opts.seed}-batch{batch}-{n}" + ("-single" if single else "")
        log_text = self.target.log_tail(80) if log_text is None else log_text
        data = {
            "kind": kind, "port": port, "seed": self.opts.seed, "batch": batch, "what": what,
            "junction_pid": self.target.pid, "junction_log_tail": log_text,
            "cases": [c.to_json() for c in cases],
            "sent": [[[w, enc(b)] for w, b in o.sent] for o in outcomes],
        }
        jpath = self.out_dir / f"{stem}.json"
        jpath.write_text(json.dumps(data, indent=1))
        lines = [f"Junction wire fuzzer finding: {kind} on the {port} port", f"what: {what}",
                 f"seed: {self.opts.seed}  batch: {batch}  (regenerate: --seed {self.opts.seed}; replay: --replay {jpath})", ""]
        for c, o in zip(cases, outcomes):
            lines.append(f"== case {c.name} ({c.tag})")
            for w, b in o.sent:
                lines.append(f"  sent {w}: {short_hex(b, 512)}")
            if not o.sent:
                lines.append(f"  steps: {json.dumps(c.to_json()['steps'])[:2000]}")
            if o.stuck:
                lines.append(f"  stuck at step {o.stuck_step}: {c.steps[o.stuck_step][0]}")
        lines += ["", "junction log:", log_text]
        tpath = self.out_dir / f"{stem}.txt"
        tpath.write_text("\n".join(lines) + "\n")
        st.findings.append({"kind": kind, "what": what, "file": str(jpath), "text": str(tpath), "single": single})
        log(f"{port} port: {kind} saved to {tpath}")
        return jpath


def crash_signature(log_text: str) -> str:
    """Where a crash happened: the first frames of the crashed thread that are Junction's own code."""
    frames = []
    for line in log_text.splitlines():
        if " at /" in line and "/Sources/" in line and "/.build/" not in line:
            where = line.split(" at ", 1)[1].rsplit("/Sources/", 1)[1]
            name = line.split(" in ", 1)[0].split("0x", 1)[-1].split(" ", 1)[-1].rsplit(" + ", 1)[0].strip()
            name = name.removeprefix("specialized ")
            if frames and frames[-1].startswith(name + " ("):
                continue
            frames.append(f"{name} ({where})")
        if len(frames) == 2:
            break
    return " <- ".join(frames)


def replay(opts, target: Target) -> int:
    """Runs the cases of a saved finding, one at a time, each followed by the health checks."""
    data = json.loads(Path(opts.replay).read_text())
    cases = [Case.from_json(c) for c in data["cases"]]
    ports = {"client": target.client_port, "admin": target.admin_port}
    fuzzer = Fuzzer(opts, target, RSSSampler(target))
    bad = 0
    for case in cases:
        out = Runner(target.host, ports[case.port], case).run()
        time.sleep(0.2)
        health = check_health(target, opts.hang_seconds) if target.alive() else None
        kind, what = fuzzer.classify(health)
        status = "STUCK session" if out.stuck and kind is None else f"{kind.upper()}: {what}" if kind else "ok"
        print(f"{case.name} ({case.tag}): {status}")
        if status != "ok":
            bad += 1
            for what, b in out.sent:
                print(f"  sent {what}: {short_hex(b, 512)}")
            if kind is not None:
                print(target.log_tail(60))
                break
    return 1 if bad else 0


# ---------------------------------------------------------------- set-up and report

def prepare_schema(target: Target) -> None:
    c = pymysql.connect(host=target.host, port=target.client_port, user=USER, password=PASSWORD, database=SCHEMA,
                        autocommit=True, connect_timeout=10, read_timeout=30)
    with c.cursor() as cur:
        cur.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (a INT, b VARCHAR(64))")
        cur.execute(f"TRUNCATE TABLE {TABLE}")
        cur.execute(f"INSERT INTO {TABLE} VALUES " + ", ".join(f"({i}, 'row{i}')" for i in range(50)))
    c.close()


def drop_schema(target: Target) -> None:
    try:
        c = pymysql.connect(host=target.host, port=target.client_port, user=USER, password=PASSWORD, database=SCHEMA,
                            autocommit=True, connect_timeout=10, read_timeout=30)
        with c.cursor() as cur:
            cur.execute("SET SESSION lock_wait_timeout = 5")
            cur.execute(f"DROP TABLE IF EXISTS {TABLE}")
        c.close()
    except Exception as e:  # noqa: BLE001 - best effort
        log(f"could not drop {SCHEMA}.{TABLE}: {e!r}")


def raise_nofile() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 65536 if hard == resource.RLIM_INFINITY else min(hard, 65536)
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def report(stats: list[PortStats], opts) -> str:
    head = ["port", "executions", "batches", "crashes", "hangs", "failures", "stuck sessions", "over RSS limit",
            "floods", "max RSS MiB", "slowest health check s"]
    rows = [[s.port, f"{s.executions:,}", str(s.batches), str(s.crashes), str(s.hangs), str(s.failures), str(s.stuck),
             str(s.memory) if opts.rss_limit_mib else "-", str(s.floods), f"{s.max_rss_kib / 1024:.1f}",
             f"{s.max_health_seconds:.2f}"] for s in stats]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
    lines = [f"Junction wire fuzz, seed {opts.seed}, {opts.seconds}s per port",
             "  ".join(h.ljust(w) for h, w in zip(head, widths))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    for s in stats:
        if s.backend_outages:
            lines.append(f"{s.port}: {s.backend_outages} batch(es) not judged: the lab's primary was down or restarted")
        for f in s.findings:
            lines.append(f"{s.port}: {f['kind']}: {f['what']} -> {f['text']}")
    return "\n".join(lines)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 1)[1],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port-kind", choices=["client", "admin", "both"], default="both", help="which port to fuzz (default both)")
    p.add_argument("--seconds", type=float, default=60, help="fuzzing time per port (default 60)")
    p.add_argument("--seed", type=int, default=None, help="seed of the generated cases (default: from the clock, printed)")
    p.add_argument("--junction-bin", type=Path, default=REPO / ".build" / "release" / "junction",
                   help="the junction executable to start (default .build/release/junction)")
    p.add_argument("--host", default=HOST, help="Junction's address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="client port of a running Junction (then none is started)")
    p.add_argument("--admin-port", type=int, default=None, help="admin port of that Junction (default 6032)")
    p.add_argument("--pid", type=int, default=None, help="its process id (default: the process listening on --port)")
    p.add_argument("--log", default=None, help="its log file, quoted in findings")
    p.add_argument("--junction-log-level", default="info", help="--log-level of the Junction started here (default info)")
    p.add_argument("--lab-port", type=int, default=LAB_PORT, help="the lab primary's port (default 13306)")
    p.add_argument("--batch-size", type=int, default=48, help="fuzz cases per batch (default 48)")
    p.add_argument("--workers", type=int, default=4, help="cases run at once (default 4)")
    p.add_argument("--flood", type=int, default=500, help="sockets of a half-open flood (default 500; 0: none)")
    p.add_argument("--flood-every", type=int, default=8, help="a flood before every Nth batch (default 8)")
    p.add_argument("--hang-seconds", type=float, default=5.0, help="a health check slower than this is a hang (default 5)")
    p.add_argument("--watchdog-interval", type=float, default=1.0,
                   help="seconds between the health checks run while a batch runs (default 1; 0: only after batches)")
    p.add_argument("--stuck-timeout", type=float, default=10.0, help="seconds a probed session may stay silent (default 10)")
    p.add_argument("--no-oversize", action="store_true",
                   help="skip the cases of more than 16 MiB (oversize fields, and what one client can make Junction hold)")
    p.add_argument("--skip-kinds", default="", type=lambda v: tuple(k for k in v.split(",") if k),
                   help="comma-separated kinds of cases not to generate (e.g. oversize,admin_words); the kinds are the "
                        "g_* methods of Generator")
    p.add_argument("--rss-limit-mib", type=int, default=0,
                   help="a batch during which Junction's RSS passes this is a finding (default 0: only reported)")
    p.add_argument("--monitor", action="store_true", help="run the started Junction with its monitor on")
    p.add_argument("--keep-going", action="store_true", help="after a finding, restart Junction (if started here) and go on")
    p.add_argument("--no-minimize", action="store_true", help="do not replay a failing batch case by case")
    p.add_argument("--minimize-seconds", type=float, default=300, help="time allowed to find the single culprit (default 300)")
    p.add_argument("--out-dir", default=None, help="where findings go (default: a new directory under /tmp)")
    p.add_argument("--json", default=None, help="also write the results as JSON to this file")
    p.add_argument("--replay", default=None, help="run the cases of a saved finding (JSON) again, then exit")
    opts = p.parse_args(argv)
    if opts.seed is None:
        opts.seed = int(time.time() * 1000) % 1_000_000_007
    if opts.port is not None and opts.admin_port is None:
        opts.admin_port = 6032
    if opts.out_dir is None:
        opts.out_dir = tempfile.mkdtemp(prefix="junction-fuzz-wire-findings-")
    opts.flood_every = max(opts.flood_every, 1)
    return opts


def main(argv=None) -> int:
    opts = parse_args(argv)
    raise_nofile()
    target = Target(opts)
    if target.own and not opts.junction_bin.exists():
        log(f"junction binary not found at {opts.junction_bin}")
        return 2
    sampler = RSSSampler(target)
    stopped = threading.Event()

    def on_signal(signum, frame):
        stopped.set()
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    try:
        try:
            target.start()
        except (RuntimeError, OSError) as e:
            log(str(e))
            return 2
        sampler.start()
        log(f"junction pid {target.pid}, client port {target.client_port}, admin port {target.admin_port}, "
            f"seed {opts.seed}, findings in {opts.out_dir}")
        if opts.replay:
            return replay(opts, target)
        try:
            prepare_schema(target)
        except Exception as e:  # noqa: BLE001
            log(f"cannot prepare {SCHEMA}.{TABLE} through Junction: {e!r}")
            return 2
        watchdog = Watchdog(target, opts.hang_seconds, opts.watchdog_interval)
        if opts.watchdog_interval > 0:
            watchdog.start()
        fuzzer = Fuzzer(opts, target, sampler, watchdog)
        kinds = ["client", "admin"] if opts.port_kind == "both" else [opts.port_kind]
        stats = []
        for kind in kinds:
            st = fuzzer.fuzz_port(kind)
            stats.append(st)
            if not target.alive():
                break
        if target.alive():
            drop_schema(target)
        text = report(stats, opts)
        print(text, flush=True)
        if opts.json:
            Path(opts.json).write_text(json.dumps({
                "seed": opts.seed, "seconds": opts.seconds, "out_dir": opts.out_dir, "junction_pid": target.pid,
                "ports": [{k: v for k, v in s.__dict__.items()} for s in stats],
            }, indent=1))
        bad = any(s.crashes or s.hangs or s.failures or s.stuck or s.memory for s in stats)
        return 1 if bad else 0
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        sampler.stop_event.set()
        if "watchdog" in locals():
            watchdog.stop_event.set()
        if target.own:
            rc = target.stop()
            if rc not in (None, 0, -signal.SIGTERM):
                log(f"junction exited with {rc} at the end; log: {target.log_path}")
            if target.workdir is not None:
                if not any(Path(opts.out_dir).glob("*.json")) and rc in (None, 0, -signal.SIGTERM):
                    shutil.rmtree(target.workdir, ignore_errors=True)
                else:
                    log(f"Junction's logs are kept in {target.workdir}")


if __name__ == "__main__":
    sys.exit(main())
