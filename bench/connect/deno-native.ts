// Deno's own WebSocket server for bench/connect.mjs: Deno.serve + Deno.upgradeWebSocket, each
// message sent back as it came. Speaks ./control.mjs's line protocol:
//   deno run --allow-net=127.0.0.1 --v8-flags=--expose-gc bench/connect/deno-native.ts
// Deno.upgradeWebSocket answers no Sec-WebSocket-Extensions: it never negotiates
// permessage-deflate, so in --deflate mode this server runs uncompressed.
// bench/echo/deno-server.ts runs the same server (serveEcho) under bench/echo.mjs.
import { control } from './control.mjs';

/**
 * The echo server on 127.0.0.1, an ephemeral port: binary messages arrive as ArrayBuffers and go
 * back as binary, text as strings and goes back as text. `seen`, if given, sees each message first.
 */
export function serveEcho(seen?: (data: ArrayBuffer | string) => void): number {
  const server = Deno.serve({ hostname: '127.0.0.1', port: 0, onListen() {} }, (req) => {
    if (req.headers.get('upgrade')?.toLowerCase() !== 'websocket') return new Response('WebSocket only', { status: 426 });
    const { socket, response } = Deno.upgradeWebSocket(req);
    socket.binaryType = 'arraybuffer';
    socket.onmessage = (e) => {
      seen?.(e.data);
      socket.send(e.data);
    };
    socket.onerror = () => {};
    return response;
  });
  return server.addr.port;
}

if (import.meta.main) await control({ port: serveEcho(), info: { deno: Deno.version.deno, permessageDeflate: false } });
