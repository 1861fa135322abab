"""The wire fuzzer, bench/fuzz_wire.py, for a short run with a fixed seed: about 20 s of batches on the client port,
then 20 s on the admin port, against a Junction of this test's own (admin 17932, clients 17933, the lab's primary in
hostgroup 0, LOAD DATA LOCAL on). Junction must neither crash nor hang (a health check slower than 5 s, after each
batch or while it runs), nor leave a session that neither answers COM_PING nor closes, and real clients must work
afterwards: PyMySQL (text protocol), mysql-connector-python (server-side prepared statements), the admin port. Then
Junction must stop cleanly on SIGTERM.

When the fuzzer finds something it saves the reproducing case (every byte in hex, with the seed) under the test's
tmp_path; the failure message quotes it, and `python3 bench/fuzz_wire.py --replay FILE.json` runs it again.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import mysql.connector
import pytest

from admin_helpers import Admin, own_junction, proxy_login
from conftest import DIRECT, HOST, LAB_PORT, REPO

pytestmark = [pytest.mark.skipif(DIRECT, reason="about Junction itself"), pytest.mark.proxy_only]

ADMIN_PORT = 17932
PROXY_PORT = 17933
SEED = 20261204
SECONDS_PER_PORT = 20
FUZZER = REPO / "bench" / "fuzz_wire.py"

sys.path.insert(0, str(REPO / "bench"))
import fuzz_wire  # noqa: E402  (for the Swift backtracer's path only)


@pytest.fixture
def junction(tmp_path, lab, monkeypatch):
    """A Junction of this test's own, printing a backtrace into its log if it crashes; required to stop cleanly."""
    backtracer = fuzz_wire.swift_backtracer()
    if backtracer:
        monkeypatch.setenv("SWIFT_BACKTRACE", f"enable=yes,interactive=no,color=no,swift-backtrace={backtracer}")
    yield from own_junction(tmp_path, ADMIN_PORT, PROXY_PORT)


def _findings_text(out_dir: Path, limit: int = 6000) -> str:
    parts = []
    for path in sorted(out_dir.glob("*.txt")):
        text = path.read_text(errors="replace")
        parts.append(f"--- {path}\n{text[:limit]}")
    return "\n".join(parts) or "(no finding saved)"


@pytest.mark.timeout(900)
def test_wire_fuzz_client_and_admin_ports(junction, tmp_path):
    junction.write_config(mysql_variables="max_connections=4096 enable_load_data_local_infile=true")
    junction.start()
    pid = junction.proc.pid
    out_dir = tmp_path / "findings"
    result = tmp_path / "fuzz.json"
    cmd = [sys.executable, str(FUZZER), "--host", HOST, "--port", str(PROXY_PORT), "--admin-port", str(ADMIN_PORT),
           "--pid", str(pid), "--log", str(junction.log_path), "--lab-port", str(LAB_PORT), "--port-kind", "both",
           "--seconds", str(SECONDS_PER_PORT), "--seed", str(SEED), "--out-dir", str(out_dir), "--json", str(result)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=800, cwd=REPO, stdin=subprocess.DEVNULL)
    out = f"--- fuzzer stdout\n{r.stdout[-4000:]}\n--- fuzzer stderr\n{r.stderr[-4000:]}"
    assert result.exists(), f"the fuzzer wrote no result (exit {r.returncode})\n{out}"
    data = json.loads(result.read_text())
    ports = {p["port"]: p for p in data["ports"]}
    problems = [f"{name}: {p[k]} {k}" for name, p in ports.items()
                for k in ("crashes", "hangs", "failures", "stuck") if p[k]]
    assert not problems and r.returncode == 0, \
        f"the wire fuzzer found: {', '.join(problems) or f'exit {r.returncode}'}\n{out}\n{_findings_text(out_dir)}"
    assert set(ports) == {"client", "admin"}, out
    for name, p in ports.items():
        assert p["executions"] >= 100 and p["batches"] >= 2, f"{name} port: too few fuzz cases ran\n{out}"
    print(r.stdout)

    # Real clients still work, on both ports, and the process is the one that was fuzzed.
    assert junction.proc.poll() is None, f"junction exited with {junction.proc.returncode}:\n{junction.log()}"
    c = proxy_login(PROXY_PORT, "app", "app", database="sbtest")
    with c.cursor() as cur:
        cur.execute("SELECT 1, 'after the fuzz'")
        assert cur.fetchone() == (1, "after the fuzz")
    c.close()
    cc = mysql.connector.connect(host=HOST, port=PROXY_PORT, user="app", password="app", database="sbtest",
                                 use_pure=True, connection_timeout=10)
    cur = cc.cursor(prepared=True)
    cur.execute("SELECT ? + 1, ?", (41, "prepared"))
    assert cur.fetchone() == (42, "prepared")
    cur.close()
    cc.close()
    with Admin(ADMIN_PORT) as admin:
        assert admin.value("SELECT 1") in ("1", 1)
        assert admin.value("SELECT COUNT(*) FROM runtime_mysql_servers") in ("1", 1)
