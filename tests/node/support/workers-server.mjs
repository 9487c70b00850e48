// A server in N worker processes (listenWS's `workers`) for tests/node/api-workers.test.mjs:
// every connection subscribes to 'room' and is told its worker's pid; every message is
// published to 'room'. The primary prints its URL, each worker exit, and on SIGTERM closes
// gracefully and prints the counts.
//   node workers-server.mjs [N]
import process from 'node:process';
import { WebSocketServerFactory, WebSocketServerProtocol, listenWS } from '../../../pkg/node.mjs';

const factory = new WebSocketServerFactory('ws://127.0.0.1:0');
factory.protocol = class extends WebSocketServerProtocol {
  onOpen() {
    this.subscribe('room');
    this.sendMessage(`pid ${process.pid}`);
  }

  onMessage(payload, isBinary) {
    this.factory.publish('room', payload, isBinary);
  }
};

const handle = await listenWS(factory, { workers: Number(process.argv[2] ?? 2) });
if (typeof handle.workers === 'function') {
  handle.onWorkerExit = (worker, code, signal, restarted) => console.log(`worker ${worker.process.pid} exited (${signal ?? code}), restarted: ${restarted}`);
  console.log(`listening on ${handle.url} with workers ${handle.workers().map((w) => w.process.pid).join(' ')}`);
  process.once('SIGTERM', async () => {
    console.log(`closed ${JSON.stringify(await handle.close({ timeout: 2 }))}`);
    process.exit(0);
  });
}
