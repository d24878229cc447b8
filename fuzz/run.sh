#!/usr/bin/env bash
# Run every fuzz target for SECONDS each (default 60), JOBS targets at a time (default: one per
# core; each target is one single-threaded libFuzzer process). Seeds: fuzz/seeds/<target>
# (committed); what the fuzzer learns goes to fuzz/corpus/<target> (not committed). The machine's
# one stable toolchain builds cargo-fuzz's sanitizer flags with RUSTC_BOOTSTRAP=1.
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-60}"
jobs="${2:-$(nproc 2>/dev/null || echo 1)}"
targets=(config_blob job_details generate escape)
export RUSTC_BOOTSTRAP=1
# One build of every target (they share the sanitizer build of the crate); the runs below only
# start them.
if ! cargo fuzz build >run-build.log 2>&1; then
  echo "fuzz build failed:" >&2
  tail -n 60 run-build.log >&2
  exit 1
fi
status=$(mktemp -d)
trap 'rm -rf "$status"' EXIT
run() {
  mkdir -p "corpus/$1"
  cargo fuzz run "$1" "corpus/$1" "seeds/$1" -- -max_total_time="$secs" -rss_limit_mb=2048 \
    -max_len=262144 -timeout=10 >"run-$1.log" 2>&1
}
running=0
for t in "${targets[@]}"; do
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
  (if run "$t"; then echo 0; else echo 1; fi) >"$status/$t" &
  running=$((running + 1))
done
wait
failed=0
for t in "${targets[@]}"; do
  if [ "$(cat "$status/$t")" = 0 ]; then
    echo "$t: $(grep -E '^Done [0-9]+ runs' "run-$t.log" || tail -n 1 "run-$t.log")"
  else
    echo "fuzz target $t failed:" >&2
    tail -n 60 "run-$t.log" >&2
    failed=1
  fi
done
exit "$failed"
