// The published package, as a user gets it: `npm pack` of pkg/, installed into a fresh project
// from the tarball (offline: the package has no dependencies), then used from that project
// with `import` and with `require`, and running the examples with their imports pointed at
// the installed package. Also pins the tarball's file list.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const pkgDir = join(root, 'pkg');
const examplesDir = join(root, 'examples');

let work; // temp dir: the tarball and the project
let project; // the fresh project with wasmsocket installed
let packed; // npm pack --json's record

function run(command, args, options = {}) {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000, ...options });
  } catch (error) {
    throw new Error(`${command} ${args.join(' ')} failed (${error.status ?? error.signal}):\n${error.stdout ?? ''}\n${error.stderr ?? ''}`);
  }
}

/** Every file under `dir`, as paths relative to `base` with forward slashes. */
function filesUnder(dir, base = dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path, base) : [relative(base, path).split('\\').join('/')];
  });
}

/** An example's source with its import of the built package pointed at the installed one. */
function asInstalled(name) {
  const source = readFileSync(join(examplesDir, name), 'utf8');
  assert.match(source, /from '\.\.\/pkg\/node\.mjs'/, `${name} imports ../pkg/node.mjs`);
  return source.replaceAll("'../pkg/node.mjs'", "'wasmsocket'");
}

before(() => {
  work = mkdtempSync(join(tmpdir(), 'wasmsocket-install-'));
  const out = run('npm', ['pack', '--json', '--pack-destination', work], { cwd: pkgDir });
  [packed] = JSON.parse(out.slice(out.indexOf('[')));
  project = join(work, 'project');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'wasmsocket-install-probe', private: true }));
  const tarball = join(work, packed.filename);
  try {
    run('npm', ['install', tarball, '--no-audit', '--no-fund', '--offline'], { cwd: project });
  } catch {
    run('npm', ['install', tarball, '--no-audit', '--no-fund'], { cwd: project });
  }
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test('the tarball holds exactly the entries, types, wasm, js/, README and LICENSE', (t) => {
  const files = packed.files.map((f) => f.path).sort();
  const expected = [
    'package.json', 'README.md', 'LICENSE', 'bench-echo.svg',
    'node.mjs', 'deno.mjs', 'browser.mjs', 'redis.mjs',
    'index.d.ts', 'browser.d.ts', 'node.d.mts', 'deno.d.mts', 'redis.d.mts',
    'wasm/wasmsocket.js', 'wasm/wasmsocket.d.ts', 'wasm/wasmsocket_bg.wasm',
    ...filesUnder(join(root, 'js')).map((f) => `js/${f}`),
  ].sort();
  assert.deepEqual(files, expected);
  assert.ok(!files.some((f) => /^(src|tests?|fuzz|bench|examples|pkg-template)\//.test(f)), 'no sources or tests');
  t.diagnostic(`${packed.filename}: ${packed.size} bytes packed, ${packed.unpackedSize} bytes unpacked, ${files.length} files`);
});

// An echo server (listenWS) and a client (connectWS) in one script: a text and a binary
// message go out and come back, then the client closes with 1000.
const roundTrip = (load) => `
${load}

class Echo extends WebSocketServerProtocol {
  onMessage(payload, isBinary) {
    this.sendMessage(payload, isBinary);
  }
}

async function main() {
  const server = new WebSocketServerFactory('ws://127.0.0.1:0');
  server.protocol = Echo;
  const listener = await listenWS(server);
  const url = process.argv[2] ?? listener.url;
  const result = await new Promise((resolve, reject) => {
    const received = [];
    class Client extends WebSocketClientProtocol {
      onOpen() {
        this.sendMessage('hello, wasmsocket: κόσμε');
        this.sendMessage(Buffer.from([0, 1, 2, 254, 255]), true);
      }
      onMessage(payload, isBinary) {
        received.push({ isBinary, isBuffer: Buffer.isBuffer(payload), data: payload.toString(isBinary ? 'hex' : 'utf8') });
        if (received.length === 2) this.sendClose(1000, 'done');
      }
      onClose(wasClean, code, reason) {
        resolve({ received, wasClean, code, reason, version: VERSION });
      }
    }
    const client = new WebSocketClientFactory(url);
    client.protocol = Client;
    connectWS(client).catch(reject);
  });
  await listener.close();
  console.log(JSON.stringify(result));
}
main().catch((error) => { console.error(error); process.exit(1); });
`;

function checkRoundTrip(output) {
  const result = JSON.parse(output.trim().split('\n').at(-1));
  const version = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).version;
  assert.deepEqual(result, {
    received: [
      { isBinary: false, isBuffer: true, data: 'hello, wasmsocket: κόσμε' },
      { isBinary: true, isBuffer: true, data: '000102feff' },
    ],
    wasClean: true,
    code: 1000,
    reason: '', // the server replies with a bare 1000 (echoCloseCodeReason is off)
    version,
  });
}

test('ESM: import from the installed package, echo a text and a binary message, close cleanly', () => {
  const load = "import { WebSocketServerFactory, WebSocketServerProtocol, WebSocketClientFactory, WebSocketClientProtocol, listenWS, connectWS, VERSION } from 'wasmsocket';";
  writeFileSync(join(project, 'round-trip.mjs'), roundTrip(load));
  checkRoundTrip(run(process.execPath, ['round-trip.mjs'], { cwd: project, timeout: 20_000 }));
});

test('CommonJS: require() of the installed package does the same', () => {
  const load = "const { WebSocketServerFactory, WebSocketServerProtocol, WebSocketClientFactory, WebSocketClientProtocol, listenWS, connectWS, VERSION } = require('wasmsocket');";
  writeFileSync(join(project, 'round-trip.cjs'), roundTrip(load));
  checkRoundTrip(run(process.execPath, ['round-trip.cjs'], { cwd: project, timeout: 20_000 }));
});

test('every example imports only names the installed package exports', () => {
  const exported = JSON.parse(run(process.execPath, ['--input-type=module', '-e',
    "console.log(JSON.stringify(Object.keys(await import('wasmsocket'))))"], { cwd: project }));
  const examples = readdirSync(examplesDir).filter((f) => f.endsWith('.mjs'));
  assert.ok(examples.length > 0);
  for (const name of examples) {
    const source = asInstalled(name);
    for (const [, list] of source.matchAll(/import\s*\{([^}]*)\}\s*from\s*'wasmsocket'/g)) {
      for (const imported of list.split(',').map((s) => s.trim().split(/\s+as\s+/)[0]).filter(Boolean)) {
        assert.ok(exported.includes(imported), `${name} imports ${imported}, which the package does not export`);
      }
    }
  }
});

