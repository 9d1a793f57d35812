#!/usr/bin/env bash
# S7 (issue 12): Go servers through the seccomp launcher. Debian's caddy (`caddy respond`, bind
# mode) and the tiny static Go server of test/fixtures/go_server (socket activation, LISTEN_FDS),
# side by side in one run, wrk with a new connection per request as S1 (-t1 -c32, `Connection:
# close`), REPEAT rounds each over every variant in turn. Figures per line: req/s, p50/p99, CPU of
# every process of the variant (server, da-launcher, da-engine, the wrapper's node) per 1,000
# requests and split by command name, context switches per request by command name.
# bench/ratios.js prints the ratios to bare.
# Variants:
#   bare       caddy binding its port itself; go_server under systemd-socket-activate (which
#              execs it in place on the first connection)
#   kernel     go_server only: its listener with TCP_DEFER_ACCEPT set (python binds, sets it and
#              execs the server with LISTEN_FDS=1), no defer-accept at all
#   trapped    as bare, under da-launcher given no port, so that it answers every accept4 (and
#              caddy's listen) with SECCOMP_USER_NOTIF_FLAG_CONTINUE: what the seccomp
#              notification alone costs, the floor under the launcher's variants
#   dataready  `wrap --filter PORT=dataready` (caddy) / `wrap --listen ... --filter dataready`
#              (go): wrap picks the launcher by itself (Go), dataready runs in the launcher
#   httpready  the same with httpready
#   httpready-before  the same from an earlier build in $BEFORE_ROOT (a worktree of another
#              commit, built there: git worktree add /tmp/s7-before REV && cd /tmp/s7-before &&
#              ln -s "$PWD/node_modules" . && npm run build), when that build exists: the
#              launcher before and after a change, side by side in one run
# Goals (issue 12): CPU/request <= 1.3x bare, req/s >= 0.9x bare.
# S7_ATTACK=1 (default) also runs an S2-like figure: go_server's good req/s (wrk as above,
# --timeout 2s) under 4,000 slow-header clients (slowhttptest -H) vs unattacked, bare and
# httpready (goal >= 0.95x of its unattacked figure), into S7-attack.jsonl. The attacker runs
# under SCHED_IDLE (`chrt --idle 0`): on a real host it is another machine. slowhttptest polls its
# 4,000 sockets in a busy loop; at nice 0, or even 19, it took 0.2 to 2 s of CPU in 5 s, and each
# time it held a core, a thread woken there (a server thread answered by the launcher, the
# launcher itself) waited for its slice to end: the figure was the attacker's, not the server's.
# S7_ATTACKER_POLICY=other runs it as an ordinary process.
source "$(dirname "$0")/lib.sh"
need wrk:wrk caddy:caddy go:golang-go systemd-socket-activate:systemd slowhttptest:slowhttptest
OUT=$RESULTS/S7.jsonl; : >"$OUT"
DURATION=${DURATION:-5}
# S7_MODE=keepalive: the good traffic keeps its 32 connections open (no `Connection: close`), so
# an accept, and the launcher, comes only once per connection: what the launcher costs a server
# whose clients reuse connections. Default close: a new connection per request.
MODE=${S7_MODE:-close}
REPEAT=${REPEAT:-3}
# S7_GOMAXPROCS=N: every Go server of the run (caddy and go_server, bare or not) with GOMAXPROCS=N
# (Go's default: the CPUs it may run on). A trapped accept4 sleeps in the kernel for some
# microseconds where a bare one returns in one; what Go's scheduler does meanwhile with its other
# P is what setting 1 takes away.
# systemd-socket-activate gives its child only what -E names.
socket_activate=(systemd-socket-activate)
[[ -n ${S7_GOMAXPROCS:-} ]] && export GOMAXPROCS=$S7_GOMAXPROCS && socket_activate+=(-E GOMAXPROCS)
read -ra backends <<<"${BACKENDS:-caddy go}"

# caddy keeps its state under HOME / XDG_*: a directory of this run's.
export HOME=$WORK/home XDG_DATA_HOME=$WORK/home/data XDG_CONFIG_HOME=$WORK/home/config
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME"
GO_SERVER=$(build_go_server) || { log "the Go server did not build"; exit 1; }

caddy_cmd() { echo caddy respond --listen "127.0.0.1:$1" ok; }
# kernel_go PORT: go_server on a listener with TCP_DEFER_ACCEPT (30 s), by socket activation.
kernel_go() {
  spawn go python3 -c '
import os, socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(511)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_DEFER_ACCEPT, int(sys.argv[2]))
os.dup2(s.fileno(), 3); os.set_inheritable(3, True)
os.environ.update(LISTEN_FDS="1", LISTEN_PID=str(os.getpid()))
os.execv(sys.argv[3], [sys.argv[3]])' "$1" "$PARK_S" "$GO_SERVER"
}

