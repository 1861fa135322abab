"""Three Junction nodes as a cluster: every node lists every peer × module in stats_proxysql_servers_checksums with
the peer's own version, epoch and checksum, shows the peer's counters in stats_proxysql_servers_metrics, and is listed
by its pollers in stats_proxysql_servers_clients_status; a change loaded on any node reaches the others' runtime and
disk and is served there (a new user logs in through another node, a new server gets queries); diffs_before_sync=0
stops one module. A peer with the wrong cluster password is logged once and not shown, and polled once corrected."""

from __future__ import annotations

import os
import signal
import time

import pytest

from admin_helpers import Admin, JunctionProcess, proxy_login
from fake_peer import FakePeer
from conftest import DIRECT, HOST, LAB_PORT, wait_until

pytestmark = [pytest.mark.skipif(DIRECT, reason="about Junction's cluster"), pytest.mark.proxy_only]

NODES = [(17232, 17233), (17242, 17243), (17252, 17253)]
MODULES = {"admin_variables", "mysql_query_rules", "mysql_servers", "mysql_servers_v2", "mysql_users", "mysql_variables",
           "proxysql_servers"}


def peers_section(nodes) -> str:
    rows = ", ".join(f'{{ hostname="{HOST}", port={admin} }}' for admin, _ in nodes)
    return f"proxysql_servers = ( {rows} )\n"


def cluster_admin_variables(password: str = "secret") -> str:
    return (f'cluster_username="cluster1" cluster_password="{password}" cluster_check_interval_ms=200 '
            "cluster_check_status_frequency=1")


@pytest.fixture
def nodes(tmp_path, lab):
    started = []
    try:
        for i, (admin, proxy) in enumerate(NODES):
            (tmp_path / f"node{i}").mkdir()
            j = JunctionProcess(tmp_path / f"node{i}", admin, proxy)
            j.write_config(admin_credentials="admin:admin;cluster1:secret", admin_variables=cluster_admin_variables(),
                           sections=peers_section(NODES))
            j.start()
            started.append(j)
        yield started
    finally:
        for j in started:
            rc = j.stop()
            assert rc == 0, f"junction exited with {rc}:\n{j.log()}"


def checksums_of(admin: Admin, peer_port: int) -> dict[str, tuple]:
    rows = admin.rows("SELECT name, version, epoch, checksum, diff_check FROM stats_proxysql_servers_checksums "
                      f"WHERE hostname='{HOST}' AND port={peer_port}")
    return {r[0]: (int(r[1]), int(r[2]), r[3], int(r[4])) for r in rows}


def runtime_checksums(admin: Admin) -> dict[str, tuple]:
    return {r[0]: (int(r[1]), int(r[2]), r[3])
            for r in admin.rows("SELECT name, version, epoch, checksum FROM runtime_checksums_values")}


def test_every_node_shows_every_peers_modules_and_counters(nodes):
    a, b, c = (n.admin() for n in nodes)
    b_port, c_port = NODES[1][0], NODES[2][0]

    def a_sees_b_as_b_is():
        seen = checksums_of(a, b_port)
        own = runtime_checksums(b)
        return set(seen) >= MODULES and all(seen[m][:3] == own[m] for m in MODULES)

    wait_until(a_sees_b_as_b_is, timeout=20, what="node A's view of node B's checksums")
    wait_until(lambda: set(checksums_of(a, c_port)) >= MODULES, timeout=20, what="node A's view of node C")
    # The same config everywhere except each node's own interfaces: no module differs, so diff_check stays 0.
    assert all(v[3] == 0 for v in checksums_of(a, b_port).values() if v[0] > 0)
    metrics = a.rows(f"SELECT Uptime_s, response_time_ms, last_check_ms FROM stats_proxysql_servers_metrics WHERE port={b_port}")
    assert metrics and int(metrics[0][0]) >= 0 and int(metrics[0][2]) < 5000, metrics
    clients = b.rows("SELECT uuid, hostname, admin_mysql_ifaces FROM stats_proxysql_servers_clients_status")
    assert {r[2] for r in clients} >= {f"{HOST}:{NODES[0][0]}", f"{HOST}:{NODES[2][0]}"}, clients


