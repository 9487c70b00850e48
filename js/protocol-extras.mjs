// Pieces of autobahn's WebSocketProtocol beyond whole messages, for the protocol over the wasm
// core (js/protocol.mjs is `class WebSocketProtocol extends ProtocolExtras(ProtocolBase)`):
//
// - the frame-based API (autobahn's IWebSocketChannelFrameApi): receiving with onMessageBegin /
//   onMessageFrame / onMessageEnd, whose defaults assemble the message for onMessage, and sending
//   with beginMessage / sendMessageFrame / endMessage. A protocol class that overrides one of the
//   three receiving callbacks gets the core's frames (Config.deliverFrames) instead of whole
//   messages; frames arrive whole (the core decodes and decompresses each one), so autobahn's
//   byte-streaming callbacks (onMessageFrameBegin/Data/End) have no counterpart here.
// - `isOpen` / `isClosed` (autobahn's is_open / is_closed futures) and the close frames sent and
//   received (localCloseCode, localCloseReason, remoteCloseCode, remoteCloseReason).
// - onAutoPong, called when an automatic ping's pong arrives.

import { toBytes } from './protocol-base.mjs';
import { coreConfig } from './options.mjs';
import { Opcode } from './wire.mjs';

const RECEIVING = ['onMessageBegin', 'onMessageFrame', 'onMessageEnd'];

// The core's Config with deliverFrames, once per options object (as coreConfig caches its own).
const frameConfigs = new WeakMap();

/** A close frame's code as autobahn reports it: null for none (the core says 1005). */
const closeCode = (frame) => (frame && frame.code !== 1005 ? frame.code : null);
const closeReason = (frame) => (frame && frame.reason !== '' ? frame.reason : null);

