"""The query processor: `mysql_query_rules` route COM_QUERY statements to hostgroups, rewrite or answer them,
`mysql_query_rules_fast_routing` maps (user, schema, flag) to a hostgroup, and digest statistics are kept
(query-processing.md §2-§6, admin-schema.md §3).

One Junction for the whole module (admin 17332, clients 17333 and 17334) with the lab's primary (@@server_id 1) in
hostgroup 10 and both read-only replicas (@@server_id 2 and 3) in hostgroup 20; user `app` has default_hostgroup 10.
Every test starts and ends with no rules at runtime. Where a query runs is read from `@@server_id`.

Junction differs from ProxySQL on purpose in one place: a session whose backend connection holds state (an open
transaction, a user variable, a temporary table, an advisory lock) stays on that connection whatever the rules say.
"""

from __future__ import annotations

import re
import time

import pytest

from admin_helpers import Admin, JunctionProcess, cli, create_lab_user, drop_lab_user, transcript
from split_lab import (PRIMARY, PRIMARY_ID, READER, REPLICA1, REPLICA2, REPLICA_IDS, SCHEMA, WRITER, ClientConnections,
                       LabTables, count_rows, one, q, sql_error, sqlquote, wait_replicated)
from conftest import DIRECT, HOST, uniq, wait_until

pytestmark = [pytest.mark.skipif(DIRECT, reason="about Junction's query processor"), pytest.mark.proxy_only]

ADMIN_PORT = 17332
PROXY_PORT = 17333
SECOND_PORT = 17334  # a second client interface, for proxy_port rules
OTHER_PASSWORD = "qr-other-pw"

DIGEST_COLUMNS = ["hostgroup", "schemaname", "username", "client_address", "digest", "digest_text", "count_star",
                  "first_seen", "last_seen", "sum_time", "min_time", "max_time", "sum_rows_affected", "sum_rows_sent"]


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def other_user(lab):
    """A second MariaDB account (SELECT only), also a Junction user, for username rules."""
    name = uniq("qr_other")
    create_lab_user(name, OTHER_PASSWORD)
    yield name
    drop_lab_user(name)


@pytest.fixture(scope="module")
def junction(tmp_path_factory, lab, other_user):
    j = JunctionProcess(tmp_path_factory.mktemp("query-rules"), ADMIN_PORT, PROXY_PORT)
    text = j.write_config(servers=[(WRITER, PRIMARY), (READER, REPLICA1), (READER, REPLICA2)],
                          users=[("app", "app", WRITER), (other_user, OTHER_PASSWORD, WRITER)])
    one = f'interfaces="{HOST}:{PROXY_PORT}"'
    assert one in text
    j.config_path.write_text(text.replace(one, f'interfaces="{HOST}:{PROXY_PORT};{HOST}:{SECOND_PORT}"'))
    j.start()
    wait_until(lambda: _port_open(SECOND_PORT), timeout=30, interval=0.1, what=f"the second client port {SECOND_PORT}")
    yield j
    rc = j.stop()
    assert rc == 0, f"junction exited with {rc}:\n{j.log()}"


def _port_open(port: int) -> bool:
    import socket
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((HOST, port)) == 0


@pytest.fixture
def admin(junction):
    """The admin connection; the rules and the fast-routing map are emptied (and loaded) before and after each test."""
    a = Admin(ADMIN_PORT)
    clear_rules(a)
    yield a
    try:
        clear_rules(a)
    finally:
        a.close()


def clear_rules(a: Admin):
    a.run("DELETE FROM mysql_query_rules")
    a.run("DELETE FROM mysql_query_rules_fast_routing")
    a.run("LOAD MYSQL QUERY RULES TO RUNTIME")


@pytest.fixture
def conns(junction):
    connections = ClientConnections(PROXY_PORT)
    yield connections
    connections.close_all()


@pytest.fixture
def sbtable(lab):
    tables = LabTables("qr")
    yield tables
    tables.drop_all()


# ---------------------------------------------------------------- helpers


def server_id(conn, sql: str = "select @@server_id") -> int:
    """The first column of a one-row query (written so that it is @@server_id)."""
    rows = q(conn, sql)
    assert len(rows) == 1, f"{sql!r} returned {rows!r}"
    return int(rows[0][0])


def server_ids(conn, sql: str = "select @@server_id", n: int = 20) -> list[int]:
    return [server_id(conn, sql) for _ in range(n)]


def on_reader(ids) -> bool:
    ids = [ids] if isinstance(ids, int) else ids
    return set(ids) <= REPLICA_IDS


def add_rule(a: Admin, **cols):
    names = ", ".join(cols)
    values = ", ".join("NULL" if v is None else str(v) if isinstance(v, int) else sqlquote(v) for v in cols.values())
    a.run(f"INSERT INTO mysql_query_rules ({names}) VALUES ({values})")


def load(a: Admin, *rules: dict, fast: list[tuple] = ()):
    """Replaces the rules (each a dict of columns; active=1 unless given) and the fast-routing map, then loads."""
    a.run("DELETE FROM mysql_query_rules")
    a.run("DELETE FROM mysql_query_rules_fast_routing")
    for r in rules:
        add_rule(a, **{"active": 1, **r})
    for user, schema, flag, hostgroup in fast:
        a.run("INSERT INTO mysql_query_rules_fast_routing (username, schemaname, flagIN, destination_hostgroup, comment) "
              f"VALUES ({sqlquote(user)}, {sqlquote(schema)}, {flag}, {hostgroup}, '')")
    assert a.run("LOAD MYSQL QUERY RULES TO RUNTIME") == 0


def digests(a: Admin, where: str = "1", table: str = "stats_mysql_query_digest") -> list[dict]:
    with a.conn.cursor() as cur:
        cur.execute(f"SELECT * FROM {table} WHERE {where}")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r)) for r in cur.fetchall()]


def explain(a: Admin, query: str, user: str | None = "app", schema: str | None = SCHEMA) -> list[tuple[str, str]]:
    sql = f"EXPLAIN ROUTING {sqlquote(query)}"
    if user is not None:
        sql += f" USER {sqlquote(user)}"
    if schema is not None:
        sql += f" SCHEMA {sqlquote(schema)}"
    with a.conn.cursor() as cur:
        cur.execute(sql)
        assert [d[0] for d in cur.description] == ["item", "value"]
        return [tuple(r) for r in cur.fetchall()]


def rule_hits(a: Admin) -> dict[int, int]:
    return {int(r): int(h) for r, h in a.rows("SELECT rule_id, hits FROM stats_mysql_query_rules")}


