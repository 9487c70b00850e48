// What every protocol class shares, whatever carries its frames (the wasm core over a socket in
// js/protocol.mjs, the browser's own WebSocket in js/browser/protocol.mjs): autobahn's callbacks
// with their defaults, the send methods' argument rules, running user callbacks so their errors
// never escape, the named timers, and onDrain after sendMessage returned false.
//
// A subclass supplies how things happen: `_sendData`, `_sendCloseFrame`, `_failInternal`,
// `dropConnection`, and (optionally) `_syncState` and `_awaitDrain`.

import { OutgoingMessage } from './types.mjs';
import { PreparedMessage } from './prepared.mjs';
import { toBytes } from './bytes.mjs';
import { State, PROTOCOL_CONSTANTS } from './constants.mjs';

export { toBytes, State };

/** Thrown by send methods on a connection that is not open (autobahn's Disconnected). */
export class Disconnected extends Error {
  constructor(message = 'Attempt to send on non-open transport') {
    super(message);
    this.name = 'Disconnected';
  }
}

const textEncoder = new TextEncoder();

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

export class ProtocolBase {
  // ----- callbacks: override in your protocol class -----
  /** The transport is connected; the opening handshake has not started (client) / arrived (server). */
  onConnecting(transportDetails) {} // eslint-disable-line no-unused-vars
  onOpen() {}
  /** `payload` is a Buffer (Node) / Uint8Array; text arrives as its UTF-8 bytes, as in autobahn. */
  onMessage(payload, isBinary) {} // eslint-disable-line no-unused-vars
  onPing(payload) {} // eslint-disable-line no-unused-vars
  onPong(payload) {} // eslint-disable-line no-unused-vars
  onClose(wasClean, code, reason) {} // eslint-disable-line no-unused-vars
  /** The send buffer fell back below the high-water mark after sendMessage returned false. */
  onDrain() {}
  /** A callback of yours threw or rejected. The default logs it; the connection then fails. */
  onError(error) {
    console.error(`wasmsocket: error in a callback (${this.peer}):`, error);
  }

  peer = null;
  factory = null;
  transport = null;
  /** Bytes written to the transport and not yet sent. */
  get bufferedAmount() {
    return this.transport?.bufferedAmount ?? 0;
  }

  /** Armed timers by name; null while none is (an idle connection keeps no empty Map). */
  #timers = null;
  #wantDrain = false;

  // ----- running user callbacks -----

  /**
   * Runs a user callback. Errors (thrown or rejected) go to onError and, with `failOnError`,
   * fail the connection (`_failInternal`); they never escape into the transport's handlers.
   * Returns the callback's promise (settled either way) when it is async.
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

  /** Whether a subclass defines onConnecting (if not, nothing builds the transport details for it). */
  get _hasOnConnecting() {
    return this.onConnecting !== ProtocolBase.prototype.onConnecting;
  }

  /** Calls onConnecting(transportDetails); the client protocol uses its answer (ConnectingRequest). */
  _connecting() {
    if (this._hasOnConnecting) this._callback(() => this.onConnecting(this.transportDetails));
  }

  // ----- timers -----

