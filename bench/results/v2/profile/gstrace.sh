source /work/main/bench/lib.sh; set +e +o pipefail
for v in bare kernel httpready; do
  start_target gunicorn $v
  python3 $BENCH/requests.py 300 $PORT 8 >/dev/null
  g=$(named gunicorn "${ROOTS[@]}" | head -1)
  # master: the gunicorn whose parent is not gunicorn
  for p in $(named gunicorn "${ROOTS[@]}"); do pp=$(ps -o ppid= -p $p | tr -d ' '); [[ $(cat /proc/$pp/comm) != gunicorn ]] && g=$p; done; true
  args=(); for p in $(named gunicorn "${ROOTS[@]}"); do args+=(-p $p); done
  strace -c -f -o /tmp/gs-$v.txt "${args[@]}" & st=$!
  sleep 1.5
  python3 $BENCH/requests.py 3000 $PORT 8
  kill -INT $st; wait $st 2>/dev/null
  echo "== $v"; awk '$4 ~ /^[0-9]+$/ {printf "%s %.3f%s\n", $NF, $4/3000, (NF==6 ? sprintf(" (failed %.3f)", $5/3000) : "")}' /tmp/gs-$v.txt
  stop_all
done
