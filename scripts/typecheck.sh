#!/usr/bin/env bash
# Type-checks the package's types (run after scripts/build.sh, which makes pkg/):
#   tests/types/tsconfig.json           the Node types, through the exports map, against TS usage files
#   tests/types/tsconfig.examples.json  every examples/*.mjs (checkJs) against the Node types
#   tests/types/browser/tsconfig.json   the browser entry's types (browser.d.ts: index.d.ts + the browser client), without Node's types
#   tests/types/commonjs/tsconfig.json  a CommonJS project's .ts importing the package ("module": "node20")
#   deno check                          the Deno types (pkg/deno.d.mts) against tests/deno/types-usage.ts
#                                       and the Deno examples (examples/*.ts)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
[ -f pkg/node.d.mts ] || { echo "typecheck: pkg/ is not built (bash scripts/build.sh)"; exit 1; }

# The usage files import 'wasmsocket' as a user would: a node_modules link to the built pkg/.
mkdir -p tests/types/node_modules
ln -sfn ../../../pkg tests/types/node_modules/wasmsocket

status=0
for project in tests/types/tsconfig.json tests/types/tsconfig.examples.json tests/types/browser/tsconfig.json tests/types/commonjs/tsconfig.json; do
  if tsc -p "$project"; then echo "tsc -p $project: ok"; else echo "tsc -p $project: FAILED"; status=1; fi
done
# Deno's checker (its own TypeScript, Deno's defaults such as noImplicitOverride), no network.
if DENO_NO_UPDATE_CHECK=1 NO_COLOR=1 deno check --quiet tests/deno/types-usage.ts examples/*.ts; then
  echo "deno check tests/deno/types-usage.ts examples/*.ts: ok"
else
  echo "deno check: FAILED"; status=1
fi
echo "typecheck: TypeScript $(tsc --version | sed 's/^Version //'), $(ls examples/*.mjs | wc -l) examples, $(ls tests/types/*.?ts tests/types/browser/*.ts | wc -l) usage files"
exit $status
