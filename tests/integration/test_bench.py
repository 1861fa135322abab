"""The benchmark scripts, once each in their tiniest configuration, so that they cannot rot: bench/bench.py (2 s,
1 thread, point selects over the text protocol) against all five targets (the NIO floor included), and again with
the real ProxySQL's two targets next to Junction's (skipped, saying why, where ../shared/anchors/proxysql is absent),
bench/connections.py (50 clients, 2 s, 2 connect loops), bench/cache.py (2 s, 1 thread) and bench/profile.py (2 s,
1 thread, HAProxy and Junction).

Benchmarks are not tests: nothing here asserts a timing or a ratio. It checks only that the scripts exit 0 and
printed their tables: for bench.py, for every target, a run with a positive QPS, and a CPU-per-query figure for the
proxies; for connections.py, every phase with all clients and no error, and every target's connection rate with no
error. The scripts start their own HAProxy and Junctions on free ports (never the session proxy's 16032/16033)."""

import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from conftest import LAB_PORT, REPO, _junction_bin

TARGETS = {"direct", "haproxy", "junction", "junction-split", "nio-floor"}
# The team's reference ProxySQL 2.7.1 (bench.py's default --proxysql-bin); a clone outside the team has none.
PROXYSQL = REPO.parent / "shared" / "anchors" / "proxysql"
PROXYSQL_TARGETS = {"junction", "junction-split", "proxysql", "proxysql-split"}

# One line per run: repeat, workload, ps mode, threads, target, queries, QPS, p95 ms, errors, CPU us/query,
# of which user space.
RUN_ROW = re.compile(r"^\s*1\s+oltp_point_select\s+disable\s+1\s+(?P<target>\S+)\s+(?P<queries>\d+)\s+"
                     r"(?P<qps>[\d.]+)\s+(?P<p95>[\d.]+)\s+(?P<errors>\d+)\s+(?P<cpu>\S+)\s+(?P<user>\S+)\s*$",
                     re.MULTILINE)


def _tiny_bench(targets: set[str], *extra: str) -> tuple[str, str]:
    """bench.py's tiniest run against `targets`, its run rows checked (each target's queries, and for the proxies a
    CPU-per-query figure with its user-space part): its stdout, and the output to show on failure."""
    binary = _junction_bin()
    assert binary.exists(), f"junction binary not found at {binary}"
    cmd = [sys.executable, str(REPO / "bench" / "bench.py"), "--time", "2", "--threads", "1",
           "--workloads", "oltp_point_select", "--ps-modes", "disable", "--repeat", "1",
           "--targets", ",".join(sorted(targets)), "--junction-bin", str(binary), *extra]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=540, cwd=REPO, stdin=subprocess.DEVNULL,
                       env=dict(os.environ, JUNCTION_LAB_PORT=str(LAB_PORT)))
    out = f"--- stdout\n{r.stdout[-6000:]}\n--- stderr\n{r.stderr[-6000:]}"
    assert r.returncode == 0, f"bench.py exited with {r.returncode}\n{out}"

    rows = {m["target"]: m for m in RUN_ROW.finditer(r.stdout)}
    assert set(rows) == targets, f"runs printed for {sorted(rows)}, expected {sorted(targets)}\n{out}"
    for target, m in rows.items():
        assert int(m["queries"]) > 0 and float(m["qps"]) > 0, f"{target}: no queries\n{out}"
        if target == "direct":
            assert m["cpu"] == m["user"] == "-", out
        else:
            assert re.fullmatch(r"\d+\.\d", m["cpu"]), f"{target}: no CPU µs/query figure ({m['cpu']!r})\n{out}"
            assert re.fullmatch(r"\d+\.\d", m["user"]) and float(m["user"]) <= float(m["cpu"]), \
                f"{target}: no user-space part of its CPU µs/query, or more than the whole\n{out}"
    return r.stdout, out


@pytest.mark.proxy_only
@pytest.mark.timeout(600)
def test_bench_script_tiny_run(lab):
    stdout, out = _tiny_bench(TARGETS)
    # The summary table, with the Junction/HAProxy ratios.
    assert "Junction/HAProxy QPS" in stdout and "Junction/HAProxy CPU" in stdout, out
    assert "Junction/direct QPS" in stdout, out
    # The floor's table: what SwiftNIO alone costs, and what Junction adds to it.
    assert "NIO floor (`nio-floor`)" in stdout and "Junction − floor CPU µs/q" in stdout, out


