#!/usr/bin/env python3
"""Junction's end-to-end benchmark: sysbench against the lab's primary directly, through HAProxy (TCP mode) and
through Junction (one hostgroup, and the tutorial's read/write split), in one run so the numbers are comparable;
on request also through the real ProxySQL 2.7.1 with Junction's two configurations (targets proxysql and
proxysql-split: ../shared/anchors/proxysql, or --proxysql-bin).

    bench/run.sh [options]            (installs what is missing, starts the lab, then runs this script)
    bench/bench.py [options]          (the lab must be running: lab/lab.sh start)

For each repeat, for each workload, prepared-statement mode and thread count, every target runs once (targets
interleaved, their order rotated from one repeat to the next), because run-to-run noise on a small machine is
10-20%. Each run reports sysbench's QPS, p95 latency and errors, and for the proxies their CPU time per query:
utime+stime of the proxy process from /proc/PID/stat before and after the run, divided by the queries sysbench
counted. The summary holds the medians over the repeats, Junction's QPS as a share of the direct connection's,
and the ratios Junction/HAProxy and Junction/ProxySQL for QPS and CPU per query.

Benchmarks are not tests: nothing here asserts a timing. The script exits 1 when a run failed (sysbench exited with
an error), so that the test suite's tiny run (tests/integration/test_bench.py) notices when it rots.

Python 3 standard library only, plus the sysbench, mariadb (or mysql) and haproxy executables (and ProxySQL for
its targets).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "PERFORMANCE.md"
DOC_START = "<!-- bench:start -->"
DOC_END = "<!-- bench:end -->"

HOST = "127.0.0.1"
USER = "app"
PASSWORD = "app"
LAB_PORT = int(os.environ.get("JUNCTION_LAB_PORT", "13306"))

WORKLOADS = ["oltp_point_select", "oltp_read_only", "oltp_read_write"]
PS_MODES = ["disable", "auto"]
TARGETS = ["direct", "haproxy", "junction", "junction-split"]
# Opt-in: Sources/nio-forwarder, bytes between two sockets on SwiftNIO (the floor under Junction's cost); the real
# ProxySQL 2.7.1 with Junction's configuration (one hostgroup, and the read/write split), from --proxysql-bin.
EXTRA_TARGETS = ["nio-floor", "proxysql", "proxysql-split", "baseline", "baseline-split"]
PROXYSQL_TARGETS = {"proxysql", "proxysql-split"}
# Opt-in too: another Junction binary (--baseline-bin, say a build of an earlier commit) with the junction and
# junction-split configurations, interleaved with the current one in the same run: before/after of a change.
BASELINE_TARGETS = {"baseline", "baseline-split"}
# The proxies bench/profile.py can start and profile (ProxySQL is not one of them).
PROXIES = {"haproxy", "junction", "junction-split", "nio-floor"}
LABELS = {"direct": "direct", "haproxy": "HAProxy", "junction": "Junction", "junction-split": "Junction split",
          "nio-floor": "NIO floor", "proxysql": "ProxySQL", "proxysql-split": "ProxySQL split",
          "baseline": "baseline", "baseline-split": "baseline split"}
# The team's reference binary of ProxySQL 2.7.1, beside the repository (a clone outside the team has none).
PROXYSQL_BIN = REPO.parent / "shared" / "anchors" / "proxysql"

# Ports the integration tests' own Junctions use (conftest.py, test_admin_*.py) and Junction's defaults: never
# taken here, even if free at the moment, so that the benchmark can run next to the test suite's fixtures.
RESERVED_PORTS = {6032, 6033, 16032, 16033, 17032, 17033}

# The tutorial's read/write split (README.md, "Split reads and writes").
SPLIT_RULES = [
    (1, "^SELECT.*FOR UPDATE$", 10),
    (2, "^SELECT", 20),
]

CLK_TCK = os.sysconf("SC_CLK_TCK")


class BenchError(Exception):
    pass


def log(msg: str) -> None:
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def find_exe(*names: str) -> str:
    for n in names:
        for p in (shutil.which(n), f"/usr/sbin/{n}", f"/usr/bin/{n}"):
            if p and os.access(p, os.X_OK):
                return p
    raise BenchError(f"{names[0]} not found (run scripts/install-deps.sh)")


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


_taken: set[int] = set()


def free_port() -> int:
    """A free TCP port on 127.0.0.1, never one of the test suite's fixed ports nor one handed out before."""
    for _ in range(100):
        with socket.socket() as s:
            s.bind((HOST, 0))
            port = s.getsockname()[1]
        if port not in RESERVED_PORTS and port not in _taken:
            _taken.add(port)
            return port
    raise BenchError("no free port found")


# ---------------------------------------------------------------- SQL through the mariadb client


