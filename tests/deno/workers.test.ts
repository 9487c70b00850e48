// listenWS(factory, { workers: 2 }) on Deno (js/deno/workers.mjs), in a `deno run` of
// support/workers-server.ts: two Web Workers share the port (Deno.listen's reusePort), a message
// published in one worker reaches the subscribers of the other, a worker that throws or calls
// Deno.exit is restarted without touching the other's connections, and close() (SIGTERM to the
// process here) sends 1001 to every connection and sums the workers' counts. A worker whose
// wasm core traps (the test build pkg-trap/, as tests/deno/trap.test.ts) ends and is replaced.
// Without --unstable-net it fails at once, naming the flag. 127.0.0.1 only, every wait bounded.
import { assert, assertEquals } from './support/assert.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const SERVER = new URL('./support/workers-server.ts', import.meta.url).pathname;
const ECHO = new URL('../../examples/echo-server.ts', import.meta.url).pathname;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function until(condition: () => boolean, what: string, ms = 10000) {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** `deno run` of `script`, its output collected line by line. Workers read the module graph again: --allow-read. */
function run(script: string, args: string[], { unstableNet = true } = {}) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ['run', '--no-check', ...(unstableNet ? ['--unstable-net'] : []), '--allow-net=127.0.0.1', `--allow-read=${ROOT}`, script, ...args],
    stdin: 'null', stdout: 'piped', stderr: 'piped', env: { NO_COLOR: '1' },
  }).spawn();
  const stdout: string[] = [];
  const stderr: string[] = [];
  const collect = async (stream: ReadableStream<Uint8Array>, lines: string[]) => {
    let rest = '';
    for await (const text of stream.pipeThrough(new TextDecoderStream())) {
      const parts = (rest + text).split('\n');
      rest = parts.pop()!;
      lines.push(...parts);
    }
    if (rest) lines.push(rest);
  };
  const done = Promise.all([collect(child.stdout, stdout), collect(child.stderr, stderr), child.status]);
  let exit: Deno.CommandStatus | null = null;
  child.status.then((status) => { exit = status; });
  return {
    child, stdout, stderr, done,
    exit: () => exit,
    /** Ends it (SIGKILL) if it still runs, and waits for its output. */
    stop: async () => {
      if (exit === null) child.kill('SIGKILL');
      await done;
    },
  };
}

type Client = WebSocket & { worker?: string; received: string[]; closed: { code: number } | null };

/** A native WebSocket that records its worker (the first message) and then every message. */
function client(url: string): Client {
  const ws = new WebSocket(url) as Client;
  ws.received = [];
  ws.closed = null;
  ws.onmessage = ({ data }) => {
    const text = String(data);
    if (ws.worker === undefined && text.startsWith('worker ')) ws.worker = text.slice('worker '.length);
    else ws.received.push(text);
  };
  ws.onclose = ({ code }) => { ws.closed = { code }; };
  ws.onerror = () => {};
  return ws;
}

/** Opens clients until one lands on a worker not in `known` (the kernel hashes each connection to a socket). */
async function clientOnAnotherWorker(url: string, known: Set<string>, clients: Client[]): Promise<Client> {
  for (let i = 0; i < 60; i++) {
    const ws = client(url);
    clients.push(ws);
    await until(() => ws.worker !== undefined || ws.closed !== null, 'a new connection');
    if (ws.worker !== undefined && !known.has(ws.worker)) return ws;
    await sleep(20);
  }
  throw new Error(`no connection landed outside ${[...known].join(', ')}`);
}

