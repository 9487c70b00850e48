// Behaviours every transport must show, written once and run by both runtimes' runners
// (tests/node/shared-cases.test.mjs under node --test, tests/deno/shared-cases.test.ts under
// deno test). Each case is { name, needs?, run(api, defer) }; `defer(fn)` registers a cleanup.
// `api` is the runtime's package entry plus what only the runner can do:
//   WebSocketServerFactory, WebSocketServerProtocol, WebSocketClientFactory,
//   WebSocketClientProtocol, ConnectionDeny, listenWS, connectWS   (the package's exports)
//   rawConnect(port)  a raw TCP stream to 127.0.0.1:port: { read(), write(bytes), close() }
//   tlsPair           { cert, key } PEM for 127.0.0.1, or null (cases that need 'tls' skip)
//   unixSocketPath    a path we may listen on, or null (cases that need 'unix' skip)
import { ok, equal, match, sameBytes } from './assert.mjs';
import { within, until, sleep, startServer, startClient, recorded, echo, utf8, fromUtf8 } from './harness.mjs';
import { rawClient, rawConnect } from './raw-peer.mjs';

const closeOf = (events) => events.filter((e) => e.name === 'onClose').map((e) => e.args);

/** Text of `bytes` UTF-8 bytes or just under, made of 1-, 2- and 3-byte characters. */
function textOf(bytes) {
  let text = '';
  for (let n = 0; n + 6 <= bytes; n += 6) text += 'aü€';
  return text + 'a'.repeat(bytes % 6);
}

