"""The `mariadb` command-line client through Junction: batch output and error display."""

import re
import textwrap


def test_e_with_several_statements(clients):
    r = clients.cli("-e", "SELECT 1 AS a; SELECT 'x' AS b, 2 AS c; SELECT NULL AS n, 'tab\there' AS t")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "a\n1\nb\tc\nx\t2\nn\tt\nNULL\ttab\\there\n"


def test_batch_file_on_stdin(clients, table):
    t = table("cli")
    script = textwrap.dedent(f"""\
        CREATE TABLE {t} (id INT PRIMARY KEY, name VARCHAR(20), price DECIMAL(8,2));
        INSERT INTO {t} VALUES (1, 'apple', 1.50), (2, 'pear', NULL);
        INSERT INTO {t} VALUES (3, 'kiwi ü', 0.99);
        -- a comment line
        UPDATE {t} SET price = 2.25 WHERE id = 2;
        SELECT * FROM {t} ORDER BY id;
        SELECT COUNT(*) AS n, SUM(price) AS total FROM {t};
        DELIMITER //
        SELECT 'delim' AS d //
        DELIMITER ;
        """)
    r = clients.cli(input=script)
    assert r.returncode == 0, r.stderr
    assert r.stdout == (
        "id\tname\tprice\n"
        "1\tapple\t1.50\n"
        "2\tpear\t2.25\n"
        "3\tkiwi ü\t0.99\n"
        "n\ttotal\n"
        "3\t4.74\n"
        "d\n"
        "delim\n"
    )


def test_source_command(clients, table, tmp_path):
    t = table("src")
    f = tmp_path / "batch.sql"
    f.write_text(f"CREATE TABLE {t} (i INT);\nINSERT INTO {t} VALUES (7),(8);\nSELECT SUM(i) AS s FROM {t};\n")
    r = clients.cli("-e", f"SOURCE {f}")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "s\n15\n"


def test_table_output(clients):
    r = clients.cli("--table", "-e", "SELECT 1 AS one, 'two' AS two")
    assert r.returncode == 0, r.stderr
    assert r.stdout == (
        "+-----+-----+\n"
        "| one | two |\n"
        "+-----+-----+\n"
        "|   1 | two |\n"
        "+-----+-----+\n"
    )


def test_error_shows_code_and_sqlstate(clients, test_db):
    r = clients.cli("-e", "SELECT * FROM no_such_table_xyz")
    assert r.returncode == 1
    assert r.stdout == ""
    assert f"ERROR 1146 (42S02) at line 1: Table '{test_db}.no_such_table_xyz' doesn't exist" in r.stderr


def test_syntax_error(clients):
    r = clients.cli("-e", "SELEKT 1")
    assert r.returncode == 1
    assert "ERROR 1064 (42000) at line 1: You have an error in your SQL syntax" in r.stderr


def test_batch_stops_at_error_unless_force(clients):
    script = "SELECT 1 AS a;\nSELECT * FROM no_such_table_xyz;\nSELECT 3 AS c;\n"
    r = clients.cli(input=script)
    assert r.returncode == 1
    assert r.stdout == "a\n1\n"
    assert "ERROR 1146 (42S02) at line 2" in r.stderr

    # --force goes on after the error (and then the client exits 0).
    r = clients.cli("--force", input=script)
    assert r.stdout == "a\n1\nc\n3\n"
    assert "ERROR 1146 (42S02) at line 2" in r.stderr


def test_wrong_password(clients):
    r = clients.cli("-e", "SELECT 1", password="wrong")
    assert r.returncode == 1
    assert re.search(r"ERROR 1045 \(28000\): (.*: )?Access denied for user 'app'@", r.stderr), r.stderr


def test_unknown_database(clients):
    r = clients.cli("-e", "SELECT 1", database="no_such_db_xyz")
    assert r.returncode == 1
    # At login (MariaDB), or at the first statement if the login itself was accepted.
    assert re.search(r"ERROR 1049 \(42000\)( at line 1)?: Unknown database 'no_such_db_xyz'", r.stderr), r.stderr


def test_vertical_output(clients):
    r = clients.cli("-E", "-e", "SELECT 1 AS x, 'y' AS yy")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "*************************** 1. row ***************************\n x: 1\nyy: y\n"
