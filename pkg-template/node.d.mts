// Types of the Node entry (node.mjs; the exports map's `node` condition, for `import` and
// `require`). Everything of the runtime-agnostic API (index.d.ts), with the protocol and
// factory classes specialised to Node: payloads are `Buffer`s (the Node entry allocates them
// with `Buffer.allocUnsafe`), transports are sockets. Plus the Node transports: listenWS,
// connectWS, attachWS and handleUpgrade.
//
// Only this file depends on @types/node.

import type { Buffer } from 'node:buffer';
import type * as http from 'node:http';
import type * as https from 'node:https';
import type * as net from 'node:net';
import type { Duplex } from 'node:stream';
import type * as tls from 'node:tls';
import type * as core from './index.js';

export * from './index.js';

/** The transport of a Node connection: a `net.Socket` (or `tls.TLSSocket`). */
export interface NodeTransport extends core.ProtocolTransport {
  /** The socket. */
  readonly socket: net.Socket;
  /** The socket's last error, if any. */
  error: Error | null;
}

/**
 * What server and client protocols share, on Node: payloads are `Buffer`s. Override the
 * callbacks in a subclass of `WebSocketServerProtocol` or `WebSocketClientProtocol`.
 */
export declare class WebSocketProtocol extends core.WebSocketProtocol<Buffer> {
  readonly factory: WebSocketServerFactory | WebSocketClientFactory | null;
  readonly transport: NodeTransport | null;
}

/** The server side of a connection on Node: subclass it and set it as the factory's `protocol`. */
export declare class WebSocketServerProtocol extends core.WebSocketServerProtocol<Buffer> {
  /**
   * The factory that built this protocol (`null` until the transport connects). With a factory
   * subclass, narrow it in your protocol: `declare factory: MyFactory;`.
   */
  readonly factory: WebSocketServerFactory | null;
  readonly transport: NodeTransport | null;
}

/** The client side of a connection on Node: subclass it and set it as the factory's `protocol`. */
export declare class WebSocketClientProtocol extends core.WebSocketClientProtocol<Buffer> {
  /**
   * The factory that built this protocol (`null` until the transport connects). With a factory
   * subclass, narrow it in your protocol: `declare factory: MyFactory;`.
   */
  readonly factory: WebSocketClientFactory | null;
  readonly transport: NodeTransport | null;
}

/** Serves WebSocket connections on Node (see `listenWS`, `attachWS`, `handleUpgrade`). */
export declare class WebSocketServerFactory extends core.WebSocketServerFactory<Buffer> {
  /** The protocol class built for each connection. Default `WebSocketServerProtocol`. */
  protocol: typeof WebSocketServerProtocol;
  /** A new protocol instance for one connection. */
  buildProtocol(): WebSocketServerProtocol;
  /**
   * For frameworks: takes over a socket from an http(s) server's `'upgrade'` event and serves
   * it with a new protocol instance, which it returns. Same as `handleUpgrade(this, ...)`.
   * After a trap of the wasm core it destroys the socket and throws `CoreTrappedError`.
   */
  handleUpgrade(req: http.IncomingMessage, socket: Duplex, head?: Buffer | null): WebSocketServerProtocol;
}

/** Connects to a WebSocket server from Node (see `connectWS`). */
export declare class WebSocketClientFactory extends core.WebSocketClientFactory<Buffer> {
  /** The protocol class built for each connection. Default `WebSocketClientProtocol`. */
  protocol: typeof WebSocketClientProtocol;
  /** A new protocol instance for one connection. */
  buildProtocol(): WebSocketClientProtocol;
}

// ---------------------------------------------------------------------------------------------
// Transports (autobahn.twisted's listenWS / connectWS)
// ---------------------------------------------------------------------------------------------

/** `listenWS`'s options. */
export interface ListenOptions {
  /** The port to listen on (`0`: any free port). Default: the factory URL's port. */
  port?: number;
  /** The address to listen on. Default: the factory URL's host. */
  host?: string;
  /** Serve TLS (wss) with these `tls.createServer` options (`key`, `cert`, ...). Default `null` (plain TCP). */
  tls?: tls.TlsOptions | null;
  /** The listen backlog. Default `511`. */
  backlog?: number;
  /** Listen on this Unix socket path instead (or give the factory a `ws://unix:/path` URL). */
  path?: string;
}

/** `listenWS`'s options with `workers`. */
export interface WorkersListenOptions extends ListenOptions {
  /**
   * Run this many processes of this script on the port (node:cluster): in the primary,
   * `listenWS` forks them and resolves to a `WorkerSupervisor`; in each worker it listens and
   * resolves to its `ListeningPort`. Publishing reaches the subscribers of every worker.
   */
  workers: number;
}

/**
 * The primary's handle over its workers: it restarts one that dies (at most 5 times in 10 s,
 * then that slot stays empty and it logs why) and on `close` asks each for a graceful
 * shutdown, summing their counts.
 */
export interface WorkerSupervisor {
  port: number | null;
  host: string;
  url: string;
  workers(): import('node:cluster').Worker[];
  close(options?: core.ListenerCloseOptions): Promise<core.ListenerCloseResult>;
  /** A worker exited outside `close` (`restarted`: a new one was forked in its place). */
  onWorkerExit: ((worker: import('node:cluster').Worker, code: number | null, signal: string | null, restarted: boolean) => void) | null;
}

