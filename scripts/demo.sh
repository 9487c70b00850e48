#!/usr/bin/env bash
# The demo: builds what is needed, then shows wasmsocket servers and clients talking on
# 127.0.0.1, and stops them.
#
#   bash scripts/demo.sh            echo server + echo client, then chat server + two chat
#                                   clients; ends by itself, exit 0 when every exchange worked
#   bash scripts/demo.sh --serve [PORT]
#                                   keep the chat server running on http://127.0.0.1:PORT/
#                                   (default 8080) for a browser, until Ctrl-C
set -euo pipefail
cd "$(dirname "$0")/.."

SERVE=0
PORT=8080
case "${1:-}" in
  '') ;;
  --serve) SERVE=1; PORT=${2:-8080} ;;
  *) echo "usage: $0 [--serve [PORT]]" >&2; exit 2 ;;
esac

# ---- build (setup without the fuzzing tools; pkg/ only when a source is newer) ----
SKIP_FUZZ=1 bash scripts/setup.sh
if [ ! -f pkg/node.mjs ] || [ ! -f pkg/wasm/wasmsocket_bg.wasm ] \
   || [ -n "$(find src js pkg-template Cargo.toml Cargo.lock -newer pkg/wasm/wasmsocket_bg.wasm -print -quit)" ]; then
  bash scripts/build.sh
else
  echo "demo: pkg/ is up to date"
fi

if [ "$SERVE" = 1 ]; then
  echo "demo: open the URL below in a few browser tabs and chat; Ctrl-C stops the server."
  exec node examples/chat-server.mjs --port "$PORT" --host 127.0.0.1
fi

# ---- servers started here are stopped on exit, whatever happens ----
PIDS=()
LOGS=$(mktemp -d)
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$LOGS"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'
}

# start NAME SCRIPT ARGS...: runs a server in the background and waits for its "listening on" line.
start() {
  local name=$1; shift
  node "$@" >"$LOGS/$name.log" 2>&1 &
  PIDS+=("$!")
  for _ in $(seq 100); do
    grep -q 'listening on' "$LOGS/$name.log" && { sed 's/^/  /' "$LOGS/$name.log"; return 0; }
    kill -0 "$!" 2>/dev/null || break
    sleep 0.1
  done
  echo "demo: $name did not start:" >&2; cat "$LOGS/$name.log" >&2; return 1
}

echo
echo "== 1. echo: examples/echo-server.mjs + examples/echo-client.mjs =="
port=$(free_port)
start echo-server examples/echo-server.mjs --port "$port" --host 127.0.0.1
node examples/echo-client.mjs "ws://127.0.0.1:$port" | sed 's/^/  /'

echo
echo "== 2. chat: examples/chat-server.mjs + two examples/chat-client.mjs =="
port=$(free_port)
start chat-server examples/chat-server.mjs --port "$port" --host 127.0.0.1
page=$(node -e 'fetch(process.argv[1]).then(async (r) => console.log(r.status, (await r.text()).length, "bytes"))' "http://127.0.0.1:$port/")
echo "  GET / -> $page of HTML"
# alice joins first and stays until bob is done; both print everything the room says.
(sleep 3 | node examples/chat-client.mjs "ws://127.0.0.1:$port/chat" --name alice >"$LOGS/alice.log" 2>&1) &
alice=$!
sleep 1
printf 'hello, room\nwho is here?\n' | node examples/chat-client.mjs "ws://127.0.0.1:$port/chat" --name bob >"$LOGS/bob.log" 2>&1
wait "$alice"
echo "  bob saw:";   sed 's/^/    /' "$LOGS/bob.log"
echo "  alice saw:"; sed 's/^/    /' "$LOGS/alice.log"
grep -q '^bob: who is here?$' "$LOGS/alice.log" || { echo "demo: alice did not receive bob's messages" >&2; exit 1; }

echo
echo "demo: ok (servers stopped). For a browser: bash scripts/demo.sh --serve"
