// A backend for tests/node/proxy-nginx.test.mjs: echoes every message, tells each connection
// which backend it reached and who it thinks the peer is (trustXForwardedFor: 1, as behind
// one proxy), and shuts down gracefully on SIGTERM (close 1001, then exit).
//   node proxy-backend.mjs NAME PORT
import process from 'node:process';
import { WebSocketServerFactory, WebSocketServerProtocol, listenWS } from '../../../pkg/node.mjs';

const [name, port] = process.argv.slice(2);
const factory = new WebSocketServerFactory(`ws://127.0.0.1:${port}`);
factory.setProtocolOptions({ trustXForwardedFor: 1 });
factory.protocol = class extends WebSocketServerProtocol {
  onOpen() {
    this.sendMessage(JSON.stringify({ backend: name, peer: this.peer, extensions: this.extensionsInUse.map((e) => e.name ?? e.constructor.name) }));
  }

  onMessage(payload, isBinary) {
    this.sendMessage(payload, isBinary);
  }
};
const handle = await listenWS(factory);
console.log(`listening on ${handle.url}`);
process.once('SIGTERM', async () => {
  console.log(`closed ${JSON.stringify(await handle.close({ timeout: 2 }))}`);
  process.exit(0);
});
