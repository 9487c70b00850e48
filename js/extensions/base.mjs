// python-websockets' pluggable extension API, in JavaScript: an extension is a frame → frame
// transform (`encode` on send, `decode` on receive), made per connection by a factory that
// negotiates its parameters. User extensions subclass these; the built-in ones
// (permessage-deflate, permessage-bzip2) run inside the Rust core and only describe themselves.

/** A frame as extensions see it (python-websockets' `Frame`). */
export class Frame {
  static OP_CONT = 0;
  static OP_TEXT = 1;
  static OP_BINARY = 2;
  static OP_CLOSE = 8;
  static OP_PING = 9;
  static OP_PONG = 10;

  constructor(opcode, data, { fin = true, rsv1 = false, rsv2 = false, rsv3 = false } = {}) {
    this.opcode = opcode;
    this.data = data;
    this.fin = fin;
    this.rsv1 = rsv1;
    this.rsv2 = rsv2;
    this.rsv3 = rsv3;
  }

  /** A copy with some fields changed (python's `dataclasses.replace`). */
  with(changes) {
    const { opcode, data, fin, rsv1, rsv2, rsv3 } = { ...this, ...changes };
    return new Frame(opcode, data, { fin, rsv1, rsv2, rsv3 });
  }

  get isControl() {
    return this.opcode >= 8;
  }
}

/** RSV bits as `Extension.rsvBits` counts them. */
export const RSV1 = 4;
export const RSV2 = 2;
export const RSV3 = 1;

/** A factory declines an offer, or refuses a response, by throwing this. */
export class NegotiationError extends Error {
  constructor(message) {
    super(message);
    this.name = 'NegotiationError';
  }
}

/**
 * An error an extension throws from `decode`/`encode` to fail the connection with a given
 * close code (1002 protocol error, 1007 invalid data, 1009 too big, 1010, 1011); any other
 * exception fails it with 1011.
 */
export class ExtensionError extends Error {
  constructor(message, closeCode = 1002) {
    super(message);
    this.name = 'ExtensionError';
    this.closeCode = closeCode;
  }
}

/** One negotiated extension, owned by one connection. */
export class Extension {
  /** The registered name, e.g. 'x-my-extension'. */
  get name() {
    throw new TypeError(`${this.constructor.name} must define name`);
  }

  /**
   * The RSV bits this extension sets on frames it sends (RSV1 | RSV2 | RSV3 as 4 | 2 | 1).
   * Frames that arrive with bits no negotiated extension declared fail with 1002, as do
   * frames whose bits are still set after every extension decoded them.
   */
  get rsvBits() {
    return 0;
  }

  /** Transforms a frame about to be sent; returns the frame to send. */
  encode(frame) {
    return frame;
  }

  /**
   * Transforms a received frame; returns the decoded frame. `maxSize` is what remains of the
   * message size budget (null: unlimited): an extension that expands data must throw an
   * ExtensionError with code 1009 before producing more than that.
   */
  decode(frame, { maxSize = null } = {}) { // eslint-disable-line no-unused-vars
    return frame;
  }
}

/** Server side: accepts or declines one offer of its extension. */
export class ServerExtensionFactory {
  get name() {
    throw new TypeError(`${this.constructor.name} must define name`);
  }

  /**
   * `params` is the offer as `[[name, value | null], ...]`; `accepted` the extensions
   * accepted so far. Returns `[responseParams, extension]`, or throws NegotiationError to
   * decline (the next offer may do).
   */
  processRequestParams(params, accepted) { // eslint-disable-line no-unused-vars
    throw new NegotiationError(`${this.name} does not accept offers`);
  }
}

/** Client side: makes its offer, then accepts (or refuses) the server's response. */
export class ClientExtensionFactory {
  get name() {
    throw new TypeError(`${this.constructor.name} must define name`);
  }

  /** The offer's parameters, `[[name, value | null], ...]`. */
  getRequestParams() {
    return [];
  }

  /** Returns the extension for the server's response, or throws NegotiationError (the handshake fails). */
  processResponseParams(params, accepted) { // eslint-disable-line no-unused-vars
    throw new NegotiationError(`${this.name} does not accept responses`);
  }
}

/**
 * Stands for an extension that runs inside the Rust core (permessage-deflate,
 * permessage-bzip2) in the `accepted` lists JS factories receive; `params` are the
 * parameters it was negotiated with (the server's response), `[[name, value | null], ...]`.
 */
export class CoreExtension extends Extension {
  #name;
  constructor(name, params = []) {
    super();
    this.#name = name;
    this.params = params;
  }

  get name() {
    return this.#name;
  }

  /** Both built-in compression extensions mark compressed messages with RSV1. */
  get rsvBits() {
    return RSV1;
  }
}
