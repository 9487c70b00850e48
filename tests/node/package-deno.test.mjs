// The packed tarball in Deno: `npm pack` of pkg/, `npm install` of the tarball into a fresh
// project (offline), then Deno with `"nodeModulesDir": "manual"` (Deno uses the node_modules
// npm made) imports it as `npm:wasmsocket` and as the bare 'wasmsocket': the exports map's
// `deno` condition picks deno.mjs (Deno transport) and deno.d.mts (types, checked by
// `deno check`). Deno's own `deno install` cannot take a tarball: it links a `file:`
// dependency as a directory (node_modules/wasmsocket -> the .tgz), so npm installs it here.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { skipUnlessCI } from '../shared/missing.mjs';

const root = resolve(import.meta.dirname, '../..');
const deno = join(root, 'node_modules/.bin/deno');
const { version } = JSON.parse(readFileSync(join(root, 'pkg/package.json'), 'utf8'));
const NO_DENO = skipUnlessCI(existsSync(deno) ? false : 'node_modules/.bin/deno is not installed (scripts/setup.sh)');
let work;
let project;

function run(command, args, options = {}) {
  try {
    return execFileSync(command, args, {
      encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000,
      env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' }, ...options,
    });
  } catch (error) {
    throw new Error(`${command} ${args.join(' ')} failed (${error.status ?? error.signal}):\n${error.stdout ?? ''}\n${error.stderr ?? ''}`);
  }
}

before(() => {
  if (NO_DENO) return;
  work = mkdtempSync(join(tmpdir(), 'wasmsocket-deno-install-'));
  const out = run('npm', ['pack', '--json', '--pack-destination', work], { cwd: join(root, 'pkg') });
  const [packed] = JSON.parse(out.slice(out.indexOf('[')));
  project = join(work, 'project');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'wasmsocket-deno-probe', private: true }));
  writeFileSync(join(project, 'deno.json'), JSON.stringify({ nodeModulesDir: 'manual' }));
  run('npm', ['install', join(work, packed.filename), '--no-audit', '--no-fund', '--offline'], { cwd: project });
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

// Echo server and client in one Deno script; prints what came back and what was loaded.
const roundTrip = (specifier) => `
import {
  WebSocketServerFactory, WebSocketServerProtocol, WebSocketClientFactory, WebSocketClientProtocol,
  listenWS, connectWS, DenoTransport, VERSION,
} from '${specifier}';

class Echo extends WebSocketServerProtocol {
  override onMessage(payload: Uint8Array, isBinary: boolean) { this.sendMessage(payload, isBinary); }
}
const server = new WebSocketServerFactory('ws://127.0.0.1:0');
server.protocol = Echo;
const listener = await listenWS(server);
const result = await new Promise((resolve) => {
  const client = new WebSocketClientFactory(listener.url);
  client.protocol = class extends WebSocketClientProtocol {
    override onOpen() { this.sendMessage('hello from the tarball'); }
    override onMessage(payload: Uint8Array) { this.sendClose(1000); resolve(new TextDecoder().decode(payload)); }
  };
  connectWS(client);
});
await listener.close();
console.log(JSON.stringify({ result, VERSION, denoTransport: typeof DenoTransport, handle: 'listener' in listener ? 'Deno.Listener' : 'net.Server' }));
`;

for (const specifier of ['npm:wasmsocket', 'wasmsocket']) {
  test(`Deno: import '${specifier}' from the installed tarball, deno check, echo over the Deno transport`, { skip: NO_DENO }, () => {
    const file = `round-trip-${specifier.replace(/\W/g, '-')}.ts`;
    writeFileSync(join(project, file), roundTrip(specifier));
    run(deno, ['check', '--quiet', file], { cwd: project });
    const output = run(deno, ['run', '--allow-net=127.0.0.1', file], { cwd: project, timeout: 30_000 });
    assert.deepEqual(JSON.parse(output.trim().split('\n').at(-1)), {
      result: 'hello from the tarball', VERSION: version, denoTransport: 'function', handle: 'Deno.Listener',
    });
  });
}
