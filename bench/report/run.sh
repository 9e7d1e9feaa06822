#!/bin/sh
# Builds the reporting benchmarks in an optimised build without sanitizers and runs them:
#   bench_report        the render pipeline alone (PDF/A-1b + CDA N1 + CDA N3);
#   bench_report_store  validation through the reporting service on a fresh SQLite store:
#                       state + three stored documents + outbox jobs + history + audit, one commit.
# (format-truncation stays a warning: gcc -O3 flags snprintf calls in src/ins/policy.c.)
# Usage: bench/report/run.sh [N]   (default 1000 reports). Prints median / p95 / p99 per report.
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${COULOIR_BENCH_BUILD:-$src/build-bench-report}
cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCOULOIR_SANITIZE=OFF \
  -DCMAKE_C_FLAGS="-Wno-error=format-truncation" >/dev/null
ninja -C "$build" -j2 bench_report bench_report_store >/dev/null
"$build/bench/report/bench_report" "${1:-1000}"
echo
"$build/bench/report/bench_report_store" "${1:-1000}"
