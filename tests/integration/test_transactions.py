"""Transactions through Junction: a transaction stays on one backend connection."""


def _count(conn, t):
    with conn.cursor() as cur:
        cur.execute(f"SELECT COUNT(*) FROM {t}")
        return cur.fetchone()[0]


def _make_table(clients, t):
    c = clients.pymysql()
    with c.cursor() as cur:
        cur.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY, v VARCHAR(20)) ENGINE=InnoDB")
    return c


def test_rollback_leaves_nothing(clients, table, hammer):
    t = table("tx_rb")
    observer = _make_table(clients, t)
    c = clients.pymysql()
    cur = c.cursor()
    cur.execute("BEGIN")
    for i in range(10):
        cur.execute(f"INSERT INTO {t} VALUES (%s, 'x')", (i,))
        cur.execute("SELECT 1")  # unrelated statements inside the transaction
    cur.execute(f"SELECT COUNT(*) FROM {t}")
    assert cur.fetchone() == (10,)  # the transaction sees its own rows
    assert _count(observer, t) == 0  # nobody else does
    cur.execute("ROLLBACK")
    cur.execute(f"SELECT COUNT(*) FROM {t}")
    assert cur.fetchone() == (0,)
    assert _count(observer, t) == 0


def test_commit_keeps(clients, table, hammer):
    t = table("tx_commit")
    observer = _make_table(clients, t)
    c = clients.pymysql()
    cur = c.cursor()
    cur.execute("START TRANSACTION")
    cur.execute(f"INSERT INTO {t} VALUES (1, 'a'), (2, 'b')")
    cur.execute(f"UPDATE {t} SET v = 'bb' WHERE id = 2")
    assert _count(observer, t) == 0
    cur.execute("COMMIT")
    assert _count(observer, t) == 2
    with observer.cursor() as oc:
        oc.execute(f"SELECT v FROM {t} ORDER BY id")
        assert oc.fetchall() == (("a",), ("bb",))


def test_autocommit_off_then_rollback(clients, table, hammer):
    t = table("tx_ac")
    observer = _make_table(clients, t)
    c = clients.pymysql()
    cur = c.cursor()
    cur.execute("SET autocommit = 0")
    cur.execute("SELECT @@autocommit")
    assert cur.fetchone() == (0,)
    cur.execute(f"INSERT INTO {t} VALUES (1, 'a')")
    for _ in range(5):
        cur.execute("SELECT 1")
    cur.execute(f"SELECT COUNT(*) FROM {t}")
    assert cur.fetchone() == (1,)
    assert _count(observer, t) == 0
    cur.execute("ROLLBACK")
    cur.execute(f"SELECT COUNT(*) FROM {t}")
    assert cur.fetchone() == (0,)
    # Still autocommit=0: the next statement opens a new transaction, committed explicitly.
    cur.execute(f"INSERT INTO {t} VALUES (2, 'b')")
    assert _count(observer, t) == 0
    cur.execute("COMMIT")
    assert _count(observer, t) == 1
    cur.execute("SET autocommit = 1")
    cur.execute(f"INSERT INTO {t} VALUES (3, 'c')")
    assert _count(observer, t) == 2


def test_driver_level_autocommit_and_rollback(clients, table):
    t = table("tx_drv")
    observer = _make_table(clients, t)
    c = clients.pymysql(autocommit=False)
    with c.cursor() as cur:
        cur.execute(f"INSERT INTO {t} VALUES (1, 'a')")
    c.rollback()
    assert _count(observer, t) == 0
    with c.cursor() as cur:
        cur.execute(f"INSERT INTO {t} VALUES (2, 'b')")
    c.commit()
    assert _count(observer, t) == 1


def test_error_inside_transaction_keeps_it_open(clients, table):
    t = table("tx_err")
    observer = _make_table(clients, t)
    c = clients.pymysql()
    cur = c.cursor()
    cur.execute("BEGIN")
    cur.execute(f"INSERT INTO {t} VALUES (1, 'a')")
    try:
        cur.execute(f"INSERT INTO {t} VALUES (1, 'dup')")
    except Exception as e:  # noqa: BLE001
        assert e.args[0] == 1062
    cur.execute("SELECT @@in_transaction")
    assert cur.fetchone() == (1,)
    cur.execute("COMMIT")
    assert _count(observer, t) == 1


def test_select_for_update_lock_is_held_until_commit(clients, table, direct_primary, test_db):
    t = table("tx_lock")
    _make_table(clients, t).cursor().execute(f"INSERT INTO {t} VALUES (1, 'a')")
    c = clients.pymysql()
    cur = c.cursor()
    cur.execute("BEGIN")
    cur.execute(f"SELECT v FROM {t} WHERE id = 1 FOR UPDATE")
    assert cur.fetchone() == ("a",)
    other = direct_primary(database=test_db)
    with other.cursor() as oc:
        oc.execute("SET SESSION innodb_lock_wait_timeout = 1")
        try:
            oc.execute(f"UPDATE {t} SET v = 'b' WHERE id = 1")
            raise AssertionError("the row lock was not held")
        except Exception as e:  # noqa: BLE001
            assert e.args[0] == 1205  # lock wait timeout
    cur.execute("COMMIT")
    with other.cursor() as oc:
        oc.execute(f"UPDATE {t} SET v = 'b' WHERE id = 1")
        assert oc.rowcount == 1
