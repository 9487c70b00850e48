// The value types of autobahn.websocket.types, as ES classes.

/** The client's opening handshake, as the server's onConnect sees it. */
export class ConnectionRequest {
  constructor(peer, headers, host, path, params, version, origin, protocols, extensions) {
    Object.assign(this, { peer, headers, host, path, params, version, origin, protocols, extensions });
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

export class IncomingMessage {
  constructor(payload, isBinary = false) {
    this.payload = payload;
    this.isBinary = isBinary;
  }
}

export class OutgoingMessage {
  constructor(payload, isBinary = false, skipCompress = false) {
    this.payload = payload;
    this.isBinary = isBinary;
    this.skipCompress = skipCompress;
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