# s7_target BACKEND VARIANT: sets PORT; ROOTS holds what to account.
s7_target() {
  local backend=$1 variant=$2
  PORT=$(free_port)
  case $backend:$variant in
    caddy:bare) spawn caddy $(caddy_cmd "$PORT") ;;
    caddy:trapped) spawn caddy "$ROOT/native/build/da-launcher" -- $(caddy_cmd "$PORT") ;;
    caddy:dataready|caddy:httpready)
      spawn wrap "${CLI[@]}" wrap --filter "$PORT=$variant" --timeout "$PARK_S" --on-timeout drop -- $(caddy_cmd "$PORT") ;;
    go:bare) spawn go "${socket_activate[@]}" -l "127.0.0.1:$PORT" "$GO_SERVER" ;;
    go:kernel) kernel_go "$PORT" ;;
    go:trapped) spawn go "${socket_activate[@]}" -l "127.0.0.1:$PORT" "$ROOT/native/build/da-launcher" -- "$GO_SERVER" ;;
    caddy:httpready-before)
      spawn wrap node "$BEFORE_ROOT/bin/run.js" wrap --filter "$PORT=httpready" --timeout "$PARK_S" --on-timeout drop -- $(caddy_cmd "$PORT") ;;
    go:httpready-before)
      spawn wrap node "$BEFORE_ROOT/bin/run.js" wrap --listen 127.0.0.1:0 --filter httpready --timeout "$PARK_S" --on-timeout drop -- "$GO_SERVER"
      PORT=$(wrapped_port wrap) ;;
    go:dataready|go:httpready)
      spawn wrap "${CLI[@]}" wrap --listen 127.0.0.1:0 --filter "$variant" --timeout "$PARK_S" --on-timeout drop -- "$GO_SERVER"
      PORT=$(wrapped_port wrap) ;;
    *) log "no variant $variant for $backend"; return 1 ;;
  esac
  wait_listen "$PORT"
  # One request first: systemd-socket-activate execs the server on the first connection, and
  # every variant gets the same warm-up.
  curl -s -m 5 -o /dev/null "http://127.0.0.1:$PORT/warm-up" || log "warm-up request failed on $backend $variant"
  sleep 0.5
}

BEFORE_ROOT=${BEFORE_ROOT:-/tmp/s7-before}
earlier=(); [[ -f $BEFORE_ROOT/dist/cli.js ]] && earlier=(httpready-before)
variants_of() { [[ $1 == go ]] && echo bare kernel trapped dataready httpready "${earlier[@]}" || echo bare trapped dataready httpready "${earlier[@]}"; }

for round in $(seq "$REPEAT"); do
  for backend in "${backends[@]}"; do
    for variant in $(variants_of "$backend"); do
      s7_target "$backend" "$variant"
      measure S7 "$round" "$backend" "$variant" "$MODE"
      stop_all
    done
  done
done
node "$BENCH/ratios.js" "$OUT"

[[ ${S7_ATTACK:-1} == 1 ]] || exit 0
ATTACK_OUT=$RESULTS/S7-attack.jsonl; : >"$ATTACK_OUT"
CONNS=${CONNS:-4000}
for variant in ${ATTACK_VARIANTS:-bare httpready}; do
  sleep 2  # the previous attack's sockets leave the kernel
  s7_target go "$variant"
  alone=$(good)
  attacker_policy=(chrt --idle 0); [[ ${S7_ATTACKER_POLICY:-idle} == other ]] && attacker_policy=()
  under_attack -H "$CONNS" "${attacker_policy[@]}"
  open_after=$(established)
  line=$(node -e '
    const [alone, attacked, variant, conns, open, openAfter, at, all, hz] = process.argv.slice(1)
    const a = JSON.parse(alone), b = JSON.parse(attacked)
    console.log(JSON.stringify({scenario: "S7-attack", backend: "go", variant, attack: "headers", connections: +conns, open_when_measured: +open, open_after: +openAfter,
      alone: a, attacked: b, share: a.rps ? +(b.rps / a.rps).toFixed(3) : null,
      attacker_cpu_s: at / hz, variant_cpu_s: (all - at) / hz, measured_s: b.duration_s, load_average: require("os").loadavg()}))
  ' "$alone" "$ATTACKED" "$variant" "$CONNS" "$OPEN" "$open_after" "$ATTACKER_TICKS" "$ALL_TICKS" "$TICKS")
  echo "$line" >>"$ATTACK_OUT"; log "$line"
  stop_all
done
