// An echo server: every message comes back as it went out (text as text, binary as binary).
//   node examples/echo-server.mjs [--port 9001] [--host 127.0.0.1] [--no-compression] [--bzip2] [--max-message-size BYTES]
// --bzip2 also accepts permessage-bzip2 offers (after permessage-deflate, when that is on).
// Prints one line with its ws:// URL once listening (other tools wait for it).
import { parseArgs } from 'node:util';
import { ServerPerMessageBzip2Factory, WebSocketServerFactory, WebSocketServerProtocol, listenWS } from '../pkg/node.mjs';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '9001' },
    host: { type: 'string', default: '127.0.0.1' },
    'no-compression': { type: 'boolean', default: false },
    bzip2: { type: 'boolean', default: false },
    'max-message-size': { type: 'string' },
  },
});

class EchoProtocol extends WebSocketServerProtocol {
  onMessage(payload, isBinary) {
    this.sendMessage(payload, isBinary);
  }
}

const factory = new WebSocketServerFactory(`ws://${values.host}:${values.port}`);
factory.protocol = EchoProtocol;
if (values['max-message-size'] !== undefined) {
  const max = Number(values['max-message-size']);
  factory.setProtocolOptions({ maxMessagePayloadSize: max, maxFramePayloadSize: max });
}
// permessage-deflate is on by default; this declines every offer.
if (values['no-compression']) factory.setProtocolOptions({ compression: null });
if (values.bzip2) factory.setProtocolOptions({ extensions: [new ServerPerMessageBzip2Factory()] });

const listener = await listenWS(factory);
console.log(`echo server listening on ${listener.url}`);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => listener.close().then(() => process.exit(0)));