@pytest.mark.proxy_only
@pytest.mark.timeout(600)
def test_bench_script_proxysql_targets(lab):
    """The real ProxySQL on Junction's two configurations, next to Junction's: bench.py started both (it checks
    that each split sends plain SELECTs to the replicas and FOR UPDATE to the primary, and stops otherwise), both
    answered, and the summary puts Junction's QPS and CPU per query as ratios to ProxySQL's."""
    if not os.access(PROXYSQL, os.X_OK):
        pytest.skip(f"the targets proxysql and proxysql-split need ProxySQL 2.7.1 at {PROXYSQL}, which is absent "
                    "(only the team's checkouts have ../shared/anchors)")
    stdout, out = _tiny_bench(PROXYSQL_TARGETS, "--proxysql-bin", str(PROXYSQL))
    assert "Junction/ProxySQL QPS" in stdout and "Junction/ProxySQL CPU" in stdout, out
    assert "Junction split/ProxySQL split QPS" in stdout and "Junction split/ProxySQL split CPU" in stdout, out


def test_bench_script_refuses_proxysql_targets_without_proxysql(tmp_path):
    """Asked for the ProxySQL targets without a ProxySQL binary, bench.py stops at once and says why (before it
    needs the lab or Junction)."""
    missing = tmp_path / "proxysql"
    r = subprocess.run([sys.executable, str(REPO / "bench" / "bench.py"), "--targets", "haproxy,proxysql-split",
                        "--proxysql-bin", str(missing)], capture_output=True, text=True, timeout=60, cwd=REPO,
                       stdin=subprocess.DEVNULL)
    assert r.returncode == 2, r.stderr
    assert f"ProxySQL not found at {missing}" in r.stderr and "proxysql-split" in r.stderr, r.stderr


# connections.py's tables: | phase | clients open | seconds | rate /s | errors | … and | target | connections/s |
# connections | errors | …
PHASES = ["started, no clients", "connect + login + SELECT 1", "idle", "SELECT 1 per client per second",
          "all clients quit (+2 s)"]
RATE_ROW = re.compile(r"^\| (?P<target>direct|HAProxy|Junction) \| (?P<rate>[\d,]+) \| (?P<connections>[\d,]+) \| "
                      r"(?P<errors>\d+) \|", re.MULTILINE)


@pytest.mark.proxy_only
@pytest.mark.timeout(600)
def test_connections_script_tiny_run(lab, tmp_path):
    binary = _junction_bin()
    assert binary.exists(), f"junction binary not found at {binary}"
    clients = 50
    result = tmp_path / "connections.json"
    cmd = [sys.executable, str(REPO / "bench" / "connections.py"), "--clients", str(clients), "--time", "2",
           "--idle", "1", "--workers", "2", "--junction-bin", str(binary), "--json", str(result)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=540, cwd=REPO, stdin=subprocess.DEVNULL,
                       env=dict(os.environ, JUNCTION_LAB_PORT=str(LAB_PORT)))
    out = f"--- stdout\n{r.stdout[-6000:]}\n--- stderr\n{r.stderr[-6000:]}"
    assert r.returncode == 0, f"connections.py exited with {r.returncode}\n{out}"

    for phase in PHASES:
        m = re.search(rf"^\| {re.escape(phase)} \| (?P<clients>[\d,]+) \|[^|]*\|[^|]*\| (?P<errors>\d+) \|",
                      r.stdout, re.MULTILINE)
        assert m, f"no row for the phase {phase!r}\n{out}"
        assert m["errors"] == "0", f"{phase}: errors\n{out}"
        if phase in ("connect + login + SELECT 1", "idle", "SELECT 1 per client per second"):
            assert m["clients"] == str(clients), f"{phase}: {m['clients']} clients open, not {clients}\n{out}"
    rows = {m["target"]: m for m in RATE_ROW.finditer(r.stdout)}
    assert set(rows) == {"direct", "HAProxy", "Junction"}, f"rate rows for {sorted(rows)}\n{out}"
    for target, m in rows.items():
        assert m["errors"] == "0" and int(m["connections"].replace(",", "")) > 0, f"{target}\n{out}"
    assert "Junction/HAProxy: connections/s" in r.stdout, out

    data = json.loads(result.read_text())
    assert data["scale"]["phases"]["query"]["queries"] > 0, out
    assert data["scale"]["after_ok"], out


