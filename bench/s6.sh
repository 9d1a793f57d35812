#!/usr/bin/env bash
# S6 packets on the loopback per connection (tshark), for the demo's pool server bare, with the
# kernel's TCP_DEFER_ACCEPT (wrap --filter dataready) and with httpready in the engine; clients
# that send at once and clients that wait DELAY seconds before they speak.
source "$(dirname "$0")/lib.sh"
need tshark:tshark
OUT=$RESULTS/S6.jsonl; : >"$OUT"
COUNT=${COUNT:-50}
POOL=(python3 "$ROOT/src/demo/pool_server.py" 8 300)

for variant in bare kernel httpready; do
  case $variant in
    bare) spawn server "${POOL[@]}" ;;
    kernel) spawn server "${CLI[@]}" wrap --listen 127.0.0.1:0 --filter dataready --timeout 5 -- "${POOL[@]}" ;;
    httpready) spawn server "${CLI[@]}" wrap --listen 127.0.0.1:0 --filter httpready --timeout 5 -- "${POOL[@]}" ;;
  esac
  for i in $(seq 100); do grep -q '^ready' "$WORK/server.log" && break; sleep 0.1; done
  PORT=$(awk '/^ready/ {print $2}' "$WORK/server.log")
  for delay in 0 1.5; do
    spawn tshark tshark -i lo -f "tcp port $PORT" -w "$WORK/s6.pcap"
    capture=$SPAWNED
    for i in $(seq 100); do grep -q 'Capturing on' "$WORK/tshark.log" && break; sleep 0.1; done
    answered=$(python3 "$BENCH/late.py" "$COUNT" "$PORT" "$delay")
    sleep 0.5
    kill -INT "$capture"; while kill -0 "$capture" 2>/dev/null; do sleep 0.1; done
    packets=$(tshark -r "$WORK/s6.pcap" 2>/dev/null | wc -l)
    retransmitted=$(tshark -r "$WORK/s6.pcap" -Y 'tcp.analysis.retransmission || tcp.analysis.duplicate_ack' 2>/dev/null | wc -l)
    line=$(printf '{"scenario":"S6","variant":"%s","delay_s":%s,"connections":%d,"answered":%d,"packets":%d,"packets_per_connection":%s,"retransmissions_and_dup_acks":%d}' \
      "$variant" "$delay" "$COUNT" "$answered" "$packets" "$(awk -v p="$packets" -v c="$COUNT" 'BEGIN {printf "%.2f", p / c}')" "$retransmitted")
    echo "$line" >>"$OUT"; log "$line"
  done
  stop_all
done
