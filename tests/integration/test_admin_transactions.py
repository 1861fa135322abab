"""Statements that would leave a transaction open on the admin's SQLite (issue: `BEGIN TRANSACTION` on port 6032
used to stop the whole proxy). Each is refused with a clear error and rolled back; the proxy keeps serving on
6033 and the admin keeps answering. A transaction that opens and closes in one statement text works.
"""

from __future__ import annotations

import socket
import struct

import pytest

from admin_helpers import Admin, cli
from conftest import ADMIN_PORT, DIRECT, HOST, PROXY_PORT

pytestmark = [pytest.mark.skipif(DIRECT, reason="about Junction's admin interface"), pytest.mark.proxy_only]

LEFT_OPEN = "a transaction must end in the statement text that opens it"


@pytest.fixture
def admin(proxy):
    a = Admin(ADMIN_PORT)
    yield a
    a.close()


def assert_proxy_serves(clients):
    c = clients.pymysql()
    with c.cursor() as cur:
        cur.execute("SELECT 1 + 1")
        assert cur.fetchall() == ((2,),)
    c.close()


@pytest.mark.parametrize("statement", [
    "BEGIN TRANSACTION", "BEGIN IMMEDIATE", "BEGIN EXCLUSIVE", "BEGIN DEFERRED TRANSACTION", "SAVEPOINT a",
    "BEGIN TRANSACTION; INSERT INTO mysql_query_rules (rule_id, active) VALUES (9901, 0)",
])
def test_statement_leaving_a_transaction_open_is_refused(admin, clients, statement):
    code, message = admin.error(statement)
    assert code == 1235 and LEFT_OPEN in message, (code, message)
    # rolled back: nothing of it is visible, and the admin is usable (no transaction left around)
    assert admin.rows("SELECT count(*) FROM mysql_query_rules WHERE rule_id = 9901") == [("0",)]
    assert admin.run("BEGIN TRANSACTION; SELECT 1; COMMIT") is not None
    assert_proxy_serves(clients)


def test_the_cli_typing_begin_transaction_keeps_the_proxy_up(proxy, clients):
    result = cli(ADMIN_PORT, "-e", "BEGIN TRANSACTION")
    assert result.returncode != 0 and LEFT_OPEN in result.stderr, result.stderr
    assert_proxy_serves(clients)
    assert cli(ADMIN_PORT, "-N", "-e", "select 7").stdout.strip() == "7"


def test_a_transaction_within_one_statement_text_commits_or_rolls_back(admin):
    try:
        admin.run("BEGIN; INSERT INTO mysql_query_rules (rule_id, active) VALUES (9902, 0); COMMIT")
        assert admin.rows("SELECT count(*) FROM mysql_query_rules WHERE rule_id = 9902") == [("1",)]
        admin.run("BEGIN; DELETE FROM mysql_query_rules WHERE rule_id = 9902; ROLLBACK")
        assert admin.rows("SELECT count(*) FROM mysql_query_rules WHERE rule_id = 9902") == [("1",)]
    finally:
        admin.run("DELETE FROM mysql_query_rules WHERE rule_id = 9902")


def test_plain_begin_commit_rollback_are_accepted_as_drivers_send_them(admin):
    for statement in ("BEGIN", "START TRANSACTION", "COMMIT", "ROLLBACK"):
        admin.run(statement)


def _raw_query(port: int, payload: bytes) -> bytes:
    """Logs in as admin with mysql_native_password and sends one COM_QUERY payload; returns the reply's payload."""
    import hashlib

    s = socket.create_connection((HOST, port), timeout=5)

    def read_packet() -> bytes:
        header = _recv(s, 4)
        return _recv(s, header[0] | header[1] << 8 | header[2] << 16)

    greeting = read_packet()
    version_end = greeting.index(b"\0", 1)
    pos = version_end + 1 + 4
    salt = greeting[pos:pos + 8]
    pos += 8 + 1 + 2 + 1 + 2 + 2 + 1 + 10
    salt += greeting[pos:pos + 12]
    stage1 = hashlib.sha1(b"admin").digest()
    scramble = bytes(a ^ b for a, b in zip(stage1, hashlib.sha1(salt + hashlib.sha1(stage1).digest()).digest()))
    caps = 0x00000200 | 0x00008000 | 0x00080000 | 0x00000001
    body = struct.pack("<IIB23x", caps, 1 << 24, 33) + b"admin\0" + bytes([len(scramble)]) + scramble
    body += b"mysql_native_password\0"
    s.sendall(struct.pack("<I", len(body))[:3] + b"\x01" + body)
    assert read_packet()[0] == 0x00, "admin login failed"
    s.sendall(struct.pack("<I", len(payload) + 1)[:3] + b"\x00" + b"\x03" + payload)
    reply = read_packet()
    s.close()
    return reply


def _recv(s: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        assert chunk, "connection closed"
        data += chunk
    return data


def test_begin_followed_by_a_nul_byte_is_refused(admin, clients):
    reply = _raw_query(ADMIN_PORT, b"begin\0")
    # OK (plain BEGIN is accepted) or the clear refusal: either way no transaction is left and the proxy serves
    assert reply[0] in (0x00, 0xFF), reply
    if reply[0] == 0xFF:
        assert LEFT_OPEN.encode() in reply, reply
    assert admin.rows("SELECT 1") == [("1",)]
    assert_proxy_serves(clients)
