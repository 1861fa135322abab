"""The four configuration layers (admin-commands.md §3, §4, §7): every LOAD/SAVE spelling per module, judged by
what it does to the `main.*` (MEMORY), `disk.*` (DISK) and `runtime_*` (RUNTIME) tables; persistence across a
restart; `--initial`, `--reload` and the first start; a refused LOAD; checksums.

Each test starts its own Junction (own datadir, admin on 17032, clients on 17033) and stops it with SIGTERM.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass

import pytest

from admin_helpers import Admin, JunctionProcess, proxy_login, own_junction
from conftest import DIRECT, HOST, LAB_PORT

pytestmark = [pytest.mark.skipif(DIRECT, reason="about Junction's admin interface"), pytest.mark.proxy_only]

ADMIN_PORT = 17032
PROXY_PORT = 17033
PRIMARY, REPLICA1, REPLICA2 = LAB_PORT, LAB_PORT + 1, LAB_PORT + 2

LOAD_TO_RUNTIME = ["TO RUNTIME", "TO RUN", "FROM MEMORY", "FROM MEM"]
SAVE_TO_MEMORY = ["TO MEMORY", "TO MEM", "FROM RUNTIME", "FROM RUN"]
LOAD_TO_MEMORY = ["TO MEMORY", "TO MEM", "FROM DISK"]
SAVE_TO_DISK = ["TO DISK", "FROM MEMORY", "FROM MEM"]

# Rows the config file holds for each module, so that LOAD ... FROM CONFIG has something to read.
CONFIG_SECTIONS = (
    'mysql_query_rules = ( { rule_id=50, active=1, match_digest="^SELECT cfg", destination_hostgroup=0, apply=1, '
    'comment="cfg_rules" } )\n'
    'scheduler = ( { id=50, active=0, interval_ms=100000, filename="/bin/true", comment="cfg_scheduler" } )\n'
    'proxysql_servers = ( { hostname="127.0.0.1", port=26999, comment="cfg_peers" } )\n'
)
CONFIG_SERVERS = [(0, PRIMARY), (91, REPLICA2, 'comment="cfg_servers"')]
CONFIG_USERS = [("app", "app", 0), ("cfg_users", "pw", 0)]
CONFIG_MAX_CONNECTIONS = 3001
CONFIG_REFRESH_INTERVAL = 2500


def write_default_config(j: JunctionProcess, **kw):
    args = dict(servers=CONFIG_SERVERS, users=CONFIG_USERS, sections=CONFIG_SECTIONS,
                mysql_variables=f"max_connections={CONFIG_MAX_CONNECTIONS}",
                admin_variables=f"refresh_interval={CONFIG_REFRESH_INTERVAL}")
    args.update(kw)
    j.write_config(**args)


@pytest.fixture
def junction(tmp_path, lab):
    """A Junction of this test's own; stopped (and required to stop cleanly) at the end."""
    yield from own_junction(tmp_path, ADMIN_PORT, PROXY_PORT)


@pytest.fixture
def started(junction) -> JunctionProcess:
    write_default_config(junction)
    return junction.start()


# ---------------------------------------------------------------- the modules


def layer_table(table: str, layer: str) -> str:
    return {"main": f"main.{table}", "disk": f"disk.{table}", "runtime": f"runtime_{table}"}[layer]


@dataclass(frozen=True)
class TableModule:
    """A module whose test rows are told apart by a text column (`key`)."""

    command: str
    table: str
    key: str
    insert: str  # {tag} and {n} are filled in
    config_tag: str

    def change(self, a: Admin, n: int) -> str:
        tag = f"t{n}"
        assert a.run(self.insert.format(tag=tag, n=n)) == 1
        return tag

    def remove(self, a: Admin, tag: str):
        a.run(f"DELETE FROM main.{self.table} WHERE {self.key} = '{tag}'")

    def tags(self, a: Admin, layer: str) -> set[str]:
        return set(a.column(f"SELECT {self.key} FROM {layer_table(self.table, layer)}"))

    def has(self, a: Admin, layer: str, tag: str) -> bool:
        return tag in self.tags(a, layer)


