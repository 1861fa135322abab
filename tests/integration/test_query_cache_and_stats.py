"""What a user sees of the query cache, mirroring, rule delays and timeouts, first-comment annotations, prepared
statements under the rules, and the statistics tables (query-processing.md §3.4, §3.5, §6, §7; admin-schema.md §3).

One Junction for the whole module (admin 17432, clients 17433) with the lab's primary (@@server_id 1) in hostgroup 10
and both read-only replicas (@@server_id 2 on 13307, 3 on 13308) in hostgroup 20; users `app` and a second MariaDB
account (SELECT only), both with default_hostgroup 10. Every test starts and ends with no rules at runtime and an
empty query cache. Rows are changed directly on the primary, behind Junction's back, so that a cached answer is told
apart from a fresh one by its value.
"""

from __future__ import annotations

import threading
import time

import mysql.connector
import pytest

from admin_helpers import Admin, JunctionProcess, cli, create_lab_user, drop_lab_user
from split_lab import (PRIMARY, PRIMARY_ID, READER, REPLICA1, REPLICA2, REPLICA_IDS, SCHEMA, WRITER, ClientConnections,
                       LabTables, direct, direct_value, on_primary, one, q, sql_error, sqlquote, wait_replicated_value)
from conftest import DIRECT, HOST, uniq, wait_until

pytestmark = [pytest.mark.skipif(DIRECT, reason="about Junction's query processor and statistics"),
              pytest.mark.proxy_only]

ADMIN_PORT = 17432
PROXY_PORT = 17433
PORT_OF_ID = {1: PRIMARY, 2: REPLICA1, 3: REPLICA2}
OTHER_PASSWORD = "qcs-other-pw"

LATENCY_BUCKETS = ["cnt_100us", "cnt_500us", "cnt_1ms", "cnt_5ms", "cnt_10ms", "cnt_50ms", "cnt_100ms", "cnt_500ms",
                   "cnt_1s", "cnt_5s", "cnt_10s", "cnt_INFs"]


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def other_user(lab):
    """A second MariaDB account (SELECT only), also a Junction user."""
    name = uniq("qcs_other")
    create_lab_user(name, OTHER_PASSWORD)
    yield name
    drop_lab_user(name)


@pytest.fixture(scope="module")
def junction(tmp_path_factory, lab, other_user):
    j = JunctionProcess(tmp_path_factory.mktemp("query-cache-stats"), ADMIN_PORT, PROXY_PORT)
    j.write_config(servers=[(WRITER, PRIMARY), (READER, REPLICA1), (READER, REPLICA2)],
                   users=[("app", "app", WRITER), (other_user, OTHER_PASSWORD, WRITER)])
    j.start()
    yield j
    rc = j.stop()
    assert rc == 0, f"junction exited with {rc}:\n{j.log()}"


@pytest.fixture
def admin(junction):
    """The admin connection; no rules at runtime and an empty query cache before and after each test."""
    a = Admin(ADMIN_PORT)
    reset(a)
    yield a
    try:
        reset(a)
    finally:
        a.close()


def reset(a: Admin):
    a.run("DELETE FROM mysql_query_rules")
    a.run("LOAD MYSQL QUERY RULES TO RUNTIME")
    a.run("PROXYSQL FLUSH QUERY CACHE")


@pytest.fixture
def conns(junction):
    connections = ClientConnections(PROXY_PORT)
    yield connections
    connections.close_all()


@pytest.fixture
def sbtable(lab):
    tables = LabTables("qcs")
    yield tables
    tables.drop_all()


# ---------------------------------------------------------------- helpers


def load(a: Admin, *rules: dict):
    """Replaces the rules (each a dict of columns; active=1 unless given), then loads them to runtime."""
    a.run("DELETE FROM mysql_query_rules")
    for r in rules:
        cols = {"active": 1, **r}
        values = ", ".join("NULL" if v is None else str(v) if isinstance(v, int) else sqlquote(v)
                           for v in cols.values())
        a.run(f"INSERT INTO mysql_query_rules ({', '.join(cols)}) VALUES ({values})")
    assert a.run("LOAD MYSQL QUERY RULES TO RUNTIME") == 0


def dict_rows(a: Admin, sql: str) -> list[dict]:
    with a.conn.cursor() as cur:
        cur.execute(sql)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r)) for r in cur.fetchall()]


def global_status(a: Admin) -> dict[str, int]:
    # (mysql_listener_paused is 'false', as in ProxySQL: the numeric ones only.)
    return {name: int(value) for name, value in a.rows("SELECT Variable_Name, Variable_Value FROM stats_mysql_global")
            if value.lstrip("-").isdigit()}


def qc(a: Admin) -> dict[str, int]:
    """The query cache counters of stats_mysql_global, without the prefix: GET, GET_OK, SET, Entries, ..."""
    return {k[len("Query_Cache_"):].replace("count_", ""): v for k, v in global_status(a).items()
            if k.startswith("Query_Cache_")}


def qc_delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {k: after[k] - before[k] for k in ("GET", "GET_OK", "SET")}


def digest_counts(a: Admin, like: str) -> dict[tuple[int, str], int]:
    """{(hostgroup, digest_text): count_star} of the digests whose text contains `like`."""
    rows = a.rows("SELECT hostgroup, digest_text, count_star FROM stats_mysql_query_digest "
                  f"WHERE digest_text LIKE {sqlquote('%' + like + '%')}")
    return {(int(h), t): int(n) for h, t, n in rows}


def pool(a: Admin, table: str = "stats_mysql_connection_pool") -> dict[int, dict]:
    """The connection pool rows, by server port (each server is in one hostgroup here)."""
    return {int(r["srv_port"]): r for r in dict_rows(a, f"SELECT * FROM {table}")}


