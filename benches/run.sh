#!/usr/bin/env bash
# The benchmark: one script, one run, everything the performance claims rest on, each as a ratio to
# a floor measured on the same machine in the same run.
#   1. DR drill, local files: `generate --jobs` over N jobs (a third encrypted, from the bundled
#      example; two thirds not, from the `unencrypted-managed-windows` fixture; each with Azure
#      Backup's template of its restore, as Azure writes one per restore job) against
#      benches/peer.py, a Python script that reads the same inputs and writes the same files.
#   2. One job: `generate --out` and to stdout, against `cat` of the four files it reads (the job,
#      the config and encryption-info blobs, and Azure Backup's template the job names).
#   3. DR drill from storage: `generate --jobs` reading the same 2.33N blobs from Azurite (config,
#      encryption info for a third, template) against one curl process fetching the same blobs
#      over reused connections, same concurrency.
#   4. System calls per job (`strace -c -f`) for 1. and 2.
# Wall medians from hyperfine, user and system CPU (hyperfine's means), peak RSS from GNU time.
# Each measured command prepares only its own state (hyperfine takes one --prepare per command, in
# order; `true` where a command needs none), and no measured run follows a deletion: the previous
# run's output is moved aside (`./aside`, one rename) and deleted when the measuring is over. A
# run right after a `rm -rf` of a few thousand files paid for that deletion twice: its writeback,
# and ext4's inode allocator, which skips inodes freed in the last minute (five, while their table
# block is dirty) and read each one's table entry to find that out (`recently_deleted`, the top
# kernel symbol of `perf record -e cpu-clock` on the Azurite batch: 2.4 s of system time against
# 0.3 s with the output moved aside). A real drill writes once into a new folder; and the floors
# of part 3 (curl to /dev/null) write nothing, so only the tool paid there. The first bundles
# written are kept as `ref/` and
# every later output of the tool (stdout, `--out`, the Azurite batch) is compared with them.
# Azurite is the repository's pinned one (`npm ci`), on 127.0.0.1 only, started and stopped here.
#
# Usage: benches/run.sh [--bin PATH] [--jobs N] [--concurrency C] [--runs R]
#   --bin PATH: measure that binary (e.g. a release build of an older commit) instead of building
#   this checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
n=1000 conc=8 runs=10 bin=
while [ $# -gt 0 ]; do
  case $1 in
    --bin) bin=$(realpath "$2"); shift 2 ;;
    --jobs) n=$2; shift 2 ;;
    --concurrency) conc=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    *) echo "usage: benches/run.sh [--bin PATH] [--jobs N] [--concurrency C] [--runs R]" >&2; exit 2 ;;
  esac
done
for t in hyperfine strace curl python3; do
  command -v $t >/dev/null || { echo "install $t (apt-get install -y hyperfine strace curl python3)" >&2; exit 2; }
done
[ -x /usr/bin/time ] || { echo "install GNU time: apt-get install -y time" >&2; exit 2; }
azurite=$repo/node_modules/.bin/azurite-blob
[ -x "$azurite" ] || { echo "run \`npm ci\` first (Azurite)" >&2; exit 2; }
if [ -z "$bin" ]; then
  cargo build --release --quiet
  bin=$repo/target/release/restore-deploy
fi
work=$repo/target/bench/run
# An earlier run's folder is deleted at the end, when nothing is measured any more.
old=
if [ -e "$work" ]; then old=$work.old.$$; mv "$work" "$old"; fi
mkdir -p "$work"
cd "$work"
mkdir trash
printf '#!/bin/sh\n# Moves the output of the previous run aside: a rename, where a deletion would weigh on the next run.\n[ ! -e "$1" ] || mv "$1" "trash/$1.$$"\n' > aside
chmod +x aside

echo "machine: $(nproc) cores, $(uptime | sed 's/.*load/load/')"
echo "binary:  $bin ($(stat -c %s "$bin") bytes)"
echo "jobs:    $n (a third encrypted), concurrency $conc, $runs runs each"