class Lab:
    def __init__(self, port: int, db: str):
        self.client = find_exe("mariadb", "mysql")
        self.primary = port
        self.replicas = [port + 1, port + 2]
        self.db = db

    def sql(self, port: int, query: str, timeout: float = 60, database: str | None = None) -> str:
        cmd = [self.client, "--no-defaults", "--protocol=tcp", f"--host={HOST}", f"--port={port}",
               f"--user={USER}", f"--password={PASSWORD}", "--batch", "--skip-column-names",
               "--connect-timeout=5"]
        if database:
            cmd.append(f"--database={database}")
        cmd += ["-e", query]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        if r.returncode != 0:
            raise BenchError(f"SQL on port {port} failed: {query}\n{r.stderr.strip()}")
        return r.stdout.strip()

    def check(self) -> None:
        for port in [self.primary] + self.replicas:
            try:
                self.sql(port, "SELECT 1", timeout=15)
            except (BenchError, subprocess.TimeoutExpired) as e:
                raise BenchError(f"the lab does not answer on {HOST}:{port} (start it: lab/lab.sh start): {e}")

    def wait_replicas(self, timeout: int = 300) -> None:
        """Until both replicas have applied everything the primary has written (so that a run does not start while
        they are still replaying the previous run's writes). A replica that is restarting is waited for."""
        deadline = time.monotonic() + timeout
        pos = self.sql(self.primary, "SELECT @@gtid_binlog_pos")
        for port in self.replicas:
            while True:
                left = max(1, int(deadline - time.monotonic()))
                try:
                    if self.sql(port, f"SELECT MASTER_GTID_WAIT('{pos}', {left})", timeout=left + 30) == "0":
                        break
                except BenchError as e:
                    if time.monotonic() > deadline:
                        raise
                    log(f"waiting for the replica on port {port}: {e}")
                    time.sleep(1)
                    continue
                raise BenchError(f"the replica on port {port} did not reach GTID {pos} within {timeout}s")

    def uptimes(self) -> dict[int, int]:
        """Each server's Uptime, to notice a server restarted (by someone else) during the benchmark."""
        out = {}
        for port in [self.primary] + self.replicas:
            try:
                out[port] = int(self.sql(port, "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
                                               "WHERE VARIABLE_NAME = 'UPTIME'"))
            except (BenchError, ValueError, subprocess.TimeoutExpired):
                out[port] = -1
        return out

    def tables_ready(self, tables: int, size: int) -> bool:
        names = set(self.sql(self.primary, "SELECT table_name FROM information_schema.tables "
                                           f"WHERE table_schema = '{self.db}'").split())
        if not all(f"sbtest{i}" in names for i in range(1, tables + 1)):
            return False
        counts = self.sql(self.primary, "SELECT " + ", ".join(
            f"(SELECT COUNT(*) FROM `{self.db}`.`sbtest{i}`)" for i in range(1, tables + 1))).split()
        return all(int(c) == size for c in counts)


# ---------------------------------------------------------------- sysbench


@dataclass
class Result:
    repeat: int
    workload: str
    ps_mode: str
    threads: int
    target: str
    ok: bool
    queries: int = 0
    qps: float = 0.0
    p95_ms: float = 0.0
    errors: int = 0
    seconds: float = 0.0
    cpu_seconds: float | None = None
    cpu_us_per_query: float | None = None
    user_us_per_query: float | None = None  # the user-space part of cpu_us_per_query
    message: str = ""


def sysbench_args(opts, workload: str, port, threads, ps_mode: str) -> list[str]:
    return [workload, "--db-driver=mysql", f"--mysql-host={HOST}", f"--mysql-port={port}",
            f"--mysql-user={USER}", f"--mysql-password={PASSWORD}", f"--mysql-db={opts.db}",
            f"--tables={opts.tables}", f"--table-size={opts.table_size}", f"--threads={threads}",
            f"--time={opts.time}", "--events=0", "--percentile=95", "--report-interval=0",
            f"--db-ps-mode={ps_mode}", "run"]


def _num(pattern: str, text: str, cast=float):
    m = re.search(pattern, text, re.MULTILINE)
    if not m:
        raise ValueError(f"no match for {pattern!r}")
    return cast(m.group(1))


def parse_sysbench(out: str) -> dict:
    m = re.search(r"^\s*queries:\s+(\d+)\s+\(([\d.]+) per sec\.\)", out, re.MULTILINE)
    if not m:
        raise ValueError("no 'queries: N (X per sec.)' line")
    return {
        "queries": int(m.group(1)),
        "qps": float(m.group(2)),
        "p95_ms": _num(r"^\s*95th percentile:\s+([\d.]+)", out),
        "errors": _num(r"^\s*ignored errors:\s+(\d+)", out, int) + _num(r"^\s*reconnects:\s+(\d+)", out, int),
        "seconds": _num(r"^\s*total time:\s+([\d.]+)s", out),
    }


def sysbench_version(exe: str) -> str:
    r = subprocess.run([exe, "--version"], capture_output=True, text=True)
    return r.stdout.strip() or r.stderr.strip()


# ---------------------------------------------------------------- proxies as child processes


