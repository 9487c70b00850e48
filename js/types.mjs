// The value types of autobahn.websocket.types, as ES classes.

/** The client's opening handshake, as the server's onConnect sees it. */
export class ConnectionRequest {
  constructor(peer, headers, host, path, params, version, origin, protocols, extensions) {
    Object.assign(this, { peer, headers, host, path, params, version, origin, protocols, extensions });
  }
}

const CONNECTING_FIELDS = ['host', 'port', 'resource', 'headers', 'useragent', 'origin', 'protocols'];

/**
 * Returned (or resolved) from a client's onConnecting(transportDetails) to set the opening
 * handshake of this connection: what the server is told (Host, resource, headers, User-Agent,
 * Origin, subprotocols), not where the socket goes. As in autobahn, a field left out takes
 * autobahn's default (host 'localhost', port 80, resource '/', no headers, no User-Agent, no
 * Origin, no subprotocols), not the factory's. Positional as autobahn's, or one options object.
 */
export class ConnectingRequest {
  constructor(host = null, port = null, resource = null, headers = null, useragent = null, origin = null, protocols = null) {
    if (host !== null && typeof host === 'object') {
      const unknown = Object.keys(host).filter((k) => !CONNECTING_FIELDS.includes(k));
      if (unknown.length) throw new TypeError(`unknown ConnectingRequest field(s): ${unknown.join(', ')} (known: ${CONNECTING_FIELDS.join(', ')})`);
      ({ host = null, port = null, resource = null, headers = null, useragent = null, origin = null, protocols = null } = host);
    }
    if (!(host === null || typeof host === 'string')) throw new TypeError('ConnectingRequest: host must be a string');
    if (!(port === null || (Number.isInteger(port) && port > 0 && port < 65536))) throw new TypeError('ConnectingRequest: port must be 1-65535');
    if (!(resource === null || (typeof resource === 'string' && resource.startsWith('/')))) throw new TypeError('ConnectingRequest: resource must be a path starting with /');
    if (!(protocols === null || (Array.isArray(protocols) && protocols.every((p) => typeof p === 'string')))) throw new TypeError('ConnectingRequest: protocols must be an array of strings');
    this.host = host ?? 'localhost';
    this.port = port ?? 80;
    this.resource = resource ?? '/';
    this.headers = headers ?? {};
    this.useragent = useragent;
    this.origin = origin;
    this.protocols = protocols ?? [];
  }
}

/**
 * What a protocol's onConnecting receives: autobahn's TransportDetails (autobahn.wamp.types)
 * in camelCase, filled as autobahn's Twisted transport fills it, from what the runtime exposes.
 * `channelId['tls-unique']` and `peerCert` are set over TLS on Node (TLSSocket.getFinished /
 * getPeerFinished, getPeerCertificate); Deno exposes neither.
 */
export class TransportDetails {
  static CHANNEL_TYPE_NONE = 0;
  static CHANNEL_TYPE_FUNCTION = 1;
  static CHANNEL_TYPE_MEMORY = 2;
  static CHANNEL_TYPE_SERIAL = 3;
  static CHANNEL_TYPE_TCP = 4;
  static CHANNEL_TYPE_TLS = 5;
  static CHANNEL_TYPE_UDP = 6;
  static CHANNEL_TYPE_DTLS = 7;
  static CHANNEL_TYPE_TO_STR = { 0: 'null', 1: 'function', 2: 'memory', 3: 'serial', 4: 'tcp', 5: 'tls', 6: 'udp', 7: 'dtls' };
  static CHANNEL_FRAMING_NONE = 0;
  static CHANNEL_FRAMING_NATIVE = 1;
  static CHANNEL_FRAMING_WEBSOCKET = 2;
  static CHANNEL_FRAMING_RAWSOCKET = 3;
  static CHANNEL_FRAMING_TO_STR = { 0: 'null', 1: 'native', 2: 'websocket', 3: 'rawsocket' };