def global_status(a: Admin, name: str) -> int:
    return int(a.value(f"SELECT Variable_Value FROM stats_mysql_global WHERE Variable_Name = '{name}'"))


# ---------------------------------------------------------------- the tutorial's read/write split


def test_tutorial_split_through_the_cli(admin, sbtable):
    """The tutorial's three rules, typed into the admin with the `mariadb` CLI; then, through the CLI on the client
    port: `select` goes to a replica, `select ... for update` and `insert` to the primary, anything else to app's
    default hostgroup (10)."""
    table = sbtable()
    steps = transcript(ADMIN_PORT, (
        "insert into mysql_query_rules(rule_id,active,match_pattern,destination_hostgroup,apply) values (2,1,'^select',20,1);\n"
        "insert into mysql_query_rules(rule_id,active,match_pattern,destination_hostgroup,apply) values (1,1,'^SELECT.*FOR UPDATE$',10,1);\n"
        "insert into mysql_query_rules(rule_id,active,match_pattern,destination_hostgroup,apply) values (3,1,'^insert',10,1);\n"
        "load mysql query rules to runtime;\n"
        "select rule_id, match_pattern, destination_hostgroup, apply from runtime_mysql_query_rules order by rule_id;\n"
    ))
    assert steps[3].affected == 0, steps[3].output
    assert steps[4].rows == [["1", "^SELECT.*FOR UPDATE$", "10", "1"], ["2", "^select", "20", "1"],
                             ["3", "^insert", "10", "1"]]

    def client(sql: str) -> list[str]:
        r = cli(PROXY_PORT, "-N", "-B", f"--database={SCHEMA}", "-e", sql, user="app", password="app")
        assert r.returncode == 0, f"{sql!r}: {r.stderr}"
        return r.stdout.split()

    reads = [int(x) for x in client("; ".join(["select @@server_id"] * 20))]
    assert on_reader(reads), f"`select @@server_id` should run on the replicas (2, 3): {reads}"
    assert set(reads) == REPLICA_IDS, f"hostgroup 20 has two replicas, 20 reads all went to one: {reads}"
    assert client("select @@server_id for update") == ["1"], "`select ... for update` belongs to the writer"
    assert client("SELECT @@server_id FOR UPDATE") == ["1"], "the rules are CASELESS"
    assert client("show variables like 'server_id'") == ["server_id", "1"], \
        "a statement no rule matches runs on app's default_hostgroup (10)"
    client(f"insert into {table} (id, k) values (1, 11)")
    assert count_rows(PRIMARY, table) == 1, "the insert did not run on the primary"
    wait_replicated(table, 1)
    assert client(f"select k from {table} where id = 1") == ["11"]
    hits = rule_hits(admin)
    assert hits == {1: 2, 2: 21, 3: 1}, hits


def test_reads_follow_rules_on_one_connection(admin, conns):
    """Outside of any state, each query of one client connection is routed on its own: reads spread over both
    replicas, and a statement no rule matches goes to the primary (default_hostgroup) in between."""
    load(admin, dict(rule_id=1, match_pattern="^select", destination_hostgroup=READER, apply=1))
    c = conns()
    ids = server_ids(c, n=20)
    assert on_reader(ids), ids
    if set(ids) != REPLICA_IDS:  # 2 * 2^-20 odds; be patient rather than flaky
        ids += server_ids(c, n=40)
    assert set(ids) == REPLICA_IDS, f"both replicas of hostgroup 20 should answer: {ids}"
    assert q(c, "show variables like 'server_id'") == [("server_id", "1")]
    assert on_reader(server_id(c))


# ---------------------------------------------------------------- state keeps the session on its connection


@pytest.mark.parametrize("begin", ["BEGIN", "START TRANSACTION"])
def test_transaction_stays_on_the_writer_where_begin_ran(admin, conns, sbtable, begin):
    """`^select` → 20, but inside a transaction begun on the primary every statement runs there: a SELECT sees the
    transaction's uncommitted row. After COMMIT reads go to the replicas again."""
    table = sbtable()
    load(admin, dict(rule_id=1, match_pattern="^select", destination_hostgroup=READER, apply=1))
    c = conns()
    assert on_reader(server_id(c))
    q(c, begin)
    q(c, f"INSERT INTO {table} (id, k) VALUES (1, 1)")
    for _ in range(5):
        assert server_id(c) == PRIMARY_ID, "a SELECT inside the transaction left the primary"
        assert one(c, f"SELECT COUNT(*) FROM {table}") == 1, "the SELECT did not see its transaction's row"
    q(c, "COMMIT")
    wait_replicated(table, 1)
    ids = server_ids(c, n=10)
    assert on_reader(ids), f"after COMMIT reads should follow the rules again: {ids}"


def test_autocommit_off_transaction_stays_on_the_writer(admin, conns, sbtable):
    """autocommit=0: the INSERT (default hostgroup, the primary) opens a transaction; the SELECTs that follow stay
    on its connection until COMMIT; then they follow the rules again."""
    table = sbtable()
    load(admin, dict(rule_id=1, match_pattern="^select", destination_hostgroup=READER, apply=1))
    c = conns()
    c.autocommit(False)  # SET AUTOCOMMIT = 0
    q(c, f"INSERT INTO {table} (id, k) VALUES (1, 1)")
    for _ in range(5):
        assert one(c, f"SELECT COUNT(*) FROM {table}") == 1, "the SELECT left the transaction's connection"
        assert server_id(c) == PRIMARY_ID
    c.commit()
    wait_replicated(table, 1)
    q(c, "SET autocommit = 1")
    assert on_reader(server_ids(c, n=5))


def test_transaction_begun_on_a_reader_stays_there(admin, conns):
    """BEGIN routed to hostgroup 20 by a rule: every later statement, even one a rule sends to 10, runs on that same
    replica connection until COMMIT."""
    load(admin,
         dict(rule_id=1, match_pattern="^begin", destination_hostgroup=READER, apply=1),
         dict(rule_id=2, match_pattern="for update$", destination_hostgroup=WRITER, apply=1),
         dict(rule_id=3, match_pattern="^select", destination_hostgroup=READER, apply=1))
    c = conns()
    assert server_id(c, "select @@server_id for update") == PRIMARY_ID
    q(c, "BEGIN")
    first = server_id(c, "select @@server_id for update")
    assert first in REPLICA_IDS, "the transaction was begun on a replica; its statements must stay there"
    conn_id = one(c, "select connection_id()")
    for _ in range(10):
        assert server_id(c, "select @@server_id for update") == first
        assert server_id(c) == first, "a read inside the transaction moved to the other replica"
        assert one(c, "select connection_id()") == conn_id, "the transaction's backend connection changed"
    q(c, "COMMIT")
    assert server_id(c, "select @@server_id for update") == PRIMARY_ID, "after COMMIT the rules apply again"


