"""A slow client makes Junction stop reading the backend; the connection must be healthy afterwards."""

from __future__ import annotations

import time

import pymysql
import pytest
from pymysql.constants import COMMAND


def test_slow_reader_then_pooled_connection_still_answers(clients):
    size = 8 * 1024 * 1024
    slow = clients.pymysql(read_timeout=30)
    # Send the query but do not read: Junction's writes to this client back up.
    slow._execute_command(COMMAND.COM_QUERY, f"SELECT REPEAT('x', {size}) AS big, 'tail' AS t")
    time.sleep(2)
    result = pymysql.connections.MySQLResult(slow)
    result.read()
    slow._result = result
    assert len(result.rows) == 1 and len(result.rows[0][0]) == size and result.rows[0][1] == "tail"
    # The same session, and fresh sessions that borrow pooled connections, are answered promptly.
    cur = slow.cursor()
    cur.execute("SELECT 'same session'")
    assert cur.fetchone() == ("same session",)
    for i in range(12):
        c = clients.pymysql(read_timeout=10)
        k = c.cursor()
        k.execute("SELECT %s", (i,))
        assert k.fetchone() == (i,)
        c.close()


@pytest.mark.parametrize("rows", [20000])
def test_slow_unbuffered_reader_gets_every_row(clients, rows):
    c = clients.pymysql(cursorclass=pymysql.cursors.SSCursor, read_timeout=60)
    cur = c.cursor()
    cur.execute(f"SELECT seq, REPEAT('y', 500) FROM seq_1_to_{rows}")
    first = cur.fetchone()
    time.sleep(1.5)  # Junction must pause the backend, not buffer everything or drop anything
    count = 1 + sum(1 for _ in cur)
    assert first[0] == 1 and count == rows
    cur.close()
    k = c.cursor(pymysql.cursors.Cursor)
    k.execute("SELECT 'after'")
    assert k.fetchone() == ("after",)
