#!/usr/bin/env bash
# S1 good traffic: wrk with a new connection per request and with keep-alive, against nginx and
# gunicorn sync -w 4, in every variant. Figures: requests/s, p50/p99, and CPU seconds of every
# process of the variant (server, engine, wrapper, proxy; not wrk) per 1,000 requests.
# REPEAT rounds, each over every variant in turn, so that a disturbance of the shared machine
# falls on all variants alike; tables and plots take the median of the rounds.
source "$(dirname "$0")/lib.sh"
need wrk:wrk nginx:nginx gunicorn:gunicorn haproxy:haproxy
OUT=$RESULTS/S1.jsonl; : >"$OUT"
DURATION=${DURATION:-5}
REPEAT=${REPEAT:-3}

for round in $(seq "$REPEAT"); do
  for backend in nginx gunicorn; do
    for variant in "${VARIANTS[@]}"; do
      start_target "$backend" "$variant"
      for mode in close keepalive; do
        header=(); [[ $mode == close ]] && header=(-H 'Connection: close')
        before=$(cpu_ticks "${ROOTS[@]}")
        figures=$(wrk_json -t1 -c32 -d"${DURATION}s" --timeout 5s ${header[@]+"${header[@]}"} "http://127.0.0.1:$PORT/")
        after=$(cpu_ticks "${ROOTS[@]}")
        line=$(node -e '
          const [figures, backend, variant, mode, ticks, hz, round] = process.argv.slice(1)
          const f = JSON.parse(figures)
          const cpu = Number(ticks) / Number(hz)
          console.log(JSON.stringify({scenario: "S1", round: +round, backend, variant, mode, ...f, cpu_s: cpu, cpu_s_per_1000: f.requests ? +(cpu * 1000 / f.requests).toFixed(4) : null}))
        ' "$figures" "$backend" "$variant" "$mode" $((after - before)) "$TICKS" "$round")
        echo "$line" >>"$OUT"; log "$line"
      done
      stop_all
    done
  done
done
