"""Less common protocol commands: COM_FIELD_LIST, COM_STMT_SEND_LONG_DATA, cursors with
COM_STMT_FETCH, COM_STMT_RESET — each answered as the server would."""

from __future__ import annotations

import hashlib
import io

from pymysql.constants import COMMAND
from pymysql.protocol import FieldDescriptorPacket


def test_field_list(clients, table):
    t = table("fl")
    c = clients.pymysql()
    cur = c.cursor()
    cur.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY, name VARCHAR(20), note TEXT)")
    c._execute_command(COMMAND.COM_FIELD_LIST, t + "\0")
    names = []
    while True:
        packet = c._read_packet()
        if packet.is_eof_packet():
            break
        names.append(FieldDescriptorPacket(packet.get_all_data(), c.encoding).name)
    assert names == ["id", "name", "note"]
    cur.execute("SELECT 'after'")
    assert cur.fetchone() == ("after",)


def test_long_data_parameters(clients):
    c = clients.connector()
    cur = c.cursor(prepared=True)
    data = bytes(range(256)) * 4096
    # File-like parameters go as COM_STMT_SEND_LONG_DATA chunks before the execute.
    cur.execute("SELECT LENGTH(?), SHA2(?, 256)", (io.BytesIO(data), io.BytesIO(data)))
    assert cur.fetchone() == (len(data), hashlib.sha256(data).hexdigest())
    cur.execute("SELECT LENGTH(?)", (io.BytesIO(b"abc"),))
    assert cur.fetchone() == (3,)


def test_cursor_fetch_and_reset(clients, hammer):
    c = clients.connector()
    statement = c.cmd_stmt_prepare(b"SELECT seq FROM seq_1_to_10")
    sid = statement["statement_id"]
    _, columns, _ = c.cmd_stmt_execute(sid, flags=1)  # CURSOR_TYPE_READ_ONLY
    got = []
    for _ in range(3):
        c.cmd_stmt_fetch(sid, 4)
        rows, _ = c.get_rows(binary=True, columns=columns)
        got.extend(r[0] for r in rows)
    assert got == list(range(1, 11))
    c.cmd_stmt_reset(sid)
    c.cmd_stmt_close(sid)
    cur = c.cursor()
    cur.execute("SELECT 'after'")
    assert cur.fetchall() == [("after",)]
