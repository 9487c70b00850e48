// The browser client's transport: a BrowserSocket (src/wasm/browser.rs, the browser's WebSocket
// through web-sys) whose events this object receives and turns into protocol calls, with
// payloads as the Node client gives them (Uint8Array; text as its UTF-8 bytes).

import { BrowserSocket } from '../../wasm/wasmsocket.js';

const encoder = new TextEncoder();

export class BrowserTransport {
  #socket = null;
  #protocol = null;

  /** For the factory's URL and subprotocols; nothing connects before `bind`. */
  constructor(factory) {
    this.url = factory.url;
    this.protocols = factory.protocols;
    this.isSecure = factory.isSecure;
    // A page cannot learn the server's address: the peer is the URL it connects to.
    this.peer = factory.url;
  }

  /** Starts connecting, with `protocol` receiving the events. Throws the browser's error for a URL or subprotocol it refuses. */
  bind(protocol) {
    this.#protocol = protocol;
    this.#socket = new BrowserSocket(this.url, this.protocols, this);
  }

  // ----- BrowserSocketEvents: called by the BrowserSocket -----

  socketOpened() {
    this.#protocol._socketOpened();
  }

  socketMessage(data, isBinary) {
    this.#protocol._socketMessage(isBinary ? new Uint8Array(data) : encoder.encode(data), isBinary);
  }

  socketClosed(wasClean, code, reason) {
    this.#protocol._socketClosed(wasClean, code, reason);
  }

  socketError() {
    this.#protocol._socketError();
  }

  // ----- for the protocol -----

  sendText(text) {
    this.#socket.sendText(text);
  }

  sendBinary(bytes) {
    this.#socket.sendBinary(bytes);
  }

  close(code = undefined, reason = undefined) {
    this.#socket?.close(code, reason);
  }

  get bufferedAmount() {
    return this.#socket?.bufferedAmount() ?? 0;
  }

  /** WebSocket.readyState: 0 connecting, 1 open, 2 closing, 3 closed (also once freed). */
  get readyState() {
    return this.#socket?.readyState() ?? 3;
  }

  /** The subprotocol the server chose, or null. */
  get protocol() {
    return this.#socket?.protocol() || null;
  }

  /** The extensions the server accepted (the browser negotiates them), as `[{name, params}]`. */
  get extensions() {
    return parseExtensions(this.#socket?.extensions() ?? '');
  }

  /**
   * Lets go of the browser socket: no event arrives afterwards, the wasm side drops its
   * handlers, and a socket still connecting or open is closed (without a code).
   */
  free() {
    const socket = this.#socket;
    this.#socket = null;
    socket?.free();
  }
}

/** A `Sec-WebSocket-Extensions` value as `[{name, params: [[name, value|null]]}]` (quoted values unquoted). */
export function parseExtensions(header) {
  return header.split(',').map((item) => item.trim()).filter(Boolean).map((item) => {
    const [name, ...params] = item.split(';').map((part) => part.trim());
    return {
      name,
      params: params.filter(Boolean).map((param) => {
        const eq = param.indexOf('=');
        if (eq < 0) return [param, null];
        return [param.slice(0, eq).trim(), param.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1')];
      }),
    };
  });
}
