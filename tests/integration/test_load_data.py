"""LOAD DATA LOCAL INFILE through Junction: the client sends the file when asked."""

import pymysql
import pytest


@pytest.mark.timeout(120)
def test_load_data_local_infile(clients, table, tmp_path):
    t = table("load")
    rows = [(i, f"name {i} ü", i * 0.5) for i in range(1, 20001)]
    f = tmp_path / "rows.csv"
    f.write_text("".join(f"{i},{name},{v}\n" for i, name, v in rows), encoding="utf-8")
    c = clients.pymysql(local_infile=True)
    cur = c.cursor()
    cur.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY, name VARCHAR(50), v DOUBLE)")
    cur.execute(f"LOAD DATA LOCAL INFILE %s INTO TABLE {t} FIELDS TERMINATED BY ',' LINES TERMINATED BY '\\n'",
                (str(f),))
    assert cur.rowcount == len(rows)
    cur.execute(f"SELECT COUNT(*), SUM(id), MIN(name), MAX(v) FROM {t}")
    assert cur.fetchone() == (20000, 20000 * 20001 // 2, "name 1 ü", 10000.0)
    cur.execute(f"SELECT id, name, v FROM {t} WHERE id IN (1, 777, 20000) ORDER BY id")
    assert cur.fetchall() == ((1, "name 1 ü", 0.5), (777, "name 777 ü", 388.5), (20000, "name 20000 ü", 10000.0))
    # The connection is usable afterwards.
    cur.execute("SELECT 'after load'")
    assert cur.fetchone() == ("after load",)


def test_load_data_local_with_warnings(clients, table, tmp_path):
    t = table("load_warn")
    f = tmp_path / "short.csv"
    f.write_text("1,ok\n2\n3,too long for the column\n")
    c = clients.pymysql(local_infile=True)
    cur = c.cursor()
    cur.execute(f"CREATE TABLE {t} (id INT, s VARCHAR(5))")
    cur.execute(f"LOAD DATA LOCAL INFILE %s INTO TABLE {t} FIELDS TERMINATED BY ','", (str(f),))
    assert cur.rowcount == 3
    assert c._result.warning_count == 2
    cur.execute("SHOW WARNINGS")
    assert [w[1] for w in cur.fetchall()] == [1261, 1265]  # row 2 too short, row 3 truncated


def test_load_data_local_missing_file(clients, table):
    t = table("load_missing")
    c = clients.pymysql(local_infile=True)
    cur = c.cursor()
    cur.execute(f"CREATE TABLE {t} (id INT)")
    with pytest.raises(pymysql.err.OperationalError) as info:
        cur.execute(f"LOAD DATA LOCAL INFILE '/nonexistent/file.csv' INTO TABLE {t}")
    # PyMySQL reports the missing file itself (after sending the server an empty file).
    assert info.value.args[0] == 1017
    cur.execute(f"SELECT COUNT(*) FROM {t}")
    assert cur.fetchone() == (0,)


def test_load_data_local_refused_by_client(clients, table, tmp_path, proxy):
    t = table("load_refused")
    f = tmp_path / "one.csv"
    f.write_text("1\n")
    c = clients.pymysql(local_infile=False)
    cur = c.cursor()
    cur.execute(f"CREATE TABLE {t} (id INT)")
    with pytest.raises(pymysql.err.MySQLError) as info:
        cur.execute(f"LOAD DATA LOCAL INFILE %s INTO TABLE {t}", (str(f),))
    if proxy.direct:
        # "The used command is not allowed because the MariaDB server or client has disabled
        # the local infile capability"
        assert info.value.args[0] == 4166
    cur.execute("SELECT 1")
    assert cur.fetchone() == (1,)
