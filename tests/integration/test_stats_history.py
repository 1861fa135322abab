"""`stats_history` filled on its intervals, the digest statistics saved to disk on theirs, the JSON columns of
`stats_mysql_free_connections`, and the admin commands Junction refuses rather than pretending (FLUSH …).

A Junction of this module's own, the lab's primary in hostgroup 0; every `admin-stats_*` interval set to 1 second
so a few seconds show several samples.
"""

from __future__ import annotations

import json
import time

import pytest

from admin_helpers import JunctionProcess, proxy_login
from conftest import DIRECT, HOST, LAB_PORT, wait_until

pytestmark = [pytest.mark.skipif(DIRECT, reason="about Junction's admin tables"), pytest.mark.proxy_only]

ADMIN_PORT, PROXY_PORT = 18532, 18533
EVERY_SECOND = ("stats_mysql_connections=1 stats_mysql_connection_pool=1 stats_mysql_query_cache=1 "
                "stats_system_cpu=1 stats_system_memory=1")


@pytest.fixture(scope="module")
def junction(tmp_path_factory, lab):
    j = JunctionProcess(tmp_path_factory.mktemp("history"), ADMIN_PORT, PROXY_PORT)
    j.write_config(admin_variables=EVERY_SECOND)
    j.start()
    yield j
    rc = j.stop()
    assert rc == 0, f"junction exited with {rc}:\n{j.log()}"


def queries(n: int, marker: str) -> None:
    c = proxy_login(PROXY_PORT, "app", "app")
    try:
        with c.cursor() as cur:
            for i in range(n):
                cur.execute(f"SELECT {i} AS {marker}")
                cur.fetchall()
    finally:
        c.close()


def test_samples_follow_the_traffic(junction):
    a = junction.admin()
    queries(10, "history_one")
    wait_until(lambda: int(a.value("SELECT count(*) FROM stats_history.mysql_connections")) >= 1, timeout=10,
               what="a mysql_connections sample")
    first_time, first_questions = a.rows("SELECT timestamp, Questions FROM stats_history.mysql_connections "
                                         "ORDER BY timestamp DESC LIMIT 1")[0]
    queries(20, "history_two")
    wait_until(lambda: int(a.value(f"SELECT count(*) FROM stats_history.mysql_connections WHERE timestamp > {first_time}")) >= 2,
               timeout=10, what="later samples")
    last_questions = int(a.value("SELECT Questions FROM stats_history.mysql_connections ORDER BY timestamp DESC LIMIT 1"))
    assert last_questions - int(first_questions) >= 20
    # The samples are the counters of stats_mysql_global at that moment.
    assert last_questions <= int(a.value("SELECT Variable_Value FROM stats_mysql_global WHERE Variable_Name='Questions'"))
    created = a.column("SELECT Client_Connections_created FROM stats_history.mysql_connections ORDER BY timestamp")
    assert [int(x) for x in created] == sorted(int(x) for x in created) and int(created[-1]) >= 2

    pool = a.rows("SELECT hostgroup, srv_port, status, Queries FROM stats_history.history_stats_mysql_connection_pool "
                  "ORDER BY timestamp DESC LIMIT 1")
    assert pool and int(pool[0][0]) == 0 and int(pool[0][1]) == LAB_PORT and pool[0][2] == "ONLINE" and int(pool[0][3]) >= 30
    assert int(a.value("SELECT MAX(MyHGM_myconnpoll_get) FROM stats_history.myhgm_connections")) >= 2
    cpu = a.rows("SELECT tms_utime + tms_stime FROM stats_history.system_cpu ORDER BY timestamp")
    assert len(cpu) >= 2 and int(cpu[-1][0]) >= int(cpu[0][0])
    resident = int(a.value("SELECT resident FROM stats_history.system_memory ORDER BY timestamp DESC LIMIT 1"))
    assert 10 * 2**20 < resident < 4 * 2**30
    assert int(a.value("SELECT count(*) FROM stats_history.mysql_query_cache")) >= 1
    # Every stats_mysql_global variable, by name through the lookup table.
    status = a.value("""SELECT v.variable_value FROM stats_history.history_mysql_status_variables v
        JOIN stats_history.history_mysql_status_variables_lookup l USING (variable_id)
        WHERE l.variable_name = 'Questions' ORDER BY v.timestamp DESC LIMIT 1""")
    assert int(status) >= 30


def test_an_interval_of_zero_stops_sampling(junction):
    a = junction.admin()
    a.run("SET admin-stats_system_cpu=0")
    a.run("LOAD ADMIN VARIABLES TO RUNTIME")
    try:
        time.sleep(1.2)
        count = a.value("SELECT count(*) FROM stats_history.system_cpu")
        time.sleep(2.2)
        assert a.value("SELECT count(*) FROM stats_history.system_cpu") == count
        assert int(a.value("SELECT count(*) FROM stats_history.mysql_connections WHERE timestamp >= strftime('%s','now') - 2")) >= 1
    finally:
        a.run("SET admin-stats_system_cpu=1")
        a.run("LOAD ADMIN VARIABLES TO RUNTIME")


def test_digests_saved_to_disk_on_their_interval(junction):
    a = junction.admin()
    queries(7, "history_digest_probe")
    a.run("SET admin-stats_mysql_query_digest_to_disk=1")
    a.run("LOAD ADMIN VARIABLES TO RUNTIME")
    try:
        wait_until(lambda: int(a.value("SELECT count(*) FROM stats_history.history_mysql_query_digest "
                                       "WHERE digest_text LIKE '%history_digest_probe%'")) >= 1, timeout=10,
                   what="the digest statistics in stats_history")
    finally:
        a.run("SET admin-stats_mysql_query_digest_to_disk=0")
        a.run("LOAD ADMIN VARIABLES TO RUNTIME")
    assert int(a.value("SELECT SUM(count_star) FROM stats_history.history_mysql_query_digest "
                       "WHERE digest_text LIKE '%history_digest_probe%'")) == 7
    # Saved means moved: the in-memory statistics start again.
    assert int(a.value("SELECT count(*) FROM stats_mysql_query_digest WHERE digest_text LIKE '%history_digest_probe%'")) == 0


def test_free_connections_describe_themselves_in_json(junction):
    queries(3, "free_probe")
    a = junction.admin()
    rows = a.rows("SELECT fd, srv_host, srv_port, user, statistics, mysql_info FROM stats_mysql_free_connections")
    assert rows, "the session's connection went back to the pool"
    fd, host, port, user, statistics, info = rows[0]
    statistics, info = json.loads(statistics), json.loads(info)
    assert statistics["age_ms"] >= statistics["idle_ms"] >= 0
    assert (info["host"], info["port"], info["user"], info["thread_id"]) == (host, int(port), user, int(fd))
    assert info["server_version"].startswith(("10.", "11.", "5.", "8."))
    assert info["autocommit"] == "ON"


@pytest.mark.parametrize("command, why", [
    ("PROXYSQL FLUSH LOGS", "standard error"),
    ("PROXYSQL FLUSH MYSQL CLIENT HOSTS", "no client host cache"),
    ("PROXYSQL FLUSH CONFIGDB", "not supported"),
])
def test_flush_commands_say_why_they_are_refused(junction, command, why):
    code, message = junction.admin().error(command)
    assert code == 1047 and why in message
