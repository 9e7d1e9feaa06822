#!/usr/bin/env bash
# Installs what the tests need, builds Couloir with gcc and clang, and runs every test:
#   1. clang build (warnings as errors) and the libFuzzer harnesses, each replaying its corpus;
#   2. gcc build under AddressSanitizer + UndefinedBehaviorSanitizer, whole suite (ctest)
#      against SQLite and a throwaway PostgreSQL cluster.
# Usage: scripts/test.sh [ctest arguments...]      e.g. scripts/test.sh -R store
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
jobs=$(nproc)

scripts/install-deps.sh test

echo "== clang build (-Werror) and fuzz harnesses"
cmake -S . -B build/clang-fuzz -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
  -DCOULOIR_FUZZ=ON -DCOULOIR_TESTS=OFF >/dev/null
cmake --build build/clang-fuzz -j "$jobs"
scripts/fuzz-smoke.sh build/clang-fuzz "${COULOIR_FUZZ_SECONDS:-10}"

echo "== gcc build with ASan + UBSan"
cmake -S . -B build/asan -G Ninja -DCMAKE_C_COMPILER=gcc -DCOULOIR_SANITIZE=ON >/dev/null
cmake --build build/asan -j "$jobs"

eval "$(scripts/pg-throwaway.sh start)"
trap 'scripts/pg-throwaway.sh stop "$COULOIR_TEST_PG_DIR"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export COULOIR_SHARED_DIR=${COULOIR_SHARED_DIR:-$root/../shared}

echo "== tests"
ctest --test-dir build/asan --output-on-failure -j "$jobs" "$@"
