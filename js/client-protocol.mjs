// The client half of the opening handshake: the request from the factory's session
// parameters, and the server's response handed to onConnect.

import { WebSocketProtocol } from './protocol.mjs';
import { ConnectionResponse, headerMap } from './types.mjs';

export class WebSocketClientProtocol extends WebSocketProtocol {
  /** The server accepted: `response` is a ConnectionResponse. */
  onConnect(response) {} // eslint-disable-line no-unused-vars

  _connectionMade(factory, transport, role) {
    super._connectionMade(factory, transport, role);
    const headers = Object.entries(factory.headers)
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => [k, String(v)]);
    try {
      this.wire.core.connect({
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
      const pending = this._callback(() => this.onConnect(response));
      if (pending) return pending.then(() => this._opened());
      this._opened();
    } else if (event.type === 'handshake-failed') {
      this._notClean(`opening handshake failed: ${event.error.message}`);
    }
    return undefined;
  }
}
