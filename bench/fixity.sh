#!/usr/bin/env bash
# Fixity checks side by side: `tessera verify` against `openssl dgst -sha512` over the same
# stored files, on three storage roots deposited through a running server:
#   1. one dataset: a LARGE_BYTES file and 1,000 files of 20–37 KB (as bench/peers.sh makes);
#   2. 400 datasets of three 400 KB files each;
#   3. OBJECTS datasets of two small files each.
# Each round times `tessera verify`, openssl in one process and openssl in two (`xargs -P2`),
# back to back, and prints the ratio of verify's time to one openssl process's.
# Usage: bench/fixity.sh [LARGE_BYTES] [OBJECTS] [ROUNDS]   (defaults 500000000, 3000, 5)
set -euo pipefail
cd "$(dirname "$0")/.."
large=${1:-500000000}
objects=${2:-3000}
rounds=${3:-5}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/tessera-target}
cargo build --release --quiet -p tessera
tessera=$CARGO_TARGET_DIR/release/tessera
work=$(mktemp -d /tmp/tessera-fixity.XXXXXX)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
server=
port=18183
url=http://127.0.0.1:$port
echo '{"resource_type": {"id": "dataset"}, "title": "Fixity", "publication_date": "2026", "creators": [{"person_or_org": {"type": "personal", "family_name": "Bench", "given_name": "Mark"}}]}' >"$work/metadata.json"

# Deposits folder $2 as a new dataset $3 times into the storage root $1, each time with one
# file grown a little, so that no two datasets hold the same bytes.
deposit_into() {
  local root=$1 folder=$2 times=$3 token
  "$tessera" serve --data-dir "$root" --bind 127.0.0.1:$port >"$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 100); do curl -sf "$url/health" >/dev/null && break; sleep 0.1; done
  "$tessera" admin create-user bench@example.org --data-dir "$root" >/dev/null 2>&1
  token=$("$tessera" admin create-token bench@example.org --data-dir "$root" 2>/dev/null)
  local grown
  grown=$(find "$folder" -type f -print -quit)
  for i in $(seq "$times"); do
    [ "$times" -gt 1 ] && head -c 64 /dev/urandom >>"$grown"
    TESSERA_TOKEN=$token "$tessera" deposit --metadata "$work/metadata.json" --publish --server "$url" "$folder" >/dev/null 2>"$work/deposit.log" ||
      { cat "$work/deposit.log"; exit 1; }
    [ $((i % 500)) -eq 0 ] && echo "  $i of $times deposited"
  done
  kill -TERM "$server"; wait "$server" || true
  server=
}

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r); $(date -u +%Y-%m-%d); $(openssl version | cut -d' ' -f1-2)"
echo "== making the storage roots"
mkdir -p "$work/one/small" "$work/three" "$work/two"
head -c "$large" /dev/urandom >"$work/one/large.bin"
for i in $(seq 1000); do head -c $((20000 + i * 17)) /dev/urandom >"$work/one/small/$i.dat"; done
deposit_into "$work/root-one" "$work/one" 1
for i in 1 2 3; do head -c 400000 /dev/urandom >"$work/three/$i.bin"; done
deposit_into "$work/root-three" "$work/three" 400
head -c 30000 /dev/urandom >"$work/two/a.dat"
head -c 8000 /dev/urandom >"$work/two/b.csv"
deposit_into "$work/root-two" "$work/two" "$objects"

seconds() { /usr/bin/time -f %e "$@" 2>&1 >/dev/null | tail -1; }
for root in one three two; do
  stored=$(du -sb "$work/root-$root/ocfl" | cut -f1)
  files=$(find "$work/root-$root/ocfl" -type f | wc -l)
  echo "== root '$root': $(awk -v b="$stored" 'BEGIN {printf "%.1f", b / 1e6}') MB in $files stored files"
  # Large uploads are written past the page cache: read them in, so every round hashes from memory.
  find "$work/root-$root/ocfl" -type f -print0 | xargs -0 cat >/dev/null
  for round in $(seq "$rounds"); do
    verify=$(seconds "$tessera" verify --data-dir "$work/root-$root")
    one=$(seconds sh -c "find '$work/root-$root/ocfl' -type f -print0 | xargs -0 openssl dgst -sha512")
    two=$(seconds sh -c "find '$work/root-$root/ocfl' -type f -print0 | xargs -0 -P2 -n 64 openssl dgst -sha512")
    echo "  round $round: tessera verify $verify s, openssl $one s, openssl in two processes $two s: $(awk -v a="$one" -v b="$verify" 'BEGIN {printf "%.2f", a / b}')x one openssl"
  done
done
