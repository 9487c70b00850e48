// Autobahn's per-message compression API (autobahn.websocket.compress): offers, accepts and
// responses for permessage-deflate and permessage-bzip2, used through the protocol options
// `perMessageCompressionOffers` (client) and `perMessageCompressionAccept` (both roles).
//
// How it relates to the python-websockets style (`extensions`, `compression`): both end in
// the same core extensions. A client's offers become built-in client factories, in order.
// A server's accept function sees every parseable compression offer at once and picks one
// with its response parameters; the core then accepts exactly that offer with that response.
// When either option is set it takes the place of `compression`'s default deflate.
//
// The rules (what parse reads, which accepts autobahn refuses) live in the core
// (src/extensions/deflate/autobahn.rs, src/extensions/bzip2/autobahn.rs); these classes hold the values and throw
// the core's error: NegotiationError from parse, RangeError from a constructor.

import { corePmceCheck as pmceCheck, corePmceParse as pmceParse } from '../wire.mjs';
import { CoreTrappedError } from '../trap.mjs';
import { NegotiationError } from './base.mjs';

const DEFLATE = 'permessage-deflate';
const BZIP2 = 'permessage-bzip2';

/** Params as `{name: [value | true, ...]}` (autobahn) or `[[name, value | null], ...]` (ours) → ours. */
function paramList(params) {
  if (Array.isArray(params)) return params.map(([name, value = null]) => [name, value]);
  return Object.entries(params ?? {}).flatMap(([name, values]) => values.map((v) => [name, v === true ? null : v]));
}

function parse(name, what, params) {
  try {
    return pmceParse(name, what, paramList(params));
  } catch (error) {
    if (error instanceof CoreTrappedError) throw error;
    throw new NegotiationError(`${name}: ${error.message}`);
  }
}

function check(name, what, base, accept = null) {
  try {
    pmceCheck(name, what, base, accept);
  } catch (error) {
    if (error instanceof CoreTrappedError) throw error;
    throw new RangeError(`${name}: ${error.message}`);
  }
}

const extensionString = (name, parts) => [name, ...parts.filter(Boolean)].join('; ');

// ----- autobahn.websocket.compress_base: the classes every compression's classes extend -----

/** Base class of a client's compression offers (PerMessageDeflateOffer, PerMessageBzip2Offer). */
export class PerMessageCompressOffer {}
/** Base class of a server's accepts of an offer. */
export class PerMessageCompressOfferAccept {}
/** Base class of a server's responses, as the client reads them. */
export class PerMessageCompressResponse {}
/** Base class of a client's accepts of a response. */
export class PerMessageCompressResponseAccept {}
/** Base class of a negotiated compression (protocol.extensionsInUse). */
export class PerMessageCompress {}

// ----- permessage-deflate -----

export class PerMessageDeflateOffer extends PerMessageCompressOffer {
  static EXTENSION_NAME = DEFLATE;

  constructor(acceptNoContextTakeover = true, acceptMaxWindowBits = true, requestNoContextTakeover = false, requestMaxWindowBits = 0) {
    super();
    Object.assign(this, { acceptNoContextTakeover, acceptMaxWindowBits, requestNoContextTakeover, requestMaxWindowBits });
    check(DEFLATE, 'offer', this);
  }

  /** Reads a client's offer as autobahn does (acceptNoContextTakeover is always true); throws NegotiationError. */
  static parse(params) {
    const o = parse(DEFLATE, 'offer', params);
    return new PerMessageDeflateOffer(o.acceptNoContextTakeover, o.acceptMaxWindowBits, o.requestNoContextTakeover, o.requestMaxWindowBits);
  }

  getExtensionString() {
    return extensionString(DEFLATE, [
      this.acceptNoContextTakeover && 'client_no_context_takeover',
      this.acceptMaxWindowBits && 'client_max_window_bits',
      this.requestNoContextTakeover && 'server_no_context_takeover',
      this.requestMaxWindowBits && `server_max_window_bits=${this.requestMaxWindowBits}`,
    ]);
  }

  /** The built-in client factory settings that make this offer. */
  coreSpec() {
    return {
      kind: DEFLATE,
      preset: 'bare',
      clientNoContextTakeover: this.acceptNoContextTakeover,
      clientMaxWindowBits: this.acceptMaxWindowBits,
      serverNoContextTakeover: this.requestNoContextTakeover,
      serverMaxWindowBits: this.requestMaxWindowBits || undefined,
    };
  }
}