def pool_queries(a: Admin) -> dict[int, int]:
    return {port: int(r["Queries"]) for port, r in pool(a).items()}


def commands(a: Admin) -> dict[str, dict[str, int]]:
    return {r["Command"]: {k: int(v) for k, v in r.items() if k != "Command"}
            for r in dict_rows(a, "SELECT * FROM stats_mysql_commands_counters")}


def processlist(a: Admin) -> list[dict]:
    return dict_rows(a, "SELECT * FROM stats_mysql_processlist")


def local_port(conn) -> int:
    return conn._sock.getsockname()[1]


# ---------------------------------------------------------------- query cache


def test_cache_ttl_serves_the_cached_value_until_the_ttl_expires(admin, sbtable, conns):
    """A rule with cache_ttl=3000 on reads of one table (routed to the replicas): the first read goes to a replica
    and fills the cache; the row is then changed on the primary; a read within the TTL still returns the OLD value
    (from the cache, hostgroup -1 in the digest statistics); after the TTL the new one."""
    ttl_ms = 3000
    table = sbtable(rows=[(1, 100)])
    load(admin, dict(rule_id=1, match_pattern=f"^select .* from sbtest.{table}", destination_hostgroup=READER,
                     cache_ttl=ttl_ms, apply=1))
    admin.run("TRUNCATE stats_mysql_query_digest")
    c = conns()
    query = f"select k from sbtest.{table} where id = 1"
    before = qc(admin)
    assert before["Entries"] == 0, before

    started = time.monotonic()
    assert q(c, query) == [(100,)]
    cached_by = time.monotonic()  # the entry was made before this
    first = qc(admin)
    assert qc_delta(before, first) == {"GET": 1, "GET_OK": 0, "SET": 1}, (before, first)
    assert first["Entries"] == 1, first
    assert first["Memory_bytes"] > 0 and first["bytes_IN"] > before["bytes_IN"], first

    on_primary(f"UPDATE {SCHEMA}.{table} SET k = 200 WHERE id = 1")
    wait_replicated_value(f"SELECT k FROM {SCHEMA}.{table} WHERE id = 1", 200)
    assert q(c, query) == [(100,)], "within the TTL the cached (old) value is returned"
    assert (time.monotonic() - started) * 1000 < ttl_ms, "the test was too slow to be within the TTL"
    second = qc(admin)
    assert qc_delta(first, second) == {"GET": 1, "GET_OK": 1, "SET": 0}, (first, second)
    assert second["bytes_OUT"] > first["bytes_OUT"], second
    # Another client gets the same cached answer (same user, same schema, same text).
    assert q(conns(), query) == [(100,)]
    assert digest_counts(admin, table) == {(READER, f"select k from sbtest.{table} where id = ?"): 1,
                                           (-1, f"select k from sbtest.{table} where id = ?"): 2}

    # After the TTL: the new value, read from a replica, and the entry is refreshed.
    remaining = ttl_ms / 1000 - (time.monotonic() - cached_by)
    if remaining > 0:
        time.sleep(remaining)
    expired = qc(admin)
    assert q(c, query) == [(200,)], "after the TTL the query reads the table again"
    third = qc(admin)
    assert qc_delta(expired, third) == {"GET": 1, "GET_OK": 0, "SET": 1}, (expired, third)
    assert third["Entries"] == 1, f"the expired entry was replaced: {third}"
    assert digest_counts(admin, table)[(READER, f"select k from sbtest.{table} where id = ?")] == 2
    # ... and that fresh value is cached in turn.
    on_primary(f"UPDATE {SCHEMA}.{table} SET k = 300 WHERE id = 1")
    wait_replicated_value(f"SELECT k FROM {SCHEMA}.{table} WHERE id = 1", 300)
    assert q(c, query) == [(200,)]


def test_cache_entries_are_per_user_and_per_schema(admin, sbtable, conns, other_user):
    """The cache key includes the user and the current schema: another user, or the same user after `USE mysql`,
    does not get app's cached answer for the same query text."""
    table = sbtable(rows=[(1, 100)])
    load(admin, dict(rule_id=1, match_pattern=f"^select .* from sbtest.{table}", cache_ttl=60000, apply=1))
    query = f"select k from sbtest.{table} where id = 1"
    app = conns()
    assert q(app, query) == [(100,)]
    on_primary(f"UPDATE {SCHEMA}.{table} SET k = 200 WHERE id = 1")
    assert q(app, query) == [(100,)], "app in sbtest: cached"
    other = conns(user=other_user, password=OTHER_PASSWORD)
    assert q(other, query) == [(200,)], "another user must not get app's cached answer"
    q(app, "USE mysql")
    assert q(app, query) == [(200,)], "another schema must not get the answer cached for sbtest"
    q(app, f"USE {SCHEMA}")
    assert q(app, query) == [(100,)], "back in sbtest: app's entry is still there"
    on_primary(f"UPDATE {SCHEMA}.{table} SET k = 300 WHERE id = 1")
    assert q(other, query) == [(200,)], "the other user has its own entry"
    assert q(conns(database="mysql"), query) == [(200,)], "so has (app, mysql)"
    assert qc(admin)["Entries"] == 3, qc(admin)
    assert q(conns(), query) == [(100,)]