  constructor({
    channelType = null, channelFraming = null, channelSerializer = null, own = null, peer = null, isServer = null,
    ownPid = null, ownTid = null, ownFd = null, isSecure = null, channelId = null, peerCert = null,
    websocketProtocol = null, websocketExtensionsInUse = null, httpHeadersReceived = null, httpHeadersSent = null, httpCbtid = null,
  } = {}) {
    Object.assign(this, {
      channelType, channelFraming, channelSerializer, own, peer, isServer, ownPid, ownTid, ownFd, isSecure, channelId, peerCert,
      websocketProtocol, websocketExtensionsInUse, httpHeadersReceived, httpHeadersSent, httpCbtid,
    });
  }

  /**
   * For a connected transport (js/protocol.mjs's interface; its optional `details()` adds
   * `channelType`, `own`, `channelId`, `peerCert`, `ownFd`).
   */
  static fromTransport(transport, isServer, peer = transport.peer) {
    const isSecure = Boolean(transport.isSecure);
    const extra = typeof transport.details === 'function' ? transport.details(isServer) ?? {} : {};
    const unix = typeof peer === 'string' && peer.startsWith('unix:');
    return new TransportDetails({
      channelType: unix ? TransportDetails.CHANNEL_TYPE_MEMORY : isSecure ? TransportDetails.CHANNEL_TYPE_TLS : TransportDetails.CHANNEL_TYPE_TCP,
      channelFraming: TransportDetails.CHANNEL_FRAMING_WEBSOCKET,
      peer,
      isServer,
      ownPid: globalThis.process?.pid ?? globalThis.Deno?.pid ?? null,
      ownFd: -1,
      isSecure,
      channelId: {},
      ...extra,
    });
  }

  get channelTypeName() {
    return TransportDetails.CHANNEL_TYPE_TO_STR[this.channelType] ?? null;
  }
}

/** The server's opening handshake response, as the client's onConnect sees it. */
export class ConnectionResponse {
  constructor(peer, headers, version, protocol, extensions) {
    Object.assign(this, { peer, headers, version, protocol, extensions });
  }
}

/** Returned (or resolved) from a server's onConnect to accept, optionally with a subprotocol. */
export class ConnectionAccept {
  constructor(subprotocol = null, headers = null) {
    this.subprotocol = subprotocol;
    this.headers = headers;
  }
}

/** Thrown (or rejected) from a server's onConnect to refuse the handshake with an HTTP status. */
export class ConnectionDeny extends Error {
  static BAD_REQUEST = 400;
  static FORBIDDEN = 403;
  static NOT_FOUND = 404;
  static NOT_ACCEPTABLE = 406;
  static REQUEST_TIMEOUT = 408;
  static INTERNAL_SERVER_ERROR = 500;
  static NOT_IMPLEMENTED = 501;
  static SERVICE_UNAVAILABLE = 503;

  constructor(code, reason = null) {
    super(reason ?? `connection denied (${code})`);
    this.name = 'ConnectionDeny';
    this.code = code;
    this.reason = reason;
  }
}

/** Base class of IncomingMessage and OutgoingMessage (autobahn's abstract Message). */
export class Message {}

export class IncomingMessage extends Message {
  constructor(payload, isBinary = false) {
    super();
    this.payload = payload;
    this.isBinary = isBinary;
  }
}

export class OutgoingMessage extends Message {
  constructor(payload, isBinary = false, skipCompress = false) {
    super();
    this.payload = payload;
    this.isBinary = isBinary;
    this.skipCompress = skipCompress;
  }
}

/** autobahn's types.Ping: a ping's payload (null: empty). */
export class Ping {
  constructor(payload = null) {
    this.payload = payload;
  }
}

/** Request/response headers as autobahn gives them: lower-case names, repeated ones joined with ", ". */
export function headerMap(pairs) {
  const map = {};
  for (const [name, value] of pairs) {
    const key = name.toLowerCase();
    map[key] = key in map ? `${map[key]}, ${value}` : value;
  }
  return map;
}
