#!/usr/bin/env bash
# Peak memory for the largest inputs restore-deploy accepts (just under the 64 MiB cap), as a
# multiple of the input's size. The documented bound is 5x: three shapes stress it differently
# (many tiny values, many short strings, one huge string).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/restore-deploy
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 - "$tmp" <<'PY'
import sys, os
d = sys.argv[1]
cap = 60 * 1024 * 1024
with open(os.path.join(d, "numbers.json"), "w") as f:   # refused: over the value budget
    f.write('{"name":"x","junk":[' + "1," * (cap // 2 - 60) + "1]}")
with open(os.path.join(d, "strings.json"), "w") as f:   # 999,990 values of 60 bytes
    f.write('{"name":"x","junk":[' + ",".join(['"' + "x" * 58 + '"'] * 999_990) + "]}")
with open(os.path.join(d, "one-string.json"), "w") as f:
    f.write('{"name":"' + "y" * (cap - 100) + '"}')
PY
printf '%-16s %10s %10s %7s\n' input MiB peakMiB ratio
for f in numbers strings one-string; do
  size=$(stat -c %s "$tmp/$f.json")
  rss=$( { /usr/bin/time -f '%M' "$bin" inspect --config "$tmp/$f.json" >/dev/null 2>"$tmp/err" || true; } 2>&1; tail -1 "$tmp/err")
  rss=$(tail -1 "$tmp/err")
  awk -v f="$f" -v s="$size" -v r="$rss" 'BEGIN { printf "%-16s %10.1f %10.1f %6.2fx\n", f, s/1048576, r/1024, (r*1024)/s }'
done
