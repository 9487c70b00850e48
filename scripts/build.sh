#!/usr/bin/env bash
# Builds the npm package into pkg/: the wasm core (wasm-pack, --target web), optimised with
# npm binaryen's wasm-opt (wasm-pack's own would download binaryen from GitHub), plus the
# files of pkg-template/. Run scripts/setup.sh first on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"

rm -rf pkg
wasm-pack --quiet build --target web --release --no-pack --out-dir pkg/wasm --out-name wasmsocket
rm -f pkg/wasm/.gitignore

# Feature flags wasm-opt must accept: those rustc enables by default for wasm32 plus simd128.
wasm-opt -O3 --enable-bulk-memory --enable-bulk-memory-opt --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
  --enable-simd pkg/wasm/wasmsocket_bg.wasm -o pkg/wasm/wasmsocket_bg.wasm

cp pkg-template/package.json pkg-template/*.mjs pkg-template/index.d.ts pkg/
mkdir -p pkg && cp -r js pkg/js
cp pkg-template/README.md pkg/ 2>/dev/null || cp README.md pkg/
echo "built pkg/: wasm $(stat -c %s pkg/wasm/wasmsocket_bg.wasm) bytes, gzip $(gzip -9c pkg/wasm/wasmsocket_bg.wasm | wc -c) bytes"
