// @ts-self-types="./node.d.mts"
// Node entry: loads the wasm synchronously, so it works for `import` and for `require()`
// (Node >= 20.19 can require an ES module that has no top-level await).
import { readFileSync } from 'node:fs';
import { initSync } from './wasm/wasmsocket.js';
import { bindCore } from './js/wire.mjs';
export * from './wasm/wasmsocket.js';
export * from './js/node/index.mjs';
initSync({ module: readFileSync(new URL('./wasm/wasmsocket_bg.wasm', import.meta.url)) });
// The numbers shared with the core (Kind, Status, Opcode) come from the wasm, now loaded.
bindCore();
