#!/usr/bin/env bash
# Whole-process benchmark of `generate --jobs` on 1,000 jobs (made from the bundled example, each
# VM renamed), against what one would do without it:
#   local:   --jobs with --config-dir  vs  1,000 single-job processes (xargs -P, one per core)
#            vs  benches/peer.py (a Python script rendering the same jobs in one process)
#   Azurite: --jobs reading 2,000 blobs  vs  curl of the same 2,000 blobs (xargs -P, same
#            concurrency, one curl per blob)
# Medians from hyperfine (Debian package `hyperfine`); peak RSS from GNU time. Everything talks
# to 127.0.0.1 only; Azurite is the repository's pinned one (`npm ci`), started and stopped here.
# Usage: benches/batch.sh [JOBS] [CONCURRENCY]      (builds release first)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000}
conc=${2:-8}
command -v hyperfine >/dev/null || { echo "install hyperfine: apt-get install -y hyperfine" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "install GNU time: apt-get install -y time" >&2; exit 2; }
azurite=node_modules/.bin/azurite-blob
[ -x "$azurite" ] || { echo "run \`npm ci\` first (Azurite)" >&2; exit 2; }
cargo build --release --quiet
bin=$(pwd)/target/release/restore-deploy
work=$(pwd)/target/bench/batch
rm -rf "$work" && mkdir -p "$work"
cd "$work"

# Azurite's documented development account and key (the same the tests sign with).
account=devstoreaccount1
key='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='

python3 - "$n" "$OLDPWD/examples/app01-restore" <<'PY'
import json, os, sys
n, ex = int(sys.argv[1]), sys.argv[2]
job = json.load(open(os.path.join(ex, "job.json")))
raw = open(os.path.join(ex, "config-app01.json"), "rb").read()
config = json.loads(raw[2:].decode("utf-16-le").rstrip("\x00"))
info = open(os.path.join(ex, "encryption-info.json"), "rb").read()
container = job["Config Blob Container Name"]
os.makedirs("jobs"); os.makedirs("blobs")
with open("blobs.txt", "w") as names:
    for i in range(n):
        vm = f"vm{i:04d}"
        cfg, enc = f"config-{vm}.json", f"encryptioninfo-{vm}.json"
        j = dict(job, **{"Config Blob Name": cfg, "Encryption Info Blob Name": enc,
                         "Config Blob Uri": f"https://strestorestaging01.blob.core.windows.net/{container}/{cfg}"})
        json.dump(j, open(f"jobs/{vm}.json", "w"), indent=2)
        c = dict(config, name=vm)
        # UTF-16LE with a BOM, as Azure Backup writes a config blob.
        open(f"blobs/{cfg}", "wb").write(b"\xff\xfe" + json.dumps(c, indent=2).encode("utf-16-le"))
        open(f"blobs/{enc}", "wb").write(info)
        names.write(f"{cfg}\n{enc}\n")
open("container", "w").write(container)
PY
container=$(cat container)
ls jobs | sed 's/\.json$//' > vms.txt

echo "== local: $n jobs" >&2
hyperfine -N --warmup 1 --runs 10 --export-json local-batch.json \
  -n "restore-deploy --jobs" \
  --prepare "rm -rf out" \
  "$bin generate --format arm --jobs jobs --config-dir blobs --out out --quiet --concurrency $conc" >/dev/null
hyperfine --warmup 1 --runs 10 --export-json local-peer.json \
  -n "python peer" --prepare "rm -rf out-py" \
  "python3 $OLDPWD/benches/peer.py jobs blobs out-py" >/dev/null
hyperfine --runs 3 --export-json local-single.json \
  -n "$n single-job processes" --prepare "rm -rf out-single" \
  "xargs -P $(nproc) -I{} $bin generate --format arm --job jobs/{}.json --config blobs/config-{}.json --encryption-info blobs/encryptioninfo-{}.json --out out-single/{} < vms.txt 2>/dev/null" >/dev/null
diff -r out out-single >/dev/null && echo "single-job processes wrote the same $n bundles" >&2

echo "== Azurite: $n jobs, $((2 * n)) blobs, concurrency $conc" >&2
"$OLDPWD/$azurite" --blobHost 127.0.0.1 --blobPort 0 --inMemoryPersistence --silent \
  --disableTelemetry --skipApiVersionCheck > azurite.log 2>&1 &
