source /work/main/bench/lib.sh; set +e +o pipefail
for round in 1 2; do
for v in bare nofilter kernel httpready; do
  if [[ $v == nofilter ]]; then
    spawn wrap "${CLI[@]}" wrap --listen 127.0.0.1:0 -- "${GUNICORN[@]}"; PORT=$(wrapped_port wrap); wait_listen "$PORT"; sleep 0.5
  else start_target gunicorn $v; fi
  b=$(cpu_ticks "${ROOTS[@]}")
  f=$(wrk_json -t1 -c32 -d4s --timeout 5s -H 'Connection: close' http://127.0.0.1:$PORT/)
  a=$(cpu_ticks "${ROOTS[@]}")
  echo "$round $v ticks=$((a-b)) $(echo $f | cut -c1-80) $(head -c 300 $WORK/wrap.log 2>/dev/null | tr '\n' ' ')"
  stop_all
done; done