def test_cache_empty_result(admin, sbtable, conns):
    """cache_empty_result=0 keeps empty results out of the cache (a row inserted later is seen at once); left NULL,
    mysql-query_cache_stores_empty_result (true) caches them."""
    table = sbtable(rows=[(1, 100)])
    load(admin,
         dict(rule_id=1, match_pattern="marker_no_empty", cache_ttl=60000, cache_empty_result=0, apply=1),
         dict(rule_id=2, match_pattern="marker_empty_ok", cache_ttl=60000, apply=1))
    c = conns()
    no_empty = f"select k, 'marker_no_empty' from sbtest.{table} where id = 2"
    empty_ok = f"select k, 'marker_empty_ok' from sbtest.{table} where id = 2"
    before = qc(admin)
    assert q(c, no_empty) == []
    assert qc_delta(before, qc(admin)) == {"GET": 1, "GET_OK": 0, "SET": 0}, "an empty result was cached"
    assert q(c, empty_ok) == []
    assert qc_delta(before, qc(admin)) == {"GET": 2, "GET_OK": 0, "SET": 1}
    assert qc(admin)["Entries"] == 1

    on_primary(f"INSERT INTO {SCHEMA}.{table} VALUES (2, 7)")
    assert q(c, no_empty) == [(7, "marker_no_empty")], "cache_empty_result=0: the empty result was not cached"
    assert q(c, empty_ok) == [], "cache_empty_result NULL: the empty result was cached"
    # A non-empty result is cached under cache_empty_result=0.
    on_primary(f"UPDATE {SCHEMA}.{table} SET k = 8 WHERE id = 2")
    assert q(c, no_empty) == [(7, "marker_no_empty")]
    assert qc(admin)["Entries"] == 2


def test_flush_query_cache(admin, sbtable, conns):
    table = sbtable(rows=[(1, 100)])
    load(admin, dict(rule_id=1, match_pattern=f"^select .* from sbtest.{table}", cache_ttl=60000, apply=1))
    c = conns()
    queries = [f"select k from sbtest.{table} where id = 1", f"select k, 'x' from sbtest.{table} where id = 1"]
    for query in queries:
        assert q(c, query)[0][0] == 100
    on_primary(f"UPDATE {SCHEMA}.{table} SET k = 200 WHERE id = 1")
    assert [q(c, query)[0][0] for query in queries] == [100, 100]
    status = qc(admin)
    assert status["Entries"] == 2 and status["Memory_bytes"] > 0, status
    assert admin.run("PROXYSQL FLUSH QUERY CACHE") == 0
    status = qc(admin)
    assert status["Entries"] == 0, f"PROXYSQL FLUSH QUERY CACHE left entries: {status}"
    assert status["Memory_bytes"] == 0, status
    assert [q(c, query)[0][0] for query in queries] == [200, 200], "after the flush the table is read again"
    assert qc(admin)["Entries"] == 2


def test_cache_ttl_in_the_first_comment(admin, sbtable, conns):
    """`/* cache_ttl=5000 */` caches a query no rule caches. PyMySQL sends the comment; the `mariadb` CLI only with
    --comments (by default it strips it, and the query is then neither annotated nor the same text)."""
    table = sbtable(rows=[(1, 100)])
    query = f"/* cache_ttl=5000 */ select k from sbtest.{table} where id = 1"
    plain = f"select k from sbtest.{table} where id = 1"
    c = conns()
    before = qc(admin)
    assert q(c, query) == [(100,)]
    assert qc_delta(before, qc(admin)) == {"GET": 1, "GET_OK": 0, "SET": 1}
    on_primary(f"UPDATE {SCHEMA}.{table} SET k = 200 WHERE id = 1")
    assert q(c, query) == [(100,)], "the annotated query is answered from the cache"
    assert q(c, plain) == [(200,)], "the same query without the annotation is not cached"
    assert q(c, plain) == [(200,)]

    def client(*args: str) -> str:
        r = cli(PROXY_PORT, "-N", "-B", f"--database={SCHEMA}", *args, "-e", query, user="app", password="app")
        assert r.returncode == 0, r.stderr
        return r.stdout.strip()

    assert client("--comments") == "100", "mariadb --comments sends the annotation: the cached value"
    assert client() == "200", "mariadb strips the comment: no annotation, the table is read"
    assert qc(admin)["Entries"] == 1


def test_lowering_the_ttl_expires_older_entries(admin, sbtable, conns):
    """A hit needs now < creation + the TTL of the *current* rule: after the rule's cache_ttl is lowered to 500 ms, a
    1 s old entry is no longer served."""
    table = sbtable(rows=[(1, 100)])
    load(admin, dict(rule_id=1, match_pattern=f"^select .* from sbtest.{table}", cache_ttl=60000, apply=1))
    c = conns()
    query = f"select k from sbtest.{table} where id = 1"
    assert q(c, query) == [(100,)]
    created = time.monotonic()
    on_primary(f"UPDATE {SCHEMA}.{table} SET k = 200 WHERE id = 1")
    assert q(c, query) == [(100,)]
    time.sleep(max(0.0, 1 - (time.monotonic() - created)))
    assert q(c, query) == [(100,)], "60 s TTL: still cached after 1 s"
    admin.run("UPDATE mysql_query_rules SET cache_ttl = 500 WHERE rule_id = 1")
    admin.run("LOAD MYSQL QUERY RULES TO RUNTIME")
    assert q(c, query) == [(200,)], "the entry is older than the rule's new TTL"


def test_cache_is_consulted_inside_a_transaction(admin, sbtable, conns):
    table = sbtable(rows=[(1, 100)])
    load(admin, dict(rule_id=1, match_pattern=f"^select .* from sbtest.{table}", cache_ttl=60000, apply=1))
    c = conns()
    query = f"select k from sbtest.{table} where id = 1"
    assert q(c, query) == [(100,)]
    on_primary(f"UPDATE {SCHEMA}.{table} SET k = 200 WHERE id = 1")
    q(c, "BEGIN")
    before = qc(admin)
    assert q(c, query) == [(100,)], "the query cache answers inside a transaction too"
    assert qc_delta(before, qc(admin)) == {"GET": 1, "GET_OK": 1, "SET": 0}
    q(c, "COMMIT")


