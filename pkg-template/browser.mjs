// @ts-self-types="./index.d.ts"
// Browser entry: fetches ./wasm/wasmsocket_bg.wasm relative to this module.
import init from './wasm/wasmsocket.js';
export * from './wasm/wasmsocket.js';
export * from './js/index.mjs';
await init();
