// What server and client protocols share: the callbacks, the send methods with autobahn's
// argument rules, event dispatch (in order, pausing input while an async handler runs), the
// timers, and the close bookkeeping that ends in exactly one onClose.
//
// A protocol talks to its transport through a small interface, so Node and Deno share this
// file: write(chunks) → boolean (false above the transport's high-water mark), end(),
// destroy(), pause(), resume(), setNoDelay(on), bufferedAmount, peer, isSecure.

import { Wire, Status } from './wire.mjs';
import { coreConfig } from './options.mjs';
import { inUse } from './extensions/pmce.mjs';
import { OutgoingMessage } from './types.mjs';

export const State = Object.freeze({ CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });

/** Thrown by send methods on a connection that is not open (autobahn's Disconnected). */
export class Disconnected extends Error {
  constructor(message = 'Attempt to send on non-open transport') {
    super(message);
    this.name = 'Disconnected';
  }
}

const textEncoder = new TextEncoder();
const EOF = Symbol('EOF');

/** `sendClose`'s argument rules (autobahn's): code 1000 or 3000–4999; a reason needs a code and fits in 123 UTF-8 bytes. */
export function checkCloseArguments(code, reason) {
  if (code !== null && !(code === 1000 || (Number.isInteger(code) && code >= 3000 && code <= 4999))) {
    throw new RangeError(`close code must be 1000 or within 3000-4999, got ${code}`);
  }
  if (reason !== null) {
    if (code === null) throw new TypeError('a close reason needs a close code');
    if (typeof reason !== 'string') throw new TypeError('close reason must be a string');
    const length = textEncoder.encode(reason).length;
    if (length > 123) throw new RangeError(`close reason must be at most 123 UTF-8 bytes, got ${length}`);
  }
}

/** A payload as bytes (strings as UTF-8). */
export function toBytes(payload, what) {
  if (payload === null || payload === undefined) return new Uint8Array(0);
  if (typeof payload === 'string') return textEncoder.encode(payload);
  if (payload instanceof Uint8Array) return payload;
  if (payload instanceof ArrayBuffer) return new Uint8Array(payload);
  if (ArrayBuffer.isView(payload)) return new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
  throw new TypeError(`${what} must be a Uint8Array, Buffer, ArrayBuffer or string, got ${typeof payload}`);
}

export class WebSocketProtocol {
  // ----- callbacks: override in your protocol class -----
  /** The transport is connected; the opening handshake has not started (client) / arrived (server). */
  onConnecting(transportDetails) {} // eslint-disable-line no-unused-vars
  onOpen() {}
  /** `payload` is a Buffer (Node) / Uint8Array; text arrives as its UTF-8 bytes, as in autobahn. */
  onMessage(payload, isBinary) {} // eslint-disable-line no-unused-vars
  /** The default answers with a pong carrying the same payload. */
  onPing(payload) {
    if (this.state === State.OPEN) this.sendPong(payload);
  }
  onPong(payload) {} // eslint-disable-line no-unused-vars
  onClose(wasClean, code, reason) {} // eslint-disable-line no-unused-vars
  /** The send buffer fell back below the high-water mark after sendMessage returned false. */
  onDrain() {}
  /** A callback of yours threw or rejected. The default logs it; the connection fails with 1011. */
  onError(error) {
    console.error(`wasmsocket: error in a callback (${this.peer}):`, error);
  }

  // ----- state -----
  state = State.CONNECTING;
  peer = null;
  factory = null;
  transport = null;
  /** The subprotocol in use, once open. */
  get protocolInUse() {
    return this.wire?.core.subprotocol() ?? null;
  }
  /**
   * The negotiated extensions, once open (autobahn's `websocket_extensions_in_use`):
   * PerMessageDeflate / PerMessageBzip2 objects, `{name, params}` for others.
   */
  get extensionsInUse() {
    if (this.state === State.CONNECTING) return [];
    this.#extensionsInUse ??= (this.wire.core.extensions() ?? []).map((e) => inUse(this.role === 'server', e));
    return this.#extensionsInUse;
  }
  #extensionsInUse = null;
  /** Bytes written to the transport and not yet sent. */
  get bufferedAmount() {
    return this.transport?.bufferedAmount ?? 0;
  }

  #queue = [];
  #queueAt = 0;
  #dispatching = false;
  /** Chunks (and EOF) not fed to the core yet: input waits while earlier events are handled. */
  #input = [];
  #lost = undefined;
  #timers = new Map();
  #closed = false;
  #notCleanReason = null;
  #ended = false;
  #wantDrain = false;
  #autoPingPayload = null;
  /** Which close timer is armed: null, 'closeHandshake' or 'serverDrop'. */
  #closeTimer = null;
  /** A timeout made the close unclean although both close frames went across. */
  #unclean = false;

