// Drives the Autobahn testsuite's fuzzingserver with our client, on any runtime: the entries
// (../autobahn-client.mjs on Node, ../autobahn-client.ts on Deno) parse the flags and pass in their
// runtime's API. Asks for the number of cases, runs each case in turn, echoing every message
// back exactly as received (text as text, binary as binary), then asks the fuzzingserver to
// write its reports. Each case is bounded by `caseTimeout` seconds so a hang cannot stall CI;
// a timed-out case is dropped and counted.

const utf8 = new TextDecoder();

/**
 * Runs every case of the fuzzingserver at `base`. `api` holds the entry's WebSocketClientFactory,
 * WebSocketClientProtocol, State, connectWS, PerMessageDeflateOffer and PerMessageDeflateResponseAccept. Resolves to the exit code: 0 when every case
 * ran (the verdicts are in the fuzzingserver's reports), 1 when the fuzzingserver could not be
 * reached or a case timed out.
 * @param {{ WebSocketClientFactory: any, WebSocketClientProtocol: any, State: any, connectWS: Function, PerMessageDeflateOffer: any, PerMessageDeflateResponseAccept: any }} api
 * @param {{ base: string, agent: string, caseTimeout: number }} options
 * @returns {Promise<number>}
 */
export async function driveFuzzingServer(api, { base, agent, caseTimeout }) {
  const { WebSocketClientFactory, WebSocketClientProtocol, State, connectWS, PerMessageDeflateOffer, PerMessageDeflateResponseAccept } = api;

  /**
   * Opens one connection to `path` and resolves when it closes, with the messages it received
   * and how it ended. `echo` sends every message back. Drops the connection after `timeout` s.
   * @param {string} path
   * @returns {Promise<{ messages: string[], timedOut: boolean }>}
   */
  async function session(path, { echo = false, timeout = caseTimeout } = {}) {
    /** @type {string[]} */
    const messages = [];
    /** @type {(value: { timedOut: boolean }) => void} */
    let finish = () => {};
    /** @type {Promise<{ timedOut: boolean }>} */
    const finished = new Promise((resolve) => { finish = resolve; });

    class CaseProtocol extends WebSocketClientProtocol {
      /** @param {Uint8Array} payload @param {boolean} isBinary */
      onMessage(payload, isBinary) {
        if (echo) {
          // A message delivered while our close is already under way has nobody to go to.
          if (this.state === State.OPEN) this.sendMessage(payload, isBinary);
        } else {
          messages.push(utf8.decode(payload));
        }
      }

      onClose() {
        finish({ timedOut: false });
      }
    }

    const factory = new WebSocketClientFactory(`${base}${path}`);
    factory.protocol = CaseProtocol;
    // As autobahn's own testee client: offer client_no_context_takeover and client_max_window_bits
    // too, which the fuzzingserver's 13.x cases need before they ask for them.
    factory.setProtocolOptions({
      perMessageCompressionOffers: [new PerMessageDeflateOffer()],
      perMessageCompressionAccept: (/** @type {any} */ response) => new PerMessageDeflateResponseAccept(response),
    });
    const { protocol } = await connectWS(factory, { timeout });
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    let timer;
    /** @type {Promise<{ timedOut: boolean }>} */
    const timedOut = new Promise((resolve) => {
      timer = setTimeout(() => {
        protocol.dropConnection(`case timeout (${timeout} s)`);
        resolve({ timedOut: true });
      }, timeout * 1000);
    });
    const result = await Promise.race([finished, timedOut]);
    clearTimeout(timer);
    return { ...result, messages };
  }

  const agentParam = encodeURIComponent(agent);
  let count;
  try {
    const { messages } = await session('/getCaseCount', { timeout: 30 });
    count = Number.parseInt(messages[0], 10);
    if (!Number.isInteger(count)) throw new Error(`unexpected answer ${JSON.stringify(messages)}`);
  } catch (error) {
    console.error(`autobahn-client: cannot get the case count from ${base}: ${/** @type {Error} */ (error).message}`);
    return 1;
  }
  console.log(`autobahn-client: ${count} cases from ${base}, agent ${agent}, ${caseTimeout} s per case`);

  /**
   * The case's id ("9.1.6") for messages, asked only for the few cases worth naming.
   * @param {number} n
   */
  async function caseName(n) {
    try {
      const { messages } = await session(`/getCaseInfo?case=${n}`, { timeout: 10 });
      return `${JSON.parse(messages[0]).id} (#${n})`;
    } catch {
      return `#${n}`;
    }
  }

  const started = performance.now();
  let chunkStart = started;
  const timedOut = [];
  const failedToConnect = [];
  const slow = [];
  for (let n = 1; n <= count; n++) {
    const caseStart = performance.now();
    try {
      const result = await session(`/runCase?case=${n}&agent=${agentParam}`, { echo: true });
      if (result.timedOut) {
        timedOut.push(await caseName(n));
        console.log(`  case ${timedOut.at(-1)}: no close within ${caseTimeout} s, dropped`);
      }
    } catch (error) {
      failedToConnect.push(await caseName(n));
      console.log(`  case ${failedToConnect.at(-1)}: ${/** @type {Error} */ (error).message}`);
    }
    const seconds = (performance.now() - caseStart) / 1000;
    if (seconds > 5) slow.push(`${await caseName(n)} ${seconds.toFixed(1)} s`);
    // Compact progress: one line per 50 cases.
    if (n % 50 === 0 || n === count) {
      const now = performance.now();
      console.log(`  cases ${Math.floor((n - 1) / 50) * 50 + 1}-${n} done in ${((now - chunkStart) / 1000).toFixed(1)} s`);
      chunkStart = now;
    }
  }
  console.log(`autobahn-client: ran ${count} cases in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (slow.length) console.log(`  slow cases (over 5 s): ${slow.join(', ')}`);

  try {
    const { timedOut: stuck } = await session(`/updateReports?agent=${agentParam}`, { timeout: 120 });
    if (stuck) throw new Error('no answer within 120 s');
  } catch (error) {
    console.error(`autobahn-client: updateReports failed: ${/** @type {Error} */ (error).message}`);
    return 1;
  }
  console.log('autobahn-client: reports updated');

  if (timedOut.length) console.error(`autobahn-client: cases timed out: ${timedOut.join(', ')}`);
  if (failedToConnect.length) console.error(`autobahn-client: could not connect for cases: ${failedToConnect.join(', ')}`);
  return timedOut.length || failedToConnect.length ? 1 : 0;
}