def test_user_variable_keeps_the_session_on_its_connection(admin, conns):
    """`SET @x = 5` runs on the primary (no rule); the later `SELECT @x` (which `^select` sends to 20) finds it.
    ProxySQL would route that SELECT to a replica and answer NULL; Junction keeps the session on the connection."""
    load(admin, dict(rule_id=1, match_pattern="^select", destination_hostgroup=READER, apply=1))
    c = conns()
    assert on_reader(server_id(c))
    q(c, "SET @x = 5")
    assert one(c, "SELECT @x") == 5
    for _ in range(10):
        assert server_id(c) == PRIMARY_ID, "the session left the connection holding @x"
    assert one(c, "SELECT @x + 1") == 6
    # Other sessions are not affected.
    assert on_reader(server_id(conns()))
    # The statistics count `SELECT @x` where it ran.
    rows = digests(admin, "digest_text = 'SELECT @x'")
    assert [(r["hostgroup"], r["count_star"]) for r in rows] == [("10", "1")], rows


def test_user_variable_assigned_in_a_select_keeps_the_session_on_its_replica(admin, conns):
    """`SELECT @y := 7` runs where the rules send it (a replica); a query with `@` in its digest disables
    multiplexing (sessions-and-pooling.md §6), so `SELECT @y` later finds 7 on the same connection."""
    load(admin, dict(rule_id=1, match_pattern="^select", destination_hostgroup=READER, apply=1))
    c = conns()
    row = q(c, "SELECT @y := 7, @@server_id")
    assert row[0][0] == 7 and int(row[0][1]) in REPLICA_IDS, row
    for _ in range(10):
        assert q(c, "SELECT @y, @@server_id") == [(7, row[0][1])], "the session moved away from @y's connection"


def test_temporary_table_keeps_the_session_on_its_connection(admin, conns):
    """CREATE TEMPORARY TABLE runs on the primary; the later SELECTs (rule: → 20) read it there."""
    load(admin, dict(rule_id=1, match_pattern="^select", destination_hostgroup=READER, apply=1))
    c = conns()
    name = uniq("qr_tmp")
    q(c, f"CREATE TEMPORARY TABLE {name} (id INT PRIMARY KEY, v VARCHAR(10))")
    q(c, f"INSERT INTO {name} VALUES (1, 'one'), (2, 'two')")
    for _ in range(5):
        assert q(c, f"SELECT id, v FROM {name} ORDER BY id") == [(1, "one"), (2, "two")]
        assert server_id(c) == PRIMARY_ID
    q(c, f"DROP TEMPORARY TABLE {name}")


def test_advisory_lock_keeps_the_session_on_its_connection(admin, conns):
    """`SELECT GET_LOCK(...)` goes to a replica (rule); the session then stays on that connection: IS_USED_LOCK names
    it and RELEASE_LOCK finds the lock."""
    load(admin, dict(rule_id=1, match_pattern="^select", destination_hostgroup=READER, apply=1))
    c = conns()
    lock = uniq("qr_lock")
    assert one(c, f"SELECT GET_LOCK('{lock}', 5)") == 1
    first = server_id(c)
    assert first in REPLICA_IDS, "GET_LOCK ran where `^select` sends it"
    for _ in range(10):
        assert server_id(c) == first, "the session left the connection holding the lock"
        assert one(c, f"SELECT IS_USED_LOCK('{lock}') = CONNECTION_ID()") == 1
    assert one(c, f"SELECT RELEASE_LOCK('{lock}')") == 1


# ---------------------------------------------------------------- rule columns, by their effect


def test_apply_stops_evaluation_and_otherwise_the_last_match_wins(admin, conns):
    c = conns()
    # Without apply, a later matching rule overwrites destination_hostgroup.
    load(admin,
         dict(rule_id=1, match_pattern="^select", destination_hostgroup=READER, apply=0),
         dict(rule_id=2, match_pattern="marker_apply", destination_hostgroup=WRITER, apply=0))
    assert server_id(c, "select @@server_id, 'marker_apply'") == PRIMARY_ID
    assert on_reader(server_id(c))
    # With apply on rule 1, rule 2 is never reached.
    admin.run("UPDATE mysql_query_rules SET apply = 1 WHERE rule_id = 1")
    admin.run("LOAD MYSQL QUERY RULES TO RUNTIME")
    assert on_reader(server_ids(c, "select @@server_id, 'marker_apply'", n=5))
    assert rule_hits(admin) == {1: 5, 2: 0}


def test_rules_are_evaluated_in_rule_id_order(admin, conns):
    """Inserted out of order; the lower rule_id is examined first."""
    add_rule(admin, rule_id=20, active=1, match_pattern="^select", destination_hostgroup=READER, apply=1)
    add_rule(admin, rule_id=10, active=1, match_pattern="marker_order", destination_hostgroup=WRITER, apply=1)
    admin.run("LOAD MYSQL QUERY RULES TO RUNTIME")
    c = conns()
    assert server_id(c, "select @@server_id, 'marker_order'") == PRIMARY_ID
    assert on_reader(server_id(c))


def test_inactive_rules_are_not_loaded(admin, conns):
    """LOAD builds the rule set from `mysql_query_rules WHERE active=1` (admin-commands.md §3): an inactive rule does
    not route, has no hit counter, and is not part of the runtime rules."""
    load(admin, dict(rule_id=1, active=0, match_pattern="^select", destination_hostgroup=READER, apply=1),
         dict(rule_id=2, active=1, match_pattern="marker_active", destination_hostgroup=READER, apply=1))
    c = conns()
    assert server_id(c) == PRIMARY_ID
    assert on_reader(server_id(c, "select @@server_id, 'marker_active'"))
    assert rule_hits(admin) == {2: 1}


def test_runtime_query_rules_lists_only_the_loaded_rules(admin):
    """runtime_mysql_query_rules is the rule set LOAD built from `WHERE active=1` (ProxySQL dumps it from the query
    processor's loaded rules, get_current_query_rules()): an inactive rule is not in it."""
    load(admin, dict(rule_id=1, active=0, match_pattern="^select", destination_hostgroup=READER, apply=1),
         dict(rule_id=2, active=1, match_pattern="marker_active", destination_hostgroup=READER, apply=1))
    assert admin.rows("SELECT rule_id, active FROM runtime_mysql_query_rules") == [("2", "1")]


