#!/usr/bin/env python3
"""Query cache: a cached answer from Junction against the primary answering the same query.

sysbench runs one fixed point select again and again (bench/cache_hit.lua) against (a) the primary directly and
(b) Junction with a rule that caches it (`cache_ttl` 60 s), so every answer after the first comes from Junction's
cache. Prints QPS and p95 latency per thread count, Junction's CPU per query and the ratios; `--write-docs` writes
the table into docs/PERFORMANCE.md between its markers. Uses the lab (lab/lab.sh start).
"""

from __future__ import annotations

import argparse
import datetime
import os
import shlex
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402  (the sysbench benchmark's lab, proxy and docs helpers)

DOC_START, DOC_END = "<!-- cache:start -->", "<!-- cache:end -->"
LUA = Path(__file__).resolve().parent / "cache_hit.lua"
CACHE_RULE = ('mysql_query_rules = ( { rule_id=1, active=1, match_pattern="^SELECT id, c FROM bench_cache", '
              'cache_ttl=60000, apply=1 } )\n')


def run(opts, sysbench: str, port: int, threads: int, proxy: bench.Proxy | None) -> dict:
    cmd = [sysbench, str(LUA), "--db-driver=mysql", f"--mysql-host={bench.HOST}", f"--mysql-port={port}",
           f"--mysql-user={bench.USER}", f"--mysql-password={bench.PASSWORD}", f"--mysql-db={opts.db}",
           f"--threads={threads}", f"--time={opts.time}", "--events=0", "--percentile=95", "run"]
    before = bench.cpu_ticks(proxy.pid) if proxy else 0
    r = bench.subprocess.run(cmd, capture_output=True, text=True, timeout=opts.time + 120,
                             stdin=bench.subprocess.DEVNULL)
    if r.returncode != 0 or "FATAL" in r.stdout + r.stderr:
        raise bench.BenchError(f"sysbench exited with {r.returncode}:\n{(r.stdout + r.stderr)[-3000:]}")
    result = bench.parse_sysbench(r.stdout)
    if proxy:
        result["cpu_us"] = (bench.cpu_ticks(proxy.pid) - before) / bench.CLK_TCK * 1e6 / max(result["queries"], 1)
    return result


def selects_on_primary(lab: bench.Lab) -> int:
    return int(lab.sql(lab.primary, "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
                                    "WHERE VARIABLE_NAME = 'COM_SELECT'"))


def table(rows: list[dict]) -> str:
    lines = ["| threads | direct QPS | cached QPS | direct p95 ms | cached p95 ms | cached/direct p95 | Junction CPU µs/q "
             "| errors direct / cached |", "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        d, c = row["direct"], row["cached"]
        ratio = c["p95_ms"] / d["p95_ms"] if d["p95_ms"] else float("nan")
        lines.append(f"| {row['threads']} | {d['qps']:,.0f} | {c['qps']:,.0f} | {d['p95_ms']:.2f} | {c['p95_ms']:.2f} "
                     f"| {ratio:.2f} | {c['cpu_us']:.1f} | {d['errors']} / {c['errors']} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--time", type=int, default=10, help="seconds per sysbench run (default 10)")
    p.add_argument("--threads", type=bench.comma_list(int), default=[1, 8], help="sysbench threads (default 1,8)")
    p.add_argument("--db", default="sbtest", help="schema for the bench_cache table (default sbtest)")
    p.add_argument("--junction-bin", type=Path, default=bench.REPO / ".build" / "release" / "junction")
    p.add_argument("--proxy-threads", type=int, default=bench.cores())
    p.add_argument("--junction-log-level", default="warning")
    p.add_argument("--write-docs", action="store_true", help="write the table to docs/PERFORMANCE.md")
    opts = p.parse_args(argv)
    command = os.environ.get("BENCH_COMMAND") or "bench/cache.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    sysbench = bench.find_exe("sysbench")
    lab = bench.Lab(bench.LAB_PORT, opts.db)
    workdir = Path(tempfile.mkdtemp(prefix="junction-cache-"))

    def body() -> int:
        lab.sql(lab.primary, f"CREATE DATABASE IF NOT EXISTS `{opts.db}`")
        lab.sql(lab.primary, "CREATE TABLE IF NOT EXISTS bench_cache (id INT PRIMARY KEY, c CHAR(120) NOT NULL)",
                database=opts.db)
        lab.sql(lab.primary, "REPLACE INTO bench_cache VALUES (42, REPEAT('x', 120))", database=opts.db)
        junction = bench.start_junction(opts, lab, workdir, split=False, extra_sections=CACHE_RULE)
        rows = []
        reached = 0
        for threads in opts.threads:
            direct = run(opts, sysbench, lab.primary, threads, None)
            before = selects_on_primary(lab)
            cached = run(opts, sysbench, junction.port, threads, junction)
            reached += selects_on_primary(lab) - before - 1  # the lookup itself counts once
            rows.append({"threads": threads, "direct": direct, "cached": cached})
        print(table(rows))
        cached_queries = sum(row["cached"]["queries"] for row in rows)
        print(f"of {cached_queries:,} queries through Junction, {reached:,} reached the primary (cache misses)")
        if opts.write_docs:
            section = (f"{DOC_START}\n## Query cache hits (`bench/cache.py`)\n\n"
                       f"`{command.strip()}` — {datetime.date.today().isoformat()}, {bench.machine()}. "
                       f"One fixed point select, again and again, {opts.time} s per run: the primary answering it, "
                       "and Junction answering it from its query cache (a rule with `cache_ttl`).\n\n"
                       f"{table(rows)}\n\nOf {cached_queries:,} queries through Junction, {reached:,} reached the "
                       f"primary (cache misses).\n{DOC_END}")
            bench.write_docs(section, DOC_START, DOC_END)
        failed = [row for row in rows if row["direct"]["errors"] or row["cached"]["errors"]]
        return 1 if failed else 0

    return bench.guarded(workdir, body)


if __name__ == "__main__":
    sys.exit(main())