  /** Arms timer `name`: after `seconds` (none if 0), `onFire` runs and the connection is dropped with `reason`. */
  _startTimer(name, seconds, reason, onFire = null) {
    if (!(seconds > 0)) return;
    this._stopTimer(name);
    const timer = setTimeout(() => {
      this.#forget(name);
      onFire?.();
      this.dropConnection(reason);
    }, seconds * 1000);
    timer.unref?.();
    (this.#timers ??= new Map()).set(name, timer);
  }

  _stopTimer(name) {
    const timer = this.#timers?.get(name);
    if (timer !== undefined) {
      clearTimeout(timer);
      this.#forget(name);
    }
  }

  #forget(name) {
    if (this.#timers?.delete(name) && this.#timers.size === 0) this.#timers = null;
  }

  _hasTimer(name) {
    return this.#timers?.has(name) ?? false;
  }

  /** A timer of another kind (not dropping the connection when it fires). */
  _setTimer(name, ms, fn) {
    this._stopTimer(name);
    const timer = setTimeout(() => {
      this.#forget(name);
      fn();
    }, ms);
    timer.unref?.();
    (this.#timers ??= new Map()).set(name, timer);
  }

  _clearTimers() {
    if (this.#timers === null) return;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers = null;
  }

  // ----- sending -----

  /** Follows what the transport did on its own (the browser starts closing by itself). */
  _syncState() {}

  _requireOpen() {
    this._syncState();
    if (this.state !== State.OPEN) throw new Disconnected();
  }

  /**
   * Sends a message (autobahn's signature; an OutgoingMessage stands for payload and isBinary).
   * A string payload is sent as its UTF-8 bytes. Returns false when the send buffer is above
   * `sendHighWaterMark`; onDrain follows.
   */
  sendMessage(payload, isBinary = false, fragmentSize = null, sync = false, doNotCompress = false) { // eslint-disable-line no-unused-vars
    if (payload instanceof OutgoingMessage) {
      doNotCompress ||= payload.skipCompress;
      ({ payload, isBinary } = payload);
    }
    this._requireOpen();
    if (fragmentSize !== null && !(Number.isInteger(fragmentSize) && fragmentSize > 0)) {
      throw new RangeError(`fragmentSize must be a positive integer, got ${fragmentSize}`);
    }
    const data = typeof payload === 'string' ? payload : toBytes(payload, 'payload');
    this._sendData(data, isBinary, fragmentSize, doNotCompress);
    return this._belowHighWaterMark();
  }

  /**
   * Sends a PreparedMessage (factory.prepareMessage): framed once for every connection that
   * would write the same bytes. Returns what sendMessage returns.
   */
  sendPreparedMessage(prepared) {
    if (!(prepared instanceof PreparedMessage)) throw new TypeError('sendPreparedMessage takes a PreparedMessage (factory.prepareMessage)');
    this._requireOpen();
    this._sendPrepared(prepared);
    return this._belowHighWaterMark();
  }

  /** Where frames cannot be shared (the browser's WebSocket frames them), a plain send. */
  _sendPrepared(prepared) {
    prepared.ownFramings++;
    this._sendData(prepared.payload, prepared.isBinary, null, prepared.doNotCompress);
  }

  /** Whether the send buffer is at most `sendHighWaterMark`; if not, onDrain follows once it is. */
  _belowHighWaterMark() {
    if (this.bufferedAmount <= this.options.sendHighWaterMark) return true;
    if (!this.#wantDrain) {
      this.#wantDrain = true;
      this._awaitDrain();
    }
    return false;
  }

  /** The transport will call `_drained()`; a subclass whose transport cannot, polls here. */
  _awaitDrain() {}

  /** The transport's buffer drained: onDrain, if a sendMessage returned false. */
  _drained() {
    if (this.#wantDrain && this.bufferedAmount <= this.options.sendHighWaterMark) {
      this.#wantDrain = false;
      this._callback(() => this.onDrain());
    }
  }

  /**
   * Starts the closing handshake. `code` is 1000 or 3000–4999; a `reason` needs a code and
   * fits in 123 UTF-8 bytes. Closing a closing or closed connection does nothing; closing
   * one still connecting drops it.
   */
  sendClose(code = null, reason = null) {
    checkCloseArguments(code, reason);
    if (this.state === State.CONNECTING) return this.dropConnection('closed before the connection opened');
    this._syncState();
    if (this.state !== State.OPEN) return undefined;
    this._sendCloseFrame(code ?? undefined, reason ?? undefined);
    return undefined;
  }
}

// autobahn's class attributes (STATE_OPEN, CLOSE_STATUS_CODE_NORMAL, ...) on every protocol class.
Object.assign(ProtocolBase, PROTOCOL_CONSTANTS);
