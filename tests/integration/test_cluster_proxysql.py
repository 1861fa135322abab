"""Junction next to the real ProxySQL 2.7.1 (../shared/anchors/proxysql): the same configuration typed into both
admins gives the same checksum for every module and the same GLOBAL_CHECKSUM(); in a mixed cluster a change loaded on
either side is taken by the other, saved to its disk and served. Junction presents ProxySQL's version
(`cluster_presented_version`), which ProxySQL requires of its peers. Skipped, saying why, where the binary is absent
(a clone outside the team has no ../shared)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from admin_helpers import Admin, JunctionProcess, proxy_login
from conftest import DIRECT, HOST, LAB_PORT, wait_until

pytestmark = [pytest.mark.skipif(DIRECT, reason="about Junction's cluster"), pytest.mark.proxy_only]

PROXYSQL = Path(__file__).resolve().parents[3] / "shared" / "anchors" / "proxysql"
PROXYSQL_VERSION = "2.7.1-16-g2726c27"
JUNCTION_PORTS = (17332, 17333)
PROXYSQL_PORTS = (17342, 17343)
MODULES = ["admin_variables", "mysql_query_rules", "mysql_servers", "mysql_servers_v2", "mysql_users", "mysql_variables",
           "proxysql_servers"]


def variables_text(admin_port: int, proxy_port: int, cluster: bool) -> str:
    cluster_settings = ('cluster_username="cluster1" cluster_password="secret" cluster_check_interval_ms=200 '
                        "cluster_check_status_frequency=10") if cluster else ""
    return (f'admin_variables = {{ admin_credentials="admin:admin;cluster1:secret" mysql_ifaces="{HOST}:{admin_port}" '
            f"{cluster_settings} }}\n"
            f'mysql_variables = {{ threads=2 interfaces="{HOST}:{proxy_port}" monitor_enabled=false '
            'monitor_username="monitor" monitor_password="monitor" }\n')


def peers_text() -> str:
    return (f'proxysql_servers = ( {{ hostname="{HOST}", port={JUNCTION_PORTS[0]} }}, '
            f'{{ hostname="{HOST}", port={PROXYSQL_PORTS[0]} }} )\n')


class ProxySQLProcess:
    """The reference ProxySQL in the foreground with its own datadir and config, stopped by PID."""

    def __init__(self, directory: Path, cluster: bool):
        self.dir = directory
        (directory / "data").mkdir(parents=True)
        (directory / "proxysql.cnf").write_text(
            f'datadir="{directory / "data"}"\n' + variables_text(*PROXYSQL_PORTS, cluster)
            + (peers_text() if cluster else ""))
        self.log = open(directory / "proxysql.log", "w")
        self.proc = subprocess.Popen([str(PROXYSQL), "-f", "-c", str(directory / "proxysql.cnf"), "-D", str(directory / "data"),
                                      "--initial"], stdout=self.log, stderr=subprocess.STDOUT)

        def ready():
            try:
                return Admin(PROXYSQL_PORTS[0])
            except Exception:
                assert self.proc.poll() is None, f"proxysql exited:\n{self.text()}"
                return None

        wait_until(ready, timeout=30, what="ProxySQL's admin port")

    def admin(self) -> Admin:
        return Admin(PROXYSQL_PORTS[0])

    def text(self) -> str:
        return (self.dir / "proxysql.log").read_text(errors="replace")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


@pytest.fixture
def proxysql_binary():
    if not PROXYSQL.exists():
        pytest.skip(f"needs the reference ProxySQL 2.7.1 at {PROXYSQL}, which is absent here (it lives beside the team's "
                    "clones, not in the repository)")
    return PROXYSQL


def start_pair(tmp_path: Path, cluster: bool) -> tuple[JunctionProcess, ProxySQLProcess]:
    (tmp_path / "junction").mkdir()
    junction = JunctionProcess(tmp_path / "junction", *JUNCTION_PORTS)
    junction.config_path.write_text(f'datadir="{junction.datadir}"\ncluster_presented_version="{PROXYSQL_VERSION}"\n'
                                    + variables_text(*JUNCTION_PORTS, cluster) + (peers_text() if cluster else ""))
    junction.datadir.mkdir(parents=True, exist_ok=True)
    junction.start(wait_for_proxy=False)
    try:
        proxysql = ProxySQLProcess(tmp_path / "proxysql", cluster)
    except Exception:
        junction.stop()
        raise
    return junction, proxysql


def checksums(admin: Admin) -> dict[str, tuple[int, str]]:
    return {r[0]: (int(r[1]), r[3]) for r in admin.rows("SELECT name, version, epoch, checksum FROM runtime_checksums_values")}


# The tutorial's configuration and more: every module, NULLs, a hashed password, a frontend-only user, fast routing.
CONFIGURATION = [
    f"INSERT INTO mysql_servers (hostgroup_id, hostname, port) VALUES (10, '{HOST}', {LAB_PORT})",
    f"INSERT INTO mysql_servers (hostgroup_id, hostname, port, weight, comment) VALUES (20, '{HOST}', {LAB_PORT + 1}, 5, 'r1')",
    f"INSERT INTO mysql_servers (hostgroup_id, hostname, port, status) VALUES (20, '{HOST}', {LAB_PORT + 2}, 'OFFLINE_SOFT')",
    "INSERT INTO mysql_replication_hostgroups (writer_hostgroup, reader_hostgroup, comment) VALUES (10, 20, 'tutorial')",
    "INSERT INTO mysql_hostgroup_attributes (hostgroup_id, multiplex, comment) VALUES (20, 1, 'readers')",
    "INSERT INTO mysql_users (username, password, default_hostgroup) VALUES ('app', 'app', 10)",
    "INSERT INTO mysql_users (username, password, default_hostgroup, default_schema, transaction_persistent, comment) "
    "VALUES ('shop', '*14E65567ABDB5135D0CFD9A70B3032C179A49EE7', 20, 'shopdb', 0, 'hashed')",
    "INSERT INTO mysql_users (username, password, default_hostgroup, backend, frontend) VALUES ('front', 'f', 20, 0, 1)",
    "INSERT INTO mysql_query_rules (rule_id, active, match_digest, destination_hostgroup, apply) VALUES (1, 1, '^SELECT.*FOR UPDATE$', 10, 1)",
    "INSERT INTO mysql_query_rules (rule_id, active, match_digest, destination_hostgroup, apply) VALUES (2, 1, '^SELECT', 20, 1)",
    "INSERT INTO mysql_query_rules (rule_id, active, match_pattern, apply) VALUES (3, 0, 'inactive', 1)",
    "INSERT INTO mysql_query_rules_fast_routing (username, schemaname, flagIN, destination_hostgroup, comment) "
    "VALUES ('shop', 'shopdb', 0, 20, 'fr')",
    "UPDATE global_variables SET variable_value='3000' WHERE variable_name='mysql-max_connections'",
    "UPDATE global_variables SET variable_value='2000' WHERE variable_name='admin-cluster_check_interval_ms'",
    f"INSERT INTO proxysql_servers (hostname, port, weight, comment) VALUES ('{HOST}', 6032, 1, 'node1')",
    "LOAD MYSQL SERVERS TO RUNTIME", "LOAD MYSQL USERS TO RUNTIME", "LOAD MYSQL QUERY RULES TO RUNTIME",
    "LOAD MYSQL VARIABLES TO RUNTIME", "LOAD ADMIN VARIABLES TO RUNTIME", "LOAD PROXYSQL SERVERS TO RUNTIME",
]


def test_the_same_configuration_gives_proxysqls_checksums(tmp_path, proxysql_binary):
    junction, proxysql = start_pair(tmp_path, cluster=False)
    try:
        j, p = junction.admin(), proxysql.admin()
        assert j.rows("SELECT @@version") == [(PROXYSQL_VERSION,)], "Junction presents the version it was given"
        at_start_j, at_start_p = checksums(j), checksums(p)
        assert at_start_j == at_start_p, "the same file, just started"
        for statement in CONFIGURATION:
            j.run(statement)
            p.run(statement)
        mine, theirs = checksums(j), checksums(p)
        for module in MODULES:
            assert mine[module] == theirs[module], f"{module}: Junction {mine[module]}, ProxySQL {theirs[module]}"
        assert theirs["mysql_users"][1] != "0x0000000000000000" and theirs["mysql_query_rules"][1] != at_start_p["mysql_query_rules"][1]
        # (ProxySQL types this one column LONGLONG; Junction's admin sends every column as text.)
        assert str(j.rows("SELECT GLOBAL_CHECKSUM()")[0][0]) == str(p.rows("SELECT GLOBAL_CHECKSUM()")[0][0])
    finally:
        proxysql.stop()
        rc = junction.stop()
        assert rc == 0, f"junction exited with {rc}:\n{junction.log()}"


def test_a_mixed_cluster_takes_changes_both_ways_and_serves_them(tmp_path, lab, proxysql_binary):
    junction, proxysql = start_pair(tmp_path, cluster=True)
    try:
        j, p = junction.admin(), proxysql.admin()

        def sees(admin: Admin, port: int):
            rows = admin.rows(f"SELECT name, checksum FROM stats_proxysql_servers_checksums WHERE port={port}")
            return {r[0] for r in rows} >= set(MODULES)

        wait_until(lambda: sees(p, JUNCTION_PORTS[0]), timeout=20, what="ProxySQL polling Junction")
        wait_until(lambda: sees(j, PROXYSQL_PORTS[0]), timeout=20, what="Junction polling ProxySQL")

        # Junction → ProxySQL: the tutorial's servers, user and split rules, loaded on Junction.
        for statement in [f"INSERT INTO mysql_servers (hostgroup_id, hostname, port) VALUES (10, '{HOST}', {LAB_PORT})",
                          f"INSERT INTO mysql_servers (hostgroup_id, hostname, port) VALUES (20, '{HOST}', {LAB_PORT + 1})",
                          "INSERT INTO mysql_replication_hostgroups (writer_hostgroup, reader_hostgroup) VALUES (10, 20)",
                          "INSERT INTO mysql_users (username, password, default_hostgroup) VALUES ('app', 'app', 10)",
                          "INSERT INTO mysql_query_rules (rule_id, active, match_digest, destination_hostgroup, apply) "
                          "VALUES (2, 1, '^SELECT', 20, 1)",
                          "LOAD MYSQL SERVERS TO RUNTIME", "LOAD MYSQL USERS TO RUNTIME", "LOAD MYSQL QUERY RULES TO RUNTIME"]:
            j.run(statement)
        for module in ["mysql_servers_v2", "mysql_users", "mysql_query_rules"]:
            wait_until(lambda: checksums(p)[module][1] == checksums(j)[module][1], timeout=20,
                       what=f"ProxySQL taking {module} from Junction")
        assert {(int(r[0]), int(r[1])) for r in p.rows("SELECT hostgroup_id, port FROM disk.mysql_servers")} == \
            {(10, LAB_PORT), (20, LAB_PORT + 1)}, "ProxySQL saved Junction's servers to its disk"
        conn = proxy_login(PROXYSQL_PORTS[1], "app", "app")
        with conn.cursor() as cur:
            cur.execute("SELECT @@port")
            assert cur.fetchone()[0] == LAB_PORT + 1, "ProxySQL routes a read by Junction's rule to Junction's replica"
        conn.close()

        # ProxySQL → Junction: a new user (the lab's monitor account) and a server, loaded on ProxySQL. ProxySQL stamps
        # a load with the current second, and two loads of one second are a conflict nobody resolves: its load must
        # come in a later second than the one it took from Junction (Junction's own loads always get a newer epoch).
        time.sleep(1.1)
        p.run("INSERT INTO mysql_users (username, password, default_hostgroup, comment) VALUES ('monitor', 'monitor', 30, 'px')")
        p.run(f"INSERT INTO mysql_servers (hostgroup_id, hostname, port, comment) VALUES (30, '{HOST}', {LAB_PORT + 2}, 'px')")
        p.run("LOAD MYSQL USERS TO RUNTIME")
        p.run("LOAD MYSQL SERVERS TO RUNTIME")
        for module in ["mysql_servers_v2", "mysql_users"]:
            wait_until(lambda: checksums(j)[module][1] == checksums(p)[module][1], timeout=20,
                       what=f"Junction taking {module} from ProxySQL")
        assert "module taken from a peer" in junction.log()
        assert ("monitor", "px") in {(r[0], r[1]) for r in j.rows("SELECT username, comment FROM disk.mysql_users")}
        conn = proxy_login(JUNCTION_PORTS[1], "monitor", "monitor")
        with conn.cursor() as cur:
            cur.execute("SHOW VARIABLES LIKE 'port'")  # no rule matches: the user's default hostgroup
            assert int(cur.fetchone()[1]) == LAB_PORT + 2, "the user ProxySQL added logs in through Junction, to its server"
        conn.close()
        time.sleep(1)
        mine, theirs = checksums(j), checksums(p)
        assert all(mine[m][1] == theirs[m][1] for m in MODULES), (mine, theirs)
    finally:
        proxysql.stop()
        rc = junction.stop()
        assert rc == 0, f"junction exited with {rc}:\n{junction.log()}"
