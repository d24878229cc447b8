#!/usr/bin/env bash
# Whole-process benchmark of blob → bundle against curl fetching the same blob from the same
# Azurite (issue 3: target ≤ 1.3× curl's median). Needs `npm ci` (Azurite) and hyperfine.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "install hyperfine: apt-get install -y hyperfine" >&2; exit 2; }
cargo build --release --quiet
bin=$PWD/target/release/restore-deploy
tmp=$(mktemp -d)
trap 'kill $az_pid 2>/dev/null || true; rm -rf "$tmp"' EXIT

node_modules/.bin/azurite-blob --blobHost 127.0.0.1 --blobPort 0 --inMemoryPersistence --silent \
  --disableTelemetry --skipApiVersionCheck > "$tmp/azurite.log" &
az_pid=$!
for _ in $(seq 100); do grep -q "listens on" "$tmp/azurite.log" && break; sleep 0.1; done
endpoint="$(grep -o 'http://[0-9.:]*' "$tmp/azurite.log" | head -1)/devstoreaccount1"

sas=$(python3 - <<'PY'
import base64, hashlib, hmac, urllib.parse
key = base64.b64decode("Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==")
sv, se, perms = "2021-08-06", "2099-01-01T00:00:00Z", "rwdlac"
to_sign = f"devstoreaccount1\n{perms}\nb\nsco\n\n{se}\n\nhttps,http\n{sv}\n\n"
sig = base64.b64encode(hmac.new(key, to_sign.encode(), hashlib.sha256).digest()).decode()
print(f"sv={sv}&ss=b&srt=sco&sp={perms}&se={se}&spr=https,http&sig={urllib.parse.quote(sig, safe='')}")
PY
)
ex=examples/app01-restore
curl -sf -X PUT "$endpoint/bench?restype=container&$sas" -H "x-ms-version: 2021-08-06" -o /dev/null
curl -sf -X PUT "$endpoint/bench/config.json?$sas" -H "x-ms-blob-type: BlockBlob" -H "x-ms-version: 2021-08-06" \
  --data-binary @"$ex/config-app01.json" -o /dev/null
url="$endpoint/bench/config.json?$sas"
mkdir -p target/bench
hyperfine -N --warmup 20 --runs 300 --export-json target/bench/blob-to-bundle.json \
  -n curl "curl -sf -o /dev/null $url" \
  -n restore-deploy "$bin generate --format arm --config $url --job $ex/job.json --encryption-info $ex/encryption-info.json" >/dev/null
python3 - <<'PY'
import json
d = {r["command"]: r for r in json.load(open("target/bench/blob-to-bundle.json"))["results"]}
c, r = d["curl"]["median"], d["restore-deploy"]["median"]
print(f"curl {c*1000:.2f} ms, restore-deploy {r*1000:.2f} ms (median), ratio {r/c:.2f}x")
PY