def served_servers(admin: Admin, layer: str = "runtime_mysql_servers") -> set[tuple]:
    return {(int(r[0]), r[1], int(r[2])) for r in admin.rows(f"SELECT hostgroup_id, hostname, port FROM {layer}")}


def test_a_change_loaded_on_any_node_reaches_every_node_and_its_disk(nodes):
    a, b, c = (n.admin() for n in nodes)
    # A server added on B: A and C serve it and saved it to disk.
    b.run(f"INSERT INTO mysql_servers (hostgroup_id, hostname, port) VALUES (5, '{HOST}', {LAB_PORT + 1})")
    assert b.run("LOAD MYSQL SERVERS TO RUNTIME") == 0
    added = (5, HOST, LAB_PORT + 1)
    for other in (a, c):
        wait_until(lambda: added in served_servers(other), timeout=20, what="the new server on the other nodes")
        wait_until(lambda: added in served_servers(other, "disk.mysql_servers"), timeout=10, what="the new server on disk")
    assert runtime_checksums(a)["mysql_servers_v2"][2:] == runtime_checksums(b)["mysql_servers_v2"][2:]
    assert runtime_checksums(a)["mysql_servers_v2"][1] == runtime_checksums(b)["mysql_servers_v2"][1], "the peer's epoch is kept"
    # A user added on C logs in through A (the lab's monitor account), to the server B added.
    c.run("INSERT INTO mysql_users (username, password, default_hostgroup, comment) VALUES ('monitor', 'monitor', 5, 'from C')")
    assert c.run("LOAD MYSQL USERS TO RUNTIME") == 0
    wait_until(lambda: ("monitor", "from C") in {(r[0], r[1]) for r in a.rows("SELECT username, comment FROM runtime_mysql_users")},
               timeout=20, what="C's user on A")
    conn = proxy_login(NODES[0][1], "monitor", "monitor")
    with conn.cursor() as cur:
        cur.execute("SHOW VARIABLES LIKE 'port'")
        assert int(cur.fetchone()[1]) == LAB_PORT + 1, "C's user logs in through A, to the server B added"
    conn.close()
    # A rule added on C routes on A; mysql variables changed on B, proxysql_servers on A reach the others.
    time.sleep(1.1)
    c.run("INSERT INTO mysql_query_rules (rule_id, active, match_pattern, destination_hostgroup, apply) VALUES (3, 1, '^SELECT @@port', 5, 1)")
    assert c.run("LOAD MYSQL QUERY RULES TO RUNTIME") == 0
    b.run("UPDATE global_variables SET variable_value='2345' WHERE variable_name='mysql-max_connections'")
    assert b.run("LOAD MYSQL VARIABLES TO RUNTIME") == 0
    a.run(f"UPDATE proxysql_servers SET comment='node a' WHERE port={NODES[0][0]}")
    assert a.run("LOAD PROXYSQL SERVERS TO RUNTIME") == 0
    wait_until(lambda: [r[0] for r in a.rows("SELECT rule_id FROM runtime_mysql_query_rules")] == ["3"], timeout=20,
               what="C's rule on A")
    conn = proxy_login(NODES[0][1], "app", "app")
    with conn.cursor() as cur:
        cur.execute("SELECT @@port")
        assert cur.fetchone()[0] == LAB_PORT + 1, "A routes by the rule C added"
    conn.close()
    max_connections = "SELECT variable_value FROM {}global_variables WHERE variable_name='mysql-max_connections'"
    comments = "SELECT comment FROM {}proxysql_servers WHERE port=" + str(NODES[0][0])
    for other in (a, c):
        wait_until(lambda: other.rows(max_connections.format("runtime_")) == [("2345",)], timeout=20, what="B's variable")
        wait_until(lambda: other.rows(max_connections.format("disk.")) == [("2345",)], timeout=10, what="B's variable on disk")
    for other in (b, c):
        wait_until(lambda: other.rows(comments.format("runtime_")) == [("node a",)], timeout=20, what="A's proxysql_servers")
        wait_until(lambda: other.rows(comments.format("disk.")) == [("node a",)], timeout=10, what="A's proxysql_servers on disk")
    # diffs_before_sync=0 stops the query rules. Loaded on A, the setting reaches every node with the admin variables,
    # as in ProxySQL; other modules keep syncing. The deprecated admin-checksum_mysql_query_rules=false does the same.
    setting = "SELECT variable_value FROM runtime_global_variables WHERE variable_name='{}'"
    for name, value, rule in [("admin-cluster_mysql_query_rules_diffs_before_sync", "0", 9),
                              ("admin-checksum_mysql_query_rules", "false", 10)]:
        time.sleep(1.1)  # a load in a later second than the last one taken
        a.run(f"SET {name}='{value}'")
        assert a.run("LOAD ADMIN VARIABLES TO RUNTIME") == 0
        for other in (b, c):
            wait_until(lambda: other.rows(setting.format(name)) == [(value,)], timeout=20, what=f"{name} on the other nodes")
        time.sleep(1.1)
        b.run(f"INSERT INTO mysql_query_rules (rule_id, active, match_pattern, destination_hostgroup, apply) "
              f"VALUES ({rule}, 1, '^SELECT {rule}', 5, 1)")
        assert b.run("LOAD MYSQL QUERY RULES TO RUNTIME") == 0
        b.run(f"UPDATE mysql_users SET comment='after {rule}' WHERE username='app'")
        assert b.run("LOAD MYSQL USERS TO RUNTIME") == 0
        for other in (a, c):
            wait_until(lambda: (f"after {rule}",) in set(other.rows("SELECT comment FROM runtime_mysql_users")), timeout=20,
                       what="the users change, still taken")
        time.sleep(1.0)
        for other in (a, c):
            assert (str(rule),) not in set(other.rows("SELECT rule_id FROM runtime_mysql_query_rules")), \
                f"{name}={value}: the rules are not taken"
        if value == "0":
            a.run(f"SET {name}=3")


