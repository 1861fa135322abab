#!/usr/bin/env python3
"""Where a proxy's CPU goes: sysbench through HAProxy and Junction while `perf record` samples the proxy, then its
samples grouped by part, each with its share and its microseconds per query (share × CPU µs per query).

    bench/run.sh profile [options]      (installs what is missing, starts the lab, then runs this script)
    bench/profile.py [options]          (the lab must be running: lab/lab.sh start)

The parts: in the kernel, switching tasks (the proxy put to sleep and woken again), the point where interrupts come
back on (in a VM, where the samples of waking other tasks and of the locks around it land) and the rest (TCP,
system calls); in user space, for HAProxy its own code, and for Junction (and the `nio-floor` forwarder) SwiftNIO (event loop, channel pipeline),
each of Junction's own modules, the Swift runtime (retain/release, allocation, type metadata), the standard library,
libc (system-call wrappers, malloc) and clock reads. Then the busiest user-space functions, demangled.

Sampling costs the proxy a little CPU itself, so the CPU per query printed here is somewhat above bench.py's; the
shares are what to read. Needs `perf` (Debian: linux-perf) and the right to profile the proxy (root, or
kernel.perf_event_paranoid ≤ 1). Benchmarks are not tests: nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402  (the sysbench benchmark's lab, proxy and docs helpers)

DOC_START, DOC_END = "<!-- profile:start -->", "<!-- profile:end -->"

# `perf report --stdio` lines without call graphs: "  12.34%  junction  [k] finish_task_switch.isra.0"
SAMPLE_LINE = re.compile(r"^\s*(?P<share>[\d.]+)%\s+(?P<dso>\S+)\s+\[(?P<kind>.)\]\s+(?P<symbol>.+?)\s*$")
# A mangled Swift symbol names its module first: $s8NIOPosix…, $s5Proxy…; $ss… / $sS… is the standard library.
SWIFT_MODULE = re.compile(r"^\$s(\d+)(\w+)")

KERNEL_SWITCH = re.compile(r"finish_task_switch|__schedule|^schedule|context_switch|__switch_to")
KERNEL_IRQ_RESTORE = re.compile(r"_raw_spin_unlock_irqrestore|try_to_wake_up")

JUNCTION_MODULES = {
    "Proxy": "Junction: sessions, pool, forwarding, statistics (Proxy)",
    "SQLText": "Junction: digest, tokenizer, classification (SQLText)",
    "QueryRouting": "Junction: query rules (QueryRouting)",
    "MySQLProtocol": "Junction: packets (MySQLProtocol)",
}
NIO_MODULES = {"NIOPosix", "NIOCore", "NIOConcurrencyHelpers", "_NIODataStructures", "DequeModule", "Atomics",
               "NIOEmbedded", "InternalCollectionsUtilities"}

ORDER = [
    "kernel: switching tasks",
    "kernel: interrupts back on (waking other tasks, locks)",
    "kernel: TCP, system calls, the rest",
    "HAProxy",
    "nio-forwarder's relay",
    "SwiftNIO: event loop, channel pipeline, buffers",
    *JUNCTION_MODULES.values(),
    "Junction: other modules",
    "Swift runtime: retain/release, allocation, metadata",
    "Swift standard library",
    "libc: system-call wrappers, malloc",
    "clock reads (vDSO)",
    "other",
]


def part_of(dso: str, kind: str, symbol: str) -> str:
    """The part of the proxy a sample's function belongs to."""
    if kind == "k":
        if KERNEL_SWITCH.search(symbol):
            return ORDER[0]
        if KERNEL_IRQ_RESTORE.search(symbol):
            return ORDER[1]
        return ORDER[2]
    if "haproxy" in dso:
        return "HAProxy"
    if dso.startswith("libc") or dso.startswith("libm") or dso.startswith("ld-linux"):
        return "libc: system-call wrappers, malloc"
    if "vdso" in dso:
        return "clock reads (vDSO)"
    if symbol.startswith(("swift_", "swift::", "__swift_", "_swift_")):
        return "Swift runtime: retain/release, allocation, metadata"
    if symbol.startswith(("$ss", "$sS")):
        return "Swift standard library"
    m = SWIFT_MODULE.match(symbol)
    if m:
        module = m.group(2)[: int(m.group(1))]
        if module in JUNCTION_MODULES:
            return JUNCTION_MODULES[module]
        if module == "nio_forwarder":
            return "nio-forwarder's relay"
        if module in NIO_MODULES:
            return "SwiftNIO: event loop, channel pipeline, buffers"
        return "Junction: other modules"
    return "other"


