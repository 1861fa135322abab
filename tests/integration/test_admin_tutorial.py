"""The admin session of the ProxySQL tutorial (seed 000_b197184a488ea709, "ProxySQL-Admin>" prompt), replayed
with the real `mariadb` client against the session's Junction admin port.

Every step prints a table or a "Query OK" line in the tutorial; the tests read what the client printed. The
session Junction is shared with the other test files (its configuration: hostgroup 0 = the lab's primary, user
app), so the walk-through puts back what it changed, in all layers.
"""

from __future__ import annotations

import pytest

from admin_helpers import Admin, cli, create_lab_user, drop_lab_user, parse_tables, parse_vertical, transcript
from conftest import ADMIN_PORT, DIRECT, HOST, LAB_PORT, PROXY_PORT, uniq

pytestmark = [pytest.mark.skipif(DIRECT, reason="about Junction's admin interface"), pytest.mark.proxy_only]

PRIMARY, REPLICA1, REPLICA2 = LAB_PORT, LAB_PORT + 1, LAB_PORT + 2

# `show tables` in `main`, as the tutorial printed it (32 rows; its annotations removed).
TUTORIAL_TABLES = [
    "global_variables", "mysql_aws_aurora_hostgroups", "mysql_collations", "mysql_firewall_whitelist_rules",
    "mysql_firewall_whitelist_sqli_fingerprints", "mysql_firewall_whitelist_users", "mysql_galera_hostgroups",
    "mysql_group_replication_hostgroups", "mysql_query_rules", "mysql_query_rules_fast_routing",
    "mysql_replication_hostgroups", "mysql_servers", "mysql_users", "proxysql_servers", "restapi_routes",
    "runtime_checksums_values", "runtime_global_variables", "runtime_mysql_aws_aurora_hostgroups",
    "runtime_mysql_firewall_whitelist_rules", "runtime_mysql_firewall_whitelist_sqli_fingerprints",
    "runtime_mysql_firewall_whitelist_users", "runtime_mysql_galera_hostgroups",
    "runtime_mysql_group_replication_hostgroups", "runtime_mysql_query_rules",
    "runtime_mysql_query_rules_fast_routing", "runtime_mysql_replication_hostgroups", "runtime_mysql_servers",
    "runtime_mysql_users", "runtime_proxysql_servers", "runtime_restapi_routes", "runtime_scheduler", "scheduler",
]

# `show create table ...\G` as the tutorial printed it.
TUTORIAL_CREATE_REPLICATION_HOSTGROUPS = """CREATE TABLE mysql_replication_hostgroups (
    writer_hostgroup INT CHECK (writer_hostgroup>=0) NOT NULL PRIMARY KEY,
    reader_hostgroup INT NOT NULL CHECK (reader_hostgroup<>writer_hostgroup AND reader_hostgroup>=0),
    check_type VARCHAR CHECK (LOWER(check_type) IN ('read_only','innodb_read_only','super_read_only','read_only|innodb_read_only','read_only&innodb_read_only')) NOT NULL DEFAULT 'read_only',
    comment VARCHAR NOT NULL DEFAULT '', UNIQUE (reader_hostgroup))"""

TUTORIAL_CREATE_SERVERS = """CREATE TABLE mysql_servers (
    hostgroup_id INT CHECK (hostgroup_id>=0) NOT NULL DEFAULT 0,
    hostname VARCHAR NOT NULL,
    port INT CHECK (port >= 0 AND port <= 65535) NOT NULL DEFAULT 3306,
    gtid_port INT CHECK ((gtid_port <> port OR gtid_port=0) AND gtid_port >= 0 AND gtid_port <= 65535) NOT NULL DEFAULT 0,
    status VARCHAR CHECK (UPPER(status) IN ('ONLINE','SHUNNED','OFFLINE_SOFT', 'OFFLINE_HARD')) NOT NULL DEFAULT 'ONLINE',
    weight INT CHECK (weight >= 0 AND weight <=10000000) NOT NULL DEFAULT 1,
    compression INT CHECK (compression IN(0,1)) NOT NULL DEFAULT 0,
    max_connections INT CHECK (max_connections >=0) NOT NULL DEFAULT 1000,
    max_replication_lag INT CHECK (max_replication_lag >= 0 AND max_replication_lag <= 126144000) NOT NULL DEFAULT 0,
    use_ssl INT CHECK (use_ssl IN(0,1)) NOT NULL DEFAULT 0,
    max_latency_ms INT UNSIGNED CHECK (max_latency_ms>=0) NOT NULL DEFAULT 0,
    comment VARCHAR NOT NULL DEFAULT '',
    PRIMARY KEY (hostgroup_id, hostname, port) )"""

