#!/usr/bin/env bash
# S4 scale: SIZES (10,000 then 50,000) parked idle-after-first-byte connections (bench/park.py:
# "G" and then nothing) against `wrap --listen 127.0.0.1:0 --filter httpready --timeout 300` in
# front of gunicorn sync -w 4.
# Figures at each size: the engine's memory above its base per parked connection (VmRSS; and
# the kernel's: its epoll entries from /proc/slabinfo, all slab from /proc/meminfo, which also
# holds both ends' sockets and whatever else runs on the machine), the engine's CPU to park
# them, and good clients' p50/p99 (wrk -t1 -c8 -d5s, a new connection per request, through the
# engine) alone, with the parked connections, and alone again after they left: side by side in
# each of REPEAT runs. Goals (issue 3): at most 256 bytes of engine memory per parked
# connection; good clients' p99 within 10% of no parked connections.
source "$(dirname "$0")/lib.sh"
need wrk:wrk gunicorn:gunicorn
OUT=$RESULTS/S4.jsonl; : >"$OUT"
SIZES=(${SIZES:-10000 50000})
REPEAT=${REPEAT:-3}
DURATION=${DURATION:-5}
PER_ADDRESS=10000  # clients per loopback source address, well inside its ~28,000 ports
PARK_S=300         # lib.sh's head timeout, here the engine's --timeout: nothing expires in a run
# 50,000 parked descriptors in the engine need more than a usual hard limit: raised for this
# shell, so for the wrapper and the engine it starts, where the shell may (CAP_SYS_RESOURCE).
# Where it may not, a size the engine's limit cannot hold is measured at the most it can
# (its limit less SPARE_FDS) and recorded as such.
SPARE_FDS=500
if ! { ulimit -Hn 1048576 && ulimit -n 1048576; } 2>/dev/null; then
  log "cannot raise RLIMIT_NOFILE above $(ulimit -Hn): sizes above $(( $(ulimit -Hn) - SPARE_FDS )) are measured at that"
fi

good() { wrk_json -t1 -c8 -d"${DURATION}s" --timeout 2s -H 'Connection: close' "http://127.0.0.1:$PORT/"; }

# parked: connections the engine has parked now, from its control socket.
parked() {
  "$ROOT/native/build/da-engine" --stats "$CONTROL" |
    python3 -c 'import json, sys; print(sum(l["parked"] for l in json.load(sys.stdin)["listeners"]))'
}

# snapshot: the engine's memory, epoll watches and CPU, and the kernel's slab, now, as JSON.
snapshot() {
  local rss slab epi watches
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$ENGINE/status")
  watches=$(grep -c '^tfd:' "/proc/$ENGINE/fdinfo/$EPOLL_FD")
  slab=$(awk '/^Slab:/ {print $2}' /proc/meminfo)
  epi=$(awk '$1 == "eventpoll_epi" {print $2 * $4}' /proc/slabinfo)  # objects * object size
  echo "{\"rss_kb\":$rss,\"slab_kb\":$slab,\"epoll_slab_bytes\":${epi:-null},\"epoll_watches\":$watches,\"engine_ticks\":$(cpu_ticks "$ENGINE")}"
}