python3 - "$n" "$repo" <<'PY'
import json, os, sys
n, repo = int(sys.argv[1]), sys.argv[2]
ex = os.path.join(repo, "examples/app01-restore")
enc_job = json.load(open(os.path.join(ex, "job.json")))
raw = open(os.path.join(ex, "config-app01.json"), "rb").read()
enc_config = json.loads(raw.decode("utf-16-le").lstrip("\ufeff").rstrip("\x00"))
info = open(os.path.join(ex, "encryption-info.json"), "rb").read()
# Azure Backup's own template of each restore (`azuredeploy<job id>.json`, beside the config blob
# in the staging container), which the tool reads for the source NIC's network: the bundled
# example's, under a job id of its own per job, as Azure writes one per restore.
template = open(os.path.join(ex, "azuredeploy1fc2d55d-f0dc-4ca6-ad48-aca0519c0232.json"), "rb").read()
fx = json.load(open(os.path.join(repo, "tests/fixtures/valid/unencrypted-managed-windows.json")))
plain_job, plain_config = fx["job"], fx["config"]
container = enc_job["Config Blob Container Name"]
os.makedirs("jobs"); os.makedirs("blobs")
with open("blobs.txt", "w") as names:
    for i in range(n):
        vm = f"vm{i:04d}"
        encrypted = i % 3 == 0
        job, config = (enc_job, enc_config) if encrypted else (plain_job, plain_config)
        cfg = f"config-{vm}.json"
        tpl = f"azuredeploy{i:08x}-0000-4000-8000-{i:012x}.json"
        j = dict(job, **{"Config Blob Name": cfg, "Config Blob Container Name": container,
                         "Config Blob Uri": f"https://strestorestaging01.blob.core.windows.net/{container}/{cfg}",
                         "Template Blob Uri": f"https://strestorestaging01.blob.core.windows.net/{container}/{tpl}"})
        open(f"blobs/{tpl}", "wb").write(template)
        if i == 0:
            open("first-template", "w").write(tpl)
        if encrypted:
            j["Encryption Info Blob Name"] = f"encryptioninfo-{vm}.json"
            open(f"blobs/encryptioninfo-{vm}.json", "wb").write(info)
        json.dump(j, open(f"jobs/{vm}.json", "w"), indent=2)
        # UTF-16LE without a BOM, CRLF line ends, as Azure Backup writes a config blob
        # (the real blob of issue 14; examples/app01-restore/README.md).
        c = dict(config, name=vm)
        open(f"blobs/{cfg}", "wb").write(json.dumps(c, indent=2).replace("\n", "\r\n").encode("utf-16-le"))
        names.write(f"{cfg}\n" + (f"encryptioninfo-{vm}.json\n" if encrypted else "") + f"{tpl}\n")
open("container", "w").write(container)
PY
container=$(cat container)
# The example's blobs name no key vault id (the real shape's encryption settings sit on the
# restored disks): one vault for every encrypted job, as README's set-up command passes it.
kv=(--key-vault-id /subscriptions/3f2a8c1e-5b7d-4e9a-8c6f-1d2e3f4a5b6c/resourceGroups/rg-keys/providers/Microsoft.KeyVault/vaults/kv-contoso-prod)
one=(--job jobs/vm0000.json --config blobs/config-vm0000.json --encryption-info blobs/encryptioninfo-vm0000.json "${kv[@]}")
# What the single job reads: its three files, and Azure Backup's template the job names, found
# beside the config.
inputs=("${one[1]}" "${one[3]}" "${one[5]}" "blobs/$(cat first-template)")

# Peak RSS in KiB of one run.
rss() { /usr/bin/time -f %M -o rss.txt "$@" >/dev/null 2>&1 || true; tail -1 rss.txt; }
# System calls of one run: "name count" lines, children included.
calls() { strace -f -c -o strace.txt "$@" >/dev/null 2>&1 || true; awk '$1 ~ /^[0-9.]+$/ && $NF != "total" { print $NF, $4 }' strace.txt; }

