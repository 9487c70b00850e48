// Adding WebSocket routes to an existing Node http app: the app keeps serving its pages, and
// attachWS routes upgrade requests by path, one factory per route:
//   /echo   echoes every message
//   /upper  answers text with its upper case (binary is echoed as is)
// Any other upgrade path gets 404; plain HTTP requests never reach the WebSocket code.
//   node examples/attach-to-http.mjs [--port 8081] [--host 127.0.0.1]
import http from 'node:http';
import { parseArgs } from 'node:util';
import { WebSocketServerFactory, WebSocketServerProtocol, attachWS } from '../pkg/node.mjs';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8081' },
    host: { type: 'string', default: '127.0.0.1' },
  },
});

// 1. The existing app: plain http, nothing WebSocket-specific.
const app = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/') {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!DOCTYPE html><meta charset="utf-8"><title>attach-to-http</title>
<p>WebSocket routes: <code>/echo</code> and <code>/upper</code>.</p>
<p><input id="text" value="hello"> <button id="go">send to /upper</button> <span id="out"></span></p>
<script>
  document.getElementById('go').onclick = () => {
    const ws = new WebSocket(new URL('/upper', location.href.replace(/^http/, 'ws')));
    ws.onopen = () => ws.send(document.getElementById('text').value);
    ws.onmessage = (event) => { document.getElementById('out').textContent = event.data; ws.close(1000); };
  };
</script>`);
    return;
  }
  res.writeHead(404, { 'Content-Type': 'text/plain' });
  res.end('Not Found');
});

// 2. One protocol class and one factory per WebSocket route.
class EchoProtocol extends WebSocketServerProtocol {
  onMessage(payload, isBinary) {
    this.sendMessage(payload, isBinary);
  }
}

class UpperProtocol extends WebSocketServerProtocol {
  onMessage(payload, isBinary) {
    this.sendMessage(isBinary ? payload : payload.toString('utf8').toUpperCase(), isBinary);
  }
}

const echo = new WebSocketServerFactory();
echo.protocol = EchoProtocol;
const upper = new WebSocketServerFactory();
upper.protocol = UpperProtocol;

// 3. Route the app's 'upgrade' events.
attachWS(app, echo, { path: '/echo' });
attachWS(app, upper, { path: '/upper' });

app.listen(Number(values.port), values.host, () => {
  const { address, port } = /** @type {import('node:net').AddressInfo} */ (app.address());
  const host = address.includes(':') ? `[${address}]` : address;
  console.log(`http app listening on http://${host}:${port}/ (WebSocket routes ws://${host}:${port}/echo and /upper)`);
});
// Ctrl-C (SIGINT) ends the process; peers see the TCP connection drop.