def test_a_peer_refusing_the_cluster_credentials_is_logged_once_and_not_shown(tmp_path, lab):
    (a_admin, a_proxy), (b_admin, b_proxy) = NODES[0], NODES[1]
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = JunctionProcess(tmp_path / "a", a_admin, a_proxy)
    b = JunctionProcess(tmp_path / "b", b_admin, b_proxy)
    a.write_config(admin_credentials="admin:admin;cluster1:secret", admin_variables=cluster_admin_variables("wrong"),
                   sections=peers_section(NODES[:2]))
    b.write_config(admin_credentials="admin:admin;cluster1:secret", admin_variables=cluster_admin_variables(),
                   sections=peers_section(NODES[:2]))
    try:
        b.start()
        a.start()
        admin_a = a.admin()
        wait_until(lambda: "cluster peer unreachable or refusing" in a.log(), timeout=20, what="the refusal in A's log")
        time.sleep(2)  # ten polls and more
        refusals = [line for line in a.log().splitlines()
                    if "cluster peer unreachable or refusing" in line and "Access denied" in line and f":{b_admin}" in line]
        assert len(refusals) == 1, f"once per peer and condition, not per poll: {refusals}"
        assert checksums_of(admin_a, b_admin) == {}
        # Corrected: A polls B.
        admin_a.run("SET admin-cluster_password='secret'")
        assert admin_a.run("LOAD ADMIN VARIABLES TO RUNTIME") == 0
        wait_until(lambda: set(checksums_of(admin_a, b_admin)) >= MODULES, timeout=20, what="A polling B once corrected")
        assert "cluster peer answering again" in a.log()
    finally:
        for j in (a, b):
            rc = j.stop()
            assert rc == 0, f"junction exited with {rc}:\n{j.log()}"


