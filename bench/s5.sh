#!/usr/bin/env bash
# S5 system calls per request: strace -c -f attached to the serving process (after start-up, so
# only requests count) while COUNT requests arrive, each in three segments. Two servers: the
# demo's pool server (1 worker: blocking accept, read, send, close) and gunicorn sync -w 1; bare
# against defer-accept httpready.
source "$(dirname "$0")/lib.sh"
need strace:strace gunicorn:gunicorn
OUT=$RESULTS/S5.jsonl; : >"$OUT"
COUNT=${COUNT:-200}
POOL=(python3 "$ROOT/src/demo/pool_server.py" 1 300)
GUNICORN1=(gunicorn -k sync -w 1 --chdir "$BENCH" --log-level warning app:app)

# The process that serves: the pool server's own pid, or gunicorn's worker (the master's child).
serving_pid() {
  local p
  if [[ $1 == pool ]]; then sed -n 's/^ready [0-9]* \([0-9]*\)$/\1/p' "$WORK/server.log" | head -1; return; fi
  local parent
  for p in $(descendants "${ROOTS[@]}"); do
    parent=$(tr '\0' ' ' <"/proc/$(awk '{print $4}' "/proc/$p/stat")/cmdline")
    # The wrapper's own arguments name gunicorn too: the master is the gunicorn that is no wrapper.
    [[ $(tr '\0' ' ' <"/proc/$p/cmdline") == *gunicorn* && $parent == *gunicorn* && $parent != *run.js* ]] && { echo "$p"; return; }
  done
}

for server in pool gunicorn; do
  for variant in bare httpready; do
    if [[ $server == pool ]]; then cmd=("${POOL[@]}"); else cmd=("${GUNICORN1[@]}"); fi
    if [[ $variant == bare ]]; then
      if [[ $server == pool ]]; then
        spawn server "${cmd[@]}"
        for i in $(seq 100); do grep -q '^ready' "$WORK/server.log" && break; sleep 0.1; done
        PORT=$(awk '/^ready/ {print $2}' "$WORK/server.log")
      else
        PORT=$(free_port); spawn server "${cmd[@]}" -b "127.0.0.1:$PORT"
      fi
    else
      spawn server "${CLI[@]}" wrap --listen 127.0.0.1:0 --filter httpready --timeout "$PARK_S" -- "${cmd[@]}"
      PORT=$(wrapped_port server)
    fi
    wait_listen "$PORT"
    [[ $server == pool ]] && for i in $(seq 100); do grep -q '^ready' "$WORK/server.log" && break; sleep 0.1; done
    sleep 1
    pid=$(serving_pid "$server")
    strace -c -f -p "$pid" -o "$WORK/strace.txt" &
    tracer=$!
    sleep 1  # strace attaches
    served=$(python3 "$BENCH/segments.py" "$COUNT" "$PORT")
    kill -INT "$tracer"; wait "$tracer" || true
    line=$(node -e '
      const [text, server, variant, count, served] = process.argv.slice(1)
      const calls = {}
      for (const row of text.split("\n")) {
        const f = row.trim().split(/\s+/)
        if (f.length < 5 || !/^\d/.test(f[0]) || f[f.length - 1] === "total") continue
        const errors = f.length === 6 ? +f[4] : 0
        calls[f[f.length - 1]] = {per_request: +(+f[3] / +count).toFixed(3), errors_per_request: +(errors / +count).toFixed(3)}
      }
      console.log(JSON.stringify({scenario: "S5", server, variant, requests: +count, answered: +served, syscalls: calls}))
    ' "$(cat "$WORK/strace.txt")" "$server" "$variant" "$COUNT" "$served")
    echo "$line" >>"$OUT"; log "$line"
    stop_all
  done
done
