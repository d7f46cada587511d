#!/usr/bin/env bash
# Runs Tessera beside the tools a user would otherwise use, on the same bytes, and prints each
# ratio for docs/performance.md:
#   1. a folder of 1,000 small files and one 500 MB file: `openssl dgst -sha512` of each file
#      (the hashing floor, one core), ocfl-py and rocfl building an OCFL object from it, and `tessera
#      deposit --publish` sending it over HTTP into a server that stores it durably with SHA-512;
#   2. 5,000 small files, the same way;
#   3. fixity: ocfl-py and rocfl validating their objects, `tessera verify` over the server's storage.
# It installs its peers: ocfl-py into a venv of its own, rocfl with `cargo install` (without S3).
# Usage: bench/peers.sh [LARGE_BYTES]   (the large file's size; default 500000000)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/tessera-target}
tools=$HOME/.cache/tessera-bench-tools
venv=$tools/venv
[ -x "$venv/bin/ocfl-object.py" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install --quiet ocfl-py==2.1.0; }
[ -x "$tools/bin/rocfl" ] || cargo install --quiet rocfl --version 1.7.0 --no-default-features --root "$tools"
cargo build --release --quiet -p tessera
bin=$CARGO_TARGET_DIR/release
work=$(mktemp -d /tmp/tessera-peers.XXXXXX)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
port=18182
url=http://127.0.0.1:$port

# Seconds of wall time `$@` takes, its output dropped.
seconds() { /usr/bin/time -f %e "$@" 2>&1 >/dev/null | tail -1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN {printf "%.0f", n / s}'; }

start_server() {
  "$bin/tessera" serve --data-dir "$work/tessera" --bind 127.0.0.1:$port >"$work/tessera.log" 2>&1 &
  server=$!
  for _ in $(seq 100); do curl -sf "$url/health" >/dev/null && return; sleep 0.1; done
  echo "the server did not start:"; cat "$work/tessera.log"; exit 1
}

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r); $(date -u +%Y-%m-%d)"
echo "peers: $("$venv/bin/pip" show ocfl-py | awk '/^Version/ {print "ocfl-py " $2}'), $("$tools/bin/rocfl" --version), $(openssl version | cut -d' ' -f1-2)"
start_server
"$bin/tessera" admin create-user bench@example.org --data-dir "$work/tessera" >/dev/null 2>&1
export TESSERA_TOKEN=$("$bin/tessera" admin create-token bench@example.org --data-dir "$work/tessera" 2>/dev/null)
echo '{"resource_type": {"id": "dataset"}, "title": "Peers", "publication_date": "2026", "creators": [{"person_or_org": {"type": "personal", "family_name": "Bench", "given_name": "Mark"}}]}' >"$work/metadata.json"

# One workload over folder $1 ($2 describes it): each tool's time and its ratio to Tessera's.
side_by_side() {
  local folder=$1 what=$2 files bytes mb floor ocflpy rocfl tessera
  files=$(find "$folder" -type f | wc -l)
  bytes=$(du -sb "$folder" | cut -f1)
  mb=$(awk -v b="$bytes" 'BEGIN {printf "%.1f", b / 1e6}')
  sync
  floor=$(seconds sh -c "find '$folder' -type f -print0 | xargs -0 openssl dgst -sha512")
  ocflpy=$(seconds "$venv/bin/ocfl-object.py" create --id "urn:peer:$RANDOM" --srcdir "$folder" --objdir "$work/ocfl-py-$RANDOM" --digest sha512 --quiet)
  local root="$work/rocfl-$RANDOM"
  "$tools/bin/rocfl" -r "$root" init >/dev/null
  rocfl=$(seconds sh -c "'$tools/bin/rocfl' -r '$root' new urn:peer:1 && '$tools/bin/rocfl' -r '$root' cp -r urn:peer:1 '$folder'/* -- / && '$tools/bin/rocfl' -r '$root' commit urn:peer:1")
  tessera=$(seconds "$bin/tessera" deposit --metadata "$work/metadata.json" --publish --server "$url" "$folder")
  echo "$what: $files files, $mb MB"
  echo "  openssl dgst -sha512 of every file: $floor s = $(rate "$mb" "$floor") MB/s"
  echo "  ocfl-py create:                      $ocflpy s = $(rate "$mb" "$ocflpy") MB/s, $(rate "$files" "$ocflpy") files/s"
  echo "  rocfl new + cp + commit:             $rocfl s = $(rate "$mb" "$rocfl") MB/s, $(rate "$files" "$rocfl") files/s"
  echo "  tessera deposit --publish over HTTP: $tessera s = $(rate "$mb" "$tessera") MB/s, $(rate "$files" "$tessera") files/s"
  echo "  Tessera against ocfl-py $(ratio "$ocflpy" "$tessera")x, against rocfl $(ratio "$rocfl" "$tessera")x, against openssl $(ratio "$floor" "$tessera")x"
}

echo "== 1. a folder of 1,000 small files and one large file"
mkdir -p "$work/mixed/small"
head -c "${1:-500000000}" /dev/urandom >"$work/mixed/large.bin"
for i in $(seq 1000); do head -c $((20000 + i * 17)) /dev/urandom >"$work/mixed/small/$i.dat"; done
side_by_side "$work/mixed" "mixed folder"

echo "== 2. 5,000 small files"
mkdir -p "$work/small"
for d in $(seq 50); do
  mkdir -p "$work/small/$d"
  for i in $(seq 100); do printf 'station,%d,%d\n' "$d" "$i" >"$work/small/$d/$i.csv"; done
done
side_by_side "$work/small" "5,000 small files"

echo "== 3. fixity: validating every object"
kill -TERM "$server"; wait "$server" || true
store=$(du -sb "$work/tessera/ocfl" | cut -f1)
mb=$(awk -v b="$store" 'BEGIN {printf "%.1f", b / 1e6}')
t=$(seconds "$bin/tessera" verify --data-dir "$work/tessera")
echo "  tessera verify:          $t s over $mb MB = $(rate "$mb" "$t") MB/s"
for object in "$work"/ocfl-py-*; do
  t=$(seconds "$venv/bin/ocfl-validate.py" -q "$object")
  echo "  ocfl-validate.py $(basename "$object"): $t s over $(du -sm "$object" | cut -f1) MB"
done
for root in "$work"/rocfl-*; do
  t=$(seconds "$tools/bin/rocfl" -r "$root" validate)
  echo "  rocfl validate $(basename "$root"):     $t s over $(du -sm "$root" | cut -f1) MB"
done
