// Drives the Autobahn testsuite's fuzzingserver with our client on Node (the logic, shared with
// the Deno entry autobahn-client.ts, is in shared/autobahn-driver.mjs).
//   node examples/autobahn-client.mjs [ws://127.0.0.1:9001] [agent] [--case-timeout SECONDS]
// scripts/autobahn.sh starts the fuzzingserver and runs this. Each case is bounded by
// --case-timeout (default 60 s) so a hang cannot stall CI; a timed-out case is dropped and
// counted. Exits 0 when every case ran (the verdicts are in the fuzzingserver's reports),
// 1 when the fuzzingserver could not be reached or a case timed out.
import { parseArgs } from 'node:util';
import {
  WebSocketClientFactory, WebSocketClientProtocol, State, connectWS, PerMessageDeflateOffer, PerMessageDeflateResponseAccept,
} from '../pkg/node.mjs';
import { driveFuzzingServer } from './shared/autobahn-driver.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'case-timeout': { type: 'string', default: '60' } },
});
process.exitCode = await driveFuzzingServer({
  WebSocketClientFactory, WebSocketClientProtocol, State, connectWS, PerMessageDeflateOffer, PerMessageDeflateResponseAccept,
}, {
  base: (positionals[0] ?? 'ws://127.0.0.1:9001').replace(/\/+$/, ''),
  agent: positionals[1] ?? 'wasmsocket',
  caseTimeout: Number(values['case-timeout']),
});
