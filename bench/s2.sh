#!/usr/bin/env bash
# S2 slow clients: slowhttptest (slow headers at 1,000 and 4,000 connections, slow body at 1,000)
# against gunicorn sync -w 4 in every variant and behind Apache with mod_reqtimeout, while wrk
# measures good clients (a new connection per request). Figure: good requests/s under attack as a
# share of the same server unattacked; the goal of data plane v2 (issue 9) compares with the
# unattacked *bare* server (its `alone` line) and with HAProxy and nginx in front, same run. Each
# line also has the attacker's own CPU and the variant's over the attacked measurement.
source "$(dirname "$0")/lib.sh"
need wrk:wrk gunicorn:gunicorn haproxy:haproxy nginx:nginx slowhttptest:slowhttptest
OUT=${S2_OUT:-$RESULTS/S2.jsonl}
# S2_ATTACKER_CPU=1, with the script itself under `taskset -c 0`: the attacker gets a core of its
# own, as it would be another machine, and the server side keeps the other (both runs).
attacker_cpu=()
[[ -n ${S2_ATTACKER_CPU:-} ]] && attacker_cpu=(taskset -c "$S2_ATTACKER_CPU")
# S2_VARIANTS="a b" reruns only those variants: their lines replace their own, the rest stay.
if [[ -n ${S2_VARIANTS:-} ]]; then
  [[ -f $OUT ]] || : >"$OUT"
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

# S2_BARE_EACH=1: the unattacked bare server is measured again just before each variant, so the
# goal's reference ("the unattacked bare server") is taken in the same conditions as the variant
# (an attack's thousands of sockets closing take a while to leave the kernel, and the shared
# machine's load moves within a run): `bare_alone_before` in the line.
for attack in $ATTACKS; do
  kind=${attack%%:*} conns=${attack#*:}
  for variant in "${variants[@]}"; do
    bare_before=null
    if [[ -n ${S2_BARE_EACH:-} ]]; then
      sleep "${S2_SETTLE:-2}"
      start_target gunicorn bare; bare_before=$(good); stop_all
    fi
    start_target gunicorn "$variant"
    alone=$(good)
    flag=-H; [[ $kind == body ]] && flag=-B
    under_attack "$flag" "$conns" "${attacker_cpu[@]}"
    kill -TERM "$ATTACKER" 2>/dev/null || true
    line=$(node -e '
      const [alone, attacked, variant, kind, conns, open, at, all, hz, bareBefore] = process.argv.slice(1)
      const a = JSON.parse(alone), b = JSON.parse(attacked)
      console.log(JSON.stringify({scenario: "S2", backend: "gunicorn", variant, attack: kind, connections: +conns, open_when_measured: +open, attacker_cpu: process.env.S2_ATTACKER_CPU ?? null,
        alone: a, attacked: b, share: a.rps ? +(b.rps / a.rps).toFixed(3) : null,
        bare_alone_before: JSON.parse(bareBefore), attacker_cpu_s: at / hz, variant_cpu_s: (all - at) / hz, measured_s: b.duration_s, load_average: require("os").loadavg()}))
    ' "$alone" "$ATTACKED" "$variant" "$kind" "$conns" "$OPEN" "$ATTACKER_TICKS" "$ALL_TICKS" "$TICKS" "$bare_before")
    echo "$line" >>"$OUT"; log "$line"
    stop_all
  done
done
