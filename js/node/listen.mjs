// autobahn.twisted's listenWS and connectWS for Node: TCP, TLS, Unix sockets, HTTP CONNECT proxies.

import net from 'node:net';
import tls from 'node:tls';
import { NodeTransport } from './transport.mjs';
import { listenerUrl } from '../url.mjs';
import { withTimeout } from '../timeout.mjs';
import { isWorker, superviseWorkers, joinWorkers } from './workers.mjs';
import { shutdown, shutdownCounts, closeOnce } from '../shutdown.mjs';
import { coreTrapped, onCoreTrap, whenTrapped } from '../trap.mjs';

/** Serves one accepted socket with a new protocol from `factory` (after a trap: destroys it and throws CoreTrappedError). */
export function serveSocket(factory, socket, isSecure) {
  const transport = new NodeTransport(socket, { isSecure });
  return factory._start(transport);
}

function unixPath(factory) {
  return factory.host?.startsWith('unix:') ? factory.host.slice('unix:'.length) : null;
}

/**
 * Listens for WebSocket connections. `port`/`host` default to the factory's URL, `tls` takes
 * tls.createServer options (key, cert, ...), `path` a Unix socket path (or use a
 * ws://unix:/path URL). Resolves to a handle: { server, port, host, url, close({ timeout }) }.
 *
 * `workers: N` runs N processes of this script on the port (node:cluster, js/node/workers.mjs):
 * in the primary this resolves to the supervisor's handle { port, host, url, workers(),
 * close({ timeout }), onWorkerExit } and builds no protocols; in each worker it listens as
 * usual and publishing reaches the subscribers of every worker.
 */
export function listenWS(factory, { workers = null, ...options } = {}) {
  if (workers === null) return listen(factory, options);
  if (!isWorker()) return superviseWorkers(workers);
  return listen(factory, options).then((handle) => {
    joinWorkers(factory, handle);
    return handle;
  });
}

function listen(factory, { port, host, tls: tlsOptions = null, backlog = 511, path } = {}) {
  const socketPath = path ?? unixPath(factory);
  const server = tlsOptions ? tls.createServer(tlsOptions) : net.createServer();
  const state = { protocols: new Set(), tcpSockets: new Set(), closing: null, counts: shutdownCounts() };
  const forget = (protocol) => state.protocols.delete(protocol);
  server.on(tlsOptions ? 'secureConnection' : 'connection', (socket) => {
    // After a trap (js/trap.mjs) the server closes; one accepted meanwhile is dropped at once.
    if (coreTrapped !== null) {
      socket.destroy();
      return;
    }
    // A TLS handshake that completes while shutting down: still opening, so dropped.
    if (state.closing) {
      socket.destroy();
      state.counts.dropped++;
      return;
    }
    const protocol = serveSocket(factory, socket, Boolean(tlsOptions));
    state.protocols.add(protocol);
    protocol._whenClosed = forget;
    if (protocol._finished) forget(protocol);
  });
  if (tlsOptions) {
    // The TCP sockets under TLS: those whose TLS handshake is still running belong to no
    // protocol yet, and server.close() would wait for them.
    server.on('connection', (socket) => {
      state.tcpSockets.add(socket);
      socket.once('close', () => state.tcpSockets.delete(socket));
    });
  }
  // A failed TLS handshake is the client's problem; it must not bring the server down.
  server.on('tlsClientError', () => {});
  server.on('error', () => {});
  const listenOn = socketPath ? { path: socketPath, backlog } : { port: port ?? factory.port, host: host ?? factory.host, backlog };
  return new Promise((resolve, reject) => {
    const fail = (error) => reject(error);
    server.once('error', fail);
    server.listen(listenOn, () => {
      server.off('error', fail);
      resolve(listenerHandle(factory, server, socketPath, Boolean(tlsOptions), state));
    });
  });
}

