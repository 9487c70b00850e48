// ws's echo server for bench/slow-reader.mjs: every message back as it came (ws has no
// backpressure of its own: a peer that never reads makes it queue). Prints its URL.
//   node bench/slow-reader/ws-echo.mjs [--deflate]
import { WebSocketServer } from 'ws';

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: process.argv.includes('--deflate') });
wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
wss.on('listening', () => console.log(`ws echo server listening on ws://127.0.0.1:${wss.address().port}`));
