#!/usr/bin/env bash
# Runs the benchmark scenarios (all, or those named: bench/run.sh S1 S5), writes the raw results
# to bench/results/ (JSON Lines, one file per scenario, and machine.json), then the plots.
# Each scenario installs the Debian packages it needs, stays on 127.0.0.1, and stops every
# process it starts. Durations: DURATION (seconds per wrk run, default 5), COUNT, IDLE, ATTACKS.
set -euo pipefail
BENCH=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$BENCH")
cd "$ROOT"
[[ -x native/build/da-engine && -f dist/commands/index.js ]] || npm run build
mkdir -p "$BENCH/results"
scenarios=("$@")
((${#scenarios[@]})) || scenarios=(S1 S2 S3 S5 S6)

node -e '
  const os = require("node:os"), {execSync} = require("node:child_process")
  const version = (cmd) => { try { return execSync(cmd + " 2>&1").toString().split("\n")[0].trim() } catch { return null } }
  console.log(JSON.stringify({date: new Date().toISOString(), nproc: os.cpus().length, cpu: os.cpus()[0].model, kernel: os.release(),
    memory_gb: +(os.totalmem() / 2 ** 30).toFixed(1), load_average_at_start: os.loadavg(), node: process.version,
    nginx: version("nginx -v"), gunicorn: version("gunicorn --version"), haproxy: version("haproxy -v"), wrk: version("wrk -v"),
    slowhttptest: version("slowhttptest -h | head -1"), commit: version("git rev-parse --short HEAD")}, null, 2))
' >"$BENCH/results/machine.json"

for scenario in "${scenarios[@]}"; do
  script="$BENCH/${scenario,,}.sh"
  [[ -f $script ]] || { echo "no scenario $scenario (S1 S2 S3 S5 S6)" >&2; exit 2; }
  echo "== $scenario" >&2
  bash "$script"
done
node "$BENCH/plot.js"
