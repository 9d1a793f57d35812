#!/usr/bin/env bash
# Start-up of `defer-accept filters --json` (issue 2: median under 250 ms), now and at an earlier
# revision, side by side in one hyperfine run. The earlier revision is built in a temporary git
# worktree that borrows this checkout's node_modules.
#   bench/startup.sh [BEFORE_REV]   (default 8e661ee: the last commit before the CLI was bundled)
set -euo pipefail
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH")
BEFORE=${1:-8e661ee}
command -v hyperfine >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q hyperfine >&2

tree=$(mktemp -d /tmp/defer-accept-startup.XXXXXX)
trap 'git -C "$ROOT" worktree remove --force "$tree/before" >/dev/null 2>&1 || true; rm -rf "$tree"' EXIT
git -C "$ROOT" worktree add --detach "$tree/before" "$BEFORE" >/dev/null 2>&1
ln -s "$ROOT/node_modules" "$tree/before/node_modules"
(cd "$tree/before" && npx tsc -p tsconfig.json && make -s -C native >/dev/null)

mkdir -p "$BENCH/results"
hyperfine -N --warmup 3 --runs 30 --export-json "$BENCH/results/startup.json" \
  -n "before ($BEFORE, unbundled)" "node $tree/before/bin/run.js filters --json" \
  -n "now (bundled, lazy koffi)" "node $ROOT/bin/run.js filters --json" \
  -n "node alone" "node -e 0"
node -e '
const r = require(process.argv[1]).results
for (const x of r) console.log(`${x.command.padEnd(32)} median ${(x.median * 1000).toFixed(0)} ms  user ${(x.user * 1000).toFixed(0)} ms  system ${(x.system * 1000).toFixed(0)} ms`)
' "$BENCH/results/startup.json"