test('examples/echo-server.mjs runs from the installed package and echoes', async () => {
  writeFileSync(join(project, 'echo-server.mjs'), asInstalled('echo-server.mjs'));
  const server = spawn(process.execPath, ['echo-server.mjs', '--port', '0', '--host', '127.0.0.1'], {
    cwd: project, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  server.stderr.on('data', (chunk) => { stderr += chunk; });
  const exited = new Promise((resolve) => server.on('exit', (code, signal) => resolve({ code, signal })));
  try {
    const url = await new Promise((resolve, reject) => {
      let stdout = '';
      const timer = setTimeout(() => reject(new Error(`echo-server printed no URL: ${stdout}${stderr}`)), 10_000);
      server.stdout.on('data', (chunk) => {
        stdout += chunk;
        const match = /ws:\/\/\S+/.exec(stdout);
        if (match) { clearTimeout(timer); resolve(match[0]); }
      });
      exited.then(() => reject(new Error(`echo-server exited early: ${stdout}${stderr}`)));
    });
    // Our client against the example server.
    writeFileSync(join(project, 'round-trip-client.mjs'), roundTrip(
      "import { WebSocketServerFactory, WebSocketServerProtocol, WebSocketClientFactory, WebSocketClientProtocol, listenWS, connectWS, VERSION } from 'wasmsocket';",
    ));
    checkRoundTrip(run(process.execPath, ['round-trip-client.mjs', url], { cwd: project, timeout: 20_000 }));
    // The example client against it too, once it exists (exit 0: every echo matched, clean close).
    if (existsSync(join(examplesDir, 'echo-client.mjs'))) {
      writeFileSync(join(project, 'echo-client.mjs'), asInstalled('echo-client.mjs'));
      run(process.execPath, ['echo-client.mjs', url], { cwd: project, timeout: 20_000 });
    }
  } finally {
    server.kill('SIGTERM');
  }
  const { code, signal } = await exited;
  assert.ok(code === 0 || signal === 'SIGTERM', `echo-server exit: ${code ?? signal}\n${stderr}`);
});
