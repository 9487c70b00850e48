// Autobahn's per-message compression API (autobahn.websocket.compress): offers, accepts and
// responses for permessage-deflate and permessage-bzip2, used through the protocol options
// `perMessageCompressionOffers` (client) and `perMessageCompressionAccept` (both roles).
//
// How it relates to the python-websockets style (`extensions`, `compression`): both end in
// the same core extensions. A client's offers become built-in client factories, in order.
// A server's accept function sees every parseable compression offer at once and picks one
// with its response parameters; the core then accepts exactly that offer with that response.
// When either option is set it takes the place of `compression`'s default deflate.

import { NegotiationError } from './base.mjs';

const DEFLATE = 'permessage-deflate';
const BZIP2 = 'permessage-bzip2';

/** Params as `{name: [value | true, ...]}` (autobahn) or `[[name, value | null], ...]` (ours) → Map name → value|true, strictly. */
function paramMap(params, extension) {
  const entries = Array.isArray(params)
    ? params.map(([name, value = null]) => [name, [value ?? true]])
    : Object.entries(params ?? {});
  const map = new Map();
  for (const [name, values] of entries) {
    if (map.has(name) || values.length !== 1) throw new NegotiationError(`${extension}: parameter ${name} given more than once`);
    map.set(name, values[0]);
  }
  return map;
}

function flag(map, name, extension) {
  if (!map.has(name)) return false;
  if (map.get(name) !== true) throw new NegotiationError(`${extension}: ${name} takes no value`);
  return true;
}

function number(map, name, extension, lo, hi, { optional = false } = {}) {
  if (!map.has(name)) return 0;
  const value = map.get(name);
  if (value === true && optional) return true;
  if (typeof value !== 'string' || !/^[1-9][0-9]?$/.test(value) || Number(value) < lo || Number(value) > hi) {
    throw new NegotiationError(`${extension}: invalid ${name} value ${JSON.stringify(value)}`);
  }
  return Number(value);
}

function onlyKnown(map, known, extension) {
  for (const name of map.keys()) if (!known.includes(name)) throw new NegotiationError(`${extension}: unknown parameter ${name}`);
}

const extensionString = (name, parts) => [name, ...parts.filter(Boolean)].join('; ');

// ----- permessage-deflate -----

export class PerMessageDeflateOffer {
  static EXTENSION_NAME = DEFLATE;

  constructor(acceptNoContextTakeover = true, acceptMaxWindowBits = true, requestNoContextTakeover = false, requestMaxWindowBits = 0) {
    if (!(requestMaxWindowBits === 0 || (Number.isInteger(requestMaxWindowBits) && requestMaxWindowBits >= 8 && requestMaxWindowBits <= 15))) {
      throw new RangeError(`requestMaxWindowBits must be 0 or 8-15, got ${requestMaxWindowBits}`);
    }
    Object.assign(this, { acceptNoContextTakeover, acceptMaxWindowBits, requestNoContextTakeover, requestMaxWindowBits });
  }

