"""Logins through Junction: right and wrong credentials."""

import socket
import time

import mysql.connector
import pymysql
import pytest

from admin_helpers import Admin
from conftest import ADMIN_PORT, DIRECT, HOST, PASSWORD, USER


def _login_error(target, user, password, **kw):
    with pytest.raises(pymysql.err.OperationalError) as info:
        pymysql.connect(host=target.host, port=target.port, user=user, password=password,
                        connect_timeout=10, **kw)
    return info.value


def test_login_and_identity(clients):
    c = clients.pymysql()
    cur = c.cursor()
    cur.execute("SELECT USER(), CURRENT_USER()")
    user, current = cur.fetchone()
    assert user.startswith("app@")
    assert current.startswith("app@")


def test_wrong_password(proxy):
    e = _login_error(proxy, USER, "wrong")
    assert e.args[0] == 1045
    assert e.args[1].endswith(f"Access denied for user '{USER}'@'{HOST}' (using password: YES)")


def test_empty_password(proxy):
    e = _login_error(proxy, USER, "")
    assert e.args[0] == 1045
    assert "(using password: NO)" in e.args[1]


def test_unknown_user(proxy):
    e = _login_error(proxy, "no_such_user_xyz", "whatever")
    # MariaDB itself answers an unknown account with 1698 (ER_ACCESS_DENIED_NO_PASSWORD_ERROR,
    # no "(using password: ...)" suffix); a proxy that checks its own user list answers 1045.
    if DIRECT:
        assert e.args[0] in (1045, 1698)
    else:
        assert e.args[0] == 1045
    assert "Access denied for user 'no_such_user_xyz'" in e.args[1]


def test_wrong_password_sqlstate(proxy):
    with pytest.raises(mysql.connector.Error) as info:
        mysql.connector.connect(host=proxy.host, port=proxy.port, user=USER, password="wrong",
                                use_pure=True, connection_timeout=10)
    assert (info.value.errno, info.value.sqlstate) == (1045, "28000")


def test_many_failed_logins_do_not_block_good_ones(proxy):
    for _ in range(20):
        _login_error(proxy, USER, "wrong")
    c = pymysql.connect(host=proxy.host, port=proxy.port, user=USER, password=PASSWORD, connect_timeout=10)
    with c.cursor() as cur:
        cur.execute("SELECT 1")
        assert cur.fetchone() == (1,)
    c.close()


def test_login_with_unknown_default_database(proxy):
    """MariaDB refuses the login; a proxy that authenticates clients itself may accept it and
    report the unknown database on the first statement instead. Either way the user sees 1049."""
    try:
        c = pymysql.connect(host=proxy.host, port=proxy.port, user=USER, password=PASSWORD,
                            database="no_such_db_xyz", connect_timeout=10)
    except pymysql.err.OperationalError as e:
        assert e.args == (1049, "Unknown database 'no_such_db_xyz'")
        return
    try:
        assert not proxy.direct, "MariaDB accepted a login into an unknown database"
        with pytest.raises(pymysql.err.OperationalError) as info:
            with c.cursor() as cur:
                cur.execute("SELECT 1")
        assert info.value.args == (1049, "Unknown database 'no_such_db_xyz'")
    finally:
        try:
            c.close()
        except pymysql.err.Error:
            pass


@pytest.mark.skipif(DIRECT, reason="mysql-connect_timeout_client is Junction's")
def test_a_client_that_never_logs_in_is_disconnected_after_connect_timeout_client(proxy):
    """A client that opens a connection and sends nothing (a port scanner, a stuck driver) is closed after
    mysql-connect_timeout_client, on the client port and on the admin port; a client that logged in meanwhile
    keeps its connection."""
    with Admin(ADMIN_PORT) as a:
        before = a.variable("mysql-connect_timeout_client")
        a.run("SET mysql-connect_timeout_client = 1000")
        a.run("LOAD MYSQL VARIABLES TO RUNTIME")
        try:
            logged_in = pymysql.connect(host=proxy.host, port=proxy.port, user=USER, password=PASSWORD)
            silent = socket.create_connection((proxy.host, proxy.port), timeout=10)
            started = time.monotonic()
            greeting = silent.recv(4096)
            assert greeting, "Junction sends its handshake first"
            assert silent.recv(4096) == b"", "a client that never answers the handshake is disconnected"
            waited = time.monotonic() - started
            assert 0.5 < waited < 5, f"closed after {waited:.2f}s with mysql-connect_timeout_client=1000"
            silent.close()
            silent_admin = socket.create_connection((proxy.host, ADMIN_PORT), timeout=10)
            assert silent_admin.recv(4096), "the admin sends its handshake first"
            assert silent_admin.recv(4096) == b"", "the admin disconnects a client that never logs in"
            silent_admin.close()
            with logged_in.cursor() as cur:
                cur.execute("SELECT 1")
                assert cur.fetchone() == (1,), "a logged-in client outlives the login deadline"
            logged_in.close()
        finally:
            a.run(f"SET mysql-connect_timeout_client = {before}")
            a.run("LOAD MYSQL VARIABLES TO RUNTIME")


@pytest.mark.skipif(DIRECT, reason="about Junction's ports")
@pytest.mark.parametrize("port", ["client", "admin"])
def test_a_login_packet_announcing_megabytes_is_refused_before_its_bytes(proxy, port):
    """Before a login completes no packet may exceed 1 MiB: a header announcing 16 MiB is answered at once with
    ERR 1153 and the connection closed, without Junction waiting for (or buffering) the bytes."""
    target = proxy.port if port == "client" else ADMIN_PORT
    with socket.create_connection((proxy.host, target), timeout=10) as s:
        assert s.recv(4096), "a greeting first"
        s.sendall(b"\xff\xff\xff\x01" + b"x" * 1000)
        reply = b""
        while chunk := s.recv(4096):
            reply += chunk
        assert reply[4] == 0xFF and int.from_bytes(reply[5:7], "little") == 1153, reply[:80]
    # Logins go on.
    c = pymysql.connect(host=proxy.host, port=proxy.port, user=USER, password=PASSWORD)
    c.close()
