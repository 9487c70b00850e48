// The browser's WebSocketClientProtocol: the callbacks, state and send methods of the Node
// client (js/protocol.mjs + js/client-protocol.mjs), with the same names and rules, so one
// protocol class runs in both, here over the browser's own WebSocket (transport.mjs).
//
// What the browser does not expose is emulated (the handshake timeouts, onDrain) or refused
// with a clear error (pings). Events are delivered in order, one at a time: while an async
// callback runs, later events wait in a queue (the browser cannot pause a WebSocket).

import { State, Disconnected, checkCloseArguments, toBytes } from '../protocol.mjs';
import { ConnectionResponse } from '../types.mjs';

const strictDecoder = new TextDecoder('utf-8', { fatal: true });
/** How often a blocked sender checks whether the browser's buffer drained (it has no event for it). */
const DRAIN_POLL_MS = 20;
const NO_PINGS = 'a page cannot send pings or pongs (the browser answers the server\'s pings itself)';

export class WebSocketClientProtocol {
  // ----- callbacks: override in your protocol class -----
  /** The browser starts connecting (it does not say when TCP is up). */
  onConnecting(transportDetails) {} // eslint-disable-line no-unused-vars
  /** The server accepted: `response` is a ConnectionResponse (the browser shows no headers). */
  onConnect(response) {} // eslint-disable-line no-unused-vars
  onOpen() {}
  /** `payload` is a Uint8Array; text arrives as its UTF-8 bytes, as in autobahn and on Node. */
  onMessage(payload, isBinary) {} // eslint-disable-line no-unused-vars
  /** Never called in a browser: it answers pings itself and shows neither pings nor pongs. */
  onPing(payload) {} // eslint-disable-line no-unused-vars
  onPong(payload) {} // eslint-disable-line no-unused-vars
  onClose(wasClean, code, reason) {} // eslint-disable-line no-unused-vars
  /** The browser's send buffer fell back below sendHighWaterMark after sendMessage returned false. */
  onDrain() {}
  /** A callback of yours threw or rejected. The default logs it; the connection then fails. */
  onError(error) {
    console.error(`wasmsocket: error in a callback (${this.peer}):`, error);
  }

  // ----- state -----
  state = State.CONNECTING;
  peer = null;
  factory = null;
  transport = null;
  role = 'client';
  /** The subprotocol in use, once open. */
  get protocolInUse() {
    return this.transport?.protocol ?? null;
  }
  /** Bytes given to the browser and not yet sent. */
  get bufferedAmount() {
    return this.transport?.bufferedAmount ?? 0;
  }

  #queue = [];
  #dispatching = false;
  #timers = new Map();
  #closed = false;
  #opened = false;
  #notCleanReason = null;
  /** Set when a callback failed the connection: what onClose reports (as on Node). */
  #failure = null;
  #wantDrain = false;

  // ----- wiring, called by the factory and the transport -----

  _connectionMade(factory, transport) {
    this.factory = factory;
    this.transport = transport;
    this.peer = transport.peer;
    this.options = { ...factory.protocolOptions };
    factory._connections.add(this);
    this._startTimer('open', this.options.openHandshakeTimeout, 'opening handshake timeout');
    this.#callback(() => this.onConnecting({ peer: this.peer, isSecure: transport.isSecure }));
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
        const pending = this.#callback(() => this.onConnect(this.response));
        if (pending) return pending.then(() => this.#open());
        this.#open();
        return undefined;
      }
      case 'message':
        // After a callback failed the connection, nothing more is delivered.
        if (this.#failure) return undefined;
        return this.#callback(() => this.onMessage(event.payload, event.isBinary));
      default:
        return this.#finish(event);
    }
  }

