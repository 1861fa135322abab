#!/usr/bin/env python3
"""Write loop for Junction's HA lab (lab/ha.sh failover): measures what an application sees when the
active Junction node goes away.

It runs in the lab's client namespace and writes through the virtual IP, one new connection per INSERT
(autocommit), numbering the rows. After --before seconds it signals the active Junction (SIGKILL for an
unplanned failure, SIGTERM for a planned switchover), or runs --crash-cmd (a whole node vanishing),
and keeps writing until writes have succeeded again for --settle seconds. Then it reads the table
straight from the database and checks that every acknowledged write is there.

Human-readable lines go to stderr; one JSON object goes to stdout (or to --json-out).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import uuid

import pymysql


def log(msg: str) -> None:
    print(f"ha-writer: {msg}", file=sys.stderr, flush=True)


def process_gone(pid: int) -> bool:
    """True when the process has exited (a zombie counts as gone: nothing may reap it here)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return True
    return state in ("Z", "X")


def short_error(e: BaseException) -> str:
    if isinstance(e, pymysql.err.MySQLError) and e.args:
        code = e.args[0]
        text = str(e.args[1]) if len(e.args) > 1 else ""
        text = text.split("(")[0].strip()[:80]
        return f"{code} {text}"
    return f"{type(e).__name__}: {str(e)[:80]}"