SERVER_COLUMNS = ["hostgroup_id", "hostname", "port", "gtid_port", "status", "weight", "compression",
                  "max_connections", "max_replication_lag", "use_ssl", "max_latency_ms", "comment"]


def admin_script(script: str):
    """The tutorial's `mysql -u admin -padmin -h 127.0.0.1 -P 6032`, fed `script`: one Step per statement."""
    return transcript(ADMIN_PORT, script)


# ---------------------------------------------------------------- read-only steps


def test_show_databases_lists_the_five_schemas(proxy):
    [table] = parse_tables(cli(ADMIN_PORT, "--table", "-e", "show databases;").stdout)
    assert table.header == ["seq", "name", "file"]
    by_name = {r[1]: r for r in table.rows}
    assert [r[1] for r in table.rows] == ["main", "disk", "stats", "monitor", "stats_history"]
    assert [r[0] for r in table.rows] == ["0", "2", "3", "4", "5"]
    assert by_name["main"][2] == "" and by_name["stats"][2] == "" and by_name["monitor"][2] == ""
    assert by_name["disk"][2].startswith("/") and by_name["disk"][2].endswith("/junction.db"), by_name["disk"]
    assert by_name["stats_history"][2].endswith("/junction_stats.db"), by_name["stats_history"]


def test_use_main_and_show_tables_has_the_tutorials_tables(proxy):
    [step] = admin_script("use main\nshow tables;\n")
    assert step.table.header == ["tables"]
    tables = step.table.column("tables")
    missing = [t for t in TUTORIAL_TABLES if t not in tables]
    assert not missing, f"show tables lacks {missing}"
    assert tables == sorted(tables), "show tables is not sorted"
    assert not any(t.startswith("stats_") for t in tables), "stats tables belong to the stats schema"


@pytest.mark.parametrize("table, expected", [
    ("mysql_replication_hostgroups", TUTORIAL_CREATE_REPLICATION_HOSTGROUPS),
    ("mysql_servers", TUTORIAL_CREATE_SERVERS),
], ids=["mysql_replication_hostgroups", "mysql_servers"])
def test_show_create_table_matches_the_tutorial(proxy, table, expected):
    r = cli(ADMIN_PORT, "-e", f"show create table {table}\\G")
    assert r.returncode == 0, r.stderr
    [record] = parse_vertical(r.stdout)
    assert record["table"] == table
    assert record["Create Table"] == expected


def test_select_version_comment_as_the_client_shows_it(proxy):
    [table] = parse_tables(cli(ADMIN_PORT, "--table", "-e", "select @@version_comment limit 1").stdout)
    assert table.header == ["(Junction Admin Module)"] and table.rows == [["(Junction Admin Module)"]]


# ---------------------------------------------------------------- the read/write split walk-through


@pytest.fixture
def tutorial_user():
    """The tutorial's `create user 'proxysql'@... identified by 'Proxy-123456'` on the master (replicated)."""
    name, password = uniq("tut"), "Proxy-123456"
    create_lab_user(name, password)
    yield name, password
    drop_lab_user(name)