export const cases = [
  {
    name: 'echo: text and binary from 0 B to 1 MiB, in order; the client closes with a code and reason',
    async run(api, defer) {
      const srv = await startServer(api, defer, echo, { options: { echoCloseCodeReason: true } });
      const client = await startClient(api, defer, srv.url);
      await recorded(client.events, 'onOpen');
      const sent = [];
      for (const size of [0, 1, 125, 126, 65535, 65536, 1 << 20]) {
        sent.push([Uint8Array.from({ length: size }, (_, i) => (i * 31 + size) & 255), true]);
        sent.push([utf8.encode(textOf(size)), false]);
      }
      for (const [bytes, isBinary] of sent) client.protocol.sendMessage(isBinary ? bytes : fromUtf8.decode(bytes), isBinary);
      const got = await recorded(client.events, 'onMessage', sent.length, 10_000);
      sent.forEach(([bytes, isBinary], i) => {
        equal(got[i].args[1], isBinary, `message ${i}: isBinary`);
        sameBytes(got[i].args[0], bytes, `message ${i}`);
      });
      client.close(4000, 'client bye');
      await recorded(client.events, 'onClose');
      await recorded(srv.events, 'onClose');
      equal(closeOf(client.events), [[true, 4000, 'client bye']]);
      equal(closeOf(srv.events), [[true, 4000, 'client bye']]);
    },
  },
  {
    name: 'fragmentation: sendMessage with fragmentSize frames the wire; a fragmented message (split inside a character, a ping between) arrives whole',
    async run(api, defer) {
      const srv = await startServer(api, defer, { ...echo, onOpen() { this.sendMessage('héllo wörld', false, 4); } });
      const peer = await rawClient(api, defer, srv.port);
      const text = utf8.encode('héllo wörld');
      const first = await peer.frame((f) => f.opcode !== 0 && f.opcode !== 9 && f.opcode !== 10);
      const frames = await peer.until(() => {
        const at = peer.frames.indexOf(first);
        const end = peer.frames.findIndex((f, i) => i >= at && f.fin);
        return end >= 0 ? peer.frames.slice(at, end + 1) : null;
      }, 'the last fragment');
      equal(frames.map((f) => [f.opcode, f.fin, f.masked]), [[1, false, false], [0, false, false], [0, false, false], [0, true, false]]);
      ok(frames.every((f) => f.payload.length <= 4), 'fragments of at most 4 bytes');
      sameBytes(Uint8Array.from(frames.flatMap((f) => [...f.payload])), text, 'the fragments joined');
      // And the other way: κόσμε split inside its second character, a ping between fragments.
      const kosme = utf8.encode('κόσμε');
      await peer.send({ opcode: 1, fin: false, payload: kosme.subarray(0, 3) });
      await peer.send({ opcode: 9, payload: 'between' });
      await peer.send({ opcode: 0, fin: false, payload: kosme.subarray(3, 7) });
      await peer.send({ opcode: 0, fin: true, payload: kosme.subarray(7) });
      const pong = await peer.frame((f) => f.opcode === 10);
      equal(fromUtf8.decode(pong.payload), 'between');
      const [message] = await recorded(srv.events, 'onMessage');
      equal([fromUtf8.decode(message.args[0]), message.args[1]], ['κόσμε', false]);
      const back = await peer.frame((f) => f.opcode === 1, 2);
      equal([fromUtf8.decode(back.payload), back.fin], ['κόσμε', true]);
    },
  },
  {
    name: 'ping/pong: a raw peer\'s ping is answered with its payload; our client answers our server\'s ping (onPong)',
    async run(api, defer) {
      const srv = await startServer(api, defer, { onOpen() { this.sendPing('from server'); } });
      const peer = await rawClient(api, defer, srv.port);
      await peer.send({ opcode: 9, payload: 'are you there' });
      const pong = await peer.frame((f) => f.opcode === 10);
      equal(fromUtf8.decode(pong.payload), 'are you there');
      const [ping] = await recorded(srv.events, 'onPing');
      equal(fromUtf8.decode(ping.args[0]), 'are you there');
      // The server pinged the raw peer too (it does not answer); our client will.
      const client = await startClient(api, defer, srv.url);
      const [serverPing] = await recorded(client.events, 'onPing');
      equal(fromUtf8.decode(serverPing.args[0]), 'from server');
      const [serverPong] = await recorded(srv.events, 'onPong');
      equal(fromUtf8.decode(serverPong.args[0]), 'from server');
      ok(serverPong.protocol !== ping.protocol, 'the pong came on the client\'s connection');
    },
  },
  {
    name: 'close: the server closes with 4321 and a reason; a close frame without a code reports 1005',
    async run(api, defer) {
      const srv = await startServer(api, defer, { onOpen() { if (this.request?.path === '/close') this.sendClose(4321, 'server bye'); } });
      const client = await startClient(api, defer, `${srv.url}close`);
      await recorded(client.events, 'onClose');
      equal(closeOf(client.events), [[true, 4321, 'server bye']]);
      await recorded(srv.events, 'onClose');
      equal(closeOf(srv.events).map(([clean, code]) => [clean, code]), [[true, 1000]]);
      const peer = await rawClient(api, defer, srv.port);
      await peer.send({ opcode: 8 });
      const reply = await peer.closeFrame();
      equal(reply.code, 1000);
      await peer.gone();
      await recorded(srv.events, 'onClose', 2);
      equal(closeOf(srv.events)[1], [true, 1005, '']);
    },
  },
  {
    name: 'limits: a frame above maxFramePayloadSize or a message above maxMessagePayloadSize fails with 1009',
    async run(api, defer) {
      const srv = await startServer(api, defer, echo, { options: { maxFramePayloadSize: 1000, maxMessagePayloadSize: 1500 } });
      const big = await rawClient(api, defer, srv.port);
      await big.send({ opcode: 2, payload: new Uint8Array(1001) });
      equal((await big.closeFrame()).code, 1009);
      const many = await rawClient(api, defer, srv.port);
      await many.send({ opcode: 2, fin: false, payload: new Uint8Array(1000) });
      await many.send({ opcode: 0, fin: true, payload: new Uint8Array(600) });
      equal((await many.closeFrame()).code, 1009);
      // At the limits: passes.
      const fits = await rawClient(api, defer, srv.port);
      await fits.send({ opcode: 2, fin: false, payload: new Uint8Array(1000) });
      await fits.send({ opcode: 0, fin: true, payload: new Uint8Array(500) });
      equal((await fits.frame((f) => f.opcode === 2)).payload.length, 1500);
      await recorded(srv.events, 'onClose', 2);
      equal(closeOf(srv.events).map(([clean, code]) => [clean, code]), [[false, 1009], [false, 1009]]);
    },
  },
  {
    name: 'invalid UTF-8 fails with 1007, in one frame and split across fragments',
    async run(api, defer) {
      const srv = await startServer(api, defer, echo);
      const whole = await rawClient(api, defer, srv.port);
      await whole.send({ opcode: 1, payload: Uint8Array.of(0xce, 0xba, 0xff) });
      equal((await whole.closeFrame()).code, 1007);
      const split = await rawClient(api, defer, srv.port);
      await split.send({ opcode: 1, fin: false, payload: Uint8Array.of(0x61, 0xce) });
      await split.send({ opcode: 0, fin: true, payload: Uint8Array.of(0x41) });
      equal((await split.closeFrame()).code, 1007);
      await recorded(srv.events, 'onClose', 2);
      equal(closeOf(srv.events).map(([clean, code]) => [clean, code]), [[false, 1007], [false, 1007]]);
      equal(srv.events.filter((e) => e.name === 'onMessage').length, 0);
    },
  },
  {
    name: 'handshake deny: ConnectionDeny(403) gives a raw client HTTP 403; our client gets onClose(false, 1006) and never opens',
    async run(api, defer) {
      const srv = await startServer(api, defer, { onConnect() { throw new api.ConnectionDeny(api.ConnectionDeny.FORBIDDEN, 'not you'); } });
      const peer = await rawConnect(api, defer, srv.port);
      await peer.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
      match(await peer.until(() => peer.head, 'the HTTP head'), /^HTTP\/1\.1 403 /);
      const client = await startClient(api, defer, srv.url);
      const [close] = await recorded(client.events, 'onClose');
      equal(close.args.slice(0, 2), [false, 1006]);
      match(close.args[2], /403/);
      equal(client.events.map((e) => e.name), ['onConnecting', 'onClose']);
      await recorded(srv.events, 'onClose', 2);
      equal(srv.events.filter((e) => e.name === 'onOpen').length, 0);
    },
  },
  {
    name: 'subprotocols: the server takes the first of the client\'s offer it supports, or what onConnect answers',
    async run(api, defer) {
      const srv = await startServer(api, defer, { onConnect(request) { return request.path === '/pick' ? 'chat.v1' : null; } }, {
        factory: { protocols: ['chat.v1', 'chat.v2'] },
      });
      const offered = { factory: { protocols: ['other', 'chat.v2', 'chat.v1'] } };
      const first = await startClient(api, defer, srv.url, {}, offered);
      await recorded(first.events, 'onOpen');
      equal(first.protocol.protocolInUse, 'chat.v2');
      const picked = await startClient(api, defer, `${srv.url}pick`, {}, offered);
      await recorded(picked.events, 'onOpen');
      equal(picked.protocol.protocolInUse, 'chat.v1');
      const opened = await recorded(srv.events, 'onOpen', 2);
      equal(opened.map((e) => e.protocol.protocolInUse).sort(), ['chat.v1', 'chat.v2']);
      const none = await startClient(api, defer, srv.url, {}, { factory: { protocols: ['other'] } });
      await recorded(none.events, 'onOpen');
      equal(none.protocol.protocolInUse, null);
    },
  },
  {
    name: 'timeouts: openHandshakeTimeout drops a silent peer; closeHandshakeTimeout drops one that never answers our close',
    async run(api, defer) {
      const srv = await startServer(api, defer, { onOpen() { this.sendClose(4000, 'answer me'); } }, {
        options: { openHandshakeTimeout: 0.3, closeHandshakeTimeout: 0.3 },
      });
      const silent = await rawConnect(api, defer, srv.port);
      let started = Date.now();
      await silent.gone();
      ok(Date.now() - started >= 250, `dropped after ${Date.now() - started} ms`);
      const [first] = await recorded(srv.events, 'onClose');
      equal(first.args.slice(0, 2), [false, 1006]);
      match(first.args[2], /opening handshake timeout/);
      const mute = await rawClient(api, defer, srv.port);
      const close = await mute.closeFrame();
      started = Date.now();
      equal([close.code, close.reason], [4000, 'answer me']);
      await mute.gone();
      ok(Date.now() - started >= 200, `dropped after ${Date.now() - started} ms`);
      const [, second] = await recorded(srv.events, 'onClose', 2);
      equal(second.args.slice(0, 2), [false, 1006]);
      match(second.args[2], /closing handshake timeout/);
    },
  },
  {
    name: 'backpressure in: a slow async onMessage pauses reading — a flooding peer\'s writes stall, then every message arrives in order',
    async run(api, defer) {
      let release;
      const gate = new Promise((resolve) => { release = resolve; });
      const seen = [];
      const srv = await startServer(api, defer, {
        async onMessage(payload, isBinary) {
          seen.push(isBinary ? new DataView(payload.buffer, payload.byteOffset, 4).getUint32(0) : fromUtf8.decode(payload));
          if (seen.length === 1) await gate;
        },
      });
      const peer = await rawClient(api, defer, srv.port);
      const FRAME = 64 * 1024;
      const CAP = 1024; // 64 MiB: far beyond what socket buffers hold
      let written = 0;
      let stalled = false;
      while (written < CAP) {
        const payload = new Uint8Array(FRAME);
        new DataView(payload.buffer).setUint32(0, written);
        const write = peer.send({ opcode: 2, payload });
        // A write that does not complete within 300 ms: nobody reads on the other side.
        if (await Promise.race([write.then(() => false), sleep(300).then(() => true)])) {
          stalled = true;
          written++;
          await sleep(200);
          ok(seen.length === 1, `one message delivered while its handler is pending (got ${seen.length})`);
          release();
          await within(write, 5000, 'the stalled write once the handler settled');
          break;
        }
        written++;
      }
      ok(stalled, `writes stalled before ${CAP} frames of ${FRAME} bytes`);
      console.log(`  writes stalled after ${written} frames (${((written * FRAME) / 2 ** 20).toFixed(1)} MiB in socket buffers and the transport)`);
      await peer.send({ opcode: 1, payload: 'end' });
      await until(() => seen.at(-1) === 'end', 'every message', 10_000);
      equal(seen.length, written + 1);
      ok(seen.slice(0, -1).every((n, i) => n === i), 'in order');
    },
  },
  {
    name: 'backpressure out: sendMessage returns false above sendHighWaterMark for a peer that does not read; onDrain once it does',
    async run(api, defer) {
      const CHUNK = 64 * 1024;
      const CAP = 128 * 1024 * 1024;
      const stats = { sent: 0, falses: 0, drains: 0, flooding: true };
      const flood = (protocol) => {
        while (stats.sent < CAP) {
          stats.sent += CHUNK;
          if (!protocol.sendMessage(new Uint8Array(CHUNK), true)) { stats.falses++; return; }
        }
      };
      const srv = await startServer(api, defer, {
        onOpen() { flood(this); },
        onDrain() { stats.drains++; if (stats.flooding) flood(this); },
      }, { options: { sendHighWaterMark: 256 * 1024 } });
      const peer = await rawClient(api, defer, srv.port);
      peer.pauseReading();
      peer.keep = false;
      // Stalled: sendMessage said false and no onDrain for 300 ms.
      await within((async () => {
        let last = -1;
        for (;;) {
          await sleep(300);
          if (stats.falses > 0 && stats.drains === last) return;
          last = stats.drains;
        }
      })(), 10_000, 'the send buffer to stay full');
      ok(stats.sent < CAP, `stalled before ${CAP} bytes (sent ${stats.sent})`);
      stats.flooding = false;
      const drainsBefore = stats.drains;
      const [server] = srv.events.filter((e) => e.name === 'onOpen').map((e) => e.protocol);
      // Still queued (how much depends on how much the runtime took off the queue before the kernel filled).
      ok(server.bufferedAmount > 0, `bufferedAmount ${server.bufferedAmount} while stalled`);
      peer.resumeReading();
      await until(() => stats.drains > drainsBefore, 'onDrain', 10_000);
      await peer.until(() => peer.byteCount >= stats.sent, 'every byte sent', 10_000);
      equal(server.bufferedAmount, 0);
    },
  },
  {
    name: 'backpressure by default: an echo server stops reading a peer that floods and never reads; pauseOnBackpressure: false queues on',
    async run(api, defer) {
      const HWM = 256 * 1024;
      const FRAME = 64 * 1024;
      /** Floods 64 KiB frames at an echo server with these options until a write stalls; returns the server's unsent bytes then. */
      const flood = async (options) => {
        const srv = await startServer(api, defer, echo, { options: { sendHighWaterMark: HWM, ...options } });
        const peer = await rawClient(api, defer, srv.port);
        peer.pauseReading();
        peer.keep = false;
        for (let frames = 0; frames < 512; frames++) { // 32 MiB: beyond what socket buffers hold
          const write = peer.send({ opcode: 2, payload: new Uint8Array(FRAME) });
          if (await Promise.race([write.then(() => false), sleep(300).then(() => true)])) break;
        }
        await sleep(200);
        const [server] = srv.events.filter((e) => e.name === 'onOpen').map((e) => e.protocol);
        return server.bufferedAmount;
      };
      const paused = await flood({});
      const unpaused = await flood({ pauseOnBackpressure: false, maxBufferedAmount: 0 });
      console.log(`  unsent at the stall: ${(paused / 1024).toFixed(0)} KiB by default, ${(unpaused / 1024).toFixed(0)} KiB with pauseOnBackpressure: false`);
      ok(paused <= HWM + 2 * FRAME, `by default the server stops at the mark (${paused} bytes unsent ≤ ${HWM} + 2 frames)`);
      ok(unpaused > 4 * HWM, `without it the server queues on (${unpaused} bytes unsent)`);
    },
  },
  {
    name: 'maxBufferedAmount: a server pushing to a peer that never reads fails it with 1008 and releases its buffer',
    async run(api, defer) {
      let pushed = 0;
      const push = (protocol) => {
        if (protocol.state !== api.State.OPEN) return;
        protocol.sendMessage(new Uint8Array(64 * 1024), true); // ignoring the return value, as a careless broadcaster does
        pushed++;
        setTimeout(() => push(protocol), 0);
      };
      const srv = await startServer(api, defer, { onOpen() { push(this); } },
        { options: { sendHighWaterMark: 256 * 1024, maxBufferedAmount: 1024 * 1024 } });
      const peer = await rawClient(api, defer, srv.port);
      peer.pauseReading();
      peer.keep = false;
      await until(() => closeOf(srv.events).length === 1, 'onClose', 20_000);
      const [[wasClean, code, reason]] = closeOf(srv.events);
      equal(wasClean, false);
      equal(code, 1008);
      match(reason, /not reading.*maxBufferedAmount/);
      const [server] = srv.events.filter((e) => e.name === 'onOpen').map((e) => e.protocol);
      equal(server.bufferedAmount, 0);
      console.log(`  failed after ${pushed} pushes of 64 KiB: ${reason}`);
    },
  },
  {
    name: 'TLS: wss:// server and client with a private CA, isSecure on both sides',
    needs: 'tls',
    async run(api, defer) {
      const { cert, key } = api.tlsPair;
      const srv = await startServer(api, defer, echo, { url: 'wss://127.0.0.1:0', listen: { tls: { cert, key } } });
      match(srv.url, /^wss:\/\/127\.0\.0\.1:\d+\/$/);
      const big = Uint8Array.from({ length: 100_000 }, (_, i) => i & 255);
      const client = await startClient(api, defer, srv.url, { onOpen() { this.sendMessage(big, true); } }, { connect: { tls: { ca: cert } } });
      const [message] = await recorded(client.events, 'onMessage', 1, 5000);
      sameBytes(message.args[0], big, 'echo over TLS');
      equal(client.events[0].args[0].isSecure, true);
      equal(srv.events.find((e) => e.name === 'onConnecting').args[0].isSecure, true);
      client.close(1000);
      await recorded(client.events, 'onClose');
      equal(closeOf(client.events)[0].slice(0, 2), [true, 1000]);
    },
  },
  {
    name: 'Unix sockets: our server and client over ws://unix:/path, peers name the path',
    needs: 'unix',
    async run(api, defer) {
      const path = api.unixSocketPath;
      const srv = await startServer(api, defer, echo, { url: `ws://unix:${path}` });
      equal([srv.url, srv.port], [`ws://unix:${path}`, null]);
      const client = await startClient(api, defer, srv.url, { onOpen() { this.sendMessage('over a unix socket'); } });
      const [message] = await recorded(client.events, 'onMessage');
      equal(fromUtf8.decode(message.args[0]), 'over a unix socket');
      equal(client.protocol.peer, `unix:${path}`);
      equal(srv.events.find((e) => e.name === 'onOpen').protocol.peer, `unix:${path}`);
      client.close(4005, 'unix bye');
      await recorded(srv.events, 'onClose');
      equal(closeOf(srv.events), [[true, 4005, 'unix bye']]);
    },
  },
];

/** Why a case is skipped with this api, or false. */
export function skipReason(testCase, api) {
  if (testCase.needs === 'tls' && !api.tlsPair) return 'no TLS certificate (the openssl CLI made none)';
  if (testCase.needs === 'unix' && !api.unixSocketPath) return 'no Unix socket path granted';
  return false;
}
