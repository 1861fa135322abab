#!/usr/bin/env python3
"""Captures the seed corpus of Junction's fuzz targets (Sources/JunctionFuzzTargets) from real traffic.

    python3 fuzz/capture_corpus.py [--out fuzz/corpus] [--port 13306]

A recording TCP relay on 127.0.0.1:<free port> stands in front of the lab's primary (lab/lab.sh, 127.0.0.1:13306)
and keeps every byte of every connection, both ways. Real clients then talk to the server through it: the `mariadb`
CLI and `mariadb-admin`, PyMySQL (autocommit off and on, executemany, multi-statements, LOAD DATA LOCAL INFILE, a raw
COM_FIELD_LIST and COM_STATISTICS), mysql-connector-python in pure-Python mode (prepared statements, long data,
COM_STMT_RESET, COM_CHANGE_USER, COM_RESET_CONNECTION, an auth switch at login) and MariaDB Connector/Python (bulk
execute, a read-only cursor fetched with COM_STMT_FETCH, cached metadata). None of them asks for CLIENT_DEPRECATE_EOF,
so one more session logs in with PyMySQL and that flag, then sends its commands itself and reads the answers raw: the
server's responses with OK packets in place of EOF. The recorded streams are cut into MySQL packets (3-byte length,
sequence id, payload), the login and each command's response are told apart, and every target gets seeds in the
layout its harness decodes (see FuzzInput: choice bytes first, then pieces of one length byte and that many bytes, or
the rest):

    packet-framing      0x01 (16 MiB limit), then per chunk 0x01 L <L bytes> of a client's (or server's) byte stream
    large-packet-framing  the same, after a chunk 0x00 <sequence id> <fill byte>: a whole 16 MiB frame first
    handshake-response  a client's login packet (payload), and an SSL request made from one
    command-payloads    capability choice, parameter-count choice, types choice (0 or 1 + piece), a command payload
    server-packets      0x00, one server packet payload
    response-tracker    command choice, deprecate-EOF choice, then the response's packets as pieces
    client-login        password choice, capability choice, then the server's login packets as pieces
    sql-text            a digest-option flags byte, then the SQL of a COM_QUERY
    admin-parser        an admin statement (the admin's syntax is ProxySQL-compatible)
    config-file         a config file (libconfig, as the repository's examples)

Only files named seed-* are replaced in fuzz/corpus/<target>/; findings (finding-*) are kept. Each seed is at most
16 KiB. The lab is started only when it is not running, and then stopped again at the end; the tables the script
creates in `sbtest` (fz_*) are dropped when it is done.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import decimal
import hashlib
import io
import itertools
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import textwrap
import threading
from pathlib import Path

import pymysql

REPO = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
USER, PASSWORD, SCHEMA = "app", "app", "sbtest"
MAX_SEED = 16 * 1024

# Capability and status bits used below.
CLIENT_SSL = 0x0000_0800
CLIENT_DEPRECATE_EOF = 0x0100_0000
MORE_RESULTS = 0x0008
CURSOR_EXISTS = 0x0040

# Command bytes.
COM_QUIT, COM_INIT_DB, COM_QUERY, COM_FIELD_LIST, COM_STATISTICS, COM_PING = 0x01, 0x02, 0x03, 0x04, 0x09, 0x0E
COM_CHANGE_USER, COM_STMT_PREPARE, COM_STMT_EXECUTE, COM_STMT_SEND_LONG_DATA = 0x11, 0x16, 0x17, 0x18
COM_STMT_CLOSE, COM_STMT_RESET, COM_SET_OPTION, COM_STMT_FETCH, COM_RESET_CONNECTION = 0x19, 0x1A, 0x1B, 0x1C, 0x1F
COM_STMT_BULK_EXECUTE = 0xFA
NO_RESPONSE = {COM_QUIT, COM_STMT_SEND_LONG_DATA, COM_STMT_CLOSE}
COMMAND_NAMES = {
    COM_QUIT: "quit", COM_INIT_DB: "init-db", COM_QUERY: "query", COM_FIELD_LIST: "field-list",
    COM_STATISTICS: "statistics", COM_PING: "ping", COM_CHANGE_USER: "change-user", COM_STMT_PREPARE: "prepare",
    COM_STMT_EXECUTE: "execute", COM_STMT_SEND_LONG_DATA: "long-data", COM_STMT_CLOSE: "stmt-close",
    COM_STMT_RESET: "stmt-reset", COM_SET_OPTION: "set-option", COM_STMT_FETCH: "fetch",
    COM_RESET_CONNECTION: "reset-connection", COM_STMT_BULK_EXECUTE: "bulk-execute",
}
# The harness's choice lists (WireTargets): ResponseTracker.Command and the parameter counts of command-payloads.
TRACKER_COMMAND = {COM_QUERY: 0, COM_STMT_EXECUTE: 1, COM_STMT_BULK_EXECUTE: 1, COM_STMT_FETCH: 2,
                   COM_FIELD_LIST: 3, COM_STMT_PREPARE: 4}
TRACKER_SINGLE_PACKET = 5
PARAMETER_COUNTS = [0, 1, 2, 7, 8, 9, 65535]


# --------------------------------------------------------------------------------------------------------------------
# The recording relay


class Recorded:
    """One relayed connection: its label and the chunks read from either side, in the order the relay read them."""

    def __init__(self, label: str):
        self.label = label
        self.chunks: list[tuple[int, str, bytes]] = []  # (global order, "c2s" | "s2c", bytes)
        self.threads: list[threading.Thread] = []


class RecordingRelay:
    """Listens on 127.0.0.1:<free port> and forwards each connection to the target port, recording both ways."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.label = "unlabelled"
        self.connections: list[Recorded] = []
        self._lock = threading.Lock()
        self._order = 0
        self._listener = socket.socket()
        self._listener.bind((HOST, 0))
        self._listener.listen(16)
        self.port = self._listener.getsockname()[1]
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept_loop, daemon=True).start()

    def _accept_loop(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed
            server = socket.create_connection((HOST, self.target_port))
            for s in (client, server):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                n = sum(c.label == self.label or c.label.startswith(self.label + "#") for c in self.connections)
                conn = Recorded(self.label if n == 0 else f"{self.label}#{n + 1}")
                self.connections.append(conn)
                self._sockets += [client, server]
            for src, dst, direction in ((client, server, "c2s"), (server, client, "s2c")):
                t = threading.Thread(target=self._pump, args=(conn, src, dst, direction), daemon=True)
                conn.threads.append(t)
                t.start()

    def _pump(self, conn: Recorded, src: socket.socket, dst: socket.socket, direction: str) -> None:
        while True:
            try:
                data = src.recv(65536)
            except OSError:
                data = b""
            if not data:
                break
            with self._lock:  # the order is taken before forwarding, so a reply always sorts after its request
                self._order += 1
                conn.chunks.append((self._order, direction, data))
            try:
                dst.sendall(data)
            except OSError:
                break
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def settle(self, timeout: float = 5.0) -> None:
        """Waits until every connection so far has been closed by both sides."""
        for conn in list(self.connections):
            for t in conn.threads:
                t.join(timeout)

    def close(self) -> None:
        self._listener.close()
        with self._lock:
            for s in self._sockets:
                try:
                    s.shutdown(socket.SHUT_RDWR)  # wakes the pump threads, and the server ends the session
                except OSError:
                    pass
                try:
                    s.close()
                except OSError:
                    pass


# --------------------------------------------------------------------------------------------------------------------
# Packets, logins and exchanges


class Packet:
    __slots__ = ("order", "direction", "seq", "payload")

    def __init__(self, order: tuple[int, int], direction: str, seq: int, payload: bytes):
        self.order, self.direction, self.seq, self.payload = order, direction, seq, payload


class Exchange:
    """A client command and the packets that answer it (the client's follow-ups, such as LOCAL INFILE data, too)."""

    def __init__(self, command: bytes):
        self.command = command
        self.client: list[bytes] = []
        self.server: list[bytes] = []
        self.last_seq = 0


class Session:
    """A recorded connection taken apart: its byte streams, login, capabilities and command exchanges."""

    def __init__(self, conn: Recorded):
        self.label = conn.label
        self.streams = {"c2s": b"", "s2c": b""}
        packets: list[Packet] = []
        for direction in ("c2s", "s2c"):
            chunks = [(order, data) for order, d, data in conn.chunks if d == direction]
            self.streams[direction] = b"".join(data for _, data in chunks)
            packets += split_packets(chunks, direction)
        packets.sort(key=lambda p: p.order)
        self.packets = packets

        # The login: everything before the client's first command (a packet with sequence id 0).
        first_command = next((i for i, p in enumerate(packets) if p.direction == "c2s" and p.seq == 0), len(packets))
        login = packets[:first_command]
        self.login_server = [p.payload for p in login if p.direction == "s2c"]
        self.login_client = [p.payload for p in login if p.direction == "c2s"]
        self.greeting = self.login_server[0] if self.login_server else b""
        self.handshake_response = self.login_client[0] if self.login_client else b""
        server_caps = greeting_capabilities(self.greeting)
        client_caps = struct.unpack_from("<I", self.handshake_response)[0] if len(self.handshake_response) >= 4 else 0
        self.deprecate_eof = bool(server_caps & client_caps & CLIENT_DEPRECATE_EOF)
        self.logged_in = bool(self.login_server) and self.login_server[-1][:1] == b"\x00"
        self.exchanges = group_exchanges(packets[first_command:])


def split_packets(chunks: list[tuple[int, bytes]], direction: str) -> list[Packet]:
    """Cuts one direction's stream into packets; each is ordered by the chunk its header arrived in."""
    stream = b"".join(data for _, data in chunks)
    starts, offset = [], 0
    for order, data in chunks:
        starts.append((offset, order))
        offset += len(data)
    out, pos, chunk = [], 0, 0
    while pos + 4 <= len(stream):
        length = int.from_bytes(stream[pos:pos + 3], "little")
        if pos + 4 + length > len(stream):
            break  # a cut-off packet at the end of the connection
        while chunk + 1 < len(starts) and starts[chunk + 1][0] <= pos:
            chunk += 1
        out.append(Packet((starts[chunk][1], pos), direction, stream[pos + 3], stream[pos + 4:pos + 4 + length]))
        pos += 4 + length
    return out


def group_exchanges(packets: list[Packet]) -> list[Exchange]:
    """Pairs commands with responses. A response's sequence ids run on from its command's (1, 2, …), so a server
    packet that does not continue the current response starts the next pending one: pipelined commands pair too."""
    exchanges: list[Exchange] = []
    pending: collections.deque[Exchange] = collections.deque()
    current: Exchange | None = None
    for p in packets:
        if p.direction == "c2s":
            if p.seq == 0:
                ex = Exchange(p.payload)
                exchanges.append(ex)
                if p.payload[:1] and p.payload[0] not in NO_RESPONSE:
                    pending.append(ex)
            elif current is not None:
                current.client.append(p.payload)
                current.last_seq = p.seq
        else:
            if current is None or p.seq != (current.last_seq + 1) % 256:
                if not pending:
                    continue
                current = pending.popleft()
            current.server.append(p.payload)
            current.last_seq = p.seq
    return exchanges


def greeting_capabilities(greeting: bytes) -> int:
    """The capability flags of a HandshakeV10 packet (0 when it is not one)."""
    if not greeting or greeting[0] != 10:
        return 0
    end = greeting.find(b"\x00", 1)
    pos = end + 1 + 4 + 8 + 1
    if end < 0 or pos + 7 > len(greeting):
        return 0
    low = struct.unpack_from("<H", greeting, pos)[0]
    high = struct.unpack_from("<H", greeting, pos + 5)[0]
    return low | high << 16


def lenenc(data: bytes, pos: int) -> tuple[int | None, int]:
    """A length-encoded integer at pos: (value, next position); None for NULL (0xFB)."""
    if pos >= len(data):
        return 0, pos
    first = data[pos]
    if first < 0xFB:
        return first, pos + 1
    if first == 0xFB:
        return None, pos + 1
    size = {0xFC: 2, 0xFD: 3, 0xFE: 8}.get(first, 0)
    return int.from_bytes(data[pos + 1:pos + 1 + size], "little"), pos + 1 + size


def ok_details(payload: bytes) -> tuple[int, int, int, bool]:
    """(affected rows, last insert id, status flags, has info) of an OK packet (or an OK-style terminator)."""
    affected, pos = lenenc(payload, 1)
    insert_id, pos = lenenc(payload, pos)
    status = struct.unpack_from("<H", payload, pos)[0] if pos + 2 <= len(payload) else 0
    return affected or 0, insert_id or 0, status, len(payload) > pos + 4


def terminator_status(payload: bytes, deprecate_eof: bool) -> int:
    if deprecate_eof:
        return ok_details(payload)[2]
    return struct.unpack_from("<H", payload, 3)[0] if len(payload) >= 5 else 0


def column_type(payload: bytes) -> int:
    """The type byte of a column definition (after six length-encoded strings and the 0x0C length)."""
    pos = 0
    for _ in range(6):
        size, pos = lenenc(payload, pos)
        pos += size or 0
    return payload[pos + 1 + 2 + 4] if pos + 7 < len(payload) else -1


def label_response(command: int, packets: list[bytes], deprecate_eof: bool) -> list[str]:
    """Names each packet of a response (ok, err, column-def, text-row, …), following the protocol's shapes."""
    return walk_response(command, packets, deprecate_eof)[0]


def walk_response(command: int, packets: list[bytes], deprecate_eof: bool) -> tuple[list[str], bool]:
    """The labels of a response's packets, and whether they make a whole response."""
    labels: list[str] = []
    state = {COM_STMT_FETCH: "rows", COM_FIELD_LIST: "columns"}.get(command, "first")
    columns = params = 0
    binary = command in (COM_STMT_EXECUTE, COM_STMT_FETCH, COM_STMT_BULK_EXECUTE)

    def is_terminator(p: bytes) -> bool:
        return p[:1] == b"\xfe" and (len(p) < 9 or (deprecate_eof and len(p) < 0xFFFFFF))

    for p in packets:
        head = p[0] if p else -1
        if head == 0xFF and p[1:3] == b"\xff\xff":
            labels.append("progress-report")  # MariaDB's CLIENT_PROGRESS: an ERR-like packet, code 0xFFFF
            continue
        if head == 0xFF:
            labels.append("err")
            state = "done"
            continue
        if state == "first":
            if command == COM_STMT_PREPARE and head == 0 and len(p) >= 12:
                labels.append("prepare-ok")
                columns, params = struct.unpack_from("<HH", p, 5)
                state = "params" if params else "prepare-columns"
                if not params and not columns:
                    state = "done"
            elif head == 0x00:
                labels.append("ok")
                if not ok_details(p)[2] & MORE_RESULTS:
                    state = "done"
            elif head == 0xFB and command == COM_QUERY:
                labels.append("local-infile-request")
            elif head == 0xFE:
                labels.append("auth-switch" if command == COM_CHANGE_USER else "eof")
                state = "first" if command == COM_CHANGE_USER else "done"
            elif command in (COM_QUERY, COM_STMT_EXECUTE, COM_STMT_BULK_EXECUTE):
                labels.append("column-count")
                columns, pos = lenenc(p, 0)
                state = "columns"
                if pos < len(p) and p[pos] == 0:
                    # MariaDB's MARIADB_CLIENT_CACHE_METADATA: "metadata follows" 0, no column definitions.
                    state = "rows" if deprecate_eof else "columns-eof"
            else:
                labels.append("string")
                state = "done"
        elif state == "columns":
            if command == COM_FIELD_LIST and is_terminator(p):
                labels.append("eof")
                state = "done"
                continue
            labels.append("column-def")
            columns -= 1
            if columns == 0:
                state = "rows" if deprecate_eof else "columns-eof"
        elif state == "columns-eof":
            labels.append("eof")
            state = "done" if terminator_status(p, False) & CURSOR_EXISTS else "rows"
        elif state == "rows":
            if is_terminator(p):
                labels.append("ok-terminator" if deprecate_eof else "eof")
                state = "first" if terminator_status(p, deprecate_eof) & MORE_RESULTS else "done"
            else:
                labels.append("binary-row" if binary else "text-row")
        elif state in ("params", "prepare-columns"):
            if is_terminator(p) and not deprecate_eof:
                labels.append("eof")
                state = "prepare-columns" if state == "params" and columns else "done"
                continue
            labels.append("param-def" if state == "params" else "column-def")
            if state == "params":
                params -= 1
                if params == 0:
                    state = "params-eof" if not deprecate_eof else ("prepare-columns" if columns else "done")
            else:
                columns -= 1
                if columns == 0:
                    state = "prepare-columns-eof" if not deprecate_eof else "done"
        elif state == "params-eof":
            labels.append("eof")
            state = "prepare-columns" if columns else "done"
        else:
            labels.append("eof" if is_terminator(p) else "other")
            state = "done"
    return labels, state == "done"


# --------------------------------------------------------------------------------------------------------------------
# The traffic


def sql_direct(port: int, statements: list[str]) -> None:
    """Runs setup or cleanup statements on the server itself (not through the relay)."""
    conn = pymysql.connect(host=HOST, port=port, user=USER, password=PASSWORD, database=SCHEMA, autocommit=True)
    try:
        with conn.cursor() as cur:
            cur.execute("SET SESSION lock_wait_timeout = 10")
            for s in statements:
                cur.execute(s)
    finally:
        conn.close()


SETUP = [
    "DROP TABLE IF EXISTS fz_items, fz_types, fz_load, fz_blobs",
    "DROP PROCEDURE IF EXISTS fz_proc",
    "CREATE TABLE fz_items (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(64) NOT NULL, "
    "price DECIMAL(10,2) NULL, note TEXT NULL) ENGINE=InnoDB",
    "INSERT INTO fz_items (name, price, note) VALUES ('apple', 1.50, NULL), ('pear', NULL, 'ripe'), "
    "('plum', 0.99, 'it''s \"quoted\"')",
    "CREATE TABLE fz_types (id INT AUTO_INCREMENT PRIMARY KEY, t TINYINT, s SMALLINT, m MEDIUMINT, b BIGINT UNSIGNED, "
    "f FLOAT, d DOUBLE, dec1 DECIMAL(20,6), ch CHAR(3), vc VARCHAR(20), bin VARBINARY(16), bl BLOB, tx TEXT, "
    "dt DATE, tm TIME(3), dtm DATETIME(6), ts TIMESTAMP NULL, y YEAR, e ENUM('a','b'), st SET('x','y'), bt BIT(8), "
    "js JSON)",
    "INSERT INTO fz_types (t, s, m, b, f, d, dec1, ch, vc, bin, bl, tx, dt, tm, dtm, ts, y, e, st, bt, js) VALUES "
    "(-1, 300, -70000, 18446744073709551615, 1.5, -2.25e-10, 12345.678901, 'abc', 'héllo', x'00ff10', 'blob', "
    "'text', '2024-02-29', '-12:34:56.789', '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05', 2024, 'b', 'x,y', "
    "b'10100101', '{\"k\": [1, null]}'), (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
    "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)",
    "CREATE TABLE fz_load (a INT, b VARCHAR(20), c DATE NULL)",
    "CREATE TABLE fz_blobs (id INT, data LONGBLOB)",
    "CREATE PROCEDURE fz_proc(IN n INT) BEGIN SELECT n AS n, n * 2 AS twice; SELECT 'done' AS status; END",
]
CLEANUP = ["DROP TABLE IF EXISTS fz_items, fz_types, fz_load, fz_blobs", "DROP PROCEDURE IF EXISTS fz_proc"]


def run_cli(relay: RecordingRelay, label: str, args: list[str], stdin: str = "") -> None:
    relay.label = label
    subprocess.run(args, input=stdin.encode(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30,
                   check=False)
    relay.settle()


def drive_cli(relay: RecordingRelay, csv_path: Path) -> list[str]:
    """The mariadb CLI (batch mode, --force so that errors do not stop it) and mariadb-admin."""
    cli = shutil.which("mariadb") or shutil.which("mysql")
    admin = shutil.which("mariadb-admin") or shutil.which("mysqladmin")
    if not cli:
        return ["no mariadb CLI: its traffic is missing"]
    base = [cli, "--no-defaults", f"-h{HOST}", f"-P{relay.port}", "--protocol=TCP", f"-u{USER}"]
    script = f"""
SELECT 1;
SELECT NULL AS n, 'text' AS s, 3.25 AS d, -7 AS i, NOW() IS NOT NULL AS t;
SHOW DATABASES;
SHOW TABLES;
SHOW VARIABLES LIKE 'version%';
USE {SCHEMA};
SELECT * FROM no_such_table;
SELEC broken syntax;
LOAD DATA LOCAL INFILE '{csv_path}' INTO TABLE fz_load FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '"';
SELECT COUNT(*), MAX(c) FROM fz_load;
SHOW WARNINGS;
/* a comment */ SELECT 'a''b' AS q, "dq" AS d, `id` FROM fz_items ORDER BY id LIMIT 2;
SELECT * FROM fz_types ORDER BY id;
delimiter //
SELECT 1 AS a; SELECT 2 AS b, NULL AS c; DO 1//
delimiter ;
START TRANSACTION;
UPDATE fz_items SET price = price + 1 WHERE id = 1;
ROLLBACK;
\\s
"""
    run_cli(relay, "cli.batch", base + [f"-p{PASSWORD}", "--force", "--local-infile=1", "--comments", SCHEMA],
            script)
    run_cli(relay, "cli.charset", base + [f"-p{PASSWORD}", "--default-character-set=latin1",
                                          "-e", "SET NAMES utf8mb4; SELECT 'é' AS e, @@character_set_client"])
    run_cli(relay, "cli.badpass", base + ["-pwrong", "-e", "SELECT 1"])
    run_cli(relay, "cli.unknown-db", base + [f"-p{PASSWORD}", "no_such_db", "-e", "SELECT 1"])
    if admin:
        run_cli(relay, "admin-tool", [admin, "--no-defaults", f"-h{HOST}", f"-P{relay.port}", "--protocol=TCP",
                                      f"-u{USER}", f"-p{PASSWORD}", "ping", "status", "processlist"])
    return []


def raw_command(conn: pymysql.connections.Connection, command: int, arg: bytes, until_eof: bool) -> None:
    """Sends a command PyMySQL has no method for and reads the answer (to the EOF when until_eof)."""
    conn._execute_command(command, arg)  # pylint: disable=protected-access
    while True:
        packet = conn._read_packet()  # pylint: disable=protected-access
        if not until_eof or packet.is_eof_packet():
            return


def drive_pymysql(relay: RecordingRelay, csv_path: Path) -> list[str]:
    port = relay.port
    relay.label = "pymysql.default"
    conn = pymysql.connect(host=HOST, port=port, user=USER, password=PASSWORD, database=SCHEMA, local_infile=True,
                           client_flag=pymysql.constants.CLIENT.MULTI_STATEMENTS)
    with conn.cursor() as cur:
        cur.execute("SELECT 1")
        cur.execute("SELECT id, name, price, note FROM fz_items ORDER BY id LIMIT 3")
        cur.executemany("INSERT INTO fz_items (name, price, note) VALUES (%s, %s, %s)",
                        [("kiwi", "2.10", None), ("fig", None, "dried"), ("lime", "0.30", "green")])
        cur.execute("UPDATE fz_items SET price = price + 1 WHERE id = %s", (1,))
        conn.commit()
        cur.execute("DELETE FROM fz_items WHERE name = %s", ("fig",))
        conn.rollback()
        for bad in ("SELECT * FROM nope", "SELECT 1 +", "INSERT INTO fz_items (id, name) VALUES (1, 'dup')"):
            try:
                cur.execute(bad)
            except pymysql.MySQLError:
                pass
        cur.execute("SELECT CAST('12abc' AS SIGNED) AS n")
        cur.execute("SHOW WARNINGS")
        cur.execute("SELECT 1 AS one; SELECT 'two' AS two, NULL AS n; UPDATE fz_items SET note = note WHERE id = 2")
        while cur.nextset():
            pass
        cur.callproc("fz_proc", (3,))
        while cur.nextset():
            pass
        cur.execute(f"LOAD DATA LOCAL INFILE '{csv_path}' INTO TABLE fz_load FIELDS TERMINATED BY ','")
        cur.execute("SELECT * FROM fz_types WHERE id = 1 FOR UPDATE")
        cur.execute("SELECT LAST_INSERT_ID(), ROW_COUNT(), FOUND_ROWS(), @@tx_isolation")
        cur.execute("SET @fz_var = 'x', SESSION sql_mode = 'STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION'")
        cur.execute("SELECT GET_LOCK('fz_lock', 0), RELEASE_LOCK('fz_lock')")
        cur.execute("CREATE TEMPORARY TABLE fz_tmp (x INT)")
        try:
            cur.execute("KILL QUERY 999999")
        except pymysql.MySQLError:
            pass
        cur.execute("SAVEPOINT sp1")
        cur.execute("ROLLBACK TO SAVEPOINT sp1")
    conn.commit()
    conn.select_db(SCHEMA)  # COM_INIT_DB
    try:
        conn.select_db("no_such_db")
    except pymysql.MySQLError:
        pass
    conn.ping(reconnect=False)  # COM_PING
    raw_command(conn, COM_FIELD_LIST, b"fz_items\x00", until_eof=True)
    raw_command(conn, COM_STATISTICS, b"", until_eof=False)
    conn.close()

    relay.label = "pymysql.autocommit"
    conn = pymysql.connect(host=HOST, port=port, user=USER, password=PASSWORD, autocommit=True, charset="utf8mb4",
                           program_name="junction-capture", init_command="SET SESSION wait_timeout = 600")
    with conn.cursor() as cur:
        cur.execute("SELECT DATABASE(), @@version, CONNECTION_ID()")
        cur.execute(f"USE {SCHEMA}")
        cur.execute("INSERT INTO fz_items (name) VALUES (%s)", ("é ünïcode 🚀",))
        cur.execute("SELECT name, HEX(name) FROM fz_items WHERE id = LAST_INSERT_ID()")
        cur.execute("SELECT * FROM fz_types")
        cur.execute("SHOW CREATE TABLE fz_items")
        cur.execute("SELECT 1 FROM DUAL WHERE 1 = 0")
    conn.close()

    relay.label = "pymysql.monitor"
    conn = pymysql.connect(host=HOST, port=port, user="monitor", password="monitor", autocommit=True)
    with conn.cursor() as cur:
        cur.execute("SELECT @@global.read_only")
        cur.execute("SHOW SLAVE STATUS")
        cur.execute("SHOW GLOBAL STATUS LIKE 'Threads_connected'")
        try:
            cur.execute("SELECT * FROM sbtest.fz_items")  # no privilege: ERR 1142
        except pymysql.MySQLError:
            pass
    conn.ping(reconnect=False)
    conn.close()

    for label, kwargs in (("pymysql.badpass", {"password": "wrong"}),
                          ("pymysql.unknown-db", {"password": PASSWORD, "database": "no_such_db"})):
        relay.label = label
        try:
            pymysql.connect(host=HOST, port=port, user=USER, **kwargs).close()
        except pymysql.MySQLError:
            pass
    relay.settle()
    return []


def drive_deprecate_eof(relay: RecordingRelay, _csv: Path) -> list[str]:
    """CLIENT_DEPRECATE_EOF responses: the server offers the flag, but none of the lab's clients asks for it. PyMySQL
    logs in with it, then this sends commands itself and reads the server's answers raw (PyMySQL's reader expects
    EOF packets): text and binary result sets ending in OK packets, a cursor and its fetches, a field list."""
    relay.label = "raw.deprecate-eof"
    conn = pymysql.connect(host=HOST, port=relay.port, user=USER, password=PASSWORD, database=SCHEMA, autocommit=True,
                           client_flag=CLIENT_DEPRECATE_EOF | pymysql.constants.CLIENT.MULTI_STATEMENTS)
    sock = conn._sock  # pylint: disable=protected-access
    sock.settimeout(0.3)
    buffer = bytearray()

    def read_packet() -> bytes | None:
        while len(buffer) < 4 or len(buffer) < 4 + int.from_bytes(buffer[:3], "little"):
            try:
                data = sock.recv(65536)
            except socket.timeout:
                return None
            if not data:
                return None
            buffer.extend(data)
        length = int.from_bytes(buffer[:3], "little")
        payload = bytes(buffer[4:4 + length])
        del buffer[:4 + length]
        return payload

    def command(payload: bytes, answered: bool = True) -> list[bytes]:
        sock.sendall(len(payload).to_bytes(3, "little") + b"\x00" + payload)
        packets: list[bytes] = []
        while answered and not (packets and walk_response(payload[0], packets, True)[1]):
            packet = read_packet()  # a shape walk_response does not know ends after 0.3 s of silence
            if packet is None:
                break
            packets.append(packet)
        return packets

    def query(sql: str) -> list[bytes]:
        return command(b"\x03" + sql.encode())

    for sql in ("SELECT 1", "SELECT id, name, price, note FROM fz_items ORDER BY id LIMIT 4",
                "SELECT 1 FROM DUAL WHERE 1 = 0", "SELECT 1 AS a; SELECT 2 AS b, NULL AS c; DO 1", "CALL fz_proc(4)",
                "SELECT * FROM no_such_table", "UPDATE fz_items SET note = note WHERE id = 1",
                "SELECT CAST('x1' AS SIGNED) AS n", "SELECT * FROM fz_types ORDER BY id"):
        query(sql)
    command(bytes([COM_FIELD_LIST]) + b"fz_items\x00")

    def prepare(sql: str) -> int:
        answer = command(bytes([COM_STMT_PREPARE]) + sql.encode())
        return struct.unpack_from("<I", answer[0], 1)[0] if answer and answer[0][:1] == b"\x00" else 0

    stmt = prepare("SELECT name, price FROM fz_items WHERE id = ?")
    # COM_STMT_EXECUTE: id, flags, iteration count 1, NULL bitmap, new-params-bound 1, type LONGLONG, value 1.
    command(struct.pack("<BIBIBBHq", COM_STMT_EXECUTE, stmt, 0, 1, 0, 1, 0x08, 1))
    command(struct.pack("<BIBIBBq", COM_STMT_EXECUTE, stmt, 0, 1, 0, 0, 2))  # again, with the types bound before
    command(struct.pack("<BIBIBB", COM_STMT_EXECUTE, stmt, 0, 1, 1, 0))  # and with the parameter NULL
    command(struct.pack("<BI", COM_STMT_RESET, stmt))
    command(struct.pack("<BI", COM_STMT_CLOSE, stmt), answered=False)
    stmt = prepare("SELECT id, name FROM fz_items ORDER BY id")
    command(struct.pack("<BIBI", COM_STMT_EXECUTE, stmt, 0x01, 1))  # CURSOR_TYPE_READ_ONLY
    command(struct.pack("<BII", COM_STMT_FETCH, stmt, 2))
    command(struct.pack("<BII", COM_STMT_FETCH, stmt, 100))
    command(struct.pack("<BI", COM_STMT_CLOSE, stmt), answered=False)
    command(bytes([COM_PING]))
    command(bytes([COM_STATISTICS]))
    command(bytes([COM_INIT_DB]) + SCHEMA.encode())
    command(bytes([COM_SET_OPTION, 0, 0]))  # MYSQL_OPTION_MULTI_STATEMENTS_ON
    command(bytes([COM_QUIT]), answered=False)
    conn._force_close()  # pylint: disable=protected-access
    relay.settle()
    return []


def drive_connector(relay: RecordingRelay, _csv: Path) -> list[str]:
    """mysql-connector-python, pure-Python protocol: prepared statements, long data, change user, reset."""
    try:
        import mysql.connector  # pylint: disable=import-outside-toplevel
    except ImportError:
        return ["mysql-connector-python is not installed: no prepared statements from it, no COM_CHANGE_USER"]
    relay.label = "connector.prepared"
    conn = mysql.connector.connect(host=HOST, port=relay.port, user=USER, password=PASSWORD, database=SCHEMA,
                                   use_pure=True, autocommit=False)
    cur = conn.cursor(prepared=True)
    cur.execute("SELECT ?", (1,))
    cur.fetchall()
    cur.execute("SELECT ?, ?", (42, "forty-two"))
    cur.fetchall()
    cur.execute("SELECT ?, ?", (None, b"\x00\xff"))
    cur.fetchall()
    cur.execute("INSERT INTO fz_types (t, f, d, dec1, vc, bin, dtm) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (7, 1.25, -3.5e100, decimal.Decimal("-0.000001"), "vc", b"\x01\x02",
                 datetime.datetime(2024, 5, 6, 7, 8, 9, 123456)))
    cur.execute("SELECT ?, ?, ?, ?, ?, ?, ?, ?",
                (1, -2, 3.5, "s", b"\x00b", datetime.date(2000, 1, 1), datetime.timedelta(hours=-1, seconds=5), True))
    cur.fetchall()
    cur.execute("SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?", (1, 2, 3, 4, 5, 6, 7, 8, 2 ** 63))
    cur.fetchall()
    # (YEAR, ENUM and JSON columns in binary rows trip Connector/Python's parser; Connector/C reads them below.)
    cur.execute("SELECT id, t, b, f, d, dec1, vc, bin, dt, tm, dtm, ts FROM fz_types ORDER BY id")
    cur.fetchall()
    cur.execute("INSERT INTO fz_blobs (id, data) VALUES (?, ?)", (1, io.BytesIO(b"long data " * 40)))
    try:
        cur.execute("SELECT FROM WHERE ?", (1,))
    except mysql.connector.Error:
        pass
    cur.close()
    conn.commit()

    conn.cmd_ping()
    conn.cmd_statistics()
    conn.cmd_init_db(SCHEMA)
    conn.cmd_reset_connection()
    try:
        conn.cmd_change_user(username="monitor", password="monitor")
        conn.cmd_query("SELECT CURRENT_USER()")
        conn.get_rows()
        conn.cmd_change_user(username=USER, password=PASSWORD, database=SCHEMA)
        conn.cmd_query("SELECT CURRENT_USER(), DATABASE()")
        conn.get_rows()
        conn.cmd_change_user(username=USER, password="wrong", database=SCHEMA)  # ERR 1045
    except mysql.connector.Error:
        pass
    try:
        conn.close()
    except mysql.connector.Error:
        pass

    relay.label = "connector.text"
    # A plugin MariaDB lacks: the server answers the login with an auth switch request to mysql_native_password.
    conn = mysql.connector.connect(host=HOST, port=relay.port, user=USER, password=PASSWORD, database=SCHEMA,
                                   use_pure=True, autocommit=True, auth_plugin="caching_sha2_password")
    cur = conn.cursor()
    cur.execute("SELECT id, name, price FROM fz_items WHERE price > %s ORDER BY id", (0,))
    cur.fetchall()
    cur.executemany("INSERT INTO fz_load (a, b) VALUES (%s, %s)", [(1, "x"), (2, None), (3, "z")])
    cur.execute("SELECT @@session.autocommit, @@session.sql_mode")
    cur.fetchall()
    cur.close()
    conn.close()
    relay.settle()
    return []


def drive_mariadb_connector(relay: RecordingRelay, _csv: Path) -> list[str]:
    """MariaDB Connector/Python (Connector/C): binary protocol, bulk execute, a server-side cursor read with fetch.
    It runs in a child process (mariadb_connector_traffic): the C extension can crash, and must not take the
    capture with it."""
    relay.label = "mariadb-connector"
    result = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--mariadb-connector-traffic",
                             str(relay.port)], capture_output=True, text=True, timeout=60, check=False)
    relay.settle()
    if result.returncode == 3:
        return ["MariaDB Connector/Python is not installed: no COM_STMT_BULK_EXECUTE or COM_STMT_FETCH"]
    if result.returncode != 0:
        return [f"MariaDB Connector/Python stopped early (status {result.returncode}): {result.stderr.strip()[-300:]}"]
    return []