echo "== 1. local drill" >&2
"$bin" generate --format arm --jobs jobs --config-dir blobs --out out --quiet --concurrency "$conc" "${kv[@]}" >/dev/null 2>first-run.err
python3 "$repo/benches/peer.py" jobs blobs out-py
files() { (cd "$1" && find . -type f | sort); }
diff <(files out) <(files out-py) >/dev/null || { echo "the peer does not write the same files:" >&2; diff <(files out) <(files out-py) | head -5 >&2; exit 1; }
[ "$(files out | wc -l)" -ge "$n" ] || { echo "fewer files than jobs: $(files out | wc -l)" >&2; exit 1; }
echo "files:   $(files out | wc -l) written by each; $(du -sb out | cut -f1) bytes by restore-deploy, $(du -sb out-py | cut -f1) by the peer"
# The reference every later output of the tool is compared with.
cp -r out ref
same() { diff -r "$1" "$2" >/dev/null || { echo "$3 wrote other files than the first local run:" >&2; diff -r "$1" "$2" | head -5 >&2; exit 1; }; }
hyperfine -N --warmup 1 --runs "$runs" --export-json local.json \
  -n "restore-deploy --jobs" --prepare "./aside out" \
  "$bin generate --format arm --jobs jobs --config-dir blobs --out out --quiet --concurrency $conc ${kv[*]}" \
  -n "python peer" --prepare "./aside out-py" \
  "python3 $repo/benches/peer.py jobs blobs out-py" >/dev/null
same ref out "the measured local batch"
./aside out; ./aside out-py
rss_batch=$(rss "$bin" generate --format arm --jobs jobs --config-dir blobs --out out --quiet --concurrency "$conc" "${kv[@]}")
rss_peer=$(rss python3 "$repo/benches/peer.py" jobs blobs out-py)
./aside out
calls "$bin" generate --format arm --jobs jobs --config-dir blobs --out out --quiet --concurrency "$conc" "${kv[@]}" > calls-batch.txt

echo "== 2. one job" >&2
rustc -O -C strip=symbols "$repo/benches/floor.rs" -o floor
hyperfine -N --warmup 20 --runs $((runs * 30)) --export-json single.json \
  -n "cat of the 4 inputs" --prepare true "cat ${inputs[*]}" \
  -n "a Rust cat (benches/floor.rs)" --prepare true "./floor ${inputs[*]}" \
  -n "restore-deploy (stdout)" --prepare true "$bin generate --format arm ${one[*]}" \
  -n "restore-deploy --out" --prepare "./aside out1" "$bin generate --format arm ${one[*]} --out out1" >/dev/null
same ref/vm0000 out1 "the measured single job --out"
"$bin" generate --format arm "${one[@]}" > stdout.json 2>/dev/null
cmp -s stdout.json ref/vm0000/azuredeploy.json || { echo "the single job's stdout is not the batch's azuredeploy.json" >&2; exit 1; }
rss_cat=$(rss cat "${inputs[@]}")
rss_floor=$(rss ./floor "${inputs[@]}")
rss_stdout=$(rss "$bin" generate --format arm "${one[@]}")
./aside out1
rss_out=$(rss "$bin" generate --format arm "${one[@]}" --out out1)
./aside out1
calls "$bin" generate --format arm "${one[@]}" --out out1 > calls-single.txt
calls cat "${inputs[@]}" > calls-cat.txt

echo "== 3. drill from Azurite" >&2
account=devstoreaccount1
key='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
"$azurite" --blobHost 127.0.0.1 --blobPort 0 --inMemoryPersistence --silent \
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
# One curl process, connections reused, $conc transfers at once: the floor for these downloads.
awk -v base="$endpoint/$container/" -v sas="$sas" '{ print "url = \"" base $0 "?" sas "\"\noutput = \"/dev/null\"" }' blobs.txt > curl.cfg
blobs=$(wc -l < blobs.txt)
hyperfine -N --warmup 1 --runs "$runs" --export-json blob.json \
  -n "restore-deploy --jobs (Azurite)" --prepare "./aside out-blob" \
  "$bin generate --format arm --jobs jobs --blob-endpoint $endpoint --sas $sas --out out-blob --quiet --concurrency $conc ${kv[*]}" \
  -n "curl, $blobs blobs" --prepare true \
  "curl -sf --parallel --parallel-max $conc -K curl.cfg" >/dev/null
