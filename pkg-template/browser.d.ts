// Types of the browser entry (`browser.mjs`, the exports map's `browser` condition): the
// runtime-agnostic API (index.d.ts) with the client classes and connectWS replaced by the
// browser client's, which runs over the browser's own WebSocket (web-sys). Same callback and
// method names as the Node client, so one protocol class serves both; what differs is noted.
//
// Nothing here depends on Node's types; the DOM lib is enough.

import type { ConnectionResponse, SendPayload, State, TransportDetails, ProtocolClass, ClientProtocolOptions } from './index.js';

export * from './index.js';
export { BrowserSocket, type BrowserSocketEvents } from './wasm/wasmsocket.js';

/**
 * The protocol options that apply in a browser (`setProtocolOptions`), all emulated by the
 * client: the browser frames, masks, validates, limits and compresses messages itself, and a
 * page cannot send pings. Any other option throws a `RangeError` saying why.
 */
export type BrowserProtocolOptions = Pick<ClientProtocolOptions, 'version' | 'openHandshakeTimeout' | 'closeHandshakeTimeout' | 'sendHighWaterMark'>;

/** The names of `BrowserProtocolOptions`, at run time. */
export declare const BROWSER_OPTIONS: readonly (keyof BrowserProtocolOptions)[];

/**
 * The browser client's constructor options. Only `protocols` can be chosen: the browser sends
 * its own `Origin` and `User-Agent` and no other headers, and picks its own proxy (setting any
 * of them throws a `TypeError`).
 */
export interface BrowserClientFactoryOptions {
  /** Subprotocols to offer, in order of preference. Default `[]`. */
  protocols?: string[];
  origin?: null;
  useragent?: null;
  headers?: Record<string, never>;
  proxy?: null;
}

/**
 * The client side of a connection in a browser: subclass it and set it as the factory's
 * `protocol`. Callbacks may be `async`: events are delivered in order, later ones waiting
 * until the Promise settles. A callback that throws or rejects goes to `onError` and the
 * connection fails: `onClose(false, 1011, 'internal error')` (the close frame itself carries
 * no code: a page may not send 1011).
 */
export declare class WebSocketClientProtocol {
  // ----- autobahn's class attributes (as on Node; compare `state` with the names) -----

  static readonly STATE_CONNECTING: 0;
  static readonly STATE_OPEN: 1;
  static readonly STATE_CLOSING: 2;
  static readonly STATE_CLOSED: 3;
  static readonly MESSAGE_TYPE_TEXT: 1;
  static readonly MESSAGE_TYPE_BINARY: 2;
  static readonly CLOSE_STATUS_CODE_NORMAL: 1000;
  static readonly CLOSE_STATUS_CODE_GOING_AWAY: 1001;
  static readonly CLOSE_STATUS_CODE_PROTOCOL_ERROR: 1002;
  static readonly CLOSE_STATUS_CODE_UNSUPPORTED_DATA: 1003;
  static readonly CLOSE_STATUS_CODE_RESERVED1: 1004;
  static readonly CLOSE_STATUS_CODE_NULL: 1005;
  static readonly CLOSE_STATUS_CODE_ABNORMAL_CLOSE: 1006;
  static readonly CLOSE_STATUS_CODE_INVALID_PAYLOAD: 1007;
  static readonly CLOSE_STATUS_CODE_POLICY_VIOLATION: 1008;
  static readonly CLOSE_STATUS_CODE_MESSAGE_TOO_BIG: 1009;
  static readonly CLOSE_STATUS_CODE_MANDATORY_EXTENSION: 1010;
  static readonly CLOSE_STATUS_CODE_INTERNAL_ERROR: 1011;
  static readonly CLOSE_STATUS_CODE_SERVICE_RESTART: 1012;
  static readonly CLOSE_STATUS_CODE_TRY_AGAIN_LATER: 1013;
  static readonly CLOSE_STATUS_CODE_UNASSIGNED1: 1014;
  static readonly CLOSE_STATUS_CODE_TLS_HANDSHAKE_FAILED: 1015;
  /** autobahn's list of the close codes below 3000 it accepts from a peer. */
  static readonly CLOSE_STATUS_CODES_ALLOWED: readonly number[];

  // ----- callbacks -----

  /** The browser starts connecting (it does not say when TCP is up). */
  onConnecting(transportDetails: Pick<TransportDetails, 'peer' | 'isSecure'>): void;
  /** The server accepted; `onOpen` follows (after the Promise, if this returns one). `response.headers` is `{}`: a page sees no headers. */
  onConnect(response: ConnectionResponse): void | Promise<void>;
  /** The opening handshake is done: messages can be sent. */
  onOpen(): void | Promise<void>;
  /** A message arrived. Text arrives as its UTF-8 bytes, as in autobahn and on Node. */
  onMessage(payload: Uint8Array, isBinary: boolean): void | Promise<void>;
  /** Never called in a browser: it answers pings itself and shows neither pings nor pongs. */
  onPing(payload: Uint8Array): void;
  /** Never called in a browser. */
  onPong(payload: Uint8Array): void;
  /**
   * The connection is closed (called exactly once). Clean: `code`/`reason` are the server's
   * close frame (1005 and `''` when it carried no code). Not clean: 1006 with a reason saying
   * why (a timeout, `dropConnection`, a connection the browser could not open or lost), or
   * 1011 after a callback failed.
   */
  onClose(wasClean: boolean, code: number, reason: string): void | Promise<void>;
  /** The browser's send buffer fell back below `sendHighWaterMark` after `sendMessage` returned `false` (checked every 20 ms). */
  onDrain(): void;
  /** A callback threw or rejected. The default logs it; the connection then fails. */
  onError(error: unknown): void;

