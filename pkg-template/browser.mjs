// @ts-self-types="./browser.d.ts"
// Browser entry: fetches ./wasm/wasmsocket_bg.wasm relative to this module. The client classes
// and connectWS are the browser's (js/browser/: the browser's own WebSocket, through web-sys);
// they take the place of the runtime-agnostic ones of the same names.
import init from './wasm/wasmsocket.js';
import { bindCore } from './js/wire.mjs';
export * from './wasm/wasmsocket.js';
export * from './js/index.mjs';
export { WebSocketClientFactory, WebSocketClientProtocol, connectWS, BROWSER_OPTIONS } from './js/browser/index.mjs';
await init();
// The numbers shared with the core (Kind, Status, Opcode) come from the wasm, now loaded.
bindCore();
