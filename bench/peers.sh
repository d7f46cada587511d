#!/usr/bin/env bash
# Runs Tessera beside the tools a user would otherwise use, on the same bytes, and prints each
# ratio for docs/performance.md:
#   1. a folder of 1,000 small files and one 500 MB file: `openssl dgst -sha512` of each file
#      (the hashing floor, one core), ocfl-py and rocfl building an OCFL object from it, and `tessera
#      deposit --publish` sending it over HTTP into a server that stores it durably with SHA-512;
#   2. 5,000 small files, the same way;
#      Beside them, bagit making a bag of the same folder with SHA-512;
#   3. fixity, every file read into the page cache first: ocfl-py and rocfl validating their
#      objects, bagit its bags, `tessera verify` over the server's storage;
#   4. downloads: one 1 GiB file, then one 64 KiB file over and over from 16 connections (wrk),
#      from nginx with sendfile and from a Tessera record, through its access check;
#   5. search over SEARCH_RECORDS generated records, a word and two facet filters with facet
#      counts, top 20 as JSON, 8 clients: Tessera's API and datasette over SQLite FTS5.
# It installs its peers: ocfl-py, bagit and datasette into a venv of its own, rocfl with `cargo
# install` (without S3), nginx and wrk from Debian's packages.
# Usage: bench/peers.sh [LARGE_BYTES] [SEARCH_RECORDS]   (defaults 500000000 and 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/settle.sh
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/tessera-target}
tools=$HOME/.cache/tessera-bench-tools
venv=$tools/venv
[ -x "$venv/bin/ocfl-object.py" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install --quiet ocfl-py==2.1.0; }
[ -x "$venv/bin/bagit.py" ] || "$venv/bin/pip" install --quiet bagit==1.9.0
[ -x "$venv/bin/datasette" ] || "$venv/bin/pip" install --quiet datasette==0.65.5
[ -x "$tools/bin/rocfl" ] || cargo install --quiet rocfl --version 1.7.0 --no-default-features --root "$tools"
command -v nginx >/dev/null && command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq nginx-light wrk >/dev/null; }
cargo build --release --quiet -p tessera -p tessera-bench
bin=$CARGO_TARGET_DIR/release
work=$(mktemp -d /tmp/tessera-peers.XXXXXX)
trap 'kill $server $peer 2>/dev/null || true; rm -rf "$work"' EXIT
peer=
port=18182
url=http://127.0.0.1:$port

# Seconds of wall time `$@` takes, its output dropped. What the tool before wrote goes to disk
# first: peers that write without fsync would otherwise leave their writeback to the next.
seconds() { sync; /usr/bin/time -f %e "$@" 2>&1 >/dev/null | tail -1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN {printf "%.0f", n / s}'; }

start_server() {
  "$bin/tessera" serve --data-dir "$work/tessera" --bind 127.0.0.1:$port >"$work/tessera.log" 2>&1 &
  server=$!
  for _ in $(seq 100); do curl -sf "$url/health" >/dev/null && { settle "$server"; return; }; sleep 0.1; done
  echo "the server did not start:"; cat "$work/tessera.log"; exit 1
}

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r); $(date -u +%Y-%m-%d)"
version() { "$venv/bin/pip" show "$1" | awk -v name="$1" '/^Version/ {print name " " $2}'; }
echo "peers: $(version ocfl-py), $("$tools/bin/rocfl" --version), $(version bagit), $(version datasette), $(nginx -v 2>&1 | cut -d' ' -f3), wrk $(wrk -v 2>&1 | awk 'NR==1 {print $2}'), $(openssl version | cut -d' ' -f1-2)"
start_server
"$bin/tessera" admin create-user bench@example.org --data-dir "$work/tessera" >/dev/null 2>&1
export TESSERA_TOKEN=$("$bin/tessera" admin create-token bench@example.org --data-dir "$work/tessera" 2>/dev/null)
echo '{"resource_type": {"id": "dataset"}, "title": "Peers", "publication_date": "2026", "creators": [{"person_or_org": {"type": "personal", "family_name": "Bench", "given_name": "Mark"}}]}' >"$work/metadata.json"