@pytest.fixture
def restore_session_proxy(proxy):
    """Puts the session Junction's MEMORY, RUNTIME and DISK back as they were: other test files use it."""
    with Admin(ADMIN_PORT) as a:
        before = {
            "servers": a.rows("SELECT * FROM runtime_mysql_servers ORDER BY hostgroup_id, hostname, port"),
            "users": a.column("SELECT username FROM runtime_mysql_users ORDER BY username"),
            "variables": {n: a.variable(n) for n in ("mysql-monitor_username", "mysql-monitor_password")},
        }
        assert a.rows("SELECT * FROM mysql_replication_hostgroups") == [], "left over from an earlier run?"
        assert a.rows("SELECT * FROM mysql_query_rules WHERE rule_id IN (1, 2, 3)") == [], "left over?"
    added_users: list[str] = []
    yield added_users
    with Admin(ADMIN_PORT) as a:
        a.run("DELETE FROM mysql_replication_hostgroups WHERE writer_hostgroup = 10")
        a.run("DELETE FROM mysql_servers WHERE hostgroup_id IN (10, 20)")
        a.run("DELETE FROM mysql_query_rules WHERE rule_id IN (1, 2, 3)")
        for u in added_users:
            a.run(f"DELETE FROM mysql_users WHERE username = '{u}'")
        for name, value in before["variables"].items():
            a.run(f"SET {name} = '{value}'")
        for module in ("MYSQL SERVERS", "MYSQL USERS", "MYSQL QUERY RULES", "MYSQL VARIABLES"):
            a.run(f"LOAD {module} TO RUNTIME")
            a.run(f"SAVE {module} TO DISK")
        assert a.rows("SELECT * FROM runtime_mysql_servers ORDER BY hostgroup_id, hostname, port") == before["servers"]
        assert a.column("SELECT username FROM runtime_mysql_users ORDER BY username") == before["users"]


