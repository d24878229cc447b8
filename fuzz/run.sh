#!/usr/bin/env bash
# Run every fuzz target for SECONDS each (default 60). Seeds: fuzz/seeds/<target> (committed);
# what the fuzzer learns goes to fuzz/corpus/<target> (not committed). The machine's one stable
# toolchain builds cargo-fuzz's sanitizer flags with RUSTC_BOOTSTRAP=1.
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-60}"
export RUSTC_BOOTSTRAP=1
for t in config_blob job_details generate escape; do
  mkdir -p "corpus/$t"
  if ! cargo fuzz run "$t" "corpus/$t" "seeds/$t" -- -max_total_time="$secs" -rss_limit_mb=2048 \
      -max_len=262144 -timeout=10 > "run-$t.log" 2>&1; then
    echo "fuzz target $t failed:" >&2
    tail -n 60 "run-$t.log" >&2
    exit 1
  fi
  echo "$t: $(grep -E '^Done [0-9]+ runs' "run-$t.log" || tail -n 1 "run-$t.log")"
done