def parse_report(text: str) -> list[tuple[float, str, str, str]]:
    """(share %, dso, kind, symbol) for every line of `perf report --stdio --no-children --sort dso,sym`."""
    rows = []
    for line in text.splitlines():
        m = SAMPLE_LINE.match(line)
        if m and not line.lstrip().startswith("#"):
            rows.append((float(m["share"]), m["dso"], m["kind"], m["symbol"]))
    return rows


def group(rows: list[tuple[float, str, str, str]]) -> dict[str, float]:
    parts: dict[str, float] = defaultdict(float)
    for share, dso, kind, symbol in rows:
        parts[part_of(dso, kind, symbol)] += share
    return parts


def demangle(symbols: list[str]) -> list[str]:
    """Readable Swift names, when the toolchain's demangler is at hand."""
    swift = shutil.which("swift-demangle")
    cmd = [swift, "--simplified"] if swift else ([shutil.which("swift"), "demangle", "--simplified"]
                                                  if shutil.which("swift") else None)
    if not cmd or not symbols:
        return symbols
    r = subprocess.run(cmd, input="\n".join(symbols), capture_output=True, text=True)
    lines = r.stdout.splitlines()
    return lines if r.returncode == 0 and len(lines) == len(symbols) else symbols


def shorten(name: str, width: int = 110) -> str:
    name = re.sub(r"\s+", " ", name)
    return name if len(name) <= width else name[: width - 1] + "…"


