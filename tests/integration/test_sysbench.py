"""sysbench's OLTP read/write workload through Junction: no failures, no reconnects."""

import re
import shutil
import subprocess

import pytest

from conftest import PASSWORD, USER

# InnoDB itself reports these under this workload now and then (a deadlock every ~50,000
# transactions on the lab, without any proxy); sysbench retries them and counts them as
# "ignored errors". Anything else is fatal for sysbench and fails its run.
LOCK_CONFLICTS = {1213, 1205, 1020}


def _sysbench(proxy, *args, timeout):
    exe = shutil.which("sysbench")
    assert exe, "sysbench is not installed"
    cmd = [exe, "oltp_read_write", "--db-driver=mysql", f"--mysql-host={proxy.host}",
           f"--mysql-port={proxy.port}", f"--mysql-user={USER}", f"--mysql-password={PASSWORD}",
           "--mysql-db=sbtest", "--tables=2", "--table-size=10000", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def _stat(output: str, name: str) -> int:
    m = re.search(rf"^\s*{name}:\s+(\d+)", output, re.MULTILINE)
    assert m, f"no '{name}' in sysbench output:\n{output}"
    return int(m.group(1))


def _check_run(r: subprocess.CompletedProcess):
    out = r.stdout + r.stderr
    assert r.returncode == 0, f"sysbench run failed ({r.returncode}):\n{out[-5000:]}"
    assert "FATAL" not in out, out[-5000:]
    transactions = _stat(out, "transactions")
    ignored = _stat(out, "ignored errors")
    reconnects = _stat(out, "reconnects")
    assert transactions > 100, out
    assert reconnects == 0, out
    logged = {int(code) for code in re.findall(r"Ignoring error (\d+)", out)}
    assert logged <= LOCK_CONFLICTS, f"sysbench ignored errors other than lock conflicts: {logged}"
    assert ignored <= max(3, transactions // 1000), \
        f"{ignored} ignored errors in {transactions} transactions:\n{out[-3000:]}"
    return transactions


def _workload(proxy, run_args, run_seconds):
    _sysbench(proxy, "cleanup", timeout=60)  # leftovers of an interrupted run
    r = _sysbench(proxy, "--threads=8", "prepare", timeout=120)
    assert r.returncode == 0, f"sysbench prepare failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    try:
        r = _sysbench(proxy, "--threads=8", f"--time={run_seconds}", "--verbosity=5", *run_args, "run",
                      timeout=run_seconds + 90)
        return _check_run(r)
    finally:
        r = _sysbench(proxy, "cleanup", timeout=60)
        assert r.returncode == 0, f"sysbench cleanup failed:\n{r.stdout}\n{r.stderr}"


@pytest.mark.timeout(300)
def test_oltp_read_write_text_protocol(proxy, test_db):
    _workload(proxy, ["--db-ps-mode=disable"], 20)


@pytest.mark.timeout(240)
def test_oltp_read_write_prepared_statements(proxy, test_db):
    _workload(proxy, ["--db-ps-mode=auto"], 10)
