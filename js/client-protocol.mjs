// The client half of the opening handshake: the request from the factory's session
// parameters, and the server's response handed to onConnect.

import { WebSocketProtocol } from './protocol.mjs';
import { ConnectionResponse, headerMap } from './types.mjs';
import { clientEntries } from './extensions/negotiation.mjs';
import { isPmceResponseAccept, parseResponse } from './extensions/pmce.mjs';

export class WebSocketClientProtocol extends WebSocketProtocol {
  /** The server accepted: `response` is a ConnectionResponse. */
  onConnect(response) {} // eslint-disable-line no-unused-vars

  _connectionMade(factory, transport, role) {
    super._connectionMade(factory, transport, role);
    const headers = Object.entries(factory.headers)
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => [k, String(v)]);
    try {
      this.wire.setExtensions(clientEntries(this.options));
      this.wire.connect({
        // A Unix socket has no host name; any will do for the Host header.
        host: factory.host.startsWith('unix:') ? 'localhost' : factory.host,
        port: factory.port ?? 0,
        secure: factory.isSecure,
        resource: factory.resource,
        origin: factory.origin ?? undefined,
        protocols: factory.protocols,
        headers,
        userAgent: factory.useragent ?? undefined,
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
      } catch (error) {
        return `perMessageCompressionAccept: ${error.message}`;
      }
    }
    return null;
  }
}
