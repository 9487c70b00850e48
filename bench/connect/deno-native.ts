// Deno's own WebSocket server for bench/connect.mjs: Deno.serve + Deno.upgradeWebSocket, each
// message sent back as it came. Speaks ./control.mjs's line protocol:
//   deno run --allow-net=127.0.0.1 --v8-flags=--expose-gc bench/connect/deno-native.ts
// Deno.upgradeWebSocket answers no Sec-WebSocket-Extensions: it never negotiates
// permessage-deflate, so in --deflate mode this server runs uncompressed.
import { control } from './control.mjs';

const server = Deno.serve({ hostname: '127.0.0.1', port: 0, onListen() {} }, (req) => {
  if (req.headers.get('upgrade')?.toLowerCase() !== 'websocket') return new Response('WebSocket only', { status: 426 });
  const { socket, response } = Deno.upgradeWebSocket(req);
  socket.binaryType = 'arraybuffer';
  socket.onmessage = (e) => socket.send(e.data);
  socket.onerror = () => {};
  return response;
});
await control({ port: server.addr.port, info: { deno: Deno.version.deno, permessageDeflate: false } });
