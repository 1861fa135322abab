"""Text protocol (COM_QUERY) through Junction with PyMySQL: values come back as stored."""

import datetime
import hashlib
import json
import os
from decimal import Decimal

import pymysql
import pytest

ALL_BYTES = bytes(range(256))


def test_integer_extremes(clients, table):
    t = table("ints")
    c = clients.pymysql()
    cur = c.cursor()
    cur.execute(f"""CREATE TABLE {t} (
        id INT PRIMARY KEY,
        ti TINYINT, tiu TINYINT UNSIGNED,
        si SMALLINT, siu SMALLINT UNSIGNED,
        mi MEDIUMINT, miu MEDIUMINT UNSIGNED,
        i INT, iu INT UNSIGNED,
        bi BIGINT, biu BIGINT UNSIGNED)""")
    rows = [
        (1, -128, 0, -32768, 0, -8388608, 0, -2147483648, 0, -9223372036854775808, 0),
        (2, 127, 255, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295,
         9223372036854775807, 18446744073709551615),
        (3, 0, 1, -1, 1, -1, 1, -1, 1, -1, 1),
        (4, None, None, None, None, None, None, None, None, None, None),
    ]
    cur.executemany(f"INSERT INTO {t} VALUES ({', '.join(['%s'] * 11)})", rows)
    assert cur.rowcount == 4
    cur.execute(f"SELECT * FROM {t} ORDER BY id")
    assert cur.fetchall() == tuple(rows)
    # The same values as literals computed by the server.
    cur.execute("SELECT ~0, -9223372036854775807 - 1, CAST(18446744073709551615 AS UNSIGNED)")
    assert cur.fetchone() == (18446744073709551615, -9223372036854775808, 18446744073709551615)


def test_common_column_types_round_trip(clients, table):
    t = table("types")
    c = clients.pymysql(init_command="SET time_zone = '+00:00'")
    cur = c.cursor()
    cur.execute(f"""CREATE TABLE {t} (
        id INT PRIMARY KEY,
        dec1 DECIMAL(20,6), dec2 DECIMAL(65,30),
        f FLOAT, d DOUBLE,
        dt DATE, tm TIME, tm3 TIME(3), dtm DATETIME(6), ts TIMESTAMP(3) NULL, y YEAR,
        ch CHAR(10), vc VARCHAR(200), tx TEXT,
        bn BINARY(4), vb VARBINARY(256), bl BLOB,
        en ENUM('small','medium','large'), st SET('x','y','z'),
        b1 BIT(1), b8 BIT(8), b64 BIT(64),
        js JSON
    ) DEFAULT CHARSET=utf8mb4""")
    long_text = "Größe ✓ 😀 " * 500
    js = {"a": [1, 2.5, "ü"], "b": None, "c": {"emoji": "🎉"}}
    values = (
        1,
        Decimal("-12345678901234.123456"),
        Decimal("12345678901234567890123456789012345.123456789012345678901234567890"),
        -3.25, 1.7976931348623157e308,
        datetime.date(1000, 1, 1), datetime.timedelta(hours=-838, minutes=-59, seconds=-59),
        datetime.timedelta(hours=12, minutes=34, seconds=56, microseconds=789000),
        datetime.datetime(2024, 2, 29, 23, 59, 59, 999999),
        datetime.datetime(2038, 1, 19, 3, 14, 7, 123000), 2155,
        "héllo", "日本語 😀 emoji ñ", long_text,
        b"ab", ALL_BYTES, ALL_BYTES * 64,
        "medium", "x,z",
        b"\x01", b"\xa5", b"\xff\xfe\x00\x01\x80\x7f\x00\xff",
        json.dumps(js),
    )
    cur.execute(f"INSERT INTO {t} VALUES ({', '.join(['%s'] * len(values))})", values)
    cur.execute(f"INSERT INTO {t} (id) VALUES (2)")
    cur.execute(f"INSERT INTO {t} (id, f, d, dt, dtm, y) VALUES (3, 0.1, 2.2250738585072014e-308, "
                f"'9999-12-31', '1000-01-01 00:00:00.000001', 1901)")

    cur.execute(f"SELECT * FROM {t} ORDER BY id")
    rows = cur.fetchall()
    assert [d[0] for d in cur.description] == [
        "id", "dec1", "dec2", "f", "d", "dt", "tm", "tm3", "dtm", "ts", "y", "ch", "vc", "tx",
        "bn", "vb", "bl", "en", "st", "b1", "b8", "b64", "js"]
    first = list(rows[0])
    assert json.loads(first[-1]) == js
    first[-1] = values[-1]
    expected = list(values)
    expected[14] = b"ab\x00\x00"  # BINARY(4) is right-padded with zero bytes
    assert first == expected
    assert rows[1] == (2,) + (None,) * 22
    assert rows[2][:6] == (3, None, None, 0.1, 2.2250738585072014e-308, datetime.date(9999, 12, 31))
    assert rows[2][8] == datetime.datetime(1000, 1, 1, 0, 0, 0, 1)
    assert rows[2][10] == 1901

    # What the server computes from the stored values agrees too.
    cur.execute(f"SELECT LENGTH(vb), HEX(vb) = HEX(%s), CHAR_LENGTH(vc), OCTET_LENGTH(vc), "
                f"JSON_VALUE(js, '$.c.emoji'), b8 + 0, UNIX_TIMESTAMP(ts) FROM {t} WHERE id = 1", (ALL_BYTES,))
    assert cur.fetchone() == (256, 1, len("日本語 😀 emoji ñ"), len("日本語 😀 emoji ñ".encode()), "🎉", 0xA5, Decimal("2147483647.123"))


