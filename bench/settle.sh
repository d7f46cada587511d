# Sourced by the benchmark scripts.
# A starting server opens its search index and runs the day's retention sweep, work a running
# server has long done: figures are taken once it has used no CPU for half a second.
settle() { # pid
  local before after
  after=$(awk '{print $14 + $15}' "/proc/$1/stat")
  for _ in $(seq 600); do
    sleep 0.5
    before=$after; after=$(awk '{print $14 + $15}' "/proc/$1/stat")
    [ $((after - before)) -le 1 ] && return
  done
}