def cpu_ticks_split(pid: int) -> tuple[int, int]:
    """(utime, stime) of a process (all its threads, in clock ticks) from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat") as f:
        stat = f.read()
    fields = stat[stat.rindex(")") + 2:].split()  # fields 3.. (the command name may hold spaces)
    return int(fields[11]), int(fields[12])  # fields 14 (utime) and 15 (stime)


def cpu_ticks(pid: int) -> int:
    """utime + stime of a process (all its threads, in clock ticks)."""
    return sum(cpu_ticks_split(pid))


_children: list["Proxy"] = []  # every proxy started, stopped by PID at the end whatever happens


class Proxy:
    def __init__(self, name: str, port: int, cmd: list[str], workdir: Path, lab: Lab):
        self.name = name
        self.port = port
        self.cmd = cmd
        self.log_path = workdir / f"{name}.log"
        self.lab = lab
        self._log = open(self.log_path, "wb")
        # Its own session: a Ctrl-C in the terminal reaches this script, which then stops it by its PID.
        self.proc = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=True, cwd=workdir)
        _children.append(self)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log_tail(self, n: int = 4000) -> str:
        self._log.flush()
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return "(no log)"

    def alive(self) -> None:
        if self.proc.poll() is not None:
            raise BenchError(f"{self.name} exited with {self.proc.returncode}; its log:\n{self.log_tail()}")

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        last = ""
        while True:
            self.alive()
            try:
                self.lab.sql(self.port, "SELECT 1", timeout=10)
                return
            except (BenchError, subprocess.TimeoutExpired) as e:
                last = str(e)
            if time.monotonic() > deadline:
                raise BenchError(f"{self.name} did not accept app/app on port {self.port} within {timeout}s "
                                 f"({last}); its log:\n{self.log_tail()}")
            time.sleep(0.2)

    def stop(self) -> None:
        if self._log.closed:
            return
        if self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=15)
            except ProcessLookupError:
                pass
        self._log.close()


def start_haproxy(opts, lab: Lab, workdir: Path) -> tuple[Proxy, str]:
    exe = find_exe("haproxy")
    port = free_port()
    cfg = workdir / "haproxy.cfg"
    cfg.write_text(
        "global\n"
        f"    nbthread {opts.proxy_threads}\n"
        "    maxconn 4096\n"
        "defaults\n"
        "    mode tcp\n"
        "    timeout connect 5s\n"
        "    timeout client 1h\n"
        "    timeout server 1h\n"
        "listen mysql\n"
        f"    bind {HOST}:{port}\n"
        f"    server primary {HOST}:{lab.primary}\n"  # no `check`: no health checks
    )
    p = Proxy("haproxy", port, [exe, "-db", "-f", str(cfg)], workdir, lab)
    p.wait_ready()
    version = subprocess.run([exe, "-v"], capture_output=True, text=True).stdout.splitlines()
    return p, (version[0] if version else "HAProxy")


def start_nio_floor(opts, lab: Lab, workdir: Path) -> Proxy:
    """The SwiftNIO forwarder in front of the primary, with Junction's thread count."""
    port = free_port()
    p = Proxy("nio-floor", port, [str(opts.nio_forwarder_bin), str(port), str(lab.primary), str(junction_threads(opts))],
              workdir, lab)
    p.wait_ready()
    return p


def junction_threads(opts) -> int:
    """Junction's (and ProxySQL's) mysql-threads: --junction-threads where a script offers it, else the proxies' thread
    count."""
    return getattr(opts, "junction_threads", None) or opts.proxy_threads


def junction_config(opts, lab: Lab, datadir: Path, port: int, admin_port: int, split: bool,
                    max_connections: int = 4096, user_max_connections: int | None = None,
                    extra_variables: str = "", extra_sections: str = "") -> str:
    if split:
        servers = [(10, lab.primary)] + [(20, r) for r in lab.replicas]
        default_hg = 10
        rules = ", ".join(f'{{ rule_id={i}, active=1, match_pattern="{pat}", destination_hostgroup={hg}, apply=1 }}'
                          for i, pat, hg in SPLIT_RULES)
        sections = f"mysql_query_rules = ( {rules} )\n"
    else:
        servers = [(0, lab.primary)]
        default_hg = 0
        sections = ""
    server_text = ", ".join(f'{{ address="{HOST}", port={p}, hostgroup={hg}, max_connections=1000 }}'
                            for hg, p in servers)
    return (
        f'datadir="{datadir}"\n'
        f'admin_variables = {{ admin_credentials="admin:admin" mysql_ifaces="{HOST}:{admin_port}" }}\n'
        f'mysql_variables = {{ threads={junction_threads(opts)} interfaces="{HOST}:{port}" '
        f'max_connections={max_connections} monitor_enabled=false{" " * bool(extra_variables)}{extra_variables} }}\n'
        f"mysql_servers = ( {server_text} )\n"
        f'mysql_users = ( {{ username="{USER}", password="{PASSWORD}", default_hostgroup={default_hg}'
        f'{f" max_connections={user_max_connections}" if user_max_connections is not None else ""} }} )\n'
        f"{sections}{extra_sections}"
    )


def start_junction(opts, lab: Lab, workdir: Path, split: bool, **config) -> Proxy:
    """`config`: junction_config's keyword arguments (bench/connections.py raises the connection limits)."""
    return _start_configured(opts, lab, workdir, "junction", split, config, lambda cfg, datadir: [
        str(opts.junction_bin), "--foreground", "--initial", "--config", str(cfg), "--datadir", str(datadir),
        "--log-level", opts.junction_log_level])


def start_baseline(opts, lab: Lab, workdir: Path, split: bool) -> Proxy:
    """The --baseline-bin Junction, configured as the junction (or junction-split) target."""
    return _start_configured(opts, lab, workdir, "baseline", split, {}, lambda cfg, datadir: [
        str(opts.baseline_bin), "--foreground", "--initial", "--config", str(cfg), "--datadir", str(datadir),
        "--log-level", opts.junction_log_level])


def start_proxysql(opts, lab: Lab, workdir: Path, split: bool) -> Proxy:
    """The real ProxySQL on Junction's own configuration file (the same format, so the same servers, hostgroups,
    user, rules, mysql-threads and monitor off), in the foreground as one process: -e makes a crash end it rather
    than restart it (its PID is the one whose CPU is counted), --no-version-check keeps it off the network."""
    return _start_configured(opts, lab, workdir, "proxysql", split, {}, lambda cfg, datadir: [
        str(opts.proxysql_bin), "-f", "-e", "--no-version-check", "-c", str(cfg), "-D", str(datadir), "--initial"])


