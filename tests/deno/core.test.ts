// The wasm core in Deno 2 over Deno's own TCP API, against Deno's native WebSocket client and
// its Deno.upgradeWebSocket server, on 127.0.0.1.
import { assert, assertEquals } from './support/assert.ts';
import { Wire, Status, version } from '../../pkg/deno.mjs';

// Reads until EOF, feeding the core; `onEvent` may return chunks to write (in order, before the
// core's own pending output).
async function pump(conn: Deno.Conn, wire: Wire, onEvent: (e: any) => Uint8Array[] | void) {
  const buf = new Uint8Array(64 * 1024);
  const flush = async () => {
    const out = wire.takeOutput();
    if (out) await writeAll(conn, out);
    if (wire.status & Status.CLOSE_TRANSPORT) { try { conn.close(); } catch { /* already closed */ } return true; }
    return false;
  };
  while (true) {
    let n: number | null = null;
    try { n = await conn.read(buf); } catch { n = null; }
    if (n === null) { wire.receiveEof().forEach(onEvent); try { conn.close(); } catch { /* closed */ } return; }
    for (const event of wire.receive(buf.subarray(0, n))) {
      const pendingOutput = wire.takeOutput(); // e.g. a pong queued before this event's reply
      if (pendingOutput) await writeAll(conn, pendingOutput);
      for (const chunk of onEvent(event) ?? []) await writeAll(conn, chunk);
    }
    if (await flush()) return;
  }
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array) {
  for (let off = 0; off < bytes.length;) off += await conn.write(bytes.subarray(off));
}

Deno.test('the deno entry loads the wasm with no permissions at all', async () => {
  const probe = new URL('./support/load-probe.mjs', import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ['run', '--no-check', '--no-prompt', probe], stdout: 'piped', stderr: 'piped',
  }).output();
  assertEquals(new TextDecoder().decode(out.stderr), '');
  assertEquals(new TextDecoder().decode(out.stdout).trim(), `${version()} text Hello`);
});

Deno.test('our server echoes to Deno\'s native WebSocket client and closes cleanly', async () => {
  const listener = Deno.listen({ hostname: '127.0.0.1', port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const served = (async () => {
    const conn = await listener.accept();
    const wire = new Wire('server', { echoCloseCodeReason: true });
    let echoed = 0;
    await pump(conn, wire, (e) => {
      if (e.type === 'request') wire.accept({ subprotocol: e.request.protocols[0] });
      if (e.type === 'text' || e.type === 'binary') {
        echoed++;
        return wire.sendMessage(e.data, e.type === 'binary');
      }
    });
    return echoed;
  })();
  const ws = new WebSocket(`ws://127.0.0.1:${port}/deno`, ['p1']);
  ws.binaryType = 'arraybuffer';
  const received: (string | Uint8Array)[] = [];
  const closed = new Promise<CloseEvent>((resolve) => ws.onclose = resolve);
  await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
  assertEquals(ws.protocol, 'p1');
  const all = new Promise<void>((resolve) => {
    ws.onmessage = (m) => {
      received.push(typeof m.data === 'string' ? m.data : new Uint8Array(m.data));
      if (received.length === 3) resolve();
    };
  });
  ws.send('hello from deno');
  ws.send(new Uint8Array([0, 1, 2, 255]));
  ws.send('ü'.repeat(40000));
  await all;
  assertEquals(received[0], 'hello from deno');
  assertEquals(received[1], new Uint8Array([0, 1, 2, 255]));
  assertEquals(received[2], 'ü'.repeat(40000));
  ws.close(4001, 'deno bye');
  const event = await closed;
  assert(event.wasClean, 'clean close');
  assertEquals([event.code, event.reason], [4001, 'deno bye']);
  assertEquals(await served, 3);
  listener.close();
});

Deno.test('our client talks to a Deno.upgradeWebSocket server', async () => {
  const ac = new AbortController();
  const server = Deno.serve({ hostname: '127.0.0.1', port: 0, signal: ac.signal, onListen: () => {} }, (req) => {
    const { socket, response } = Deno.upgradeWebSocket(req);
    socket.onmessage = (m) => socket.send(m.data);
    return response;
  });
  const conn = await Deno.connect({ hostname: '127.0.0.1', port: server.addr.port });
  const wire = new Wire('client');
  const events: any[] = [];
  wire.connect({ host: '127.0.0.1', port: server.addr.port, resource: '/' });
  await writeAll(conn, wire.takeOutput()!);
  await pump(conn, wire, (e) => {
    events.push(e);
    if (e.type === 'open') return wire.sendMessage('ping?', false);
    if (e.type === 'text') {
      wire.sendClose(1000, 'thanks');
      return [wire.takeOutput()!];
    }
  });
  const types = events.map((e) => e.type);
  assertEquals(types.slice(0, 2), ['open', 'text']);
  assertEquals(new TextDecoder().decode(events[1].data), 'ping?');
  assert(types.includes('close'), `close seen: ${types}`);
  assert(wire.closeInfo().wasClean, 'clean close');
  ac.abort();
  await server.finished;
});