/**
 * Server: how to accept a deflate offer. `maxMessageSize` (autobahn's `max_message_size`): at
 * most this many bytes decompressed per message on this connection (1009 beyond), besides
 * the protocol option `maxMessageSize`; null: no extension limit.
 */
export class PerMessageDeflateOfferAccept extends PerMessageCompressOfferAccept {
  constructor(offer, requestNoContextTakeover = false, requestMaxWindowBits = 0, noContextTakeover = null, windowBits = null, memLevel = null, maxMessageSize = null) {
    super();
    if (!(offer instanceof PerMessageDeflateOffer)) throw new TypeError('offer must be a PerMessageDeflateOffer');
    Object.assign(this, { offer, requestNoContextTakeover, requestMaxWindowBits, noContextTakeover, windowBits, memLevel, maxMessageSize });
    check(DEFLATE, 'offerAccept', offer, this.coreAccept());
  }

  getExtensionString() {
    const o = this.offer;
    return extensionString(DEFLATE, [
      o.requestNoContextTakeover && 'server_no_context_takeover',
      o.requestMaxWindowBits && `server_max_window_bits=${o.requestMaxWindowBits}`,
      this.requestNoContextTakeover && 'client_no_context_takeover',
      this.requestMaxWindowBits && `client_max_window_bits=${this.requestMaxWindowBits}`,
    ]);
  }

  /** The fields the core builds the response and agreement from. */
  coreAccept() {
    const { requestNoContextTakeover, requestMaxWindowBits, noContextTakeover, windowBits, memLevel, maxMessageSize } = this;
    return { requestNoContextTakeover, requestMaxWindowBits, noContextTakeover, windowBits, memLevel, maxMessageSize };
  }
}

export class PerMessageDeflateResponse extends PerMessageCompressResponse {
  constructor(clientMaxWindowBits, clientNoContextTakeover, serverMaxWindowBits, serverNoContextTakeover) {
    super();
    Object.assign(this, { clientMaxWindowBits, clientNoContextTakeover, serverMaxWindowBits, serverNoContextTakeover });
  }

  static parse(params) {
    const r = parse(DEFLATE, 'response', params);
    return new PerMessageDeflateResponse(r.clientMaxWindowBits, r.clientNoContextTakeover, r.serverMaxWindowBits, r.serverNoContextTakeover);
  }
}

/**
 * Client: how we compress (`noContextTakeover`, `windowBits`, `memLevel` override the response's
 * terms for us); `maxMessageSize` as the OfferAccept's, for what we decompress.
 */
export class PerMessageDeflateResponseAccept extends PerMessageCompressResponseAccept {
  constructor(response, noContextTakeover = null, windowBits = null, memLevel = null, maxMessageSize = null) {
    super();
    if (!(response instanceof PerMessageDeflateResponse)) throw new TypeError('response must be a PerMessageDeflateResponse');
    Object.assign(this, { response, noContextTakeover, windowBits, memLevel, maxMessageSize });
    check(DEFLATE, 'responseAccept', response, this.coreAccept());
  }

  coreAccept() {
    const { noContextTakeover, windowBits, memLevel, maxMessageSize } = this;
    return { noContextTakeover, windowBits, memLevel, maxMessageSize };
  }
}

/**
 * A negotiated permessage-deflate, as `protocol.extensionsInUse` lists it: `memLevel` is what
 * this side compresses with (autobahn's default 8 when unset), `maxMessageSize` the
 * extension's decompressed-size limit per message (null: none).
 */
export class PerMessageDeflate extends PerMessageCompress {
  static EXTENSION_NAME = DEFLATE;
  static DEFAULT_MEM_LEVEL = 8;

  constructor(isServer, serverNoContextTakeover, clientNoContextTakeover, serverMaxWindowBits, clientMaxWindowBits, memLevel = null, maxMessageSize = null) {
    super();
    memLevel ||= PerMessageDeflate.DEFAULT_MEM_LEVEL;
    Object.assign(this, { isServer, serverNoContextTakeover, clientNoContextTakeover, serverMaxWindowBits, clientMaxWindowBits, memLevel, maxMessageSize });
  }

