// The protocol over the wasm core, both roles: event dispatch (in order, pausing input while an
// async handler runs or while the peer does not read our replies), the close bookkeeping that ends
// in exactly one onClose, and the send paths into the core. The callbacks, the send methods'
// argument rules and the timers are shared with the browser client (js/protocol-base.mjs).
//
// A protocol talks to its transport through a small interface, so Node and Deno share this
// file: write(chunks) → boolean (false above the transport's high-water mark), end(),
// destroy(), pause(), resume(), cork(), uncork(), setNoDelay(on), bufferedAmount, peer,
// isSecure, and optionally notifyWhenFlushed(protocol) (calls protocol._drained() once what was
// written has left) and writeChunk(chunk) (write([chunk]) without the array, for fan-out).

import { Wire, Status, Opcode } from './wire.mjs';
import { compressionTerms, inUse } from './extensions/pmce.mjs';
import { ProtocolBase, State, toBytes } from './protocol-base.mjs';
import { ProtocolExtras } from './protocol-extras.mjs';
import { CoreTrappedError } from './trap.mjs';
import { TransportDetails } from './types.mjs';

export { State, Disconnected, checkCloseArguments, toBytes } from './protocol-base.mjs';

const EOF = Symbol('EOF');

/** The events whose handlers answer the peer: what they send is held back by backpressure. */
const ANSWERS_INPUT = new Set(['text', 'binary', 'frame', 'ping', 'pong']);

/** The frame API, isOpen/isClosed, the close frames and onAutoPong are in js/protocol-extras.mjs. */
export class WebSocketProtocol extends ProtocolExtras(ProtocolBase) {
  /** The default answers with a pong carrying the same payload. */
  onPing(payload) {
    if (this.state === State.OPEN) this.sendPong(payload);
  }