def vrrp_transitions(paths: list[str], since: float) -> list[dict]:
    """MASTER transitions keepalived's notify script logged after `since` (wall clock)."""
    found = []
    for path in paths:
        try:
            lines = open(path).read().splitlines()
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if len(parts) < 3:
                continue
            try:
                t = float(parts[0])
            except ValueError:
                continue
            if t >= since:
                found.append({"t": t, "node": parts[1], "state": parts[2]})
    return sorted(found, key=lambda r: r["t"])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vip", required=True)
    ap.add_argument("--port", type=int, default=6033)
    ap.add_argument("--db-host", required=True, help="the database itself, to verify the rows")
    ap.add_argument("--db-port", type=int, default=3306)
    ap.add_argument("--user", default="app")
    ap.add_argument("--password", default="app")
    ap.add_argument("--database", default="ha")
    ap.add_argument("--interval-ms", type=float, default=25, help="pause between two writes")
    ap.add_argument("--connect-timeout", type=float, default=2.0)
    ap.add_argument("--before", type=float, default=3.0, help="seconds of writes before the failure")
    ap.add_argument("--settle", type=float, default=3.0,
                    help="stop once writes have succeeded for this long after the last failure")
    ap.add_argument("--max-after", type=float, default=40.0, help="give up this long after the failure")
    ap.add_argument("--pid", type=int, help="the active Junction")
    ap.add_argument("--signal", default="KILL", choices=["KILL", "TERM"])
    ap.add_argument("--crash-cmd", help="instead of a signal: a command that makes the active node vanish")
    ap.add_argument("--label", default="")
    ap.add_argument("--vrrp", default="", help="the keepalived settings in use (recorded only)")
    ap.add_argument("--active-address", default="", help="the active node's own address (recorded only)")
    ap.add_argument("--notify-log", action="append", default=[], help="keepalived notify logs (VIP moves)")
    ap.add_argument("--json-out")
    args = ap.parse_args()

    run = f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
    interval = args.interval_ms / 1000.0
    attempts: list[dict] = []  # seq, start, end, ok, error
    seq = 0
    t_fail_event = None  # monotonic time of the kill
    wall_fail_event = None
    t_proc_gone = None
    errors: dict[str, int] = {}

    def write_once() -> None:
        nonlocal seq
        seq += 1
        start = time.monotonic()
        rec = {"seq": seq, "start": start, "ok": False}
        try:
            conn = pymysql.connect(host=args.vip, port=args.port, user=args.user, password=args.password,
                                   database=args.database, autocommit=True,
                                   connect_timeout=args.connect_timeout, read_timeout=5, write_timeout=5)
            try:
                with conn.cursor() as cur:
                    cur.execute("INSERT INTO writes (run, seq, via) VALUES (%s, %s, SUBSTRING_INDEX(USER(), '@', -1))",
                                (run, seq))
                rec["ok"] = True
            finally:
                try:
                    conn.close()
                except Exception:
                    pass
        except Exception as e:  # every failure counts, whatever the driver raised
            msg = short_error(e)
            rec["error"] = msg
            errors[msg] = errors.get(msg, 0) + 1
        rec["end"] = time.monotonic()
        attempts.append(rec)

    what = args.crash_cmd and "crash the active node" or f"SIG{args.signal} pid {args.pid}"
    log(f"run {run}: writing through {args.vip}:{args.port} every {args.interval_ms:g} ms; "
        f"{what} after {args.before:g} s")
    t0 = time.monotonic()
    while True:
        now = time.monotonic()
        if t_fail_event is None and now - t0 >= args.before:
            wall_fail_event = time.time()
            t_fail_event = time.monotonic()
            if args.crash_cmd:
                subprocess.run(args.crash_cmd, shell=True, check=False)
                t_proc_gone = time.monotonic()
            else:
                os.kill(args.pid, getattr(signal, "SIG" + args.signal))
            log(f"{what} at +{t_fail_event - t0:.2f} s")
        if t_fail_event is not None:
            if t_proc_gone is None and args.pid and process_gone(args.pid):
                t_proc_gone = time.monotonic()
                log(f"pid {args.pid} exited at +{t_proc_gone - t0:.2f} s")
            last_fail = max((a["end"] for a in attempts if not a["ok"]), default=None)
            quiet_since = max(x for x in (t_fail_event, t_proc_gone, last_fail) if x is not None)
            recent_ok = attempts and attempts[-1]["ok"]
            if t_proc_gone is not None and recent_ok and now - quiet_since >= args.settle:
                break
            if now - t_fail_event >= args.max_after:
                log(f"giving up {args.max_after:g} s after the failure")
                break
        write_once()
        time.sleep(interval)

    # What the database holds for this run.
    present: dict[int, str] = {}
    try:
        conn = pymysql.connect(host=args.db_host, port=args.db_port, user=args.user, password=args.password,
                               database=args.database, autocommit=True, connect_timeout=10)
        with conn.cursor() as cur:
            cur.execute("SELECT seq, via FROM writes WHERE run = %s", (run,))
            present = {int(s): v for s, v in cur.fetchall()}
        conn.close()
        verified = True
    except Exception as e:
        log(f"could not read the table from the database: {short_error(e)}")
        verified = False

    acked = [a["seq"] for a in attempts if a["ok"]]
    failed = [a for a in attempts if not a["ok"]]
    missing = sorted(set(acked) - set(present)) if verified else []
    # Committed although the client got an error (the proxy died between the commit and the OK):
    # not a loss, but an application retrying blindly would write these twice.
    unacked_committed = sorted(set(present) - set(acked)) if verified else []

    first_fail = failed[0] if failed else None
    last_fail = failed[-1] if failed else None
    recovered_at = None
    if last_fail is not None:
        after = [a for a in attempts if a["ok"] and a["start"] > last_fail["start"]]
        recovered_at = after[0]["end"] if after else None
    ok_ends = [a["end"] for a in attempts if a["ok"]]
    gaps = [b - a for a, b in zip(ok_ends, ok_ends[1:])]
    max_gap = max(gaps) if gaps else None
    ok_after_event = [a for a in attempts if a["ok"] and t_fail_event is not None and a["start"] >= t_fail_event]
    via_after: dict[str, int] = {}
    for a in ok_after_event:
        v = present.get(a["seq"])
        if v:
            via_after[v] = via_after.get(v, 0) + 1

    transitions = vrrp_transitions(args.notify_log, wall_fail_event or 0)
    master_moves = [t for t in transitions if t["state"] == "MASTER"]

    def rel(t):
        return None if t is None or t_fail_event is None else round(t - t_fail_event, 3)

    result = {
        "label": args.label,
        "vrrp": args.vrrp,
        "active_address": args.active_address,
        "run": run,
        "mode": "crash" if args.crash_cmd else ("planned" if args.signal == "TERM" else "unplanned"),
        "attempts": len(attempts),
        "acknowledged": len(acked),
        "failed_writes": len(failed),
        "rows_present": len(present) if verified else None,
        "verified": verified,
        "missing_acknowledged": missing,
        "lost_acknowledged": len(missing) if verified else None,
        "committed_unacknowledged": unacked_committed,
        "recovered": bool(failed) is False or recovered_at is not None,
        # from the start of the first failed write to the acknowledgement of the first write after the last failure
        "recovery_s": round(recovered_at - first_fail["start"], 3) if recovered_at and first_fail else (0.0 if not failed else None),
        "first_failure_after_event_s": rel(first_fail["start"]) if first_fail else None,
        "recovered_after_event_s": rel(recovered_at),
        "max_gap_between_acks_s": round(max_gap, 3) if max_gap is not None else None,
        "process_exit_after_event_s": rel(t_proc_gone),
        "vip_master_after_event_s": [{"node": t["node"], "s": round(t["t"] - wall_fail_event, 3)} for t in master_moves],
        "acknowledged_after_event_via": via_after,
        "errors": errors,
        # failed writes (the first and last five): when each started (s after the event), how long it took, what the client got
        "failures": [{"at_s": rel(a["start"]), "took_s": round(a["end"] - a["start"], 3), "error": a["error"]}
                     for a in (failed if len(failed) <= 10 else failed[:5] + failed[-5:])],
        # the slowest acknowledged writes after the event (a SYN lost while the VIP moves costs ~1 s)
        "slowest_acknowledged_after_event": [{"at_s": rel(a["start"]), "took_s": round(a["end"] - a["start"], 3)}
                                             for a in sorted(ok_after_event, key=lambda a: a["end"] - a["start"])[-3:]],
        "interval_ms": args.interval_ms,
        "connect_timeout_s": args.connect_timeout,
    }

    log(f"writes: {len(attempts)} attempted, {len(acked)} acknowledged, {len(failed)} failed")
    if failed:
        if recovered_at is not None:
            log(f"outage: first failed write at +{rel(first_fail['start']):.3f} s after the event, writes succeed "
                f"again at +{rel(recovered_at):.3f} s: {result['recovery_s']:.3f} s from the first failure")
        else:
            log("writes did NOT succeed again")
        for msg, n in sorted(errors.items(), key=lambda kv: -kv[1]):
            log(f"  {n} x {msg}")
    else:
        log("no write failed")
    if max_gap is not None:
        log(f"longest time between two acknowledged writes: {max_gap:.3f} s")
    if master_moves:
        log("VIP taken by " + ", ".join(f"{t['node']} at +{t['t'] - wall_fail_event:.3f} s" for t in master_moves))
    if verified:
        log(f"table: {len(present)} rows for this run; acknowledged writes missing: {len(missing)}"
            + (f" {missing[:50]}" if missing else ""))
        if unacked_committed:
            log(f"committed but not acknowledged (client saw an error): {unacked_committed}")
        if via_after:
            log("acknowledged after the event, by proxy address: "
                + ", ".join(f"{k}: {v}" for k, v in sorted(via_after.items())))

    line = json.dumps(result, sort_keys=True)
    if args.json_out:
        with open(args.json_out, "w") as f:
            f.write(line + "\n")
    else:
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
