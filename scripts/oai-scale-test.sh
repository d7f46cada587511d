#!/usr/bin/env bash
# The OAI-PMH scale test the standards issue asks for: a full ListRecords harvest of RECORDS
# generated records (default 100,000) while 5% are revised and 1% taken down mid-harvest must
# end with exactly the catalogue's records, each once in its final state. Release binaries,
# since generating the records in a debug build would take most of CI's time. Exits non-zero
# when the harvest is not exact (tessera-bench says which records differ).
set -euo pipefail
cd "$(dirname "$0")/.."
records=${1:-100000}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/tessera-target}
cargo build --release --quiet -p tessera -p tessera-bench
bin=$CARGO_TARGET_DIR/release
work=$(mktemp -d /tmp/tessera-oai-scale.XXXXXX)
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url=http://127.0.0.1:$port

"$bin/tessera-bench" generate --data-dir "$work/oai" --records "$records" >/dev/null
"$bin/tessera" serve --data-dir "$work/oai" --bind "127.0.0.1:$port" >"$work/server.log" 2>&1 &
server=$!
healthy() { python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$url/health" 2>/dev/null; }
for _ in $(seq 300); do healthy && break; sleep 0.1; done
healthy || { echo "the server did not start:"; cat "$work/server.log"; exit 1; }
"$bin/tessera-bench" oai-harvest --server "$url" --data-dir "$work/oai" --change-percent 5 --delete-percent 1
