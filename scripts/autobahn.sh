#!/usr/bin/env bash
# Runs the Autobahn testsuite against wasmsocket, as a server and/or as a client, and fails
# unless every case is OK (both `behavior` and `behaviorClose`).
#
#   bash scripts/autobahn.sh [server|client|both]        (default: both)
#
#   server: node examples/echo-server.mjs on 127.0.0.1, tested by wstest's fuzzingclient
#   client: wstest's fuzzingserver on 127.0.0.1, driven by node examples/autobahn-client.mjs
#           (or AUTOBAHN_CLIENT_CMD)
#
# Environment:
#   AUTOBAHN_CASES    sections/cases to run, comma- or space-separated: "1-10" (default),
#                     "1 2 9", "9.1.*", "7.1.6" ... (a bare number N means "N.*")
#   AUTOBAHN_TIMEOUT  upper bound in seconds for one mode's whole run (default 600)
#   AUTOBAHN_CASE_TIMEOUT  client mode: upper bound in seconds for one case (default 60; the
#                     fuzzingserver allows 12.x/13.x cases up to 480 s)
#   AUTOBAHN_DIR      where the testsuite is installed (default .autobahn, gitignored)
#   AUTOBAHN_SERVER_CMD  the echo server for server mode, given --port P --host 127.0.0.1 and
#                     expected to print "listening on ws://..." (default: node examples/echo-server.mjs).
#                     The Deno one: "node_modules/.bin/deno run --no-check --allow-net=127.0.0.1 examples/echo-server.ts"
#   AUTOBAHN_CLIENT_CMD  the fuzzingserver driver for client mode, given the fuzzingserver's URL and
#                     the agent name (default: node examples/autobahn-client.mjs).
#                     The Deno one: "node_modules/.bin/deno run --no-check --allow-net=127.0.0.1 examples/autobahn-client.ts"
#
# The testsuite is Python 2 only: it needs pyenv's 2.7.18 (this script does not build Python)
# and installs autobahntestsuite from PyPI into $AUTOBAHN_DIR/py2lib on first use.
# Reports (JSON + HTML) go to reports/autobahn/{server,client}/ (gitignored).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
MODE=${1:-both}
case "$MODE" in server|client|both) ;; *) echo "usage: $0 [server|client|both]" >&2; exit 2 ;; esac
DIR=$(mkdir -p "${AUTOBAHN_DIR:-.autobahn}" && cd "${AUTOBAHN_DIR:-.autobahn}" && pwd)
LIB=$DIR/py2lib
REPORTS=$ROOT/reports/autobahn
TIMEOUT=${AUTOBAHN_TIMEOUT:-600}
SUITE_VERSION=25.10.1   # the autobahntestsuite release these results were checked with
[ -d "$HOME/.pyenv/bin" ] && export PATH="$HOME/.pyenv/bin:$PATH"
[ -f pkg/node.mjs ] || { echo "autobahn: pkg/ is not built; run bash scripts/build.sh first" >&2; exit 1; }

# ---- Python 2.7 and the testsuite ----
PY2=$(PYENV_VERSION=2.7.18 pyenv which python 2>/dev/null || true)
if [ -z "$PY2" ] || ! "$PY2" -c 'import sys; assert sys.version_info[:2] == (2, 7)' 2>/dev/null; then
  echo "autobahn: needs Python 2.7.18 from pyenv (the Autobahn testsuite is Python 2 only)." >&2
  echo "autobahn: 'PYENV_VERSION=2.7.18 pyenv which python' found none; install it with 'pyenv install 2.7.18'." >&2
  exit 1
fi
if [ ! -f "$LIB/autobahntestsuite/wstest.py" ]; then
  echo "autobahn: installing autobahntestsuite $SUITE_VERSION from PyPI into $LIB (about half a minute)"
  rm -rf "$LIB.partial"
  "$PY2" -m pip install -q --disable-pip-version-check --no-warn-script-location \
    --target "$LIB.partial" "autobahntestsuite==$SUITE_VERSION" 2>&1 | grep -v DEPRECATION || true
  [ -f "$LIB.partial/autobahntestsuite/wstest.py" ] || { echo "autobahn: pip install of autobahntestsuite failed" >&2; exit 1; }
  rm -rf "$LIB" && mv "$LIB.partial" "$LIB"
fi

# wstest with the suite on its path: "$PY2" -c "$WSTEST" -m MODE ... The fuzzingserver would
# listen on every interface; the patch binds it to 127.0.0.1 (its spec has no option for that).
WSTEST="
import site; site.addsitedir('$LIB')
from autobahntestsuite import wstest
listen = wstest.fuzzing.listenWS
wstest.fuzzing.listenWS = lambda factory, context=None: listen(factory, context, interface='127.0.0.1')
wstest.run()"

