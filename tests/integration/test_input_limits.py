"""Hostile volumes from a logged-in client stay bounded: pipelined commands behind a slow one stop being read
(not buffered without end), and prepared-statement long data past mysql-max_allowed_packet fails the
execute with the server's error instead of growing Junction's memory."""

from __future__ import annotations

import io
import struct
import threading

import mysql.connector
import pytest

from admin_helpers import own_junction
from conftest import DIRECT, HOST, uniq

pytestmark = [pytest.mark.skipif(DIRECT, reason="about Junction's own limits"), pytest.mark.proxy_only]

ADMIN_PORT = 17162
PROXY_PORT = 17163
LIMIT = 1 << 20  # mysql-max_allowed_packet of this test's Junction


@pytest.fixture
def junction(tmp_path, lab):
    j = next(gen := own_junction(tmp_path, ADMIN_PORT, PROXY_PORT))
    j.write_config(mysql_variables=f"max_allowed_packet={LIMIT}")
    j.start()
    yield j
    next(gen, None)


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def packet(payload: bytes, sequence_id: int = 0) -> bytes:
    return struct.pack("<I", len(payload))[:3] + bytes([sequence_id]) + payload


def test_pipelined_commands_behind_a_slow_one_are_not_buffered_without_bound(junction):
    import pymysql

    c = pymysql.connect(host=HOST, port=PROXY_PORT, user="app", password="app", autocommit=True, read_timeout=60)
    pid = junction.proc.pid
    # Warm up the session's backend and Junction's buffers, then take the baseline.
    with c.cursor() as cur:
        cur.execute("SELECT REPEAT('w', 100000)")
        cur.fetchall()
    baseline = rss_bytes(pid)
    statement = b"\x03DO 1 /*" + b"p" * (64 * 1024) + b"*/"
    count = 1200  # about 77 MiB sent while the SLEEP runs
    sock = c._sock
    sock.sendall(packet(b"\x03SELECT SLEEP(4)"))
    sent = threading.Event()
    sender_error: list[BaseException] = []

    def send():
        try:
            for _ in range(count):
                sock.sendall(packet(statement))
        except BaseException as e:  # reported by the main thread
            sender_error.append(e)
        finally:
            sent.set()

    threading.Thread(target=send, daemon=True).start()
    sent.wait(3)
    during = rss_bytes(pid)
    # The SLEEP's result, then one OK per pipelined DO: every command is answered, in order.
    # (Each response starts at sequence id 1: the packets were written past PyMySQL's own counter.)
    c._next_seq_id = 1
    result = pymysql.connections.MySQLResult(c)
    result.read()
    assert result.rows == ((0,),)
    for _ in range(count):
        c._next_seq_id = 1
        assert c._read_packet().is_ok_packet()
    assert sent.wait(30) and not sender_error, sender_error
    # Junction held at most its pause threshold (4 MiB) plus buffers, never the ~77 MiB the client pushed.
    assert during - baseline < 32 << 20, f"RSS grew by {(during - baseline) >> 20} MiB while the client pipelined"
    with c.cursor() as cur:
        cur.execute("SELECT 'after'")
        assert cur.fetchone() == ("after",)
    c.close()


def connector(**kw):
    return mysql.connector.connect(host=HOST, port=PROXY_PORT, user="app", password="app", use_pure=True,
                                   connection_timeout=10, **kw)


def test_long_data_past_max_allowed_packet_fails_the_execute_and_the_session_goes_on(junction):
    c = connector()
    cur = c.cursor(prepared=True)
    too_big = b"z" * (LIMIT + 200_000)
    with pytest.raises(mysql.connector.errors.DatabaseError) as refused:
        cur.execute("SELECT LENGTH(?)", (io.BytesIO(too_big),))
    assert refused.value.errno == 1153, refused.value
    assert "max_allowed_packet" in refused.value.msg
    # The same statement with data under the limit runs, on the same connection.
    fits = b"y" * (LIMIT // 2)
    cur.execute("SELECT LENGTH(?)", (io.BytesIO(fits),))
    assert cur.fetchone() == (len(fits),)
    plain = c.cursor()
    plain.execute("SELECT %s", (uniq("after"),))
    assert plain.fetchone()[0].startswith("after")
    c.close()
