// For tests/node/limits-trap.test.mjs: a node:cluster primary with one worker serving
// pkg-trap/ on 127.0.0.1. The primary connects a ws client and sends "trap"; the worker's
// onMessage then makes the core trap. The primary prints one JSON line, { workerExitCode,
// clientClose }, and exits 0 (2 if it timed out).
import cluster from 'node:cluster';
import { WebSocket } from 'ws';

if (cluster.isPrimary) {
  const timer = setTimeout(() => { console.log(JSON.stringify({ timeout: true })); process.exit(2); }, 15_000);
  const worker = cluster.fork();
  let clientClose = null;
  worker.on('message', ({ url }) => {
    const ws = new WebSocket(url);
    ws.on('open', () => ws.send('trap'));
    ws.on('close', (code, reason) => { clientClose = [code, reason.toString()]; });
    ws.on('error', () => {});
  });
  worker.on('exit', (code) => {
    // The close reached the client before the worker exited; give its event a moment.
    setTimeout(() => {
      clearTimeout(timer);
      console.log(JSON.stringify({ workerExitCode: code, clientClose }));
      process.exit(0);
    }, 200);
  });
} else {
  const { WebSocketServerFactory, WebSocketServerProtocol, listenWS } = await import('../../../pkg-trap/node.mjs');
  const factory = new WebSocketServerFactory('ws://127.0.0.1:0');
  factory.onTrap = () => {}; // the worker's exit is the report here
  factory.protocol = class extends WebSocketServerProtocol {
    onMessage() {
      this.sendPing('wasmsocket:test-trap');
    }
    onError() {}
  };
  const handle = await listenWS(factory, { host: '127.0.0.1', port: 0 });
  process.send({ url: handle.url });
}
