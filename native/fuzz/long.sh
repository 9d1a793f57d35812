#!/bin/sh
# Long fuzzing: every libFuzzer target for RUNS executions, JOBS targets at a time, at the lowest
# CPU priority so that tests and benchmarks on the same machine keep theirs.
#   native/fuzz/long.sh [RUNS] [JOBS] [TARGET...]     (defaults: 10000000, 2, every target)
#   FUZZ_SECONDS=N bounds each target's time as well (libFuzzer's -max_total_time).
# Each target grows its own working corpus in build/long-corpus-NAME, seeded from the committed
# fuzz/corpus/NAME (which stays as committed); a finding is written as build/long-NAME-crash-*
# (or -leak-, -timeout-...) and fails the run. Prints one line per target when it ends:
# name, verdict, executions without a finding, seconds, log.
set -eu
cd "$(dirname "$0")/.."

if [ "${1:-}" = --one ]; then
	name=$2 runs=$3
	work=build/long-corpus-$name log=build/long-$name.log
	mkdir -p "$work"
	cp -n fuzz/corpus/"$name"/* "$work"/
	start=$(date +%s)
	rc=0
	nice -n 19 ./build/fuzz_"$name" -runs="$runs" ${FUZZ_SECONDS:+-max_total_time="$FUZZ_SECONDS"} \
		-max_len=4096 -print_final_stats=1 -artifact_prefix=build/long-"$name"- "$work" \
		>"$log" 2>&1 || rc=$?
	done_runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	# libFuzzer exits 0 when the runs or the time are used up, 72 when interrupted (SIGINT).
	case $rc in
	0) verdict=clean ;;
	72) verdict=interrupted ;;
	*) verdict=FINDING ;;
	esac
	echo "$name $verdict ${done_runs:-?} executions $(($(date +%s) - start)) s (native/$log)"
	[ "$verdict" != FINDING ]
	exit
fi

runs=${1:-10000000}
jobs=${2:-2}
[ $# -gt 0 ] && shift
[ $# -gt 0 ] && shift
make -s fuzz
[ $# -gt 0 ] || set -- $(ls fuzz/fuzz_*.c | sed 's|fuzz/fuzz_||; s|\.c$||')
# xargs exits non-zero when any target found something.
printf '%s\n' "$@" | xargs -P "$jobs" -I{} "$PWD/fuzz/long.sh" --one {} "$runs"
