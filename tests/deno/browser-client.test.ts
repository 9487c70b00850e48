// The browser entry (pkg/browser.mjs: the client over the runtime's own WebSocket, through
// web-sys) on Deno, whose WebSocket reports a refused connection with close code 0 where
// browsers say 1006: onClose must still be (false, 1006, why), as the README documents. And a
// round trip against our own Deno server, so the entry is known to work here at all.
import { assertEquals } from './support/assert.ts';
import { WebSocketClientFactory, WebSocketClientProtocol, connectWS } from '../../pkg/browser.mjs';
import { WebSocketServerFactory, WebSocketServerProtocol, listenWS } from '../../pkg/deno.mjs';

type CloseArgs = [boolean, number, string];

/** A client protocol class that records its messages and its onClose arguments. */
function recorder() {
  const seen: { messages: string[]; close: Promise<CloseArgs> } = { messages: [], close: null! };
  let closed!: (args: CloseArgs) => void;
  seen.close = new Promise((resolve) => { closed = resolve; });
  class Recorder extends WebSocketClientProtocol {
    override onOpen() { this.sendMessage('hello from the browser entry'); }
    override onMessage(payload: Uint8Array) {
      seen.messages.push(new TextDecoder().decode(payload));
      this.sendClose(1000, 'done');
    }
    override onClose(wasClean: boolean, code: number, reason: string) { closed([wasClean, code, reason]); }
  }
  return { Recorder, seen };
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: number;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`timeout: ${what}`)), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

Deno.test('browser entry on Deno: a refused connection ends in onClose(false, 1006), not Deno\'s code 0', async () => {
  // A port that was just free: nothing listens there.
  const probe = Deno.listen({ hostname: '127.0.0.1', port: 0 });
  const { port } = probe.addr as Deno.NetAddr;
  probe.close();
  const { Recorder, seen } = recorder();
  const factory = new WebSocketClientFactory(`ws://127.0.0.1:${port}/`);
  factory.protocol = Recorder;
  await connectWS(factory);
  assertEquals(await within(seen.close, 5000, 'onClose'), [false, 1006, 'connection was closed uncleanly (the browser could not open the WebSocket connection)']);
});

Deno.test('browser entry on Deno: a message round trip and a clean close with our Deno server', async () => {
  class Echo extends WebSocketServerProtocol {
    override onMessage(payload: Uint8Array, isBinary: boolean) { this.sendMessage(payload, isBinary); }
  }
  const server = new WebSocketServerFactory('ws://127.0.0.1:0');
  server.protocol = Echo;
  const listener = await listenWS(server, { port: 0 });
  try {
    const { Recorder, seen } = recorder();
    const factory = new WebSocketClientFactory(listener.url);
    factory.protocol = Recorder;
    await connectWS(factory);
    // The server's answer: 1000 without a reason (echoCloseCodeReason is off by default).
    assertEquals(await within(seen.close, 5000, 'onClose'), [true, 1000, '']);
    assertEquals(seen.messages, ['hello from the browser entry']);
  } finally {
    await listener.close({ timeout: 1 });
  }
});