def test_prepared_statements_do_not_use_the_cache(admin, sbtable, conns):
    """The cache is for text queries only: the same statement prepared and executed reads the table every time."""
    table = sbtable(rows=[(1, 100)])
    load(admin, dict(rule_id=1, match_pattern=f"^select .* from sbtest.{table}", cache_ttl=60000, apply=1))
    query = f"select k from sbtest.{table} where id = 1"
    text = conns()
    assert q(text, query) == [(100,)]
    on_primary(f"UPDATE {SCHEMA}.{table} SET k = 200 WHERE id = 1")
    assert q(text, query) == [(100,)], "the text query is cached"
    before = qc(admin)
    c = mysql.connector.connect(host=HOST, port=PROXY_PORT, user="app", password="app", database=SCHEMA,
                                autocommit=True, use_pure=True, connection_timeout=10)
    try:
        cur = c.cursor(prepared=True)
        cur.execute(query)
        assert cur.fetchall() == [(200,)], "a prepared statement must not be answered from the cache"
        on_primary(f"UPDATE {SCHEMA}.{table} SET k = 300 WHERE id = 1")
        cur.execute(query)
        assert cur.fetchall() == [(300,)], "nor cached"
        cur.close()
    finally:
        c.close()
    after = qc(admin)
    assert (after["GET_OK"], after["SET"]) == (before["GET_OK"], before["SET"]), (before, after)


# ---------------------------------------------------------------- mirroring


def test_mirrored_insert_runs_twice_on_the_primary(admin, sbtable, conns):
    """mirror_hostgroup=10 and destination_hostgroup=10: one client INSERT, one OK to the client, two rows."""
    table = sbtable("id INT AUTO_INCREMENT PRIMARY KEY, k INT NOT NULL")
    load(admin, dict(rule_id=1, match_pattern=f"^insert into sbtest.{table}", destination_hostgroup=WRITER,
                     mirror_hostgroup=WRITER, apply=1))
    c = conns()
    with c.cursor() as cur:
        assert cur.execute(f"insert into sbtest.{table} (k) values (42)") == 1, "the client sees one row inserted"
        assert cur.lastrowid in (1, 2), cur.lastrowid
    count = f"SELECT COUNT(*) FROM {SCHEMA}.{table}"
    wait_until(lambda: direct_value(PRIMARY, count) == 2, timeout=10, what="the mirrored insert's second row")
    rows = q(direct(), f"SELECT k FROM {SCHEMA}.{table}")
    assert rows == [(42,), (42,)], rows
    assert one(c, "select 5") == 5, "the session goes on"
    time.sleep(0.2)
    assert direct_value(PRIMARY, count) == 2, "one insert, one mirror: exactly two rows"


def test_mirrored_select_does_not_change_the_answer(admin, sbtable, conns):
    """destination 20, mirror 10: the client always gets the replica's answer, at the replica's pace, while the copy
    runs on the primary (where it sleeps 2 s: seen in the primary's PROCESSLIST)."""
    table = sbtable(rows=[(1, 10), (2, 20), (3, 30)])
    load(admin, dict(rule_id=1, match_pattern=f"^select .* from sbtest.{table}", destination_hostgroup=READER,
                     mirror_hostgroup=WRITER, apply=1))
    c = conns()
    for _ in range(5):
        rows = q(c, f"select @@server_id, id, k from sbtest.{table} order by id")
        assert [r[1:] for r in rows] == [(1, 10), (2, 20), (3, 30)], rows
        assert {int(r[0]) for r in rows} <= REPLICA_IDS, f"the client got the mirror's answer: {rows}"
    slow = f"select sleep(if(@@server_id = 1, 2, 0)) as s, k from sbtest.{table} where id = 1"
    started = time.monotonic()
    assert q(c, slow) == [(0, 10)]
    assert time.monotonic() - started < 1, "the client waited for the mirror"
    in_primary = f"SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO = {sqlquote(slow)}"
    wait_until(lambda: direct_value(PRIMARY, in_primary) == 1, timeout=2, what="the mirrored copy on the primary")
    wait_until(lambda: direct_value(PRIMARY, in_primary) == 0, timeout=10, what="the mirrored copy to finish")
    assert one(c, "select 3") == 3


def test_mirrored_queries_count_in_the_connection_pool(admin, sbtable, conns):
    """The mirror's copy is a query sent to the primary: stats_mysql_connection_pool.Queries of the primary counts it
    (ProxySQL counts every query a backend connection starts, mirror sessions' included)."""
    table = sbtable(rows=[(1, 10)])
    load(admin, dict(rule_id=1, match_pattern=f"^select .* from sbtest.{table}", destination_hostgroup=READER,
                     mirror_hostgroup=WRITER, apply=1))
    c = conns()
    before = pool_queries(admin)
    n = 10
    for _ in range(n):
        assert q(c, f"select k from sbtest.{table}") == [(10,)]
    after = pool_queries(admin)
    assert after[REPLICA1] + after[REPLICA2] - before[REPLICA1] - before[REPLICA2] == n, (before, after)
    wait_until(lambda: pool_queries(admin)[PRIMARY] == before[PRIMARY] + n, timeout=5,
               what=f"{n} mirrored SELECTs counted on the primary in stats_mysql_connection_pool "
                    f"(before {before}, now {pool_queries(admin)})")


# ---------------------------------------------------------------- delay, timeout, annotations