def mariadb_connector_traffic(port: int) -> int:
    try:
        import mariadb  # pylint: disable=import-outside-toplevel
        from mariadb.constants import CURSOR  # pylint: disable=import-outside-toplevel
    except ImportError:
        return 3
    conn = mariadb.connect(host=HOST, port=port, user=USER, password=PASSWORD, database=SCHEMA)

    def run(sql: str, args, many: bool = False, **cursor_options) -> None:
        # A new cursor per statement: re-using a binary cursor crashes Connector/Python 1.1.
        cur = conn.cursor(**cursor_options)
        if many:
            cur.executemany(sql, args)  # COM_STMT_BULK_EXECUTE on MariaDB
        else:
            cur.execute(sql, args)
            cur.fetchall()
        cur.close()

    run("SELECT ?, ?, ?", (1, "two", 3.5), binary=True)
    run("SELECT name, price FROM fz_items WHERE id > ? ORDER BY id", (0,), binary=True)
    run("SELECT * FROM fz_types WHERE id > ? ORDER BY id", (0,), binary=True)
    run("INSERT INTO fz_load (a, b, c) VALUES (?, ?, ?)",
        [(10, "bulk", datetime.date(2024, 1, 1)), (11, None, None), (12, "x" * 12, None)], many=True)
    run("SELECT id, name FROM fz_items WHERE id < ? ORDER BY id", (100,), cursor_type=CURSOR.READ_ONLY,
        prefetch_size=2)
    conn.commit()
    conn.ping()
    conn.reset()  # COM_RESET_CONNECTION
    conn.change_user("monitor", "monitor", None)
    conn.close()
    return 0


