// Serving WebSockets from an existing http/https server: handleUpgrade for frameworks, and
// attachWS to route a server's 'upgrade' events by path.

import { serveSocket } from './listen.mjs';
import { unquote } from '../url.mjs';
import { CoreTrappedError } from '../trap.mjs';

/**
 * Takes over a socket from an http server's 'upgrade' event. The request Node already parsed
 * is written back into its wire form so the core validates the handshake as for any other
 * connection. Returns the protocol instance. After the wasm core trapped (js/trap.mjs) it
 * destroys the socket and throws CoreTrappedError.
 */
export function handleUpgrade(factory, req, socket, head) {
  socket.setTimeout(0);
  let raw = `${req.method} ${req.url} HTTP/${req.httpVersion}\r\n`;
  for (let i = 0; i < req.rawHeaders.length; i += 2) raw += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`;
  raw += '\r\n';
  const protocol = serveSocket(factory, socket, Boolean(socket.encrypted));
  protocol._dataReceived(Buffer.from(raw, 'latin1'));
  if (head && head.length) protocol._dataReceived(head);
  return protocol;
}

const routeTables = new WeakMap();

/**
 * Routes `httpServer`'s upgrade requests for `path` to `factory` (default: the path of the
 * factory's URL if it was given one, else every path). Several factories can share a server;
 * an upgrade to an unrouted path gets 404. Returns { close() } to remove the route.
 */
export function attachWS(httpServer, factory, { path = factory.url === 'ws://localhost' ? null : factory.path } = {}) {
  let table = routeTables.get(httpServer);
  if (!table) {
    table = new Map();
    routeTables.set(httpServer, table);
    httpServer.on('upgrade', (req, socket, head) => {
      // Compared percent-decoded, as parseUrl gives a factory's path.
      const pathname = unquote(new URL(req.url, 'http://localhost').pathname);
      const target = table.get(pathname) ?? table.get(null);
      if (target) {
        // After a trap handleUpgrade destroys the socket and throws: never into the server.
        try {
          return handleUpgrade(target, req, socket, head);
        } catch (error) {
          if (error instanceof CoreTrappedError) return undefined;
          throw error;
        }
      }
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\nNot Found');
      return undefined;
    });
  }
  if (table.has(path)) throw new Error(`a factory is already attached to path ${path ?? '(any)'}`);
  table.set(path, factory);
  return { close: () => table.delete(path) };
}