def test_rule_delay(admin, conns):
    load(admin, dict(rule_id=1, match_pattern="marker_delay", delay=700, apply=1))
    c = conns()
    started = time.monotonic()
    assert one(c, "select 'marker_delay'") == "marker_delay"
    assert time.monotonic() - started >= 0.7, "delay=700 should hold the query back 700 ms"
    started = time.monotonic()
    assert one(c, "select 'marker_other'") == "marker_other"
    assert time.monotonic() - started < 0.5, "a query no delay rule matches is not delayed"


def _no_sleep_on_primary(text: str) -> bool:
    return direct_value(PRIMARY, "SELECT COUNT(*) FROM information_schema.PROCESSLIST "
                                 f"WHERE INFO = {sqlquote(text)}") == 0


def test_rule_timeout_kills_the_query(admin, conns):
    """timeout=500 on `^select sleep`: `select sleep(5)` is killed after ~0.5 s on the server; the client gets the
    server's error, and the same connection goes on."""
    load(admin, dict(rule_id=1, match_pattern="^select sleep", timeout=500, apply=1))
    c = conns()
    started = time.monotonic()
    code, message = sql_error(c, "select sleep(5)")
    elapsed = time.monotonic() - started
    assert 0.45 <= elapsed < 2.5, f"the query should be killed after 500 ms; the error came after {elapsed:.2f}s"
    assert code == 1317, (code, message)  # Query execution was interrupted (KILL QUERY)
    wait_until(lambda: _no_sleep_on_primary("select sleep(5)"), timeout=5, what="the query gone from the primary")
    assert one(c, "select 1") == 1, "the same connection runs the next query"
    started = time.monotonic()
    assert one(c, "select sleep(0.1)") == 0, "a query shorter than the timeout is not killed"
    assert time.monotonic() - started < 1


def test_query_timeout_in_the_first_comment(admin, conns):
    c = conns()
    query = "/* query_timeout=300 */ select sleep(5)"
    started = time.monotonic()
    code, message = sql_error(c, query)
    elapsed = time.monotonic() - started
    assert 0.25 <= elapsed < 2.5, f"query_timeout=300: the error came after {elapsed:.2f}s"
    assert code == 1317, (code, message)
    wait_until(lambda: _no_sleep_on_primary(query), timeout=5, what="the query gone from the primary")
    assert one(c, "select 1") == 1


def test_query_delay_in_the_first_comment(admin, conns):
    c = conns()
    started = time.monotonic()
    assert one(c, "/* query_delay=600 */ select 'marker_qd'") == "marker_qd"
    assert time.monotonic() - started >= 0.6, "query_delay=600 should hold the query back 600 ms"


def test_hostgroup_in_the_first_comment(admin, conns):
    load(admin,
         dict(rule_id=1, match_pattern="^SELECT.*FOR UPDATE$", destination_hostgroup=WRITER, apply=1),
         dict(rule_id=2, match_pattern="^select", destination_hostgroup=READER, apply=1))
    c = conns()
    assert {one(c, "select @@server_id") for _ in range(5)} <= REPLICA_IDS
    assert [one(c, "select /* hostgroup=10 */ @@server_id") for _ in range(5)] == [PRIMARY_ID] * 5
    assert one(c, "select @@server_id for update") == PRIMARY_ID
    assert one(c, "select /* hostgroup=20 */ @@server_id for update") in REPLICA_IDS


# ---------------------------------------------------------------- prepared statements


def test_prepared_statements_follow_the_split_rules(admin, junction, sbtable):
    table = sbtable(rows=[(1, 10)])
    load(admin,
         dict(rule_id=1, match_pattern="^SELECT.*FOR UPDATE$", destination_hostgroup=WRITER, apply=1),
         dict(rule_id=2, match_pattern="^select", destination_hostgroup=READER, apply=1))
    admin.run("TRUNCATE stats_mysql_query_digest")
    c = mysql.connector.connect(host=HOST, port=PROXY_PORT, user="app", password="app", database=SCHEMA,
                                autocommit=True, use_pure=True, connection_timeout=10)
    try:
        cur = c.cursor(prepared=True)
        reads = []
        for i in range(8):
            cur.execute("select @@server_id, %s", (i,))
            rows = cur.fetchall()
            assert len(rows) == 1 and rows[0][1] == i, rows
            reads.append(int(rows[0][0]))
        assert set(reads) <= REPLICA_IDS, f"prepared reads should run on the replicas: {reads}"
        locks = []
        for i in range(3):
            cur.execute(f"select @@server_id, k from sbtest.{table} where id = %s for update", (1,))
            rows = cur.fetchall()
            assert [r[1] for r in rows] == [10], rows
            locks.append(int(rows[0][0]))
        assert locks == [PRIMARY_ID] * 3, f"prepared `... for update` belongs to the primary: {locks}"
        cur.close()
    finally:
        c.close()
    got = digest_counts(admin, "@@server_id")
    assert got == {(READER, "select @@server_id,?"): 8,
                   (WRITER, f"select @@server_id,k from sbtest.{table} where id = ? for update"): 3}, got


# ---------------------------------------------------------------- stats tables