same ref out-blob "the measured Azurite batch"
./aside out-blob
rss_blob=$(rss "$bin" generate --format arm --jobs jobs --blob-endpoint "$endpoint" --sas "$sas" --out out-blob --quiet --concurrency "$conc" "${kv[@]}")
rss_curl=$(rss curl -sf --parallel --parallel-max "$conc" -K curl.cfg)
rm -rf trash ${old:+"$old"}

python3 - "$n" "$rss_batch" "$rss_peer" "$rss_cat" "$rss_stdout" "$rss_out" "$rss_blob" "$rss_curl" "$rss_floor" <<'PY'
import json, sys
n = int(sys.argv[1])
rss = dict(zip(["batch", "peer", "cat", "stdout", "out", "blob", "curl", "floor"], sys.argv[2:]))
def load(f):
    return {r["command"]: r for r in json.load(open(f))["results"]}
local, single, blob = load("local.json"), load("single.json"), load("blob.json")
def row(name, r, mem, floor=None, unit="s", scale=1):
    ratio = f"{r['median'] / floor['median']:6.2f}x" if floor else "  floor"
    print(f"{name:<34} {r['median']*scale:>9.3f}{unit} {r['user']*scale:>9.3f}{unit} {r['system']*scale:>9.3f}{unit} {int(mem)/1024:>8.1f} {ratio}")
head = f"{'':<34} {'median':>10} {'user':>10} {'system':>10} {'RSS MiB':>8}  ratio"
print(); print(f"1. {n} jobs, local files"); print(head)
row("python peer (one process)", local["python peer"], rss["peer"])
row("restore-deploy --jobs", local["restore-deploy --jobs"], rss["batch"], local["python peer"])
print(); print("2. one job"); print(head)
c = single["cat of the 4 inputs"]
row("cat of the 4 inputs", c, rss["cat"], None, "ms", 1000)
row("a Rust cat (benches/floor.rs)", single["a Rust cat (benches/floor.rs)"], rss["floor"], c, "ms", 1000)
row("restore-deploy, stdout", single["restore-deploy (stdout)"], rss["stdout"], c, "ms", 1000)
row("restore-deploy --out", single["restore-deploy --out"], rss["out"], c, "ms", 1000)
print(); print(f"3. {n} jobs from Azurite"); print(head)
cname = next(k for k in blob if k.startswith("curl"))
row(cname, blob[cname], rss["curl"])
row("restore-deploy --jobs (Azurite)", blob["restore-deploy --jobs (Azurite)"], rss["blob"], blob[cname])
def calls(f):
    d = {k: int(v) for k, v in (l.split() for l in open(f) if l.strip())}
    d["total"] = sum(d.values())
    return d
b, s, k = calls("calls-batch.txt"), calls("calls-single.txt"), calls("calls-cat.txt")
keys = ["openat", "read", "write", "close", "statx", "newfstatat", "getdents64", "mkdir", "flock",
        "fsync", "syncfs", "rename", "renameat2", "unlink", "rmdir", "mmap", "futex"]
print(); print("4. system calls (strace -c -f)")
print(f"{'':<12} {'per job of ' + str(n):>16} {'one job --out':>14} {'cat':>6}")
for key in keys:
    if b.get(key) or s.get(key):
        print(f"{key:<12} {b.get(key, 0) / n:>16.2f} {s.get(key, 0):>14} {k.get(key, 0):>6}")
print(f"{'total':<12} {b.get('total', 0) / n:>16.2f} {s.get('total', 0):>14} {k.get('total', 0):>6}")
PY
