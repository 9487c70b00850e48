// An echo client: connects, sends a few text and binary messages, prints what comes back,
// checks it is what went out, and closes with 1000.
//   node examples/echo-client.mjs [ws://127.0.0.1:9001] [--tls-insecure] [--timeout SECONDS]
// Exits 0 when every message came back unchanged and the close was clean, 1 otherwise.
// --tls-insecure accepts a self-signed certificate (for examples/wss-server.mjs).
import { parseArgs } from 'node:util';
import { WebSocketClientFactory, WebSocketClientProtocol, connectWS } from '../pkg/node.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'tls-insecure': { type: 'boolean', default: false },
    timeout: { type: 'string', default: '10' },
  },
});
const url = positionals[0] ?? 'ws://127.0.0.1:9001';

// What we send, in order: [payload, isBinary].
/** @type {[string | Buffer, boolean][]} */
const messages = [
  ['Hello, wasmsocket!', false],
  ['UTF-8 too: κόσμε, 世界, 🦀', false],
  [Buffer.from([0x00, 0x01, 0x02, 0xfe, 0xff]), true],
  [Buffer.alloc(100_000, 0x2a), true], // larger than one TCP segment
];

const describe = (payload, isBinary) =>
  isBinary
    ? `binary ${payload.length} bytes${payload.length <= 16 ? ` <${payload.toString('hex')}>` : ''}`
    : `text ${JSON.stringify(payload.toString('utf8'))}`;

let failures = 0;
let closed; // resolves on onClose
const done = new Promise((resolve) => { closed = resolve; });

class EchoClientProtocol extends WebSocketClientProtocol {
  received = 0;

  onOpen() {
    console.log(`connected to ${url}`);
    for (const [payload, isBinary] of messages) {
      console.log(`> ${describe(Buffer.from(payload), isBinary)}`);
      this.sendMessage(payload, isBinary);
    }
  }

  onMessage(payload, isBinary) {
    const [sent, sentBinary] = messages[this.received++] ?? [];
    const same = sent !== undefined && isBinary === sentBinary && payload.equals(Buffer.from(sent));
    console.log(`< ${describe(payload, isBinary)}${same ? '' : '  (MISMATCH)'}`);
    if (!same) failures++;
    if (this.received === messages.length) this.sendClose(1000, 'done');
  }

  onClose(wasClean, code, reason) {
    console.log(`closed: wasClean=${wasClean} code=${code}${reason ? ` reason=${JSON.stringify(reason)}` : ''}`);
    if (!wasClean || this.received !== messages.length) failures++;
    closed();
  }
}

const factory = new WebSocketClientFactory(url);
factory.protocol = EchoClientProtocol;
const timeout = Number(values.timeout);
// Give up if the whole exchange takes too long (the server may be hanging).
const timer = setTimeout(() => {
  console.error(`echo-client: no clean close within ${timeout} s`);
  process.exit(1);
}, timeout * 1000);

try {
  await connectWS(factory, { timeout, tls: values['tls-insecure'] ? { rejectUnauthorized: false } : {} });
} catch (error) {
  console.error(`echo-client: cannot connect to ${url}: ${error.message}`);
  process.exit(1);
}
await done;
clearTimeout(timer);
process.exitCode = failures === 0 ? 0 : 1;
