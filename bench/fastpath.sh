#!/usr/bin/env bash
# Fast path: system calls per connection, counted by strace -c -f, over COUNT connections whose
# request is whole in its first segment (bench/requests.py, Connection: close), CONCURRENCY at a
# time. nginx's one worker bare, with the kernel's deferral (`listen ... deferred`) and under
# `wrap --filter PORT=httpready` (bind mode; data plane v2: the chain runs in the worker's own
# accept), side by side in each of REPEAT runs; the engine (da-engine) is traced too.
# Goal (issue 9): the server makes bare's calls less the read that returns EAGAIN, plus the one
# peek (recvfrom MSG_PEEK); the engine makes none at all for a connection that is ready.
source "$(dirname "$0")/lib.sh"
need strace:strace nginx:nginx
OUT=$RESULTS/fastpath.jsonl; : >"$OUT"
COUNT=${COUNT:-5000}
REPEAT=${REPEAT:-3}
CONCURRENCY=(${CONCURRENCY:-1 8})

# trace NAME PID: strace -c -f attached to PID, summary in $WORK/NAME.strace; sets TRACER.
trace() {
  local i
  spawn "trace-$1" strace -c -f -o "$WORK/$1.strace" -p "$2"
  TRACER=$SPAWNED
  for i in $(seq 50); do
    grep -q attached "$WORK/trace-$1.log" 2>/dev/null && return 0
    sleep 0.1
  done
  log "strace did not attach to $2: $(cat "$WORK/trace-$1.log")"; return 1
}

# untrace PID...: detach the tracers (SIGINT: strace writes its summary) and wait for them.
untrace() {
  local i
  kill -INT "$@" 2>/dev/null || true
  for i in $(seq 100); do
    kill -0 "$@" 2>/dev/null || return 0
    sleep 0.1
  done
  log "strace $* still running"; return 1
}

# calls NAME: strace's summary as JSON {syscall: {calls, errors}}.
calls() {
  awk '$NF != "total" && $4 ~ /^[0-9]+$/ {
         printf "%s\"%s\":{\"calls\":%d,\"errors\":%d}", n++ ? "," : "{", $NF, $4, NF == 6 ? $5 : 0
       } END { print n ? "}" : "{}" }' "$WORK/$1.strace"
}

# worker_pid: nginx's worker, the nginx whose parent is an nginx.
worker_pid() {
  local p parent
  for p in $(named nginx "${ROOTS[@]}"); do
    parent=$(ps -o ppid= -p "$p" | tr -d ' ')
    [[ $(cat "/proc/$parent/comm" 2>/dev/null) == nginx ]] && { echo "$p"; return 0; }
  done
  log "no nginx worker"; return 1
}

for run in $(seq "$REPEAT"); do
  for variant in ${FASTPATH_VARIANTS:-bare kernel httpready httpready-deferred}; do
    start_target nginx "$variant"
    python3 "$BENCH/requests.py" 200 "$PORT" 4 >/dev/null  # warm up: workers, caches, the preload's mode
    server=$(worker_pid)
    engine=$(named da-engine "${ROOTS[@]}")
    for concurrency in "${CONCURRENCY[@]}"; do
      tracers=()
      trace server "$server"; tracers+=("$TRACER")
      [[ -n $engine ]] && { trace engine "$engine"; tracers+=("$TRACER"); }
      client=$(python3 "$BENCH/requests.py" "$COUNT" "$PORT" "$concurrency")
      untrace "${tracers[@]}"
      engine_calls='null'; [[ -n $engine ]] && engine_calls=$(calls engine)
      line=$(node -e '
        const [variant, run, concurrency, client, server, engine] = process.argv.slice(1)
        const [, ok, failed] = client.match(/ok (\d+) failed (\d+)/).map(Number)
        const per = calls => {
          if (!calls) return null
          const out = {}
          for (const [name, c] of Object.entries(calls)) {
            out[name] = +(c.calls / ok).toFixed(3)
            if (c.errors) out[`${name} (failed)`] = +(c.errors / ok).toFixed(3)
          }
          out.total = +(Object.values(calls).reduce((s, c) => s + c.calls, 0) / ok).toFixed(3)
          // the call the fast path adds: strace cannot tell a peek from a read by name
          if (calls.recvfrom) out["recvfrom (ok)"] = +((calls.recvfrom.calls - calls.recvfrom.errors) / ok).toFixed(3)
          return out
        }
        const e = JSON.parse(engine)
        console.log(JSON.stringify({scenario: "fastpath", backend: "nginx", variant, run: +run,
          concurrency: +concurrency, connections: ok, failed,
          engine_calls_total: e ? Object.values(e).reduce((s, c) => s + c.calls, 0) : null,
          engine_per_connection: per(e), server_per_connection: per(JSON.parse(server)),
          engine_calls: e, server_calls: JSON.parse(server)}))
      ' "$variant" "$run" "$concurrency" "$client" "$(calls server)" "$engine_calls")
      echo "$line" >>"$OUT"; log "$line"
    done
    stop_all
  done
done

# Medians over the runs, per variant and concurrency: the figures RESULTS.md quotes.
node -e '
  const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse)
  const median = xs => { const s = xs.filter(x => x != null).sort((a, b) => a - b); return s.length ? s[(s.length - 1) >> 1] : null }
  const groups = {}
  for (const r of rows) (groups[`${r.variant} c=${r.concurrency}`] ??= []).push(r)
  for (const [key, rs] of Object.entries(groups)) {
    const pick = side => {
      const names = new Set(rs.flatMap(r => Object.keys(r[side] ?? {})))
      return Object.fromEntries([...names].map(n => [n, median(rs.map(r => r[side]?.[n] ?? 0))]))
    }
    console.log(key, "runs", rs.length, "engine", JSON.stringify(rs[0].engine_per_connection && pick("engine_per_connection")),
      "server", JSON.stringify(pick("server_per_connection")))
  }
' "$OUT"
