#!/usr/bin/env bash
# Regenerates the package README's benchmark table and pkg-template/bench-echo.svg: builds pkg/, runs
# bench/echo.mjs (the Node servers: wasmsocket, ws, ws+bufferutil; a few minutes), then scripts/bench-chart.mjs.
# Extra arguments go to bench/echo.mjs (e.g. --rounds 3).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
mkdir -p bench/results
node bench/echo.mjs --json bench/results/echo.json --impls wasmsocket,ws,ws-bufferutil "$@"
node scripts/bench-chart.mjs bench/results/echo.json
