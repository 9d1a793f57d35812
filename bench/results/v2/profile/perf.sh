source /work/main/bench/lib.sh; set +e +o pipefail
for v in kernel httpready; do
  start_target nginx $v
  w=$(for p in $(named nginx "${ROOTS[@]}"); do pp=$(ps -o ppid= -p $p | tr -d ' '); [[ $(cat /proc/$pp/comm) == nginx ]] && echo $p; done; true)
  (wrk -t1 -c32 -d6s -H 'Connection: close' http://127.0.0.1:$PORT/ >/dev/null 2>&1 &)
  sleep 1
  perf record -q -o /tmp/perf-$v.data -p $w -- sleep 4 2>/dev/null
  sleep 1.5
  stop_all
  echo "== $v"
  perf report -i /tmp/perf-$v.data --no-children --sort dso --stdio 2>/dev/null | grep -v '^#' | grep . | head -8
  perf report -i /tmp/perf-$v.data --no-children --sort dso,sym --stdio 2>/dev/null | grep -v '^#' | grep . | grep -v kernel.kallsyms | head -12
done