def test_commands_counters_after_a_known_workload(admin, sbtable, conns):
    table = sbtable(rows=[(i, i) for i in range(1, 6)])
    c = conns()
    before = commands(admin)
    for i in range(1, 5):
        assert one(c, f"SELECT k FROM {table} WHERE id = {i}") == i
    for i in range(10, 13):
        q(c, f"INSERT INTO {table} (id, k) VALUES ({i}, {i})")
    q(c, f"UPDATE {table} SET k = k + 1 WHERE id = 1")
    q(c, f"UPDATE {table} SET k = k + 1 WHERE id = 2")
    q(c, f"DELETE FROM {table} WHERE id = 10")
    q(c, "BEGIN")
    q(c, f"DELETE FROM {table} WHERE id = 11")
    q(c, "COMMIT")
    q(c, "START TRANSACTION")
    q(c, f"UPDATE {table} SET k = 0")
    q(c, "ROLLBACK")
    q(c, "SHOW TABLES")
    after = commands(admin)
    deltas = {cmd: after[cmd]["Total_cnt"] - before[cmd]["Total_cnt"] for cmd in after}
    assert {cmd: d for cmd, d in deltas.items() if d} == {
        "SELECT": 4, "INSERT": 3, "UPDATE": 3, "DELETE": 2, "BEGIN": 1, "COMMIT": 1, "START_TRANSACTION": 1,
        "ROLLBACK": 1, "SHOW": 1}, deltas
    for cmd, row in after.items():
        assert sum(row[b] for b in LATENCY_BUCKETS) == row["Total_cnt"], f"{cmd}: buckets do not sum to Total_cnt"
    for cmd in ("SELECT", "INSERT", "UPDATE", "DELETE"):
        assert after[cmd]["Total_Time_us"] > before[cmd]["Total_Time_us"], cmd


def test_connection_pool_rows_and_queries(admin, conns):
    rows = pool(admin)
    assert sorted((int(r["hostgroup"]), r["srv_host"], port, r["status"]) for port, r in rows.items()) == [
        (WRITER, HOST, PRIMARY, "ONLINE"), (READER, HOST, REPLICA1, "ONLINE"), (READER, HOST, REPLICA2, "ONLINE")]
    c = conns()
    before = pool_queries(admin)
    for _ in range(5):
        assert one(c, "select 1") == 1
    after = pool_queries(admin)
    assert {p: after[p] - before[p] for p in after} == {PRIMARY: 5, REPLICA1: 0, REPLICA2: 0}, (before, after)

    load(admin, dict(rule_id=1, match_pattern="^select", destination_hostgroup=READER, apply=1))
    before = after
    ran = [one(c, "select @@server_id") for _ in range(10)]
    after = pool_queries(admin)
    expected = {PRIMARY: 0, REPLICA1: ran.count(2), REPLICA2: ran.count(3)}
    assert {p: after[p] - before[p] for p in after} == expected, (ran, before, after)
    rows = pool(admin)
    for port in (PRIMARY, REPLICA1 if ran.count(2) else REPLICA2):
        assert int(rows[port]["ConnOK"]) >= 1 and int(rows[port]["ConnERR"]) == 0, rows[port]


def test_connection_pool_bytes(admin, conns):
    """Bytes_data_sent / Bytes_data_recv: the payload bytes sent to and received from each server."""
    c = conns()
    before = pool(admin)[PRIMARY]
    big = "x" * 10000
    assert one(c, f"select '{big}'") == big
    after = pool(admin)[PRIMARY]
    sent = int(after["Bytes_data_sent"]) - int(before["Bytes_data_sent"])
    received = int(after["Bytes_data_recv"]) - int(before["Bytes_data_recv"])
    assert sent >= 10000, f"a 10 kB query was sent to the primary; Bytes_data_sent grew by {sent}: {after}"
    assert received >= 10000, f"a 10 kB result came from the primary; Bytes_data_recv grew by {received}: {after}"


def test_connection_pool_used_and_free(admin, sbtable, conns):
    """Open transactions hold their backend connections (ConnUsed); after COMMIT they go back to the pool (ConnFree)."""
    table = sbtable()
    cs = [conns() for _ in range(3)]
    for c in cs:
        assert one(c, "select 1") == 1
    idle = pool(admin)[PRIMARY]
    idle_free = int(idle["ConnFree"])
    assert int(idle["ConnUsed"]) == 0 and idle_free >= 1, idle
    for i, c in enumerate(cs):
        q(c, "BEGIN")
        q(c, f"INSERT INTO {table} (id, k) VALUES ({i}, {i})")
    busy = pool(admin)[PRIMARY]
    assert int(busy["ConnUsed"]) == 3, f"three open transactions hold three connections: {busy}"
    assert int(busy["ConnFree"]) <= idle_free, (idle, busy)
    for c in cs:
        q(c, "COMMIT")
    done = pool(admin)[PRIMARY]
    assert int(done["ConnUsed"]) == 0, done
    assert int(done["ConnFree"]) == int(busy["ConnFree"]) + 3, f"the three connections are back in the pool: {busy} {done}"


def test_connection_pool_max_conn_used_is_a_high_water_mark(admin, sbtable, conns):
    """MaxConnUsed is the most connections ever in use at once on the server, not the current ConnUsed."""
    table = sbtable()
    cs = [conns() for _ in range(3)]
    for i, c in enumerate(cs):
        q(c, "BEGIN")
        q(c, f"INSERT INTO {table} (id, k) VALUES ({i}, {i})")
    busy = pool(admin)[PRIMARY]
    assert int(busy["ConnUsed"]) == 3 and int(busy["MaxConnUsed"]) >= 3, busy
    for c in cs:
        q(c, "COMMIT")
    done = pool(admin)[PRIMARY]
    assert int(done["ConnUsed"]) == 0, done
    assert int(done["MaxConnUsed"]) >= 3, f"three connections were in use a moment ago: {done}"