  // ----- state -----

  /** The connection's state (follows the browser's when the server starts closing). */
  readonly state: State;
  /** The URL connected to (a page cannot learn the server's address). */
  readonly peer: string | null;
  /** The factory that built this protocol. A subclass can narrow it: `declare factory: MyFactory;`. */
  readonly factory: WebSocketClientFactory | null;
  readonly role: 'client';
  /** This connection's protocol options: a copy of the factory's, taken when it starts connecting. */
  readonly options?: Readonly<Required<BrowserProtocolOptions>>;
  /** The server's opening handshake response, once it arrived. */
  readonly response?: ConnectionResponse;
  /** The subprotocol in use, once open (`null` when none was agreed). */
  readonly protocolInUse: string | null;
  /** Bytes given to the browser and not yet sent (`WebSocket.bufferedAmount`). */
  readonly bufferedAmount: number;

  // ----- sending -----

  /**
   * Sends a message (autobahn's signature). A string payload is sent as its UTF-8 bytes; bytes
   * sent as text (`isBinary` false) must be valid UTF-8, else a `TypeError`. `fragmentSize`,
   * `sync` and `doNotCompress` are accepted for portability; the browser decides the framing.
   * Returns `false` when the browser's buffer is above `sendHighWaterMark`; `onDrain` follows.
   * @throws {Disconnected} when the connection is not open.
   */
  sendMessage(payload: SendPayload, isBinary?: boolean, fragmentSize?: number | null, sync?: boolean, doNotCompress?: boolean): boolean;
  /** Not available in a browser (a page cannot send pings): always throws. */
  sendPing(payload?: SendPayload): never;
  /** Not available in a browser: always throws. */
  sendPong(payload?: SendPayload): never;
  /**
   * Starts the closing handshake. `code` is 1000 or 3000–4999; a `reason` needs a code and fits
   * in 123 UTF-8 bytes. Closing a closing or closed connection does nothing; closing one still
   * connecting drops it. Without a close from the server within `closeHandshakeTimeout`,
   * `onClose` reports (false, 1006, '... closing handshake timeout ...').
   */
  sendClose(code?: number | null, reason?: string | null): void;
  /**
   * Ends the connection at once; `onClose` reports `reason`. A page cannot drop TCP: the
   * browser aborts a connection still opening and closes an open one without a code.
   */
  dropConnection(reason?: string | boolean): void;
}

/** Connects to a WebSocket server from a browser: session parameters, protocol options and the protocol class. */
export declare class WebSocketClientFactory {
  /** @param url The server's URL: `ws://` or `wss://`. Default `'ws://localhost'`. */
  constructor(url?: string | null, options?: BrowserClientFactoryOptions);
  readonly role: 'client';
  /** The protocol class built for each connection. Default `WebSocketClientProtocol`. */
  protocol: ProtocolClass<WebSocketClientProtocol>;
  url: string;
  isSecure: boolean;
  host: string;
  port: number | null;
  /** Path and query, e.g. `'/chat?room=1'`. */
  resource: string;
  path: string;
  params: Record<string, string[]>;
  /** The subprotocols offered. */
  protocols: string[];
  /** The current protocol options (those that apply in a browser, with defaults filled in). */
  protocolOptions: Required<BrowserProtocolOptions>;
  /** Changes protocol options; unknown names, options that do not apply in a browser and bad values throw a `RangeError`, changing nothing. */
  setProtocolOptions(options: BrowserProtocolOptions): void;
  /** Sets every protocol option back to its default. */
  resetProtocolOptions(): void;
  /** Sets the session parameters, autobahn's positional signature (only `url` and `protocols` may be set). */
  setSessionParameters(url?: string | null, origin?: null, protocols?: string[], useragent?: null): void;
  /** A new protocol instance for one connection. */
  buildProtocol(): WebSocketClientProtocol;
}

/** What `connectWS` resolves to (as on Node). */
export interface ClientConnection {
  /** The connection's protocol instance (an instance of `factory.protocol`). */
  protocol: WebSocketClientProtocol;
  /** Closes with the closing handshake when open (default code 1000), else drops the connection. */
  close(code?: number, reason?: string | null): void;
}

/**
 * Connects through the browser's WebSocket. Resolves at once: a page cannot tell a refused
 * TCP connection from a refused handshake, so both end in `onClose(false, 1006, ...)`.
 * Rejects only when the browser refuses the URL or the subprotocol list.
 */
export declare function connectWS(factory: WebSocketClientFactory): Promise<ClientConnection>;