def test_tutorial_read_write_split_configuration(proxy, tutorial_user, restore_session_proxy):
    user, password = tutorial_user

    # 配置主从分组信息: the writer/reader pair, then through the three layers.
    steps = admin_script(
        "insert into mysql_replication_hostgroups ( writer_hostgroup, reader_hostgroup, comment) values (10,20,'proxy');\n"
        "select * from main.mysql_replication_hostgroups;\n"
        "select * from main.runtime_mysql_replication_hostgroups;\n"
        "load mysql servers to runtime;\n"
        "select * from main.runtime_mysql_replication_hostgroups;\n"
        "use disk\n"
        "select * from disk.mysql_replication_hostgroups;\n"
        "save mysql servers to disk\n;\n"
        "select * from disk.mysql_replication_hostgroups;\n"
    )
    pair = [["10", "20", "read_only", "proxy"]]
    insert, memory, runtime_before, load, runtime_after, disk_before, save, disk_after = steps
    assert insert.affected == 1, insert.output
    assert memory.table.header == ["writer_hostgroup", "reader_hostgroup", "check_type", "comment"]
    assert memory.rows == pair
    assert runtime_before.rows == [], "RUNTIME changed before LOAD"
    assert load.affected == 0, load.output
    assert runtime_after.rows == pair
    assert disk_before.rows == [], "DISK changed before SAVE"
    assert save.affected is not None, save.output
    assert disk_after.rows == pair

    # 将服务器添加到mysql_servers表: master in the writer group, the two slaves in the reader group. (The tutorial
    # quotes the comment with "..."; test_tutorial_double_quoted_string_literal covers that on its own.)
    steps = admin_script(
        f"insert into mysql_servers(hostgroup_id,hostname,port,comment) values (10,'{HOST}',{PRIMARY},'第一次测试的主机');\n"
        f"insert into mysql_servers(hostgroup_id,hostname,port,comment) values (20,'{HOST}',{REPLICA1},'第一次测试的从机1');\n"
        f"insert into mysql_servers(hostgroup_id,hostname,port,comment) values (20,'{HOST}',{REPLICA2},'第一次测试的从机2');\n"
        "select * from runtime_mysql_servers where hostgroup_id in (10, 20);\n"
        "select * from disk.mysql_servers where hostgroup_id in (10, 20);\n"
        "load mysql servers to runtime;\n"
        "save mysql servers to disk;\n"
        "select * from disk.mysql_servers where hostgroup_id in (10, 20) order by port;\n"
        "select * from runtime_mysql_servers where hostgroup_id in (10, 20) order by port;\n"
        "select * from main.mysql_servers where hostgroup_id in (10, 20) order by port;\n"
    )
    assert [s.affected for s in steps[:3]] == [1, 1, 1]
    assert steps[3].rows == [] and steps[4].rows == [], "servers reached RUNTIME/DISK before LOAD/SAVE"
    assert steps[5].affected == 0 and steps[6].affected is not None
    expected = [
        ["10", HOST, str(PRIMARY), "0", "ONLINE", "1", "0", "1000", "0", "0", "0", "第一次测试的主机"],
        ["20", HOST, str(REPLICA1), "0", "ONLINE", "1", "0", "1000", "0", "0", "0", "第一次测试的从机1"],
        ["20", HOST, str(REPLICA2), "0", "ONLINE", "1", "0", "1000", "0", "0", "0", "第一次测试的从机2"],
    ]
    for layer in steps[7:]:
        assert layer.table.header == SERVER_COLUMNS, layer.sql
        assert layer.rows == expected, layer.sql

    # ProxySQL 监控后端节点: the monitor account.
    steps = admin_script(
        "set mysql-monitor_username='monitor';\n"
        "set mysql-monitor_password='monitor';\n"
        "load mysql variables to runtime;\n"
        "save mysql variables to disk;\n"
        "select * from global_variables where variable_name in ('mysql-monitor_username','mysql-monitor_password') order by 1;\n"
        "select * from runtime_global_variables where variable_name in ('mysql-monitor_username','mysql-monitor_password') order by 1;\n"
        "select * from disk.global_variables where variable_name in ('mysql-monitor_username','mysql-monitor_password') order by 1;\n"
    )
    assert [s.affected for s in steps[:2]] == [1, 1], [s.output for s in steps[:2]]
    assert steps[2].affected == 0
    assert steps[3].affected is not None, steps[3].output  # the tutorial shows "136 rows affected"; the spec says 0
    for layer in steps[4:]:
        assert layer.table.header == ["variable_name", "variable_value"], layer.sql
        assert layer.rows == [["mysql-monitor_password", "monitor"], ["mysql-monitor_username", "monitor"]], layer.sql

    # 配置proxy: the application account, then a login through the client port.
    steps = admin_script(
        f"insert into mysql_users(username,password,default_hostgroup) values('{user}','{password}',10);\n"
        "load mysql users to runtime;\n"
        "save mysql users to disk;\n"
        f"select username, password, active, default_hostgroup, transaction_persistent, backend, frontend, "
        f"max_connections from mysql_users where username = '{user}';\n"
        f"select distinct username, password, default_hostgroup from runtime_mysql_users where username = '{user}';\n"
        f"select username, password, default_hostgroup from disk.mysql_users where username = '{user}';\n"
    )
    restore_session_proxy.append(user)
    assert steps[0].affected == 1 and steps[1].affected == 0 and steps[2].affected is not None
    assert steps[3].rows == [[user, password, "1", "10", "1", "1", "1", "10000"]]
    assert steps[4].rows == [[user, password, "10"]]
    assert steps[5].rows == [[user, password, "10"]]
    r = cli(PROXY_PORT, "-N", "-e", "select 1; select @@server_id", user=user, password=password)
    assert r.returncode == 0, f"{user} cannot log in on {PROXY_PORT}: {r.stderr}"
    assert r.stdout.split() == ["1", "1"], "expected `1`, then the master's server_id (1): hostgroup 10"

    # 配置读写分离: the three query rules, in rule_id order at runtime.
    steps = admin_script(
        "insert into mysql_query_rules(rule_id,active,match_pattern,destination_hostgroup,apply) values (2,1,'^select',20,1);\n"
        "insert into mysql_query_rules(rule_id,active,match_pattern,destination_hostgroup,apply) values (1,1,'^SELECT.*FOR UPDATE$',10,1);\n"
        "insert into mysql_query_rules(rule_id,active,match_pattern,destination_hostgroup,apply) values (3,1,'^insert',10,1);\n"
        "select rule_id from runtime_mysql_query_rules where rule_id in (1,2,3);\n"
        "load mysql query rules to runtime;\n"
        "save mysql query rules to disk;\n"
        "select rule_id, active, match_pattern, destination_hostgroup, apply, re_modifiers from runtime_mysql_query_rules where rule_id in (1,2,3);\n"
        "select rule_id, active, match_pattern, destination_hostgroup, apply, re_modifiers from disk.mysql_query_rules where rule_id in (1,2,3) order by rule_id;\n"
    )
    assert [s.affected for s in steps[:3]] == [1, 1, 1]
    assert steps[3].rows == [], "rules reached RUNTIME before LOAD"
    assert steps[4].affected == 0 and steps[5].affected is not None
    rules = [["1", "1", "^SELECT.*FOR UPDATE$", "10", "1", "CASELESS"],
             ["2", "1", "^select", "20", "1", "CASELESS"],
             ["3", "1", "^insert", "10", "1", "CASELESS"]]
    assert steps[6].rows == rules, "runtime_mysql_query_rules should list the rules in rule_id order"
    assert steps[7].rows == rules


