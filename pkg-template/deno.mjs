// @ts-self-types="./deno.d.mts"
// Deno entry: the source-phase import puts the .wasm in the module graph, so no
// --allow-read permission is needed to load it.
import source wasmModule from './wasm/wasmsocket_bg.wasm';
import { initSync } from './wasm/wasmsocket.js';
import { bindCore } from './js/wire.mjs';
export * from './wasm/wasmsocket.js';
export * from './js/deno/index.mjs';
initSync({ module: wasmModule });
// The numbers shared with the core (Kind, Status, Opcode) come from the wasm, now loaded.
bindCore();
