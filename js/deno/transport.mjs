// The protocol's transport interface over a Deno.Conn (TCP, TLS or Unix socket): a read loop
// that pause()/resume() stop and restart, and writes awaited in order through a queue.
// No node: imports; Deno's own API only.

import { concat, freeNow, isOwned } from '../bytes.mjs';

// Each connection's pending read holds its buffer for as long as the peer is quiet, so an idle
// connection keeps the small one (bench/connect.mjs: 64 KiB buffers made an idle connection
// cost 69 KiB of heap+external); a read that fills it switches to the large one until a read
// fits in the small one again.
const SMALL_READ = 8 * 1024;
const LARGE_READ = 64 * 1024;
/** write() returns false once more than this is queued and not yet written (as Node's socket). */
const HIGH_WATER_MARK = 64 * 1024;
/** Queued chunks up to this size in total are joined into one conn.write. */
const BATCH_LIMIT = 256 * 1024;

export class DenoTransport {
  /**
   * `conn` is a Deno.Conn (Deno.TcpConn, Deno.TlsConn, Deno.UnixConn). `peer` overrides the
   * peer string (a Unix socket's accepted connection has no remote path: pass unix:/path).
   */
  constructor(conn, { isSecure = false, peer = null, highWaterMark = HIGH_WATER_MARK } = {}) {
    this.conn = conn;
    this.isSecure = isSecure;
    this.peer = peer ?? peerOf(conn.remoteAddr);
    this.highWaterMark = highWaterMark;
    this.error = null;
    /** Set while factory.publish holds this transport corked (js/publishing.mjs). */
    this._heldByPublish = false;
    /** Resolves once the connection is gone (after _connectionLost). */
    this.closed = new Promise((resolve) => { this.#resolveClosed = resolve; });
  }

  /** autobahn's TransportDetails fields Deno knows: our own address (no TLS channel binding or peer certificate). */
  details() {
    const local = this.conn.localAddr;
    return { own: local && (local.transport === 'tcp') ? peerOf(local) : null };
  }

  #protocol = null;
  #resolveClosed;
  // reading
  #paused = false;
  #wake = null;
  #readDone = false;
  // writing
  #queue = [];
  #buffered = 0;
  #writing = false;
  #corked = 0;
  #needDrain = false;
  #ending = false;
  #shutdown = false;
  #writeDone = false;
  // the end
  #destroyed = false;
  #lost = false;

  /** Routes the connection's events to `protocol` and starts reading. */
  bind(protocol) {
    this.#protocol = protocol;
    // Started on the next microtask: _connectionMade runs first, as with Node's events.
    queueMicrotask(() => this.#readLoop());
  }

  async #readLoop() {
    const small = new Uint8Array(SMALL_READ);
    let buf = small;
    try {
      for (;;) {
        if (this.#destroyed) return;
        if (this.#paused) {
          await new Promise((resolve) => { this.#wake = resolve; });
          continue;
        }
        let n;
        try {
          n = await this.conn.read(buf);
        } catch (error) {
          if (this.#destroyed) return;
          this.#fail(error);
          return;
        }
        if (this.#destroyed) return;
        if (n === null) {
          this.#readDone = true;
          this.#protocol._eofReceived();
          // As a Node socket with allowHalfOpen false: the peer's EOF ends our side too.
          this.end();
          this.#maybeLost();
          return;
        }
        // Lent, not copied: `buf` is read into again, and the protocol copies the chunk only if
        // it has to queue it (while an async handler runs); the core copies it in anyway.
        if (n > 0) this.#protocol._dataReceived(buf.subarray(0, n), true);
        // The large buffer is freed, not kept, when the burst ends: a quiet connection holds 8 KiB.
        if (n === buf.length) {
          if (buf === small) buf = new Uint8Array(LARGE_READ);
        } else if (n <= SMALL_READ && buf !== small) {
          freeNow(buf);
          buf = small;
        }
      }
    } finally {
      // No read is pending once the loop has ended, and nothing else holds these buffers:
      // freed now rather than when the collector gets to them.
      if (buf !== small) freeNow(buf);
      freeNow(small);
    }
  }

  /** Queues chunks to be written in order; false when above the high-water mark. */
  write(chunks) {
    if (this.#destroyed || this.#ending) return false;
    for (const chunk of chunks) if (chunk) this.#enqueue(chunk);
    return this.#queued();
  }

  /** write([chunk]) without the array (factory.publish calls it once per recipient); returns nothing. */
  writeChunk(chunk) {
    if (this.#destroyed || this.#ending) return;
    this.#enqueue(chunk);
    this.#queued();
  }

  #enqueue(chunk) {
    if (chunk.length === 0) return;
    this.#queue.push(chunk);
    this.#buffered += chunk.length;
  }

  /** After queuing: starts writing unless corked; false (and a drain to come) above the mark. */
  #queued() {
    if (this.#corked === 0) this.#kick();
    if (this.#buffered <= this.highWaterMark) return true;
    this.#needDrain = true;
    return false;
  }

  /** Holds writes until the matching uncork, so they can leave as one write (calls nest). */
  cork() {
    this.#corked++;
  }

  uncork() {
    if (this.#corked > 0 && --this.#corked === 0) this.#kick();
  }

  #kick() {
    if (this.#writing || this.#destroyed) return;
    if (this.#queue.length === 0) {
      if (this.#ending && !this.#shutdown) this.#closeWrite();
      return;
    }
    this.#writeLoop();
  }

  async #writeLoop() {
    this.#writing = true;
    try {
      while (this.#queue.length > 0 && !this.#destroyed) {
        const next = this.#queue[0];
        const batch = this.#takeBatch();
        for (let offset = 0; offset < batch.length;) {
          const n = await this.conn.write(batch.subarray(offset));
          if (this.#destroyed) return;
          offset += n;
          this.#buffered -= n;
        }
        // Written, so freed now rather than when the collector gets to it: a batch joined here (a
        // new array, not the queue's first chunk), or a chunk that is this connection's own output
        // (js/bytes.mjs; others may be the application's or a shared prepared frame).
        if (batch !== next || isOwned(batch)) freeNow(batch);
        if (this.#buffered <= this.highWaterMark && (this.#needDrain || this.#buffered === 0)) {
          this.#needDrain = false;
          this.#protocol?._drained();
        }
      }
    } catch (error) {
      if (!this.#destroyed) this.#fail(error);
      return;
    } finally {
      this.#writing = false;
    }
    // Written meanwhile while corked and nothing running: the uncork kicks; else we are done.
    if (this.#queue.length > 0 && this.#corked === 0) this.#kick();
    else if (this.#queue.length === 0 && this.#ending && !this.#shutdown) this.#closeWrite();
  }

  /** The next write: one big chunk as it is, or small ones joined (up to BATCH_LIMIT). */
  #takeBatch() {
    const first = this.#queue[0];
    if (this.#queue.length === 1 || first.length >= BATCH_LIMIT) return this.#queue.shift();
    let count = 0;
    let total = 0;
    while (count < this.#queue.length && total + this.#queue[count].length <= BATCH_LIMIT) total += this.#queue[count++].length;
    if (count <= 1) return this.#queue.shift();
    const parts = this.#queue.splice(0, count);
    const batch = concat(parts, (n) => new Uint8Array(n), count, total);
    for (const part of parts) if (isOwned(part)) freeNow(part);
    return batch;
  }

  /** Writes what is queued, then half-closes (closeWrite; a full close where unsupported). */
  end() {
    if (this.#destroyed || this.#ending) return;
    this.#ending = true;
    if (!this.#writing && this.#corked === 0) this.#kick();
  }

  #closeWrite() {
    this.#shutdown = true;
    try {
      if (typeof this.conn.closeWrite === 'function') {
        Promise.resolve(this.conn.closeWrite()).then(() => {
          this.#writeDone = true;
          this.#maybeLost();
        }, () => this.#closeConn());
        return;
      }
    } catch {
      // not supported on this connection: close it altogether
    }
    this.#closeConn();
  }

  /** Closes at once: queued writes are dropped, a pending read ends. */
  destroy() {
    if (this.#destroyed) return;
    this.#closeConn();
  }

  #closeConn() {
    this.#destroyed = true;
    this.#readDone = true;
    this.#writeDone = true;
    this.#queue = [];
    this.#buffered = 0;
    try {
      this.conn.close();
    } catch {
      // already closed
    }
    this.#wake?.();
    this.#lostOnce();
  }

  #fail(error) {
    this.error ??= error;
    this.#closeConn();
  }

  /** Both directions done: close the resource, report once. */
  #maybeLost() {
    if (this.#readDone && this.#writeDone && !this.#destroyed) this.#closeConn();
  }

  #lostOnce() {
    if (this.#lost) return;
    this.#lost = true;
    // Asynchronously, as Node's 'close' event: never inside a call the protocol is making.
    queueMicrotask(() => {
      this.#protocol?._connectionLost(this.error);
      this.#resolveClosed();
    });
  }

  pause() {
    this.#paused = true;
  }

  resume() {
    if (!this.#paused) return;
    this.#paused = false;
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  setNoDelay(on) {
    try {
      this.conn.setNoDelay?.(on);
    } catch {
      // a TLS or Unix connection, or closed already
    }
  }

  /** Bytes queued and not yet written. */
  get bufferedAmount() {
    return this.#buffered;
  }
}

/** autobahn's peer strings from a Deno.Addr: tcp4:1.2.3.4:5678, tcp6:[::1]:5678, unix:/path. */
export function peerOf(addr) {
  if (!addr) return 'unix:';
  if (addr.transport === 'unix' || addr.transport === 'unixpacket') return `unix:${addr.path ?? ''}`;
  const host = addr.hostname ?? '';
  return host.includes(':') ? `tcp6:[${host}]:${addr.port}` : `tcp4:${host}:${addr.port}`;
}
