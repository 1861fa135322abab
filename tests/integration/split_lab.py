"""Shared by the tests that run a Junction in front of the whole lab (writer hostgroup 10 = the primary, reader
hostgroup 20 = both replicas): direct connections behind Junction's back, tables made on the primary and waited
for on the replicas, client connections closed after each test, and small query helpers."""

from __future__ import annotations

import pymysql

from conftest import HOST, LAB_PORT, uniq, wait_until
from admin_helpers import proxy_login

PRIMARY, REPLICA1, REPLICA2 = LAB_PORT, LAB_PORT + 1, LAB_PORT + 2
WRITER, READER = 10, 20
PRIMARY_ID = 1
REPLICA_IDS = {2, 3}
SCHEMA = "sbtest"


def direct(port: int = PRIMARY) -> pymysql.connections.Connection:
    """A direct connection to a lab server (the primary unless told otherwise), behind Junction's back."""
    return pymysql.connect(host=HOST, port=port, user="app", password="app", autocommit=True, connect_timeout=10,
                           read_timeout=60)


def direct_value(port: int, sql: str):
    """One value read directly from a lab server; None while the table is not there."""
    c = direct(port)
    try:
        with c.cursor() as cur:
            cur.execute(sql)
            row = cur.fetchone()
            return None if row is None else row[0]
    except pymysql.err.ProgrammingError:
        return None
    finally:
        c.close()


def on_primary(sql: str):
    c = direct()
    try:
        with c.cursor() as cur:
            cur.execute(sql)
    finally:
        c.close()


def count_rows(port: int, table: str) -> int | None:
    return direct_value(port, f"SELECT COUNT(*) FROM {SCHEMA}.{table}")


def wait_replicated_value(sql: str, expected):
    """Waits until `sql` (one value) returns `expected` on both replicas."""
    for port in (REPLICA1, REPLICA2):
        wait_until(lambda: direct_value(port, sql) == expected, timeout=60, interval=0.05,
                   what=f"{sql!r} = {expected!r} on the replica {port}")


def wait_replicated(table: str, count: int):
    """Waits until `table` has `count` rows on both replicas."""
    wait_replicated_value(f"SELECT COUNT(*) FROM {SCHEMA}.{table}", count)


def q(conn, sql: str, args=None) -> list[tuple]:
    with conn.cursor() as cur:
        cur.execute(sql, args)
        return list(cur.fetchall()) if cur.description else []


def one(conn, sql: str):
    rows = q(conn, sql)
    assert len(rows) == 1 and len(rows[0]) == 1, f"{sql!r} returned {rows!r}"
    return rows[0][0]


def sql_error(conn, sql: str) -> tuple[int, str]:
    try:
        q(conn, sql)
    except pymysql.err.MySQLError as e:
        return e.args[0], e.args[1] if len(e.args) > 1 else ""
    raise AssertionError(f"{sql!r} succeeded; an error was expected")


def sqlquote(s: str) -> str:
    """A string literal for the admin (SQLite syntax: a backslash is an ordinary character)."""
    return "'" + s.replace("'", "''") + "'"


class ClientConnections:
    """Client connections (PyMySQL) through Junction, schema sbtest unless told otherwise; all closed at the end."""

    def __init__(self, port: int):
        self.port = port
        self.opened: list = []

    def __call__(self, port: int | None = None, user: str = "app", password: str = "app",
                 database: str | None = SCHEMA, **kw):
        if database is not None:
            kw["database"] = database
        c = proxy_login(port or self.port, user, password, **kw)
        self.opened.append(c)
        return c

    def close_all(self):
        for c in self.opened:
            try:
                c.close()
            except Exception:
                pass


class LabTables:
    """Tables made in sbtest on the primary (directly) and waited for on both replicas; dropped at the end."""

    def __init__(self, prefix: str):
        self.prefix = prefix
        self.names: list[str] = []

    def __call__(self, ddl_columns: str = "id INT PRIMARY KEY, k INT NOT NULL DEFAULT 0",
                 rows: list[tuple] | None = None) -> str:
        name = uniq(self.prefix)
        self.names.append(name)
        c = direct()
        with c.cursor() as cur:
            cur.execute(f"CREATE TABLE {SCHEMA}.{name} ({ddl_columns})")
            for r in rows or []:
                cur.execute(f"INSERT INTO {SCHEMA}.{name} VALUES ({', '.join(['%s'] * len(r))})", r)
        c.close()
        wait_replicated(name, len(rows or []))
        return name

    def drop_all(self):
        if not self.names:
            return
        c = direct()
        with c.cursor() as cur:
            cur.execute("SET SESSION lock_wait_timeout = 5")
            for n in self.names:
                try:
                    cur.execute(f"DROP TABLE IF EXISTS {SCHEMA}.{n}")
                except pymysql.err.OperationalError as e:
                    print(f"could not drop {n}: {e}")
        c.close()