  /** Reads a client's offer; throws NegotiationError on anything RFC 7692 does not allow. */
  static parse(params) {
    const map = paramMap(params, DEFLATE);
    onlyKnown(map, ['client_no_context_takeover', 'client_max_window_bits', 'server_no_context_takeover', 'server_max_window_bits'], DEFLATE);
    const clientBits = number(map, 'client_max_window_bits', DEFLATE, 8, 15, { optional: true });
    const offer = new PerMessageDeflateOffer(
      flag(map, 'client_no_context_takeover', DEFLATE),
      map.has('client_max_window_bits'),
      flag(map, 'server_no_context_takeover', DEFLATE),
      number(map, 'server_max_window_bits', DEFLATE, 8, 15),
    );
    // A value on client_max_window_bits is the client's own limit, kept for the response.
    if (typeof clientBits === 'number') offer.clientMaxWindowBits = clientBits;
    return offer;
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

export class PerMessageDeflateOfferAccept {
  constructor(offer, requestNoContextTakeover = false, requestMaxWindowBits = 0, noContextTakeover = null, windowBits = null, memLevel = null) {
    if (!(offer instanceof PerMessageDeflateOffer)) throw new TypeError('offer must be a PerMessageDeflateOffer');
    if (requestNoContextTakeover && !offer.acceptNoContextTakeover) throw new RangeError('the offer does not accept client_no_context_takeover');
    if (requestMaxWindowBits !== 0 && !offer.acceptMaxWindowBits) throw new RangeError('the offer does not accept client_max_window_bits');
    if (!(requestMaxWindowBits === 0 || (requestMaxWindowBits >= 8 && requestMaxWindowBits <= 15))) throw new RangeError('requestMaxWindowBits must be 0 or 8-15');
    if (!(windowBits === null || (Number.isInteger(windowBits) && windowBits >= 8 && windowBits <= 15))) throw new RangeError('windowBits must be null or 8-15');
    Object.assign(this, { offer, requestNoContextTakeover, requestMaxWindowBits, noContextTakeover, windowBits, memLevel });
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

  /** What each side compresses with, as autobahn's PerMessageDeflate.create_from_offer_accept. */
  agreement() {
    const o = this.offer;
    const serverBits = Math.min(this.windowBits ?? 15, o.requestMaxWindowBits || 15);
    return {
      serverNoContextTakeover: this.noContextTakeover ?? o.requestNoContextTakeover,
      clientNoContextTakeover: this.requestNoContextTakeover,
      serverMaxWindowBits: serverBits,
      clientMaxWindowBits: this.requestMaxWindowBits || o.clientMaxWindowBits || null,
    };
  }

  responseParams() {
    const o = this.offer;
    return [
      o.requestNoContextTakeover && ['server_no_context_takeover', null],
      o.requestMaxWindowBits && ['server_max_window_bits', String(o.requestMaxWindowBits)],
      this.requestNoContextTakeover && ['client_no_context_takeover', null],
      this.requestMaxWindowBits && ['client_max_window_bits', String(this.requestMaxWindowBits)],
    ].filter(Boolean);
  }
}

export class PerMessageDeflateResponse {
  constructor(clientMaxWindowBits, clientNoContextTakeover, serverMaxWindowBits, serverNoContextTakeover) {
    Object.assign(this, { clientMaxWindowBits, clientNoContextTakeover, serverMaxWindowBits, serverNoContextTakeover });
  }

  static parse(params) {
    const map = paramMap(params, DEFLATE);
    onlyKnown(map, ['client_no_context_takeover', 'client_max_window_bits', 'server_no_context_takeover', 'server_max_window_bits'], DEFLATE);
    return new PerMessageDeflateResponse(
      number(map, 'client_max_window_bits', DEFLATE, 8, 15),
      flag(map, 'client_no_context_takeover', DEFLATE),
      number(map, 'server_max_window_bits', DEFLATE, 8, 15),
      flag(map, 'server_no_context_takeover', DEFLATE),
    );
  }
}

export class PerMessageDeflateResponseAccept {
  constructor(response, noContextTakeover = null, windowBits = null, memLevel = null) {
    if (!(response instanceof PerMessageDeflateResponse)) throw new TypeError('response must be a PerMessageDeflateResponse');
    Object.assign(this, { response, noContextTakeover, windowBits, memLevel });
  }
}

/** A negotiated permessage-deflate, as `protocol.extensionsInUse` lists it. */
export class PerMessageDeflate {
  static EXTENSION_NAME = DEFLATE;

  constructor(isServer, serverNoContextTakeover, clientNoContextTakeover, serverMaxWindowBits, clientMaxWindowBits) {
    Object.assign(this, { isServer, serverNoContextTakeover, clientNoContextTakeover, serverMaxWindowBits, clientMaxWindowBits });
  }

  get name() {
    return DEFLATE;
  }

  static fromResponseParams(isServer, params) {
    const r = PerMessageDeflateResponse.parse(params);
    return new PerMessageDeflate(isServer, r.serverNoContextTakeover, r.clientNoContextTakeover, r.serverMaxWindowBits || 15, r.clientMaxWindowBits || 15);
  }
}

// ----- permessage-bzip2 -----

export class PerMessageBzip2Offer {
  static EXTENSION_NAME = BZIP2;

  constructor(acceptMaxCompressLevel = true, requestMaxCompressLevel = 0) {
    if (!(requestMaxCompressLevel === 0 || (Number.isInteger(requestMaxCompressLevel) && requestMaxCompressLevel >= 1 && requestMaxCompressLevel <= 9))) {
      throw new RangeError(`requestMaxCompressLevel must be 0 or 1-9, got ${requestMaxCompressLevel}`);
    }
    Object.assign(this, { acceptMaxCompressLevel, requestMaxCompressLevel });
  }

  static parse(params) {
    const map = paramMap(params, BZIP2);
    onlyKnown(map, ['client_max_compress_level', 'server_max_compress_level'], BZIP2);
    return new PerMessageBzip2Offer(flag(map, 'client_max_compress_level', BZIP2), number(map, 'server_max_compress_level', BZIP2, 1, 9));
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

export class PerMessageBzip2OfferAccept {
  constructor(offer, requestMaxCompressLevel = 0, compressLevel = null) {
    if (!(offer instanceof PerMessageBzip2Offer)) throw new TypeError('offer must be a PerMessageBzip2Offer');
    if (requestMaxCompressLevel !== 0 && !offer.acceptMaxCompressLevel) throw new RangeError('the offer does not accept client_max_compress_level');
    Object.assign(this, { offer, requestMaxCompressLevel, compressLevel });
  }

  getExtensionString() {
    return extensionString(BZIP2, [
      this.offer.requestMaxCompressLevel && `server_max_compress_level=${this.offer.requestMaxCompressLevel}`,
      this.requestMaxCompressLevel && `client_max_compress_level=${this.requestMaxCompressLevel}`,
    ]);
  }

  agreement() {
    const o = this.offer;
    return {
      serverLevel: Math.min(this.compressLevel ?? 9, o.requestMaxCompressLevel || 9),
      clientLevel: this.requestMaxCompressLevel || null,
    };
  }

  responseParams() {
    return [
      this.offer.requestMaxCompressLevel && ['server_max_compress_level', String(this.offer.requestMaxCompressLevel)],
      this.requestMaxCompressLevel && ['client_max_compress_level', String(this.requestMaxCompressLevel)],
    ].filter(Boolean);
  }
}

export class PerMessageBzip2Response {
  constructor(clientMaxCompressLevel, serverMaxCompressLevel) {
    Object.assign(this, { clientMaxCompressLevel, serverMaxCompressLevel });
  }

  static parse(params) {
    const map = paramMap(params, BZIP2);
    onlyKnown(map, ['client_max_compress_level', 'server_max_compress_level'], BZIP2);
    return new PerMessageBzip2Response(number(map, 'client_max_compress_level', BZIP2, 1, 9), number(map, 'server_max_compress_level', BZIP2, 1, 9));
  }
}

export class PerMessageBzip2ResponseAccept {
  constructor(response, compressLevel = null) {
    if (!(response instanceof PerMessageBzip2Response)) throw new TypeError('response must be a PerMessageBzip2Response');
    Object.assign(this, { response, compressLevel });
  }
}

export class PerMessageBzip2 {
  static EXTENSION_NAME = BZIP2;

  constructor(isServer, serverMaxCompressLevel, clientMaxCompressLevel) {
    Object.assign(this, { isServer, serverMaxCompressLevel, clientMaxCompressLevel });
  }

  get name() {
    return BZIP2;
  }

  static fromResponseParams(isServer, params) {
    const r = PerMessageBzip2Response.parse(params);
    return new PerMessageBzip2(isServer, r.serverMaxCompressLevel || 9, r.clientMaxCompressLevel || 9);
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
      // An offer we cannot read is skipped (RFC 7692 §5: declined), as autobahn does.
    }
  }
  return offers;
}

/** Server: the core entry that accepts exactly the offer `accept` answers. */
export function pinnedEntry(accept, offers) {
  const chosen = offers.find(({ offer }) => offer === accept.offer);
  if (!chosen) throw new TypeError('perMessageCompressionAccept must answer one of the offers it was given');
  const kind = accept instanceof PerMessageDeflateOfferAccept ? DEFLATE : BZIP2;
  const entry = { kind: `${kind}-pinned`, offer: chosen.params, response: accept.responseParams(), agreement: accept.agreement() };
  if (kind === DEFLATE && accept.memLevel !== null && accept.memLevel !== undefined) entry.memLevel = accept.memLevel;
  return entry;
}

/** Client: the response object autobahn's accept function gets for a negotiated extension. */
export function parseResponse(name, params) {
  return RESPONSES[name]?.parse(params) ?? null;
}

/** Autobahn's `websocket_extensions_in_use` entry for a negotiated extension. */
export function inUse(isServer, { name, params }) {
  const Kind = IN_USE[name];
  return Kind ? Kind.fromResponseParams(isServer, params) : { name, params };
}

export const isPmceAccept = (v) => v instanceof PerMessageDeflateOfferAccept || v instanceof PerMessageBzip2OfferAccept;
export const isPmceResponseAccept = (v) => v instanceof PerMessageDeflateResponseAccept || v instanceof PerMessageBzip2ResponseAccept;