@dataclass(frozen=True)
class VariableModule:
    """A variables module, watched through one variable."""

    command: str
    variable: str
    config_value: int

    def change(self, a: Admin, n: int) -> str:
        a.run(f"SET {self.variable} = {n}")
        return str(n)

    def tags(self, a: Admin, layer: str) -> set[str]:
        return {a.variable(self.variable, layer)}

    def has(self, a: Admin, layer: str, value: str) -> bool:
        return a.variable(self.variable, layer) == value


SERVERS = TableModule("MYSQL SERVERS", "mysql_servers", "comment",
                      f"INSERT INTO mysql_servers (hostgroup_id, hostname, port, comment) VALUES ({{n}}, '{HOST}', "
                      f"{REPLICA1}, '{{tag}}')", "cfg_servers")
USERS = TableModule("MYSQL USERS", "mysql_users", "username",
                    "INSERT INTO mysql_users (username, password, default_hostgroup) VALUES ('{tag}', 'pw', 0)",
                    "cfg_users")
RULES = TableModule("MYSQL QUERY RULES", "mysql_query_rules", "comment",
                    "INSERT INTO mysql_query_rules (active, match_digest, destination_hostgroup, apply, comment) "
                    "VALUES (1, '^SELECT {tag}', 0, 1, '{tag}')", "cfg_rules")
PEERS = TableModule("PROXYSQL SERVERS", "proxysql_servers", "comment",
                    "INSERT INTO proxysql_servers (hostname, port, comment) VALUES ('127.0.0.1', 27000 + {n}, '{tag}')",
                    "cfg_peers")
JUNCTION_PEERS = TableModule("JUNCTION SERVERS", PEERS.table, PEERS.key, PEERS.insert, PEERS.config_tag)
SCHEDULER = TableModule("SCHEDULER", "scheduler", "comment",
                        "INSERT INTO scheduler (active, interval_ms, filename, comment) "
                        "VALUES (0, 100000, '/bin/true', '{tag}')", "cfg_scheduler")
MYSQL_VARIABLES = VariableModule("MYSQL VARIABLES", "mysql-max_connections", CONFIG_MAX_CONNECTIONS)
ADMIN_VARIABLES = VariableModule("ADMIN VARIABLES", "admin-refresh_interval", CONFIG_REFRESH_INTERVAL)

MODULES = [SERVERS, USERS, RULES, MYSQL_VARIABLES, ADMIN_VARIABLES, PEERS, JUNCTION_PEERS, SCHEDULER]
TABLE_MODULES = [m for m in MODULES if isinstance(m, TableModule)]
by_command = pytest.mark.parametrize("module", MODULES, ids=[m.command.lower().replace(" ", "_") for m in MODULES])


# ---------------------------------------------------------------- LOAD / SAVE spellings


@by_command
def test_load_to_runtime_every_spelling(started, module):
    a = started.admin()
    for i, spelling in enumerate(LOAD_TO_RUNTIME):
        tag = module.change(a, 1000 + i)
        assert not module.has(a, "runtime", tag), "RUNTIME changed before any LOAD"
        assert a.run(f"LOAD {module.command} {spelling}") == 0
        assert module.has(a, "runtime", tag), f"LOAD {module.command} {spelling} did not reach RUNTIME"
        assert not module.has(a, "disk", tag), f"LOAD {module.command} {spelling} wrote to DISK"
    if isinstance(module, TableModule):
        module.remove(a, tag)
        a.run(f"LOAD {module.command} TO RUNTIME")
        assert not module.has(a, "runtime", tag), "a row deleted from MEMORY stayed in RUNTIME after LOAD"


@by_command
def test_save_to_memory_every_spelling(started, module):
    a = started.admin()
    for i, spelling in enumerate(SAVE_TO_MEMORY):
        loaded = module.change(a, 2000 + 2 * i)
        a.run(f"LOAD {module.command} TO RUNTIME")
        if isinstance(module, TableModule):
            module.remove(a, loaded)
        unsaved = module.change(a, 2001 + 2 * i)
        a.run(f"SAVE {module.command} {spelling}")
        assert module.has(a, "main", loaded), f"SAVE {module.command} {spelling} did not copy RUNTIME to MEMORY"
        assert not module.has(a, "main", unsaved), f"SAVE {module.command} {spelling} kept a MEMORY-only change"
        assert module.tags(a, "main") == module.tags(a, "runtime")
        assert not module.has(a, "disk", loaded), f"SAVE {module.command} {spelling} wrote to DISK"


