// The server half of the opening handshake: origin and connection-count checks, onConnect's
// answer (subprotocol, ConnectionAccept, ConnectionDeny, or a Promise of one), the status page.

import { WebSocketProtocol, State } from './protocol.mjs';
import { Status } from './wire.mjs';
import { ConnectionAccept, ConnectionDeny, ConnectionRequest, headerMap } from './types.mjs';
import { originAllowed } from './options.mjs';
import { serverEntries } from './extensions/negotiation.mjs';
import { compressionTerms } from './extensions/pmce.mjs';
import { VERSION } from './version.mjs';

export class WebSocketServerProtocol extends WebSocketProtocol {
  /**
   * Decide on the request: return null/undefined, a subprotocol, a ConnectionAccept, autobahn's
   * tuple as `[subprotocol, headers]`, or throw ConnectionDeny.
   */
  onConnect(request) {} // eslint-disable-line no-unused-vars

  _handleHandshake(event) {
    switch (event.type) {
      case 'request':
        return this.#request(event.request);
      case 'http-request':
        return this.#plainHttp(event.request);
      case 'rejected':
        this._rejected(`${event.error.status} ${event.error.reason}`);
        return undefined;
      default:
        return undefined;
    }
  }

  _rejected(why) {
    this._notClean(`opening handshake refused: ${why}`);
  }

  #request(raw) {
    const { options, factory } = this;
    const headers = headerMap(raw.headers);
    if (options.maxConnections > 0 && factory._connections.size > options.maxConnections) {
      return this.#deny(503, 'maximum number of connections reached');
    }
    const portProblem = hostPortMismatch(raw.host, factory.externalPort);
    if (portProblem) return this.#deny(400, portProblem);
    if (!originAllowed(raw.origin, options.allowedOrigins, options.allowNullOrigin)) {
      return this.#deny(403, `origin '${raw.origin}' not allowed`);
    }
    this.peer = trustedPeer(this.peer, headers['x-forwarded-for'], options.trustXForwardedFor);
    const params = Object.fromEntries(raw.params);
    const request = new ConnectionRequest(
      this.peer, headers, raw.host, raw.path, params, 13, raw.origin ?? null, compact(raw.protocols), compact(raw.extensions),
    );
    this.request = request;
    let answer;
    try {
      answer = this.onConnect(request);
    } catch (error) {
      return this.#refuse(error);
    }
    if (answer && typeof answer.then === 'function') {
      return answer.then((value) => this.#answer(value, raw.protocols), (error) => this.#refuse(error));
    }
    return this.#answer(answer, raw.protocols);
  }