def test_tutorial_double_quoted_string_literal(proxy, restore_session_proxy):
    """The tutorial's `insert into mysql_servers(...) values (10,'xxx.xxx.xxx.xxx',3306,"说明")`: SQLite (as
    embedded by ProxySQL) reads a double-quoted word that names no column as a string literal."""
    steps = admin_script(
        f"insert into mysql_servers(hostgroup_id,hostname,port,comment) values (10,'{HOST}',{PRIMARY},\"说明\");\n"
        "select hostgroup_id, port, comment from mysql_servers where hostgroup_id = 10;\n"
    )
    assert steps[0].affected == 1
    assert steps[1].rows == [["10", str(PRIMARY), "说明"]]


def test_tutorial_read_write_split_routes_reads_to_the_reader_group(proxy, tutorial_user, restore_session_proxy):
    """读写分离测试: with the tutorial's servers, user and rules loaded, `select @@server_id` is answered by a slave
    (hostgroup 20) and `select @@server_id for update` by the master (hostgroup 10)."""
    user, password = tutorial_user
    restore_session_proxy.append(user)
    admin_script(
        "insert into mysql_replication_hostgroups (writer_hostgroup, reader_hostgroup, comment) values (10,20,'proxy');\n"
        f"insert into mysql_servers(hostgroup_id,hostname,port) values (10,'{HOST}',{PRIMARY});\n"
        f"insert into mysql_servers(hostgroup_id,hostname,port) values (20,'{HOST}',{REPLICA1});\n"
        f"insert into mysql_servers(hostgroup_id,hostname,port) values (20,'{HOST}',{REPLICA2});\n"
        f"insert into mysql_users(username,password,default_hostgroup) values('{user}','{password}',10);\n"
        "insert into mysql_query_rules(rule_id,active,match_pattern,destination_hostgroup,apply) values (2,1,'^select',20,1);\n"
        "insert into mysql_query_rules(rule_id,active,match_pattern,destination_hostgroup,apply) values (1,1,'^SELECT.*FOR UPDATE$',10,1);\n"
        "insert into mysql_query_rules(rule_id,active,match_pattern,destination_hostgroup,apply) values (3,1,'^insert',10,1);\n"
        "load mysql servers to runtime;\nload mysql users to runtime;\nload mysql query rules to runtime;\n"
    )
    reads = cli(PROXY_PORT, "-N", "-e", "select @@server_id; select @@server_id; select @@server_id; select @@server_id",
                user=user, password=password)
    assert reads.returncode == 0, reads.stderr
    assert set(reads.stdout.split()) <= {"2", "3"}, \
        f"`select @@server_id` should go to the reader group (server_id 2/3), got {reads.stdout.split()}"
    locking = cli(PROXY_PORT, "-N", "-e", "select @@server_id for update", user=user, password=password)
    assert locking.returncode == 0, locking.stderr
    assert locking.stdout.split() == ["1"], "`select ... for update` should go to the writer group (server_id 1)"