/**
 * For servers `listenWS` does not start (an http server with `attachWS`): in the primary,
 * forks `count` workers of this script and resolves to the supervisor once each called
 * `joinWorkers`; in a worker, resolves to `null`.
 */
export declare function startWorkers(count: number, options?: { onWorkerExit?: WorkerSupervisor['onWorkerExit'] }): Promise<WorkerSupervisor | null>;

/**
 * In a worker, once it listens: the factory joins the machine's broker (unless it has one),
 * the primary learns where it listens, and `handle.close` runs when the primary shuts down.
 */
export declare function joinWorkers(factory: WebSocketServerFactory, handle: {
  port: number | null;
  host: string;
  url: string;
  close(options?: core.ListenerCloseOptions): Promise<unknown>;
}): void;

/** The broker between the workers of one machine (set by `listenWS` / `joinWorkers`). */
export declare class ClusterBroker implements core.Broker {
  constructor();
  publish(topic: string, payload: Uint8Array, isBinary: boolean, doNotCompress: boolean): void;
  subscribe(topic: string): void;
  unsubscribe(topic: string): void;
  close(): void;
  onMessage: core.Broker['onMessage'];
}

/** What `listenWS` resolves to. */
export interface ListeningPort {
  /** The listening server. */
  server: net.Server | tls.Server;
  /** The port listened on (`null` for a Unix socket). */
  port: number | null;
  /** The address listened on (`'unix:/path'` for a Unix socket). */
  host: string;
  /** The URL clients connect to, e.g. `'ws://127.0.0.1:9001/'`. */
  url: string;
  /**
   * Resolves with the `WebAssembly.RuntimeError` once the wasm core trapped and every
   * connection it failed (close code 1011) has closed (at most about 2 s); the listener has
   * stopped accepting by then. Never rejects; never resolves without a trap.
   */
  trapped: Promise<Error>;
  /**
   * Graceful shutdown: stops accepting, sends close 1001 (going away, reason "server shutting
   * down") to this listener's open connections behind what they already queued, drops its
   * opening ones, waits up to `timeout` seconds for the closing handshakes, then drops the
   * rest. Resolves with the counts once every connection is gone. Later calls return the
   * first call's promise; a bad `timeout` rejects with a RangeError.
   */
  close(options?: core.ListenerCloseOptions): Promise<core.ListenerCloseResult>;
}

/**
 * Listens for WebSocket connections, serving each with a new `factory.protocol`. TCP by
 * default, TLS with `tls`, a Unix socket with `path` (or a `ws://unix:/path` URL).
 */
export declare function listenWS(factory: WebSocketServerFactory, options?: ListenOptions): Promise<ListeningPort>;
export declare function listenWS(factory: WebSocketServerFactory, options: WorkersListenOptions): Promise<ListeningPort | WorkerSupervisor>;

/** `connectWS`'s options. */
export interface ConnectOptions {
  /** Extra `tls.connect` options for wss (`ca`, `servername`, `rejectUnauthorized`, ...). Default `{}`. */
  tls?: tls.ConnectionOptions;
  /** Seconds the TCP/TLS connect may take (the WebSocket handshake has `openHandshakeTimeout`); `0` = no limit. Default `10`. */
  timeout?: number;
}

/** What `connectWS` resolves to. */
export interface ClientConnection {
  /** The connection's protocol instance (an instance of `factory.protocol`). */
  protocol: WebSocketClientProtocol;
  /** Closes with the closing handshake when open (default code 1000), else drops the connection. */
  close(code?: number, reason?: string | null): void;
}

/**
 * Connects to the factory's URL (`ws://`, `wss://`, `ws://unix:/path`), through
 * `factory.proxy` with HTTP CONNECT if set. Resolves once the transport is connected (the
 * WebSocket handshake then runs: see `onOpen`); rejects when it cannot connect.
 */
export declare function connectWS(factory: WebSocketClientFactory, options?: ConnectOptions): Promise<ClientConnection>;

// ---------------------------------------------------------------------------------------------
// Existing http/https servers
// ---------------------------------------------------------------------------------------------

/** An http or https server whose `'upgrade'` events `attachWS` routes. */
export type UpgradeServer = http.Server<any, any> | https.Server<any, any>;

/** `attachWS`'s options. */
export interface AttachOptions {
  /**
   * The request path to route to this factory (`null`: every path not routed elsewhere).
   * Default: the factory URL's path when it was given a URL, else `null`.
   */
  path?: string | null;
}

/** What `attachWS` returns. */
export interface Attachment {
  /** Removes the route. */
  close(): void;
}

/**
 * Routes `httpServer`'s WebSocket upgrade requests for a path to `factory`. Several factories
 * can share a server; an upgrade to an unrouted path gets 404.
 * @throws {Error} when a factory is already attached to that path.
 */
export declare function attachWS(httpServer: UpgradeServer, factory: WebSocketServerFactory, options?: AttachOptions): Attachment;

/**
 * For frameworks: takes over a socket from an http(s) server's `'upgrade'` event (`req`,
 * `socket`, `head` as the event gives them) and serves it with a new `factory.protocol`,
 * which it returns. After a trap of the wasm core it destroys the socket and throws
 * `CoreTrappedError` (`attachWS` catches that).
 */
export declare function handleUpgrade(factory: WebSocketServerFactory, req: http.IncomingMessage, socket: Duplex, head?: Buffer | null): WebSocketServerProtocol;

export * from './redis.mjs';