def _start_configured(opts, lab: Lab, workdir: Path, product: str, split: bool, config: dict, command) -> Proxy:
    """Junction or ProxySQL on junction_config's file; `command(config_file, datadir)` is the command line."""
    name = f"{product}-split" if split else product
    port, admin_port = free_port(), free_port()
    datadir = workdir / name
    datadir.mkdir()
    cfg = workdir / f"{name}.cnf"
    cfg.write_text(junction_config(opts, lab, datadir, port, admin_port, split, **config))
    p = Proxy(name, port, command(cfg, datadir), workdir, lab)
    p.wait_ready()
    if split:
        # The rules must really send plain reads to a replica, or this target measures something else.
        ids = {lab.sql(port, "SELECT @@server_id") for _ in range(4)}
        if "1" in ids:
            raise BenchError(f"{name} sent a plain SELECT to the primary (server ids {sorted(ids)})")
        if lab.sql(port, "SELECT @@server_id FOR UPDATE") != "1":
            raise BenchError(f"{name} sent SELECT ... FOR UPDATE to a replica")
    return p


def proxysql_version(binary: Path) -> str:
    """Its version from `proxysql --version`, as "ProxySQL 2.7.1-16-g2726c27"."""
    try:
        out = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        out = ""
    m = re.search(r"version ([^\s,]+)", out)
    return f"ProxySQL {m.group(1)}" if m else "ProxySQL"


# ---------------------------------------------------------------- running


def run_one(opts, lab: Lab, sysbench: str, target: str, port: int, proxy: Proxy | None, repeat: int,
            workload: str, ps_mode: str, threads: int) -> Result:
    res = Result(repeat, workload, ps_mode, threads, target, ok=False)
    lab.wait_replicas()
    if proxy:
        proxy.alive()
    cmd = [sysbench] + sysbench_args(opts, workload, port, threads, ps_mode)
    before = cpu_ticks_split(proxy.pid) if proxy else (0, 0)
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=opts.time + 120, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        res.message = f"sysbench did not finish within {opts.time + 120}s"
        return res
    after = cpu_ticks_split(proxy.pid) if proxy and proxy.proc.poll() is None else None
    out = r.stdout + r.stderr
    if r.returncode != 0 or "FATAL" in out:
        res.message = f"sysbench exited with {r.returncode}:\n{out[-3000:]}"
        return res
    try:
        for k, v in parse_sysbench(r.stdout).items():
            setattr(res, k, v)
    except ValueError as e:
        res.message = f"cannot read sysbench's output ({e}):\n{out[-3000:]}"
        return res
    if proxy:
        if after is None:
            res.message = f"{target} exited during the run"
            return res
        res.cpu_seconds = (sum(after) - sum(before)) / CLK_TCK
        if res.queries > 0:
            res.cpu_us_per_query = res.cpu_seconds * 1e6 / res.queries
            res.user_us_per_query = (after[0] - before[0]) / CLK_TCK * 1e6 / res.queries
    res.ok = res.queries > 0
    if not res.ok:
        res.message = "sysbench counted no queries"
    return res


RUN_HEADER = (f"{'rep':>3}  {'workload':<18} {'ps':<7} {'thr':>3}  {'target':<14} {'queries':>9} {'QPS':>10} "
              f"{'p95 ms':>8} {'errors':>6} {'CPU us/q':>9} {'user us/q':>9}")


def run_row(r: Result) -> str:
    head = f"{r.repeat:>3}  {r.workload:<18} {r.ps_mode:<7} {r.threads:>3}  {r.target:<14}"
    if not r.ok:
        return f"{head} {'-':>9} {'FAILED':>10}"
    cpu = f"{r.cpu_us_per_query:.1f}" if r.cpu_us_per_query is not None else "-"
    user = f"{r.user_us_per_query:.1f}" if r.user_us_per_query is not None else "-"
    return f"{head} {r.queries:>9} {r.qps:>10.1f} {r.p95_ms:>8.2f} {r.errors:>6} {cpu:>9} {user:>9}"


# ---------------------------------------------------------------- summary


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarize(results: list[Result], opts) -> dict:
    """(workload, ps, threads) -> target -> medians over the repeats."""
    out: dict = {}
    for w in opts.workloads:
        for m in opts.ps_modes:
            for t in opts.threads:
                row = {}
                for target in opts.targets:
                    rs = [r for r in results if (r.workload, r.ps_mode, r.threads, r.target) == (w, m, t, target)]
                    if not rs:
                        continue
                    ok = [r for r in rs if r.ok]
                    row[target] = {
                        "runs": len(rs), "failed": len(rs) - len(ok),
                        "qps": median(r.qps for r in ok), "p95_ms": median(r.p95_ms for r in ok),
                        "errors": sum(r.errors for r in ok),
                        "cpu_us_per_query": median(r.cpu_us_per_query for r in ok),
                        "user_us_per_query": median(r.user_us_per_query for r in ok),
                    }
                if row:
                    out[(w, m, t)] = row
    return out


def _ratio(a, b):
    return a / b if a is not None and b else None


def _f(v, fmt: str) -> str:
    return "–" if v is None else format(v, fmt)


def _qps(cell) -> str:
    if cell is None:
        return "–"
    if cell["qps"] is None:
        return "failed"
    s = format(round(cell["qps"]), ",")
    return s + (f" ({cell['failed']} failed)" if cell["failed"] else "")