@pytest.mark.parametrize("mode", ["lying", "garbage"])
def test_a_peer_that_lies_or_talks_garbage_changes_nothing(tmp_path, lab, mode):
    """A fake peer advertising a newer servers configuration whose rows do not hash to its checksum (lying), or
    answering with bytes that are no MySQL answer (garbage): nothing is applied, the node keeps serving, and the log
    says which peer and why."""
    fake_port = 17262
    peer = FakePeer(fake_port, mode)
    (tmp_path / "a").mkdir()
    a = JunctionProcess(tmp_path / "a", NODES[0][0], NODES[0][1])
    a.write_config(admin_credentials="admin:admin;cluster1:secret", admin_variables=cluster_admin_variables(),
                   sections=f'proxysql_servers = ( {{ hostname="{HOST}", port={fake_port} }} )\n')
    try:
        a.start()
        admin = a.admin()
        before = served_servers(admin)
        if mode == "lying":
            wait_until(lambda: "not applied" in a.log(), timeout=20, what="the refused module in the log")
            assert "0xDEADBEEF" in a.log() and f":{fake_port}" in a.log()
            assert any("FROM mysql_servers_v2" in q for q in peer.queries), "the module was fetched"
            time.sleep(1.5)  # several polls more
            assert a.log().count("not applied") == 1, "the same lie is fetched and logged once"
        else:
            wait_until(lambda: "cluster peer unreachable or refusing" in a.log(), timeout=20, what="the garbage in the log")
            time.sleep(1)
        assert served_servers(admin) == before, "nothing from the peer reached the runtime"
        assert ("10.66.66.66",) not in {(r[0],) for r in admin.rows("SELECT hostname FROM disk.mysql_servers")}
        conn = proxy_login(NODES[0][1], "app", "app")
        with conn.cursor() as cur:
            cur.execute("SELECT 1")
            assert cur.fetchone() == (1,)
        conn.close()
    finally:
        peer.stop()
        rc = a.stop()
        assert rc == 0, f"junction exited with {rc}:\n{a.log()}"


@pytest.mark.parametrize("how", ["stopped", "killed"])
def test_a_node_restarted_with_a_stale_config_takes_the_clusters_and_pushes_nothing(nodes, how):
    """A node stopped (or killed with SIGKILL) misses a change: the others carry on and take it among themselves;
    restarted with its old configuration on disk (its modules at version 1), it takes the cluster's."""
    a, b = nodes[0].admin(), nodes[1].admin()
    c_node = nodes[2]
    if how == "stopped":
        assert c_node.stop() == 0
    else:
        os.kill(c_node.proc.pid, signal.SIGKILL)
        c_node.proc.wait(timeout=10)
    a.run(f"INSERT INTO mysql_servers (hostgroup_id, hostname, port) VALUES (6, '{HOST}', {LAB_PORT + 2})")
    assert a.run("LOAD MYSQL SERVERS TO RUNTIME") == 0
    added = (6, HOST, LAB_PORT + 2)
    wait_until(lambda: added in served_servers(b), timeout=20, what="B taking A's change")
    c_node.start()  # its disk still has the old servers: at version 1 it follows the cluster
    c = c_node.admin()
    wait_until(lambda: added in served_servers(c), timeout=20, what="the restarted node taking the cluster's servers")
    time.sleep(1.5)
    assert added in served_servers(a) and added in served_servers(b), "nobody took the restarted node's stale servers"


def test_the_tutorials_setup_by_sql_on_one_node_and_by_file_on_the_others(tmp_path, lab):
    """Node A starts with no cluster settings and is set up by SQL as the tutorial does; B and C by their config
    files. A change loaded on B is then served by A, and A's admin variables (loaded last) reach B and C."""
    started = []
    try:
        for i, (admin, proxy) in enumerate(NODES):
            (tmp_path / f"n{i}").mkdir()
            j = JunctionProcess(tmp_path / f"n{i}", admin, proxy)
            if i == 0:
                j.write_config(admin_credentials="admin:admin")
            else:
                j.write_config(admin_credentials="admin:admin;cluster1:secret", admin_variables=cluster_admin_variables(),
                               sections=peers_section(NODES))
            j.start()
            started.append(j)
        a, b, c = (j.admin() for j in started)
        for sql in ['set admin-admin_credentials="admin:admin;cluster1:secret"', "set admin-cluster_username='cluster1'",
                    "set admin-cluster_password='secret'", "set admin-cluster_check_interval_ms=200",
                    "set admin-cluster_check_status_frequency=100", "LOAD ADMIN VARIABLES TO RUNTIME",
                    "SAVE ADMIN VARIABLES TO DISK"]:
            a.run(sql)
        for admin_port, _ in NODES:
            a.run(f"insert into proxysql_servers(hostname, port, weight, comment) values ('{HOST}', {admin_port}, 1, 'node')")
        a.run("LOAD PROXYSQL SERVERS TO RUNTIME")
        a.run("SAVE PROXYSQL SERVERS TO DISK")
        b.run(f"INSERT INTO mysql_servers (hostgroup_id, hostname, port) VALUES (8, '{HOST}', {LAB_PORT + 1})")
        assert b.run("LOAD MYSQL SERVERS TO RUNTIME") == 0
        wait_until(lambda: (8, HOST, LAB_PORT + 1) in served_servers(a), timeout=20, what="B's server on A")
        for other in (b, c):
            wait_until(lambda: other.rows("SELECT variable_value FROM runtime_global_variables "
                                          "WHERE variable_name='admin-cluster_check_status_frequency'") == [("100",)],
                       timeout=20, what="A's admin variables on the other nodes")
            # Each node keeps its own interfaces.
            assert other.rows("SELECT variable_value FROM runtime_global_variables WHERE variable_name='admin-mysql_ifaces'") \
                != a.rows("SELECT variable_value FROM runtime_global_variables WHERE variable_name='admin-mysql_ifaces'")
    finally:
        for j in started:
            rc = j.stop()
            assert rc == 0, f"junction exited with {rc}:\n{j.log()}"