# hold N: N more parked clients, PER_ADDRESS per client process (its descriptors) and per
# loopback source address (its ports), on addresses after the ones in use; waits until the
# engine has parked them all (at most 120 s). Sets HELD to the clients' own last reports.
hold() {
  local n=$1 want i take
  want=$(( $(parked) + n ))
  while ((n > 0)); do
    take=$(( n < PER_ADDRESS ? n : PER_ADDRESS ))
    spawn "park-${#clients[@]}" python3 "$BENCH/park.py" "$take" "$PORT" "$next_address" 1
    clients+=("$SPAWNED")
    next_address=$((next_address + 1)); n=$((n - take))
  done
  for i in $(seq 240); do
    (( $(parked) >= want )) && break
    sleep 0.5
  done
  sleep 1  # one more report from the clients
  HELD=$(for i in $(seq 0 $((${#clients[@]} - 1))); do tail -1 "$WORK/park-$i.log"; done |
    awk '{h += $2; f += $4; c += $6} END {print "held", h, "failed", f, "closed", c}')
}

for run in $(seq "$REPEAT"); do
  start_target gunicorn httpready
  ENGINE=$(named da-engine "${ROOTS[@]}")
  # The control socket's path: the engine's one UNIX socket with a name.
  CONTROL=$(readlink /proc/"$ENGINE"/fd/* | sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p' |
    awk 'NR == FNR {mine[$1]; next} ($7 in mine) && NF >= 8 {print $8}' - /proc/net/unix | awk 'NR == 1')
  EPOLL_FD=$(find "/proc/$ENGINE/fd" -lname '*eventpoll*' -printf '%f\n' | awk 'NR == 1')
  nofile=$(awk '/^Max open files/ {print $4}' "/proc/$ENGINE/limits")
  most=$((nofile - SPARE_FDS))
  good >/dev/null  # warm up: gunicorn's workers, the first connections
  before=$(cpu_ticks "$ENGINE"); alone=$(good); alone_ticks=$(( $(cpu_ticks "$ENGINE") - before ))
  base=$(snapshot)
  levels=()
  total=0; clients=(); next_address=2
  for asked in "${SIZES[@]}"; do
    size=$(( asked < most ? asked : most ))
    ((size > total)) || continue
    hold $((size - total)); total=$size
    memory=$(snapshot)
    count=$(parked)
    before=$(cpu_ticks "$ENGINE"); loaded=$(good); loaded_ticks=$(( $(cpu_ticks "$ENGINE") - before ))
    levels+=("{\"size\":$size,\"asked\":$asked,\"parked\":$count,\"clients\":\"$HELD\",\"memory\":$memory,\"good\":$loaded,\"engine_ticks_good\":$loaded_ticks}")
    log "parked $count ($HELD): $memory $loaded"
  done
  kill -TERM "${clients[@]}" 2>/dev/null || true
  for i in $(seq 60); do (( $(parked) == 0 )) && break; sleep 0.5; done
  before=$(cpu_ticks "$ENGINE"); after=$(good); after_ticks=$(( $(cpu_ticks "$ENGINE") - before ))
  line=$(IFS=,; node -e '
    const [run, nofile, hz, alone, aloneTicks, after, afterTicks, base, levels] = process.argv.slice(1)
    const b = JSON.parse(base), a = JSON.parse(alone), z = JSON.parse(after)
    const rows = JSON.parse(levels).map(l => {
      const n = l.parked, m = l.memory
      return {...l,
        engine_rss_bytes_per_conn: +((m.rss_kb - b.rss_kb) * 1024 / n).toFixed(1),
        epoll_watches_added: m.epoll_watches - b.epoll_watches,
        epoll_slab_bytes_per_conn: m.epoll_slab_bytes == null ? null : +((m.epoll_slab_bytes - b.epoll_slab_bytes) / n).toFixed(1),
        all_slab_bytes_per_conn: +((m.slab_kb - b.slab_kb) * 1024 / n).toFixed(1),
        engine_cpu_s_to_park: +((m.engine_ticks - b.engine_ticks) / hz).toFixed(2),
        engine_cpu_s_good: l.engine_ticks_good / hz,
        p99_vs_alone: a.p99_ms ? +(l.good.p99_ms / a.p99_ms).toFixed(3) : null,
        p50_vs_alone: a.p50_ms ? +(l.good.p50_ms / a.p50_ms).toFixed(3) : null,
        p99_vs_after: z.p99_ms ? +(l.good.p99_ms / z.p99_ms).toFixed(3) : null}
    })
    console.log(JSON.stringify({scenario: "S4", backend: "gunicorn", variant: "httpready", run: +run,
      engine_nofile: +nofile || nofile, base: b, alone: {...a, engine_cpu_s: aloneTicks / hz},
      levels: rows, after: {...z, engine_cpu_s: afterTicks / hz}}))
  ' "$run" "$nofile" "$TICKS" "$alone" "$alone_ticks" "$after" "$after_ticks" "$base" "[${levels[*]}]")
  echo "$line" >>"$OUT"; log "$line"
  stop_all
done

# Medians over the runs at each size: the figures RESULTS.md quotes.
node -e '
  const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse)
  const median = xs => { const s = xs.filter(x => x != null).sort((a, b) => a - b); return s.length ? s[(s.length - 1) >> 1] : null }
  console.log("alone", JSON.stringify({p50_ms: median(rows.map(r => r.alone.p50_ms)), p99_ms: median(rows.map(r => r.alone.p99_ms)), rps: median(rows.map(r => r.alone.rps))}),
    "after", JSON.stringify({p50_ms: median(rows.map(r => r.after.p50_ms)), p99_ms: median(rows.map(r => r.after.p99_ms)), rps: median(rows.map(r => r.after.rps))}))
  for (const size of [...new Set(rows.flatMap(r => r.levels.map(l => l.size)))]) {
    const ls = rows.map(r => r.levels.find(l => l.size === size)).filter(Boolean)
    const m = key => median(ls.map(key))
    console.log(size, JSON.stringify({runs: ls.length, parked: m(l => l.parked), rss_b: m(l => l.engine_rss_bytes_per_conn),
      epoll_b: m(l => l.epoll_slab_bytes_per_conn), slab_b: m(l => l.all_slab_bytes_per_conn), cpu_park_s: m(l => l.engine_cpu_s_to_park),
      p50_ms: m(l => l.good.p50_ms), p99_ms: m(l => l.good.p99_ms), rps: m(l => l.good.rps), p99_vs_alone: m(l => l.p99_vs_alone), p99_vs_after: m(l => l.p99_vs_after)}))
  }
' "$OUT"
