#!/usr/bin/env bash
# S1 good traffic: wrk with a new connection per request (and, MODES="close keepalive", with
# keep-alive), against nginx (1 worker, `return 200`) and gunicorn sync -w 4, in every variant,
# side by side. Figures: requests/s, p50/p99, and CPU of every process of the variant (server
# master and workers, wrapper, engine, proxy; not wrk) per 1,000 requests, with its split by
# process name (cpu_ticks_by_comm). REPEAT rounds, each over every variant in turn, so that a
# disturbance of the shared machine falls on all variants alike; bench/ratios.js prints each
# round's ratios to bare and to the kernel's deferral, and their medians and ranges.
# Data plane v2 goals (issue 9): nginx CPU/request <= 1.00x bare and <= 1.10x kernel, req/s >=
# bare; gunicorn CPU/request <= 1.05x bare, req/s >= 0.95x bare. Version 1 (`httpready-v1`,
# nginx only) runs beside them when $V1_ROOT holds its build (lib.sh).
source "$(dirname "$0")/lib.sh"
need wrk:wrk nginx:nginx gunicorn:gunicorn haproxy:haproxy
OUT=$RESULTS/S1.jsonl; : >"$OUT"
DURATION=${DURATION:-5}
REPEAT=${REPEAT:-3}
read -ra modes <<<"${MODES:-close}"
read -ra backends <<<"${BACKENDS:-nginx gunicorn}"
read -ra variants <<<"${S1_VARIANTS:-${VARIANTS[*]}}"

for round in $(seq "$REPEAT"); do
  for backend in "${backends[@]}"; do
    these=("${variants[@]}")
    # nginx only: v2 with nginx told its listener defers, and version 1 for the record.
    [[ $backend == nginx && ${S1_DEFERRED:-1} == 1 ]] && these+=(httpready-deferred)
    [[ $backend == nginx && -f $V1_ROOT/dist/cli.js && ${S1_V1:-1} == 1 ]] && these+=(httpready-v1)
    for variant in "${these[@]}"; do
      start_target "$backend" "$variant"
      for mode in "${modes[@]}"; do
        measure S1 "$round" "$backend" "$variant" "$mode"
      done
      stop_all
    done
  done
done
node "$BENCH/ratios.js" "$OUT"