  // ----- state -----
  /**
   * CONNECTING, OPEN, CLOSING or CLOSED: the core's state, except that the connection is
   * CONNECTING until onConnect has answered (and onOpen runs), and CLOSED once the transport
   * is gone or dropped (which only this layer sees).
   */
  get state() {
    if (this.#transportClosed) return State.CLOSED;
    if (!this.wire) return State.CONNECTING;
    const state = this.wire.state;
    return state === State.OPEN && !this.#opened ? State.CONNECTING : state;
  }
  /** The subprotocol in use, once open. */
  get protocolInUse() {
    return this.wire?.subprotocol() ?? null;
  }
  /**
   * The negotiated extensions, once open (autobahn's `websocket_extensions_in_use`):
   * PerMessageDeflate / PerMessageBzip2 objects, `{name, params}` for others.
   */
  get extensionsInUse() {
    if (this.state === State.CONNECTING) return [];
    if (this.#extensionsInUse === null) {
      // The compression terms this side set up (memLevel, maxMessageSize) are not in the header.
      const terms = this._compressionTerms ?? compressionTerms(this.options);
      this.#extensionsInUse = this.wire.extensions().map((e) => inUse(this.role === 'server', e, terms));
    }
    return this.#extensionsInUse;
  }
  #extensionsInUse = null;
  /**
   * Set by the role's handshake when an accept chose them: the compression terms (js/extensions/
   * pmce.mjs compressionTerms); null means the options' defaults.
   */
  _compressionTerms = null;

  #queue = [];
  #queueAt = 0;
  #dispatching = false;
  /** Chunks (and EOF) not fed to the core yet: input waits while earlier events are handled. */
  #input = [];
  #lost = undefined;
  /** onClose has been called: nothing more happens. */
  #closed = false;
  /** onConnect answered and onOpen ran (the core may be open a little earlier). */
  #opened = false;
  /** The transport is gone or was dropped: CLOSED, whatever the core says. */
  #transportClosed = false;
  /** end() or destroy() was called on the transport. */
  #transportEnding = false;
  #notCleanReason = null;
  /** An async handler runs: reading waits for it. */
  #handlerPending = false;
  /** More than sendHighWaterMark is buffered (pauseOnBackpressure): reading waits for the drain. */
  #waitingForDrain = false;
  /**
   * Output was produced in answer to input (a handler sent, the core ponged) since the last
   * check. Only then does backpressure stop reading: a peer that is itself waiting for us to
   * read what we send it unprompted must still be read, or both sides wait for ever.
   */
  #answeredInput = false;
  #autoPingPayload = null;
  /** When the pending automatic ping went (ms since the epoch) and how many went before it. */
  #autoPingSent = 0;
  #autoPingSeq = 0;
  /** Which close timer is armed: null, 'closeHandshake' or 'serverDrop'. */
  #closeTimer = null;
  /** A timeout made the close unclean although both close frames went across. */
  #unclean = false;
  /** onClose's `wasClean`, once onClose has run. */
  #wasClean = undefined;
  #closedPromise = null;
  #resolveClosed = null;
  /**
   * Resolves with onClose's `wasClean` once onClose has run (listenWS's close() counts these).
   * Made when first asked: an idle connection carries no Promise.
   */
  get _closed() {
    if (this.#closedPromise === null) {
      this.#closedPromise = this.#wasClean === undefined
        ? new Promise((resolve) => { this.#resolveClosed = resolve; })
        : Promise.resolve(this.#wasClean);
    }
    return this.#closedPromise;
  }
  /** Called with this protocol after onClose (a listener forgets it); one function shared by a listener's connections. */
  _whenClosed = null;
  /** onClose has run (for a listener that sets _whenClosed after starting the protocol). */
  get _finished() {
    return this.#wasClean !== undefined;
  }

  // ----- wiring, called by the transport layer -----

  /** Binds this protocol to a connected transport (`role` is 'server' or 'client'). */
  _connectionMade(factory, transport, role) {
    this.factory = factory;
    this.transport = transport;
    this.role = role;
    this.peer = transport.peer;
    // Shared, not copied: the factory's options object is frozen and replaced on change.
    this.options = factory.protocolOptions;
    this.wire = new Wire(role, this._coreConfig(factory.protocolOptions), { alloc: factory.alloc });
    factory._connections.add(this);
    transport.setNoDelay(this.options.tcpNoDelay);
    this._startTimer('open', this.options.openHandshakeTimeout, 'opening handshake timeout');
    this._connecting();
  }

  /**
   * autobahn's transport_details (what onConnecting receives), built on first use: most
   * connections never ask, and an idle one should not carry it. `peer` is the transport's,
   * before trustXForwardedFor.
   */
  get transportDetails() {
    if (this.#transportDetails === undefined && this.transport) {
      this.#transportDetails = TransportDetails.fromTransport(this.transport, this.role === 'server');
    }
    return this.#transportDetails;
  }
  #transportDetails = undefined;

  /**
   * Bytes arrived. Returns whether `chunk` is still queued (reading paused behind an async
   * handler or backpressure); otherwise the core has copied all of it and nothing here keeps it.
   */
  _dataReceived(chunk, borrowed = false) {
    if (this.#closed) return false;
    this.#input.push(chunk);
    this.#pump();
    const at = this.#input.lastIndexOf(chunk);
    if (at < 0) return false;
    // A transport that reads into one buffer again and again lends it (`borrowed`): keep a copy.
    if (borrowed) this.#input[at] = chunk.slice();
    return !borrowed;
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
    this.#transportClosed = true;
    this.#input.push(EOF);
    this.#pump();
  }

  #finish() {
    const error = this.#lost;
    if (error && this.#notCleanReason === null) this.#notCleanReason = `transport error: ${error.message ?? error}`;
    this.wire.receiveEof();
    this.#closed = true;
    this.#transportClosed = true;
    this._clearTimers();
    this.factory._connections.delete(this);
    this.factory._topics.leaveAll(this);
    const [wasClean, code, reason] = this._closeStatus();
    this._callback(() => this.onClose(wasClean, code, reason), { failOnError: false });
    this.#wasClean = wasClean;
    this.#resolveClosed?.(wasClean);
    this._whenClosed?.(this);
  }

  /**
   * sendMessage returned false: make sure `_drained` follows. A socket's 'drain' comes only after
   * a write it refused, and a write held while corked or taken at once may never be refused.
   */
  _awaitDrain() {
    this.transport.notifyWhenFlushed?.(this);
  }

  /** The transport's buffer drained. */
  _drained() {
    if (this.#waitingForDrain && this.bufferedAmount <= this.options.sendHighWaterMark) {
      this.#waitingForDrain = false;
      this.#resumeReading();
      this.#pump();
    }
    super._drained();
  }

  /** autobahn's onClose arguments: the peer's close when clean, else why it was not. */
  _closeStatus() {
    const status = this.wire.status;
    const core = this.wire.closeStatus();
    if (status & Status.WAS_CLEAN && !this.#unclean) return core;
    if (status & Status.FAILED) return [false, core[1], core[2]];
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
      // A trap: js/trap.mjs has already failed this connection (and every other) with 1011.
      if (error instanceof CoreTrappedError) return;
      this._callback(() => { throw error; }, { failOnError: false });
      this.dropConnection(`internal error: ${error?.message ?? error}`);
    } finally {
      this.transport.uncork();
    }
  }

  #pumpCorked() {
    for (;;) {
      if (this.#mustWaitForDrain()) {
        this.#dispatching = false;
        return;
      }
      if (this.#queueAt < this.#queue.length) {
        const event = this.#queue[this.#queueAt++];
        const before = this.bufferedAmount;
        const pending = this._handle(event);
        this._flush();
        // A reply to the peer's message (not onOpen's greeting) counts for backpressure.
        const answered = () => {
          if (ANSWERS_INPUT.has(event.type) && this.bufferedAmount > before) this.#answeredInput = true;
        };
        answered();
        if (pending && typeof pending.then === 'function') {
          // An async handler: stop reading until it settles.
          this.#handlerPending = true;
          this.transport.pause();
          const resume = () => {
            answered();
            this.#dispatching = false;
            this.#handlerPending = false;
            this.#resumeReading();
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
        const before = this.bufferedAmount;
        this.#queue = this.wire.receive(next);
        this._flush();
        if (this.bufferedAmount > before) this.#answeredInput = true;
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

  /**
   * Backpressure (pauseOnBackpressure): when answering the peer's input left more than
   * sendHighWaterMark unread by it, handle nothing more and read nothing more, so what it
   * sends cannot make us queue replies without bound; `_drained` resumes. This is what an
   * awaited send does in python-websockets. A gone transport has nothing to wait for.
   */
  #mustWaitForDrain() {
    if (this.#transportClosed) return false;
    if (this.#waitingForDrain) return true;
    const answered = this.#answeredInput;
    this.#answeredInput = false;
    if (!answered || !this.options.pauseOnBackpressure || this.bufferedAmount <= this.options.sendHighWaterMark) return false;
    this.#waitingForDrain = true;
    this.transport.pause();
    this._awaitDrain();
    return true;
  }

  #resumeReading() {
    if (this.#lost === undefined && !this.#handlerPending && !this.#waitingForDrain) this.transport.resume();
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
        this.#dataReceived();
        return this._callback(() => this.onMessage(event.data, event.type === 'binary'));
      case 'frame':
        this.#dataReceived();
        return this._frame(event);
      case 'ping':
        return this._callback(() => this.onPing(event.data));
      case 'pong':
        if (this.#autoPingPayload && equalBytes(event.data, this.#autoPingPayload)) {
          this.#autoPingPayload = null;
          this._stopTimer('autoPingTimeout');
          const now = nowMs();
          this._callback(() => this.onAutoPong(this.#autoPingSent, this.#autoPingSeq, now, now - this.#autoPingSent, event.data));
        }
        return this._callback(() => this.onPong(event.data));
      case 'close':
        return undefined;
      default:
        return this._handleHandshake(event);
    }
  }

  /** autobahn's autoPingRestartOnAnyTraffic: a data message counts as the pending ping's answer. */
  #dataReceived() {
    if (this.#autoPingPayload && this.options.autoPingRestartOnAnyTraffic) {
      this.#autoPingPayload = null;
      this._stopTimer('autoPingTimeout');
    }
  }

  /** Records why the connection will not close cleanly (the first reason wins). */
  _notClean(reason) {
    if (this.#notCleanReason === null) this.#notCleanReason = reason;
  }

  /** Role-specific handshake events (request, open, rejected, handshake-failed). */
  _handleHandshake(event) {} // eslint-disable-line no-unused-vars

  _failInternal(error) {
    if (this.#closed) return;
    if (this.state === State.CONNECTING) return this.dropConnection(`internal error: ${error?.message ?? error}`);
    this.wire.fail(1011, 'internal error');
    this._flush();
  }

  _opened() {
    // Dropped meanwhile (onConnect failed, a timeout, dropConnection): never opens.
    if (this.state !== State.CONNECTING) return;
    this._stopTimer('open');
    this.#opened = true;
    this._markOpen();
    if (this.options.autoPingInterval > 0) this.#scheduleAutoPing();
    this._callback(() => this.onOpen());
  }

  // ----- output and closing -----

  /**
   * Writes what the core queued, closes the transport when the core says so, arms timers.
   * Reads only what the last core call left in the Wire: no call into the core.
   */
  _flush() {
    if (this.#closed) return;
    const status = this.wire.status;
    const out = this.wire.takeChunks();
    if (out.length && !this.#transportEnding) this.transport.write(out);
    if (status & Status.CLOSE_TRANSPORT && !this.#transportEnding) {
      this.#transportEnding = true;
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

  #scheduleAutoPing() {
    this._setTimer('autoPing', this.options.autoPingInterval * 1000, () => {
      if (this.state !== State.OPEN) return;
      const payload = globalThis.crypto.getRandomValues(new Uint8Array(this.options.autoPingSize));
      this.#autoPingPayload = payload;
      this.#autoPingSent = nowMs();
      this.#autoPingSeq++;
      this.wire.sendPing(payload);
      this._flush();
      if (this.options.autoPingTimeout > 0 && !this._hasTimer('autoPingTimeout')) {
        this._startTimer('autoPingTimeout', this.options.autoPingTimeout, 'WebSocket ping timeout');
      }
      this.#scheduleAutoPing();
    });
  }

  /** Closes the transport at once, without a closing handshake. (autobahn's `abort` boolean is taken too.) */
  dropConnection(reason = 'dropped by application') {
    if (this.#closed) return;
    if (typeof reason !== 'string') reason = 'dropped by application';
    if (this.#notCleanReason === null) this.#notCleanReason = reason;
    this.#transportEnding = true;
    // As autobahn: closed from now on (nothing more is sent, a pending onConnect answer is void).
    this.#transportClosed = true;
    this.transport.destroy();
  }

  /** Server shutdown: the closing handshake with 1001 (going away), a code sendClose does not allow. */
  _goingAway(reason = 'server shutting down') {
    if (this.state !== State.OPEN) return;
    this.wire.sendClose(1001, reason);
    this._flush();
  }

  // ----- sending (argument rules in ProtocolBase) -----

  /** A whole message, or `fragmentSize` frames of it, into the core and out to the transport. */
  _sendData(data, isBinary, fragmentSize, doNotCompress) {
    const wasAbove = this.bufferedAmount > this.options.sendHighWaterMark;
    if (fragmentSize !== null) {
      const bytes = toBytes(data, 'payload');
      let offset = 0;
      let opcode = isBinary ? Opcode.BINARY : Opcode.TEXT;
      do {
        const end = Math.min(offset + fragmentSize, bytes.length);
        // doNotCompress applies to the whole message: say it with its first frame.
        const first = opcode !== Opcode.CONTINUATION;
        this.transport.write(this.wire.sendFrame(opcode, bytes.subarray(offset, end), end === bytes.length, first && doNotCompress));
        opcode = Opcode.CONTINUATION;
        offset = end;
      } while (offset < bytes.length);
    } else {
      this.transport.write(this.wire.sendMessage(data, isBinary, doNotCompress));
    }
    this._checkBufferCap(wasAbove);
  }

  /**
   * maxBufferedAmount: a send made while already above sendHighWaterMark that takes the unsent
   * bytes past the cap fails the connection with 1008 and drops the transport, which releases
   * what it buffered (the peer is not reading; a close frame queued behind it would never arrive).
   * A send into a buffer below the mark always goes: one message may be large.
   */
  _checkBufferCap(wasAbove) {
    if (!wasAbove) return;
    const cap = this.options.maxBufferedAmount;
    const unsent = this.bufferedAmount;
    if (cap === 0 || unsent <= cap) return;
    const reason = `peer not reading: ${unsent} bytes unsent, above maxBufferedAmount`;
    this.wire.fail(1008, reason);
    this.wire.takeChunks();
    this.dropConnection(reason);
  }

  /**
   * The frames already built for this connection's kind go out as they are (no core call, no
   * array: factory.publish runs this once per recipient); else the core frames or checks it.
   */
  _sendPrepared(prepared) {
    const { transport } = this;
    const wasAbove = transport.bufferedAmount > this.options.sendHighWaterMark;
    const frames = transport.writeChunk === undefined ? undefined : this.wire.sharedFrames(prepared);
    if (frames !== undefined) transport.writeChunk(frames);
    else transport.write(this.wire.sendPrepared(prepared));
    this._checkBufferCap(wasAbove);
  }

  /** factory.publish's send to one subscriber that it found OPEN: sendPreparedMessage without the argument checks. */
  _publish(prepared) {
    this._sendPrepared(prepared);
    return this._belowHighWaterMark();
  }

  // ----- topics (factory.publish) -----

  /** Joins `topic`: factory.publish(topic, ...) then reaches this connection. */
  subscribe(topic) {
    this._requireOpen();
    this.factory._topics.subscribe(this, topic);
  }

  /** Leaves `topic`; returns whether this connection was subscribed. */
  unsubscribe(topic) {
    return this.factory?._topics.unsubscribe(this, topic) ?? false;
  }

  /** The topics this connection is subscribed to (it leaves them all when it closes). */
  get topics() {
    return this.factory?._topics.topicsOf(this) ?? [];
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
    this._requireOpen();
    if (kind === 'ping') this.wire.sendPing(bytes);
    else this.wire.sendPong(bytes);
    this._flush();
  }

  _sendCloseFrame(code, reason) {
    this.wire.sendClose(code, reason ?? '');
    this._flush();
  }
}

/** Milliseconds since the epoch, sub-millisecond where the runtime measures it. */
const nowMs = () => (globalThis.performance ? performance.timeOrigin + performance.now() : Date.now());

function equalBytes(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
