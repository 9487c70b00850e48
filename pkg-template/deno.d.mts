// Types of the Deno entry (deno.mjs; the exports map's `deno` condition). Everything of the
// runtime-agnostic API (index.d.ts: payloads are `Uint8Array`s) plus the Deno transports over
// `Deno.Conn`: listenWS, connectWS, serveConn and DenoTransport, and workers (Web Workers
// sharing a port): isWorker, startWorkers, joinWorkers and WorkerBroker.
//
// Deno's own types (`Deno.Conn`, `Deno.Listener`) are global in Deno; nothing is imported.

/// <reference lib="deno.ns" />
import type * as core from './index.d.ts';

export * from './index.d.ts';

/** The transport of a Deno connection: a `Deno.Conn` (TCP, TLS or Unix socket). */
export declare class DenoTransport implements core.ProtocolTransport {
  /**
   * `peer` overrides the peer string (an accepted Unix socket connection has no remote path:
   * pass `'unix:/path'`). `highWaterMark` (bytes, default 64 KiB): `write` returns `false`
   * above it.
   */
  constructor(conn: Deno.Conn, options?: { isSecure?: boolean; peer?: string | null; highWaterMark?: number });
  /** The connection. */
  readonly conn: Deno.Conn;
  readonly isSecure: boolean;
  readonly peer: string | null;
  readonly highWaterMark: number;
  /** The connection's last error, if any. */
  error: Error | null;
  /** Resolves once the connection is gone (after the protocol's onClose). */
  readonly closed: Promise<void>;
  write(chunks: Uint8Array[]): boolean;
  /** `write([chunk])` without the array (factory.publish's path). */
  writeChunk(chunk: Uint8Array): void;
  cork(): void;
  uncork(): void;
  end(): void;
  destroy(): void;
  pause(): void;
  resume(): void;
  setNoDelay(on: boolean): void;
  readonly bufferedAmount: number;
}

/** PEM text, as a string or its bytes. */
export type Pem = string | Uint8Array;

/** `listenWS`'s options. */
export interface ListenOptions {
  /** The port to listen on (`0`: any free port). Default: the factory URL's port. */
  port?: number;
  /** The address to listen on. Default: the factory URL's host. */
  host?: string;
  /** Serve TLS (wss, `Deno.listenTls`) with this PEM certificate chain and key. Default `null` (plain TCP). */
  tls?: { cert: Pem; key: Pem } | null;
  /** Listen on this Unix socket path instead (or give the factory a `ws://unix:/path` URL). */
  path?: string;
  /**
   * Let other listeners (other processes) bind the same port (`Deno.listen`'s `reusePort`,
   * Linux spreads connections over them). An unstable Deno API: needs `--unstable-net`, else
   * `listenWS` throws. Default `false`.
   */
  reusePort?: boolean;
}

/** `listenWS`'s options with `workers`. */
export interface WorkersListenOptions extends ListenOptions {
  /**
   * Run this module in this many Web Workers sharing the port (`Deno.listen`'s `reusePort`;
   * needs `--unstable-net`, and `--allow-read` for the module's files, which each worker loads
   * again): in the main thread, `listenWS` starts them and resolves to a `WorkerSupervisor`;
   * in each worker it listens and resolves to its `ListeningPort`. Publishing reaches the
   * subscribers of every worker. Not with a Unix socket.
   */
  workers: number;
}

/** A worker thread: a Web Worker, with its thread's name (`'wasmsocket-worker-1'`, ...). */
export type SupervisedWorker = Worker & { readonly name: string };

/**
 * The main thread's handle over its workers: it restarts one that ends (an uncaught error,
 * `Deno.exit`, `self.close`, a trap of the wasm core; at most 5 times in 10 s, then that slot
 * stays empty and it logs why) and on `close` asks each for a graceful shutdown, summing
 * their counts.
 */
export interface WorkerSupervisor {
  port: number | null;
  host: string;
  url: string;
  workers(): SupervisedWorker[];
  close(options?: core.ListenerCloseOptions): Promise<core.ListenerCloseResult>;
  /**
   * A worker ended outside `close`: `code` when it exited, `error` (the message) when it threw
   * (`restarted`: a new one was started in its place).
   */
  onWorkerExit: ((worker: SupervisedWorker, code: number | null, error: string | null, restarted: boolean) => void) | null;
}

