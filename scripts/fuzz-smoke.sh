#!/usr/bin/env bash
# Runs every built libFuzzer harness for a few seconds on its seed corpus (a smoke test that the
# harness works and the seeds do not crash). Long campaigns: scripts/fuzz-long.sh.
#   scripts/fuzz-smoke.sh BUILD_DIR SECONDS
set -euo pipefail
build=${1:?build dir}; seconds=${2:-10}
shopt -s nullglob
found=0
for h in "$build"/fuzz/*/fuzz_*; do
  [ -x "$h" ] || continue
  found=1
  name=$(basename "$h"); module=$(basename "$(dirname "$h")")
  corpus_seed="fuzz/$module/corpus/${name#fuzz_}"
  work=$(mktemp -d)
  [ -d "$corpus_seed" ] && cp -r "$corpus_seed"/. "$work"/ 2>/dev/null || true
  # Seeds from the reference samples: fuzz/<module>/corpus/<harness>.shared lists glob patterns
  # relative to ../shared (never copied into the repository).
  shared=${COULOIR_SHARED_DIR:-../shared}
  if [ -f "$corpus_seed.shared" ] && [ -d "$shared" ]; then
    while IFS= read -r pat; do
      [ -n "$pat" ] && [ "${pat#\#}" = "$pat" ] || continue
      for f in "$shared"/$pat; do [ -f "$f" ] && cp "$f" "$work/$(echo "$f" | md5sum | cut -c1-16)"; done
    done <"$corpus_seed.shared"
  fi
  echo "fuzz: $name for ${seconds}s"
  "$h" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=0 "$work" >"$work.log" 2>&1 \
    || { tail -n 40 "$work.log"; echo "fuzz: $name FAILED"; exit 1; }
  grep -E '^#[0-9]+.*DONE' "$work.log" | tail -n 1 || true
  rm -rf "$work" "$work.log"
done
[ "$found" = 1 ] || echo "fuzz: no harness built"