function listenerHandle(factory, server, socketPath, isSecure, state) {
  const address = server.address();
  const port = socketPath ? null : address.port;
  const host = socketPath ? `unix:${socketPath}` : address.address;
  // After a trap: stop accepting at once (the connections are failed by js/trap.mjs).
  const forgetTrap = onCoreTrap(() => server.close());
  return {
    server,
    port,
    host,
    url: listenerUrl(socketPath, host, port, isSecure),
    /**
     * Resolves with the WebAssembly.RuntimeError once the wasm core trapped and every
     * connection it failed (with 1011) has closed; the listener has stopped accepting by then.
     */
    trapped: whenTrapped(),
    /**
     * Graceful shutdown: stops accepting, sends close 1001 (going away) to this listener's
     * open connections, drops its opening ones, waits up to `timeout` seconds (default: the
     * factory's closeHandshakeTimeout; 0 = no deadline) for the closing handshakes, then drops
     * the rest. Resolves to { closedCleanly, dropped, closedUncleanly }. Later calls return
     * the first call's promise.
     */
    close(options = {}) {
      return closeOnce(state, factory, options, async (timeout) => {
        forgetTrap();
        const closed = new Promise((resolve) => server.close(() => resolve()));
        await shutdown(state.protocols, timeout, state.counts);
        // Only TLS handshakes that never completed are left: dropped too.
        for (const socket of state.tcpSockets) {
          if (socket.destroyed) continue;
          socket.destroy();
          state.counts.dropped++;
        }
        await closed;
        return { ...state.counts };
      });
    },
  };
}

/**
 * Connects to the factory's URL (ws://, wss://, ws://unix:/path), through `factory.proxy`
 * with HTTP CONNECT if set. `tls` adds tls.connect options (ca, servername, ...); `timeout`
 * (seconds) bounds the TCP/TLS connect. Resolves once connected (the WebSocket handshake then
 * runs; see onOpen) to { protocol, close(code?, reason?) }.
 */
export async function connectWS(factory, { tls: tlsOptions = {}, timeout = 10 } = {}) {
  const socket = await withTimeout(openSocket(factory, tlsOptions), timeout, `connecting to ${factory.url}`, (socket) => socket.destroy());
  // A Unix socket client has no remote address: its peer is the socket path.
  const socketPath = unixPath(factory);
  const transport = new NodeTransport(socket, { isSecure: factory.isSecure, peer: socketPath ? `unix:${socketPath}` : null });
  return factory._connect(transport);
}

async function openSocket(factory, tlsOptions) {
  const socketPath = unixPath(factory);
  let socket;
  if (socketPath) socket = await connected(net.connect({ path: socketPath }), 'connect');
  else if (factory.proxy) socket = await proxyTunnel(factory.proxy, factory.host, factory.port);
  else if (!factory.isSecure) socket = await connected(net.connect({ host: factory.host, port: factory.port }), 'connect');
  if (!factory.isSecure) return socket;
  const servername = net.isIP(factory.host) ? undefined : factory.host;
  const options = { servername, ...tlsOptions };
  const secure = socket
    ? tls.connect({ ...options, socket })
    : tls.connect({ ...options, host: factory.host, port: factory.port });
  return connected(secure, 'secureConnect');
}

function connected(socket, event) {
  return new Promise((resolve, reject) => {
    socket.once(event, () => { socket.off('error', reject); resolve(socket); });
    socket.once('error', reject);
  });
}


/** Opens a TCP tunnel through an HTTP proxy (CONNECT host:port). */
async function proxyTunnel(proxy, host, port) {
  const socket = await connected(net.connect({ host: proxy.host, port: proxy.port }), 'connect');
  const target = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
  return new Promise((resolve, reject) => {
    let head = Buffer.alloc(0);
    const onData = (chunk) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > 16384) fail(new Error('proxy response head too large'));
        return;
      }
      socket.off('data', onData);
      socket.off('error', fail);
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(head.toString('latin1'));
      if (!status || status[1] !== '200') {
        socket.destroy();
        reject(new Error(`proxy refused CONNECT ${target}: ${head.subarray(0, head.indexOf('\r\n')).toString('latin1')}`));
        return;
      }
      const rest = head.subarray(end + 4);
      if (rest.length) socket.unshift(rest);
      resolve(socket);
    };
    const fail = (error) => { socket.destroy(); reject(error); };
    socket.on('data', onData);
    socket.once('error', fail);
  });
}
