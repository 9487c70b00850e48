// connectWS for the browser: the same call and handle as Node's.

import { BrowserTransport } from './transport.mjs';

/**
 * Connects `factory`'s protocol through the browser's WebSocket. Resolves at once to
 * `{protocol, close(code?, reason?)}`: a page cannot tell a refused TCP connection from a
 * refused handshake, so both end in onClose(false, 1006, ...). Rejects only when the browser
 * refuses the URL or the subprotocol list.
 */
export async function connectWS(factory) {
  return factory._connect(new BrowserTransport(factory));
}
