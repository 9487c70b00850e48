// The client half of the opening handshake: the request from the factory's session
// parameters, and the server's response handed to onConnect.

import { WebSocketProtocol, State } from './protocol.mjs';
import { ConnectingRequest, ConnectionResponse, headerMap } from './types.mjs';
import { clientEntries } from './extensions/negotiation.mjs';
import { compressionTerms, isPmceResponseAccept, parseResponse } from './extensions/pmce.mjs';

export class WebSocketClientProtocol extends WebSocketProtocol {
  /** The server accepted: `response` is a ConnectionResponse. */
  onConnect(response) {} // eslint-disable-line no-unused-vars

  /** onConnecting's answer: a ConnectingRequest, null, or a Promise of one (autobahn's txaio.as_future). */
  #connecting = null;

  _connecting() {
    if (!this._hasOnConnecting) return;
    try {
      this.#connecting = this.onConnecting(this.transportDetails) ?? null;
    } catch (error) {
      this.#connecting = Promise.reject(error);
    }
  }

  _connectionMade(factory, transport, role) {
    super._connectionMade(factory, transport, role);
    const answer = this.#connecting;
    this.#connecting = null;
    if (answer && typeof answer.then === 'function') {
      // The handshake waits for it; a failure drops the connection (autobahn's options_failed).
      Promise.resolve(answer).then(
        (request) => { if (this.state === State.CONNECTING) this.#startHandshake(request ?? null); },
        (error) => {
          this._callback(() => { throw error; }, { failOnError: false });
          this.dropConnection(`onConnecting failed: ${error?.message ?? error}`);
        },
      );
      return;
    }
    this.#startHandshake(answer);
  }

  /**
   * Sends the opening handshake: the factory's session parameters, or all of `request`'s
   * (a ConnectingRequest from onConnecting) as autobahn's _actuallyStartHandshake.
   */
  #startHandshake(request) {
    const { factory } = this;
    try {
      if (request !== null && !(request instanceof ConnectingRequest)) {
        throw new TypeError('onConnecting must return null, a ConnectingRequest or a Promise of one');
      }
      const r = request ?? {
        // A Unix socket has no host name; any will do for the Host header.
        host: factory.host.startsWith('unix:') ? 'localhost' : factory.host,
        port: factory.port ?? 0,
        resource: factory.resource,
        headers: factory.headers,
        useragent: factory.useragent,
        origin: factory.origin,
        protocols: factory.protocols,
      };
      const headers = Object.entries(r.headers ?? {})
        .filter(([, v]) => v !== null && v !== undefined)
        .map(([k, v]) => [k, String(v)]);
      this.wire.setExtensions(clientEntries(this.options));
      this.wire.connect({
        host: r.host,
        port: r.port ?? 0,
        secure: factory.isSecure,
        resource: r.resource,
        origin: r.origin || undefined,
        protocols: r.protocols,
        headers,
        userAgent: r.useragent || undefined,
      });
    } catch (error) {
      this._notClean(`invalid opening handshake request: ${error.message}`);
      this._callback(() => { throw error; }, { failOnError: false });
      this.dropConnection();
      return;
    }
    this._flush();
  }

  _handleHandshake(event) {
    if (event.type === 'open') {
      const r = event.response;
      const response = new ConnectionResponse(this.peer, headerMap(r.headers), 13, r.protocol ?? null, r.extensions);
      this.response = response;
      const refused = this.#refusedCompression(r.extensions);
      if (refused) {
        this._notClean(`opening handshake failed: ${refused}`);
        this.dropConnection(refused);
        return undefined;
      }
      const pending = this._callback(() => this.onConnect(response));
      if (pending) return pending.then(() => this._opened());
      this._opened();
    } else if (event.type === 'handshake-failed') {
      this._notClean(`opening handshake failed: ${event.error.message}`);
    }
    return undefined;
  }

  /** autobahn's client-side perMessageCompressionAccept: why a negotiated compression is refused, or null. */
  #refusedCompression(extensions) {
    const accept = this.options.perMessageCompressionAccept;
    if (typeof accept !== 'function') return null;
    for (const { name, params } of extensions) {
      let response;
      try {
        response = parseResponse(name, params);
      } catch (error) {
        return error.message; // autobahn's parse refuses it (a window of 8, say)
      }
      if (response === null) continue;
      let answer;
      try {
        answer = accept(response);
      } catch (error) {
        this._callback(() => { throw error; }, { failOnError: false });
        return `perMessageCompressionAccept threw: ${error.message}`;
      }
      if (answer === null || answer === undefined) return `${name} response from server denied by client`;
      if (!isPmceResponseAccept(answer)) return 'perMessageCompressionAccept must return a PerMessageDeflateResponseAccept, a PerMessageBzip2ResponseAccept or null';
      try {
        // Nothing has been sent yet: the core checks the accept against the response it
        // negotiated and rebuilds our compressor as the accept says.
        this.wire.acceptResponse(name, answer.coreAccept());
        this._compressionTerms = compressionTerms(this.options, answer);
      } catch (error) {
        return `perMessageCompressionAccept: ${error.message}`;
      }
    }
    return null;
  }
}
