#!/usr/bin/env bash
# bench/unpack-memory.sh BINDIR [heaptrack]: one stored zip of 100,000 small CSV files uploaded
# into a draft of a fresh server (the `tessera` in BINDIR), then unpacked on the server. Prints
# how long the unpacking took and the server's `RssAnon` before it and at its peak during it
# (read every 20 ms); with `heaptrack`, the server runs under heaptrack, whose file it names.
set -euo pipefail
bindir=$(realpath "$1"); under=${2:-}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
python3 - "$work/bundle.zip" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_STORED) as z:
    for i in range(100000):
        z.writestr(f"data/run-{i // 1000:03}/sample-{i:06}.csv", f"station,reading\n{i},{i * 0.37:.2f}\n{i + 1},{i * 0.41:.2f}\n")
PY
port=$((20000 + RANDOM % 10000)); url=http://127.0.0.1:$port
serve=("$bindir/tessera" serve --data-dir "$work/data" --bind "127.0.0.1:$port")
if [ "$under" = heaptrack ]; then
  heaptrack -o "$PWD/unpack-memory" "${serve[@]}" > "$work/server.log" 2>&1 &
else
  "${serve[@]}" > "$work/server.log" 2>&1 &
fi
for _ in $(seq 600); do curl -sf "$url/health" > /dev/null && break; sleep 0.1; done
pid=$(pgrep -f "tessera serve --data-dir $work/data" | while read -r p; do grep -q '^Name:.*tessera' "/proc/$p/status" && echo "$p"; done | tail -1)
"$bindir/tessera" admin create-user bench@example.org --data-dir "$work/data" > /dev/null 2>&1
auth="Authorization: Bearer $("$bindir/tessera" admin create-token bench@example.org --data-dir "$work/data" 2>/dev/null)"
id=$(curl -sf -H "$auth" -H 'Content-Type: application/json' -d '{"metadata": {"title": "Unpacked"}}' "$url/api/records" | python3 -c 'import sys, json; print(json.load(sys.stdin)["id"])')
files=$url/api/records/$id/draft/files
curl -sf -H "$auth" -H 'Content-Type: application/json' -d '[{"key": "bundle.zip"}]' "$files" > /dev/null
curl -sf -H "$auth" -X PUT -H 'Content-Type: application/octet-stream' --data-binary "@$work/bundle.zip" "$files/bundle.zip/content" > /dev/null
curl -sf -H "$auth" -X POST "$files/bundle.zip/commit" > /dev/null
before=$(awk '/RssAnon/{print $2}' "/proc/$pid/status")
( peak=0; while kill -0 "$pid" 2> /dev/null; do
    v=$(awk '/RssAnon/{print $2}' "/proc/$pid/status" 2> /dev/null || true)
    if [ -n "$v" ] && [ "$v" -gt "$peak" ]; then peak=$v; echo "$peak" > "$work/peak"; fi
    sleep 0.02
  done ) &
start=$(date +%s.%N)
curl -sf -H "$auth" -X POST "$files/bundle.zip/unpack" > /dev/null
end=$(date +%s.%N)
echo "unpacked 100,000 entries in $(echo "$end - $start" | bc) s; RssAnon $before kB before, at most $(cat "$work/peak") kB during"
kill -TERM "$pid"
for _ in $(seq 300); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
[ "$under" = heaptrack ] && echo "heaptrack's file: $PWD/unpack-memory.zst"
exit 0
