// A server in N Web Workers (listenWS's `workers` on Deno) for tests/deno/workers.test.ts: every
// connection subscribes to 'room' and is told its worker's name; every message is published to
// 'room', except "throw" (the worker throws), "exit" (the worker calls Deno.exit(3)) and "trap"
// (the wasm core traps: with `trap`, on the test build pkg-trap/). The main thread prints its
// URL, each worker's end, and on SIGTERM closes gracefully and prints the counts.
//   deno run --unstable-net --allow-net=127.0.0.1 --allow-read workers-server.ts [N] [trap]
import type * as Package from '../../../pkg/deno.mjs';

const { WebSocketServerFactory, WebSocketServerProtocol, isWorker, listenWS }: typeof Package =
  await import(Deno.args[1] === 'trap' ? '../../../pkg-trap/deno.mjs' : '../../../pkg/deno.mjs');

const decoder = new TextDecoder();

const factory = new WebSocketServerFactory('ws://127.0.0.1:0');
factory.protocol = class extends WebSocketServerProtocol {
  override onOpen() {
    this.subscribe('room');
    this.sendMessage(`worker ${self.name}`);
  }

  override onMessage(payload: Uint8Array, isBinary: boolean) {
    const text = isBinary ? null : decoder.decode(payload);
    if (text === 'throw') setTimeout(() => { throw new Error('thrown on request'); });
    else if (text === 'exit') Deno.exit(3);
    else if (text === 'trap') this.sendPing('wasmsocket:test-trap');
    else this.factory!.publish('room', payload, isBinary);
  }
};

const handle = await listenWS(factory, { workers: Number(Deno.args[0] ?? 2) });
// Signals reach every thread of the process: only the main thread handles them.
if (!isWorker() && 'workers' in handle) {
  handle.onWorkerExit = (worker, code, error, restarted) => console.log(`${worker.name} ended (${error ?? `exit ${code}`}), restarted: ${restarted}`);
  console.log(`listening on ${handle.url} with workers ${handle.workers().map((w) => w.name).join(' ')}`);
  Deno.addSignalListener('SIGTERM', async () => {
    console.log(`closed ${JSON.stringify(await handle.close({ timeout: 2 }))}`);
    Deno.exit(0);
  });
}
