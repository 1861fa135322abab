"""Two Junction nodes behind a keepalived VIP (lab/ha.sh): the active node goes away while an application writes
through the VIP, one new connection per INSERT.

  - unplanned (SIGKILL to the active Junction, recommended VRRPv3 settings): writes must succeed again, through the
    other node, within 15 s, and no acknowledged write may be missing from the table;
  - planned (SIGTERM: Junction reports itself unhealthy for stop_grace_period_ms while it still serves, keepalived
    moves the VIP, then Junction drains): not a single write may fail, and none may be lost.

The lab builds network namespaces, a bridge (198.18.0.0/24), a MariaDB of its own and two keepalived instances; it is
skipped only where this machine cannot create network namespaces. It does not use lab/lab.sh's servers.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from conftest import DIRECT, REPO, _junction_bin

HA_SH = REPO / "lab" / "ha.sh"

pytestmark = [pytest.mark.skipif(DIRECT, reason="about Junction nodes behind a VIP"), pytest.mark.proxy_only,
              pytest.mark.timeout(240)]


def _netns_unavailable() -> str | None:
    """Why network namespaces cannot be made here, or None when they can."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    if shutil.which("ip") is None:
        return "ip (iproute2) is not installed"
    name = f"jha-probe-{uuid.uuid4().hex[:6]}"
    r = subprocess.run(["ip", "netns", "add", name], capture_output=True, text=True)
    if r.returncode != 0:
        return f"cannot create a network namespace: {r.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", name], capture_output=True)
    return None


def _graceful_stop_in(binary: Path) -> bool:
    """Whether this junction knows stop_grace_period_ms (the graceful stop a planned switchover needs)."""
    try:
        with open(binary, "rb") as f:
            return b"stop_grace_period_ms" in f.read()
    except OSError:
        return False


def _ha(*args: str, timeout: float = 150) -> subprocess.CompletedProcess:
    env = dict(os.environ, JUNCTION_BIN=str(_junction_bin()))
    return subprocess.run(["bash", str(HA_SH), *args], capture_output=True, text=True, timeout=timeout, env=env)


@pytest.fixture(scope="module")
def ha_lab(request):
    reason = _netns_unavailable()
    if reason:
        print(f"\ntest_ha skipped: {reason}")
        pytest.skip(reason)
    binary = _junction_bin()
    assert binary.exists(), f"junction binary not found at {binary}"
    request.addfinalizer(lambda: _ha("down", timeout=120))
    r = _ha("up", "--vrrp", "v3", timeout=180)
    assert r.returncode == 0, f"lab/ha.sh up failed:\n{r.stdout}\n{r.stderr}"
    return binary


def _failover(*args: str) -> dict:
    r = _ha("failover", *args)
    assert r.returncode == 0, f"lab/ha.sh failover {' '.join(args)} failed:\n{r.stdout}\n{r.stderr}"
    lines = [line for line in r.stdout.splitlines() if line.strip()]
    assert lines and lines[-1].startswith("{"), f"no JSON result:\n{r.stdout}\n{r.stderr}"
    result = json.loads(lines[-1])
    print(f"\n{r.stderr}\n{lines[-1]}")
    return result


def _check_no_loss(result: dict) -> None:
    assert result["verified"], "the table could not be read back from the database"
    assert result["lost_acknowledged"] == 0, f"acknowledged writes missing from the table: {result['missing_acknowledged']}"
    assert result["acknowledged"] > 0


def _moved_to_the_other_node(result: dict) -> None:
    via = result["acknowledged_after_event_via"]
    others = {address: n for address, n in via.items() if address != result["active_address"]}
    assert others, f"no write went through the other node after the event (by address: {via})"


def test_unplanned_failover_vrrp3(ha_lab):
    result = _failover("--vrrp", "v3", "--before", "2", "--settle", "2")
    _check_no_loss(result)
    assert result["recovered"], f"writes did not succeed again: {result}"
    if result["failed_writes"]:
        assert result["recovered_after_event_s"] < 15, result
    _moved_to_the_other_node(result)


def test_planned_switchover_vrrp3(ha_lab):
    if not _graceful_stop_in(ha_lab):
        pytest.xfail(f"{ha_lab} has no graceful stop (stop_grace_period_ms): SIGTERM closes the client port at once")
    result = _failover("--vrrp", "v3", "--planned", "--before", "2", "--settle", "2")
    _check_no_loss(result)
    assert result["failed_writes"] == 0, f"writes failed during a planned switchover: {result['failures']}"
    _moved_to_the_other_node(result)
