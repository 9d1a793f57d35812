#!/usr/bin/env bash
# S3 idle flood: 10,000 connections that connect and never send, against gunicorn sync -w 4 in
# every variant, while wrk measures good clients. Figure: good requests/s as a share of unattacked.
source "$(dirname "$0")/lib.sh"
need wrk:wrk gunicorn:gunicorn haproxy:haproxy nginx:nginx
OUT=$RESULTS/S3.jsonl; : >"$OUT"
DURATION=${DURATION:-5}
IDLE=${IDLE:-10000}

for variant in "${VARIANTS[@]}"; do
  start_target gunicorn "$variant"
  alone=$(good)
  spawn idle node "$BENCH/idle.js" "$IDLE" "$PORT"
  attacker=$SPAWNED
  # Let the flood stand: every client connected (from its side), or 8 s at most.
  for i in $(seq 80); do
    [[ $(tail -1 "$WORK/idle.log" 2>/dev/null) == "open $IDLE" ]] && break
    sleep 0.1
  done
  open=$(tail -1 "$WORK/idle.log" | cut -d' ' -f2)
  attacked=$(good)
  kill -TERM "$attacker" 2>/dev/null || true
  line=$(node -e '
    const [alone, attacked, variant, idle, open] = process.argv.slice(1)
    const a = JSON.parse(alone), b = JSON.parse(attacked)
    console.log(JSON.stringify({scenario: "S3", backend: "gunicorn", variant, idle: +idle, open_when_measured: +open || 0,
      alone: a, attacked: b, share: a.rps ? +(b.rps / a.rps).toFixed(3) : null}))
  ' "$alone" "$attacked" "$variant" "$IDLE" "$open")
  echo "$line" >>"$OUT"; log "$line"
  stop_all
done
