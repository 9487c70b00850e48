// A chat room: a Node http server serves a small HTML page on GET /, the package's browser
// entry under /pkg/ (read-only, from ../pkg/), and WebSocket on /chat; every text message a
// client sends goes, unchanged, to every open connection (the sender included), published to
// the topic 'chat' (framed once for everyone).
//   node examples/chat-server.mjs [--port 8080] [--host 127.0.0.1] [--workers N] [--redis redis://127.0.0.1:6379]
// With --workers N, N processes share the port (node:cluster) and are one room. With --redis,
// servers sharing that Redis are one room (their members get each other's messages); each
// process prints "redis ready" / "redis disconnected" as the connection comes and goes.
// Prints one line with its http:// URL once listening; open it in a few browser tabs.
import http from 'node:http';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { WebSocketServerFactory, WebSocketServerProtocol, attachWS, RedisBroker, startWorkers, joinWorkers } from '../pkg/node.mjs';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8080' },
    host: { type: 'string', default: '127.0.0.1' },
    redis: { type: 'string' },
    workers: { type: 'string', default: '0' },
  },
});

const listeningLine = (address, port) => {
  const host = address.includes(':') ? `[${address}]` : address;
  return `chat server listening on http://${host}:${port}/ (WebSocket on ws://${host}:${port}/chat)`;
};

// --workers N: this process only supervises; the workers run the rest of this file.
const workers = Number(values.workers);
const supervisor = workers > 0 ? await startWorkers(workers) : null;
if (supervisor) {
  console.log(listeningLine(supervisor.host, supervisor.port));
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => supervisor.close().then(() => process.exit(0)));
}

// The page uses wasmsocket's browser client (/pkg/browser.mjs: the same WebSocketClientProtocol
// callbacks as on Node, over the browser's own WebSocket); it connects back to wherever it was
// loaded from.
const PAGE = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>wasmsocket chat</title>
<style>
  body { font: 15px system-ui, sans-serif; max-width: 40em; margin: 2em auto; }
  #log { border: 1px solid #ccc; height: 20em; overflow-y: auto; padding: .5em; white-space: pre-wrap; }
  #form { display: flex; gap: .5em; margin-top: .5em; } #text { flex: 1; }
  .meta { color: #888; }
</style></head>
<body>
<h1>wasmsocket chat</h1>
<div id="log"></div>
<form id="form"><input id="text" autocomplete="off" placeholder="say something" autofocus><button>Send</button></form>
<script type="module">
  import { WebSocketClientFactory, WebSocketClientProtocol, connectWS, State } from '/pkg/browser.mjs';

  const log = document.getElementById('log');
  const show = (text, meta = false) => {
    const line = document.createElement('div');
    line.textContent = text;
    if (meta) line.className = 'meta';
    log.append(line);
    log.scrollTop = log.scrollHeight;
  };
  const decoder = new TextDecoder();

  class ChatClient extends WebSocketClientProtocol {
    onOpen() { show('connected', true); }
    // Text arrives as its UTF-8 bytes (as on Node).
    onMessage(payload, isBinary) { if (!isBinary) show(decoder.decode(payload)); }
    onClose(wasClean, code, reason) { show('disconnected (' + code + (reason ? ': ' + reason : '') + ')', true); }
  }

  const factory = new WebSocketClientFactory(location.origin.replace(/^http/, 'ws') + '/chat');
  factory.protocol = ChatClient;
  const { protocol } = await connectWS(factory);

  // The server relays text as it is; the page puts a name in front.
  const name = 'guest-' + Math.floor(Math.random() * 1000);
  document.getElementById('form').onsubmit = (event) => {
    event.preventDefault();
    const input = document.getElementById('text');
    if (input.value && protocol.state === State.OPEN) protocol.sendMessage(name + ': ' + input.value);
    input.value = '';
  };
</script>
</body></html>
`;

// The package, for the page: ../pkg/, read-only; nothing outside it is reachable.
const PKG = path.resolve(fileURLToPath(new URL('../pkg/', import.meta.url)));
const TYPES = { '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm' };

async function servePackage(pathname, res) {
  let file;
  try {
    file = path.resolve(PKG, `.${decodeURIComponent(pathname.slice('/pkg'.length))}`);
  } catch {
    file = null; // malformed %-escape
  }
  const type = file && file.startsWith(PKG + path.sep) ? TYPES[path.extname(file)] : undefined;
  if (!type) return notFound(res);
  try {
    const body = await readFile(file);
    res.writeHead(200, { 'Content-Type': `${type}${type === 'text/javascript' ? '; charset=utf-8' : ''}` });
    res.end(body);
  } catch {
    notFound(res);
  }
}

function notFound(res) {
  res.writeHead(404, { 'Content-Type': 'text/plain' });
  res.end('Not Found');
}

// The room: the topic 'chat'. Every open connection subscribes; the set is for shutdown.
const room = new Set();

class ChatProtocol extends WebSocketServerProtocol {
  onOpen() {
    this.subscribe('chat');
    room.add(this);
  }

  // Every text message goes, unchanged, to everyone in the room (binary ones are ignored). A
  // member that does not read is not waited for (failed with 1008 past maxBufferedAmount).
  onMessage(payload, isBinary) {
    if (isBinary) return;
    this.factory.publish('chat', payload, false);
  }

  onClose() {
    room.delete(this);
  }
}

const server = http.createServer((req, res) => {
  const pathname = (req.url ?? '/').split('?')[0];
  if (req.method === 'GET' && (pathname === '/' || pathname === '/index.html')) {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(PAGE);
  } else if (req.method === 'GET' && pathname.startsWith('/pkg/')) {
    servePackage(pathname, res);
  } else {
    notFound(res);
  }
});

const factory = new WebSocketServerFactory();
factory.protocol = ChatProtocol;
const broker = values.redis ? new RedisBroker({ url: values.redis, onStatus: (status) => console.log(`redis ${status}`) }) : null;

// A worker (or the only process) serves; the supervisor above only watches its workers.
if (!supervisor) {
  if (broker) factory.setBroker(broker);
  attachWS(server, factory, { path: '/chat' });
  server.listen(Number(values.port), values.host, () => {
    const { address, port } = /** @type {import('node:net').AddressInfo} */ (server.address());
    if (workers > 0) joinWorkers(factory, { port, host: address, url: `http://${address}:${port}/`, close: shutdown });
    else console.log(listeningLine(address, port));
  });
  // A worker leaves signals to the supervisor (Ctrl-C reaches the whole process group).
  if (workers > 0) process.on('SIGINT', () => {});
  else for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => shutdown().then(() => process.exit(0)));
}

// Close 1000 to every member, then stop (without waiting for ever on slow peers).
function shutdown() {
  for (const member of room) member.sendClose(1000, 'server shutting down');
  broker?.close();
  return /** @type {Promise<void>} */ (new Promise((resolve) => {
    server.close(() => resolve());
    setTimeout(() => resolve(), 2000).unref();
  }));
}
