#!/bin/sh
# Builds the render-pipeline benchmark in an optimised build without sanitizers and runs it.
# (format-truncation stays a warning: gcc -O3 flags snprintf calls in src/ins/policy.c.)
# Usage: bench/report/run.sh [N]   (default 1000 reports). Prints median / p95 / p99 per report.
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${COULOIR_BENCH_BUILD:-$src/build-bench-report}
cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCOULOIR_SANITIZE=OFF \
  -DCMAKE_C_FLAGS="-Wno-error=format-truncation" >/dev/null
ninja -C "$build" -j2 bench_report >/dev/null
"$build/bench/report/bench_report" "${1:-1000}"