def test_the_servers_sync_algorithm_decides_whether_a_peers_monitor_placement_is_taken(tmp_path, lab):
    """Node B's monitor moves a read-only server out of the writer hostgroup. With
    admin-cluster_mysql_servers_sync_algorithm=1 (the default) node A takes B's servers configuration and B's runtime
    servers, so A serves B's placement; with 2 it takes only the configuration and serves it as written."""
    (a_admin, a_proxy), (b_admin, b_proxy) = NODES[0], NODES[1]
    replica = LAB_PORT + 1
    started = []
    try:
        for name, admin_port, proxy_port, servers, more in [
                ("a", a_admin, a_proxy, [(10, LAB_PORT)], ""),
                ("b", b_admin, b_proxy, [(10, LAB_PORT), (10, replica)], "monitor_enabled=true monitor_read_only_interval=200")]:
            (tmp_path / name).mkdir()
            node = JunctionProcess(tmp_path / name, admin_port, proxy_port)
            node.write_config(admin_credentials="admin:admin;cluster1:secret", admin_variables=cluster_admin_variables(),
                              servers=servers, mysql_variables=more,
                              sections=peers_section(NODES[:2])
                              + "mysql_replication_hostgroups = ( { writer_hostgroup=10, reader_hostgroup=20 } )\n")
            node.start()
            started.append(node)
        a, b = started[0].admin(), started[1].admin()
        wait_until(lambda: (20, HOST, replica) in served_servers(b), timeout=20, what="B's monitor moving the replica to 20")
        assert b.run("LOAD MYSQL SERVERS TO RUNTIME") >= 0  # version 2 on B: a source for A
        wait_until(lambda: (10, HOST, replica) in served_servers(a, "disk.mysql_servers"), timeout=20,
                   what="B's servers configuration on A's disk")
        wait_until(lambda: (20, HOST, replica) in served_servers(a), timeout=20, what="B's placement served by A")
        assert (10, HOST, replica) not in served_servers(a)
        assert runtime_checksums(a)["mysql_servers"][2] == runtime_checksums(b)["mysql_servers"][2]

        # Algorithm 2: only the configuration. (The admin variables reach B too, which changes nothing there.)
        a.run("SET admin-cluster_mysql_servers_sync_algorithm=2")
        assert a.run("LOAD ADMIN VARIABLES TO RUNTIME") == 0
        time.sleep(1.1)  # a load in a later second than A's
        b.run(f"UPDATE mysql_servers SET comment='second' WHERE port={replica}")
        assert b.run("LOAD MYSQL SERVERS TO RUNTIME") == 0
        wait_until(lambda: ("second",) in set(a.rows("SELECT comment FROM disk.mysql_servers")), timeout=20,
                   what="B's second configuration on A's disk")
        wait_until(lambda: (10, HOST, replica) in served_servers(a), timeout=10, what="A serving the configuration as written")
        assert (20, HOST, replica) not in served_servers(a)
    finally:
        for node in started:
            rc = node.stop()
            assert rc == 0, f"junction exited with {rc}:\n{node.log()}"