  #answer(answer, offered) {
    if (this.state !== State.CONNECTING) return; // timed out or dropped meanwhile
    let subprotocol = null;
    let extraHeaders = {};
    if (answer === null || answer === undefined) {
      subprotocol = offered.find((p) => this.factory.protocols.includes(p)) ?? null;
    } else if (typeof answer === 'string') {
      subprotocol = answer;
    } else if (answer instanceof ConnectionAccept) {
      subprotocol = answer.subprotocol;
      extraHeaders = answer.headers ?? {};
    } else if (Array.isArray(answer) && answer.length <= 2) {
      subprotocol = answer[0] ?? null; // autobahn's (protocol, headers) tuple
      extraHeaders = answer[1] ?? {};
    } else {
      return this.#refuse(new TypeError('onConnect must return null, a subprotocol string, [subprotocol, headers] or a ConnectionAccept'));
    }
    const headers = [['Server', this.factory.server], ...Object.entries(this.factory.headers), ...Object.entries(extraHeaders)]
      .filter(([, v]) => v !== null && v !== undefined)
      .flatMap(([k, v]) => (Array.isArray(v) ? v.map((one) => [k, String(one)]) : [[k, String(v)]]));
    let pipelined;
    try {
      const chosen = {};
      this.wire.setExtensions(serverEntries(this.options, this.request.extensions, chosen));
      // Kept only when an accept set them; extensionsInUse derives the defaults when asked.
      if (chosen.accept) this._compressionTerms = compressionTerms(this.options, chosen.accept);
      pipelined = this.wire.accept({ subprotocol: subprotocol ?? undefined, headers });
    } catch (error) {
      return this.#refuse(error);
    }
    this._flush();
    this._opened();
    this._enqueue(pipelined, { first: true });
  }

  #refuse(error) {
    if (error instanceof ConnectionDeny) return this.#deny(error.code, error.reason ?? 'denied');
    this._callback(() => { throw error; }, { failOnError: false });
    return this.#deny(500, 'internal server error');
  }

  #deny(status, reason) {
    if (this.state !== State.CONNECTING) return;
    try {
      this.wire.reject(status, reason);
    } catch (error) {
      if (!(this.wire.status & Status.CLOSE_TRANSPORT)) {
        // A ConnectionDeny with a status that is not 4xx/5xx: the application's bug, not the peer's.
        this._callback(() => { throw new RangeError(`ConnectionDeny(${status}): ${error.message}`); }, { failOnError: false });
        [status, reason] = [500, 'internal server error'];
        this.wire.reject(status, reason);
      }
      // Otherwise the core already answered (it refused the request itself).
    }
    this._rejected(`${status} ${reason}`);
    this._flush();
    if (!(this.wire.status & Status.CLOSE_TRANSPORT)) this.dropConnection(`cannot deny with status ${status}`);
  }

  #plainHttp(raw) {
    if (this.options.webStatus) {
      const body = `<!DOCTYPE html><html><body><p>This is a wasmsocket ${VERSION} WebSocket server.</p>` +
        '<p>Connect to it with a WebSocket client.</p></body></html>';
      // server: null sends no Server header (autobahn's rule), here as in the handshake.
      const server = this.factory.server === null ? [] : [['Server', this.factory.server]];
      this.wire.respondHttp(200, [['Content-Type', 'text/html; charset=utf-8'], ...server], new TextEncoder().encode(body));
      this._rejected('plain HTTP request answered with the status page');
    } else {
      this.wire.respondHttp(426, [['Upgrade', 'websocket'], ['Sec-WebSocket-Version', '13']], new TextEncoder().encode(`this is a WebSocket endpoint: ${raw.path}`));
      this._rejected('plain HTTP request (426)');
    }
    this._flush();
  }
}

/**
 * autobahn's Host check: with `externalPort` set (the port clients reach, e.g. behind a
 * forwarder), a port in the Host header must be that one; without it nothing is checked.
 * (autobahn also hands externalPort to its origin check, `_is_same_origin`, which does not
 * use it: origins are matched against the allowedOrigins patterns only, as here.)
 */
function hostPortMismatch(host, externalPort) {
  if (!externalPort || !host) return null;
  const value = host.trim();
  if (!value.includes(':') || value.endsWith(']')) return null;
  const text = value.slice(value.lastIndexOf(':') + 1).trim();
  const port = /^[0-9]+$/.test(text) ? Number(text) : NaN;
  if (Number.isNaN(port)) return `invalid port "${text}" in HTTP Host header "${value}"`;
  if (port !== externalPort) return `port ${port} in HTTP Host header "${value}" does not match server listening port ${externalPort}`;
  return null;
}

/** autobahn's trustXForwardedFor: the peer is the N-th address from the right. */
function trustedPeer(peer, forwardedFor, hops) {
  if (!hops || !forwardedFor) return peer;
  const addresses = forwardedFor.split(',').map((a) => a.trim()).filter(Boolean);
  if (addresses.length === 0) return peer;
  return addresses[Math.max(0, addresses.length - hops)];
}

/**
 * The request keeps these arrays for the connection's life; an empty one from the core
 * (serde-wasm-bindgen's `new Array()`, with room for four) is swapped for a literal, which has none.
 */
function compact(array) {
  return array.length === 0 ? [] : array;
}