export const ProtocolExtras = (Base) => {
  class Extras extends Base {
    // ----- receiving frames -----

    /** A message begins (its first frame arrived). The default starts collecting it for onMessage. */
    onMessageBegin(isBinary) {
      this.#incoming = { isBinary, chunks: [] };
    }

    /**
     * One frame of the current message, decoded (decompressed) by the core. `payload` is a list
     * of byte chunks, as in autobahn (here always one chunk: the whole frame). The default keeps
     * them for onMessageEnd.
     */
    onMessageFrame(payload) {
      this.#incoming?.chunks.push(...payload);
    }

    /** The message's last frame arrived. The default calls onMessage with the collected payload. */
    onMessageEnd() {
      const incoming = this.#incoming;
      this.#incoming = null;
      if (!incoming) return undefined;
      const size = incoming.chunks.reduce((n, chunk) => n + chunk.length, 0);
      const payload = this.factory.alloc(size);
      let at = 0;
      for (const chunk of incoming.chunks) {
        payload.set(chunk, at);
        at += chunk.length;
      }
      return this.onMessage(payload, incoming.isBinary);
    }

    #incoming = null;

    /** Whether this protocol's class overrides one of the receiving callbacks (it then gets frames). */
    get _wantsFrames() {
      return RECEIVING.some((name) => this[name] !== Extras.prototype[name]);
    }

    /** The core's Config for this connection: the factory's, with deliverFrames when wanted. */
    _coreConfig(options) {
      if (!this._wantsFrames) return coreConfig(options);
      let config = frameConfigs.get(options);
      if (config === undefined) {
        config = { ...coreConfig(options), deliverFrames: true };
        frameConfigs.set(options, config);
      }
      return config;
    }

    /**
     * A data frame from the core: onMessageBegin (first frame), onMessageFrame, onMessageEnd
     * (last frame), in order, each waiting for the previous one's Promise. A callback that fails
     * stops the rest (the connection fails, as for onMessage). Returns a Promise while one runs.
     */
    _frame({ fin, opcode, data }) {
      const steps = [];
      if (opcode !== Opcode.CONTINUATION) steps.push(() => this.onMessageBegin(opcode === Opcode.BINARY));
      steps.push(() => this.onMessageFrame([data]));
      if (fin) steps.push(() => this.onMessageEnd());
      return this.#run(steps, 0);
    }

    #run(steps, from) {
      for (let i = from; i < steps.length; i++) {
        let failed = false;
        const step = steps[i];
        const pending = this._callback(() => {
          try {
            const result = step();
            if (result && typeof result.then === 'function') {
              return result.then(undefined, (error) => {
                failed = true;
                throw error;
              });
            }
            return result;
          } catch (error) {
            failed = true;
            throw error;
          }
        });
        if (pending) return pending.then(() => (failed ? undefined : this.#run(steps, i + 1)));
        if (failed) return undefined;
      }
      return undefined;
    }

    // ----- sending frames -----

    /** The opcode of the next frame of the message being sent, or null when none is begun. */
    #sendOpcode = null;
    #sendDoNotCompress = false;

    /**
     * Begins a message sent frame by frame (autobahn's beginMessage): sendMessageFrame sends its
     * frames, endMessage ends it. `doNotCompress` sends it uncompressed. Other data messages must
     * wait until it ends (the core refuses them); pings, pongs and a close may go in between.
     * @throws {Disconnected} when the connection is not open.
     */
    beginMessage(isBinary = false, doNotCompress = false) {
      this._requireOpen();
      if (this.#sendOpcode !== null) throw new Error('beginMessage: a message is being sent; call endMessage first');
      this.#sendOpcode = isBinary ? Opcode.BINARY : Opcode.TEXT;
      this.#sendDoNotCompress = Boolean(doNotCompress);
    }

    /**
     * Sends one frame of the begun message (not its last: endMessage ends it). A string is sent as
     * its UTF-8 bytes. Returns what sendMessage returns (false above sendHighWaterMark).
     */
    sendMessageFrame(payload, sync = false) { // eslint-disable-line no-unused-vars
      this._requireOpen();
      if (this.#sendOpcode === null) throw new Error('sendMessageFrame: call beginMessage first');
      this.#sendFrame(typeof payload === 'string' ? payload : toBytes(payload, 'payload'), false);
      return this._belowHighWaterMark();
    }

    /** Ends the begun message with an empty final frame (the whole message when no frame was sent). */
    endMessage() {
      this._requireOpen();
      if (this.#sendOpcode === null) throw new Error('endMessage: call beginMessage first');
      this.#sendFrame(new Uint8Array(0), true);
      this.#sendOpcode = null;
      this._belowHighWaterMark();
    }

    #sendFrame(data, fin) {
      const opcode = this.#sendOpcode;
      const wasAbove = this.bufferedAmount > this.options.sendHighWaterMark;
      // doNotCompress applies to the whole message: the core takes it with the first frame.
      const first = opcode !== Opcode.CONTINUATION;
      this.transport.write(this.wire.sendFrame(opcode, data, fin, first && this.#sendDoNotCompress));
      this.#sendOpcode = Opcode.CONTINUATION;
      this._checkBufferCap(wasAbove);
    }

    // ----- open and closed -----

    #open = null;
    #resolveOpen = null;
    #wasOpened = false;

    /** Resolves (with null) once the connection is open; stays pending if it never opens (as autobahn's is_open). */
    get isOpen() {
      this.#open ??= new Promise((resolve) => {
        this.#resolveOpen = resolve;
        if (this.#wasOpened) resolve(null);
      });
      return this.#open;
    }

    /** js/protocol.mjs calls this when the connection opens (before onOpen). */
    _markOpen() {
      this.#wasOpened = true;
      this.#resolveOpen?.(null);
    }

    /** Resolves with this protocol once the connection is closed, after onClose (autobahn's is_closed). */
    get isClosed() {
      return this._closed.then(() => this);
    }

    /** The code of the close frame we sent (null: none sent, or one without a code). */
    get localCloseCode() {
      return closeCode(this.wire?.closeInfo().sent);
    }

    /** The reason of the close frame we sent (null: none, or empty). A string, where autobahn keeps bytes. */
    get localCloseReason() {
      return closeReason(this.wire?.closeInfo().sent);
    }

    /** The code of the peer's close frame (null: none received, or one without a code). */
    get remoteCloseCode() {
      return closeCode(this.wire?.closeInfo().received);
    }

    /** The reason of the peer's close frame (null: none, or empty). */
    get remoteCloseReason() {
      return closeReason(this.wire?.closeInfo().received);
    }

    // ----- automatic pings -----

    /**
     * The pong to an automatic ping arrived (autobahn's onAutoPong). `pingSent` and
     * `pongReceived` are milliseconds since the epoch (autobahn: nanoseconds, more than a JS
     * number holds exactly), `pingSeq` counts this connection's automatic pings from 1, `pongRtt`
     * is the round trip in milliseconds. onPong is called too.
     */
    onAutoPong(pingSent, pingSeq, pongReceived, pongRtt, payload) {} // eslint-disable-line no-unused-vars
  }
  return Extras;
};