def profile_target(opts, lab: bench.Lab, sysbench: str, perf: str, proxy: bench.Proxy, workdir: Path) -> dict:
    """One sysbench run through `proxy` with perf sampling it; its CPU per query and samples by part."""
    data = workdir / f"{proxy.name}.perf.data"
    recorder = subprocess.Popen([perf, "record", "-F", str(opts.frequency), "-p", str(proxy.pid), "-o", str(data)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    try:
        result = bench.run_one(opts, lab, sysbench, proxy.name, proxy.port, proxy, 1, opts.workload, opts.ps_mode,
                               opts.threads)
    finally:
        recorder.send_signal(signal.SIGINT)
        _, err = recorder.communicate(timeout=60)
    if not result.ok:
        raise bench.BenchError(f"{proxy.name}: {result.message}")
    if recorder.returncode not in (0, -signal.SIGINT) or not data.exists():
        raise bench.BenchError(f"perf record exited with {recorder.returncode}: {err.decode(errors='replace')[-2000:]}")
    report = subprocess.run([perf, "report", "-i", str(data), "--stdio", "--no-children", "--sort", "dso,sym",
                             "-g", "none", "--percent-limit", "0"], capture_output=True, text=True, timeout=300)
    if report.returncode != 0:
        raise bench.BenchError(f"perf report exited with {report.returncode}: {report.stderr[-2000:]}")
    rows = parse_report(report.stdout)
    if not rows:
        raise bench.BenchError(f"perf recorded no samples of {proxy.name}:\n{report.stderr[-2000:]}")
    user = sorted((r for r in rows if r[2] != "k"), key=lambda r: -r[0])[: opts.top]
    names = demangle([r[3] for r in user])
    return {
        "target": proxy.name,
        "qps": result.qps,
        "cpu_us": result.cpu_us_per_query,
        "user_us": result.user_us_per_query,
        "parts": group(rows),
        "total": sum(r[0] for r in rows),
        "top": [(r[0], shorten(name)) for r, name in zip(user, names)],
    }


def parts_table(profiles: list[dict]) -> str:
    labels = [bench.LABELS[p["target"]] for p in profiles]
    head = "| part | " + " | ".join(f"{label} share | {label} µs/q" for label in labels) + " |"
    lines = [head, "|---|" + "---:|---:|" * len(profiles)]
    for part in ORDER:
        if all(p["parts"].get(part, 0) < 0.05 for p in profiles):
            continue
        cells = []
        for p in profiles:
            share = p["parts"].get(part, 0.0)
            cells.append(f"{share:.1f}% | {share / max(p['total'], 1e-9) * p['cpu_us']:.1f}")
        lines.append(f"| {part} | " + " | ".join(cells) + " |")
    cells = [f"{p['total']:.0f}% | {p['cpu_us']:.1f}" for p in profiles]
    lines.append("| **all** (CPU µs per query, utime+stime) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def top_table(profile: dict) -> str:
    lines = [f"| {bench.LABELS[profile['target']]}: busiest user-space functions | share |", "|---|---:|"]
    lines += [f"| `{name.replace('|', '/')}` | {share:.2f}% |" for share, name in profile["top"]]
    return "\n".join(lines)


def report(profiles: list[dict]) -> str:
    runs = "; ".join(f"{bench.LABELS[p['target']]} {p['qps']:,.0f} QPS, {p['cpu_us']:.1f} µs/q "
                     f"({p['user_us']:.1f} in user space)" for p in profiles)
    return "\n\n".join([runs, parts_table(profiles)] + [top_table(p) for p in profiles])


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--time", type=int, default=10, help="seconds of sysbench per target (default 10)")
    p.add_argument("--threads", type=int, default=8, help="sysbench threads (default 8)")
    p.add_argument("--workload", type=bench.workload_name, default="oltp_point_select",
                   help="sysbench workload (default oltp_point_select)")
    p.add_argument("--ps-mode", choices=bench.PS_MODES, default="disable",
                   help="--db-ps-mode: disable = text protocol (default), auto = prepared statements")
    p.add_argument("--targets", type=bench.choice_list(bench.PROXIES), default=["haproxy", "junction", "junction-split"],
                   help="proxies to profile (default haproxy,junction,junction-split; also nio-floor, SwiftNIO "
                        "forwarding bytes without MySQL)")
    p.add_argument("--frequency", type=int, default=999, help="perf samples per second (default 999)")
    p.add_argument("--top", type=int, default=12, help="busiest user-space functions listed per target (default 12)")
    p.add_argument("--junction-bin", type=Path,
                   default=Path(os.environ.get("JUNCTION_BIN", bench.REPO / ".build" / "release" / "junction")))
    bench.add_nio_forwarder_option(p)
    p.add_argument("--junction-log-level", default="warning")
    p.add_argument("--proxy-threads", type=int, default=bench.cores(),
                   help="HAProxy nbthread and Junction mysql-threads (default: the number of cores)")
    p.add_argument("--db", default="sbtest")
    p.add_argument("--tables", type=int, default=4)
    p.add_argument("--table-size", type=int, default=10000)
    p.add_argument("--write-docs", action="store_true", help="write the tables to docs/PERFORMANCE.md")
    opts = p.parse_args(argv)
    if opts.time < 1 or opts.threads < 1 or opts.frequency < 1:
        p.error("--time, --threads and --frequency must be positive")
    opts.junction_bin = opts.junction_bin.absolute()  # the proxies run in a temporary directory
    if any(t.startswith("junction") for t in opts.targets) and not opts.junction_bin.exists():
        p.error(f"junction binary not found at {opts.junction_bin} (build it: scripts/build-release.sh)")
    bench.check_nio_forwarder(p, opts)
    return opts


def main(argv=None) -> int:
    opts = parse_args(argv)
    signal.signal(signal.SIGTERM, bench._interrupt)
    command = os.environ.get("BENCH_COMMAND") or "bench/profile.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    sysbench = bench.find_exe("sysbench")
    perf = bench.find_exe("perf")
    lab = bench.Lab(bench.LAB_PORT, opts.db)
    lab.check()
    workdir = Path(tempfile.mkdtemp(prefix="junction-profile-"))

    def body() -> int:
        bench.prepare_tables(opts, lab, sysbench)
        profiles = []
        for target in opts.targets:
            if target == "haproxy":
                proxy, _ = bench.start_haproxy(opts, lab, workdir)
            elif target == "nio-floor":
                proxy = bench.start_nio_floor(opts, lab, workdir)
            else:
                proxy = bench.start_junction(opts, lab, workdir, split=target == "junction-split")
            bench.log(f"{target}: pid {proxy.pid}, profiling {opts.time} s of {opts.workload} ({opts.ps_mode}, "
                      f"{opts.threads} threads)")
            profiles.append(profile_target(opts, lab, sysbench, perf, proxy, workdir))
            proxy.stop()
        text = report(profiles)
        print(text, flush=True)
        if opts.write_docs:
            section = (f"{DOC_START}\n## Where the CPU goes (`bench/profile.py`)\n\n"
                       f"`{command.strip()}` — {datetime.date.today().isoformat()}, {bench.machine()}, Junction "
                       f"{bench.junction_version(opts.junction_bin)}. sysbench {opts.workload} ({opts.ps_mode}), "
                       f"{opts.threads} threads, {opts.time} s per proxy, `perf record -F {opts.frequency}` on the "
                       "proxy; a part's µs per query is its share of the samples × the proxy's CPU per query "
                       "(sampling itself adds a little).\n\n"
                       f"{text}\n{DOC_END}")
            bench.write_docs(section, DOC_START, DOC_END)
        return 0

    return bench.guarded(workdir, body)


if __name__ == "__main__":
    sys.exit(main())
