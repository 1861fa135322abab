#!/usr/bin/env bash
# Junction's end-to-end benchmarks, in one command: installs what is missing (scripts/install-deps.sh),
# starts the lab (lab/lab.sh start; it stays running), builds Junction only if .build/release/junction is
# missing, then runs bench/bench.py (or, with `connections` or `cache` first, bench/connections.py or
# bench/cache.py) with the arguments given here.
#   bench/run.sh                              all workloads, text and prepared, 1/8/32 threads, 4 targets
#   bench/run.sh --repeat 3 --write-docs      medians of 3 interleaved runs, table into docs/PERFORMANCE.md
#   bench/run.sh --targets haproxy,nio-floor,junction
#                                             … with the floor: SwiftNIO forwarding bytes (Sources/nio-forwarder)
#   bench/run.sh connections                  10,000 clients through Junction; connection set-up rates
#   bench/run.sh cache                        query-cache hits against the primary answering directly
#   bench/run.sh profile                      where HAProxy's and Junction's CPU goes (perf), part by part
#   bench/run.sh scrape_cost                  what /metrics and the dashboard cost the query path
#   bench/run.sh --help                       every option (bench/run.sh connections --help: that script's)
set -euo pipefail
cd "$(dirname "$0")/.."

script=bench/bench.py
label=""
case "${1:-}" in
    connections|cache|profile|scrape_cost)
        script="bench/$1.py"
        label=" $1"
        shift
        ;;
esac

case " $* " in
    *" -h "*|*" --help "*) exec "${PYTHON:-python3}" "$script" --help ;;
esac

scripts/install-deps.sh >&2
lab/lab.sh start >&2

if [ ! -x .build/release/junction ]; then
    echo "== scripts/build-release.sh" >&2
    scripts/build-release.sh
fi
if [ ! -x .build/release/nio-forwarder ]; then
    echo "== PRODUCT=nio-forwarder scripts/build-release.sh" >&2
    PRODUCT=nio-forwarder scripts/build-release.sh
fi

# How the docs name the command that produced a table.
BENCH_COMMAND="bench/run.sh${label}${*:+ $*}"
export BENCH_COMMAND
exec "${PYTHON:-python3}" "$script" --junction-bin "$PWD/.build/release/junction" "$@"