  // ----- wiring, called by the transport layer -----

  /** Binds this protocol to a connected transport (`role` is 'server' or 'client'). */
  _connectionMade(factory, transport, role) {
    this.factory = factory;
    this.transport = transport;
    this.role = role;
    this.peer = transport.peer;
    this.options = { ...factory.protocolOptions };
    this.wire = new Wire(role, coreConfig(this.options), { alloc: factory.alloc });
    factory._connections.add(this);
    transport.setNoDelay(this.options.tcpNoDelay);
    this._startTimer('open', this.options.openHandshakeTimeout, 'opening handshake timeout');
    this._callback(() => this.onConnecting({ peer: this.peer, isSecure: transport.isSecure }));
  }

  /** Bytes arrived. */
  _dataReceived(chunk) {
    if (this.#closed) return;
    this.#input.push(chunk);
    this.#pump();
  }

  /** The peer half-closed the transport. */
  _eofReceived() {
    if (this.#closed) return;
    this.#input.push(EOF);
    this.#pump();
  }

  /**
   * The transport is gone. Input that arrived before is still handled, in order; then
   * everything ends and onClose is called once.
   */
  _connectionLost(error) {
    if (this.#closed || this.#lost !== undefined) return;
    this.#lost = error ?? null;
    // Sends from handlers of events still queued must fail now (Disconnected).
    this.state = State.CLOSED;
    this.#input.push(EOF);
    this.#pump();
  }

  #finish() {
    const error = this.#lost;
    if (error && this.#notCleanReason === null) this.#notCleanReason = `transport error: ${error.message ?? error}`;
    this.wire.receiveEof();
    this.#closed = true;
    this.state = State.CLOSED;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.factory._connections.delete(this);
    const [wasClean, code, reason] = this._closeStatus();
    this._callback(() => this.onClose(wasClean, code, reason), { failOnError: false });
  }

  /** The transport's buffer drained. */
  _drained() {
    if (this.#wantDrain && this.bufferedAmount <= this.options.sendHighWaterMark) {
      this.#wantDrain = false;
      this._callback(() => this.onDrain());
    }
  }

  /** autobahn's onClose arguments: the peer's close when clean, else why it was not. */
  _closeStatus() {
    const core = this.wire.core;
    const status = core.status();
    if (status & Status.WAS_CLEAN && !this.#unclean) return [true, core.closeReceivedCode(), core.closeReceivedReason()];
    if (status & Status.FAILED) return [false, core.failureCode(), core.failureReason()];
    const why = this.#notCleanReason ?? 'peer dropped the TCP connection without previous WebSocket closing handshake';
    return [false, 1006, `connection was closed uncleanly (${why})`];
  }

  // ----- events -----

  _enqueue(events, { first = false } = {}) {
    if (events.length === 0) return;
    if (first) this.#queue.splice(this.#queueAt, 0, ...events);
    else this.#queue.push(...events);
    this.#pump();
  }

  /**
   * The one loop that moves things along, until it waits for an async handler or runs out:
   * handle queued events in order; then let the core act on what it held behind them (a
   * close, a failure); then feed it the next input chunk. Feeding input only once every
   * earlier event is handled keeps replies ahead of our close frame, even across chunks.
   */
  #pump() {
    if (this.#dispatching || this.#closed) return;
    this.#dispatching = true;
    // Replies to one batch leave together: one writev per input chunk, not one per message.
    this.transport.cork();
    try {
      this.#pumpCorked();
    } catch (error) {
      // Not the application's callbacks (those are caught in _callback): a bug or a trap in
      // the engine. Report it and drop this connection; never throw into the socket's handler.
      this.#dispatching = false;
      this._callback(() => { throw error; }, { failOnError: false });
      this.dropConnection(`internal error: ${error?.message ?? error}`);
    } finally {
      this.transport.uncork();
    }
  }

  #pumpCorked() {
    for (;;) {
      if (this.#queueAt < this.#queue.length) {
        const pending = this._handle(this.#queue[this.#queueAt++]);
        this._flush();
        if (pending && typeof pending.then === 'function') {
          // An async handler: stop reading until it settles.
          this.transport.pause();
          const resume = () => {
            this.#dispatching = false;
            if (this.#lost === undefined) this.transport.resume();
            this._flush();
            this.#pump();
          };
          // Never leave a rejection unhandled: it would take the whole process down.
          pending.then(resume, (error) => {
            this._callback(() => { throw error; });
            resume();
          });
          return;
        }
        continue;
      }
      this.#queue = [];
      this.#queueAt = 0;
      const held = this.wire.resume();
      this._flush();
      if (held.length) {
        this.#queue = held;
        continue;
      }
      if (this.#input.length === 0) break;
      const next = this.#input.shift();
      if (next !== EOF) {
        this.#queue = this.wire.receive(next);
        this._flush();
      } else if (this.#lost !== undefined) {
        this.#dispatching = false;
        this.#input.length = 0;
        this.#finish();
        return;
      } else {
        this.#eof();
      }
    }
    this.#dispatching = false;
  }

  #eof() {
    // (While connecting, the handshake events say why: "connection closed before the handshake response".)
    if (this.state === State.OPEN && this.#notCleanReason === null) {
      this.#notCleanReason = 'peer dropped the TCP connection without previous WebSocket closing handshake';
    }
    this.#queue = this.wire.receiveEof();
    this._flush();
  }

  /** Handles one core event; returns a promise when the handler is async. */
  _handle(event) {
    switch (event.type) {
      case 'text':
      case 'binary':
        return this._callback(() => this.onMessage(event.data, event.type === 'binary'));
      case 'ping':
        return this._callback(() => this.onPing(event.data));
      case 'pong':
        if (this.#autoPingPayload && equalBytes(event.data, this.#autoPingPayload)) {
          this.#autoPingPayload = null;
          this._stopTimer('autoPingTimeout');
        }
        return this._callback(() => this.onPong(event.data));
      case 'close':
        if (this.state !== State.CLOSED) this.state = State.CLOSING;
        return undefined;
      default:
        return this._handleHandshake(event);
    }
  }

  /** Records why the connection will not close cleanly (the first reason wins). */
  _notClean(reason) {
    if (this.#notCleanReason === null) this.#notCleanReason = reason;
  }

  /** Role-specific handshake events (request, open, rejected, handshake-failed). */
  _handleHandshake(event) {} // eslint-disable-line no-unused-vars

  /**
   * Runs a user callback. Errors (thrown or rejected) go to onError and fail the connection
   * with 1011; they never escape into the transport's event handlers.
   */
  _callback(fn, { failOnError = true } = {}) {
    const report = (error) => {
      try {
        this.onError(error);
      } catch (inner) {
        console.error('wasmsocket: error in onError:', inner);
      }
      if (failOnError) this._failInternal(error);
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

  _failInternal(error) {
    if (this.#closed) return;
    if (this.state === State.CONNECTING) return this.dropConnection(`internal error: ${error?.message ?? error}`);
    this.wire.core.fail(1011, 'internal error');
    this.state = State.CLOSING;
    this._flush();
  }

  _opened() {
    // Dropped meanwhile (onConnect failed, a timeout, dropConnection): never opens.
    if (this.state !== State.CONNECTING) return;
    this._stopTimer('open');
    this.state = State.OPEN;
    if (this.options.autoPingInterval > 0) this.#scheduleAutoPing();
    this._callback(() => this.onOpen());
  }

  // ----- output and closing -----

  /** Writes what the core queued, closes the transport when the core says so, arms timers. */
  _flush() {
    if (this.#closed) return;
    const core = this.wire.core;
    const status = core.status();
    if (status & Status.OUTPUT_PENDING) {
      const out = this.wire.takeOutput();
      if (!this.#ended) this.transport.write([out]);
    }
    // The core closes on its own (failure, peer's close): follow its state.
    if (this.state === State.OPEN && status & Status.CLOSE_EXPECTED) this.state = State.CLOSING;
    if (status & Status.CLOSE_TRANSPORT && !this.#ended) {
      this.#ended = true;
      if (status & Status.FAILED && this.options.failByDrop) this.transport.destroy();
      else this.transport.end();
    }
    // One close timer: closeHandshakeTimeout while the closing handshake runs; a client whose
    // handshake completed switches to serverConnectionDropTimeout (as autobahn, which cancels the
    // first when the server's close arrives and counts a server that does not drop TCP as unclean).
    if (status & Status.CLOSE_EXPECTED && this.#closeTimer !== 'serverDrop' && (this.#closeTimer === null || this.role === 'client')) {
      const handshakeDone = (status & (Status.CLOSE_SENT | Status.CLOSE_RECEIVED)) === (Status.CLOSE_SENT | Status.CLOSE_RECEIVED);
      if (this.role === 'client' && handshakeDone) {
        this.#closeTimer = 'serverDrop';
        this._stopTimer('close');
        this._startTimer('close', this.options.serverConnectionDropTimeout, 'server did not drop the TCP connection in time', () => {
          this.#unclean = true;
        });
      } else if (this.#closeTimer === null) {
        this.#closeTimer = 'closeHandshake';
        this._startTimer('close', this.options.closeHandshakeTimeout, 'closing handshake timeout');
      }
    }
  }

  _startTimer(name, seconds, reason, onFire = null) {
    if (!(seconds > 0)) return;
    this._stopTimer(name);
    const timer = setTimeout(() => {
      this.#timers.delete(name);
      onFire?.();
      this.dropConnection(reason);
    }, seconds * 1000);
    timer.unref?.();
    this.#timers.set(name, timer);
  }

  _stopTimer(name) {
    const timer = this.#timers.get(name);
    if (timer !== undefined) {
      clearTimeout(timer);
      this.#timers.delete(name);
    }
  }

  #scheduleAutoPing() {
    const timer = setTimeout(() => {
      this.#timers.delete('autoPing');
      if (this.state !== State.OPEN) return;
      const payload = globalThis.crypto.getRandomValues(new Uint8Array(this.options.autoPingSize));
      this.#autoPingPayload = payload;
      this.wire.core.sendPing(payload);
      this._flush();
      if (this.options.autoPingTimeout > 0 && !this.#timers.has('autoPingTimeout')) {
        this._startTimer('autoPingTimeout', this.options.autoPingTimeout, 'WebSocket ping timeout');
      }
      this.#scheduleAutoPing();
    }, this.options.autoPingInterval * 1000);
    timer.unref?.();
    this.#timers.set('autoPing', timer);
  }

  /** Closes the transport at once, without a closing handshake. */
  dropConnection(reason = 'dropped by application') {
    if (this.#closed) return;
    if (this.#notCleanReason === null) this.#notCleanReason = reason;
    this.#ended = true;
    // As autobahn: closed from now on (nothing more is sent, a pending onConnect answer is void).
    this.state = State.CLOSED;
    this.transport.destroy();
  }

  /** Server shutdown: the closing handshake with 1001 (going away), a code sendClose does not allow. */
  _goingAway(reason = 'server shutting down') {
    if (this.state !== State.OPEN) return;
    this.wire.core.sendClose(1001, reason);
    this.state = State.CLOSING;
    this._flush();
  }

  // ----- sending -----

  #requireOpen() {
    if (this.state !== State.OPEN) throw new Disconnected();
  }

  /**
   * Sends a message (autobahn's signature). A string payload is sent as its UTF-8 bytes.
   * Returns false when the send buffer is above `sendHighWaterMark`; onDrain follows.
   */
  sendMessage(payload, isBinary = false, fragmentSize = null, sync = false, doNotCompress = false) { // eslint-disable-line no-unused-vars
    if (payload instanceof OutgoingMessage) {
      ({ payload, isBinary } = payload);
      doNotCompress ||= arguments[0].skipCompress;
    }
    this.#requireOpen();
    if (fragmentSize !== null && !(Number.isInteger(fragmentSize) && fragmentSize > 0)) {
      throw new RangeError(`fragmentSize must be a positive integer, got ${fragmentSize}`);
    }
    const data = typeof payload === 'string' ? payload : toBytes(payload, 'payload');
    if (doNotCompress) this.wire.core.skipCompressNext();
    if (fragmentSize !== null) {
      const bytes = toBytes(data, 'payload');
      let offset = 0;
      let opcode = isBinary ? 2 : 1;
      do {
        const end = Math.min(offset + fragmentSize, bytes.length);
        this.transport.write(this.wire.sendFrame(opcode, bytes.subarray(offset, end), end === bytes.length));
        opcode = 0;
        offset = end;
      } while (offset < bytes.length);
    } else {
      this.transport.write(this.wire.sendMessage(data, isBinary));
    }
    return this.#belowHighWaterMark();
  }

  #belowHighWaterMark() {
    if (this.bufferedAmount <= this.options.sendHighWaterMark) return true;
    this.#wantDrain = true;
    return false;
  }

  /** Sends a ping; the payload (≤ 125 bytes) defaults to empty. */
  sendPing(payload = null) {
    this.#sendControl('ping', payload);
  }

  /** Sends a pong; the payload (≤ 125 bytes) defaults to empty. */
  sendPong(payload = null) {
    this.#sendControl('pong', payload);
  }

  #sendControl(kind, payload) {
    const bytes = toBytes(payload, `${kind} payload`);
    if (bytes.length > 125) throw new RangeError(`${kind} payload must be at most 125 bytes, got ${bytes.length}`);
    this.#requireOpen();
    if (kind === 'ping') this.wire.core.sendPing(bytes);
    else this.wire.core.sendPong(bytes);
    this._flush();
  }

  /**
   * Starts the closing handshake. `code` is 1000 or 3000–4999; a `reason` needs a code and
   * fits in 123 UTF-8 bytes. Closing a closing or closed connection does nothing; closing
   * one still connecting drops it.
   */
  sendClose(code = null, reason = null) {
    checkCloseArguments(code, reason);
    if (this.state === State.CONNECTING) return this.dropConnection('closed before the connection opened');
    if (this.state !== State.OPEN) return undefined;
    this.wire.core.sendClose(code ?? undefined, reason ?? '');
    this.state = State.CLOSING;
    this._flush();
    return undefined;
  }
}

function equalBytes(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