CACHE_ROW = re.compile(r"^\| 1 \| (?P<direct>[\d,]+) \| (?P<cached>[\d,]+) \|", re.MULTILINE)
CACHE_MISSES = re.compile(r"of (?P<queries>[\d,]+) queries through Junction, (?P<reached>-?[\d,]+) reached the primary")


@pytest.mark.proxy_only
@pytest.mark.timeout(300)
def test_cache_script_tiny_run(lab):
    """bench/cache.py for 2 s with one thread: both targets answer, and the cached target's queries do not reach
    the primary (that is what the benchmark claims to measure)."""
    cmd = [sys.executable, str(REPO / "bench" / "cache.py"), "--time", "2", "--threads", "1",
           "--junction-bin", str(_junction_bin())]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=240, cwd=REPO, stdin=subprocess.DEVNULL,
                       env=dict(os.environ, JUNCTION_LAB_PORT=str(LAB_PORT)))
    out = f"--- stdout\n{r.stdout[-4000:]}\n--- stderr\n{r.stderr[-4000:]}"
    assert r.returncode == 0, f"cache.py exited with {r.returncode}\n{out}"
    row = CACHE_ROW.search(r.stdout)
    assert row and int(row["direct"].replace(",", "")) > 0 and int(row["cached"].replace(",", "")) > 0, out
    misses = CACHE_MISSES.search(r.stdout)
    assert misses, out
    assert int(misses["reached"].replace(",", "")) < int(misses["queries"].replace(",", "")) // 10, out


PROFILE_ROW = re.compile(r"^\| (?P<part>[^|`*][^|]*?) \| (?P<haproxy_share>[\d.]+)% \| (?P<haproxy_us>[\d.]+) \| "
                         r"(?P<junction_share>[\d.]+)% \| (?P<junction_us>[\d.]+) \|$", re.MULTILINE)
PROFILE_ALL = re.compile(r"^\| \*\*all\*\*[^|]*\| (?P<haproxy>\d+)% \| [\d.]+ \| (?P<junction>\d+)% \| [\d.]+ \|$",
                         re.MULTILINE)


def _perf_can_sample(tmp_path) -> bool:
    perf = shutil.which("perf")
    if perf is None:
        return False
    probe = subprocess.run([perf, "record", "-q", "-o", str(tmp_path / "probe.data"), "--", "true"],
                           capture_output=True, stdin=subprocess.DEVNULL)
    return probe.returncode == 0


@pytest.mark.proxy_only
@pytest.mark.timeout(300)
def test_profile_script_tiny_run(lab, tmp_path):
    """bench/profile.py for 2 s with one thread: each proxy's samples are split into parts that add up to all of
    them, with the kernel in both, HAProxy's own code in HAProxy's, and SwiftNIO and Junction's sessions in
    Junction's."""
    if not _perf_can_sample(tmp_path):
        pytest.skip("perf is missing or may not sample processes here (kernel.perf_event_paranoid)")
    cmd = [sys.executable, str(REPO / "bench" / "profile.py"), "--time", "2", "--threads", "1",
           "--targets", "haproxy,junction", "--top", "3", "--junction-bin", str(_junction_bin())]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=240, cwd=REPO, stdin=subprocess.DEVNULL,
                       env=dict(os.environ, JUNCTION_LAB_PORT=str(LAB_PORT)))
    out = f"--- stdout\n{r.stdout[-6000:]}\n--- stderr\n{r.stderr[-6000:]}"
    assert r.returncode == 0, f"profile.py exited with {r.returncode}\n{out}"

    parts = {m["part"]: m for m in PROFILE_ROW.finditer(r.stdout)}
    assert float(parts["kernel: switching tasks"]["haproxy_us"]) > 0, out
    assert float(parts["kernel: switching tasks"]["junction_us"]) > 0, out
    assert float(parts["HAProxy"]["haproxy_share"]) > 0 and float(parts["HAProxy"]["junction_share"]) == 0, out
    nio = parts["SwiftNIO: event loop, channel pipeline, buffers"]
    assert float(nio["junction_share"]) > 0 and float(nio["haproxy_share"]) == 0, out
    assert float(parts["Junction: sessions, pool, forwarding, statistics (Proxy)"]["junction_share"]) > 0, out
    total = PROFILE_ALL.search(r.stdout)
    assert total and 95 <= int(total["haproxy"]) <= 105 and 95 <= int(total["junction"]) <= 105, out
    assert "Junction: busiest user-space functions" in r.stdout, out
