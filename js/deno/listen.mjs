// autobahn.twisted's listenWS and connectWS for Deno: TCP, TLS and Unix sockets over Deno's
// own API (Deno.listen, Deno.listenTls, Deno.connect, Deno.connectTls). Same shapes as the
// Node versions in ../node/listen.mjs, HTTP CONNECT proxies included. No node: imports.

import { DenoTransport } from './transport.mjs';
import { listenerUrl } from '../url.mjs';
import { withTimeout } from '../timeout.mjs';
import { shutdown, shutdownCounts, closeOnce } from '../shutdown.mjs';
import { coreTrapped, onCoreTrap, whenTrapped } from '../trap.mjs';
import { isWorker, sharedPort, superviseWorkers, joinWorkers, requireReusePort } from './workers.mjs';

/** Serves one accepted connection with a new protocol from `factory` (after a trap: closes it and throws CoreTrappedError). */
export function serveConn(factory, conn, { isSecure = false, peer = null } = {}) {
  const transport = new DenoTransport(conn, { isSecure, peer });
  return { protocol: factory._start(transport), transport };
}

function unixPath(factory) {
  return factory.host?.startsWith('unix:') ? factory.host.slice('unix:'.length) : null;
}

const textDecoder = new TextDecoder();
/** PEM text from a string or bytes (Node-style options may hold Buffers). */
function pem(value) {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : textDecoder.decode(value);
}

/**
 * Listens for WebSocket connections. `port`/`host` default to the factory's URL, `tls` takes
 * { cert, key } (PEM), `path` a Unix socket path (or use a ws://unix:/path URL), `reusePort`
 * lets other processes listen on the same port (--unstable-net). Resolves to a handle:
 * { listener, port, host, url, close({ timeout }) }.
 *
 * `workers: N` runs this module in N Web Workers sharing the port (js/deno/workers.mjs; needs
 * --unstable-net): in the main thread this resolves to the supervisor's handle { port, host,
 * url, workers(), close({ timeout }), onWorkerExit } and builds no protocols; in each worker
 * it listens as usual and publishing reaches the subscribers of every worker.
 */
export async function listenWS(factory, { workers = null, ...options } = {}) {
  if (workers === null) return listen(factory, options);
  if (options.path ?? unixPath(factory)) throw new TypeError('listenWS: workers share a TCP port, not a Unix socket');
  if (!isWorker()) return superviseWorkers(workers, { port: options.port ?? factory.port });
  const handle = await listen(factory, { ...options, port: await sharedPort(), reusePort: true });
  joinWorkers(factory, handle);
  return handle;
}

async function listen(factory, { port, host, tls = null, path, reusePort = false }) {
  const socketPath = path ?? unixPath(factory);
  const isSecure = Boolean(tls);
  let listener;
  if (socketPath) {
    if (isSecure) throw new TypeError('listenWS: TLS over a Unix socket is not supported on Deno');
    listener = Deno.listen({ transport: 'unix', path: socketPath });
  } else {
    // reusePort only when asked: an unstable API, which without --unstable-net ends the process.
    if (reusePort) requireReusePort('listeners with reusePort');
    const options = { hostname: host ?? factory.host, port: port ?? factory.port, ...(reusePort ? { reusePort } : {}) };
    listener = isSecure ? Deno.listenTls({ ...options, cert: pem(tls.cert), key: pem(tls.key) }) : Deno.listen(options);
  }
  /** Open connections: protocol → its transport (close() waits for the transports to end). */
  const state = { served: new Map(), handshaking: new Set(), closing: null, counts: shutdownCounts() };
  const forget = (protocol) => state.served.delete(protocol);
  const peer = socketPath ? `unix:${socketPath}` : null;
  const serve = async (conn) => {
    if (isSecure) {
      // As Node's 'secureConnection': serve only once the TLS handshake is done. A failed
      // handshake is the client's problem; it must not bring the server down.
      state.handshaking.add(conn);
      const shookHands = await conn.handshake().then(() => true, () => false);
      // Gone from the set: close() dropped (and counted) it meanwhile.
      if (!state.handshaking.delete(conn) || !shookHands) {
        try { conn.close(); } catch { /* closed */ }
        return;
      }
    }
    // After a trap (js/trap.mjs) the listener closes; one accepted meanwhile is dropped at once.
    if (coreTrapped !== null) {
      try { conn.close(); } catch { /* closed */ }
      return;
    }
    const { protocol, transport } = serveConn(factory, conn, { isSecure, peer });
    state.served.set(protocol, transport);
    protocol._whenClosed = forget;
    if (protocol._finished) forget(protocol);
  };
  const accepting = (async () => {
    for (;;) {
      let conn;
      try {
        conn = await listener.accept();
      } catch (error) {
        if (error instanceof Deno.errors.BadResource || error instanceof Deno.errors.Interrupted) return;
        // Transient accept errors (too many open files, a reset before accept): keep going.
        await new Promise((resolve) => setTimeout(resolve, 10));
        continue;
      }
      serve(conn);
    }
  })();
  return listenerHandle(factory, listener, socketPath, isSecure, state, accepting);
}

