// Fan-out server for bench/fanout.mjs: npm `ws`, every message relayed to every open client
// with a loop of send (ws has no publish). Prints "listening PORT".
import { WebSocketServer, WebSocket } from 'ws';

const port = Number(process.argv[2] ?? 0);
const wss = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false });
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => {
    for (const client of wss.clients) if (client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary });
  });
});
wss.on('listening', () => console.log(`listening ${wss.address().port}`));
