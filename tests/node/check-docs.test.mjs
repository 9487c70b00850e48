// scripts/check-docs.mjs is what keeps the READMEs' code true, so it must fail when a block is
// wrong: each kind of wrong block here, written to a temporary markdown file, must be reported
// as FAILED (and the run exit 1), and a right block of each kind must pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');

/** Runs check-docs on one markdown text; returns { status, output }. */
function checkDocs(markdown) {
  const dir = mkdtempSync(join(tmpdir(), 'wasmsocket-check-docs-'));
  try {
    const file = join(dir, 'DOC.md');
    writeFileSync(file, markdown);
    const r = spawnSync(process.execPath, [join(root, 'scripts/check-docs.mjs'), file], {
      cwd: root, encoding: 'utf8', timeout: 120_000, env: { ...process.env, CHECK_DOCS_DIR: join(dir, 'work') },
    });
    return { status: r.status, output: r.stdout + r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const fence = (lang, code, directive = '') => `${directive ? `${directive}\n` : ''}\`\`\`${lang}\n${code}\n\`\`\`\n`;

const ECHO_SERVER = `import { WebSocketServerFactory, WebSocketServerProtocol, listenWS } from 'wasmsocket';
class Echo extends WebSocketServerProtocol {
  onMessage(payload, isBinary) { this.sendMessage(payload, isBinary); }
}
const factory = new WebSocketServerFactory('ws://127.0.0.1:9000');
factory.protocol = Echo;
await listenWS(factory);`;

test('right blocks pass: an echo server, a CommonJS client, a script', () => {
  const cjsClient = `const { WebSocketClientFactory, WebSocketClientProtocol, connectWS } = require('wasmsocket');
class Hi extends WebSocketClientProtocol {
  onOpen() { this.sendMessage('hi'); }
  onMessage() { this.sendClose(1000); }
}
const factory = new WebSocketClientFactory('ws://127.0.0.1:9000');
factory.protocol = Hi;
connectWS(factory);`;
  const { status, output } = checkDocs([
    fence('js', ECHO_SERVER, '<!-- check: echo-server ws://127.0.0.1:9000 -->'),
    fence('js', cjsClient, '<!-- check: client ws://127.0.0.1:9000 -->'),
    fence('js', "import { VERSION } from 'wasmsocket';\nconsole.log(VERSION);"),
  ].join('\n'));
  assert.equal(status, 0, output);
  assert.match(output, /3 ran, .* 0 failed/);
});

test('wrong blocks fail, each for its reason', () => {
  const { status, output } = checkDocs([
    // a server that does not echo
    fence('js', ECHO_SERVER.replace('this.sendMessage(payload, isBinary);', ''), '<!-- check: echo-server ws://127.0.0.1:9000 -->'),
    // a type error (a misspelt option)
    fence('js', "import { WebSocketServerFactory } from 'wasmsocket';\nnew WebSocketServerFactory().setProtocolOptions({ maxMessageSize: 1 });"),
    // a block that throws
    fence('js', "import { WebSocketServerFactory } from 'wasmsocket';\nnew WebSocketServerFactory('http://nope');"),
    // an import the package does not have
    fence('js', "import { NoSuchThing } from 'wasmsocket';\nconsole.log(NoSuchThing);"),
    // a language nobody checks, unmarked
    fence('python', 'print(1)'),
  ].join('\n'));
  assert.equal(status, 1, output);
  const failed = output.split('\n').filter((line) => /\bFAILED\b/.test(line));
  assert.equal(failed.length, 5, output);
  assert.match(output, /echo probe|no answer/);
  assert.match(output, /maxMessageSize/);
  assert.match(output, /python/);
});