def markdown_tables(summary: dict, opts) -> str:
    run = [t for t in TARGETS + EXTRA_TARGETS if t in opts.targets]
    main_targets = [t for t in ("direct", "haproxy", "junction", "proxysql", "baseline") if t in run]
    split_targets = [t for t in ("junction-split", "proxysql-split", "baseline-split") if t in run]
    lines = []
    if main_targets:
        lines += _ratio_table(summary, main_targets, "junction", ["direct", "haproxy", "proxysql", "baseline"], run)
    if "nio-floor" in run:
        lines += ["" if lines else None, floor_table(summary, opts)]
        lines = [x for x in lines if x is not None]
    if split_targets:
        if lines:
            lines.append("")
        lines.append(f"Read/write split ({', '.join(f'`{t}`' for t in split_targets)}): plain SELECTs outside "
                     "transactions go to the two replicas, so this is not like for like with the rows above (and "
                     "here all three servers share the same cores); sysbench's read-only and read/write workloads "
                     "wrap their queries in BEGIN … COMMIT, which keeps them on the primary.")
        lines.append("")
        lines += _ratio_table(summary, split_targets, "junction-split", ["junction", "proxysql-split", "baseline-split"],
                              run)
    return "\n".join(lines)


def _ratio_table(summary: dict, shown: list[str], subject: str, references: list[str], run: list[str]) -> list[str]:
    """The `shown` targets' QPS, CPU µs/query (proxies only), p95 and errors per cell, with `subject`'s QPS and CPU
    as ratios to those of each of `references` in the run (CPU only to proxies')."""
    refs = [r for r in references if r in run] if subject in run else []
    cpu_shown, cpu_refs = [t for t in shown if t != "direct"], [r for r in refs if r != "direct"]
    head = (["workload", "PS", "thr"] + [f"{LABELS[t]} QPS" for t in shown]
            + [f"{LABELS[subject]}/{LABELS[r]} QPS" for r in refs]
            + [f"{LABELS[t]} CPU µs/q" for t in cpu_shown]
            + [f"{LABELS[subject]}/{LABELS[r]} CPU" for r in cpu_refs]
            + ["p95 ms " + " / ".join(LABELS[t] for t in shown), "errors " + " / ".join(LABELS[t] for t in shown)])
    lines = _table_head(head)
    for (w, m, t), row in summary.items():
        cells = _row_start(w, m, t) + [_qps(row.get(x)) for x in shown]
        cells += [_f(_ratio(row[subject]["qps"], row[r]["qps"]), ".2f") for r in refs]
        cells += [_f(row[x]["cpu_us_per_query"], ".1f") for x in cpu_shown]
        cells += [_f(_ratio(row[subject]["cpu_us_per_query"], row[r]["cpu_us_per_query"]), ".2f") for r in cpu_refs]
        cells.append(" / ".join(_f(row[x]["p95_ms"], ".2f") for x in shown))
        cells.append(" / ".join(str(row[x]["errors"]) for x in shown))
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def floor_table(summary: dict, opts) -> str:
    """The NIO floor's rows: what bytes between two sockets cost on SwiftNIO, and what Junction adds to it."""
    have_j, have_h = "junction" in opts.targets, "haproxy" in opts.targets
    lines = ["NIO floor (`nio-floor`): Sources/nio-forwarder, bytes between the client and the primary on SwiftNIO with "
             "Junction's thread count and build flags, nothing of MySQL. Junction − floor is what Junction's own work "
             "costs per query.", ""]
    head = ["workload", "PS", "thr", "floor QPS", "floor CPU µs/q", "floor user µs/q"]
    if have_h:
        head.append("floor/HAProxy CPU")
    if have_j:
        head += ["Junction − floor CPU µs/q", "Junction − floor user µs/q"]
    lines += _table_head(head)
    for (w, m, t), row in summary.items():
        f = row["nio-floor"]
        cells = _row_start(w, m, t) + [_qps(f), _f(f["cpu_us_per_query"], ".1f"),
                 _f(f["user_us_per_query"], ".1f")]
        if have_h:
            cells.append(_f(_ratio(f["cpu_us_per_query"], row["haproxy"]["cpu_us_per_query"]), ".2f"))
        if have_j:
            j = row["junction"]
            cells += [_f(_difference(j["cpu_us_per_query"], f["cpu_us_per_query"]), ".1f"),
                      _f(_difference(j["user_us_per_query"], f["user_us_per_query"]), ".1f")]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _table_head(head: list[str]) -> list[str]:
    """A markdown header for the summary tables: three text columns (workload, PS, threads), then numbers."""
    return ["| " + " | ".join(head) + " |", "|" + "---|" * 3 + "---:|" * (len(head) - 3)]


def _row_start(workload: str, ps_mode: str, threads: int) -> list[str]:
    return [workload, "prepared" if ps_mode == "auto" else "text", str(threads)]


def _difference(a, b):
    return a - b if a is not None and b is not None else None


# ---------------------------------------------------------------- the machine and the docs


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal:"):
                mem = f", {round(int(line.split()[1]) / 1024 / 1024)} GiB"
                break
    except OSError:
        pass
    osname = platform.system()
    try:
        for line in open("/etc/os-release"):
            if line.startswith("PRETTY_NAME="):
                osname = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return f"{cores()} cores ({model}){mem}, {osname}, Linux {platform.release()}"


