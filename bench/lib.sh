# Shared by every scenario: paths, installing what is missing, free ports, starting the servers
# under test in each variant, CPU accounting from /proc, and stopping every process by pid.
set -euo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH")
# Data plane v2's figures go to bench/results/v2/; the top-level files of bench/results/ are
# version 1's (history, quoted by the superseded sections of RESULTS.md).
RESULTS=${RESULTS:-$BENCH/results/v2}
mkdir -p "$RESULTS"
# The last commit of data plane v1 (0a0fd5f), built in a worktree, for the `httpready-v1`
# variant: git worktree add /tmp/v1 0a0fd5f && cd /tmp/v1 && npm ci && npm run build
V1_ROOT=${V1_ROOT:-/tmp/v1}
WORK=$(mktemp -d /tmp/defer-accept-bench.XXXXXX)
CLI=(node "$ROOT/bin/run.js")
ROOTS=()     # pids this run started; each is stopped with all its descendants
PARK_S=30    # one request-head timeout for every variant: engine, HAProxy, nginx
ulimit -n "$(ulimit -Hn)"  # 10,000 connections and more need descriptors

log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }

# need COMMAND:PACKAGE ... installs the Debian packages of the commands that are missing.
need() {
  local missing=() pair
  for pair in "$@"; do command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}"); done
  if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2
  fi
}

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# wait_listen PORT: until something listens on 127.0.0.1:PORT (at most 10 s).
wait_listen() {
  local i
  for i in $(seq 100); do
    ss -Hltn "sport = :$1" | grep -q . && return 0
    sleep 0.1
  done
  log "nothing listens on port $1"; return 1
}

