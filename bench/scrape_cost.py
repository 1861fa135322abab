#!/usr/bin/env python3
"""What watching Junction costs the queries it carries: sysbench through Junction while nothing reads its HTTP side,
while a scraper reads `/metrics`, and while the dashboard's data (`/api/v1/dashboard`) is read, at a relaxed and at
an aggressive rate. Modes are interleaved (their order rotated each repeat) and summarised by their medians: QPS,
p95 latency, Junction's CPU per query (which includes the scrapes' own work, done in the same process), and the
scrapes' answer time. A second part measures the CPU one scrape costs with no traffic.

    bench/run.sh scrape_cost [options]   (installs what is missing, starts the lab)
    bench/scrape_cost.py [options]       (the lab must be running: lab/lab.sh start)

Benchmarks are not tests: nothing here asserts a timing; exit 1 when a run failed. Standard library only, plus
sysbench and the mariadb client.
"""

from __future__ import annotations

import argparse
import base64
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402  (the sysbench benchmark's lab, proxy and sysbench helpers)

# (name, path or None, seconds between reads)
MODES = [
    ("idle", None, 0),
    ("metrics every 15 s", "/metrics", 15.0),   # Prometheus's default scrape interval
    ("metrics every 0.1 s", "/metrics", 0.1),
    ("dashboard every 2 s", "/api/v1/dashboard", 2.0),  # one open dashboard page
    ("dashboard every 0.1 s", "/api/v1/dashboard", 0.1),  # twenty open pages
]
AUTH = "Basic " + base64.b64encode(b"admin:admin").decode()


class Scraper(threading.Thread):
    """Reads `path` every `period` seconds until stopped; keeps each read's answer time."""

    def __init__(self, port: int, path: str, period: float):
        super().__init__(daemon=True)
        self.url, self.period = f"http://{bench.HOST}:{port}{path}", period
        self.stopping = threading.Event()
        self.times: list[float] = []
        self.failures = 0

    def run(self) -> None:
        while not self.stopping.is_set():
            started = time.monotonic()
            try:
                request = urllib.request.Request(self.url, headers={"Authorization": AUTH})
                with urllib.request.urlopen(request, timeout=10) as response:
                    response.read()
                self.times.append(time.monotonic() - started)
            except OSError:
                self.failures += 1
            self.stopping.wait(max(0.0, self.period - (time.monotonic() - started)))

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=15)


def admin(port: int, sql: str) -> None:
    subprocess.run(["mariadb", "-h", bench.HOST, "-P", str(port), "-uadmin", "-padmin", "-e", sql], check=True,
                   capture_output=True, timeout=30)


def enable_http(proxy: bench.Proxy, workdir: Path) -> int:
    """Turns the REST API on for the started Junction; returns its port."""
    config = (workdir / f"{proxy.name}.cnf").read_text()
    admin_port = int(re.search(r'mysql_ifaces="[^:]+:(\d+)"', config).group(1))
    rest_port = bench.free_port()
    admin(admin_port, f"SET admin-restapi_enabled='true'; SET admin-restapi_port={rest_port}; "
                      "LOAD ADMIN VARIABLES TO RUNTIME")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://{bench.HOST}:{rest_port}/metrics", timeout=2).read()
            return rest_port
        except OSError:
            time.sleep(0.1)
    raise bench.BenchError("the REST API did not start")


