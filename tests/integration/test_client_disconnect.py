"""A client that goes away in the middle of a large result must not disturb later clients."""

import hashlib
import socket
import struct
import uuid

import pymysql
import pytest

from conftest import direct_primary_conn, wait_until


def _abandon_big_result(clients, marker: str, rows_read: int, reset: bool = True):
    """Starts a ~45 MB result, reads a few rows and drops the connection without COM_QUIT.
    reset=True closes with a TCP reset (a killed process with unread data); reset=False only
    half-closes (FIN) and keeps the descriptor, like a client stuck after shutdown()."""
    c = clients.pymysql(cursorclass=pymysql.cursors.SSCursor)
    cur = c.cursor()
    cur.execute(f"SELECT seq, REPEAT('x', 200), '{marker}' FROM seq_1_to_200000")
    for _ in range(rows_read):
        assert cur.fetchone() is not None
    # PyMySQL reads through a file object on the socket: the descriptor is only closed once
    # both are closed. Detach them from the driver so that it does not try to finish the result.
    sock, rfile = c._sock, c._rfile
    c._sock = c._rfile = None
    _forget_result(c, cur)
    if reset:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        rfile.close()
        sock.close()
        return None
    sock.shutdown(socket.SHUT_RDWR)
    return sock, rfile


def _forget_result(conn, cur):
    """Keeps PyMySQL from reading the rest of an abandoned unbuffered result when collected."""
    if cur._result is not None:
        cur._result.unbuffered_active = False
    conn._result = cur._result = None


def _query_running(marker: str) -> bool:
    c = direct_primary_conn()
    try:
        with c.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM information_schema.PROCESSLIST "
                        "WHERE ID <> CONNECTION_ID() AND INFO LIKE %s", (f"SELECT seq, REPEAT('x', 200), '{marker}'%",))
            return cur.fetchone()[0] > 0
    finally:
        c.close()


@pytest.mark.timeout(120)
def test_clients_after_an_abandoned_result_get_correct_results(clients):
    markers = []
    for i in range(5):
        marker = f"abandon-{uuid.uuid4().hex}"
        markers.append(marker)
        _abandon_big_result(clients, marker, rows_read=[1, 10, 1000, 5000, 0][i])

    # 50 queries from fresh clients return exactly their own results.
    expected_digest = hashlib.sha256("".join(f"{n}:r{n};" for n in range(1, 1001)).encode()).hexdigest()
    done = 0
    for n in range(10):
        c = clients.pymysql()
        with c.cursor() as cur:
            for k in range(5):
                if k == 4:
                    cur.execute("SELECT seq, CONCAT('r', seq) FROM seq_1_to_1000")
                    rows = cur.fetchall()
                    digest = hashlib.sha256("".join(f"{a}:{b};" for a, b in rows).encode()).hexdigest()
                    assert digest == expected_digest, f"client {n}"
                else:
                    cur.execute(f"SELECT {n}, {k}, REPEAT('y', {n * 10 + k})")
                    assert cur.fetchone() == (n, k, "y" * (n * 10 + k)), f"client {n} query {k}"
                done += 1
    assert done == 50

    # The abandoned queries do not run on forever on the server.
    for marker in markers:
        wait_until(lambda m=marker: not _query_running(m), timeout=30,
                   what=f"the abandoned query {marker} to end on the server")


@pytest.mark.timeout(120)
def test_quit_in_the_middle_of_a_result(clients):
    """COM_QUIT with an unread result (a polite client) is handled the same way."""
    for _ in range(3):
        c = clients.pymysql(cursorclass=pymysql.cursors.SSCursor)
        cur = c.cursor()
        cur.execute("SELECT seq, REPEAT('z', 100) FROM seq_1_to_200000")
        cur.fetchone()
        try:
            c.close()
        except pymysql.err.Error:
            pass
        _forget_result(c, cur)
    c = clients.pymysql()
    with c.cursor() as cur:
        cur.execute("SELECT COUNT(*), SUM(seq) FROM seq_1_to_1000")
        assert cur.fetchone() == (1000, 500500)


@pytest.mark.proxy_only
@pytest.mark.timeout(120)
def test_half_closed_client_frees_its_backend(clients):
    """A client that sends FIN mid-result: Junction notices the end of its input and stops the
    backend query (MariaDB itself would wait for net_write_timeout, 60 s, in "Writing to net")."""
    marker = f"halfclose-{uuid.uuid4().hex}"
    kept = _abandon_big_result(clients, marker, rows_read=10, reset=False)
    try:
        wait_until(lambda: not _query_running(marker), timeout=30,
                   what=f"the half-closed client's query {marker} to end on the server")
        c = clients.pymysql()
        with c.cursor() as cur:
            cur.execute("SELECT 'fine'")
            assert cur.fetchone() == ("fine",)
    finally:
        sock, rfile = kept
        rfile.close()
        sock.close()
