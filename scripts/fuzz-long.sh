#!/usr/bin/env bash
# A long fuzzing campaign for one or more harnesses (the acceptance runs of the parsers):
#   scripts/fuzz-long.sh SECONDS [HARNESS...]     e.g. scripts/fuzz-long.sh 600 hl7_codec dicom_pdu
# Builds the harnesses with clang (build/fuzz-long), keeps the grown corpus in build/fuzz-long/corpus/,
# prints each harness's execution count and stops at the first crash (kept as crash-*).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:?seconds}; shift || true
cmake -S . -B build/fuzz-long -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCOULOIR_FUZZ=ON -DCOULOIR_TESTS=OFF >/dev/null
cmake --build build/fuzz-long -j "$(nproc)" >/dev/null
shared=${COULOIR_SHARED_DIR:-../shared}
harnesses=("$@")
if [ ${#harnesses[@]} -eq 0 ]; then
  for h in build/fuzz-long/fuzz/*/fuzz_*; do harnesses+=("$(basename "$h" | sed 's/^fuzz_//')"); done
fi
for name in "${harnesses[@]}"; do
  bin=$(ls build/fuzz-long/fuzz/*/fuzz_"$name")
  module=$(basename "$(dirname "$bin")")
  corpus=build/fuzz-long/corpus/$name
  mkdir -p "$corpus"
  seed=fuzz/$module/corpus/$name
  [ -d "$seed" ] && cp -rn "$seed"/. "$corpus"/ 2>/dev/null || true
  if [ -f "$seed.shared" ] && [ -d "$shared" ]; then
    while IFS= read -r pat; do
      [ -n "$pat" ] && [ "${pat#\#}" = "$pat" ] || continue
      for f in "$shared"/$pat; do [ -f "$f" ] && cp "$f" "$corpus/$(echo "$f" | md5sum | cut -c1-16)"; done
    done <"$seed.shared"
  fi
  log=build/fuzz-long/$name.log
  echo "fuzz-long: $name for ${seconds}s"
  (cd build/fuzz-long && "../../$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
      -print_final_stats=1 "corpus/$name") >"$log" 2>&1 || { tail -n 60 "$log"; echo "fuzz-long: $name CRASHED"; exit 1; }
  runs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}')
  echo "fuzz-long: $name ok, $runs executions, corpus $(ls "$corpus" | wc -l) files"
done
