#!/usr/bin/env bash
# S2 slow clients: slowhttptest (slow headers at 1,000 and 4,000 connections, slow body at 1,000)
# against gunicorn sync -w 4 in every variant and behind Apache with mod_reqtimeout, while wrk
# measures good clients (a new connection per request). Figure: good requests/s under attack as a share of the same server unattacked.
source "$(dirname "$0")/lib.sh"
need wrk:wrk gunicorn:gunicorn haproxy:haproxy nginx:nginx slowhttptest:slowhttptest
OUT=${S2_OUT:-$RESULTS/S2.jsonl}
# S2_ATTACKER_CPU=1, with the script itself under `taskset -c 0`: the attacker gets a core of its
# own, as it would be another machine, and the server side keeps the other (both runs).
attacker_cpu=()
[[ -n ${S2_ATTACKER_CPU:-} ]] && attacker_cpu=(taskset -c "$S2_ATTACKER_CPU")
# S2_VARIANTS="a b" reruns only those variants: their lines replace their own, the rest stay.
if [[ -n ${S2_VARIANTS:-} ]]; then
  read -ra variants <<<"$S2_VARIANTS"
  node -e 'const fs = require("fs"), [file, ...rerun] = process.argv.slice(1)
    const kept = fs.readFileSync(file, "utf8").split("\n").filter((l) => l && !rerun.includes(JSON.parse(l).variant))
    fs.writeFileSync(file, kept.map((l) => l + "\n").join(""))' "$OUT" "${variants[@]}"
else
  variants=("${VARIANTS[@]}" apache-reqtimeout)
  : >"$OUT"
fi
DURATION=${DURATION:-5}
ATTACKS=${ATTACKS:-"headers:1000 headers:4000 body:1000"}

good() { wrk_json -t1 -c32 -d"${DURATION}s" --timeout 2s -H 'Connection: close' "http://127.0.0.1:$PORT/"; }
established() { ss -Htn state established "dport = :$PORT" | wc -l; }

for attack in $ATTACKS; do
  kind=${attack%%:*} conns=${attack#*:}
  for variant in "${variants[@]}"; do
    start_target gunicorn "$variant"
    alone=$(good)
    flag=-H; [[ $kind == body ]] && flag=-B
    spawn slowhttptest "${attacker_cpu[@]}" slowhttptest "$flag" -c "$conns" -r 2000 -i 10 -x 24 -l 120 -p 5 -u "http://127.0.0.1:$PORT/"
    attacker=$SPAWNED
    # Measure once the attack stands: 95% of its connections open, or 8 s at most.
    for i in $(seq 80); do (($(established) >= conns * 95 / 100)) && break; sleep 0.1; done
    open=$(established)
    attacked=$(good)
    kill -TERM "$attacker" 2>/dev/null || true
    line=$(node -e '
      const [alone, attacked, variant, kind, conns, open] = process.argv.slice(1)
      const a = JSON.parse(alone), b = JSON.parse(attacked)
      console.log(JSON.stringify({scenario: "S2", backend: "gunicorn", variant, attack: kind, connections: +conns, open_when_measured: +open, attacker_cpu: process.env.S2_ATTACKER_CPU ?? null,
        alone: a, attacked: b, share: a.rps ? +(b.rps / a.rps).toFixed(3) : null}))
    ' "$alone" "$attacked" "$variant" "$kind" "$conns" "$open")
    echo "$line" >>"$OUT"; log "$line"
    stop_all
  done
done
