#!/usr/bin/env bash
# Run every fuzz target for SECONDS each (default 60), JOBS targets at a time (default: one per
# core; each target is one single-threaded libFuzzer process). `fuzz/run.sh build` only builds
# (CI builds while its tests run, then runs). Seeds: fuzz/seeds/<target>
# (committed); what the fuzzer learns goes to fuzz/corpus/<target> (not committed), crashes to
# fuzz/artifacts/<target>/.
#
# Built with plain cargo and the flags `cargo fuzz build` (cargo-fuzz 0.13) passes, so nothing has
# to be installed first (installing cargo-fuzz cost CI two minutes of its six): sancov with 8-bit
# counters, PC table, compare tracing, `--cfg fuzzing`, AddressSanitizer and debug assertions. The
# machine's one stable toolchain takes `-Zsanitizer` with RUSTC_BOOTSTRAP=1.
#
# FUZZ_PROFILE picks the build: `release` (default; cargo-fuzz's own choice, one codegen unit,
# the most executions per second) or `ci`, an unoptimised build with parallel codegen that compiles
# in about a third of the time (ten times fewer executions per second), for a smoke run where
# compiling costs more than the seconds fuzzed.
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-60}"
build_only=false
if [ "$secs" = build ]; then build_only=true; fi
jobs="${2:-$(nproc 2>/dev/null || echo 1)}"
profile="${FUZZ_PROFILE:-release}"
targets=(config_blob job_details generate escape)
triple=$(rustc -vV | sed -n 's/^host: //p')
export RUSTC_BOOTSTRAP=1
flags="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4"
flags+=" -Cllvm-args=-sanitizer-coverage-inline-8bit-counters"
flags+=" -Cllvm-args=-sanitizer-coverage-pc-table -Cllvm-args=-sanitizer-coverage-trace-compares"
flags+=" -Cllvm-args=-simplifycfg-branch-fold-threshold=0 --cfg fuzzing -Clink-dead-code"
flags+=" -Zsanitizer=address -Cdebug-assertions"
case "$triple" in *-linux-*) flags+=" -Cllvm-args=-sanitizer-coverage-stack-depth" ;; esac
case "$profile" in
release) flags+=" -Ccodegen-units=1" ;;
ci) ;;
*)
  echo "FUZZ_PROFILE must be release or ci, not $profile" >&2
  exit 2
  ;;
esac
export RUSTFLAGS="$flags${RUSTFLAGS:+ $RUSTFLAGS}"
export ASAN_OPTIONS="detect_odr_violation=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
# --target keeps RUSTFLAGS away from build scripts, as cargo-fuzz does.
# One build of every target (they share the sanitizer build of the crate); the runs below only
# start them.
if ! cargo build --locked --manifest-path Cargo.toml --target "$triple" --profile "$profile" \
  --bins >run-build.log 2>&1; then
  echo "fuzz build failed:" >&2
  tail -n 60 run-build.log >&2
  exit 1
fi
if $build_only; then exit 0; fi
bin="target/$triple/$profile"
status=$(mktemp -d)
trap 'rm -rf "$status"' EXIT
run() {
  mkdir -p "corpus/$1" "artifacts/$1"
  "$bin/$1" -artifact_prefix="artifacts/$1/" "corpus/$1" "seeds/$1" -max_total_time="$secs" \
    -rss_limit_mb=2048 -max_len=262144 -timeout=10 >"run-$1.log" 2>&1
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