/** True in a worker that `listenWS`'s `workers` or `startWorkers` started (signals reach every thread: handle them where this is false). */
export declare function isWorker(): boolean;

/**
 * For servers `listenWS` does not start (your own `Deno.listen({ port, reusePort: true })`
 * with `serveConn`, on a fixed port): in the main thread, starts `count` workers running the
 * main module again and resolves to the supervisor once each called `joinWorkers`; in a
 * worker, resolves to `null`. Needs `--unstable-net`.
 */
export declare function startWorkers(count: number, options?: { onWorkerExit?: WorkerSupervisor['onWorkerExit'] }): Promise<WorkerSupervisor | null>;

/**
 * In a worker, once it listens: the factory joins the process's broker (unless it has one),
 * the supervisor learns where it listens, and `handle.close` runs when the supervisor shuts down.
 */
export declare function joinWorkers(factory: core.WebSocketServerFactory, handle: {
  port: number | null;
  host: string;
  url: string;
  close(options?: core.ListenerCloseOptions): Promise<unknown>;
}): void;

/** The broker between the workers of one process (set by `listenWS` / `joinWorkers`). */
export declare class WorkerBroker implements core.Broker {
  constructor();
  publish(topic: string, payload: Uint8Array, isBinary: boolean, doNotCompress: boolean): void;
  subscribe(topic: string): void;
  unsubscribe(topic: string): void;
  close(): void;
  onMessage: core.Broker['onMessage'];
}

/** What `listenWS` resolves to. */
export interface ListeningPort {
  /** The listener (`Deno.listen` / `Deno.listenTls`). */
  listener: Deno.Listener;
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
 * Permissions: `--allow-net=HOST` (a Unix socket: `--allow-net=unix:PATH --allow-write=PATH`).
 * With `workers` (`WorkersListenOptions`), also `--unstable-net` and `--allow-read`.
 */
export declare function listenWS(factory: core.WebSocketServerFactory, options?: ListenOptions): Promise<ListeningPort>;
export declare function listenWS(factory: core.WebSocketServerFactory, options: WorkersListenOptions): Promise<ListeningPort | WorkerSupervisor>;

/** `connectWS`'s options. */
export interface ConnectOptions {
  /**
   * For wss: `caCerts` (PEM strings) or Node's spelling `ca` trust a private CA; `hostname`
   * overrides the name the certificate is checked against. Default `{}`.
   */
  tls?: { caCerts?: string[]; ca?: Pem | Pem[]; hostname?: string };
  /** Seconds the TCP/TLS connect (and a proxy's CONNECT) may take; `0` = no limit. Default `10`. */
  timeout?: number;
}

/** What `connectWS` resolves to. */
export interface ClientConnection {
  /** The connection's protocol instance (an instance of `factory.protocol`). */
  protocol: core.WebSocketClientProtocol;
  /** Closes with the closing handshake when open (default code 1000), else drops the connection. */
  close(code?: number, reason?: string | null): void;
}

/**
 * Connects to the factory's URL (`ws://`, `wss://`, `ws://unix:/path`), through
 * `factory.proxy` with HTTP CONNECT if set. Resolves once the transport is connected (the
 * WebSocket handshake then runs: see `onOpen`); rejects when it cannot connect.
 * Permissions: `--allow-net=HOST:PORT` (of the proxy, when there is one).
 */
export declare function connectWS(factory: core.WebSocketClientFactory, options?: ConnectOptions): Promise<ClientConnection>;

/**
 * Serves one already accepted `Deno.Conn` (from your own listener) with a new
 * `factory.protocol`. `peer` overrides the peer string (Unix sockets). After a trap of the
 * wasm core it closes `conn` and throws `CoreTrappedError`.
 */
export declare function serveConn(
  factory: core.WebSocketServerFactory,
  conn: Deno.Conn,
  options?: { isSecure?: boolean; peer?: string | null },
): { protocol: core.WebSocketServerProtocol; transport: DenoTransport };
