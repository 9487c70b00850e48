// Our server on Deno for bench/connect.mjs: examples/echo-server.ts's protocol (pkg/deno.mjs's
// WebSocketServerFactory + listenWS), compression off unless --deflate. Speaks ./control.mjs's
// line protocol:
//   deno run --allow-net=127.0.0.1 --v8-flags=--expose-gc bench/connect/ours-deno.ts [--deflate]
// bench/echo/deno-server.ts runs the same server (listenEcho) under bench/echo.mjs.
import { WebSocketServerFactory, WebSocketServerProtocol, listenWS, wasmMemory } from '../../pkg/deno.mjs';
import { control } from './control.mjs';

/**
 * examples/echo-server.ts's server on 127.0.0.1, an ephemeral port; permessage-deflate accepted
 * only with `deflate` (else compression: null, as echo-server.ts --no-compression). `seen`, if
 * given, sees each message first. Resolves to the port.
 */
export async function listenEcho({ deflate = false, seen }: { deflate?: boolean; seen?: (payload: Uint8Array) => void } = {}): Promise<number> {
  class Echo extends WebSocketServerProtocol {
    override onMessage(payload: Uint8Array, isBinary: boolean) {
      seen?.(payload);
      this.sendMessage(payload, isBinary);
    }
  }
  const factory = new WebSocketServerFactory('ws://127.0.0.1:0');
  factory.protocol = Echo;
  if (!deflate) factory.setProtocolOptions({ compression: null });
  const { port } = await listenWS(factory, { host: '127.0.0.1', port: 0 });
  if (port === null) throw new Error('listenWS gave no port');
  return port;
}

if (import.meta.main) {
  const port = await listenEcho({ deflate: Deno.args.includes('--deflate') });
  await control({ port, info: { deno: Deno.version.deno }, wasmBytes: () => wasmMemory().buffer.byteLength });
}