# --------------------------------------------------------------------------------------------------------------------
# The seeds


class Corpus:
    """Writes seed-* files under out/<target>/, after removing the previous run's seed-* files (never finding-*)."""

    def __init__(self, out: Path):
        self.out = out
        self.seeds: dict[str, dict[str, bytes]] = collections.defaultdict(dict)

    def add(self, target: str, description: str, data: bytes) -> bool:
        if len(data) > MAX_SEED or data in self.seeds[target].values():
            return False
        slug = re.sub(r"[^a-z0-9]+", "-", description.lower()).strip("-")[:60].strip("-") or "x"
        name = f"seed-{slug}"
        if name in self.seeds[target]:
            name = f"{name}-{hashlib.sha1(data).hexdigest()[:8]}"
        self.seeds[target][name] = data
        return True

    def count(self, target: str) -> int:
        return len(self.seeds[target])

    def write(self) -> None:
        for target, files in self.seeds.items():
            directory = self.out / target
            directory.mkdir(parents=True, exist_ok=True)
            for old in directory.glob("seed-*"):
                old.unlink()
            for name, data in files.items():
                (directory / name).write_bytes(data)


def pieces(payloads: list[bytes]) -> bytes:
    """Payloads as harness pieces: a length byte, then the bytes (each payload must be ≤ 255 bytes)."""
    return b"".join(bytes([len(p)]) + p for p in payloads)