def test_username(admin, conns, other_user):
    load(admin, dict(rule_id=1, username=other_user, match_pattern="^select", destination_hostgroup=READER, apply=1))
    assert server_ids(conns(), n=5) == [PRIMARY_ID] * 5, "app is not the rule's user"
    assert on_reader(server_ids(conns(user=other_user, password=OTHER_PASSWORD), n=5))


def test_schemaname_follows_the_current_schema(admin, conns):
    load(admin, dict(rule_id=1, schemaname=SCHEMA, match_pattern="^select", destination_hostgroup=READER, apply=1))
    c = conns(database=SCHEMA)
    assert on_reader(server_id(c))
    q(c, "USE information_schema")
    assert server_id(c) == PRIMARY_ID, "the current schema is no longer sbtest"
    c.select_db(SCHEMA)  # COM_INIT_DB
    assert on_reader(server_id(c))
    assert server_id(conns(database=None)) == PRIMARY_ID, "no schema given: mysql-default_schema"
    assert server_id(conns(database="mysql")) == PRIMARY_ID


def test_client_addr(admin, conns):
    """The client connects from 127.0.0.1: exact, `prefix%` and `%` match, another prefix does not."""
    c = conns()
    for pattern, matches in [("127.0.0.1", True), ("127.0.%", True), ("%", True), ("10.0.%", False),
                             ("127.0.0.10", False)]:
        load(admin, dict(rule_id=1, client_addr=pattern, match_pattern="^select", destination_hostgroup=READER,
                         apply=1))
        sid = server_id(c)
        assert on_reader(sid) if matches else sid == PRIMARY_ID, f"client_addr {pattern!r}: server_id {sid}"


def test_proxy_port(admin, conns):
    """Junction listens on 17333 and 17334; a rule for 17334 routes only the clients of that port."""
    load(admin, dict(rule_id=1, proxy_port=SECOND_PORT, match_pattern="^select", destination_hostgroup=READER,
                     apply=1))
    assert server_ids(conns(PROXY_PORT), n=5) == [PRIMARY_ID] * 5
    assert on_reader(server_ids(conns(SECOND_PORT), n=5))


def test_digest(admin, conns):
    """A rule on the digest (as stats_mysql_query_digest shows it) matches the query whatever its literals."""
    c = conns()
    admin.run("TRUNCATE stats_mysql_query_digest")
    assert server_id(c, "select @@server_id, 'marker_digest', 1") == PRIMARY_ID
    rows = digests(admin, "digest_text = 'select @@server_id,?,?'")
    assert len(rows) == 1, rows
    digest = rows[0]["digest"]
    assert re.fullmatch(r"0x[0-9A-F]{16}", digest), digest
    load(admin, dict(rule_id=1, digest=digest, destination_hostgroup=READER, apply=1))
    assert on_reader(server_id(c, "select @@server_id, 'another literal', 12345"))
    assert server_id(c) == PRIMARY_ID, "another digest"
    assert server_id(c, "select @@server_id, 1, 2, 3") == PRIMARY_ID, "three values: another digest"


def test_match_digest_is_on_the_digest_text(admin, conns):
    """match_digest sees `select @@server_id,?` (literal replaced, space after the comma removed); match_pattern
    sees the query as sent. The same regex therefore matches one and not the other."""
    regex = r"@@server_id,\?$"
    c = conns()
    load(admin, dict(rule_id=1, match_digest=regex, destination_hostgroup=READER, apply=1))
    assert on_reader(server_id(c, "select @@server_id, 42"))
    assert on_reader(server_id(c, "select   @@server_id ,   'x'"))
    assert server_id(c) == PRIMARY_ID
    load(admin, dict(rule_id=1, match_pattern=regex, destination_hostgroup=READER, apply=1))
    assert server_id(c, "select @@server_id, 42") == PRIMARY_ID, "match_pattern must not see the digest text"


def test_match_pattern_is_a_partial_match_on_the_query_text(admin, conns):
    c = conns()
    load(admin, dict(rule_id=1, match_pattern=r"marker_mp_[0-9]+", destination_hostgroup=READER, apply=1))
    assert on_reader(server_id(c, "select @@server_id /* marker_mp_17 */"))
    assert server_id(c, "select @@server_id /* marker_mp_x */") == PRIMARY_ID


def test_negate_match_pattern(admin, conns):
    """negate_match_pattern inverts match_pattern (and match_digest)."""
    c = conns()
    load(admin, dict(rule_id=1, match_pattern=r"^select @@server_id$", negate_match_pattern=1,
                     destination_hostgroup=READER, apply=1))
    assert server_id(c) == PRIMARY_ID, "the pattern matches, negated: no match"
    assert on_reader(server_id(c, "select @@server_id, 1"))
    load(admin, dict(rule_id=1, match_digest=r"^select @@server_id$", negate_match_pattern=1,
                     destination_hostgroup=READER, apply=1))
    assert server_id(c) == PRIMARY_ID
    assert on_reader(server_id(c, "select @@server_id, 1"))


def test_re_modifiers_caseless_is_the_default_and_can_be_removed(admin, conns):
    c = conns()
    load(admin, dict(rule_id=1, match_pattern="^SELECT @@SERVER_ID", destination_hostgroup=READER, apply=1))
    assert admin.value("SELECT re_modifiers FROM runtime_mysql_query_rules WHERE rule_id = 1") == "CASELESS"
    assert on_reader(server_id(c, "select @@server_id"))
    load(admin, dict(rule_id=1, match_pattern="^SELECT @@SERVER_ID", re_modifiers="", destination_hostgroup=READER,
                     apply=1))
    assert server_id(c, "select @@server_id") == PRIMARY_ID, "without CASELESS the match is case-sensitive"
    assert on_reader(server_id(c, "SELECT @@SERVER_ID"))
    # A plain anchored literal (matched without a regex engine) too.
    load(admin, dict(rule_id=1, match_pattern="^SELECT", re_modifiers="", destination_hostgroup=READER, apply=1))
    assert server_id(c, "select @@server_id") == PRIMARY_ID
    assert on_reader(server_id(c, "SELECT @@server_id"))
    load(admin, dict(rule_id=1, match_pattern="^SELECT", destination_hostgroup=READER, apply=1))
    assert on_reader(server_id(c, "select @@server_id"))
    # Also for a regex that is not a plain anchored prefix.
    load(admin, dict(rule_id=1, match_pattern="SERVER_ID$", re_modifiers="", destination_hostgroup=READER, apply=1))
    assert server_id(c, "select @@server_id") == PRIMARY_ID
    assert on_reader(server_id(c, "select @@SERVER_ID"))