Deno.test('workers: 2 share the port, publish crosses workers, a worker that throws or exits is restarted, close() ends all with 1001', async () => {
  const server = run(SERVER, ['2']);
  const clients: Client[] = [];
  try {
    await until(() => server.stdout.some((l) => l.startsWith('listening on ')), 'the workers to listen', 20000);
    const [, url, names] = /^listening on (\S+) with workers (.*)$/.exec(server.stdout[0])!;
    const [first, second] = names.split(' ');
    assertEquals(names.split(' ').length, 2);

    // Both sockets of the port take connections.
    const onSecond = await clientOnAnotherWorker(url, new Set([first]), clients);
    const onFirst = clients.find((ws) => ws.worker === first) ?? await clientOnAnotherWorker(url, new Set([second]), clients);
    const byWorker = (name: string) => clients.filter((ws) => ws.worker === name);
    await until(() => clients.every((ws) => ws.worker !== undefined), 'every client to learn its worker');

    // Published in one worker, delivered in both, once each.
    onFirst.send('hello, everyone');
    await until(() => clients.every((ws) => ws.received.length === 1), 'the message in both workers');
    await sleep(200);
    for (const ws of clients) assertEquals(ws.received, ['hello, everyone']);

    // A worker throws: its clients lose their connection, the other's keep theirs, and a new
    // worker takes its place.
    onSecond.send('throw');
    await until(() => server.stdout.includes(`${second} ended (Uncaught Error: thrown on request), restarted: true`), 'the supervisor to restart the worker');
    await until(() => byWorker(second).every((ws) => ws.closed), 'the dead worker\'s connections to end');
    for (const ws of byWorker(first)) assertEquals(ws.closed, null, 'the other worker\'s connections stay open');
    const onThird = await clientOnAnotherWorker(url, new Set([first, second]), clients);
    const third = onThird.worker!;
    onThird.send('from the new worker');
    const open = () => clients.filter((ws) => !ws.closed);
    await until(() => open().every((ws) => ws.received.includes('from the new worker')), 'the new worker\'s message everywhere');

    // A worker calls Deno.exit (Deno would not tell its owner; wasmsocket's workers do).
    onThird.send('exit');
    await until(() => server.stdout.includes(`${third} ended (exit 3), restarted: true`), 'the supervisor to restart the exited worker');
    await until(() => byWorker(third).every((ws) => ws.closed), 'the exited worker\'s connections to end');
    await clientOnAnotherWorker(url, new Set([first, second, third]), clients);

    // close(): 1001 to every connection, every worker ends, the process reports the counts.
    const stillOpen = open();
    assert(stillOpen.length >= 2, `${stillOpen.length} open connections`);
    server.child.kill('SIGTERM');
    await until(() => stillOpen.every((ws) => ws.closed), 'every connection to close');
    for (const ws of stillOpen) assertEquals(ws.closed!.code, 1001);
    await until(() => server.exit() !== null, 'the process to exit');
    assertEquals(server.exit()!.code, 0);
    const closed = JSON.parse(server.stdout.find((l) => l.startsWith('closed '))!.slice('closed '.length));
    assertEquals(closed, { closedCleanly: stillOpen.length, closedUncleanly: 0, dropped: 0 });
  } finally {
    for (const ws of clients) if (!ws.closed) ws.close();
    await until(() => clients.every((ws) => ws.closed), 'the clients to close').catch(() => {});
    await server.stop();
  }
});

Deno.test('workers: a trap of one worker\'s wasm core fails its connections with 1011 and the worker is replaced', async () => {
  const server = run(SERVER, ['2', 'trap']);
  const clients: Client[] = [];
  try {
    await until(() => server.stdout.some((l) => l.startsWith('listening on ')), 'the workers to listen', 20000);
    const [, url, names] = /^listening on (\S+) with workers (.*)$/.exec(server.stdout[0])!;
    const [first, second] = names.split(' ');
    const onSecond = await clientOnAnotherWorker(url, new Set([first]), clients);
    const onFirst = clients.find((ws) => ws.worker === first) ?? await clientOnAnotherWorker(url, new Set([second]), clients);
    onFirst.send('trap');
    await until(() => server.stdout.includes(`${first} ended (exit 1), restarted: true`), 'the trapped worker to be replaced');
    const trapped = clients.filter((ws) => ws.worker === first);
    await until(() => trapped.every((ws) => ws.closed), 'the trapped worker\'s connections to end');
    for (const ws of trapped) assertEquals(ws.closed!.code, 1011);
    // The other worker has its own wasm instance: untouched.
    assertEquals(onSecond.closed, null);
    onSecond.send('still here');
    await until(() => onSecond.received.includes('still here'), 'the other worker to go on');
    await clientOnAnotherWorker(url, new Set([first, second]), clients);
  } finally {
    for (const ws of clients) if (!ws.closed) ws.close();
    await until(() => clients.every((ws) => ws.closed), 'the clients to close').catch(() => {});
    await server.stop();
  }
});

Deno.test('workers without --unstable-net: listenWS rejects at once, naming the flag', async () => {
  const server = run(SERVER, ['2'], { unstableNet: false });
  try {
    await Promise.race([server.done, sleep(20000)]);
    assert(server.exit() !== null && server.exit()!.code !== 0, `exit: ${JSON.stringify(server.exit())}`);
    assertEquals(server.stdout, []);
    const text = server.stderr.join('\n');
    assert(text.includes('wasmsocket: workers') && text.includes('--unstable-net'), text);
  } finally {
    await server.stop();
  }
});

Deno.test('examples/echo-server.ts --workers 2: one "listening on" line, echoes, SIGTERM closes with 1001', async () => {
  const server = run(ECHO, ['--port', '0', '--workers', '2']);
  const clients: Client[] = [];
  try {
    await until(() => server.stdout.some((l) => l.startsWith('echo server listening on ')), 'the echo server to listen', 20000);
    const url = /listening on (\S+)/.exec(server.stdout[0])![1];
    for (let i = 0; i < 4; i++) clients.push(client(url));
    await until(() => clients.every((ws) => ws.readyState === WebSocket.OPEN), 'the clients to connect');
    clients.forEach((ws, i) => ws.send(`echo ${i}`));
    await until(() => clients.every((ws) => ws.received.length === 1), 'the echoes');
    clients.forEach((ws, i) => assertEquals(ws.received, [`echo ${i}`]));
    assertEquals(server.stdout.filter((l) => l.includes('listening on')).length, 1);
    server.child.kill('SIGTERM');
    await until(() => clients.every((ws) => ws.closed), 'the clients to be closed');
    for (const ws of clients) assertEquals(ws.closed!.code, 1001);
    await until(() => server.exit() !== null, 'the process to exit');
  } finally {
    for (const ws of clients) if (!ws.closed) ws.close();
    await server.stop();
  }
});
