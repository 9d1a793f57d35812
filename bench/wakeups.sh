#!/usr/bin/env bash
# Wake-ups of a trapped accept (issue 12): who wakes whom, per request, and how many of those
# wake-ups land on the waker's own CPU, while wrk (-t1 -c32, a new connection per request) drives
# test/fixtures/go_server bare (systemd-socket-activate) and under `wrap --listen 127.0.0.1:0
# --filter httpready` (the seccomp launcher), from the scheduler's sched_waking and sched_wakeup
# events (`perf record -a` for SAMPLE_S seconds in the middle of the run); then what one wake-up
# costs here: `perf bench sched pipe` with both ends on CPU 0 (taskset) and free to use every CPU.
# One JSON line per variant (WAKEUP_VARIANTS, default "bare httpready") and one for the pipe, to
# $RESULTS/wakeups.jsonl.
source "$(dirname "$0")/lib.sh"
need wrk:wrk perf:linux-perf go:golang-go systemd-socket-activate:systemd
OUT=$RESULTS/wakeups.jsonl; : >"$OUT"
SAMPLE_S=${SAMPLE_S:-1}
GO_SERVER=$(build_go_server) || { log "the Go server did not build"; exit 1; }

for variant in ${WAKEUP_VARIANTS:-bare httpready}; do
  PORT=$(free_port)
  case $variant in
    bare) spawn go systemd-socket-activate -l "127.0.0.1:$PORT" "$GO_SERVER" ;;
    httpready)
      spawn wrap "${CLI[@]}" wrap --listen 127.0.0.1:0 --filter httpready --timeout "$PARK_S" --on-timeout drop -- "$GO_SERVER"
      PORT=$(wrapped_port wrap) ;;
  esac
  wait_listen "$PORT"
  curl -s -m 5 -o /dev/null "http://127.0.0.1:$PORT/warm-up" || log "warm-up request failed on $variant"
  wrk_json -t1 -c32 -d"$((SAMPLE_S + 2))s" --timeout 5s -H 'Connection: close' "http://127.0.0.1:$PORT/" >"$WORK/wrk.json" &
  sleep 1
  perf record -q -a -e sched:sched_waking,sched:sched_wakeup -o "$WORK/sched.data" -- sleep "$SAMPLE_S" >/dev/null 2>&1
  wait
  perf script -i "$WORK/sched.data" -F comm,cpu,event,trace 2>/dev/null | python3 -c '
import collections, json, re, sys
variant, sample_s, figures = sys.argv[1], float(sys.argv[2]), json.loads(open(sys.argv[3]).read())
requests = figures["rps"] * sample_s
if not requests:
    sys.exit(f"wakeups: wrk served nothing against {variant}: {figures}")
waking, total, local = {}, collections.Counter(), collections.Counter()
for line in sys.stdin:
    m = re.match(r"\s*(.+?)\s+\[(\d+)\]\s+sched:(sched_waking|sched_wakeup):\s+comm=(\S+) pid=(\d+) .*target_cpu=(\d+)", line)
    if not m:
        continue
    waker, cpu, event, wakee, pid, target = m.groups()
    if event == "sched_waking":
        waking[pid] = (waker, int(cpu))
    elif pid in waking:
        waker, cpu = waking.pop(pid)
        key = f"{waker} -> {wakee}"
        total[key] += 1
        local[key] += cpu == int(target)
top = [k for k, n in total.most_common() if n >= requests * 0.02]
print(json.dumps({"scenario": "wakeups", "variant": variant, "rps": figures["rps"], "sample_s": sample_s,
    "per_request": {k: round(total[k] / requests, 3) for k in top},
    "same_cpu_share": {k: round(local[k] / total[k], 3) for k in top}}))
' "$variant" "$SAMPLE_S" "$WORK/wrk.json" | tee -a "$OUT"
  stop_all
done

pipe() {
  local us
  us=$("$@" perf bench sched pipe -l 100000 2>&1 | awk '/usecs\/op/ {print $1}')
  [[ -n $us ]] || { log "perf bench sched pipe gave no figure"; exit 1; }
  echo "$us"
}
one_cpu=$(pipe taskset -c 0); any_cpu=$(pipe)
node -e 'console.log(JSON.stringify({scenario: "pipe", us_per_round_trip_one_cpu: +process.argv[1], us_per_round_trip_any_cpu: +process.argv[2]}))' \
  "$one_cpu" "$any_cpu" | tee -a "$OUT"
