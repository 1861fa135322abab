#!/usr/bin/env bash
# Builds Junction's release binary (.build/release/junction) the way it is tested, benchmarked and run:
#   --static-swift-stdlib      the Swift runtime linked in: retain/release and the other runtime calls
#                              on every packet are direct calls, not trips through the dynamic linker's
#                              tables (measured: about 2 µs less CPU per proxied query, bench/bench.py)
#   -enforce-exclusivity=unchecked
#                              no runtime exclusivity bookkeeping in any module, SwiftNIO included
#                              (Package.swift already drops it for Junction's own hot-path modules)
# Extra arguments go to `swift build`. PRODUCT=nio-forwarder builds the benchmarks' SwiftNIO forwarder (the floor
# under Junction's cost) with the same flags.
set -euo pipefail
cd "$(dirname "$0")/.."
exec swift build -c release --product "${PRODUCT:-junction}" --static-swift-stdlib -Xswiftc -enforce-exclusivity=unchecked "$@"