  get name() {
    return DEFLATE;
  }

  /** `terms`: `{memLevel, maxMessageSize}` this side was set up with. */
  static fromResponseParams(isServer, params, { memLevel = null, maxMessageSize = null } = {}) {
    const r = parse(DEFLATE, 'negotiated', params);
    return new PerMessageDeflate(isServer, r.serverNoContextTakeover, r.clientNoContextTakeover, r.serverMaxWindowBits || 15, r.clientMaxWindowBits || 15, memLevel, maxMessageSize);
  }
}

// ----- permessage-bzip2 -----

export class PerMessageBzip2Offer extends PerMessageCompressOffer {
  static EXTENSION_NAME = BZIP2;

  constructor(acceptMaxCompressLevel = true, requestMaxCompressLevel = 0) {
    super();
    Object.assign(this, { acceptMaxCompressLevel, requestMaxCompressLevel });
    check(BZIP2, 'offer', this);
  }

  static parse(params) {
    const o = parse(BZIP2, 'offer', params);
    return new PerMessageBzip2Offer(o.acceptMaxCompressLevel, o.requestMaxCompressLevel);
  }

  getExtensionString() {
    return extensionString(BZIP2, [
      this.acceptMaxCompressLevel && 'client_max_compress_level',
      this.requestMaxCompressLevel && `server_max_compress_level=${this.requestMaxCompressLevel}`,
    ]);
  }

  coreSpec() {
    return {
      kind: BZIP2,
      acceptMaxCompressLevel: this.acceptMaxCompressLevel,
      requestMaxCompressLevel: this.requestMaxCompressLevel || undefined,
    };
  }
}

/**
 * Server: how to accept a bzip2 offer. `maxMessageSize` as the deflate OfferAccept's (autobahn's
 * bzip2 accepts have none): at most this many bytes decompressed per message on this
 * connection (1009 beyond), besides the protocol option `maxMessageSize`; null: no extension limit.
 */
export class PerMessageBzip2OfferAccept extends PerMessageCompressOfferAccept {
  constructor(offer, requestMaxCompressLevel = 0, compressLevel = null, maxMessageSize = null) {
    super();
    if (!(offer instanceof PerMessageBzip2Offer)) throw new TypeError('offer must be a PerMessageBzip2Offer');
    Object.assign(this, { offer, requestMaxCompressLevel, compressLevel, maxMessageSize });
    check(BZIP2, 'offerAccept', offer, this.coreAccept());
  }

  getExtensionString() {
    return extensionString(BZIP2, [
      this.offer.requestMaxCompressLevel && `server_max_compress_level=${this.offer.requestMaxCompressLevel}`,
      this.requestMaxCompressLevel && `client_max_compress_level=${this.requestMaxCompressLevel}`,
    ]);
  }

  coreAccept() {
    const { requestMaxCompressLevel, compressLevel, maxMessageSize } = this;
    return { requestMaxCompressLevel, compressLevel, maxMessageSize };
  }
}

export class PerMessageBzip2Response extends PerMessageCompressResponse {
  constructor(clientMaxCompressLevel, serverMaxCompressLevel) {
    super();
    Object.assign(this, { clientMaxCompressLevel, serverMaxCompressLevel });
  }

  static parse(params) {
    const r = parse(BZIP2, 'response', params);
    return new PerMessageBzip2Response(r.clientMaxCompressLevel, r.serverMaxCompressLevel);
  }
}

/**
 * Client: `compressLevel` (1-9, at most the server's cap) is the level we compress with;
 * `maxMessageSize` as the OfferAccept's, for what we decompress.
 */
export class PerMessageBzip2ResponseAccept extends PerMessageCompressResponseAccept {
  constructor(response, compressLevel = null, maxMessageSize = null) {
    super();
    if (!(response instanceof PerMessageBzip2Response)) throw new TypeError('response must be a PerMessageBzip2Response');
    Object.assign(this, { response, compressLevel, maxMessageSize });
    check(BZIP2, 'responseAccept', response, this.coreAccept());
  }

  coreAccept() {
    const { compressLevel, maxMessageSize } = this;
    return { compressLevel, maxMessageSize };
  }
}