def test_connection_pool_reset(admin, conns):
    c = conns()
    for _ in range(3):
        one(c, "select 1")
    current = pool(admin)
    assert int(current[PRIMARY]["Queries"]) >= 3 and int(current[PRIMARY]["ConnOK"]) >= 1, current[PRIMARY]
    returned = pool(admin, "stats_mysql_connection_pool_reset")
    assert returned == current, "the _reset table returns the counters as they were"
    after = pool(admin)
    for port, r in after.items():
        assert (r["ConnOK"], r["ConnERR"], r["Queries"]) == ("0", "0", "0"), f"{port} was not reset: {r}"
        assert (r["ConnUsed"], r["ConnFree"], r["status"]) == (current[port]["ConnUsed"], current[port]["ConnFree"],
                                                               current[port]["status"]), "current values are kept"
    one(c, "select 1")
    assert pool(admin)[PRIMARY]["Queries"] == "1"


def test_processlist_shows_a_running_query_and_an_idle_session(admin, conns):
    busy, idle = conns(), conns()
    assert one(idle, "select 1") == 1
    errors = []

    def run():
        try:
            q(busy, "select sleep(2)")
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    t = threading.Thread(target=run)
    t.start()
    try:
        def running():
            rows = [r for r in processlist(admin) if r["info"] == "select sleep(2)"]
            return rows if rows and int(rows[0]["time_ms"]) > 0 else None

        rows = wait_until(running, timeout=2, what="`select sleep(2)` in stats_mysql_processlist")
        assert len(rows) == 1, rows
        r = rows[0]
        assert (r["user"], r["db"], r["command"], r["hostgroup"], r["srv_port"]) == \
               ("app", SCHEMA, "Query", str(WRITER), str(PRIMARY)), r
        assert (r["cli_host"], int(r["cli_port"])) == (HOST, local_port(busy)), r
        sleeping = [s for s in processlist(admin) if int(s["cli_port"]) == local_port(idle)]
        assert len(sleeping) == 1, sleeping
        assert sleeping[0]["command"] == "Sleep" and sleeping[0]["info"] is None, sleeping[0]
        assert sleeping[0]["SessionID"] != r["SessionID"]

        with admin.conn.cursor() as cur:
            cur.execute("SHOW PROCESSLIST")
            assert [d[0] for d in cur.description] == ["SessionID", "user", "db", "hostgroup", "command", "time_ms",
                                                       "info"]
            shown = {row[0]: row for row in cur.fetchall()}
        assert shown[r["SessionID"]][1:5] == ("app", SCHEMA, str(WRITER), "Query"), shown[r["SessionID"]]
        assert shown[r["SessionID"]][6] == "select sleep(2)" and int(shown[r["SessionID"]][5]) > 0
        assert shown[sleeping[0]["SessionID"]][4] == "Sleep"
    finally:
        t.join(timeout=10)
    assert not errors, errors
    done = [s for s in processlist(admin) if s["SessionID"] == r["SessionID"]]
    assert done and done[0]["command"] == "Sleep" and done[0]["info"] is None, done
    busy.close()
    wait_until(lambda: all(s["SessionID"] != r["SessionID"] for s in processlist(admin)), timeout=5,
               what="the closed session to leave the processlist")


def test_stats_mysql_users_counts_frontend_connections(admin, conns):
    def app_connections() -> int:
        return int(admin.value("SELECT frontend_connections FROM stats_mysql_users WHERE username = 'app'"))

    start = app_connections()
    opened = [conns() for _ in range(3)]
    assert app_connections() == start + 3
    for c in opened:
        c.close()
    wait_until(lambda: app_connections() == start, timeout=10, what="frontend_connections to go back down")


def test_stats_mysql_errors_and_reset(admin, conns):
    admin.rows("SELECT * FROM stats_mysql_errors_reset")
    assert admin.rows("SELECT * FROM stats_mysql_errors") == []
    missing = uniq("no_such_table")
    c = conns()
    t0 = int(time.time())
    assert sql_error(c, f"select * from {missing}")[0] == 1146
    assert one(c, "select 1") == 1
    rows = dict_rows(admin, "SELECT * FROM stats_mysql_errors")
    assert len(rows) == 1, rows
    r = rows[0]
    assert (r["hostgroup"], r["hostname"], r["port"], r["username"], r["schemaname"], r["errno"], r["count_star"]) == \
           (str(WRITER), HOST, str(PRIMARY), "app", SCHEMA, "1146", "1"), r
    assert missing in r["last_error"], r
    assert t0 - 1 <= int(r["first_seen"]) <= int(r["last_seen"]) <= int(time.time()) + 1, r
    assert sql_error(c, f"select * from {missing}")[0] == 1146
    assert admin.value("SELECT count_star FROM stats_mysql_errors WHERE errno = 1146") == "2"
    returned = dict_rows(admin, "SELECT * FROM stats_mysql_errors_reset")
    assert [(x["errno"], x["count_star"]) for x in returned] == [("1146", "2")], returned
    assert admin.rows("SELECT * FROM stats_mysql_errors") == [], "stats_mysql_errors_reset empties the table"
    assert sql_error(c, f"select * from {missing}")[0] == 1146
    assert admin.value("SELECT count_star FROM stats_mysql_errors WHERE errno = 1146") == "1"


def test_free_connections_show_idle_pooled_connections(admin, conns):
    """After a session's `SET time_zone='+05:00'` and a query, its backend connection goes back to the pool and
    stats_mysql_free_connections shows it (hostgroup, server, user, the time_zone it carries). A new session does
    not inherit that time zone."""
    c = conns()
    q(c, "SET time_zone = '+05:00'")
    assert one(c, "select @@time_zone") == "+05:00"
    assert one(c, "select 1") == 1

    def carrying():
        return [r for r in dict_rows(admin, "SELECT * FROM stats_mysql_free_connections")
                if r["time_zone"] == "+05:00"]

    rows = wait_until(carrying, timeout=5, what="an idle connection with time_zone +05:00")
    for r in rows:
        assert (r["hostgroup"], r["srv_host"], r["srv_port"], r["user"], r["schema"]) == \
               (str(WRITER), HOST, str(PRIMARY), "app", SCHEMA), r
        assert int(r["idle_ms"]) >= 0 and int(r["fd"]) > 0, r
    assert one(conns(), "select @@time_zone") == "SYSTEM", "a new session must not inherit another's time_zone"
    assert one(c, "select @@time_zone") == "+05:00", "the first session keeps its own"


