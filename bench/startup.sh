#!/usr/bin/env bash
# Start-up of `defer-accept filters --json` against Node's own (`node -e 0`), side by side in one
# hyperfine run: 9 runs each after 3 warm-ups, whole processes. Goal (issue 11): the CLI's median
# at most 1.5x node's. Prints both medians and the ratio; raw figures in bench/results/startup.json.
# Also measured: bench/oclif-floor, an oclif CLI of one command that does nothing, bundled as ours
# is: what oclif's own start-up costs on this Node, the floor under any oclif command.
# With BEFORE_REV, that revision is unpacked (git archive) into a temporary folder, built there
# with this checkout's node_modules, and measured in the same run.
#   bench/startup.sh [RUNS] [BEFORE_REV]   (default 9 runs, no earlier revision)
set -euo pipefail
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH")
RUNS=${1:-9}
BEFORE=${2:-}
command -v hyperfine >/dev/null || { echo "startup.sh: hyperfine is missing: bash scripts/bootstrap.sh installs it" >&2; exit 1; }
[ -f "$ROOT/dist/cli.js" ] && [ -f "$ROOT/native/build/filters.json" ] || (cd "$ROOT" && npm run -s build)

tree=$(mktemp -d /tmp/defer-accept-startup.XXXXXX)
trap 'rm -rf "$tree"' EXIT
cp -r "$BENCH/oclif-floor" "$tree/floor"
ln -s "$ROOT/node_modules" "$tree/floor/node_modules"
# The flags of `npm run bundle` (package.json), without the split: one command has nothing to split.
"$ROOT/node_modules/.bin/esbuild" "$tree/floor/cli.js" --bundle --platform=node --format=esm --target=node20 --outfile="$tree/floor/dist/cli.js" \
  --external:koffi --external:typescript --log-level=warning \
  --banner:js="import {createRequire as __createRequire} from 'node:module'; const require = __createRequire(import.meta.url);"

variants=(-n "defer-accept filters --json" "node $ROOT/bin/run.js filters --json" -n "oclif floor" "node $tree/floor/run.js filters --json")
if [ -n "$BEFORE" ]; then
  mkdir "$tree/before"
  git -C "$ROOT" archive "$BEFORE" | tar -x -C "$tree/before"
  ln -s "$ROOT/node_modules" "$tree/before/node_modules"
  (cd "$tree/before" && npx tsc -p tsconfig.json && npm run -s bundle && make -s -C native >/dev/null)
  variants+=(-n "before ($BEFORE)" "node $tree/before/bin/run.js filters --json")
fi

mkdir -p "$BENCH/results"
hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$BENCH/results/startup.json" "${variants[@]}" -n "node -e 0" "node -e 0" >&2
node -e '
const results = require(process.argv[1]).results
const node = results.at(-1)
const ms = (s) => (s * 1000).toFixed(0) + " ms"
const os = require("os")
console.log(`${new Date().toISOString().slice(0, 16)}Z, node ${process.version}, ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(2)}`)
for (const x of results) console.log(`${x.command.padEnd(28)} median ${ms(x.median)}  user ${ms(x.user)}  system ${ms(x.system)}  ratio ${(x.median / node.median).toFixed(2)}`)
console.log("goal: defer-accept filters --json median <= 1.5x node -e 0")
' "$BENCH/results/startup.json"
