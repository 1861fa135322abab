"""Junction's clients as their users run them: each Python driver at its default settings behind one small interface
(connect, execute, fetch, commit, rollback), so that a test of the read/write split is written once and runs through
every driver. Used by test_split_drivers.py.

The drivers, as `DRIVERS` lists them:
  - PyMySQL at its default autocommit=False, and with autocommit=True;
  - mysql-connector-python at its defaults (autocommit off), with plain cursors and with `cursor(prepared=True)`
    (server-side prepared statements: the binary protocol);
  - MariaDB Connector/Python (`mariadb`, autocommit off by default);
  - SQLAlchemy's ORM `Session` over the pymysql dialect at its defaults (a pooled PyMySQL connection, autocommit
    off): a mapped class per table, reads and writes through it.

Nothing is changed from the defaults but where to connect (host, port, user, password, schema), and `autocommit`
where a test asks for the other setting through the driver's own API. No driver timeout is set either: a call that
could hang runs through `within()`, which gives up waiting after a bound and says what hung.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

import mariadb
import mysql.connector
import mysql.connector.errors
import pymysql
import sqlalchemy
import sqlalchemy.exc
from sqlalchemy import Column, Integer, MetaData, Table, func, select, text
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import registry

HOST = "127.0.0.1"


# ---------------------------------------------------------------- errors


def unwrap(exc: BaseException) -> BaseException:
    """The driver's own exception (SQLAlchemy wraps PyMySQL's in a DBAPIError)."""
    if isinstance(exc, sqlalchemy.exc.DBAPIError) and exc.orig is not None:
        return exc.orig
    return exc


def error_code(exc: BaseException) -> int | None:
    """The MySQL error number a driver's exception carries, or None (not a server error, or none given)."""
    e = unwrap(exc)
    if isinstance(e, pymysql.err.MySQLError):
        return e.args[0] if e.args and isinstance(e.args[0], int) and e.args[0] > 0 else None
    if isinstance(e, mysql.connector.errors.Error):
        return e.errno if isinstance(e.errno, int) and e.errno > 0 else None
    if isinstance(e, mariadb.Error):
        errno = getattr(e, "errno", None)
        return errno if isinstance(errno, int) and errno > 0 else None
    return None


def error_message(exc: BaseException) -> str:
    e = unwrap(exc)
    if isinstance(e, pymysql.err.MySQLError) and len(e.args) > 1:
        return str(e.args[1])
    if isinstance(e, mysql.connector.errors.Error):
        return str(e.msg)
    return str(e)


def describe(exc: BaseException) -> str:
    """`OperationalError 1290: The MariaDB server is running with the --read-only option ...`"""
    e = unwrap(exc)
    code = error_code(e)
    return f"{type(e).__module__.split('.')[0]}.{type(e).__name__} {code if code is not None else '(no code)'}: " \
           f"{error_message(e)[:300]}"


DRIVER_ERRORS: tuple[type[BaseException], ...] = (pymysql.err.Error, mysql.connector.errors.Error, mariadb.Error,
                                                   sqlalchemy.exc.DBAPIError)
_CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    pymysql.err.OperationalError, pymysql.err.InterfaceError,
    mysql.connector.errors.OperationalError, mysql.connector.errors.InterfaceError,
    mariadb.OperationalError, mariadb.InterfaceError,
)


def is_connection_error(exc: BaseException) -> bool:
    """What a driver raises on a connection the server closed: an OperationalError or InterfaceError."""
    return isinstance(unwrap(exc), _CONNECTION_ERRORS)


# ---------------------------------------------------------------- bounded calls


class Hung(AssertionError):
    """A call that had not returned when `within()` stopped waiting for it."""


def within(seconds: float, fn: Callable[[], Any], what: str) -> Any:
    """Runs fn() in a thread and returns its value or raises its exception; raises Hung if it has not returned after
    `seconds` (the thread is left to finish on its own: it is a daemon, and its connection is closed later)."""
    box: dict[str, Any] = {}

    def run():
        try:
            box["value"] = fn()
        except BaseException as e:  # noqa: BLE001 - handed to the caller
            box["error"] = e

    t = threading.Thread(target=run, daemon=True, name=f"within: {what[:40]}")
    t.start()
    t.join(seconds)
    if t.is_alive():
        raise Hung(f"{what} had not returned after {seconds:g} s")
    if "error" in box:
        raise box["error"]
    return box.get("value")


def timed(seconds: float, fn: Callable[[], Any], what: str) -> tuple[Any, BaseException | None, float]:
    """`within()`, but returns (value, the exception raised or None, seconds it took); Hung is raised as usual."""
    start = time.monotonic()
    try:
        return within(seconds, fn, what), None, time.monotonic() - start
    except Hung:
        raise
    except BaseException as e:  # noqa: BLE001 - returned to the caller
        return None, e, time.monotonic() - start