def test_replace_pattern_rewrites_the_query(admin, conns):
    c = conns()
    load(admin, dict(rule_id=1, match_pattern="^select 1 as marker_x$", replace_pattern="select 2 as marker_x",
                     apply=1))
    assert q(c, "select 1 as marker_x") == [(2,)]
    assert q(c, "select 3 as marker_x") == [(3,)]
    assert dict(explain(admin, "select 1 as marker_x"))["rewritten_query"] == "select 2 as marker_x"
    # A pattern that is a plain anchored literal rewrites too.
    load(admin, dict(rule_id=1, match_pattern="^select 1 as marker_z", replace_pattern="select 2 as marker_z",
                     apply=1))
    assert q(c, "select 1 as marker_z") == [(2,)]
    # The statistics keep the digest of the query as the client sent it.
    rows = digests(admin, "digest_text LIKE '%marker_z'")
    assert [(r["digest_text"], r["count_star"]) for r in rows] == [("select ? as marker_z", "1")], rows


def test_replace_pattern_backreferences(admin, conns):
    c = conns()
    load(admin, dict(rule_id=1, match_pattern=r"^select (\d+) as (marker_\w+)$",
                     replace_pattern=r"select \1 + 100 as \2, @@server_id", destination_hostgroup=READER, apply=1))
    with c.cursor() as cur:
        cur.execute("select 5 as marker_y")
        row = cur.fetchone()
        assert [d[0] for d in cur.description] == ["marker_y", "@@server_id"]
    assert row[0] == 105 and int(row[1]) in REPLICA_IDS, row


def test_re_modifiers_global_replaces_every_match(admin, conns):
    c = conns()
    query = "select 'aaa' as c1, 'aaa' as c2"
    load(admin, dict(rule_id=1, match_pattern="aaa", replace_pattern="bbb", apply=1))
    assert q(c, query) == [("bbb", "aaa")], "without GLOBAL only the first match is replaced"
    load(admin, dict(rule_id=1, match_pattern="aaa", replace_pattern="bbb", re_modifiers="CASELESS,GLOBAL", apply=1))
    assert q(c, query) == [("bbb", "bbb")]
    assert q(c, "select 'AAA' as c1") == [("bbb",)], "CASELESS still applies with GLOBAL"
    load(admin, dict(rule_id=1, match_pattern="aaa", replace_pattern="bbb", re_modifiers="global", apply=1))
    assert q(c, "select 'aaa' as c1, 'AAA' as c2, 'aaa' as c3") == [("bbb", "AAA", "bbb")], \
        "modifiers are read case-insensitively (ProxySQL: strncasecmp); without CASELESS 'AAA' stays"


def test_rewritten_query_is_what_later_rules_match(admin, conns):
    """match_pattern of a later rule sees the text rewritten by an earlier one."""
    c = conns()
    load(admin,
         dict(rule_id=1, match_pattern="marker_before", replace_pattern="marker_after"),
         dict(rule_id=2, match_pattern="marker_after", destination_hostgroup=READER, apply=1))
    assert q(c, "select 'marker_before', @@server_id")[0][0] == "marker_after"
    assert on_reader(server_id(c, "select @@server_id, 'marker_before'"))


def test_error_msg(admin, conns, sbtable):
    """The client gets ERR 1148 (SQLSTATE 42000) with the rule's message and nothing runs."""
    table = sbtable()
    load(admin, dict(rule_id=1, match_pattern=f"^insert into {table}", error_msg="writes to this table are blocked",
                     apply=1))
    c = conns()
    code, message = sql_error(c, f"insert into {table} (id, k) values (1, 1)")
    assert (code, message) == (1148, "writes to this table are blocked")
    assert count_rows(PRIMARY, table) == 0, "the blocked insert ran"
    assert one(c, "select 7") == 7, "the session goes on"
    r = cli(PROXY_PORT, f"--database={SCHEMA}", "-e", f"insert into {table} (id, k) values (2, 2)", user="app",
            password="app")
    assert r.returncode == 1
    assert "ERROR 1148 (42000)" in r.stderr and "writes to this table are blocked" in r.stderr, r.stderr
    assert count_rows(PRIMARY, table) == 0


def test_ok_msg(admin, conns, sbtable):
    """The client gets an OK packet (0 rows) whose info is the rule's message, and nothing runs."""
    table = sbtable()
    load(admin, dict(rule_id=1, match_pattern=f"^insert into {table}", OK_msg="pretend it went fine", apply=1))
    c = conns()
    with c.cursor() as cur:
        assert cur.execute(f"insert into {table} (id, k) values (1, 1)") == 0
        message = cur._result.message
    assert message in (b"pretend it went fine", "pretend it went fine"), message
    assert count_rows(PRIMARY, table) == 0, "the insert ran"
    assert one(c, "select 8") == 8


def test_flag_chains(admin, conns):
    """flagOUT makes later rules with that flagIN eligible (never earlier ones, never flagIN 0 rules)."""
    load(admin,
         dict(rule_id=5, flagIN=100, match_pattern="marker_back", destination_hostgroup=READER, apply=1),
         dict(rule_id=10, match_pattern="^select", flagOUT=100),
         dict(rule_id=20, flagIN=100, match_pattern="marker_chain", destination_hostgroup=READER, apply=1),
         dict(rule_id=30, flagIN=0, match_pattern="marker_zero", destination_hostgroup=READER, apply=1),
         dict(rule_id=40, flagIN=100, match_pattern="marker_write", destination_hostgroup=WRITER, apply=1))
    c = conns()
    assert on_reader(server_id(c, "select @@server_id, 'marker_chain'"))
    assert server_id(c, "select @@server_id, 'marker_back'") == PRIMARY_ID, "rule 5 comes before the flag changes"
    assert server_id(c, "select @@server_id, 'marker_zero'") == PRIMARY_ID, "rule 30 wants flag 0; the flag is 100"
    assert server_id(c, "select @@server_id, 'marker_write'") == PRIMARY_ID
    assert server_id(c) == PRIMARY_ID, "flag 100 and no flagIN 100 rule matches: the default hostgroup"
    hits = rule_hits(admin)
    assert hits == {5: 0, 10: 5, 20: 1, 30: 0, 40: 1}, hits