def junction_version(binary: Path) -> str:
    try:
        v = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        v = ""
    try:
        commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "Sources", "Package.swift"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        if commit:
            v = (v + " " if v else "") + f"commit {commit}" + (" + local changes" if dirty else "")
    except OSError:
        pass
    try:
        built = datetime.datetime.fromtimestamp(binary.stat().st_mtime, datetime.timezone.utc)
        v = (v + ", " if v else "") + f"binary built {built:%Y-%m-%d %H:%M} UTC"
    except OSError:
        pass
    return v or "unknown"


def docs_section(opts, summary: dict, info: dict) -> str:
    sb = " ".join(sysbench_args(opts, "<workload>", "<port>", "<" + "|".join(map(str, opts.threads)) + ">",
                                "<" + "|".join(opts.ps_modes) + ">"))
    repeats = "one run per cell" if opts.repeat == 1 else f"medians of {opts.repeat} interleaved runs per cell"
    rules = ", ".join(f"`{pat}` → {hg}" for _, pat, hg in SPLIT_RULES)
    parts = [
        DOC_START,
        "## End to end: direct, HAProxy and Junction (`bench/`)",
        "",
        f"`{info['command']}` — {info['date']}, {info['machine']}.",
        f"{info['mariadb']}, {info['haproxy']}, {info['sysbench']}, Junction {info['junction']} (release build)"
        + (f", {info['proxysql']}." if info.get("proxysql") else "."),
        f"{opts.time} s per run, {repeats} (targets interleaved); {opts.tables} tables × {opts.table_size:,} rows; "
        f"each run is `sysbench {sb}`.",
        "",
        f"- direct: the lab's primary on {HOST}:{LAB_PORT}.",
        f"- HAProxy: `mode tcp`, `nbthread {opts.proxy_threads}`{' (= cores)' if opts.proxy_threads == cores() else ''}"
        ", the primary as its only server, no "
        "health check.",
        f"- Junction: `mysql-threads={junction_threads(opts)}`, hostgroup 0 = the primary, no rules, monitor off, "
        f"log level {opts.junction_log_level}.",
        f"- Junction split: hostgroup 10 = the primary (the user's default), 20 = the two replicas, the tutorial's "
        f"rules ({rules}).",
    ] + ([f"- NIO floor: Sources/nio-forwarder, `{junction_threads(opts)}` event loops, each client connection relayed "
          "byte for byte to its own connection to the primary."] if "nio-floor" in opts.targets else []) + (
        [f"- ProxySQL (split): the real ProxySQL on Junction's (split) configuration file, the same servers, "
         f"hostgroups, rules, user, `mysql-threads={junction_threads(opts)}` and monitor off, other variables at "
         "their defaults."] if PROXYSQL_TARGETS & set(opts.targets) else []) + [
        "- CPU µs/q: utime+stime of the proxy process (/proc/PID/stat) over the run, divided by the queries sysbench "
        "counted (BEGIN/COMMIT included). sysbench, MariaDB and the proxy share the machine's cores, so a proxy's "
        "CPU is taken from the servers' and the client's.",
        "- errors: sysbench's ignored errors (deadlocks under read/write) plus reconnects.",
        "",
    ] + ([f"**Warning: {info['warning']}.**", ""] if info.get("warning") else []) + [
        markdown_tables(summary, opts),
        DOC_END,
    ]
    return "\n".join(parts) + "\n"