az_pid=$!
trap 'kill "$az_pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q http azurite.log && break; sleep 0.1; done
endpoint="$(grep -o 'http://[0-9.:]*' azurite.log | head -1)/$account"
sas=$(python3 - "$account" "$key" <<'PY'
import base64, hashlib, hmac, sys, urllib.parse
account, key = sys.argv[1:3]
sv, se = "2021-08-06", "2099-01-01T00:00:00Z"
to_sign = f"{account}\nrwdlac\nb\nsco\n\n{se}\n\nhttps,http\n{sv}\n\n"
sig = base64.b64encode(hmac.new(base64.b64decode(key), to_sign.encode(), hashlib.sha256).digest()).decode()
print(f"sv={sv}&ss=b&srt=sco&sp=rwdlac&se={se}&spr=https,http&sig={urllib.parse.quote(sig, safe='')}")
PY
)
curl -sf -X PUT -H "x-ms-version: 2021-08-06" "$endpoint/$container?restype=container&$sas" -o /dev/null
xargs -P "$conc" -I{} curl -sf -X PUT -H "x-ms-version: 2021-08-06" -H "x-ms-blob-type: BlockBlob" \
  --data-binary @blobs/{} "$endpoint/$container/{}?$sas" -o /dev/null < blobs.txt
awk -v base="$endpoint/$container/" -v sas="$sas" '{ print base $0 "?" sas }' blobs.txt > urls.txt
hyperfine -N --warmup 1 --runs 5 --export-json blob-batch.json \
  -n "restore-deploy --jobs (Azurite)" --prepare "rm -rf out-blob" \
  "$bin generate --format arm --jobs jobs --blob-endpoint $endpoint --sas $sas --out out-blob --quiet --concurrency $conc" >/dev/null
hyperfine --warmup 1 --runs 5 --export-json blob-curl.json \
  -n "curl, $((2 * n)) blobs" \
  "xargs -P $conc -n 1 curl -sf -o /dev/null < urls.txt" >/dev/null
diff -r out out-blob >/dev/null && echo "the Azurite run wrote the same $n bundles as the local one" >&2

rss() { /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident/ {printf "%.1f", $2 / 1024}'; }
rm -rf out out-py out-blob
rss_local=$(rss "$bin" generate --format arm --jobs jobs --config-dir blobs --out out --quiet --concurrency "$conc")
rss_peer=$(rss python3 "$OLDPWD/benches/peer.py" jobs blobs out-py)
rss_single=$(rss "$bin" generate --format arm --job jobs/vm0000.json --config blobs/config-vm0000.json --encryption-info blobs/encryptioninfo-vm0000.json --out out-one)
rss_blob=$(rss "$bin" generate --format arm --jobs jobs --blob-endpoint "$endpoint" --sas "$sas" --out out-blob --quiet --concurrency "$conc")

python3 - "$rss_local" "$rss_peer" "$rss_single" "$rss_blob" <<'PY'
import json, sys
rss_local, rss_peer, rss_single, rss_blob = sys.argv[1:5]
m = lambda f: json.load(open(f))["results"][0]["median"]
rows = [
    ("restore-deploy --jobs, local files", m("local-batch.json"), rss_local),
    ("python peer, one process", m("local-peer.json"), rss_peer),
    ("single-job processes", m("local-single.json"), rss_single + " (each)"),
    ("restore-deploy --jobs, Azurite", m("blob-batch.json"), rss_blob),
    ("curl, one process per blob", m("blob-curl.json"), "-"),
]
print(f"{'command':<36} {'median':>9} {'peak RSS MiB':>14}")
for name, t, r in rows:
    print(f"{name:<36} {t:>8.3f}s {r:>14}")
print()
print(f"local --jobs vs python peer:      {m('local-batch.json') / m('local-peer.json'):.2f}x the time (target < 1)")
print(f"local --jobs vs single processes: {m('local-batch.json') / m('local-single.json'):.3f}x the time")
print(f"Azurite --jobs vs curl:           {m('blob-batch.json') / m('blob-curl.json'):.2f}x the time (target <= 1.5)")
PY
