// The trap policy (js/trap.mjs) on Deno, on the test build pkg-trap/ (cargo feature test-trap:
// sendPing with the payload "wasmsocket:test-trap" panics inside the core). A trap is for ever,
// but only for pkg-trap/'s modules and wasm instance: the suites on pkg/ never see it. This
// file traps once, in one test. 127.0.0.1 only, every wait bounded.
import { assert, assertEquals } from './support/assert.ts';
import {
  WebSocketServerFactory, WebSocketServerProtocol, listenWS, Wire, CoreTrappedError, TRAP_CLOSE_CODE, TRAP_REASON,
} from '../../pkg-trap/deno.mjs';

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: number;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`timeout: ${what}`)), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

Deno.test({
  name: 'a trap fails every connection with 1011, reports once, and refuses new connections',
  // The policy's drop timers (1 s, for peers that do not close) may outlive the test.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const closes: Array<[string, boolean, number | null, string | null]> = [];
    const errors: unknown[] = [];
    const traps: unknown[] = [];
    let opens = 0;
    const factory = new WebSocketServerFactory('ws://127.0.0.1:0');
    (factory as any).onTrap = (error: unknown) => traps.push(error);
    factory.protocol = class extends WebSocketServerProtocol {
      name = '';
      onOpen() {
        this.name = `conn${opens++}`;
      }
      onMessage(payload: Uint8Array) {
        if (new TextDecoder().decode(payload) === 'trap') this.sendPing('wasmsocket:test-trap');
      }
      onClose(wasClean: boolean, code: number | null, reason: string | null) {
        closes.push([this.name, wasClean, code, reason]);
      }
      onError(error: unknown) {
        errors.push(error);
      }
    };
    const handle = await listenWS(factory, { host: '127.0.0.1', port: 0 });

    const clients = [0, 1, 2].map(() => new WebSocket(handle.url));
    await within(Promise.all(clients.map((ws) => new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = () => reject(new Error('client error'));
    }))), 10_000, 'clients open');
    const clientCloses = clients.map((ws) => new Promise<[number, string]>((resolve) => {
      ws.onerror = () => {};
      ws.onclose = (event) => resolve([event.code, event.reason]);
    }));

    clients[0].send('trap');

    for (const close of await within(Promise.all(clientCloses), 10_000, 'clients closed')) {
      assertEquals(close, [TRAP_CLOSE_CODE, TRAP_REASON]);
    }
    const trap = await within(handle.trapped, 10_000, 'handle.trapped');
    assert(trap instanceof WebAssembly.RuntimeError, `trapped resolves with the RuntimeError, got ${trap}`);
    await new Promise((resolve) => setTimeout(resolve, 100)); // a second onClose or onTrap would show now
    assertEquals(closes.map(([name]) => name).sort(), ['conn0', 'conn1', 'conn2']);
    for (const [, ...args] of closes) assertEquals(args, [false, TRAP_CLOSE_CODE, TRAP_REASON]);
    assertEquals(traps.length, 1, 'onTrap once');
    assert(traps[0] === trap);
    assertEquals(errors.length, 1);
    assert(errors[0] instanceof CoreTrappedError && (errors[0] as Error).cause === trap);

    // The listener stopped accepting: a new connection is refused (or dropped at once).
    const late = new WebSocket(handle.url);
    const outcome = await within(new Promise<string>((resolve) => {
      late.onopen = () => resolve('open');
      late.onerror = () => resolve('error');
      late.onclose = () => resolve('closed');
    }), 10_000, 'the refused connection');
    assert(outcome !== 'open', 'a new connection after the trap must not open');
    let refused = false;
    try {
      new Wire('server');
    } catch (error) {
      refused = error instanceof CoreTrappedError;
    }
    assert(refused, 'no new Wire after a trap');
    await within(handle.close(), 5_000, 'handle.close()');
  },
});
