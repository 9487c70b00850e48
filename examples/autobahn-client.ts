// Drives the Autobahn testsuite's fuzzingserver with our client on Deno (the logic, shared with
// the Node entry autobahn-client.mjs, is in shared/autobahn-driver.mjs). Same arguments and output:
//   deno run --allow-net=127.0.0.1 examples/autobahn-client.ts [ws://127.0.0.1:9001] [agent] [--case-timeout SECONDS]
// scripts/autobahn.sh runs it with AUTOBAHN_CLIENT_CMD. Exits 0 when every case ran, 1 when
// the fuzzingserver could not be reached or a case timed out.
import {
  WebSocketClientFactory, WebSocketClientProtocol, State, connectWS, PerMessageDeflateOffer, PerMessageDeflateResponseAccept,
} from '../pkg/deno.mjs';
import { driveFuzzingServer } from './shared/autobahn-driver.mjs';

const positionals: string[] = [];
let caseTimeout = '60';
for (let i = 0; i < Deno.args.length; i++) {
  const [flag, inline] = Deno.args[i].split(/=(.*)/s, 2);
  if (flag === '--case-timeout') {
    const value = inline ?? Deno.args[++i];
    if (value === undefined) { console.error('autobahn-client: --case-timeout needs a value'); Deno.exit(2); }
    caseTimeout = value;
  } else if (flag.startsWith('--')) {
    console.error(`autobahn-client: unknown option ${Deno.args[i]}`);
    Deno.exit(2);
  } else {
    positionals.push(Deno.args[i]);
  }
}
Deno.exitCode = await driveFuzzingServer({
  WebSocketClientFactory, WebSocketClientProtocol, State, connectWS, PerMessageDeflateOffer, PerMessageDeflateResponseAccept,
}, {
  base: (positionals[0] ?? 'ws://127.0.0.1:9001').replace(/\/+$/, ''),
  agent: positionals[1] ?? 'wasmsocket',
  caseTimeout: Number(caseTimeout),
});