# ---- the case list: AUTOBAHN_CASES → a JSON array ----
CASES_JSON=$(node -e '
  const out = [];
  for (const item of process.argv[1].split(/[\s,]+/).filter(Boolean)) {
    const range = /^(\d+)-(\d+)$/.exec(item);
    if (range) for (let n = +range[1]; n <= +range[2]; n++) out.push(`${n}.*`);
    else if (/^\d+$/.test(item)) out.push(`${item}.*`);
    else if (/^[\d.*]+$/.test(item)) out.push(item);
    else { console.error(`autobahn: bad AUTOBAHN_CASES item "${item}"`); process.exit(2); }
  }
  console.log(JSON.stringify(out));' "${AUTOBAHN_CASES:-1-10}")

# Check the patterns with the suite's own case list: wstest hangs on an unknown case id.
"$PY2" -c "
import site, sys, json; site.addsitedir('$LIB')
from autobahntestsuite.case import Cases, CaseCategories, CaseSubCategories, CaseSetname, CaseBasename
from autobahntestsuite.caseset import CaseSet
cases = CaseSet(CaseSetname, CaseBasename, Cases, CaseCategories, CaseSubCategories)
patterns = json.loads(sys.argv[1])
unknown = [p for p in patterns if '*' not in p and p not in cases.CasesIndices]
if unknown:
   sys.exit('autobahn: AUTOBAHN_CASES: unknown case %s (patterns look like 7.13.* or 7.13.1)' % ', '.join(unknown))
empty = [p for p in patterns if not cases.resolveCasePatternList([p])]
selected = cases.parseSpecCases({'cases': patterns})
if not selected:
   sys.exit('autobahn: AUTOBAHN_CASES selects no case')
print('autobahn: %d cases selected%s' % (len(selected), ' (none in %s)' % ', '.join(empty) if empty else ''))
" "$CASES_JSON"

free_port() {
  node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'
}

# Background processes started here, killed on exit whatever happens.
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

stop() { # stop PID: TERM, then KILL after 5 s
  kill "$1" 2>/dev/null || return 0
  for _ in $(seq 50); do kill -0 "$1" 2>/dev/null || { wait "$1" 2>/dev/null || true; return 0; }; sleep 0.1; done
  kill -9 "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

why() { [ "$1" = 124 ] && echo ", timed out after $TIMEOUT s (AUTOBAHN_TIMEOUT)"; true; }

FAILED=0
TIMES=()

run_server_mode() {
  local out=$REPORTS/server port pid start
  rm -rf "$out" && mkdir -p "$out"
  port=$(free_port)
  start=$SECONDS
  echo "autobahn: server mode: ${AUTOBAHN_SERVER_CMD:-node examples/echo-server.mjs} on 127.0.0.1:$port, cases $CASES_JSON"
  # Word-split on purpose: a command with its arguments.
  # shellcheck disable=SC2086
  ${AUTOBAHN_SERVER_CMD:-node examples/echo-server.mjs} --port "$port" --host 127.0.0.1 >"$out/echo-server.log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  for _ in $(seq 200); do
    grep -q 'listening on ws://' "$out/echo-server.log" && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if ! grep -q 'listening on ws://' "$out/echo-server.log"; then
    echo "autobahn: echo-server did not start:" >&2; cat "$out/echo-server.log" >&2; return 1
  fi
  cat >"$out/spec.json" <<EOF
{"outdir": "$out", "servers": [{"agent": "wasmsocket", "url": "ws://127.0.0.1:$port"}],
 "cases": $CASES_JSON, "exclude-cases": [], "exclude-agent-cases": {}}
EOF
  local rc=0
  (cd "$out" && exec timeout "$TIMEOUT" "$PY2" -c "$WSTEST" -m fuzzingclient -s spec.json) >"$out/wstest.log" 2>&1 || rc=$?
  kill -0 "$pid" 2>/dev/null || { echo "autobahn: echo-server died during the run:" >&2; tail -20 "$out/echo-server.log" >&2; rc=1; }
  stop "$pid"
  TIMES+=("server $((SECONDS - start)) s")
  echo "autobahn: server mode took $((SECONDS - start)) s (wstest log: $out/wstest.log)"
  if [ "$rc" != 0 ]; then
    echo "autobahn: wstest fuzzingclient failed (exit $rc$(why "$rc")); last lines:" >&2
    tail -5 "$out/wstest.log" >&2
  fi
  node scripts/autobahn-report.mjs "$out/index.json" "server" || rc=1
  return "$rc"
}

run_client_mode() {
  local out=$REPORTS/client port pid start
  rm -rf "$out" && mkdir -p "$out"
  port=$(free_port)
  start=$SECONDS
  echo "autobahn: client mode: fuzzingserver on 127.0.0.1:$port, cases $CASES_JSON"
  cat >"$out/spec.json" <<EOF
{"url": "ws://127.0.0.1:$port", "outdir": "$out",
 "cases": $CASES_JSON, "exclude-cases": [], "exclude-agent-cases": {}}
EOF
  (cd "$out" && exec "$PY2" -c "$WSTEST" -m fuzzingserver -s spec.json --webport 0) >"$out/wstest.log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  local up=0
  for _ in $(seq 300); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then up=1; break; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if [ "$up" != 1 ]; then
    echo "autobahn: the fuzzingserver did not start:" >&2; tail -20 "$out/wstest.log" >&2; return 1
  fi
  local rc=0
  echo "autobahn: client mode: driven by ${AUTOBAHN_CLIENT_CMD:-node examples/autobahn-client.mjs}"
  # Word-split on purpose: a command with its arguments.
  # shellcheck disable=SC2086
  timeout "$TIMEOUT" ${AUTOBAHN_CLIENT_CMD:-node examples/autobahn-client.mjs} "ws://127.0.0.1:$port" wasmsocket \
    --case-timeout "${AUTOBAHN_CASE_TIMEOUT:-60}" || rc=$?
  stop "$pid"
  TIMES+=("client $((SECONDS - start)) s")
  echo "autobahn: client mode took $((SECONDS - start)) s (fuzzingserver log: $out/wstest.log)"
  [ "$rc" = 0 ] || echo "autobahn: autobahn-client failed (exit $rc$(why "$rc"))" >&2
  node scripts/autobahn-report.mjs "$out/index.json" "client" || rc=1
  return "$rc"
}

if [ "$MODE" != client ]; then run_server_mode || FAILED=1; fi
if [ "$MODE" != server ]; then run_client_mode || FAILED=1; fi
echo "autobahn: $([ "$FAILED" = 0 ] && echo 'all OK' || echo 'FAILED') (took: $(printf '%s; ' "${TIMES[@]}" | sed 's/; $//'))"
exit "$FAILED"
