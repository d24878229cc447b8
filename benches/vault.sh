#!/usr/bin/env bash
# Straight from the vault, at drill scale: list and render N restore jobs (default 200) from the
# stand-in Recovery Services vault (tests/vault/stand_in.py, mode "many": the recorded job of
# Azure PowerShell's test session with its own id, VM and config blob name per job, pages of 50
# through nextLink, the second page and every tenth job's details throttled once with 429
# Retry-After: 1), blobs from a local folder (`--config-dir`), a stand-in `az` for the token.
# Prints the wall time and the requests the stand-in saw, by kind.
#
# Usage: benches/vault.sh [--bin PATH] [--jobs N]
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
n=200 bin=
while [ $# -gt 0 ]; do
  case $1 in
    --bin) bin=$(realpath "$2"); shift 2 ;;
    --jobs) n=$2; shift 2 ;;
    *) echo "usage: benches/vault.sh [--bin PATH] [--jobs N]" >&2; exit 2 ;;
  esac
done
for t in python3 openssl; do
  command -v $t >/dev/null || { echo "install $t" >&2; exit 2; }
done
if [ -z "$bin" ]; then
  cargo build --release --quiet
  bin=$repo/target/release/restore-deploy
fi
work=$repo/target/bench/vault
rm -rf "$work" && mkdir -p "$work/bin" "$work/blobs"
cd "$work"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -addext basicConstraints=critical,CA:FALSE \
  -addext extendedKeyUsage=serverAuth -keyout key.pem -out cert.pem 2>/dev/null
cat > bin/az <<'AZ'
#!/bin/sh
case "$*" in
  *get-access-token*) echo '{"accessToken": "stand-in-token", "expiresOn": "2099-01-01 00:00:00.000000", "expires_on": 4070908800, "tokenType": "Bearer"}' ;;
  *'account show'*) echo '{"id": "38304e13-357e-405e-9e9a-220351dcce8c", "name": "stand-in", "isDefault": true}' ;;
  *) exit 1 ;;
esac
AZ
chmod +x bin/az
# One config blob per job, as Backup writes it (UTF-16LE, CRLF), from the fixture that pairs with
# the recorded job (the VHD layout, as tests/vault.rs uses), each naming its own VM.
python3 - "$n" "$repo" <<'PY'
import json, sys
n, repo = int(sys.argv[1]), sys.argv[2]
config = json.load(open(f"{repo}/tests/fixtures/valid/unmanaged-bek-aad-linux.json"))["config"]
for i in range(n):
    jid = f"{i:08d}-0000-4000-8000-{i:012d}"
    c = dict(config, name=f"vm{i:03d}")
    open(f"blobs/config-vm{i:03d}-{jid}.json", "wb").write(json.dumps(c, indent=2).replace("\n", "\r\n").encode("utf-16-le"))
PY
# A fresh stand-in per measured command, so each meets the same throttling.
stand_in=
start_stand_in() {
  [ -n "$stand_in" ] && { kill "$stand_in" 2>/dev/null || true; wait "$stand_in" 2>/dev/null || true; }
  : > requests.log; : > port.txt
  STAND_IN_JOBS=$n python3 "$repo/tests/vault/stand_in.py" cert.pem key.pem "$repo/tests/data/recorded" requests.log many > port.txt &
  stand_in=$!
  for _ in $(seq 50); do [ -s port.txt ] && break; sleep 0.1; done
  vault=(--vault hiagaVault --resource-group hiagarg --management-endpoint "https://127.0.0.1:$(head -1 port.txt)")
}
trap '[ -n "$stand_in" ] && kill $stand_in 2>/dev/null || true' EXIT
export PATH=$work/bin:$PATH SSL_CERT_FILE=$work/cert.pem
kinds() { awk '{ p = $2; sub(/\?.*/, "", p); n = split(p, s, "/"); k = (s[n] == "backupJobs") ? "list pages" : "job details"; c[k]++ } END { for (k in c) printf "  %-12s %d\n", k, c[k] }' requests.log; }
secs() { python3 -c "print(f'{$2 - $1:.2f} s')"; }

echo "machine: $(nproc) cores, $(uptime | sed 's/.*load/load/')"
echo "binary:  $bin"
echo "== jobs --vault (list $n jobs)"
start_stand_in
start=$(date +%s.%N)
"$bin" jobs "${vault[@]}" --since 7d --json > jobs.json 2> jobs.err
end=$(date +%s.%N)
echo "  wall $(secs $start $end), $(wc -l < jobs.json) lines of JSON, requests: $(wc -l < requests.log)"
kinds
echo "== generate --vault --since 7d --config-dir (render $n jobs)"
start_stand_in
start=$(date +%s.%N)
"$bin" generate --format arm "${vault[@]}" --since 7d --config-dir blobs --out out --quiet > summary.txt 2> generate.err
end=$(date +%s.%N)
echo "  wall $(secs $start $end), bundles $(find out -name azuredeploy.json | wc -l), requests: $(wc -l < requests.log) ($(grep -c ^bearer requests.log) with a bearer token), warnings on stderr: $(grep -c warning: generate.err || true)"
kinds