def test_flag_in_alone(admin, conns):
    """A rule with flagIN ≠ 0 is not considered for a query that starts at flag 0."""
    load(admin, dict(rule_id=1, flagIN=3, match_pattern="^select", destination_hostgroup=READER, apply=1))
    assert server_ids(conns(), n=3) == [PRIMARY_ID] * 3


def test_next_query_flag_in(admin, conns):
    """next_query_flagIN makes the *next* query of the session start at that flag (here that query's rule sets it
    back to 0)."""
    load(admin,
         dict(rule_id=1, match_pattern="marker_switch", next_query_flagIN=5, apply=1),
         dict(rule_id=2, flagIN=5, match_pattern="^select", destination_hostgroup=READER, next_query_flagIN=0, apply=1))
    c = conns()
    assert server_id(c) == PRIMARY_ID
    assert q(c, "select 'marker_switch'") == [("marker_switch",)]
    assert on_reader(server_id(c)), "the query after marker_switch starts at flag 5"
    assert server_id(c) == PRIMARY_ID, "and the one after that at 0"
    # Per session: another connection is not affected.
    c2 = conns()
    q(c, "select 'marker_switch'")
    assert server_id(c2) == PRIMARY_ID
    assert on_reader(server_id(c))


def test_fast_routing(admin, conns, other_user):
    """(username, schemaname, flagIN) → hostgroup; exact on all three."""
    load(admin, fast=[("app", SCHEMA, 0, READER)])
    assert admin.rows("SELECT username, schemaname, flagIN, destination_hostgroup "
                      "FROM runtime_mysql_query_rules_fast_routing") == [("app", SCHEMA, "0", "20")]
    c = conns()
    assert on_reader(server_ids(c, n=5)), "app in sbtest is fast-routed to 20"
    assert q(c, "show variables like 'server_id'")[0][1] in ("2", "3"), "fast routing is not only for SELECTs"
    assert server_id(conns(database="mysql")) == PRIMARY_ID, "another schema"
    assert server_id(conns(user=other_user, password=OTHER_PASSWORD)) == PRIMARY_ID, "another user"


def test_fast_routing_uses_the_final_flag_and_overrides_rules(admin, conns):
    load(admin,
         dict(rule_id=1, match_pattern="marker_fast", flagOUT=7, destination_hostgroup=WRITER),
         fast=[("app", SCHEMA, 7, READER)])
    c = conns()
    assert on_reader(server_id(c, "select @@server_id, 'marker_fast'")), \
        "flag 7 after rule 1: the fast-routing entry overrides rule 1's destination"
    assert server_id(c) == PRIMARY_ID, "flag 0: no entry"


def test_fast_routing_is_skipped_after_an_apply_match(admin, conns):
    load(admin,
         dict(rule_id=1, match_pattern="marker_applied", destination_hostgroup=WRITER, apply=1),
         dict(rule_id=2, match_pattern="marker_never_matches", apply=0),
         fast=[("app", SCHEMA, 0, READER)])
    c = conns()
    assert server_id(c, "select @@server_id, 'marker_applied'") == PRIMARY_ID
    assert on_reader(server_id(c))


def test_fast_routing_quirk_last_examined_rule_with_apply(admin, conns):
    """Quirk kept from ProxySQL (query-processing.md §3): when no rule matched but the *last rule examined* has
    apply=1, fast routing is skipped; with apply=0 on that rule it is used."""
    load(admin, dict(rule_id=1, match_pattern="marker_nothing_matches", destination_hostgroup=WRITER, apply=1),
         fast=[("app", SCHEMA, 0, READER)])
    c = conns()
    assert server_ids(c, n=3) == [PRIMARY_ID] * 3
    assert dict(explain(admin, "select @@server_id"))["destination_hostgroup"] == "10 (default_hostgroup of app)"
    admin.run("UPDATE mysql_query_rules SET apply = 0 WHERE rule_id = 1")
    admin.run("LOAD MYSQL QUERY RULES TO RUNTIME")
    assert on_reader(server_ids(c, n=3))


def test_bad_regex_fails_the_load_naming_the_rule(admin, conns):
    c = conns()
    load(admin, dict(rule_id=1, match_pattern="^select", destination_hostgroup=READER, apply=1))
    add_rule(admin, rule_id=77, active=1, match_pattern="marker_(unclosed", destination_hostgroup=WRITER)
    code, message = admin.error("LOAD MYSQL QUERY RULES TO RUNTIME")
    assert "77" in message, f"the error should name rule 77: {code} {message!r}"
    # The previous rule set is still the runtime one.
    assert admin.rows("SELECT rule_id FROM runtime_mysql_query_rules") == [("1",)]
    assert on_reader(server_id(c))
    admin.run("UPDATE mysql_query_rules SET match_digest = '[unclosed', match_pattern = NULL WHERE rule_id = 77")
    code, message = admin.error("LOAD MYSQL QUERY RULES TO RUNTIME")
    assert "77" in message, message
    admin.run("DELETE FROM mysql_query_rules WHERE rule_id = 77")
    assert admin.run("LOAD MYSQL QUERY RULES TO RUNTIME") == 0


# ---------------------------------------------------------------- digest statistics


