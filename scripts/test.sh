#!/usr/bin/env bash
# Junction's test command: dependencies, release build, unit tests, then the
# integration tests through real clients against the lab's MariaDB servers.
#   scripts/test.sh [extra pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

echo "== scripts/build-release.sh"
scripts/build-release.sh
PRODUCT=nio-forwarder scripts/build-release.sh   # the benchmarks' floor, run tiny by test_bench.py
echo "== scripts/fuzz.sh --build"
scripts/fuzz.sh --build                           # libFuzzer's binary, run 10 s per target by test_libfuzzer.py

echo "== swift test"
swift test

echo "== lab"
trap 'lab/lab.sh stop || true' EXIT
lab/lab.sh start

JUNCTION_BIN="$(swift build -c release --show-bin-path)/junction"
export JUNCTION_BIN
echo "== integration tests against $JUNCTION_BIN"
python3 -m pytest -v tests/integration "$@"
