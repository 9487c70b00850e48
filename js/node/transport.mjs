// The protocol's transport interface over a Node net.Socket or tls.TLSSocket.

import { concat, freeNow, isOwned } from '../bytes.mjs';

const EMPTY = new Uint8Array(0);
/**
 * Held chunks averaging less than this are copied into one Buffer (a copy is cheaper than a
 * stream write each); larger ones go as they are, in one writev, unless shared (below).
 */
const JOIN_BELOW_AVERAGE = 1024;
/** More held bytes than this are never joined (nor remembered). */
const JOIN_LIMIT = 256 * 1024;

/**
 * The last release's chunks and their join: after a publish, the sockets it held release the
 * same frames in the same order (the identical objects), and they all write one joined Buffer
 * (sockets only read it). Large chunks are joined once a second socket releases the same ones.
 */
let lastChunks = [];
let lastTotal = -1;
let lastJoined = null;

/** The first `count` chunks as one Buffer, or null when they should go as they are. */
function joined(chunks, count, total) {
  if (total === lastTotal && count === lastChunks.length) {
    let i = 0;
    while (i < count && chunks[i] === lastChunks[i]) i++;
    if (i === count) return (lastJoined ??= join(lastChunks, total));
  }
  lastChunks = chunks.slice(0, count);
  lastTotal = total;
  lastJoined = count * JOIN_BELOW_AVERAGE > total ? join(lastChunks, total) : null;
  return lastJoined;
}

const join = (chunks, total) => concat(chunks, Buffer.allocUnsafe, chunks.length, total);

/** The socket's NodeTransport, for the shared listeners below (called with the socket as `this`). */
const TRANSPORT = Symbol('wasmsocket.transport');
function onData(chunk) {
  // Once the core copied it, nothing keeps a read chunk: free it now (js/bytes.mjs). Node reads
  // each chunk into its own ArrayBuffer.
  if (!this[TRANSPORT].protocol._dataReceived(chunk)) freeNow(chunk);
}
function onEnd() { this[TRANSPORT].protocol._eofReceived(); }
function onDrain() { this[TRANSPORT].protocol._drained(); }
function onError(error) { this[TRANSPORT].error = error; }
function onClose() {
  const transport = this[TRANSPORT];
  transport.protocol._connectionLost(transport.error);
}

export class NodeTransport {
  constructor(socket, { isSecure = false, peer = null } = {}) {
    this.socket = socket;
    this.isSecure = isSecure;
    this.peer = peer ?? peerOf(socket);
    this.error = null;
    /** The protocol bind() routes the socket's events to. */
    this.protocol = null;
    /** Set while factory.publish holds this transport corked (js/publishing.mjs). */
    this._heldByPublish = false;
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

  /**
   * Routes the socket's events to `protocol`, through listeners shared by every socket (as ws
   * does): five closures per connection would be a sixth of an idle connection's heap.
   */
  bind(protocol) {
    const { socket } = this;
    this.protocol = protocol;
    socket[TRANSPORT] = this;
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('drain', onDrain);
    socket.on('error', onError);
    socket.on('close', onClose);
  }

  /**
   * While held (cork), writes are only queued here; the last uncork hands them to the socket as
   * one write. A fan-out tick writes many small frames to each socket, and each socket.write
   * costs Node's stream bookkeeping (an entry, a callback, a nextTick): more per delivery than
   * the frame itself (bench/fanout.mjs).
   */
  #holds = 0;
  /**
   * The first #heldCount entries. Emptied to length 0 when released: an idle connection keeps
   * no backing store (a store past the end grows it again, as a push would).
   */
  #held = [];
  #heldCount = 0;
  #heldBytes = 0;
  /** socket.writableLength when the hold began: nothing reaches the socket while held. */
  #heldBase = 0;
  /** Protocols to tell once what was held has been written (notifyWhenFlushed while held). */
  #flushWaiters = null;

  /** Writes chunks in order (a header and its payload leave in one writev); false above the socket's high-water mark. */
  write(chunks) {
    if (this.#holds === 0) return this.#writeNow(chunks);
    for (let i = 0; i < chunks.length; i++) this.writeChunk(chunks[i]);
    return this.#heldBase + this.#heldBytes < this.socket.writableHighWaterMark;
  }

  /** write([chunk]) without the array (factory.publish calls it once per recipient); returns nothing. */
  writeChunk(chunk) {
    if (this.#holds === 0) {
      this.#writeNow([chunk]);
      return;
    }
    this.#held[this.#heldCount++] = chunk;
    this.#heldBytes += chunk.length;
  }

  #writeNow(chunks) {
    const { socket } = this;
    if (socket.destroyed || !socket.writable) return false;
    if (chunks.length === 1) return writeOne(socket, chunks[0]);
    socket.cork();
    let ok = true;
    for (const chunk of chunks) ok = writeOne(socket, chunk);
    socket.uncork();
    return ok;
  }

  /** Holds writes until the matching `uncork`, which sends them as one write (calls nest). */
  cork() {
    if (this.#holds++ === 0) this.#heldBase = this.socket.writableLength ?? 0;
  }

  uncork() {
    if (this.#holds > 0 && --this.#holds === 0) this.#release();
  }

  /** Hands what was held to the socket: small chunks joined into one Buffer, large ones as they are. */
  #release() {
    this.#holds = 0;
    const chunks = this.#held;
    const count = this.#heldCount;
    const total = this.#heldBytes;
    if (count > 0) {
      this.#heldCount = 0;
      this.#heldBytes = 0;
      const one = count === 1 || total > JOIN_LIMIT ? null : joined(chunks, count, total);
      this.#writeNow(one === null ? chunks.slice(0, count) : [one]);
      chunks.length = 0;
    }
    const waiters = this.#flushWaiters;
    this.#flushWaiters = null;
    if (waiters) for (const protocol of waiters) this.notifyWhenFlushed(protocol);
  }

  end() {
    // What was held goes first, the FIN after it; later writes are refused by the socket.
    this.#release();
    if (!this.socket.destroyed) this.socket.end();
  }

  destroy() {
    this.#holds = 0;
    this.#held = [];
    this.#heldCount = 0;
    this.#heldBytes = 0;
    this.#flushWaiters = null;
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
    if (this.#holds > 0) {
      (this.#flushWaiters ??= []).push(protocol);
      return;
    }
    // Written already (the kernel took it at once), or a 'drain' is coming (onDrain tells the
    // protocol): no empty write, which costs a system call.
    if (this.socket.writableLength === 0) queueMicrotask(() => protocol._drained());
    else if (!this.socket.writableNeedDrain) this.socket.write(EMPTY, () => protocol._drained());
  }

  resume() {
    this.socket.resume();
  }

  setNoDelay(on) {
    this.socket.setNoDelay?.(on);
  }

  get bufferedAmount() {
    return this.#holds > 0 ? this.#heldBase + this.#heldBytes : (this.socket.writableLength ?? 0);
  }
}

/** socket.write(chunk); output the core made for this connection alone is freed once written (js/bytes.mjs). */
function writeOne(socket, chunk) {
  return isOwned(chunk) ? socket.write(chunk, () => freeNow(chunk)) : socket.write(chunk);
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