@by_command
def test_load_to_memory_every_spelling(started, module):
    a = started.admin()
    for i, spelling in enumerate(LOAD_TO_MEMORY):
        saved = module.change(a, 3000 + 2 * i)
        a.run(f"SAVE {module.command} TO DISK")
        unsaved = module.change(a, 3001 + 2 * i)
        a.run(f"LOAD {module.command} {spelling}")
        assert module.has(a, "main", saved), f"LOAD {module.command} {spelling} did not copy DISK to MEMORY"
        assert not module.has(a, "main", unsaved), f"LOAD {module.command} {spelling} kept a MEMORY-only change"
        assert not module.has(a, "runtime", saved), f"LOAD {module.command} {spelling} reached RUNTIME"


@by_command
def test_save_to_disk_every_spelling(started, module):
    a = started.admin()
    for i, spelling in enumerate(SAVE_TO_DISK):
        tag = module.change(a, 4000 + i)
        assert not module.has(a, "disk", tag), "DISK changed before any SAVE"
        a.run(f"SAVE {module.command} {spelling}")
        assert module.has(a, "disk", tag), f"SAVE {module.command} {spelling} did not reach DISK"
        assert not module.has(a, "runtime", tag), f"SAVE {module.command} {spelling} reached RUNTIME"
        if isinstance(module, TableModule):
            module.remove(a, tag)
            a.run(f"SAVE {module.command} {spelling}")
            assert not module.has(a, "disk", tag), f"SAVE {module.command} {spelling} is not a full replace"


@by_command
def test_load_from_config(started, module):
    a = started.admin()
    if isinstance(module, TableModule):
        cfg = module.config_tag
        assert module.has(a, "runtime", cfg), "the config file's row was not loaded at the first start"
        a.run(f"DELETE FROM main.{module.table} WHERE {module.key} = '{cfg}'")
        a.run(f"LOAD {module.command} TO RUNTIME")
        own = module.change(a, 5000)
        read = a.run(f"LOAD {module.command} FROM CONFIG")
        assert read >= 1, "LOAD ... FROM CONFIG should report the entries it read as affected rows"
        assert module.has(a, "main", cfg), f"LOAD {module.command} FROM CONFIG did not put the file's row back"
        assert module.has(a, "main", own), f"LOAD {module.command} FROM CONFIG is a merge, yet a row was lost"
        assert not module.has(a, "runtime", cfg), f"LOAD {module.command} FROM CONFIG reached RUNTIME"
    else:
        own = module.change(a, 5000)
        a.run(f"LOAD {module.command} TO RUNTIME")
        assert a.run(f"LOAD {module.command} FROM CONFIG") >= 1
        assert module.has(a, "main", str(module.config_value)), f"LOAD {module.command} FROM CONFIG"
        assert module.has(a, "runtime", own), f"LOAD {module.command} FROM CONFIG reached RUNTIME"


def test_load_mysql_servers_covers_replication_hostgroups(started):
    a = started.admin()
    a.run("INSERT INTO mysql_replication_hostgroups (writer_hostgroup, reader_hostgroup, comment) VALUES (10, 20, 'x')")
    assert a.rows("SELECT * FROM runtime_mysql_replication_hostgroups") == []
    a.run("LOAD MYSQL SERVERS TO RUNTIME")
    assert a.rows("SELECT * FROM runtime_mysql_replication_hostgroups") == [("10", "20", "read_only", "x")]
    a.run("SAVE MYSQL SERVERS TO DISK")
    assert a.rows("SELECT * FROM disk.mysql_replication_hostgroups") == [("10", "20", "read_only", "x")]


