#!/usr/bin/env bash
# Junction's in-process fuzzing with libFuzzer (the targets: Sources/JunctionFuzzTargets, or --list).
#   scripts/fuzz.sh TARGET SECONDS [libFuzzer options…]   fuzz one target for SECONDS
#   scripts/fuzz.sh all SECONDS [libFuzzer options…]      each target in turn, SECONDS each
#   scripts/fuzz.sh --build                              build .build/fuzz/release/junction-fuzz only
#   scripts/fuzz.sh --list                               the targets and what each one feeds
# Seeds come from fuzz/corpus/TARGET (committed: real traffic, and every finding as finding-*); what the run
# learns goes to .build/fuzz-corpus/TARGET, and a crash, hang (-timeout) or memory blow-up (-rss_limit_mb) is
# written to .build/fuzz-findings/TARGET/ and ends the run with a non-zero status. Replay a finding without
# libFuzzer: swift run junction-fuzz TARGET FILE.
set -euo pipefail
cd "$(dirname "$0")/.."

SCRATCH=.build/fuzz
BIN="$SCRATCH/release/junction-fuzz"

build() {
    # -sanitize=fuzzer: coverage instrumentation and libFuzzer's main; -enable-testing: the targets reach
    # internal decoders with @testable import.
    swift build -c release --product junction-fuzz --scratch-path "$SCRATCH" \
        -Xswiftc -sanitize=fuzzer -Xswiftc -DJUNCTION_LIBFUZZER -Xswiftc -enable-testing -Xlinker --allow-multiple-definition >&2
}

targets() {
    sed -n 's/.*Target(name: "\([a-z-]*\)".*/\1/p' Sources/JunctionFuzzTargets/FuzzTargets.swift
}

run_one() {
    local target="$1" seconds="$2"; shift 2
    local work=".build/fuzz-corpus/$target" findings=".build/fuzz-findings/$target"
    mkdir -p "$work" "$findings"
    echo "== fuzz $target for ${seconds}s" >&2
    JUNCTION_FUZZ_TARGET="$target" "$BIN" -max_total_time="$seconds" -print_final_stats=1 -max_len=16384 \
        -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$findings/" "$@" "$work" "fuzz/corpus/$target"
}

case "${1:-}" in
    --build) build; echo "$BIN" ;;
    --list) targets ;;
    ""|-h|--help) sed -n '2,11p' "$0"; exit 2 ;;
    *)
        target="$1"; seconds="${2:?SECONDS}"; shift 2
        build
        if [ "$target" = all ]; then
            for t in $(targets); do run_one "$t" "$seconds" "$@"; done
        else
            targets | grep -qx "$target" || { echo "unknown target $target; targets: $(targets | tr '\n' ' ')" >&2; exit 2; }
            run_one "$target" "$seconds" "$@"
        fi
        ;;
esac
