#!/usr/bin/env bash
# Whole-process benchmark of config → bundle, beside `cat` of the same file as the floor.
# Medians from hyperfine (Debian package `hyperfine`); results in target/bench/*.json.
# Usage: benches/bench.sh            (builds release first)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "install hyperfine: apt-get install -y hyperfine" >&2; exit 2; }
cargo build --release --quiet
bin=target/release/restore-deploy
ex=examples/app01-restore
mkdir -p target/bench
src=(--config "$ex/config-app01.json" --job "$ex/job.json" --encryption-info "$ex/encryption-info.json")
hyperfine -N --warmup 20 --runs 300 --export-json target/bench/config-to-bundle.json \
  -n cat "cat $ex/config-app01.json" \
  -n arm "$bin generate --format arm ${src[*]}" \
  -n powershell "$bin generate --format powershell ${src[*]}" \
  -n arm-out "$bin generate --format arm ${src[*]} --out target/bench/out" >/dev/null
python3 - <<'PY'
import json
d = json.load(open("target/bench/config-to-bundle.json"))["results"]
floor = next(r for r in d if r["command"] == "cat")["median"]
print(f"{'command':<12} {'median':>10} {'vs cat':>8}")
for r in d:
    print(f"{r['command']:<12} {r['median']*1000:>8.2f}ms {r['median']/floor:>7.2f}x")
PY
