// A TCP tap for the interop tests: a forwarding proxy on 127.0.0.1 between two WebSocket peers
// that reads, without changing a byte, the opening handshake and every frame header going
// each way. It is how a test proves what went over the wire (RSV1 on compressed messages,
// compressed sizes) whatever the peers themselves report.
import net from 'node:net';
import { once } from 'node:events';

const HEAD_END = Buffer.from('\r\n\r\n');
const MAX_HEAD = 64 * 1024;

/**
 * One direction of one connection: the HTTP head, then frame headers (payloads are skipped,
 * never buffered). `frames`: {fin, rsv1, rsv2, rsv3, opcode, masked, length}; `messages`:
 * data messages as {opcode, compressed (RSV1 on the first frame), frames, wireLength}.
 */
class Direction {
  head = null; // the request or response head, as text
  frames = [];
  messages = [];
  bytes = 0; // everything that went this way, handshake included
  error = null;
  #pending = Buffer.alloc(0);
  #skip = 0; // payload bytes of the current frame still to pass
  #message = null;

  push(chunk) {
    this.bytes += chunk.length;
    if (this.error) return;
    let data = this.#pending.length ? Buffer.concat([this.#pending, chunk]) : chunk;
    if (this.head === null) {
      const end = data.indexOf(HEAD_END);
      if (end < 0) {
        if (data.length > MAX_HEAD) this.error = 'no end of the HTTP head';
        this.#pending = data;
        return;
      }
      this.head = data.subarray(0, end).toString('latin1');
      data = data.subarray(end + 4);
    }
    while (data.length) {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, data.length);
        this.#skip -= n;
        data = data.subarray(n);
        continue;
      }
      const frame = parseHeader(data);
      if (!frame) break;
      this.#record(frame);
      data = data.subarray(frame.headerLength);
      this.#skip = frame.length;
    }
    this.#pending = Buffer.from(data); // a partial header (at most 13 bytes)
  }

  #record({ headerLength, ...frame }) { // eslint-disable-line no-unused-vars
    this.frames.push(frame);
    if (frame.opcode >= 8) return;
    if (frame.opcode !== 0) {
      this.#message = { opcode: frame.opcode, compressed: frame.rsv1, frames: 0, wireLength: 0 };
      this.messages.push(this.#message);
    }
    if (!this.#message) return; // a continuation with no start: the peers' test will fail anyway
    this.#message.frames++;
    this.#message.wireLength += frame.length;
    if (frame.fin) this.#message = null;
  }

  /** The head's header `name` (case-insensitive), or null. */
  header(name) {
    const re = new RegExp(`^${name}:[ \\t]*(.*)$`, 'im');
    return re.exec(this.head ?? '')?.[1].trim() ?? null;
  }
}

function parseHeader(b) {
  if (b.length < 2) return null;
  const masked = (b[1] & 0x80) !== 0;
  let length = b[1] & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (b.length < 4) return null;
    length = b.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (b.length < 10) return null;
    length = Number(b.readBigUInt64BE(2));
    offset = 10;
  }
  if (masked) offset += 4;
  if (b.length < offset) return null;
  return {
    fin: (b[0] & 0x80) !== 0, rsv1: (b[0] & 0x40) !== 0, rsv2: (b[0] & 0x20) !== 0, rsv3: (b[0] & 0x10) !== 0,
    opcode: b[0] & 0x0f, masked, length, headerLength: offset,
  };
}

/**
 * Starts a tap to `port` on 127.0.0.1. Clients connect to `tap.port` (`tap.url`); each
 * connection gets a record {toServer, toClient} of Directions, in `tap.connections`.
 */
export async function startTap(port) {
  const connections = [];
  const sockets = new Set();
  const server = net.createServer((client) => {
    const record = { toServer: new Direction(), toClient: new Direction() };
    connections.push(record);
    const upstream = net.connect(port, '127.0.0.1');
    for (const s of [client, upstream]) {
      s.setNoDelay(true);
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => { client.destroy(); upstream.destroy(); });
    }
    pipe(client, upstream, record.toServer);
    pipe(upstream, client, record.toClient);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const tapPort = server.address().port;
  return {
    port: tapPort,
    url: `ws://127.0.0.1:${tapPort}`,
    connections,
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

// Forwards with backpressure; a half-close is passed on as one.
function pipe(from, to, direction) {
  from.on('data', (chunk) => {
    direction.push(chunk);
    if (!to.write(chunk)) from.pause();
  });
  to.on('drain', () => from.resume());
  from.on('end', () => to.end());
}

/** Parses a Sec-WebSocket-Extensions value: [{name, params: {name: value|true}}]. */
export function parseExtensions(value) {
  if (!value) return [];
  return value.split(',').map((item) => {
    const [name, ...params] = item.split(';').map((s) => s.trim());
    return {
      name,
      params: Object.fromEntries(params.map((p) => {
        const [k, v] = p.split('=').map((s) => s.trim());
        return [k, v === undefined ? true : v.replace(/^"|"$/g, '')];
      })),
    };
  });
}

/** Asserts nothing went wrong in the tap's parsing; returns the record for chaining. */
export function parsed(record) {
  for (const d of [record.toServer, record.toClient]) {
    if (d.error) throw new Error(`tap: ${d.error}`);
    const bad = d.frames.find((f) => f.rsv2 || f.rsv3);
    if (bad) throw new Error(`tap: a frame with RSV2/RSV3 set: ${JSON.stringify(bad)}`);
  }
  return record;
}
