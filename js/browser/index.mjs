// The browser client API: the Node client's names and semantics over the browser's WebSocket.
export { WebSocketClientFactory } from './factory.mjs';
export { WebSocketClientProtocol } from './protocol.mjs';
export { connectWS } from './connect.mjs';
export { BROWSER_OPTIONS } from './options.mjs';