def framing_seed(stream: bytes, sizes: list[int]) -> bytes:
    """packet-framing: the 16 MiB limit (choice 1), then the stream as chunks `0x01 L bytes`, L cycling over sizes."""
    out, pos, i = bytearray([0x01]), 0, 0
    while pos < len(stream):
        size = sizes[i % len(sizes)]
        chunk = stream[pos:pos + size]
        out += bytes([0x01, len(chunk)]) + chunk
        pos += size
        i += 1
    return bytes(out)


def truncate_at_packet(stream: bytes, limit: int) -> bytes:
    """The longest prefix of whole packets within limit (or the first limit bytes when one packet is larger)."""
    pos = 0
    while pos + 4 <= len(stream):
        end = pos + 4 + int.from_bytes(stream[pos:pos + 3], "little")
        if end > limit:
            break
        pos = end
    return stream[:pos] if pos else stream[:limit]


def seeds_packet_framing(corpus: Corpus, sessions: list[Session]) -> None:
    for s in sessions:
        if s.streams["c2s"]:
            corpus.add("packet-framing", f"c2s-{s.label}", framing_seed(truncate_at_packet(s.streams["c2s"], 12000),
                                                                         [255]))
    for s in sessions[:: max(1, len(sessions) // 4)][:4]:
        corpus.add("packet-framing", f"s2c-{s.label}", framing_seed(truncate_at_packet(s.streams["s2c"], 12000),
                                                                     [255]))
    # Headers split across reads: small, uneven chunks of two clients' first packets.
    for s in sessions[:2]:
        corpus.add("packet-framing", f"c2s-{s.label}-small-chunks",
                   framing_seed(truncate_at_packet(s.streams["c2s"], 1500), [1, 3, 2, 7, 4, 5, 11]))
    # large-packet-framing: the same streams after one whole 16 MiB frame (chunk choice 0, its sequence id, its
    # fill byte), which the stream's first packet continues.
    for s in sessions[:6]:
        if s.streams["c2s"]:
            seed = framing_seed(truncate_at_packet(s.streams["c2s"], 4000), [255])
            corpus.add("large-packet-framing", f"c2s-{s.label}-after-16mib-frame", seed[:1] + bytes([0x00, 0x00, 0x41]) + seed[1:])


def seeds_handshake_response(corpus: Corpus, sessions: list[Session]) -> None:
    seen = set()
    for s in sessions:
        hr = s.handshake_response
        if len(hr) < 32:
            continue
        caps = struct.unpack_from("<I", hr)[0]
        key = (caps, s.label.split(".")[0], s.logged_in)  # the flags say whether a schema and attributes follow
        if key in seen:
            continue
        seen.add(key)
        corpus.add("handshake-response", s.label, hr)
    # No lab client sends an SSL request (the lab has no TLS): make one the way clients do, from a real login
    # packet's fixed head (capabilities with CLIENT_SSL, max packet size, collation, 23 zero bytes).
    first = next((s.handshake_response for s in sessions if len(s.handshake_response) >= 32), None)
    if first:
        caps = struct.unpack_from("<I", first)[0] | CLIENT_SSL
        corpus.add("handshake-response", "ssl-request-from-real-login", struct.pack("<I", caps) + first[4:32])


def seeds_command_payloads(corpus: Corpus, sessions: list[Session]) -> list[str]:
    def closest(n: int) -> int:
        return min(range(len(PARAMETER_COUNTS)), key=lambda i: abs(PARAMETER_COUNTS[i] - n))

    seen, per_command = set(), collections.Counter()
    quota = {COM_STMT_EXECUTE: 14, COM_CHANGE_USER: 6, COM_STMT_BULK_EXECUTE: 3, COM_STMT_SEND_LONG_DATA: 2}
    for s in sessions:
        params: dict[int, int] = {}  # statement id → parameter count, from PREPARE_OK
        types: dict[int, bytes] = {}  # statement id → the types an execute bound
        last_prepared = -1
        for ex in s.exchanges:
            payload = ex.command
            command = payload[0]
            answer = ex.server[0] if ex.server else b""
            if command == COM_STMT_PREPARE and answer[:1] == b"\x00" and len(answer) >= 12:
                last_prepared, _, count = struct.unpack_from("<IHH", answer, 1)
                params[last_prepared] = count
            if command not in COMMAND_NAMES or command == COM_QUIT:
                continue
            stmt_id = struct.unpack_from("<I", payload, 1)[0] if len(payload) >= 5 else -1
            if stmt_id == 0xFFFFFFFF:
                stmt_id = last_prepared  # MariaDB's "the statement just prepared" (pipelined prepare and execute)
            count = params.get(stmt_id, 1)
            head = bytes([0x00, closest(count) if command in (COM_STMT_EXECUTE, COM_STMT_BULK_EXECUTE) else 1])
            seed = head + b"\x00" + payload
            bound_at = 10 + (count + 7) // 8
            if command == COM_STMT_EXECUTE and count:
                # [0x17][id 4][flags][iterations 4][null bitmap][new-params-bound][types 2·n][values]
                if len(payload) > bound_at and payload[bound_at] == 1:
                    types[stmt_id] = payload[bound_at + 1:bound_at + 1 + 2 * count]
                elif stmt_id in types and len(types[stmt_id]) <= 255:
                    # A re-execute without types: give the harness the types the statement had bound.
                    seed = head + b"\x01" + bytes([len(types[stmt_id])]) + types[stmt_id] + payload
            if command == COM_STMT_EXECUTE:
                key = (command, count, payload[5:6], any(payload[10:bound_at]) if count else False,
                       seed[2], s.label.split(".")[0])
            elif command == COM_CHANGE_USER:
                key = (command, payload)
            else:
                key = (command, s.label.split(".")[0])
            if key in seen or per_command[command] >= quota.get(command, 1):
                continue
            name = f"{COMMAND_NAMES[command]}-{count}-params-{s.label}" if command == COM_STMT_EXECUTE else \
                f"{COMMAND_NAMES[command]}-{s.label}"
            if corpus.add("command-payloads", name, seed):
                seen.add(key)
                per_command[command] += 1
    missing = []
    for command in (COM_STMT_EXECUTE, COM_CHANGE_USER, COM_STMT_SEND_LONG_DATA, COM_STMT_BULK_EXECUTE, COM_STMT_FETCH):
        if not per_command[command]:
            missing.append(f"no {COMMAND_NAMES[command]} payload captured")
    return missing


def seeds_server_packets(corpus: Corpus, sessions: list[Session]) -> None:
    quota = {"greeting": 2, "auth-switch": 2, "login-ok": 1, "login-err": 2, "ok": 4, "err": 3, "eof": 3,
             "ok-terminator": 2, "column-count": 1, "column-def": 5, "text-row": 2, "binary-row": 2, "prepare-ok": 1,
             "param-def": 1, "local-infile-request": 1, "progress-report": 1, "string": 1}
    taken, seen = collections.Counter(), set()

    def take(label: str, key, payload: bytes) -> None:
        if taken[label] >= quota.get(label, 0) or (label, key) in seen:
            return
        if corpus.add("server-packets", f"{label}-{key}" if key != "" else label, b"\x00" + payload):
            seen.add((label, key))
            taken[label] += 1

    for s in sessions:
        for i, p in enumerate(s.login_server):
            if i == 0:
                take("greeting", s.label.split(".")[0], p)
            elif p[:1] == b"\xfe":
                take("auth-switch", p[1:p.find(b"\x00", 1)].decode(errors="replace"), p)
            elif p[:1] == b"\xff":
                take("login-err", struct.unpack_from("<H", p, 1)[0], p)
            elif p[:1] == b"\x00":
                take("login-ok", "", p)
        for ex in s.exchanges:
            labels = label_response(ex.command[0], ex.server, s.deprecate_eof)
            for label, p in zip(labels, ex.server):
                if label in ("ok", "ok-terminator"):
                    affected, insert_id, status, info = ok_details(p)
                    key = f"{'rows' if affected else 'none'}-{'id' if insert_id else 'noid'}-{'info' if info else ''}" \
                          f"-{'more' if status & MORE_RESULTS else ''}-{ex.command[0]:02x}"
                elif label == "err":
                    key = struct.unpack_from("<H", p, 1)[0] if len(p) >= 3 else 0
                elif label == "column-def":
                    key = f"type{column_type(p)}"
                elif label in ("text-row", "binary-row"):
                    key = "null" if (b"\xfb" in p if label == "text-row" else any(p[1:3])) else len(p) // 64
                elif label == "eof":
                    key = terminator_status(p, False) & (MORE_RESULTS | CURSOR_EXISTS)
                else:
                    key = ""
                take(label, key, p)


def seeds_response_tracker(corpus: Corpus, sessions: list[Session]) -> None:
    seen, per_choice = collections.Counter(), collections.Counter()
    for s in sessions:
        for ex in s.exchanges:
            command = ex.command[0]
            if not ex.server or command in NO_RESPONSE or any(len(p) > 255 for p in ex.server):
                continue
            labels = label_response(command, ex.server, s.deprecate_eof)
            if command == COM_CHANGE_USER and len(ex.server) > 1:
                continue  # an auth exchange, not one of the tracker's responses
            choice = TRACKER_COMMAND.get(command, TRACKER_SINGLE_PACKET)
            # The shape of the response: runs of one label collapsed (column-def ×3 → "cdef3").
            runs = [(label, len(list(group))) for label, group in itertools.groupby(labels)]
            key = (choice, s.deprecate_eof, tuple(label for label, _ in runs))
            if seen[key] >= 2 or per_choice[choice, s.deprecate_eof] >= 6:  # two of a shape, six of a command
                continue
            short = {"column-count": "ccount", "column-def": "cdef", "text-row": "trow", "binary-row": "brow",
                     "param-def": "pdef", "ok-terminator": "okterm", "local-infile-request": "infile",
                     "progress-report": "progress"}
            shape = "-".join(short.get(label, label) + (str(n) if n > 1 else "") for label, n in runs)
            name = f"{COMMAND_NAMES.get(command, hex(command))}-{'deof' if s.deprecate_eof else 'eof'}-{shape}"
            if corpus.add("response-tracker", name, bytes([choice, int(s.deprecate_eof)]) + pieces(ex.server)):
                seen[key] += 1
                per_choice[choice, s.deprecate_eof] += 1


def seeds_client_login(corpus: Corpus, sessions: list[Session]) -> None:
    seen = set()
    for s in sessions:
        if not s.login_server or any(len(p) > 255 for p in s.login_server):
            continue
        key = tuple(p[:1] for p in s.login_server[1:]) + (s.label.split(".")[0],)
        if key in seen:
            continue
        seen.add(key)
        corpus.add("client-login", s.label, b"\x01\x00" + pieces(s.login_server))
    # The same logins with the other choices: no password, and a client that wants nothing.
    for s in sessions[:2]:
        if s.login_server and all(len(p) <= 255 for p in s.login_server):
            corpus.add("client-login", f"{s.label}-no-password", b"\x00\x00" + pieces(s.login_server))
            corpus.add("client-login", f"{s.label}-no-capabilities", b"\x01\x01" + pieces(s.login_server))


# Statements a proxy sees often, beyond what the clients above sent.
EXTRA_SQL = [
    "SELECT c FROM sbtest1 WHERE id = 42 FOR UPDATE",
    "SET NAMES utf8mb4 COLLATE utf8mb4_unicode_ci",
    "SET autocommit=0",
    "SET @@session.sql_mode='STRICT_TRANS_TABLES,NO_ZERO_DATE', @@session.time_zone = '+00:00'",
    "KILL QUERY 5",
    "KILL CONNECTION 17",
    "/* route=primary */ SELECT /*+ MAX_EXECUTION_TIME(100) */ 1 -- trailing\n# hash comment\n",
    "SELECT 'it''s', 'a\\'b\\\\c\\n', \"dq \\\"x\\\"\" FROM `weird``table` WHERE `col` IN (1, 2, 3, 4, 5, 6, 7)",
    "INSERT INTO t (a, b) VALUES (0x0AFF, X'CAFE'), (b'1010', -1.5e-3), (NULL, _utf8mb4'x' COLLATE utf8mb4_bin)",
    "SELECT * FROM t WHERE id IN (?, ?, ?) AND name LIKE 'a%' LIMIT 10 OFFSET 20",
    "BEGIN; UPDATE t SET v = v + 1 WHERE id = 1; COMMIT",
    "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
    "SELECT GET_LOCK('l', 10), LAST_INSERT_ID(), @user_var := 3",
    "PREPARE s FROM 'SELECT ?'; EXECUTE s USING @a; DEALLOCATE PREPARE s",
]


def seeds_sql_text(corpus: Corpus, sessions: list[Session]) -> None:
    flags = [0x00, 0x0F, 0x33, 0xFF]
    queries: list[str] = []
    for s in sessions:
        for ex in s.exchanges:
            if ex.command[:1] in (b"\x03", b"\x16") and 0 < len(ex.command) <= 4000:
                text = ex.command[1:].decode("utf-8", "replace")
                if text not in queries:
                    queries.append(text)
    # At most 28 captured statements, spread over the whole session list.
    step = max(1, -(-len(queries) // 28))
    chosen = queries[::step] + EXTRA_SQL
    for i, text in enumerate(chosen):
        words = re.findall(r"[A-Za-z_@]+", text)[:4]
        corpus.add("sql-text", f"{i:02d}-{'-'.join(words)}", bytes([flags[i % len(flags)]]) + text.encode())


ADMIN_STATEMENTS = [
    "LOAD MYSQL SERVERS TO RUNTIME",
    "SAVE MYSQL USERS TO DISK",
    "LOAD MYSQL VARIABLES FROM CONFIG",
    "LOAD MYSQL QUERY RULES FROM DISK",
    "SAVE MYSQL SERVERS FROM RUNTIME",
    "LOAD ADMIN VARIABLES TO RUN",
    "SELECT * FROM mysql_servers",
    "SELECT hostgroup_id, hostname, port, status FROM runtime_mysql_servers ORDER BY hostgroup_id",
    "INSERT INTO mysql_query_rules (rule_id,active,match_digest,destination_hostgroup,apply) "
    "VALUES (1,1,'^SELECT.*FOR UPDATE',10,1)",
    "INSERT INTO mysql_servers (hostgroup_id, hostname, port) VALUES (20, '127.0.0.1', 13307), "
    "(20, '127.0.0.1', 13308)",
    "REPLACE INTO mysql_users (username, password, default_hostgroup) VALUES ('app', 'app', 10)",
    "SHOW TABLES",
    "SHOW TABLES FROM stats",
    "SHOW DATABASES",
    "SHOW VARIABLES LIKE 'mysql-%'",
    "SHOW CREATE TABLE mysql_users",
    "UPDATE global_variables SET variable_value='2000' WHERE variable_name='mysql-monitor_ping_interval'",
    "SET mysql-max_connections = 4096",
    "UPDATE mysql_servers SET status = 'OFFLINE_SOFT' WHERE port = 13306;",
    "DELETE FROM mysql_query_rules WHERE rule_id IN (1, 2, 3)",
    "BEGIN TRANSACTION",
    "SAVEPOINT a",
    "ROLLBACK TO SAVEPOINT a",
    "COMMIT",
    "select @@version_comment limit 1",
    "SELECT * FROM stats_mysql_query_digest ORDER BY sum_time DESC",
    "SELECT * FROM stats_mysql_connection_pool",
    "SELECT COUNT(*) FROM monitor.mysql_server_ping_log WHERE ping_error IS NOT NULL",
    "/* comment */ select 1 -- tail",
    "SELECT 'a''b', \"c\\\"d\", `mysql_servers`.* FROM `mysql_servers`",
]


def seeds_admin_parser(corpus: Corpus) -> None:
    statements = list(ADMIN_STATEMENTS)
    # Statements the integration tests send to the admin port (f-string templates and assertion messages left out).
    pattern = re.compile(r"\"((?:LOAD|SAVE|INSERT|UPDATE|DELETE|SELECT|SHOW|BEGIN|SET)[^\"]{3,200})\"")
    harvested = set()
    for path in sorted((REPO / "tests" / "integration").glob("*admin*.py")):
        for text in pattern.findall(path.read_text(errors="replace")):
            if "{" in text or text.count("'") % 2 or re.search(r"\b(did|should|is|was|reached|kept|wrote)\b", text):
                continue
            harvested.add(text)
    harvested -= set(statements)
    picked = sorted(harvested)
    step = max(1, -(-len(picked) // 14))
    for text in statements + picked[::step]:
        corpus.add("admin-parser", re.sub(r"[^A-Za-z0-9]+", "-", text)[:40], text.encode())


def seeds_config_file(corpus: Corpus) -> None:
    # The configs in the repository: README's minimal one, quickstart's, the integration tests' and the spec example
    # of JunctionConfigFileTests (shell and Python placeholders filled in with the lab's values).
    readme = (REPO / "README.md").read_text()
    match = re.search(r"A minimal config:\s*```\n(.*?)```", readme, re.S)
    if match:
        corpus.add("config-file", "readme-minimal", match.group(1).encode())
    quickstart = (REPO / "scripts" / "quickstart.sh").read_text()
    match = re.search(r"<<CNF\n(.*?)\nCNF\n", quickstart, re.S)
    if match:
        text = match.group(1).replace("$LAB_DIR", "/tmp/junction-lab").replace("$PORT", "6033")
        text = re.sub(r"\$\(\(PRIMARY_PORT \+ (\d)\)\)", lambda m: str(13306 + int(m.group(1))), text)
        corpus.add("config-file", "quickstart", (text.replace("$PRIMARY_PORT", "13306") + "\n").encode())
    conftest = (REPO / "tests" / "integration" / "conftest.py").read_text()
    match = re.search(r'return f"""(datadir=.*?)"""', conftest, re.S)
    if match:
        values = {"datadir": "/tmp/junction-it", "HOST": HOST, "ADMIN_PORT": "6032", "PROXY_PORT": "6033",
                  "LAB_PORT": "13306", "USER": USER, "PASSWORD": PASSWORD}
        text = re.sub(r"(?<!\{)\{(\w+)\}(?!\})", lambda m: values.get(m.group(1), m.group(0)), match.group(1))
        corpus.add("config-file", "integration-tests", text.replace("{{", "{").replace("}}", "}").encode())
    spec = REPO / "Tests" / "JunctionConfigTests" / "JunctionConfigFileTests.swift"
    if spec.exists():
        match = re.search(r'static let tutorial = """\n(.*?)\n\s*"""', spec.read_text(), re.S)
        if match:
            corpus.add("config-file", "spec-example", (textwrap.dedent(match.group(1)) + "\n").encode())
    # Small snippets, one construct each.
    snippets = {
        "brief": 'datadir="/var/lib/junction"\nadmin_variables={admin_credentials="admin:admin"\n'
                 'mysql_ifaces="0.0.0.0:6032"}\nmysql_servers=({address="127.0.0.1",port=3306,hostgroup=10})\n',
        "scalars": 'a = 1; b : -0x1F, c = 5000000000L\nd = 1.5e-3\ne = TRUE\nf = "x\\"y\\\\z\\n\\x41"\n'
                   'g = "adjacent" " strings"\n*star = 0\nwith-dash_9 = false\n',
        "comments": '# hash\n// slashes\n/* block\n   comment */ datadir = "/d" /* inline */\n',
        "arrays-lists": 'v = [1, 2, 3,]\nl = ( "a", 1, { k = "v" }, ( 2 ) )\ng = { inner = { deep = [ "x" ] } }\n',
        "include": 'datadir = "/d"\n@include "servers.cnf"\ng = {\n@include "part.cnf"\n}\n',
        "users-rules": 'mysql_users = ( { username="u", password="*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19", '
                       'active=1, default_hostgroup=0, default_schema="db", transaction_persistent=1, '
                       'max_connections=100, comment="x" } )\nmysql_query_rules = ( { rule_id=3, active=1, '
                       'match_pattern="^SELECT \\\\d+", replace_pattern="SELECT 1", cache_ttl=1000, apply=1 } )\n',
        "replication-peers": 'mysql_replication_hostgroups = ( { writer_hostgroup=1, reader_hostgroup=2, '
                             'check_type="read_only" } )\nproxysql_servers = ( { hostname="10.0.0.9", port=6032, '
                             'weight=1, comment="peer" } )\nerrorlog = "/var/log/junction.log"\n'
                             'pidfile = "/run/junction.pid"\n',
        "broken": 'mysql_servers = (\n { address="a", hostgroup=1 },\n { address="b", hostgroup=1,\n port="3306" } \n'
                  'mysql_users = { username = }\n"unterminated\n',
    }
    for name, text in snippets.items():
        corpus.add("config-file", name, text.encode())


# --------------------------------------------------------------------------------------------------------------------


def server_up(port: int) -> bool:
    try:
        pymysql.connect(host=HOST, port=port, user=USER, password=PASSWORD, connect_timeout=2).close()
        return True
    except pymysql.MySQLError:
        return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "fuzz" / "corpus", help="corpus directory")
    parser.add_argument("--port", type=int, default=int(os.environ.get("JUNCTION_LAB_PORT", "13306")),
                        help="the lab primary's port")
    parser.add_argument("--mariadb-connector-traffic", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mariadb_connector_traffic:
        return mariadb_connector_traffic(args.mariadb_connector_traffic)

    started_lab = False
    env = dict(os.environ, JUNCTION_LAB_PORT=str(args.port))
    if not server_up(args.port):
        print("capture: the lab is not running; starting it (and stopping it at the end)", file=sys.stderr)
        subprocess.run(["bash", str(REPO / "lab" / "lab.sh"), "start"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        started_lab = True
    relay = RecordingRelay(args.port)
    missing: list[str] = []
    try:
        sql_direct(args.port, SETUP)
        with tempfile.TemporaryDirectory(prefix="junction-capture-") as tmp:
            csv_path = Path(tmp) / "rows.csv"
            csv_path.write_text('1,"one",2024-01-01\n2,two,\\N\n3,"th,ree",2024-12-31\n')
            for driver in (drive_cli, drive_pymysql, drive_deprecate_eof, drive_connector,
                           drive_mariadb_connector):
                # A client library's quirk costs that client's remaining traffic, not the capture.
                try:
                    missing += driver(relay, csv_path) or []
                except Exception as error:  # pylint: disable=broad-except
                    missing.append(f"{driver.__name__} stopped early: {error!r}")
                relay.settle(2.0)
        relay.settle()
    finally:
        relay.close()
        try:
            sql_direct(args.port, CLEANUP)
        finally:
            if started_lab:
                subprocess.run(["bash", str(REPO / "lab" / "lab.sh"), "stop"], env=env, check=False,
                               stdout=subprocess.DEVNULL)

    sessions = [Session(c) for c in relay.connections if c.chunks]
    corpus = Corpus(args.out)
    seeds_packet_framing(corpus, sessions)
    seeds_handshake_response(corpus, sessions)
    missing += seeds_command_payloads(corpus, sessions)
    seeds_server_packets(corpus, sessions)
    seeds_response_tracker(corpus, sessions)
    seeds_client_login(corpus, sessions)
    seeds_sql_text(corpus, sessions)
    seeds_admin_parser(corpus)
    seeds_config_file(corpus)
    corpus.write()

    total = sum(len(d) for files in corpus.seeds.values() for d in files.values())
    print(f"capture: {len(sessions)} connections recorded")
    for target, files in sorted(corpus.seeds.items()):
        print(f"  {target:20} {len(files):3} seeds  {sum(map(len, files.values())):7} bytes")
    print(f"  total {total} bytes in {args.out}")
    for note in missing:
        print(f"capture: {note}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
