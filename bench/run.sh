#!/usr/bin/env bash
# Runs the benchmark scenarios (all, or those named: bench/run.sh S1 S5), writes the raw results
# to bench/results/v2/ (JSON Lines, one file per scenario, and machine.json; RESULTS=DIR elsewhere;
# the top-level files of bench/results/ are version 1's), then the plots.
# Each scenario installs the Debian packages it needs, stays on 127.0.0.1, and stops every
# process it starts. Durations: DURATION (seconds per wrk run, default 5), COUNT, IDLE, ATTACKS.
set -euo pipefail
BENCH=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$BENCH")
cd "$ROOT"
# On a shared machine, the figures should not depend on what else runs: as root, every process of
# the run (servers, engine, proxies, load generators; all inherit it) runs at the highest priority.
[[ $EUID == 0 ]] && renice -n -20 -p $$ >/dev/null
[[ -x native/build/da-engine && -f dist/commands/index.js ]] || npm run build
export RESULTS=${RESULTS:-$BENCH/results/v2}
mkdir -p "$RESULTS"
scenarios=("$@")
if ((${#scenarios[@]} == 0)); then
  for script in "$BENCH"/s[0-9].sh; do scenarios+=("$(basename "${script%.sh}" | tr s S)"); done
  scenarios+=(fastpath)  # the server's and the engine's system calls per connection, bench/fastpath.sh
fi

node -e '
  const os = require("node:os"), {spawnSync} = require("node:child_process")
  // The first line a tool prints about itself, whatever its exit status (wrk -v exits 1).
  const version = (cmd) => spawnSync("sh", ["-c", `${cmd} 2>&1 | grep -v "^$" | head -1`]).stdout.toString().trim() || null
  console.log(JSON.stringify({date: new Date().toISOString(), nproc: os.cpus().length, cpu: os.cpus()[0].model, kernel: os.release(),
    memory_gb: +(os.totalmem() / 2 ** 30).toFixed(1), load_average_at_start: os.loadavg(), nice: os.getPriority(), node: process.version,
    nginx: version("nginx -v"), gunicorn: version("gunicorn --version"), haproxy: version("haproxy -v"), wrk: version("wrk -v"),
    slowhttptest: version("slowhttptest -h"), commit: version("git rev-parse --short HEAD")}, null, 2))
' >"$RESULTS/machine.json"

for scenario in "${scenarios[@]}"; do
  script="$BENCH/${scenario,,}.sh"
  [[ -f $script ]] || { echo "no scenario $scenario: bench/ has $(cd "$BENCH" && echo s[0-9].sh)" >&2; exit 2; }
  echo "== $scenario" >&2
  bash "$script"
done
node "$BENCH/plot.js"