def test_query_digest_after_a_known_workload(admin, conns, sbtable):
    table = sbtable(rows=[(i, i * 10) for i in range(1, 11)])
    load(admin,
         dict(rule_id=1, match_pattern="^select", destination_hostgroup=READER, apply=1),
         dict(rule_id=2, match_pattern="^insert", destination_hostgroup=WRITER, apply=1))
    admin.run("TRUNCATE stats_mysql_query_digest")
    c = conns()
    t0 = int(time.time())
    started = time.monotonic()
    sent = 0
    for n in (1, 2, 3, 4, 5):
        sent += len(q(c, f"SELECT * FROM sbtest.{table} WHERE id = {n}"))
    sent_range = len(q(c, f"SELECT * FROM sbtest.{table} WHERE id > 3"))
    with c.cursor() as cur:
        assert cur.execute(f"INSERT INTO sbtest.{table} (id,k) VALUES (101,1),(102,2),(103,3)") == 3
    elapsed_us = (time.monotonic() - started) * 1e6
    t1 = int(time.time())
    assert sent == 5 and sent_range == 7

    rows = digests(admin, f"digest_text LIKE '%{table}%'")
    assert all(list(r) == DIGEST_COLUMNS for r in rows)
    by_text = {r["digest_text"]: r for r in rows}
    assert set(by_text) == {f"SELECT * FROM sbtest.{table} WHERE id = ?", f"SELECT * FROM sbtest.{table} WHERE id > ?",
                            f"INSERT INTO sbtest.{table} (id,k) VALUES (?,?),(?,?),(?,?)"}, sorted(by_text)
    point = by_text[f"SELECT * FROM sbtest.{table} WHERE id = ?"]
    assert (point["hostgroup"], point["schemaname"], point["username"], point["client_address"]) == \
           ("20", SCHEMA, "app", "")
    assert point["count_star"] == "5" and point["sum_rows_sent"] == "5" and point["sum_rows_affected"] == "0"
    rng = by_text[f"SELECT * FROM sbtest.{table} WHERE id > ?"]
    assert (rng["hostgroup"], rng["count_star"], rng["sum_rows_sent"]) == ("20", "1", "7")
    ins = by_text[f"INSERT INTO sbtest.{table} (id,k) VALUES (?,?),(?,?),(?,?)"]
    assert (ins["hostgroup"], ins["count_star"], ins["sum_rows_affected"], ins["sum_rows_sent"]) == ("10", "1", "3", "0")
    for r in rows:
        assert re.fullmatch(r"0x[0-9A-F]{16}", r["digest"]), r["digest"]
        first, last = int(r["first_seen"]), int(r["last_seen"])
        assert t0 - 1 <= first <= last <= t1 + 1, (t0, first, last, t1)
        lo, hi, total = int(r["min_time"]), int(r["max_time"]), int(r["sum_time"])
        assert 0 < lo <= hi <= total <= elapsed_us, (lo, hi, total, elapsed_us)
    assert int(point["sum_time"]) >= 5 * int(point["min_time"])
    assert len({r["digest"] for r in rows}) == 3
    # The digest is the one EXPLAIN ROUTING computes for the same text.
    info = dict(explain(admin, f"SELECT * FROM sbtest.{table} WHERE id = 99"))
    assert (info["digest"], info["digest_text"]) == (point["digest"], point["digest_text"])


def test_query_digest_counts_replies_junction_makes_itself_under_hostgroup_minus_one(admin, conns):
    load(admin,
         dict(rule_id=1, match_pattern="marker_refused", error_msg="refused", apply=1),
         dict(rule_id=2, match_pattern="marker_fake_ok", OK_msg="fine", apply=1))
    admin.run("TRUNCATE stats_mysql_query_digest")
    c = conns()
    assert sql_error(c, "select 'marker_refused'")[0] == 1148
    assert sql_error(c, "select 'marker_refused'")[0] == 1148
    q(c, "do 'marker_fake_ok'")
    assert q(c, "select @@version_comment limit 1")
    rows = digests(admin, "hostgroup = -1")
    got = {r["digest_text"]: r["count_star"] for r in rows}
    # The driver's connect-time SET NAMES is answered by Junction too (judged locally, applied lazily).
    assert got.pop("SET NAMES utf8mb4", "1") == "1", rows
    assert got == {"select ?": "2", "do ?": "1", "select @@version_comment limit ?": "1"}, rows
    for r in rows:
        assert (r["schemaname"], r["username"], r["sum_rows_affected"]) == (SCHEMA, "app", "0")


def test_query_digest_reset_returns_then_empties(admin, conns):
    c = conns()
    for n in range(3):
        q(c, f"select {n} as marker_reset")
    q(c, "select @@server_id, 'marker_reset2'")
    before = sorted(digests(admin), key=lambda r: (r["digest"], r["hostgroup"]))
    assert any(r["digest_text"] == "select ? as marker_reset" and r["count_star"] == "3" for r in before), before
    reset = sorted(digests(admin, table="stats_mysql_query_digest_reset"), key=lambda r: (r["digest"], r["hostgroup"]))
    assert reset == before
    assert digests(admin) == []
    assert digests(admin, table="stats_mysql_query_digest_reset") == []
    q(c, "select 9 as marker_reset")
    after = digests(admin)
    assert [(r["digest_text"], r["count_star"]) for r in after] == [("select ? as marker_reset", "1")], after


def test_truncate_query_digest(admin, conns):
    c = conns()
    for n in range(3):
        q(c, f"select {n} as marker_truncate")
    assert digests(admin, "digest_text = 'select ? as marker_truncate'")[0]["count_star"] == "3"
    admin.run("TRUNCATE stats_mysql_query_digest")
    assert digests(admin) == []
    q(c, "select 4 as marker_truncate")
    assert [(r["digest_text"], r["count_star"]) for r in digests(admin)] == [("select ? as marker_truncate", "1")]
    admin.run("TRUNCATE TABLE stats.stats_mysql_query_digest_reset")
    assert digests(admin) == []


def test_save_mysql_digest_to_disk(admin, conns):
    c = conns()
    admin.run("TRUNCATE stats_mysql_query_digest")
    marker = uniq("marker_disk")
    for n in range(4):
        q(c, f"select {n} as {marker}")
    q(c, f"select 'x' as {marker}, 'y'")
    current = digests(admin)
    t0 = int(time.time())
    saved = admin.run("SAVE MYSQL DIGEST TO DISK")
    assert saved == len(current), f"affected rows = number of digests ({len(current)}), got {saved}"
    assert digests(admin) == [], "SAVE MYSQL DIGEST TO DISK empties the in-memory statistics"
    history = digests(admin, f"digest_text LIKE '%{marker}%'", table="stats_history.history_mysql_query_digest")
    assert len(history) == 2, history
    for h in history:
        assert t0 - 1 <= int(h["dump_time"]) <= int(time.time()) + 1, h
        mine = [r for r in current if r["digest"] == h["digest"]]
        assert len(mine) == 1
        assert {k: v for k, v in h.items() if k != "dump_time"} == mine[0]
    counts = sorted(h["count_star"] for h in history)
    assert counts == ["1", "4"]
    q(c, f"select 5 as {marker}")
    assert [r["count_star"] for r in digests(admin, f"digest_text LIKE '%{marker}%'")] == ["1"]


# ---------------------------------------------------------------- rule hits and global counters


def test_stats_mysql_query_rules_hits_and_reset_on_reload(admin, conns):
    load(admin,
         dict(rule_id=1, match_pattern="marker_hits", apply=0),
         dict(rule_id=2, match_pattern="^select", destination_hostgroup=READER, apply=1),
         dict(rule_id=3, match_pattern="^insert", destination_hostgroup=WRITER, apply=1),
         dict(rule_id=4, active=0, match_pattern="^select", destination_hostgroup=WRITER, apply=1))
    assert rule_hits(admin) == {1: 0, 2: 0, 3: 0}, "every runtime rule appears; inactive ones are not loaded"
    # Several connections, so that both worker threads take part.
    cs = [conns() for _ in range(4)]
    for c in cs:
        q(c, "select 'marker_hits'")
        q(c, "select 1")
    q(cs[0], "show tables")
    assert rule_hits(admin) == {1: 4, 2: 8, 3: 0}
    admin.run("LOAD MYSQL QUERY RULES TO RUNTIME")
    assert rule_hits(admin) == {1: 0, 2: 0, 3: 0}, "LOAD MYSQL QUERY RULES TO RUNTIME restarts the hit counters"
    q(cs[1], "select 1")
    assert rule_hits(admin) == {1: 0, 2: 1, 3: 0}


