"""The benchmark script, bench/bench.py, once in its tiniest configuration (2 s, 1 thread, point selects over the
text protocol) against all four targets, so that it cannot rot.

Benchmarks are not tests: nothing here asserts a timing or a ratio. It checks only that the script exits 0 and
printed, for every target, a run with a positive QPS, and a CPU-per-query figure for the proxies. The script starts
its own HAProxy and Junctions on free ports (never the session proxy's 16032/16033)."""

import os
import re
import subprocess
import sys

import pytest

from conftest import LAB_PORT, REPO, _junction_bin

TARGETS = {"direct", "haproxy", "junction", "junction-split"}

# One line per run: repeat, workload, ps mode, threads, target, queries, QPS, p95 ms, errors, CPU us/query.
RUN_ROW = re.compile(r"^\s*1\s+oltp_point_select\s+disable\s+1\s+(?P<target>\S+)\s+(?P<queries>\d+)\s+"
                     r"(?P<qps>[\d.]+)\s+(?P<p95>[\d.]+)\s+(?P<errors>\d+)\s+(?P<cpu>\S+)\s*$", re.MULTILINE)


@pytest.mark.proxy_only
@pytest.mark.timeout(600)
def test_bench_script_tiny_run(lab):
    binary = _junction_bin()
    assert binary.exists(), f"junction binary not found at {binary}"
    cmd = [sys.executable, str(REPO / "bench" / "bench.py"), "--time", "2", "--threads", "1",
           "--workloads", "oltp_point_select", "--ps-modes", "disable", "--repeat", "1",
           "--junction-bin", str(binary)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=540, cwd=REPO, stdin=subprocess.DEVNULL,
                       env=dict(os.environ, JUNCTION_LAB_PORT=str(LAB_PORT)))
    out = f"--- stdout\n{r.stdout[-6000:]}\n--- stderr\n{r.stderr[-6000:]}"
    assert r.returncode == 0, f"bench.py exited with {r.returncode}\n{out}"

    rows = {m["target"]: m for m in RUN_ROW.finditer(r.stdout)}
    assert set(rows) == TARGETS, f"runs printed for {sorted(rows)}, expected {sorted(TARGETS)}\n{out}"
    for target, m in rows.items():
        assert int(m["queries"]) > 0 and float(m["qps"]) > 0, f"{target}: no queries\n{out}"
        if target == "direct":
            assert m["cpu"] == "-", out
        else:
            assert re.fullmatch(r"\d+\.\d", m["cpu"]), f"{target}: no CPU µs/query figure ({m['cpu']!r})\n{out}"
    # The summary table, with the Junction/HAProxy ratios.
    assert "Junction/HAProxy QPS" in r.stdout and "Junction/HAProxy CPU" in r.stdout, out