def test_runtime_mysql_users_lists_frontend_and_backend_rows(started):
    """admin-schema.md §2.2: a user that is both frontend and backend appears as two rows in
    runtime_mysql_users, one frontend-only and one backend-only."""
    a = started.admin()
    rows = a.rows("SELECT username, frontend, backend FROM runtime_mysql_users WHERE username = 'app' ORDER BY frontend")
    assert rows == [("app", "0", "1"), ("app", "1", "0")]


# ---------------------------------------------------------------- restarts and start-up flags


def save_some_configuration(a: Admin) -> dict:
    """Changes every module through the admin, loads and saves it; returns what RUNTIME then shows."""
    a.run(f"INSERT INTO mysql_servers (hostgroup_id, hostname, port, comment) VALUES (5, '{HOST}', {REPLICA1}, 'saved')")
    a.run("INSERT INTO mysql_users (username, password, default_hostgroup) VALUES ('saved_user', 'pw', 5)")
    a.run("INSERT INTO mysql_query_rules (rule_id, active, match_digest, destination_hostgroup, apply, comment) "
          "VALUES (7, 1, '^SELECT saved', 5, 1, 'saved')")
    a.run("INSERT INTO scheduler (id, active, interval_ms, filename, comment) VALUES (7, 0, 5000, '/bin/true', 'saved')")
    a.run("INSERT INTO proxysql_servers (hostname, port, comment) VALUES ('127.0.0.1', 26001, 'saved')")
    a.run("SET mysql-max_connections = 1234")
    a.run("SET mysql-connect_timeout_server = 4321")
    a.run("SET admin-refresh_interval = 1500")
    for module in ("MYSQL SERVERS", "MYSQL USERS", "MYSQL QUERY RULES", "SCHEDULER", "PROXYSQL SERVERS",
                   "MYSQL VARIABLES", "ADMIN VARIABLES"):
        a.run(f"LOAD {module} TO RUNTIME")
        a.run(f"SAVE {module} TO DISK")
    return runtime_state(a)


def runtime_state(a: Admin, layer: str = "runtime") -> dict:
    t = lambda table: layer_table(table, layer)  # noqa: E731
    gv = "runtime_global_variables" if layer == "runtime" else f"{layer}.global_variables"
    return {
        "servers": a.rows(f"SELECT hostgroup_id, hostname, port, status, weight, comment FROM {t('mysql_servers')} "
                          "ORDER BY hostgroup_id, hostname, port"),
        "users": a.rows(f"SELECT DISTINCT username, password, default_hostgroup FROM {t('mysql_users')} ORDER BY 1"),
        "rules": a.rows(f"SELECT rule_id, match_digest, destination_hostgroup FROM {t('mysql_query_rules')} ORDER BY 1"),
        "scheduler": a.rows(f"SELECT id, interval_ms, filename FROM {t('scheduler')} ORDER BY 1"),
        "peers": a.rows(f"SELECT hostname, port, comment FROM {t('proxysql_servers')} ORDER BY 1, 2"),
        "variables": a.rows(f"SELECT variable_name, variable_value FROM {gv} WHERE variable_name IN "
                            "('mysql-max_connections', 'mysql-connect_timeout_server', 'admin-refresh_interval') "
                            "ORDER BY 1"),
    }


def different_config(j: JunctionProcess, **kw):
    """A config file that disagrees with what was saved, in every module."""
    args = dict(servers=[(0, PRIMARY), (9, REPLICA2, 'comment="file"')],
                users=[("app", "app", 0), ("file_user", "pw", 9)],
                mysql_variables="max_connections=999", admin_variables="refresh_interval=1999",
                sections='mysql_query_rules = ( { rule_id=9, active=1, match_digest="^SELECT file", '
                         'destination_hostgroup=9, apply=1 } )\n'
                         'scheduler = ( { id=9, active=0, interval_ms=9000, filename="/bin/false" } )\n'
                         'proxysql_servers = ( { hostname="127.0.0.1", port=26009, comment="file" } )\n')
    args.update(kw)
    j.write_config(**args)