def cpu_per_scrape(proxy: bench.Proxy, port: int, path: str, count: int) -> tuple[float, float, int]:
    """Junction's CPU (ms) per read of `path` with no traffic, and the median answer time (ms)."""
    before = bench.cpu_ticks(proxy.pid)
    times = []
    for _ in range(count):
        started = time.monotonic()
        request = urllib.request.Request(f"http://{bench.HOST}:{port}{path}", headers={"Authorization": AUTH})
        with urllib.request.urlopen(request, timeout=10) as response:
            size = len(response.read())
        times.append(time.monotonic() - started)
    cpu = (bench.cpu_ticks(proxy.pid) - before) / bench.CLK_TCK
    return cpu * 1000 / count, statistics.median(times) * 1000, size


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--junction-bin", type=Path, default=bench.REPO / ".build" / "release" / "junction")
    p.add_argument("--time", type=int, default=20, help="seconds per sysbench run (default 20)")
    p.add_argument("--threads", type=int, default=8, help="sysbench threads (default 8)")
    p.add_argument("--workload", default="oltp_point_select")
    p.add_argument("--repeat", type=int, default=3, help="repeats, modes interleaved (default 3)")
    p.add_argument("--scrapes", type=int, default=200, help="reads for the CPU-per-scrape part (default 200)")
    p.add_argument("--db", default="sbtest")
    p.add_argument("--tables", type=int, default=4)
    p.add_argument("--table-size", type=int, default=10000)
    opts = p.parse_args(argv)
    # What bench.py's helpers expect of its own options.
    opts.junction_log_level, opts.proxy_threads, opts.junction_threads = "warning", bench.cores(), None
    opts.mysql_ignore_errors = None

    lab = bench.Lab(bench.LAB_PORT, opts.db)
    lab.check()
    sysbench = bench.find_exe("sysbench")
    if not lab.tables_ready(opts.tables, opts.table_size):
        bench.log("prepare the sysbench tables first: bench/run.sh --time 1 --repeat 1 (it creates them)")
        return 1
    rows = {name: [] for name, _, _ in MODES}
    with tempfile.TemporaryDirectory(prefix="junction-scrape-") as tmp:
        workdir = Path(tmp)
        proxy = bench.start_junction(opts, lab, workdir, split=False)
        try:
            rest_port = enable_http(proxy, workdir)
            for name, path in (("metrics", "/metrics"), ("dashboard", "/api/v1/dashboard")):
                cpu, answer, size = cpu_per_scrape(proxy, rest_port, path, opts.scrapes)
                print(f"{name:<10} one read: {cpu:.2f} ms of Junction CPU, answered in {answer:.2f} ms (median), {size} bytes")
            for repeat in range(opts.repeat):
                order = MODES[repeat % len(MODES):] + MODES[:repeat % len(MODES)]
                for name, path, period in order:
                    scraper = Scraper(rest_port, path, period) if path else None
                    if scraper:
                        scraper.start()
                    result = bench.run_one(opts, lab, sysbench, "junction", proxy.port, proxy, repeat + 1,
                                           opts.workload, "disable", opts.threads)
                    if scraper:
                        scraper.stop()
                    if not result.ok:
                        bench.log(f"{name}: {result.message}")
                        return 1
                    answer = statistics.median(scraper.times) * 1000 if scraper and scraper.times else None
                    rows[name].append((result.qps, result.p95_ms, result.cpu_us_per_query, answer,
                                       len(scraper.times) if scraper else 0))
                    print(f"{repeat + 1}  {name:<24} QPS {result.qps:>9.1f}  p95 {result.p95_ms:>6.2f} ms  "
                          f"CPU {result.cpu_us_per_query:>6.1f} us/q  reads {rows[name][-1][4]:>4}"
                          + (f"  answer {answer:.2f} ms" if answer else ""), flush=True)
        finally:
            proxy.stop()
    if opts.repeat == 0:
        return 0
    idle_qps = statistics.median(r[0] for r in rows["idle"])
    print(f"\nmedians of {opts.repeat} interleaved runs, {opts.workload}, {opts.threads} threads, {opts.time} s each:")
    print(f"{'mode':<24} {'QPS':>9} {'vs idle':>8} {'p95 ms':>7} {'CPU us/q':>9} {'answer ms':>10}")
    for name, _, _ in MODES:
        qps = statistics.median(r[0] for r in rows[name])
        answers = [r[3] for r in rows[name] if r[3] is not None]
        print(f"{name:<24} {qps:>9.1f} {qps / idle_qps:>8.3f} {statistics.median(r[1] for r in rows[name]):>7.2f} "
              f"{statistics.median(r[2] for r in rows[name]):>9.2f} "
              f"{(f'{statistics.median(answers):.2f}' if answers else '-'):>10}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except bench.BenchError as e:
        bench.log(str(e))
        sys.exit(1)
