// The browser's WebSocketClientProtocol: the Node client's callbacks, send methods and rules
// (js/protocol-base.mjs, shared with js/protocol.mjs), so one protocol class runs in both, here
// over the browser's own WebSocket (transport.mjs).
//
// What the browser does not expose is emulated (the handshake timeouts, onDrain) or refused
// with a clear error (pings). Events are delivered in order, one at a time: while an async
// callback runs, later events wait in a queue (the browser cannot pause a WebSocket).

import { ProtocolBase, State, toBytes } from '../protocol-base.mjs';
import { ConnectionResponse } from '../types.mjs';

const strictDecoder = new TextDecoder('utf-8', { fatal: true });
/** How often a blocked sender checks whether the browser's buffer drained (it has no event for it). */
const DRAIN_POLL_MS = 20;
const NO_PINGS = 'a page cannot send pings or pongs (the browser answers the server\'s pings itself)';

export class WebSocketClientProtocol extends ProtocolBase {
  /** The browser starts connecting (it does not say when TCP is up). */
  onConnecting(transportDetails) {} // eslint-disable-line no-unused-vars
  /** The server accepted: `response` is a ConnectionResponse (the browser shows no headers). */
  onConnect(response) {} // eslint-disable-line no-unused-vars
  /** Never called in a browser: it answers pings itself and shows neither pings nor pongs. */
  onPing(payload) {} // eslint-disable-line no-unused-vars

  // ----- state -----
  state = State.CONNECTING;
  role = 'client';
  /** The subprotocol in use, once open. */
  get protocolInUse() {
    return this.transport?.protocol ?? null;
  }

  #queue = [];
  #dispatching = false;
  #closed = false;
  #opened = false;
  #notCleanReason = null;
  /** Set when a callback failed the connection: what onClose reports (as on Node). */
  #failure = null;

  // ----- wiring, called by the factory and the transport -----

  _connectionMade(factory, transport) {
    this.factory = factory;
    this.transport = transport;
    this.peer = transport.peer;
    this.options = { ...factory.protocolOptions };
    factory._connections.add(this);
    this._startTimer('open', this.options.openHandshakeTimeout, 'opening handshake timeout');
    this._callback(() => this.onConnecting({ peer: this.peer, isSecure: transport.isSecure }));
  }

  _socketOpened() {
    this.#enqueue({ type: 'open' });
  }

  _socketMessage(payload, isBinary) {
    this.#enqueue({ type: 'message', payload, isBinary });
  }

  _socketClosed(wasClean, code, reason) {
    this.#enqueue({ type: 'closed', wasClean, code, reason });
  }

  /** The browser says only that something failed; the close event that follows says more. */
  _socketError() {}

  #enqueue(event) {
    if (this.#closed) return;
    this.#queue.push(event);
    this.#pump();
  }

  /** Handles queued events in order; stops at an async callback and resumes when it settles. */
  #pump() {
    if (this.#dispatching) return;
    this.#dispatching = true;
    while (this.#queue.length && !this.#closed) {
      const pending = this.#handle(this.#queue.shift());
      if (pending && typeof pending.then === 'function') {
        pending.then(() => {
          this.#dispatching = false;
          this.#pump();
        });
        return;
      }
    }
    this.#dispatching = false;
  }

  #handle(event) {
    switch (event.type) {
      case 'open': {
        // Dropped meanwhile (a timeout, dropConnection): never opens.
        if (this.state !== State.CONNECTING) return undefined;
        this._stopTimer('open');
        const transport = this.transport;
        this.response = new ConnectionResponse(this.peer, {}, 13, transport.protocol, transport.extensions);
        const pending = this._callback(() => this.onConnect(this.response));
        if (pending) return pending.then(() => this.#open());
        this.#open();
        return undefined;
      }
      case 'message':
        // After a callback failed the connection, nothing more is delivered.
        if (this.#failure) return undefined;
        return this._callback(() => this.onMessage(event.payload, event.isBinary));
      default:
        return this.#finish(event);
    }
  }

  #open() {
    if (this.state !== State.CONNECTING) return;
    this.state = State.OPEN;
    this.#opened = true;
    this._callback(() => this.onOpen());
  }