def assert_client_port_works(port: int = PROXY_PORT):
    c = proxy_login(port, "app", "app")
    with c.cursor() as cur:
        cur.execute("SELECT 40 + 2")
        assert cur.fetchone() == (42,)
    c.close()


def test_disk_beats_the_config_file_after_a_restart(junction):
    junction.write_config()
    junction.start()
    saved = save_some_configuration(junction.admin())
    assert junction.stop() == 0

    different_config(junction)
    junction.start()
    a = junction.admin()
    assert runtime_state(a) == saved, "RUNTIME after the restart is not what was saved"
    assert runtime_state(a, "main") == saved
    assert runtime_state(a, "disk") == saved
    assert "file_user" not in a.column("SELECT username FROM runtime_mysql_users")
    assert not (junction.datadir / "junction.db.bak").exists()
    assert_client_port_works()


def test_initial_starts_from_the_config_file_and_keeps_a_backup(junction):
    junction.write_config()
    junction.start()
    save_some_configuration(junction.admin())
    assert junction.stop() == 0

    different_config(junction)
    junction.start("--initial")
    a = junction.admin()
    expected = {
        "servers": [("0", HOST, str(PRIMARY), "ONLINE", "1", ""), ("9", HOST, str(REPLICA2), "ONLINE", "1", "file")],
        "users": [("app", "app", "0"), ("file_user", "pw", "9")],
        "rules": [("9", "^SELECT file", "9")],
        "scheduler": [("9", "9000", "/bin/false")],
        "peers": [("127.0.0.1", "26009", "file")],
        "variables": [("admin-refresh_interval", "1999"), ("mysql-connect_timeout_server", "1000"),
                      ("mysql-max_connections", "999")],
    }
    for layer in ("runtime", "main", "disk"):
        assert runtime_state(a, layer) == expected, f"{layer} after --initial is not the config file"
    backup = junction.datadir / "junction.db.bak"
    assert backup.exists(), "--initial should rename junction.db to junction.db.bak"
    with sqlite3.connect(backup) as db:
        assert db.execute("SELECT comment FROM mysql_servers WHERE hostgroup_id = 5").fetchall() == [("saved",)]
    assert_client_port_works()


def test_reload_merges_the_config_file_into_disk(junction):
    junction.write_config()
    junction.start()
    save_some_configuration(junction.admin())
    assert junction.stop() == 0

    # Same keys as saved rows: server (5, 127.0.0.1, REPLICA1), user saved_user, rule 7, scheduler 7, peer 26001.
    different_config(
        junction,
        servers=[(0, PRIMARY), (5, REPLICA1, 'weight=7, comment="file"'), (9, REPLICA2, 'comment="file"')],
        users=[("app", "app", 0), ("saved_user", "newpw", 9), ("file_user", "pw", 9)],
        sections='mysql_query_rules = ( { rule_id=7, active=1, match_digest="^SELECT file", destination_hostgroup=9, '
                 'apply=1 }, { rule_id=9, active=1, match_digest="^SELECT nine", destination_hostgroup=9, apply=1 } )\n'
                 'scheduler = ( { id=9, active=0, interval_ms=9000, filename="/bin/false" } )\n'
                 'proxysql_servers = ( { hostname="127.0.0.1", port=26001, comment="file" } )\n',
    )
    junction.start("--reload")
    a = junction.admin()
    expected = {
        "servers": [("0", HOST, str(PRIMARY), "ONLINE", "1", ""), ("5", HOST, str(REPLICA1), "ONLINE", "7", "file"),
                    ("9", HOST, str(REPLICA2), "ONLINE", "1", "file")],
        "users": [("app", "app", "0"), ("file_user", "pw", "9"), ("saved_user", "newpw", "9")],
        "rules": [("7", "^SELECT file", "9"), ("9", "^SELECT nine", "9")],
        "scheduler": [("7", "5000", "/bin/true"), ("9", "9000", "/bin/false")],
        "peers": [("127.0.0.1", "26001", "file")],
        # max_connections and refresh_interval come from the file; connect_timeout_server only from disk.
        "variables": [("admin-refresh_interval", "1999"), ("mysql-connect_timeout_server", "4321"),
                      ("mysql-max_connections", "999")],
    }
    for layer in ("runtime", "main", "disk"):
        assert runtime_state(a, layer) == expected, f"{layer} after --reload is not disk + config file"
    assert not (junction.datadir / "junction.db.bak").exists()
    assert_client_port_works()