  #open() {
    if (this.state !== State.CONNECTING) return;
    this.state = State.OPEN;
    this.#opened = true;
    this.#callback(() => this.onOpen());
  }

  #finish({ wasClean, code, reason }) {
    if (this.#closed) return undefined;
    this.#closed = true;
    this.state = State.CLOSED;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.#queue = [];
    this.factory._connections.delete(this);
    this.transport.free();
    const [clean, closeCode, closeReason] = this.#closeStatus(wasClean, code, reason);
    return this.#callback(() => this.onClose(clean, closeCode, closeReason), { failOnError: false });
  }

  /** autobahn's onClose arguments, as the Node client gives them. */
  #closeStatus(wasClean, code, reason) {
    if (this.#failure) return [false, this.#failure.code, this.#failure.reason];
    if (this.#notCleanReason !== null) return [false, 1006, `connection was closed uncleanly (${this.#notCleanReason})`];
    if (wasClean) return [true, code, reason];
    if (code !== 1006) return [false, code, reason];
    const why = this.#opened
      ? 'peer dropped the TCP connection without previous WebSocket closing handshake, or the browser failed the connection'
      : 'the browser could not open the WebSocket connection';
    return [false, 1006, `connection was closed uncleanly (${why})`];
  }

  /**
   * Runs a user callback. Errors (thrown or rejected) go to onError and fail the connection;
   * they never escape into the browser's event handlers.
   */
  #callback(fn, { failOnError = true } = {}) {
    const report = (error) => {
      try {
        this.onError(error);
      } catch (inner) {
        console.error('wasmsocket: error in onError:', inner);
      }
      if (failOnError) this.#fail();
    };
    try {
      const result = fn();
      if (result && typeof result.then === 'function') return result.then(undefined, report);
      return undefined;
    } catch (error) {
      report(error);
      return undefined;
    }
  }

  /**
   * A callback failed. On Node the connection fails with 1011; a page may not send 1011, so the
   * browser's close frame carries no code, and onClose reports (false, 1011, 'internal error').
   */
  #fail() {
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

  _startTimer(name, seconds, reason) {
    if (!(seconds > 0)) return;
    this._stopTimer(name);
    const timer = setTimeout(() => {
      this.#timers.delete(name);
      this.dropConnection(reason);
    }, seconds * 1000);
    this.#timers.set(name, timer);
  }

  _stopTimer(name) {
    const timer = this.#timers.get(name);
    if (timer !== undefined) {
      clearTimeout(timer);
      this.#timers.delete(name);
    }
  }

  /**
   * Ends the connection at once: no more events, onClose follows (after the events already
   * queued). A page cannot drop TCP: the browser aborts a connection still opening, and
   * closes an open one without a code (in the background, unobserved).
   */
  dropConnection(reason = 'dropped by application') {
    if (this.#closed || this.state === State.CLOSED) return;
    if (this.#notCleanReason === null) this.#notCleanReason = reason;
    this.state = State.CLOSED;
    this.transport.free();
    // Asynchronously, as a dropped socket's close event is on Node.
    queueMicrotask(() => this.#enqueue({ type: 'closed', wasClean: false, code: 1006, reason: '' }));
  }

  // ----- sending -----

  /** The browser starts closing on its own when the server's close arrives: follow it. */
  #syncState() {
    if (this.state === State.OPEN && this.transport.readyState !== 1) this.state = State.CLOSING;
  }

  #requireOpen() {
    this.#syncState();
    if (this.state !== State.OPEN) throw new Disconnected();
  }

  /**
   * Sends a message (autobahn's signature). A string payload is sent as its UTF-8 bytes; bytes
   * sent as text must be valid UTF-8. `fragmentSize`, `sync` and `doNotCompress` are checked
   * and accepted for portability; the browser decides the framing.
   * Returns false when the browser's buffer is above `sendHighWaterMark`; onDrain follows.
   */
  sendMessage(payload, isBinary = false, fragmentSize = null, sync = false, doNotCompress = false) { // eslint-disable-line no-unused-vars
    this.#requireOpen();
    if (fragmentSize !== null && !(Number.isInteger(fragmentSize) && fragmentSize > 0)) {
      throw new RangeError(`fragmentSize must be a positive integer, got ${fragmentSize}`);
    }
    if (isBinary) {
      this.transport.sendBinary(toBytes(payload, 'payload'));
    } else if (typeof payload === 'string') {
      this.transport.sendText(payload);
    } else {
      const bytes = toBytes(payload, 'payload');
      let text;
      try {
        text = strictDecoder.decode(bytes);
      } catch {
        throw new TypeError('a text message must be valid UTF-8 (a browser sends text only as a string)');
      }
      this.transport.sendText(text);
    }
    return this.#belowHighWaterMark();
  }

  #belowHighWaterMark() {
    if (this.bufferedAmount <= this.options.sendHighWaterMark) return true;
    if (!this.#wantDrain) {
      this.#wantDrain = true;
      this.#pollDrain();
    }
    return false;
  }

  #pollDrain() {
    const timer = setTimeout(() => {
      this.#timers.delete('drain');
      if (this.#closed) return;
      if (this.bufferedAmount > this.options.sendHighWaterMark) return this.#pollDrain();
      this.#wantDrain = false;
      this.#callback(() => this.onDrain());
      return undefined;
    }, DRAIN_POLL_MS);
    this.#timers.set('drain', timer);
  }

  /** Not available in a browser: throws. */
  sendPing(payload = null) { // eslint-disable-line no-unused-vars
    throw new Error(`sendPing: ${NO_PINGS}`);
  }

  /** Not available in a browser: throws. */
  sendPong(payload = null) { // eslint-disable-line no-unused-vars
    throw new Error(`sendPong: ${NO_PINGS}`);
  }

  /**
   * Starts the closing handshake. `code` is 1000 or 3000–4999; a `reason` needs a code and
   * fits in 123 UTF-8 bytes. Closing a closing or closed connection does nothing; closing
   * one still connecting drops it.
   */
  sendClose(code = null, reason = null) {
    checkCloseArguments(code, reason);
    if (this.state === State.CONNECTING) return this.dropConnection('closed before the connection opened');
    this.#syncState();
    if (this.state !== State.OPEN) return undefined;
    this.#startClose(code ?? undefined, reason ?? undefined);
    return undefined;
  }
}