function listenerHandle(factory, listener, socketPath, isSecure, state, accepting) {
  const address = listener.addr;
  const port = socketPath ? null : address.port;
  const host = socketPath ? `unix:${socketPath}` : address.hostname;
  // After a trap: stop accepting at once (the connections are failed by js/trap.mjs).
  const forgetTrap = onCoreTrap(() => {
    try { listener.close(); } catch { /* closed */ }
  });
  return {
    listener,
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
     * open connections, drops its opening ones (TLS handshakes included), waits up to
     * `timeout` seconds (default: the factory's closeHandshakeTimeout; 0 = no deadline) for
     * the closing handshakes, then drops the rest. Resolves to { closedCleanly, dropped,
     * closedUncleanly } once every connection this listener served is gone. Later calls
     * return the first call's promise.
     */
    close(options = {}) {
      return closeOnce(state, factory, options, async (timeout) => {
        forgetTrap();
        try { listener.close(); } catch { /* closed */ }
        await accepting;
        for (const conn of state.handshaking) {
          try { conn.close(); } catch { /* closed */ }
          state.counts.dropped++;
        }
        state.handshaking.clear();
        const served = [...state.served];
        await shutdown(served.map(([protocol]) => protocol), timeout, state.counts);
        await Promise.all(served.map(([, transport]) => transport.closed));
        return { ...state.counts };
      });
    },
  };
}

/**
 * Connects to the factory's URL (ws://, wss://, ws://unix:/path), through `factory.proxy` with
 * HTTP CONNECT if set. `tls` takes { caCerts } (or Node's { ca }) for a private CA and
 * { hostname } for the name to verify; `timeout` (seconds) bounds the TCP/TLS connect, the
 * proxy's CONNECT included. Resolves once connected (the WebSocket handshake then runs; see onOpen) to
 * { protocol, close(code?, reason?) }.
 */
export async function connectWS(factory, { tls = {}, timeout = 10 } = {}) {
  const socketPath = unixPath(factory);
  const conn = await withTimeout(openConn(factory, socketPath, tls ?? {}), timeout, `connecting to ${factory.url}`, (conn) => { try { conn.close(); } catch { /* closed */ } });
  // A Unix socket client has no remote address: its peer is the socket path.
  const transport = new DenoTransport(conn, { isSecure: factory.isSecure, peer: socketPath ? `unix:${socketPath}` : null });
  return factory._connect(transport);
}

async function openConn(factory, socketPath, tls) {
  if (socketPath) {
    if (factory.isSecure) throw new TypeError('connectWS: TLS over a Unix socket is not supported on Deno');
    return Deno.connect({ transport: 'unix', path: socketPath });
  }
  const tunnel = factory.proxy ? await proxyTunnel(factory.proxy, factory.host, factory.port) : null;
  if (!factory.isSecure) return tunnel ?? Deno.connect({ hostname: factory.host, port: factory.port });
  const ca = tls.caCerts ?? (tls.ca === undefined ? undefined : [tls.ca].flat().map(pem));
  const options = { hostname: tls.hostname ?? factory.host, ...(ca ? { caCerts: ca } : {}) };
  const conn = tunnel ? await Deno.startTls(tunnel, options) : await Deno.connectTls({ ...options, port: factory.port });
  try {
    await conn.handshake();
  } catch (error) {
    try { conn.close(); } catch { /* closed */ }
    throw error;
  }
  return conn;
}

const latin1 = new TextDecoder('latin1');

/** Opens a TCP tunnel through an HTTP proxy (CONNECT host:port); resolves to the Deno.Conn. */
async function proxyTunnel(proxy, host, port) {
  const conn = await Deno.connect({ hostname: proxy.host, port: proxy.port });
  try {
    const target = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    const request = new TextEncoder().encode(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
    for (let at = 0; at < request.length;) at += await conn.write(request.subarray(at));
    // Byte by byte up to the blank line: whatever follows belongs to the tunnel (a TLS
    // handshake or the WebSocket's), and a Deno.Conn cannot take bytes back.
    const head = new Uint8Array(16384);
    let length = 0;
    while (!(length >= 4 && head[length - 4] === 13 && head[length - 3] === 10 && head[length - 2] === 13 && head[length - 1] === 10)) {
      if (length === head.length) throw new Error('proxy response head too large');
      const n = await conn.read(head.subarray(length, length + 1));
      if (n === null) throw new Error(`proxy closed the connection during CONNECT ${target}`);
      length += n;
    }
    const text = latin1.decode(head.subarray(0, length));
    if (!/^HTTP\/1\.[01] 200/.test(text)) throw new Error(`proxy refused CONNECT ${target}: ${text.slice(0, text.indexOf('\r\n'))}`);
    return conn;
  } catch (error) {
    try { conn.close(); } catch { /* closed */ }
    throw error;
  }
}