def write_docs(section: str, start_marker: str = DOC_START, end_marker: str = DOC_END) -> None:
    """Replaces the text between the markers in docs/PERFORMANCE.md (appends the section if they are missing)."""
    text = DOC.read_text()
    start, end = text.find(start_marker), text.find(end_marker)
    if start >= 0 and end > start:
        rest = text[end + len(end_marker):].lstrip("\n")
        text = text[:start] + section + ("\n" + rest if rest else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    DOC.write_text(text)
    log(f"wrote the table to {DOC.relative_to(REPO)}")


# ---------------------------------------------------------------- main


def comma_list(kind):
    def parse(s: str):
        items = [x.strip() for x in s.split(",") if x.strip()]
        if not items:
            raise argparse.ArgumentTypeError("empty list")
        return [kind(x) for x in items]
    return parse


def choice_list(allowed):
    def parse(s: str):
        items = comma_list(str)(s)
        bad = [x for x in items if x not in allowed]
        if bad:
            raise argparse.ArgumentTypeError(f"unknown {', '.join(bad)} (choose from {', '.join(allowed)})")
        return items
    return parse


def workload_name(s: str) -> str:
    if not re.fullmatch(r"[a-z_]+", s):
        raise argparse.ArgumentTypeError(f"not a sysbench workload: {s!r}")
    return s


def add_nio_forwarder_option(p) -> None:
    p.add_argument("--nio-forwarder-bin", type=Path, default=None,
                   help="the nio-forwarder binary for the nio-floor target (default: next to the junction binary; "
                        "build it: PRODUCT=nio-forwarder scripts/build-release.sh)")


def check_nio_forwarder(p, opts) -> None:
    """Resolves --nio-forwarder-bin (next to the junction binary unless given) when the nio-floor target runs."""
    opts.nio_forwarder_bin = (opts.nio_forwarder_bin or opts.junction_bin.parent / "nio-forwarder").absolute()
    if "nio-floor" in opts.targets and not opts.nio_forwarder_bin.exists():
        p.error(f"nio-forwarder not found at {opts.nio_forwarder_bin} (build it: "
                "PRODUCT=nio-forwarder scripts/build-release.sh, or pass --nio-forwarder-bin)")


def parse_args(argv):
    default_bin = os.environ.get("JUNCTION_BIN") or str(REPO / ".build" / "release" / "junction")
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--time", type=int, default=10, help="seconds per sysbench run (default 10)")
    p.add_argument("--threads", type=comma_list(int), default=[1, 8, 32], help="sysbench threads (default 1,8,32)")
    p.add_argument("--workloads", type=comma_list(workload_name), default=list(WORKLOADS),
                   help=f"sysbench workloads (default {','.join(WORKLOADS)})")
    p.add_argument("--ps-modes", type=choice_list(PS_MODES), default=list(PS_MODES),
                   help="--db-ps-mode values: disable = text protocol, auto = prepared statements (default both)")
    p.add_argument("--targets", type=choice_list(TARGETS + EXTRA_TARGETS), default=list(TARGETS),
                   help=f"default {','.join(TARGETS)}; also nio-floor (SwiftNIO forwarding bytes, no MySQL), and "
                        "proxysql and proxysql-split (the real ProxySQL 2.7.1 with the junction and junction-split "
                        "configuration: same servers, hostgroups, rules, user and mysql-threads), and baseline and "
                        "baseline-split (--baseline-bin with the junction and junction-split configuration)")
    p.add_argument("--repeat", type=int, default=1, help="repeats, targets interleaved (default 1)")
    p.add_argument("--write-docs", action="store_true",
                   help=f"replace the section between {DOC_START} and {DOC_END} in docs/PERFORMANCE.md")
    p.add_argument("--junction-bin", type=Path, default=Path(default_bin),
                   help="the junction binary (default $JUNCTION_BIN, else .build/release/junction)")
    p.add_argument("--junction-log-level", default="warning", help="Junction's --log-level (default warning)")
    p.add_argument("--proxy-threads", type=int, default=cores(),
                   help="HAProxy nbthread, Junction and ProxySQL mysql-threads (default: the number of cores)")
    p.add_argument("--junction-threads", type=int, default=None,
                   help="Junction's (and ProxySQL's) mysql-threads when it should differ from --proxy-threads")
    add_nio_forwarder_option(p)
    p.add_argument("--proxysql-bin", type=Path, default=PROXYSQL_BIN,
                   help="the ProxySQL binary for the proxysql targets (default ../shared/anchors/proxysql beside the "
                        "repository, ProxySQL 2.7.1)")
    p.add_argument("--baseline-bin", type=Path, default=None,
                   help="another junction binary (a build of an earlier commit) for the baseline targets: before/after "
                        "of a change, interleaved in one run")
    p.add_argument("--db", default="sbtest", help="schema of the sysbench tables (default sbtest)")
    p.add_argument("--tables", type=int, default=4, help="sysbench tables (default 4)")
    p.add_argument("--table-size", type=int, default=10000, help="rows per table (default 10000)")
    p.add_argument("--json", type=Path, help="also write every run and the medians to this JSON file")
    opts = p.parse_args(argv)
    if opts.time < 1 or opts.repeat < 1 or min(opts.threads) < 1:
        p.error("--time, --repeat and --threads must be positive")
    opts.junction_bin = opts.junction_bin.absolute()  # the proxies run in a temporary directory
    if any(t.startswith("junction") for t in opts.targets) and not opts.junction_bin.exists():
        p.error(f"junction binary not found at {opts.junction_bin} (build it: "
                "scripts/build-release.sh, or pass --junction-bin)")
    check_nio_forwarder(p, opts)
    if BASELINE_TARGETS & set(opts.targets):
        if opts.baseline_bin is None or not opts.baseline_bin.exists():
            p.error("the baseline targets need --baseline-bin: a junction binary to compare with (for instance "
                    "git worktree add /tmp/before <commit> && (cd /tmp/before && scripts/build-release.sh))")
        opts.baseline_bin = opts.baseline_bin.absolute()
    opts.proxysql_bin = opts.proxysql_bin.absolute()
    if PROXYSQL_TARGETS & set(opts.targets) and not os.access(opts.proxysql_bin, os.X_OK):
        wanted = ", ".join(t for t in opts.targets if t in PROXYSQL_TARGETS)
        p.error(f"ProxySQL not found at {opts.proxysql_bin}, so {wanted} cannot run: they run the real ProxySQL "
                "2.7.1, a reference binary that the team keeps beside the repository in ../shared/anchors (a clone "
                f"elsewhere has none); pass --proxysql-bin, or leave {wanted} out of --targets")
    return opts


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def guarded(workdir: Path, body) -> int:
    """Runs a benchmark's body (returning the exit code) with the ending every benchmark shares: errors are
    logged (exit 2), Ctrl-C exits 130, every proxy started is stopped, and the work directory (configs, logs)
    is kept when something failed, removed otherwise."""
    keep = False
    try:
        code = body()
        keep = code != 0
        return code
    except (BenchError, OSError, subprocess.SubprocessError) as e:
        keep = True
        log(f"error: {e}")
        return 2
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        for p in _children:
            p.stop()
        if keep:
            log(f"kept {workdir} (configs and logs)")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def prepare_tables(opts, lab: Lab, sysbench: str) -> None:
    """Makes the sysbench tables (`opts.tables` × `opts.table_size` rows in `opts.db`) unless they are there."""
    lab.sql(lab.primary, f"CREATE DATABASE IF NOT EXISTS `{opts.db}`")
    if lab.tables_ready(opts.tables, opts.table_size):
        log(f"sysbench tables present: {opts.tables} × {opts.table_size} rows in {opts.db}")
        return
    log(f"preparing {opts.tables} sysbench tables × {opts.table_size} rows in {opts.db}")
    base = [sysbench, "oltp_read_write", "--db-driver=mysql", f"--mysql-host={HOST}",
            f"--mysql-port={lab.primary}", f"--mysql-user={USER}", f"--mysql-password={PASSWORD}",
            f"--mysql-db={opts.db}", f"--tables={opts.tables}", f"--table-size={opts.table_size}",
            f"--threads={max(1, min(opts.tables, cores()))}"]
    for action in ("cleanup", "prepare"):
        r = subprocess.run(base + [action], capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
        if r.returncode != 0:
            raise BenchError(f"sysbench {action} failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")


def main(argv=None) -> int:
    opts = parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    command = os.environ.get("BENCH_COMMAND") or "bench/bench.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    sysbench = find_exe("sysbench")
    lab = Lab(LAB_PORT, opts.db)
    lab.check()

    workdir = Path(tempfile.mkdtemp(prefix="junction-bench-"))
    proxies: dict[str, Proxy] = {}
    results: list[Result] = []

    def body() -> int:
        prepare_tables(opts, lab, sysbench)
        log("waiting for the replicas to catch up")
        lab.wait_replicas()
        uptimes_before, started = lab.uptimes(), time.monotonic()

        info = {
            "command": command,
            "date": datetime.date.today().isoformat(),
            "machine": machine(),
            "mariadb": "MariaDB " + lab.sql(lab.primary, "SELECT VERSION()").split("-")[0],
            "sysbench": sysbench_version(sysbench),
            "haproxy": "HAProxy (not run)",
            "junction": "(not run)",
        }
        ports = {"direct": lab.primary}
        if "haproxy" in opts.targets:
            proxies["haproxy"], hv = start_haproxy(opts, lab, workdir)
            m = re.search(r"version (\S+)", hv)
            info["haproxy"] = f"HAProxy {m.group(1) if m else hv}"
        if "junction" in opts.targets:
            proxies["junction"] = start_junction(opts, lab, workdir, split=False)
        if "junction-split" in opts.targets:
            proxies["junction-split"] = start_junction(opts, lab, workdir, split=True)
        if "nio-floor" in opts.targets:
            proxies["nio-floor"] = start_nio_floor(opts, lab, workdir)
        for name in ("baseline", "baseline-split"):
            if name in opts.targets:
                proxies[name] = start_baseline(opts, lab, workdir, split=name == "baseline-split")
                info["baseline"] = junction_version(opts.baseline_bin)
        for name in ("proxysql", "proxysql-split"):
            if name in opts.targets:
                proxies[name] = start_proxysql(opts, lab, workdir, split=name == "proxysql-split")
                info["proxysql"] = proxysql_version(opts.proxysql_bin)
        if any(t.startswith("junction") for t in opts.targets):
            info["junction"] = junction_version(opts.junction_bin)
        for name, p in proxies.items():
            ports[name] = p.port
            log(f"{name}: pid {p.pid}, port {p.port}")

        total = opts.repeat * len(opts.workloads) * len(opts.ps_modes) * len(opts.threads) * len(opts.targets)
        log(f"{total} runs of {opts.time} s (about {total * (opts.time + 2) / 60:.0f} min)")
        print(RUN_HEADER, flush=True)
        for rep in range(1, opts.repeat + 1):
            k = (rep - 1) % len(opts.targets)
            order = opts.targets[k:] + opts.targets[:k]  # rotated, so that no target always runs first
            for w in opts.workloads:
                for m in opts.ps_modes:
                    for t in opts.threads:
                        for target in order:
                            r = run_one(opts, lab, sysbench, target, ports[target], proxies.get(target), rep, w, m,
                                        t)
                            results.append(r)
                            print(run_row(r), flush=True)
                            if not r.ok:
                                log(f"{target} {w} {m} {t} threads failed: {r.message}")

        elapsed = time.monotonic() - started
        restarted = [port for port, up in lab.uptimes().items() if up < uptimes_before[port] + elapsed - 5]
        if restarted:
            info["warning"] = (f"the lab server(s) on port(s) {', '.join(map(str, restarted))} restarted during the "
                               "benchmark (another user of the lab?): these numbers are disturbed")
            log("warning: " + info["warning"])
        summary = summarize(results, opts)
        tables = markdown_tables(summary, opts)
        print()
        print(f"Medians over {opts.repeat} repeat(s), {opts.time} s per run:" if opts.repeat > 1 else
              f"One run per cell, {opts.time} s per run:")
        print(tables, flush=True)
        if opts.json:
            opts.json.write_text(json.dumps({
                "info": info, "runs": [asdict(r) for r in results],
                "medians": [{"workload": w, "ps_mode": m, "threads": t, "targets": row}
                            for (w, m, t), row in summary.items()]}, indent=2))
        if opts.write_docs:
            write_docs(docs_section(opts, summary, info))
        failed = [r for r in results if not r.ok]
        if failed:
            log(f"{len(failed)} of {len(results)} runs failed; logs in {workdir}")
            return 1
        return 0

    return guarded(workdir, body)


if __name__ == "__main__":
    sys.exit(main())
