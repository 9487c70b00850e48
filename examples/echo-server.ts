// An echo server on Deno: every message comes back as it went out (text as text, binary as binary).
//   deno run --allow-net=127.0.0.1 examples/echo-server.ts [--port 9001] [--host 127.0.0.1] [--no-compression] [--bzip2] [--max-message-size BYTES]
// The same flags and the same one "listening on ws://…" line as echo-server.mjs (tools wait for it).
// --bzip2 also accepts permessage-bzip2 offers (after permessage-deflate, when that is on).
// --workers N: N Web Workers share the port (Deno.listen's reusePort), which needs two more flags:
//   deno run --unstable-net --allow-net=127.0.0.1 --allow-read examples/echo-server.ts --workers 4
import { ServerPerMessageBzip2Factory, WebSocketServerFactory, WebSocketServerProtocol, isWorker, listenWS } from '../pkg/deno.mjs';

function parseArgs(args: string[]) {
  const values: Record<string, string | boolean> = { port: '9001', host: '127.0.0.1', 'no-compression': false, bzip2: false };
  const switches = ['no-compression', 'bzip2'];
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split(/=(.*)/s, 2);
    const name = flag.replace(/^--/, '');
    if (!flag.startsWith('--') || !['port', 'host', 'no-compression', 'bzip2', 'max-message-size', 'workers'].includes(name)) {
      console.error(`echo-server: unknown option ${args[i]}`);
      Deno.exit(2);
    }
    if (switches.includes(name)) values[name] = true;
    else if (inline !== undefined) values[name] = inline;
    else if (i + 1 < args.length) values[name] = args[++i];
    else { console.error(`echo-server: ${flag} needs a value`); Deno.exit(2); }
  }
  return values;
}
const values = parseArgs(Deno.args);

class EchoProtocol extends WebSocketServerProtocol {
  override onMessage(payload: Uint8Array, isBinary: boolean) {
    this.sendMessage(payload, isBinary);
  }
}

const factory = new WebSocketServerFactory(`ws://${values.host}:${values.port}`);
factory.protocol = EchoProtocol;
if (values['max-message-size'] !== undefined) {
  const max = Number(values['max-message-size']);
  factory.setProtocolOptions({ maxMessagePayloadSize: max, maxFramePayloadSize: max });
}
// permessage-deflate is on by default; --no-compression turns it off.
if (values['no-compression']) factory.setProtocolOptions({ compression: null });
if (values.bzip2) factory.setProtocolOptions({ extensions: [new ServerPerMessageBzip2Factory()] });

const workers = values.workers === undefined ? null : Number(values.workers);
const listener = workers === null ? await listenWS(factory) : await listenWS(factory, { workers });
// In a worker: nothing more (signals reach every thread; the main thread's close ends the workers).
if (!isWorker()) {
  console.log(`echo server listening on ${listener.url}`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    Deno.addSignalListener(signal, () => listener.close().then(() => Deno.exit(0)));
  }
}
