#!/usr/bin/env python3
"""How long a change loaded on one Junction node takes to be served by the others: three local nodes (admin ports
27232/27242/27252, cluster_check_interval_ms 200, diffs_before_sync 3), N changes of mysql_servers loaded on the nodes
in turn; for each, the time from LOAD … TO RUNTIME returning to every other node's runtime_mysql_servers showing it.

    python3 bench/cluster_sync.py [--changes 20] [--junction-bin .build/release/junction]

Prints each time, then the median and the worst."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration"))

NODES = [(27232, 27233), (27242, 27243), (27252, 27253)]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--changes", type=int, default=20)
    p.add_argument("--junction-bin", default=str(REPO / ".build" / "release" / "junction"))
    opts = p.parse_args()
    os.environ["JUNCTION_BIN"] = opts.junction_bin
    from admin_helpers import JunctionProcess  # noqa: E402 (after JUNCTION_BIN is set)
    from conftest import HOST

    peers = ", ".join(f'{{ hostname="{HOST}", port={admin} }}' for admin, _ in NODES)
    work = Path(tempfile.mkdtemp(prefix="junction-cluster-sync-"))
    nodes = []
    try:
        for i, (admin, proxy) in enumerate(NODES):
            (work / f"node{i}").mkdir()
            j = JunctionProcess(work / f"node{i}", admin, proxy)
            j.write_config(admin_credentials="admin:admin;cluster1:secret",
                           admin_variables='cluster_username="cluster1" cluster_password="secret" '
                                           "cluster_check_interval_ms=200 cluster_check_status_frequency=10",
                           sections=f"proxysql_servers = ( {peers} )\n")
            j.start()
            nodes.append(j)
        admins = [n.admin() for n in nodes]
        time.sleep(1)
        times = []
        for k in range(opts.changes):
            source = admins[k % len(admins)]
            others = [a for a in admins if a is not source]
            port = 20000 + k
            source.run(f"INSERT INTO mysql_servers (hostgroup_id, hostname, port) VALUES (99, '10.1.1.1', {port})")
            source.run("LOAD MYSQL SERVERS TO RUNTIME")
            started = time.monotonic()
            pending = set(range(len(others)))
            while pending:
                for i in list(pending):
                    if others[i].rows(f"SELECT 1 FROM runtime_mysql_servers WHERE port={port}"):
                        pending.discard(i)
                if time.monotonic() - started > 30:
                    print(f"change {k}: not served everywhere after 30 s")
                    return 1
                time.sleep(0.01)
            elapsed = time.monotonic() - started
            times.append(elapsed)
            print(f"change {k + 1:2d} (loaded on node {k % len(admins) + 1}): served by the others after {elapsed * 1000:.0f} ms")
        print(f"median {statistics.median(times) * 1000:.0f} ms, worst {max(times) * 1000:.0f} ms over {len(times)} changes")
        return 0
    finally:
        for j in nodes:
            j.stop()


if __name__ == "__main__":
    sys.exit(main())
