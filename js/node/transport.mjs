// The protocol's transport interface over a Node net.Socket or tls.TLSSocket.

const EMPTY = new Uint8Array(0);

export class NodeTransport {
  constructor(socket, { isSecure = false, peer = null } = {}) {
    this.socket = socket;
    this.isSecure = isSecure;
    this.peer = peer ?? peerOf(socket);
    this.error = null;
  }

  /**
   * autobahn's TransportDetails fields Node knows: our own address and, over TLS, the
   * tls-unique channel binding (the first Finished message: the client's, so a server takes
   * its peer's, as autobahn's transport_channel_id) and the peer's certificate.
   */
  details(isServer) {
    const { socket } = this;
    const out = { own: socket.localAddress ? addressString(socket.localAddress, socket.localFamily, socket.localPort) : null };
    if (typeof socket.getFinished === 'function' && socket.encrypted) {
      const finished = isServer ? socket.getPeerFinished() : socket.getFinished();
      out.channelId = finished ? { 'tls-unique': new Uint8Array(finished) } : {};
      const cert = socket.getPeerCertificate();
      out.peerCert = cert && Object.keys(cert).length > 0 ? cert : null;
    }
    return out;
  }

  /** Routes the socket's events to `protocol`. */
  bind(protocol) {
    const { socket } = this;
    socket.on('data', (chunk) => protocol._dataReceived(chunk));
    socket.on('end', () => protocol._eofReceived());
    socket.on('drain', () => protocol._drained());
    socket.on('error', (error) => { this.error = error; });
    socket.on('close', () => protocol._connectionLost(this.error));
  }

  /** Writes chunks in order (corked, so a header and its payload leave in one writev). */
  write(chunks) {
    const { socket } = this;
    if (socket.destroyed || !socket.writable) return false;
    if (chunks.length === 1) return socket.write(chunks[0]);
    socket.cork();
    let ok = true;
    for (const chunk of chunks) ok = socket.write(chunk);
    socket.uncork();
    return ok;
  }

  /** Holds writes until `uncork`, which sends them in one writev (calls nest). */
  cork() {
    this.socket.cork();
  }

  uncork() {
    this.socket.uncork();
  }

  end() {
    if (!this.socket.destroyed) this.socket.end();
  }

  destroy() {
    this.socket.destroy();
  }

  pause() {
    this.socket.pause();
  }

  /**
   * Calls the protocol's _drained() once everything written so far has left (an empty write's
   * callback runs after the writes before it): 'drain' alone only follows a write that
   * returned false, which a sendHighWaterMark below the socket's own (16 KiB) may never see.
   */
  notifyWhenFlushed(protocol) {
    if (this.socket.destroyed || !this.socket.writable) return;
    this.socket.write(EMPTY, () => protocol._drained());
  }

  resume() {
    this.socket.resume();
  }

  setNoDelay(on) {
    this.socket.setNoDelay?.(on);
  }

  get bufferedAmount() {
    return this.socket.writableLength ?? 0;
  }
}

/** autobahn's peer strings: tcp4:1.2.3.4:5678, tcp6:[::1]:5678, unix:/path. */
export function peerOf(socket) {
  const address = socket.remoteAddress;
  if (!address) return `unix:${socket.server?.address?.() ?? socket.remoteAddress ?? ''}`;
  return addressString(address, socket.remoteFamily, socket.remotePort);
}

function addressString(address, family, port) {
  return family === 'IPv6' ? `tcp6:[${address}]:${port}` : `tcp4:${address}:${port}`;
}