def test_all_byte_values_in_strings(clients, table):
    """Every byte value survives in BLOB and as an escaped literal in the query text."""
    t = table("bytes")
    c = clients.pymysql()
    cur = c.cursor()
    cur.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY, b BLOB)")
    for i in range(256):
        cur.execute(f"INSERT INTO {t} VALUES (%s, %s)", (i, bytes([i]) * 3 + ALL_BYTES[i:]))
    cur.execute(f"SELECT id, b FROM {t} ORDER BY id")
    got = cur.fetchall()
    assert got == tuple((i, bytes([i]) * 3 + ALL_BYTES[i:]) for i in range(256))


@pytest.mark.timeout(180)
def test_20mib_blob_round_trip(clients, table):
    t = table("big")
    data = os.urandom(20 * 1024 * 1024)
    digest = hashlib.sha256(data).hexdigest()
    c = clients.pymysql()
    cur = c.cursor()
    cur.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY, b LONGBLOB)")
    cur.execute(f"INSERT INTO {t} VALUES (1, %s)", (data,))
    assert cur.rowcount == 1
    cur.execute(f"SELECT LENGTH(b), SHA2(b, 256) FROM {t} WHERE id = 1")
    assert cur.fetchone() == (len(data), digest)
    cur.execute(f"SELECT b FROM {t} WHERE id = 1")
    (back,) = cur.fetchone()
    assert len(back) == len(data)
    assert hashlib.sha256(back).hexdigest() == digest
    # The connection is in a clean state after the big packets.
    cur.execute("SELECT 'after'")
    assert cur.fetchone() == ("after",)


def _row_text(n: int) -> str:
    return f"row-{n}-" + "x" * (n % 50)


@pytest.mark.timeout(180)
def test_200k_rows_streamed_unbuffered(clients):
    c = clients.pymysql(cursorclass=pymysql.cursors.SSCursor)
    cur = c.cursor()
    cur.execute("SELECT seq, CONCAT('row-', seq, '-', REPEAT('x', seq % 50)) FROM seq_1_to_200000 ORDER BY seq")
    h = hashlib.sha256()
    count = total = 0
    for seq, text in cur:
        count += 1
        total += seq
        h.update(text.encode())
    expected = hashlib.sha256()
    for n in range(1, 200001):
        expected.update(_row_text(n).encode())
    assert count == 200000
    assert total == 200000 * 200001 // 2
    assert h.hexdigest() == expected.hexdigest()
    cur.close()
    plain = c.cursor(pymysql.cursors.Cursor)
    plain.execute("SELECT COUNT(*) FROM seq_1_to_200000")
    assert plain.fetchone() == (200000,)


def test_empty_result_and_column_metadata(clients):
    c = clients.pymysql()
    cur = c.cursor()
    cur.execute("SELECT 1 AS a, 'b' AS `weird name ü` FROM DUAL WHERE 1 = 0")
    assert cur.fetchall() == ()
    assert [d[0] for d in cur.description] == ["a", "weird name ü"]
    cur.execute("DO 1")
    assert cur.description is None