/** A negotiated permessage-bzip2, as `protocol.extensionsInUse` lists it; `maxMessageSize` as PerMessageDeflate's. */
export class PerMessageBzip2 extends PerMessageCompress {
  static EXTENSION_NAME = BZIP2;

  constructor(isServer, serverMaxCompressLevel, clientMaxCompressLevel, maxMessageSize = null) {
    super();
    Object.assign(this, { isServer, serverMaxCompressLevel, clientMaxCompressLevel, maxMessageSize });
  }

  get name() {
    return BZIP2;
  }

  /** `terms`: `{maxMessageSize}` this side was set up with. */
  static fromResponseParams(isServer, params, { maxMessageSize = null } = {}) {
    const r = PerMessageBzip2Response.parse(params);
    return new PerMessageBzip2(isServer, r.serverMaxCompressLevel || 9, r.clientMaxCompressLevel || 9, maxMessageSize);
  }
}

// ----- the glue the protocols use -----

const OFFERS = { [DEFLATE]: PerMessageDeflateOffer, [BZIP2]: PerMessageBzip2Offer };
const RESPONSES = { [DEFLATE]: PerMessageDeflateResponse, [BZIP2]: PerMessageBzip2Response };
const IN_USE = { [DEFLATE]: PerMessageDeflate, [BZIP2]: PerMessageBzip2 };

/** Server: the offers an accept function sees, in the client's order, each with its params. */
export function parseOffers(requestExtensions) {
  const offers = [];
  for (const { name, params } of requestExtensions) {
    const Offer = OFFERS[name];
    if (!Offer) continue;
    try {
      const offer = Offer.parse(params);
      offers.push({ offer, params });
    } catch (error) {
      if (!(error instanceof NegotiationError)) throw error;
      // An offer we cannot read is skipped (RFC 7692 §5: declined); autobahn fails the
      // handshake instead, which would refuse a client whose next offer is fine.
    }
  }
  return offers;
}

/** Server: the core entry that accepts exactly the offer `accept` answers. */
export function pinnedEntry(accept, offers) {
  const chosen = offers.find(({ offer }) => offer === accept.offer);
  if (!chosen) throw new TypeError('perMessageCompressionAccept must answer one of the offers it was given');
  const kind = accept instanceof PerMessageDeflateOfferAccept ? DEFLATE : BZIP2;
  return { kind: `${kind}-pinned`, offer: paramList(chosen.params), accept: accept.coreAccept() };
}

/** Client: the response object autobahn's accept function gets for a negotiated extension. */
export function parseResponse(name, params) {
  return RESPONSES[name]?.parse(params) ?? null;
}

/**
 * Autobahn's `websocket_extensions_in_use` entry for a negotiated extension; `terms`: those of
 * compressionTerms, by extension name.
 */
export function inUse(isServer, { name, params }, terms = null) {
  const Kind = IN_USE[name];
  return Kind ? Kind.fromResponseParams(isServer, params, terms?.[name]) : { name, params };
}

/**
 * The terms a connection set its compression up with that the header does not show, by
 * extension name: deflate's memLevel and maxMessageSize, bzip2's maxMessageSize. From an
 * accept (autobahn's), else from a deflate factory among `extensions` (python-websockets'),
 * else the defaults.
 */
export function compressionTerms(options, accept = null) {
  const factory = options.extensions.find((f) => f.name === DEFLATE && f.settings?.memLevel);
  const terms = {
    [DEFLATE]: { memLevel: factory?.settings.memLevel ?? null, maxMessageSize: null },
    [BZIP2]: { maxMessageSize: null },
  };
  if (accept instanceof PerMessageDeflateOfferAccept || accept instanceof PerMessageDeflateResponseAccept) {
    terms[DEFLATE] = { memLevel: accept.memLevel, maxMessageSize: accept.maxMessageSize };
  } else if (accept instanceof PerMessageBzip2OfferAccept || accept instanceof PerMessageBzip2ResponseAccept) {
    terms[BZIP2] = { maxMessageSize: accept.maxMessageSize };
  }
  return terms;
}

export const isPmceAccept = (v) => v instanceof PerMessageDeflateOfferAccept || v instanceof PerMessageBzip2OfferAccept;
export const isPmceResponseAccept = (v) => v instanceof PerMessageDeflateResponseAccept || v instanceof PerMessageBzip2ResponseAccept;