  #finish({ wasClean, code, reason }) {
    if (this.#closed) return undefined;
    this.#closed = true;
    this.state = State.CLOSED;
    this._clearTimers();
    this.#queue = [];
    this.factory._connections.delete(this);
    this.transport.free();
    const [clean, closeCode, closeReason] = this.#closeStatus(wasClean, code, reason);
    return this._callback(() => this.onClose(clean, closeCode, closeReason), { failOnError: false });
  }

  /** autobahn's onClose arguments, as the Node client gives them. */
  #closeStatus(wasClean, code, reason) {
    if (this.#failure) return [false, this.#failure.code, this.#failure.reason];
    if (this.#notCleanReason !== null) return [false, 1006, `connection was closed uncleanly (${this.#notCleanReason})`];
    if (wasClean) return [true, code, reason];
    // A close code the peer could have sent passes on; 1006 and what is none (Deno's WebSocket
    // reports a refused connection as code 0) become onClose(false, 1006, why).
    if (code !== 1006 && code >= 1000 && code <= 4999) return [false, code, reason];
    const why = this.#opened
      ? 'peer dropped the TCP connection without previous WebSocket closing handshake, or the browser failed the connection'
      : 'the browser could not open the WebSocket connection';
    return [false, 1006, `connection was closed uncleanly (${why})`];
  }

  /**
   * A callback failed. On Node the connection fails with 1011; a page may not send 1011, so the
   * browser's close frame carries no code, and onClose reports (false, 1011, 'internal error').
   */
  _failInternal() {
    if (this.#closed || this.#failure) return;
    if (this.state === State.CONNECTING) {
      this.dropConnection('internal error: a callback failed');
      return;
    }
    this.#failure = { code: 1011, reason: 'internal error' };
    if (this.state === State.OPEN) this.#startClose();
  }

  #startClose(code, reason) {
    this.transport.close(code, reason);
    this.state = State.CLOSING;
    this._startTimer('close', this.options.closeHandshakeTimeout, 'closing handshake timeout');
  }

  /**
   * Ends the connection at once: no more events, onClose follows (after the events already
   * queued). A page cannot drop TCP: the browser aborts a connection still opening, and
   * closes an open one without a code (in the background, unobserved).
   */
  dropConnection(reason = 'dropped by application') {
    if (this.#closed || this.state === State.CLOSED) return;
    if (typeof reason !== 'string') reason = 'dropped by application'; // autobahn's dropConnection(abort)
    if (this.#notCleanReason === null) this.#notCleanReason = reason;
    this.state = State.CLOSED;
    this.transport.free();
    // Asynchronously, as a dropped socket's close event is on Node.
    queueMicrotask(() => this.#enqueue({ type: 'closed', wasClean: false, code: 1006, reason: '' }));
  }

  // ----- sending (argument rules in ProtocolBase) -----

  /** The browser starts closing on its own when the server's close arrives: follow it. */
  _syncState() {
    if (this.state === State.OPEN && this.transport.readyState !== 1) this.state = State.CLOSING;
  }

  /**
   * Bytes sent as text must be valid UTF-8 (a browser sends text only as a string);
   * `fragmentSize` and `doNotCompress` are accepted for portability: the browser decides the framing.
   */
  _sendData(data, isBinary) {
    if (isBinary) {
      this.transport.sendBinary(toBytes(data, 'payload'));
    } else if (typeof data === 'string') {
      this.transport.sendText(data);
    } else {
      let text;
      try {
        text = strictDecoder.decode(data);
      } catch {
        throw new TypeError('a text message must be valid UTF-8 (a browser sends text only as a string)');
      }
      this.transport.sendText(text);
    }
  }

  /** The browser has no event for a drained buffer: poll it. */
  _awaitDrain() {
    this._setTimer('drain', DRAIN_POLL_MS, () => {
      if (this.#closed) return;
      if (this.bufferedAmount > this.options.sendHighWaterMark) this._awaitDrain();
      else this._drained();
    });
  }

  /** Not available in a browser: throws. */
  sendPing(payload = null) { // eslint-disable-line no-unused-vars
    throw new Error(`sendPing: ${NO_PINGS}`);
  }

  /** Not available in a browser: throws. */
  sendPong(payload = null) { // eslint-disable-line no-unused-vars
    throw new Error(`sendPong: ${NO_PINGS}`);
  }

  _sendCloseFrame(code, reason) {
    this.#startClose(code, reason);
  }
}
