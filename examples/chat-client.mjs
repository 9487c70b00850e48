// A terminal client for examples/chat-server.mjs: sends each line of stdin as a text message
// and prints every message of the room. At the end of stdin it waits until the room has
// relayed its own lines back, then closes with 1000.
//   node examples/chat-client.mjs [ws://127.0.0.1:8080/chat] [--name NAME]
//   echo hello | node examples/chat-client.mjs
// Exits 0 after a clean close, 1 otherwise.
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { WebSocketClientFactory, WebSocketClientProtocol, connectWS } from '../pkg/node.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { name: { type: 'string', default: `term-${process.pid}` } },
});
const url = positionals[0] ?? 'ws://127.0.0.1:8080/chat';

let pending = 0; // own lines sent and not relayed back yet
let inputDone = false;
let protocol;
let opened;
const open = new Promise((resolve) => { opened = resolve; });

class ChatClientProtocol extends WebSocketClientProtocol {
  onOpen() {
    opened();
  }

  onMessage(payload) {
    const text = payload.toString('utf8');
    console.log(text);
    if (text.startsWith(`${values.name}: `) && pending > 0) pending--;
    this.maybeDone();
  }

  maybeDone() {
    if (inputDone && pending === 0) this.sendClose(1000);
  }

  onClose(wasClean, code, reason) {
    if (!wasClean) console.error(`chat-client: connection lost (${code} ${reason})`);
    process.exit(wasClean ? 0 : 1);
  }
}

const factory = new WebSocketClientFactory(url);
factory.protocol = ChatClientProtocol;
try {
  ({ protocol } = await connectWS(factory));
} catch (error) {
  console.error(`chat-client: cannot connect to ${url}: ${error.message}`);
  process.exit(1);
}
await open;

const lines = readline.createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (!line) return;
  pending++;
  protocol.sendMessage(`${values.name}: ${line}`);
});
lines.on('close', () => {
  inputDone = true;
  protocol.maybeDone();
});
