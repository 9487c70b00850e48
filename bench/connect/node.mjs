// Node echo servers for bench/connect.mjs, speaking ./control.mjs's line protocol:
//   node --expose-gc bench/connect/node.mjs ours|ws [--deflate]
// ours: examples/echo-server.mjs's protocol (WebSocketServerFactory + listenWS, onMessage →
// sendMessage), compression off (as its --no-compression) unless --deflate, which keeps the
// default (permessage-deflate). ws: WebSocketServer with perMessageDeflate false / true; the
// parent sets WS_NO_BUFFER_UTIL=1.
import { control } from './control.mjs';

const [impl, flag] = process.argv.slice(2);
const deflate = flag === '--deflate';
if (impl === 'ours') {
  const { WebSocketServerFactory, WebSocketServerProtocol, listenWS, wasmMemory } = await import('../../pkg/node.mjs');
  class Echo extends WebSocketServerProtocol {
    onMessage(payload, isBinary) { this.sendMessage(payload, isBinary); }
  }
  const factory = new WebSocketServerFactory('ws://127.0.0.1:0');
  factory.protocol = Echo;
  if (!deflate) factory.setProtocolOptions({ compression: null });
  const { port } = await listenWS(factory, { host: '127.0.0.1', port: 0 });
  await control({ port, info: { node: process.version }, wasmBytes: () => wasmMemory().buffer.byteLength });
} else if (impl === 'ws') {
  const { WebSocketServer } = await import('ws');
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: deflate });
  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    ws.on('error', () => {});
  });
  await new Promise((resolve, reject) => { wss.once('listening', resolve); wss.once('error', reject); });
  await control({ port: wss.address().port, info: { node: process.version } });
} else {
  throw new Error(`unknown server ${impl} (ours, ws)`);
}