# One workload over folder $1 ($2 describes it): each tool's time and its ratio to Tessera's.
side_by_side() {
  local folder=$1 what=$2 files bytes mb floor ocflpy rocfl bag tessera
  files=$(find "$folder" -type f | wc -l)
  bytes=$(du -sb "$folder" | cut -f1)
  mb=$(awk -v b="$bytes" 'BEGIN {printf "%.1f", b / 1e6}')
  sync
  floor=$(seconds sh -c "find '$folder' -type f -print0 | xargs -0 openssl dgst -sha512")
  ocflpy=$(seconds "$venv/bin/ocfl-object.py" create --id "urn:peer:$RANDOM" --srcdir "$folder" --objdir "$work/ocfl-py-$RANDOM" --digest sha512 --quiet)
  local root="$work/rocfl-$RANDOM"
  "$tools/bin/rocfl" -r "$root" init >/dev/null
  rocfl=$(seconds sh -c "'$tools/bin/rocfl' -r '$root' new urn:peer:1 && '$tools/bin/rocfl' -r '$root' cp -r urn:peer:1 '$folder'/* -- / && '$tools/bin/rocfl' -r '$root' commit urn:peer:1")
  # bagit makes the bag in place, moving the files into data/: it gets linked copies.
  local bagdir="$work/bag-$RANDOM"
  cp -al "$folder" "$bagdir"
  bag=$(seconds "$venv/bin/bagit.py" --quiet --sha512 "$bagdir")
  tessera=$(seconds "$bin/tessera" deposit --metadata "$work/metadata.json" --publish --server "$url" "$folder")
  echo "$what: $files files, $mb MB"
  echo "  openssl dgst -sha512 of every file: $floor s = $(rate "$mb" "$floor") MB/s"
  echo "  ocfl-py create:                      $ocflpy s = $(rate "$mb" "$ocflpy") MB/s, $(rate "$files" "$ocflpy") files/s"
  echo "  rocfl new + cp + commit:             $rocfl s = $(rate "$mb" "$rocfl") MB/s, $(rate "$files" "$rocfl") files/s"
  echo "  bagit.py --sha512 (a bag in place):  $bag s = $(rate "$mb" "$bag") MB/s, $(rate "$files" "$bag") files/s"
  echo "  tessera deposit --publish over HTTP: $tessera s = $(rate "$mb" "$tessera") MB/s, $(rate "$files" "$tessera") files/s"
  echo "  Tessera against ocfl-py $(ratio "$ocflpy" "$tessera")x, against rocfl $(ratio "$rocfl" "$tessera")x, against bagit $(ratio "$bag" "$tessera")x, against openssl $(ratio "$floor" "$tessera")x"
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
# Each tool's files are read into the page cache first: the peers wrote theirs through it, while
# Tessera writes large uploads past it, and this step compares hashing, not the disk.
cached() { find "$1" -type f -print0 | xargs -0 cat >/dev/null; }
store=$(du -sb "$work/tessera/ocfl" | cut -f1)
mb=$(awk -v b="$store" 'BEGIN {printf "%.1f", b / 1e6}')
cached "$work/tessera/ocfl"
t=$(seconds "$bin/tessera" verify --data-dir "$work/tessera")
echo "  tessera verify:          $t s over $mb MB = $(rate "$mb" "$t") MB/s"
for object in "$work"/ocfl-py-*; do
  cached "$object"
  t=$(seconds "$venv/bin/ocfl-validate.py" -q "$object")
  echo "  ocfl-validate.py $(basename "$object"): $t s over $(du -sm "$object" | cut -f1) MB"
done
for root in "$work"/rocfl-*; do
  cached "$root"
  t=$(seconds "$tools/bin/rocfl" -r "$root" validate)
  echo "  rocfl validate $(basename "$root"):     $t s over $(du -sm "$root" | cut -f1) MB"
done
for bagdir in "$work"/bag-*; do
  cached "$bagdir"
  t=$(seconds "$venv/bin/bagit.py" --quiet --validate "$bagdir")
  echo "  bagit.py --validate $(basename "$bagdir"): $t s over $(du -sm "$bagdir" | cut -f1) MB"
done
rm -rf "$work"/ocfl-py-* "$work"/rocfl-* "$work"/bag-* "$work/mixed" "$work/small"

echo "== 4. downloads: nginx with sendfile, and a Tessera record's file through its access check"
mkdir -p "$work/www" "$work/nginx"
chmod 755 "$work" "$work/www" # nginx's workers run as another user
head -c 1073741824 /dev/urandom >"$work/www/large.bin"
head -c 65536 /dev/urandom >"$work/www/small.bin"
cat >"$work/nginx.conf" <<CONF
daemon off;
worker_processes auto;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  client_body_temp_path $work/nginx; proxy_temp_path $work/nginx; fastcgi_temp_path $work/nginx;
  uwsgi_temp_path $work/nginx; scgi_temp_path $work/nginx;
  server { listen 127.0.0.1:18183; root $work/www; }
}
CONF
nginx -c "$work/nginx.conf" -p "$work/nginx" -e "$work/nginx/error.log" &
peer=$!
start_server
for file in large.bin small.bin; do
  "$bin/tessera" deposit --metadata "$work/metadata.json" --publish --server "$url" "$work/www/$file" >"$work/$file.record" 2>"$work/deposit.log" ||
    { echo "depositing $file failed:"; cat "$work/deposit.log"; exit 1; }