def test_stats_mysql_global_questions_connections_transactions(admin, sbtable, conns):
    table = sbtable()
    start = global_status(admin)
    a, b = conns(), conns()
    before = global_status(admin)
    assert before["Client_Connections_connected"] == start["Client_Connections_connected"] + 2
    for i in range(4):
        one(a, f"select {i}")
    q(b, f"INSERT INTO {table} (id, k) VALUES (1, 1)")
    q(b, f"SELECT * FROM {table}")
    after = global_status(admin)
    assert after["Questions"] - before["Questions"] == 6, (before["Questions"], after["Questions"])
    assert after["Active_Transactions"] == 0
    q(b, "BEGIN")
    q(b, f"UPDATE {table} SET k = 2 WHERE id = 1")
    assert global_status(admin)["Active_Transactions"] == 1, "a transaction is open"
    q(b, "COMMIT")
    assert global_status(admin)["Active_Transactions"] == 0
    a.close()
    b.close()
    wait_until(lambda: global_status(admin)["Client_Connections_connected"] == start["Client_Connections_connected"],
               timeout=10, what="Client_Connections_connected to go back down")


def test_slow_queries(admin, conns):
    """Slow_queries in stats_mysql_global counts queries slower than mysql-long_query_time (ms)."""
    c = conns()
    old = admin.variable("mysql-long_query_time")
    admin.run("UPDATE global_variables SET variable_value = '300' WHERE variable_name = 'mysql-long_query_time'")
    admin.run("LOAD MYSQL VARIABLES TO RUNTIME")
    try:
        status = global_status(admin)
        assert "Slow_queries" in status, f"stats_mysql_global has no Slow_queries: {sorted(status)}"
        before = status["Slow_queries"]
        one(c, "select 1")
        assert global_status(admin)["Slow_queries"] == before, "a fast query is not slow"
        one(c, "select sleep(0.5)")
        assert global_status(admin)["Slow_queries"] == before + 1, "a 500 ms query with long_query_time=300"
    finally:
        admin.run(f"UPDATE global_variables SET variable_value = {sqlquote(old)} "
                  "WHERE variable_name = 'mysql-long_query_time'")
        admin.run("LOAD MYSQL VARIABLES TO RUNTIME")


def test_stats_mysql_global_has_the_documented_counters(admin):
    """The counters admin-schema.md §3 and query-processing.md §6-§7 name (what dashboards and exporters read)."""
    names = set(global_status(admin))
    documented = {"Client_Connections_connected", "Questions", "Slow_queries", "ProxySQL_Uptime", "Active_Transactions",
                  "Servers_table_version", "mysql_backend_buffers_bytes", "ConnPool_get_conn_immediate",
                  "ConnPool_get_conn_success", "ConnPool_get_conn_failure", "Query_Cache_Memory_bytes",
                  "Query_Cache_count_GET", "Query_Cache_count_GET_OK", "Query_Cache_count_SET", "Query_Cache_bytes_IN",
                  "Query_Cache_bytes_OUT", "Query_Cache_Purged", "Query_Cache_Entries"}
    missing = sorted(documented - names)
    assert not missing, f"stats_mysql_global lacks {missing}"


STATS_TABLES = ["stats_mysql_global", "stats_mysql_commands_counters", "stats_mysql_connection_pool",
                "stats_mysql_processlist", "stats_mysql_users", "stats_mysql_errors", "stats_mysql_free_connections",
                "stats_mysql_query_digest", "stats_mysql_query_rules"]


def test_stats_user_reads_the_stats_tables(admin, conns):
    """stats:stats (admin-stats_credentials) logs in on the admin port and reads the live statistics; it cannot
    change anything."""
    stats = Admin(ADMIN_PORT, user="stats", password="stats")
    try:
        for t in STATS_TABLES:
            assert stats.columns(f"SELECT * FROM {t}") == admin.columns(f"SELECT * FROM {t}"), t
        connected = int(stats.value("SELECT Variable_Value FROM stats_mysql_global "
                                    "WHERE Variable_Name = 'Client_Connections_connected'"))
        c = conns()
        one(c, "select 1")
        assert int(stats.value("SELECT Variable_Value FROM stats_mysql_global "
                               "WHERE Variable_Name = 'Client_Connections_connected'")) == connected + 1
        assert stats.rows("SELECT hostgroup, srv_port, status FROM stats_mysql_connection_pool ORDER BY srv_port") == \
               [(str(WRITER), str(PRIMARY), "ONLINE"), (str(READER), str(REPLICA1), "ONLINE"),
                (str(READER), str(REPLICA2), "ONLINE")]
        assert int(stats.value("SELECT frontend_connections FROM stats_mysql_users WHERE username = 'app'")) >= 1
        assert any(int(r[0]) == local_port(c) for r in stats.rows("SELECT cli_port FROM stats_mysql_processlist"))
        stats.error("DELETE FROM stats_mysql_errors")
        stats.error("LOAD MYSQL QUERY RULES TO RUNTIME")
        stats.error("SELECT * FROM mysql_query_rules")
    finally:
        stats.close()
