// bench/echo.mjs's Deno servers (the parent starts them; they can be run alone):
//   deno run --no-prompt --allow-net=127.0.0.1 bench/echo/deno-server.ts deno-native|wasmsocket-deno
// deno-native: Deno.serve + Deno.upgradeWebSocket (bench/connect/deno-native.ts's serveEcho).
// wasmsocket-deno: examples/echo-server.ts's protocol on pkg/deno.mjs, compression: null
// (bench/connect/ours-deno.ts's listenEcho). Neither negotiates an extension.
// Each adds the message counters to its handler and speaks ./control.mjs's line protocol.
import { serveEcho } from '../connect/deno-native.ts';
import { listenEcho } from '../connect/ours-deno.ts';
import { echoControl } from './control.mjs';

const impl = Deno.args[0];
const stats = { messages: 0, bytes: 0, unsized: 0 };
let port: number;
if (impl === 'deno-native') {
  // Text arrives as a JS string: its UTF-8 length would cost this row alone a pass over every
  // text message, so text bytes are not counted (the client still checks every echo's size).
  port = serveEcho((data) => {
    stats.messages++;
    if (typeof data === 'string') stats.unsized++;
    else stats.bytes += data.byteLength;
  });
} else if (impl === 'wasmsocket-deno') {
  port = await listenEcho({
    seen(payload) {
      stats.messages++;
      stats.bytes += payload.length;
    },
  });
} else {
  throw new Error(`unknown server ${impl} (deno-native, wasmsocket-deno)`);
}
await echoControl({ port, stats, info: { impl, deno: Deno.version.deno, v8: Deno.version.v8 } });