# descendants PID...: the pids and all their descendants.
descendants() {
  local table pids=("$@") frontier=("$@") next p
  table=$(ps -eo pid=,ppid=)
  while ((${#frontier[@]})); do
    next=()
    for p in "${frontier[@]}"; do next+=($(awk -v p="$p" '$2 == p {print $1}' <<<"$table")); done
    pids+=("${next[@]}"); frontier=("${next[@]}")
  done
  echo "${pids[@]}"
}

# named COMM PID...: those of the pids and their descendants whose command name is COMM.
named() {
  local comm=$1 p; shift
  for p in $(descendants "$@"); do
    [[ $(cat "/proc/$p/comm" 2>/dev/null) == "$comm" ]] && echo "$p"
  done
  return 0
}

# cpu_ticks PID...: utime + stime of the pids and their descendants, in clock ticks.
cpu_ticks() {
  local total=0 p f
  for p in $(descendants "$@"); do
    f=$(cat "/proc/$p/stat" 2>/dev/null) || continue
    f=${f##*) }   # the command name may hold spaces: fields after it, from field 3
    set -- $f
    total=$((total + ${12} + ${13}))
  done
  echo "$total"
}
TICKS=$(getconf CLK_TCK)

# json_by_comm: lines "COMM N" on stdin summed by command name, as JSON ({"nginx":N,"da-engine":N}).
json_by_comm() {
  awk '{t[$1] += $2} END {printf "{"; n = 0; for (c in t) printf "%s\"%s\":%d", n++ ? "," : "", c, t[c]; print "}"}'
}

# cpu_by_comm PID...: utime + stime of the pids and their descendants, by command name, as JSON:
# which process of a variant spent the CPU.
cpu_by_comm() {
  local p f comm
  for p in $(descendants "$@"); do
    f=$(cat "/proc/$p/stat" 2>/dev/null) || continue
    comm=$(cat "/proc/$p/comm" 2>/dev/null) || continue
    f=${f##*) }
    set -- $f
    echo "$comm $((${12} + ${13}))"
  done | json_by_comm
}

# switches_by_comm PID...: context switches, voluntary and not, of every thread of the pids and
# their descendants, by command name, as JSON. A trapped system call is a sleep and a wake-up of
# the caller's thread: this counts what CPU time alone does not say. A thread that ends between
# two readings takes its count with it (the servers here keep theirs).
switches_by_comm() {
  local p comm
  for p in $(descendants "$@"); do
    comm=$(cat "/proc/$p/comm" 2>/dev/null) || continue
    { cat /proc/"$p"/task/*/status 2>/dev/null || true; } | awk -v c="$comm" '/ctxt_switches/ {s += $2} END {print c, s + 0}'
  done | json_by_comm
}

# spawn NAME COMMAND...: start in the background, output to $WORK/NAME.log, remember the pid.
spawn() {
  local name=$1; shift
  "$@" >"$WORK/$name.log" 2>&1 &
  ROOTS+=($!)
  disown $!  # stop_all reaps it; no job notices in the output
  SPAWNED=$!
}

# stop_all: SIGTERM every started process and its descendants, SIGKILL what is left after 3 s.
stop_all() {
  ((${#ROOTS[@]})) || return 0
  local pids i
  pids=$(descendants "${ROOTS[@]}")
  kill -TERM $pids 2>/dev/null || true
  for i in $(seq 30); do
    kill -0 $pids 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL $pids 2>/dev/null || true
  ROOTS=()
}
trap 'stop_all; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

# wrapped_port NAME: the port a `defer-accept wrap --listen 127.0.0.1:0` reports in its log.
wrapped_port() {
  local i port
  for i in $(seq 100); do
    port=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$WORK/$1.log" 2>/dev/null | head -1 | cut -d: -f2) || true
    [[ -n $port ]] && { echo "$port"; return 0; }
    sleep 0.1
  done
  log "no port from $1: $(cat "$WORK/$1.log")"; return 1
}

# build_go_server: test/fixtures/go_server, static, built offline with a cache of this run's;
# prints its path.
build_go_server() {
  (cd "$ROOT/test/fixtures/go_server" && CGO_ENABLED=0 GOFLAGS=-mod=mod GOPROXY=off GOCACHE="$WORK/gocache" GOPATH="$WORK/gopath" \
    go build -o "$WORK/go_server" main.go) >&2 || return
  echo "$WORK/go_server"
}

nginx_conf() { # nginx_conf NAME LISTEN_DIRECTIVE LOCATION_BODY
  mkdir -p "$WORK/$1"
  cat >"$WORK/$1/nginx.conf" <<CONF
worker_processes 1;
error_log $WORK/$1/error.log;
pid $WORK/$1/nginx.pid;
worker_rlimit_nofile 65536;
events { worker_connections 20000; }
http {
  access_log off;
  client_header_timeout ${PARK_S}s;
  client_body_temp_path $WORK/$1; proxy_temp_path $WORK/$1; fastcgi_temp_path $WORK/$1;
  uwsgi_temp_path $WORK/$1; scgi_temp_path $WORK/$1;
  server { $2 location / { $3 } }
}
CONF
  echo "$WORK/$1/nginx.conf"
}

haproxy_conf() { # haproxy_conf PORT BACKEND_PORT
  cat >"$WORK/haproxy.cfg" <<CONF
global
  maxconn 9000  # 2 descriptors per proxied connection within the hard limit of 20,000
defaults
  mode http
  option http-buffer-request
  timeout http-request ${PARK_S}s
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend front
  bind 127.0.0.1:$1
  default_backend back
backend back
  server s1 127.0.0.1:$2 maxconn 1000
CONF
  echo "$WORK/haproxy.cfg"
}

apache_conf() { # apache_conf PORT BACKEND_PORT: Apache (event MPM) proxying, mod_reqtimeout on
  local mods=/usr/lib/apache2/modules
  mkdir -p "$WORK/apache"
  cat >"$WORK/apache/httpd.conf" <<CONF
ServerRoot $WORK/apache
ServerName localhost
Listen 127.0.0.1:$1
PidFile $WORK/apache/httpd.pid
ErrorLog $WORK/apache/error.log
LoadModule mpm_event_module $mods/mod_mpm_event.so
LoadModule authz_core_module $mods/mod_authz_core.so
LoadModule proxy_module $mods/mod_proxy.so
LoadModule proxy_http_module $mods/mod_proxy_http.so
LoadModule reqtimeout_module $mods/mod_reqtimeout.so
User www-data
Group www-data
# The same request-head time limit as every other variant; the event MPM's default pool
# (16 processes x 25 threads) reads request heads in its worker threads.
RequestReadTimeout header=${PARK_S} body=${PARK_S}
ProxyPass / http://127.0.0.1:$2/
CONF
  echo "$WORK/apache/httpd.conf"
}

GUNICORN=(gunicorn -k sync -w 4 --chdir "$BENCH" --log-level warning app:app)

# start_backend BACKEND PORT: the bare server on 127.0.0.1:PORT (binding it itself).
start_backend() {
  case $1 in
    nginx) spawn nginx nginx -c "$(nginx_conf nginx "listen 127.0.0.1:$2;" 'return 200 "ok\n";')" -g 'daemon off;' ;;
    gunicorn) spawn gunicorn "${GUNICORN[@]}" -b "127.0.0.1:$2" ;;
  esac
  wait_listen "$2"
}

# start_target BACKEND VARIANT: sets PORT (where clients go) and TARGET (the root pids to account).
start_target() {
  local backend=$1 variant=$2 back
  PORT=$(free_port)
  case $variant in
    bare) start_backend "$backend" "$PORT" ;;
    kernel)
      if [[ $backend == nginx ]]; then
        # nginx's own `deferred`: TCP_DEFER_ACCEPT set by the server, as its users would.
        spawn nginx nginx -c "$(nginx_conf nginx "listen 127.0.0.1:$PORT deferred;" 'return 200 "ok\n";')" -g 'daemon off;'
        wait_listen "$PORT"
      else
        spawn wrap "${CLI[@]}" wrap --listen 127.0.0.1:0 --filter dataready --timeout "$PARK_S" -- "${GUNICORN[@]}"
        PORT=$(wrapped_port wrap); wait_listen "$PORT"
      fi ;;
    httpready-v1)
      # Version 1 (engine on every connection's path), nginx in bind mode, from $V1_ROOT.
      [[ $backend == nginx && -f $V1_ROOT/dist/cli.js ]] || { log "httpready-v1: nginx only, needs $V1_ROOT built"; return 1; }
      spawn wrap node "$V1_ROOT/bin/run.js" wrap --filter "$PORT=httpready" --timeout "$PARK_S" --on-timeout drop -- \
        nginx -c "$(nginx_conf nginx "listen 127.0.0.1:$PORT;" 'return 200 "ok\n";')" -g 'daemon off;'
      wait_listen "$PORT" ;;
    httpready-deferred)
      # v2 in bind mode with nginx told that its listener defers (`listen ... deferred`): nginx
      # then reads an accepted connection at once instead of waiting for its first read event.
      [[ $backend == nginx ]] || { log "httpready-deferred: nginx only"; return 1; }
      spawn wrap "${CLI[@]}" wrap --filter "$PORT=httpready" --timeout "$PARK_S" --on-timeout drop -- \
        nginx -c "$(nginx_conf nginx "listen 127.0.0.1:$PORT deferred;" 'return 200 "ok\n";')" -g 'daemon off;'
      wait_listen "$PORT" ;;
    httpready)
      if [[ $backend == nginx ]]; then
        spawn wrap "${CLI[@]}" wrap --filter "$PORT=httpready" --timeout "$PARK_S" --on-timeout drop -- \
          nginx -c "$(nginx_conf nginx "listen 127.0.0.1:$PORT;" 'return 200 "ok\n";')" -g 'daemon off;'
        wait_listen "$PORT"
      else
        spawn wrap "${CLI[@]}" wrap --listen 127.0.0.1:0 --filter httpready --timeout "$PARK_S" --on-timeout drop -- "${GUNICORN[@]}"
        PORT=$(wrapped_port wrap); wait_listen "$PORT"
      fi ;;
    haproxy)
      back=$(free_port); start_backend "$backend" "$back"
      spawn haproxy haproxy -f "$(haproxy_conf "$PORT" "$back")"
      wait_listen "$PORT" ;;
    apache-reqtimeout)
      need apache2:apache2
      back=$(free_port); start_backend "$backend" "$back"
      spawn apache apache2 -f "$(apache_conf "$PORT" "$back")" -DFOREGROUND
      wait_listen "$PORT" ;;
    nginx-proxy)
      back=$(free_port); start_backend "$backend" "$back"
      spawn proxy nginx -c "$(nginx_conf proxy "listen 127.0.0.1:$PORT;" "proxy_pass http://127.0.0.1:$back;")" -g 'daemon off;'
      wait_listen "$PORT" ;;
  esac
  sleep 0.5  # let workers finish starting
}

VARIANTS=(bare kernel httpready haproxy nginx-proxy)

# wrk_json ARGS...: run wrk with the JSON reporter, print its JSON line. wrk gives up when its
# first connections fail (a server whose backlog is full): that is recorded as no requests at all.
# Its connect then waits out the SYN retries (about 2 minutes): WRK_LIMIT seconds bound it.
WRK_LIMIT=${WRK_LIMIT:-20}
wrk_json() {
  local out
  out=$(timeout "$WRK_LIMIT" wrk -s "$BENCH/wrk-json.lua" "$@" 2>&1) || true
  if grep -q '^{' <<<"$out"; then grep '^{' <<<"$out" | tail -1; return; fi
  node -e 'console.log(JSON.stringify({requests: 0, rps: 0, p50_ms: null, p99_ms: null, failed: process.argv[1]}))' "$(tail -1 <<<"$out" | grep . || echo "no report within $WRK_LIMIT s")"
}

# good: wrk's good clients against 127.0.0.1:$PORT for $DURATION s, a new connection per request,
# 2 s timeout (the attack scenarios' figure): its JSON line.
good() { wrk_json -t1 -c32 -d"${DURATION}s" --timeout 2s -H 'Connection: close' "http://127.0.0.1:$PORT/"; }
established() { ss -Htn state established "dport = :$PORT" | wc -l; }

# under_attack FLAG CONNS [PREFIX...]: slowhttptest FLAG (-H slow headers, -B slow body) with CONNS
# connections against 127.0.0.1:$PORT, started under PREFIX (taskset, chrt: where and how it
# runs), then good() once 95% of them are open (8 s at most). Sets ATTACKER (its pid), OPEN (the
# attackers open when measured), ATTACKED (good's line), and the CPU over that measurement:
# ATTACKER_TICKS of the attacker, ALL_TICKS of every process started (the attacker included), so
# that whether the attack tool's share of the cores, rather than the server, decides the figure shows.
under_attack() {
  local flag=$1 conns=$2 i a0 s0 a1 s1; shift 2
  spawn slowhttptest "$@" slowhttptest "$flag" -c "$conns" -r 2000 -i 10 -x 24 -l 120 -p 5 -u "http://127.0.0.1:$PORT/"
  ATTACKER=$SPAWNED
  for i in $(seq 80); do (($(established) >= conns * 95 / 100)) && break; sleep 0.1; done
  OPEN=$(established)
  a0=$(cpu_ticks "$ATTACKER"); s0=$(cpu_ticks "${ROOTS[@]}")
  ATTACKED=$(good)
  a1=$(cpu_ticks "$ATTACKER"); s1=$(cpu_ticks "${ROOTS[@]}")
  ATTACKER_TICKS=$((a1 - a0)) ALL_TICKS=$((s1 - s0))
}

# measure SCENARIO ROUND BACKEND VARIANT MODE: wrk against 127.0.0.1:$PORT for $DURATION s, a new
# connection per request (MODE close) or its 32 connections kept alive (keepalive), and the CPU
# of every process under ROOTS over that time, in total and by command name, and their context
# switches by command name: one JSON line, to $OUT and the log. bench/ratios.js reads those lines.
measure() {
  local scenario=$1 round=$2 backend=$3 variant=$4 mode=$5 header=() ticks0 ticks1 split0 split1 switches0 switches1 figures line
  [[ $mode == close ]] && header=(-H 'Connection: close')
  ticks0=$(cpu_ticks "${ROOTS[@]}"); split0=$(cpu_by_comm "${ROOTS[@]}"); switches0=$(switches_by_comm "${ROOTS[@]}")
  figures=$(wrk_json -t1 -c32 -d"${DURATION}s" --timeout 5s ${header[@]+"${header[@]}"} "http://127.0.0.1:$PORT/")
  ticks1=$(cpu_ticks "${ROOTS[@]}"); split1=$(cpu_by_comm "${ROOTS[@]}"); switches1=$(switches_by_comm "${ROOTS[@]}")
  line=$(node -e '
    const [scenario, figures, backend, variant, mode, ticks, hz, round, sb, sa, wb, wa] = process.argv.slice(1)
    const f = JSON.parse(figures)
    const cpu = Number(ticks) / Number(hz)
    const delta = (before, after) => { const b = JSON.parse(before), a = JSON.parse(after); return Object.fromEntries(Object.keys(a).map((k) => [k, a[k] - (b[k] ?? 0)])) }
    const split = delta(sb, sa)
    const switches = Object.fromEntries(Object.entries(delta(wb, wa)).map(([k, n]) => [k, f.requests ? +(n / f.requests).toFixed(3) : null]))
    console.log(JSON.stringify({scenario, round: +round, backend, variant, mode, ...f, cpu_s: cpu,
      cpu_s_per_1000: f.requests ? +(cpu * 1000 / f.requests).toFixed(4) : null, cpu_ticks_by_comm: split,
      switches_per_request_by_comm: switches, load_average: require("os").loadavg()}))
  ' "$scenario" "$figures" "$backend" "$variant" "$mode" $((ticks1 - ticks0)) "$TICKS" "$round" "$split0" "$split1" "$switches0" "$switches1")
  echo "$line" >>"$OUT"; log "$line"
}
