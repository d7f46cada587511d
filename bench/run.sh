#!/usr/bin/env bash
# Runs Tessera's benchmarks on this machine and prints the figures for docs/performance.md:
#   1. depositing a 1 GiB file through the API, next to `openssl dgst -sha512` on the same file,
#      with the server's peak memory;
#   2. publishing a dataset of 10,000 small files, then its landing page and paged file listing;
#   3. search with two facets from 8 concurrent clients over 100,000 generated records,
#      after a full re-index; then how long each kind of page takes, in English and Welsh;
#   4. the audit trail: append 10 million entries, then verify the whole chain;
#   5. the retention sweep's scan for due files over RECORDS records of three files each;
#   6. OAI-PMH: a full ListRecords harvest of RECORDS records while 5% are revised and 1% taken
#      down, checked against the catalogue; then of HARVEST_RECORDS, with the server's peak memory;
#   7. a dataset of RECORDS files: one zip unpacked on the server, published, a new version
#      changing ten files, its file list, one file and all of them as one zip;
#   8. rebuilding the search index of HARVEST_RECORDS records: by `tessera reindex` with no
#      server, then by the running server while records are published and searched.
# Usage: bench/run.sh [RECORDS] [AUDIT_ENTRIES] [HARVEST_RECORDS]   (defaults 100000, 10000000, 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/settle.sh
records=${1:-100000}
audit_entries=${2:-10000000}
harvest_records=${3:-1000000}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/tessera-target}
cargo build --release --quiet -p tessera -p tessera-bench
bin=$CARGO_TARGET_DIR/release
work=$(mktemp -d /tmp/tessera-bench.XXXXXX)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
port=18181
url=http://127.0.0.1:$port

start_server() { # data folder
  TESSERA_JOBS_INTERVAL_SECONDS=${jobs_interval:-60} "$bin/tessera" serve --data-dir "$1" --bind 127.0.0.1:$port >"$1.log" 2>&1 &
  server=$!
  for _ in $(seq 100); do curl -sf "$url/health" >/dev/null && { settle "$server"; return; }; sleep 0.1; done
  echo "the server did not start:"; cat "$1.log"; exit 1
}
stop_server() { kill -TERM "$server"; wait "$server" || true; }
# VmHWM counts the catalogue's memory-mapped pages (shared page cache) once per connection;
# RssAnon is the server's own memory.
peak_memory() { awk '/VmHWM/ {h=$2} /RssAnon/ {a=$2} END {printf "VmHWM %.0f MB, RssAnon now %.0f MB", h/1024, a/1024}' "/proc/$server/status"; }

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r); $(date -u +%Y-%m-%d)"

echo "== 1. one 1 GiB file"
head -c 1073741824 /dev/urandom >"$work/large.bin"
best=999
for _ in 1 2 3; do
  t=$( { /usr/bin/time -f %e openssl dgst -sha512 "$work/large.bin" >/dev/null; } 2>&1 )
  best=$(echo "$t $best" | awk '{print ($1 < $2) ? $1 : $2}')
done
echo "openssl dgst -sha512: best of 3 $best s = $(echo "$best" | awk '{printf "%.0f", 1024/$1}') MiB/s"
start_server "$work/data"
"$bin/tessera" admin create-user bench@example.org --data-dir "$work/data" 2>/dev/null
token=$("$bin/tessera" admin create-token bench@example.org --data-dir "$work/data" 2>/dev/null)
"$bin/tessera-bench" deposit-file --server "$url" --token "$token" --file "$work/large.bin"
echo "server peak memory (VmHWM) after the 1 GiB deposit: $(peak_memory)"
rm -f "$work/large.bin"

echo "== 2. 10,000 small files"
"$bin/tessera-bench" many-files --server "$url" --token "$token" --files 10000
echo "server peak memory (VmHWM): $(peak_memory)"
stop_server

echo "== 3. search over $records records"
"$bin/tessera-bench" generate --data-dir "$work/search" --records "$records"
start_server "$work/search"
"$bin/tessera-bench" search --server "$url" --clients 8 --requests 400 >/dev/null # warm up
"$bin/tessera-bench" search --server "$url" --clients 8 --requests 8000
echo "server peak memory (VmHWM): $(peak_memory)"
echo "== 3b. pages over $records records, one request at a time"
"$bin/tessera-bench" pages --server "$url"
stop_server

echo "== 4. the audit trail: $audit_entries entries"
"$bin/tessera-bench" audit --data-dir "$work/audit" --entries "$audit_entries"

echo "== 5. the retention scan over $records records"
"$bin/tessera-bench" retention --data-dir "$work/retention" --records "$records"

echo "== 6. OAI-PMH harvests"
"$bin/tessera-bench" generate --data-dir "$work/oai" --records "$records" >/dev/null
start_server "$work/oai"
"$bin/tessera-bench" oai-harvest --server "$url" --data-dir "$work/oai" --change-percent 5 --delete-percent 1
stop_server
rm -rf "$work/oai"
"$bin/tessera-bench" generate --data-dir "$work/oai" --records "$harvest_records" >/dev/null
start_server "$work/oai"
"$bin/tessera-bench" oai-harvest --server "$url" --data-dir "$work/oai"
echo "server peak memory: $(peak_memory)"
stop_server

echo "== 7. a dataset of $records files"
start_server "$work/dataset"
"$bin/tessera" admin create-user bench@example.org --data-dir "$work/dataset" 2>/dev/null
token=$("$bin/tessera" admin create-token bench@example.org --data-dir "$work/dataset" 2>/dev/null)
"$bin/tessera-bench" large-dataset --server "$url" --token "$token" --files "$records"
echo "server peak memory: $(peak_memory)"
stop_server

echo "== 8. rebuilding the search index of $harvest_records records"
/usr/bin/time -f "tessera reindex: %e s wall, %U s user, %S s system, peak RSS %M KB (the catalogue's 1 GB memory map included)" \
  "$bin/tessera" reindex --data-dir "$work/oai" 2>&1 | grep -v INFO
jobs_interval=1 start_server "$work/oai" # the rebuild starts within a second of being asked for
"$bin/tessera" admin create-user admin@example.org --admin --data-dir "$work/oai" 2>/dev/null
token=$("$bin/tessera" admin create-token admin@example.org --scopes read,deposit,admin --data-dir "$work/oai" 2>/dev/null)
"$bin/tessera-bench" reindex-live --server "$url" --token "$token"
echo "server peak memory: $(peak_memory)"
stop_server