done
record_url() { # the record's file's content address, from the landing page address deposit printed
  local id; id=$(sed 's#.*/records/##' "$work/$1.record"); echo "$url/api/records/$id/files/$1/content"
}
best_speed() { # the best of three downloads of $1, in MB/s
  for _ in 1 2 3; do curl -s -o /dev/null -w '%{speed_download}\n' "$1"; done | sort -n | tail -1 | awk '{printf "%.0f", $1 / 1e6}'
}
requests() { wrk -t2 -c16 -d10s "$1" | awk '/Requests\/sec/ {printf "%.0f", $2}'; }
nginx_large=$(best_speed http://127.0.0.1:18183/large.bin)
tessera_large=$(best_speed "$(record_url large.bin)")
nginx_small=$(requests http://127.0.0.1:18183/small.bin)
tessera_small=$(requests "$(record_url small.bin)")
echo "  1 GiB, best of 3 (curl):            nginx $nginx_large MB/s, Tessera $tessera_large MB/s: $(ratio "$tessera_large" "$nginx_large")x"
echo "  64 KiB, 16 connections, 10 s (wrk): nginx $nginx_small requests/s, Tessera $tessera_small requests/s: $(ratio "$tessera_small" "$nginx_small")x"
kill "$peer"; wait "$peer" 2>/dev/null || true
kill -TERM "$server"; wait "$server" || true
rm -rf "$work/www" "$work/tessera"

records=${2:-100000}
echo "== 5. search over $records records: Tessera's API and datasette with SQLite FTS5"
"$bin/tessera-bench" generate --data-dir "$work/tessera" --records "$records" >/dev/null
"$venv/bin/python" bench/datasette-records.py "$work/tessera/catalog.db" "$work/records.db" >/dev/null
# datasette at its fastest for this: an immutable database, no facet suggestions on each page,
# and time enough for every facet to be counted.
"$venv/bin/datasette" serve -i "$work/records.db" --port 18184 --setting suggest_facets off \
  --setting facet_time_limit_ms 20000 --setting sql_time_limit_ms 20000 >"$work/datasette.log" 2>&1 &
peer=$!
start_server
for _ in $(seq 100); do curl -sf http://127.0.0.1:18184/-/versions.json >/dev/null && break; sleep 0.2; done
# Each runs a fifth of its queries first to warm up; datasette answers about a twentieth as many.
search() { # name, queries, then tessera-bench's arguments
  local name=$1 queries=$2; shift 2
  "$bin/tessera-bench" search "$@" --clients 8 --requests $((queries / 5)) >/dev/null
  echo "  $name: $("$bin/tessera-bench" search "$@" --clients 8 --requests "$queries")"
}
search Tessera 4000 --server "$url"
search datasette 400 --server http://127.0.0.1:18184 --datasette