# ---------------------------------------------------------------- one client connection


class DriverSession:
    """One client connection of one driver. `execute` runs a statement and keeps its rows for `fetch`.
    `autocommit` is the setting the application chose (every driver here defaults to off); it is never asked of the
    server (mysql-connector's `conn.autocommit` property would run `SELECT @@session.autocommit`)."""

    driver: "Driver"
    autocommit: bool

    def __init__(self, driver: "Driver", autocommit: bool):
        self.driver = driver
        self.autocommit = autocommit
        self._rows: list[tuple] = []
        self.lastrowid: int | None = None

    # -- the interface the tests use
    def execute(self, sql: str) -> None:
        raise NotImplementedError

    def fetch(self) -> list[tuple]:
        return self._rows

    def query(self, sql: str) -> list[tuple]:
        self.execute(sql)
        return self.fetch()

    def value(self, sql: str):
        rows = self.query(sql)
        assert len(rows) == 1 and len(rows[0]) == 1, f"{self.driver.label}: {sql!r} returned {rows!r}"
        return rows[0][0]

    def begin(self) -> None:
        """Starts a transaction as the driver's users do: nothing with autocommit off (the first statement begins
        one), the driver's own begin call with autocommit on."""

    def commit(self) -> None:
        raise NotImplementedError

    def rollback(self) -> None:
        raise NotImplementedError

    def handshake_id(self) -> int:
        """The connection id the client got in the server greeting (what `KILL <id>` names)."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    # -- rows of the tests' tables (id INT PRIMARY KEY [AUTO_INCREMENT], k INT): SQL here, the ORM in OrmSession
    def count(self, table: str) -> int:
        return int(self.value(f"SELECT COUNT(*) FROM {table}"))

    def insert(self, table: str, k: int, id: int | None = None) -> int | None:
        """Inserts one row; returns the id the driver reports (cursor.lastrowid: the OK packet's insert id)."""
        if id is None:
            self.execute(f"INSERT INTO {table} (k) VALUES ({int(k)})")
        else:
            self.execute(f"INSERT INTO {table} (id, k) VALUES ({int(id)}, {int(k)})")
        return self.lastrowid


class DBAPISession(DriverSession):
    """The DB-API drivers: begin, commit and rollback are the connection's own calls."""

    def begin(self):
        if self.autocommit:
            self.conn.begin()

    def commit(self):
        self.conn.commit()

    def rollback(self):
        self.conn.rollback()


class PyMySQLSession(DBAPISession):
    def __init__(self, driver, port, user, password, database, autocommit):
        kw = {} if autocommit is None else {"autocommit": autocommit}
        self.conn = pymysql.connect(host=HOST, port=port, user=user, password=password, database=database, **kw)
        super().__init__(driver, bool(autocommit))

    def execute(self, sql):
        self._rows = []
        with self.conn.cursor() as cur:
            cur.execute(sql)
            self._rows = [tuple(r) for r in cur.fetchall()] if cur.description else []
            self.lastrowid = cur.lastrowid

    def handshake_id(self):
        return self.conn.thread_id()

    def close(self):
        self.conn.close()


class ConnectorSession(DBAPISession):
    def __init__(self, driver, port, user, password, database, autocommit, prepared: bool):
        kw = {} if autocommit is None else {"autocommit": autocommit}
        self.conn = mysql.connector.connect(host=HOST, port=port, user=user, password=password, database=database,
                                            **kw)
        # One cursor for the connection's life, as applications use it: `conn.cursor()` pings the server first
        # (is_connected()), and a COM_PING between an UPDATE and `SELECT ROW_COUNT()` resets the count even on a
        # direct connection.
        self.cur = self.conn.cursor(prepared=True) if prepared else self.conn.cursor()
        super().__init__(driver, bool(autocommit))

    def execute(self, sql):
        self._rows = []
        self.cur.execute(sql)
        self._rows = [tuple(r) for r in self.cur.fetchall()] if self.cur.with_rows else []
        self.lastrowid = self.cur.lastrowid

    def begin(self):
        if self.autocommit:
            self.conn.start_transaction()

    def handshake_id(self):
        return self.conn.connection_id

    def close(self):
        self.conn.close()


class MariaDBSession(DBAPISession):
    def __init__(self, driver, port, user, password, database, autocommit):
        kw = {} if autocommit is None else {"autocommit": autocommit}
        self.conn = mariadb.connect(host=HOST, port=port, user=user, password=password, database=database, **kw)
        super().__init__(driver, bool(autocommit))

    def execute(self, sql):
        self._rows = []
        cur = self.conn.cursor()
        try:
            cur.execute(sql)
            self._rows = [tuple(r) for r in cur.fetchall()] if cur.description else []
            self.lastrowid = cur.lastrowid
        finally:
            try:
                cur.close()
            except Exception:  # noqa: BLE001
                pass

    def handshake_id(self):
        return self.conn.connection_id

    def close(self):
        self.conn.close()


# The ORM's mapped classes, one per table of the tests (columns id, k); made on first use.
_orm_registry = registry(metadata=MetaData())
_orm_models: dict[str, type] = {}
_orm_lock = threading.Lock()


def orm_model(table: str, autoincrement: bool) -> type:
    with _orm_lock:
        model = _orm_models.get(table)
        if model is None:
            t = Table(table, _orm_registry.metadata,
                      Column("id", Integer, primary_key=True, autoincrement=autoincrement),
                      Column("k", Integer, nullable=False))
            model = type(f"Row_{table}", (), {"__repr__": lambda self: f"<{table} id={self.id} k={self.k}>"})
            _orm_registry.map_imperatively(model, t)
            _orm_models[table] = model
        return model


class OrmDriverSession(DriverSession):
    """An ORM Session on its own engine (pymysql dialect, default pool and settings). With autocommit=True the engine
    is given `isolation_level="AUTOCOMMIT"`, SQLAlchemy's way to turn the DBAPI connection's autocommit on."""

    def __init__(self, driver, port, user, password, database, autocommit):
        url = sqlalchemy.URL.create("mysql+pymysql", username=user, password=password, host=HOST, port=port,
                                    database=database)
        self.engine = sqlalchemy.create_engine(url)
        bind = self.engine.execution_options(isolation_level="AUTOCOMMIT") if autocommit else self.engine
        self.session = OrmSession(bind)
        super().__init__(driver, bool(autocommit))
        # Check out the pooled connection now, as connecting does with the other drivers (SQLAlchemy's first
        # connection also runs the dialect's own queries: SELECT VERSION(), @@sql_mode, ...).
        self.session.connection()

    def execute(self, sql):
        self._rows = []
        result = self.session.execute(text(sql))
        self._rows = [tuple(r) for r in result] if result.returns_rows else []
        self.lastrowid = getattr(result, "lastrowid", None)

    def commit(self):
        self.session.commit()

    def rollback(self):
        self.session.rollback()

    def handshake_id(self):
        return self.session.connection().connection.dbapi_connection.thread_id()

    def count(self, table):
        return int(self.session.scalar(select(func.count()).select_from(orm_model(table, False))))

    def insert(self, table, k, id=None):
        model = orm_model(table, id is None)
        row = model()
        row.k = k
        if id is not None:
            row.id = id
        self.session.add(row)
        self.session.flush()  # the INSERT is sent now, inside the Session's transaction
        return row.id

    def close(self):
        try:
            self.session.close()
        finally:
            self.engine.dispose()


# ---------------------------------------------------------------- the drivers


@dataclass(frozen=True)
class Driver:
    id: str                     # the pytest id
    label: str                  # how failure messages name it
    make: Callable[..., DriverSession]
    autocommit: bool | None = None  # what `connect` asks for unless told: None = the driver's default

    def connect(self, port: int, user: str = "app", password: str = "app", database: str = "sbtest",
                autocommit: bool | None = None) -> DriverSession:
        ac = self.autocommit if autocommit is None else autocommit
        return self.make(self, port, user, password, database, ac)


PYMYSQL = Driver("pymysql", "PyMySQL (autocommit=False, its default)", PyMySQLSession)
PYMYSQL_AUTOCOMMIT = Driver("pymysql-autocommit", "PyMySQL (autocommit=True)", PyMySQLSession, autocommit=True)
CONNECTOR = Driver("connector", "mysql-connector-python (defaults: autocommit off, plain cursors)",
                   lambda d, *a: ConnectorSession(d, *a, prepared=False))
CONNECTOR_PREPARED = Driver("connector-prepared",
                            "mysql-connector-python (defaults, cursor(prepared=True): server-side prepared statements)",
                            lambda d, *a: ConnectorSession(d, *a, prepared=True))
MARIADB = Driver("mariadb", "MariaDB Connector/Python (defaults: autocommit off)", MariaDBSession)
ORM = Driver("sqlalchemy-orm", "SQLAlchemy ORM Session (pymysql dialect, defaults: autocommit off)", OrmDriverSession)

DRIVERS = [PYMYSQL, PYMYSQL_AUTOCOMMIT, CONNECTOR, CONNECTOR_PREPARED, MARIADB, ORM]


def close_quietly(s: DriverSession, seconds: float = 5) -> None:
    """Closes a session, giving up after a bound (the ORM's close sends a ROLLBACK, which a hung proxy would not
    answer)."""
    try:
        within(seconds, s.close, f"closing a {s.driver.id} connection")
    except BaseException:  # noqa: BLE001 - cleanup
        pass
