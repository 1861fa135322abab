"""Logins through Junction: right and wrong credentials."""

import mysql.connector
import pymysql
import pytest

from conftest import DIRECT, HOST, PASSWORD, USER


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