def test_first_start_writes_the_config_file_to_disk(junction):
    write_default_config(junction)
    assert not (junction.datadir / "junction.db").exists()
    junction.start()
    assert (junction.datadir / "junction.db").exists()
    a = junction.admin()
    expected = {
        "servers": [("0", HOST, str(PRIMARY), "ONLINE", "1", ""), ("91", HOST, str(REPLICA2), "ONLINE", "1", "cfg_servers")],
        "users": [("app", "app", "0"), ("cfg_users", "pw", "0")],
        "rules": [("50", "^SELECT cfg", "0")],
        "scheduler": [("50", "100000", "/bin/true")],
        "peers": [("127.0.0.1", "26999", "cfg_peers")],
        "variables": [("admin-refresh_interval", "2500"), ("mysql-connect_timeout_server", "1000"),
                      ("mysql-max_connections", "3001")],
    }
    for layer in ("disk", "main", "runtime"):
        assert runtime_state(a, layer) == expected, f"{layer} after the first start is not the config file"
    # What junction.db holds is what the next start (without the file's help) uses.
    with sqlite3.connect(junction.datadir / "junction.db") as db:
        assert db.execute("SELECT username FROM mysql_users ORDER BY 1").fetchall() == [("app",), ("cfg_users",)]
    assert_client_port_works()


# ---------------------------------------------------------------- refused LOADs


def insert_ignoring_checks(a: Admin, sql: str):
    """Gets a row past the table's CHECK constraints, as an edited junction.db would."""
    a.run("PRAGMA ignore_check_constraints = ON")
    try:
        a.run(sql)
    finally:
        a.run("PRAGMA ignore_check_constraints = OFF")


def checksum_row(a: Admin, name: str) -> tuple:
    return a.rows(f"SELECT version, checksum FROM runtime_checksums_values WHERE name = '{name}'")[0]


@pytest.mark.parametrize("module, table, bad_row", [
    ("MYSQL USERS", "mysql_users",
     "INSERT INTO mysql_users (username, password, attributes) VALUES ('bad_json', 'pw', 'not json')"),
    ("MYSQL SERVERS", "mysql_servers",
     f"INSERT INTO mysql_servers (hostgroup_id, hostname, port, status) VALUES (3, '{HOST}', {REPLICA1}, 'BROKEN')"),
], ids=["users_attributes_not_json", "servers_status_broken"])
def test_load_of_an_invalid_row_is_refused_and_runtime_is_unchanged(started, module, table, bad_row):
    a = started.admin()
    before = a.rows(f"SELECT * FROM runtime_{table}")
    version = checksum_row(a, table)
    # A good change next to the bad row: all or nothing.
    if table == "mysql_users":
        a.run("INSERT INTO mysql_users (username, password) VALUES ('good_user', 'pw')")
    else:
        a.run(f"INSERT INTO mysql_servers (hostgroup_id, hostname, port) VALUES (4, '{HOST}', {REPLICA2})")
    insert_ignoring_checks(a, bad_row)

    code, message = a.error(f"LOAD {module} TO RUNTIME")
    assert code == 1045 and message.startswith("Junction Admin Error: "), message
    assert table in message, f"the error should name the table: {message}"
    assert a.rows(f"SELECT * FROM runtime_{table}") == before, "RUNTIME changed although the LOAD was refused"
    assert checksum_row(a, table) == version, "the checksum version moved although the LOAD was refused"
    assert_client_port_works()