def test_stats_mysql_global_counts_questions_and_connections(admin, conns):
    connected = global_status(admin, "Client_Connections_connected")
    questions = global_status(admin, "Questions")
    cs = [conns() for _ in range(3)]
    assert global_status(admin, "Client_Connections_connected") == connected + 3
    for c in cs:
        for n in range(5):
            q(c, f"select {n}")
    assert global_status(admin, "Questions") >= questions + 15
    for c in cs:
        c.close()
    wait_until(lambda: global_status(admin, "Client_Connections_connected") == connected, timeout=10,
               what="Client_Connections_connected to go back down")


# ---------------------------------------------------------------- EXPLAIN ROUTING


def _rule_rows(rows):
    return [(k, v) for k, v in rows if k.startswith("rule ")]


def test_explain_routing_a_matched_rule(admin, conns):
    load(admin,
         dict(rule_id=1, match_pattern="^SELECT.*FOR UPDATE$", destination_hostgroup=WRITER, apply=1),
         dict(rule_id=2, match_pattern="^select", destination_hostgroup=READER, apply=1),
         dict(rule_id=3, match_pattern="^insert", destination_hostgroup=WRITER, apply=1))
    rows = explain(admin, "select @@server_id, 5")
    info = dict(rows)
    assert [k for k, _ in rows[:5]] == ["query", "user", "schema", "digest", "digest_text"]
    assert (info["query"], info["user"], info["schema"]) == ("select @@server_id, 5", "app", SCHEMA)
    assert info["digest_text"] == "select @@server_id,?"
    assert re.fullmatch(r"0x[0-9A-F]{16}", info["digest"])
    rules = _rule_rows(rows)
    assert [k for k, _ in rules] == ["rule 1 (flagIN 0)", "rule 2 (flagIN 0)"], "evaluation stops at the apply match"
    assert rules[0][1] == "no match: match_pattern"
    assert rules[1][1].startswith("matched"), rules
    assert info["final_flag"] == "0"
    assert info["destination_hostgroup"] == "20 (rule)"
    assert info["rewritten_query"] == "(not rewritten)"
    assert "cache" in info and "mirror" in info
    # ... and the query runs there.
    c = conns()
    admin.run("TRUNCATE stats_mysql_query_digest")
    assert on_reader(server_id(c, "select @@server_id, 5"))
    ran = digests(admin, f"digest = '{info['digest']}'")
    assert [(r["hostgroup"], r["digest_text"]) for r in ran] == [("20", "select @@server_id,?")]
    # FOR UPDATE: rule 1.
    info = dict(explain(admin, "select @@server_id for update"))
    assert info["destination_hostgroup"] == "10 (rule)"
    assert server_id(c, "select @@server_id for update") == PRIMARY_ID


def test_explain_routing_the_default_hostgroup(admin, conns):
    load(admin, dict(rule_id=2, match_pattern="^select", destination_hostgroup=READER, apply=1))
    rows = explain(admin, "show variables like 'server_id'")
    info = dict(rows)
    assert _rule_rows(rows) == [("rule 2 (flagIN 0)", "no match: match_pattern")]
    assert info["destination_hostgroup"] == "10 (default_hostgroup of app)"
    assert info["digest_text"] == "show variables like ?"
    assert q(conns(), "show variables like 'server_id'") == [("server_id", "1")]


def test_explain_routing_an_error_msg_rule(admin, conns):
    load(admin,
         dict(rule_id=1, username="someone_else", match_pattern="^delete", destination_hostgroup=READER, apply=1),
         dict(rule_id=2, match_pattern="^delete", error_msg="no deletes through the proxy", apply=1))
    rows = explain(admin, "delete from t where id = 3")
    info = dict(rows)
    assert _rule_rows(rows)[0] == ("rule 1 (flagIN 0)", "no match: username")
    assert _rule_rows(rows)[1][1].startswith("matched")
    assert "destination_hostgroup" not in info
    assert info["answer"].startswith("ERR 1148: no deletes through the proxy"), info["answer"]
    assert sql_error(conns(), "delete from t where id = 3") == (1148, "no deletes through the proxy")


def test_explain_routing_fast_routing(admin, conns):
    load(admin, dict(rule_id=1, match_pattern="marker_nothing", apply=0), fast=[("app", SCHEMA, 0, READER)])
    info = dict(explain(admin, "select @@server_id"))
    assert info["destination_hostgroup"] == "20 (fast routing)"
    assert on_reader(server_id(conns()))
    info = dict(explain(admin, "select @@server_id", schema="mysql"))
    assert info["destination_hostgroup"] == "10 (default_hostgroup of app)"
    assert server_id(conns(database="mysql")) == PRIMARY_ID
    # A hostgroup with no server: EXPLAIN still tells where it would go.
    load(admin, fast=[("app", SCHEMA, 0, 70)])
    assert dict(explain(admin, "select 1"))["destination_hostgroup"] == "70 (fast routing)"


def test_explain_routing_flags_and_rewrite(admin):
    load(admin,
         dict(rule_id=10, match_pattern="^select", flagOUT=100),
         dict(rule_id=20, flagIN=100, match_pattern="^select 1 as marker_x$", replace_pattern="select 2 as marker_x",
              destination_hostgroup=READER, apply=1))
    rows = explain(admin, "select 1 as marker_x")
    info = dict(rows)
    assert _rule_rows(rows) == [("rule 10 (flagIN 0)", "matched"), ("rule 20 (flagIN 100)", info["rule 20 (flagIN 100)"])]
    assert info["rule 20 (flagIN 100)"].startswith("matched")
    assert info["final_flag"] == "100"
    assert info["rewritten_query"] == "select 2 as marker_x"
    assert info["destination_hostgroup"] == "20 (rule)"
    rows = explain(admin, "select 'it''s' as x")
    info = dict(rows)
    assert info["query"] == "select 'it''s' as x", "'' inside EXPLAIN's quoted query is one quote"
    assert info["digest_text"] == "select ? as x"
