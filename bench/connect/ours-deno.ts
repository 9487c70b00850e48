// Our server on Deno for bench/connect.mjs: examples/echo-server.ts's protocol (pkg/deno.mjs's
// WebSocketServerFactory + listenWS), compression off unless --deflate. Speaks ./control.mjs's
// line protocol:
//   deno run --allow-net=127.0.0.1 --v8-flags=--expose-gc bench/connect/ours-deno.ts [--deflate]
import { WebSocketServerFactory, WebSocketServerProtocol, listenWS, wasmMemory } from '../../pkg/deno.mjs';
import { control } from './control.mjs';

class Echo extends WebSocketServerProtocol {
  override onMessage(payload: Uint8Array, isBinary: boolean) {
    this.sendMessage(payload, isBinary);
  }
}
const factory = new WebSocketServerFactory('ws://127.0.0.1:0');
factory.protocol = Echo;
if (!Deno.args.includes('--deflate')) factory.setProtocolOptions({ compression: null });
const { port } = await listenWS(factory, { host: '127.0.0.1', port: 0 });
if (port === null) throw new Error('listenWS gave no port');
await control({ port, info: { deno: Deno.version.deno }, wasmBytes: () => wasmMemory().buffer.byteLength });