def test_load_of_a_non_numeric_max_connections_is_refused(started):
    """SQLite's `max_connections >= 0` holds for any text ('lots' > 0 in SQLite), so the row is accepted by the
    table; LOAD must refuse it rather than run with a value the runtime table does not show."""
    a = started.admin()
    before = a.rows("SELECT * FROM runtime_mysql_servers")
    a.run(f"INSERT INTO mysql_servers (hostgroup_id, hostname, port, max_connections) VALUES (3, '{HOST}', {REPLICA1}, 'lots')")
    code, message = a.error("LOAD MYSQL SERVERS TO RUNTIME")
    assert code == 1045 and "mysql_servers" in message and "max_connections" in message, message
    assert a.rows("SELECT * FROM runtime_mysql_servers") == before


def test_load_of_a_query_rule_with_a_broken_regex_is_refused(started):
    """admin-commands.md §4.1: LOAD MYSQL QUERY RULES returns ERR if a regex fails to compile, naming the rule."""
    a = started.admin()
    before = a.rows("SELECT * FROM runtime_mysql_query_rules")
    a.run("INSERT INTO mysql_query_rules (rule_id, active, match_pattern, destination_hostgroup, apply) "
          "VALUES (66, 1, '^SELECT (unclosed', 0, 1)")
    code, message = a.error("LOAD MYSQL QUERY RULES TO RUNTIME")
    assert code == 1045 and "66" in message, message
    assert a.rows("SELECT * FROM runtime_mysql_query_rules") == before


# ---------------------------------------------------------------- checksums


@pytest.mark.parametrize("module, names, change", [
    ("MYSQL SERVERS", ["mysql_servers", "mysql_servers_v2"],
     f"INSERT INTO mysql_servers (hostgroup_id, hostname, port) VALUES (8, '{HOST}', {REPLICA1})"),
    ("MYSQL USERS", ["mysql_users"], "INSERT INTO mysql_users (username, password) VALUES ('sum_user', 'pw')"),
    ("MYSQL QUERY RULES", ["mysql_query_rules"],
     "INSERT INTO mysql_query_rules (rule_id, active, match_digest, apply) VALUES (8, 1, '^SELECT sum', 1)"),
    ("MYSQL VARIABLES", ["mysql_variables"], "SET mysql-max_connections = 2345"),
    ("ADMIN VARIABLES", ["admin_variables"], "SET admin-refresh_interval = 2345"),
    ("PROXYSQL SERVERS", ["proxysql_servers"], "INSERT INTO proxysql_servers (hostname, port) VALUES ('127.0.0.1', 26123)"),
], ids=["mysql_servers", "mysql_users", "mysql_query_rules", "mysql_variables", "admin_variables", "proxysql_servers"])
def test_each_load_bumps_the_version_and_the_global_checksum(started, module, names, change):
    a = started.admin()
    start = int(time.time())
    before = {n: checksum_row(a, n) for n in names}
    global_before = a.value("SELECT GLOBAL_CHECKSUM()")

    a.run(change)
    a.run(f"LOAD {module} TO RUNTIME")
    after = {n: checksum_row(a, n) for n in names}
    global_after = a.value("SELECT GLOBAL_CHECKSUM()")
    for n in names:
        assert int(after[n][0]) == int(before[n][0]) + 1, f"{n} version: {before[n]} -> {after[n]}"
        assert after[n][1] != before[n][1], f"{n} checksum did not change with its content"
        assert after[n][1].startswith("0x")
    epoch = int(a.value(f"SELECT epoch FROM runtime_checksums_values WHERE name = '{names[0]}'"))
    assert start - 5 <= epoch <= time.time() + 5, f"epoch {epoch} is not the time of the LOAD"
    assert global_after != global_before, "SELECT GLOBAL_CHECKSUM() did not change"

    # The same content once more: a new version, the same checksum.
    a.run(f"LOAD {module} TO RUNTIME")
    again = {n: checksum_row(a, n) for n in names}
    for n in names:
        assert int(again[n][0]) == int(after[n][0]) + 1 and again[n][1] == after[n][1]
    assert a.value("SELECT GLOBAL_CHECKSUM()") != global_after
    # Other modules' versions are untouched.
    others = a.rows("SELECT name, version FROM runtime_checksums_values WHERE name NOT IN (%s)"
                    % ", ".join(f"'{n}'" for n in names))
    assert all(v == "1" for _, v in others), f"a LOAD of {module} moved other modules' versions: {others}"
