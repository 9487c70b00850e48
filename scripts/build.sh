#!/usr/bin/env bash
# Builds the npm package into pkg/: the wasm core (wasm-pack, --target web), optimised with
# npm binaryen's wasm-opt (wasm-pack's own would download binaryen from GitHub), plus the
# files of pkg-template/. Run scripts/setup.sh first on a fresh machine.
#
# For tests only: WASMSOCKET_BUILD_FEATURES=test-trap WASMSOCKET_BUILD_OUT=pkg-trap builds the
# same package with cargo feature test-trap (a wasm export testTrap() that panics) into
# pkg-trap/, which tests/*/trap tests import. pkg/ never has that export.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
pkg=${WASMSOCKET_BUILD_OUT:-pkg}
features=${WASMSOCKET_BUILD_FEATURES:-}
case "$pkg" in pkg | pkg-trap) ;; *) echo "build.sh: WASMSOCKET_BUILD_OUT must be pkg or pkg-trap" >&2; exit 1 ;; esac
[ "$pkg" = pkg ] || [ -n "$features" ] || { echo "build.sh: $pkg/ is for a test feature build" >&2; exit 1; }
[ "$pkg" != pkg ] || [ -z "$features" ] || { echo "build.sh: a feature build goes to pkg-trap/, not pkg/" >&2; exit 1; }

rm -rf "$pkg"
# stepped-allocator: the package's global allocator (src/wasm/allocator.rs). A cargo feature, not
# always on, because test crates built for wasm32 (wasm-pack test) install their own counting one.
wasm-pack --quiet build --target web --release --no-pack --out-dir "$pkg/wasm" --out-name wasmsocket \
  -- --features "stepped-allocator${features:+,$features}"
rm -f "$pkg/wasm/.gitignore"

# scripts/wasm-opt.args says why each argument.
read -r -d '' -a wasm_opt_args < <(sed 's/#.*//' scripts/wasm-opt.args) || true
[ "${#wasm_opt_args[@]}" -gt 0 ] || { echo "build.sh: scripts/wasm-opt.args is empty" >&2; exit 1; }
wasm-opt -O3 "${wasm_opt_args[@]}" "$pkg/wasm/wasmsocket_bg.wasm" -o "$pkg/wasm/wasmsocket_bg.wasm"

# The published types must check with nothing beyond ES2022 plus Node's types (node.d.mts) or
# the DOM (index.d.ts). The generated types end with the loader's (InitInput, initSync, init),
# which name DOM types (RequestInfo, Response, WebAssembly.*), and give Connection a
# [Symbol.dispose] (lib esnext.disposable). The package entries load the wasm themselves, so
# the loader's types go; so does the dispose line (free() stays). The rest stays verbatim.
node -e '
  const fs = require("node:fs"), file = process.argv[1] + "/wasm/wasmsocket.d.ts";
  let text = fs.readFileSync(file, "utf8");
  const cut = text.indexOf("\nexport type InitInput"), dispose = /^ *\[Symbol\.dispose\]\(\): void;\n/gm;
  if (cut < 0 || !dispose.test(text)) { console.error("build.sh: generated wasmsocket.d.ts changed shape; update the trim"); process.exit(1); }
  text = text.slice(0, cut + 1).replace(dispose, "");
  fs.writeFileSync(file, text + "\n// (The loader'"'"'s types, InitInput/initSync/init, are left out: the package entries load the wasm.)\n");
' "$pkg"

cp LICENSE pkg-template/package.json pkg-template/README.md pkg-template/*.mjs pkg-template/index.d.ts pkg-template/browser.d.ts \
  pkg-template/node.d.mts pkg-template/deno.d.mts pkg-template/redis.d.mts pkg-template/bench-echo.svg "$pkg/"
cp -r js "$pkg/js"
echo "built $pkg/${features:+ (features: $features)}: wasm $(stat -c %s "$pkg/wasm/wasmsocket_bg.wasm") bytes, gzip $(gzip -9c "$pkg/wasm/wasmsocket_bg.wasm" | wc -c) bytes"
