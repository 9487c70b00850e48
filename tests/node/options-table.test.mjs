// scripts/check-options.mjs keeps every restatement of the option table (js/options.mjs) equal
// to it: the README tables, the types, the core's Config. It must pass on the repository, and
// it must fail, naming the option, when a copy drifts: each case runs it on a temp copy of one
// file with one thing changed (the script takes the files as arguments).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { OPTIONS } from '../../js/options.mjs';
import { BROWSER_OPTIONS } from '../../js/browser/options.mjs';

const root = resolve(import.meta.dirname, '../..');
const script = join(root, 'scripts/check-options.mjs');
const check = (...args) => spawnSync(process.execPath, [script, ...args], { cwd: root, encoding: 'utf8' });

/** Runs the check with `flag` pointing at a copy of `file` edited by `edit`; returns the run and the copy's text afterwards. */
function checkEdited(flag, file, edit) {
  const dir = mkdtempSync(join(tmpdir(), 'check-options-'));
  try {
    const original = readFileSync(join(root, file), 'utf8');
    const edited = edit(original);
    assert.notEqual(edited, original, `the edit changed ${file}`);
    const copy = join(dir, file.split('/').pop());
    writeFileSync(copy, edited);
    const run = check(...(Array.isArray(flag) ? flag : [flag]), copy);
    return { ...run, text: readFileSync(copy, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const fails = (run, ...patterns) => {
  assert.equal(run.status, 1, `exit 1; stdout: ${run.stdout} stderr: ${run.stderr}`);
  for (const pattern of patterns) assert.match(run.stderr, pattern);
};

test('the repository agrees with js/options.mjs', () => {
  const run = check();
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /agree/);
});

test('a README default that differs fails, naming the option', () => {
  const run = checkEdited('--pkg-readme', 'pkg-template/README.md', (text) =>
    text.replace('| `maxConnections` | server | `0` |', '| `maxConnections` | server | `10` |'));
  fails(run, /README\.md: option `maxConnections`: default `10` here, `0` in js\/options\.mjs/);
});

test('a README row missing or extra fails, naming the option', () => {
  const run = checkEdited('--readme', 'README.md', (text) =>
    text.replace(/^\| `holdCloseBehindEvents` .*\n/m, '').replace(/^(\| `autoPong` .*\n)/m, '$1| `deliverMessages` | both | `false` | the default | no such field |\n'));
  fails(run, /Config field `holdCloseBehindEvents` is missing/, /Config field `deliverMessages` is not in js\/options\.mjs/);
});

test('a README table edited by hand (wording) fails; --write regenerates it', () => {
  const edit = (text) => text.replace('| disable Nagle\'s algorithm |', '| turn off Nagle |');
  fails(checkEdited('--pkg-readme', 'pkg-template/README.md', edit), /options-table:protocol differs from what js\/options\.mjs generates/);
  const written = checkEdited(['--write', '--pkg-readme'], 'pkg-template/README.md', edit);
  assert.equal(written.status, 0, written.stderr);
  assert.equal(written.text, readFileSync(join(root, 'pkg-template/README.md'), 'utf8'));
});

test('a .d.ts default, role or option that differs fails, naming the option', () => {
  const run = checkEdited('--types', 'pkg-template/index.d.ts', (text) => text
    .replace(/Payload size of automatic pings \(random bytes\), an integer from 4 to 125\. Default `4`\./, 'Payload size of automatic pings. Default `8`.')
    .replace(/( {2}\/\*\* Most connections served at once[^\n]*\n {2}maxConnections\?: number;\n)/, '')
    .replace('export interface ClientProtocolOptions extends CommonProtocolOptions {\n', 'export interface ClientProtocolOptions extends CommonProtocolOptions {\n  /** Default `0`. */\n  maxConnections?: number;\n  /** Default `1`. */\n  retries?: number;\n'));
  fails(run, /option `autoPingSize`: default `8` here, `4`/, /option `maxConnections`: role `'client'` here, `'server'`/, /option `retries` is not in js\/options\.mjs/);
});

test('browser.d.ts must pick exactly the options the browser applies', () => {
  const run = checkEdited('--browser-types', 'pkg-template/browser.d.ts', (text) => text.replace("'version' | ", "'version' | 'tcpNoDelay' | "));
  fails(run, /browser option `tcpNoDelay` is not in js\/options\.mjs/);
});

test('src/config.rs: a Config field or default that differs fails, naming the field', () => {
  const run = checkEdited('--config', 'src/config.rs', (text) => text
    .replace('    pub max_handshake_bytes: usize,\n', '    pub max_handshake_bytes: usize,\n    /// New.\n    pub close_on_idle: bool,\n')
    .replace('            max_handshake_bytes: 16 * 1024,\n', '            max_handshake_bytes: 16 * 1024,\n            close_on_idle: false,\n')
    .replace('auto_fragment_size: 0,', 'auto_fragment_size: 4096,'));
  fails(run, /Config field `closeOnIdle` is not in js\/options\.mjs/, /Config field `autoFragmentSize`: default `4096` here, `0` in js\/options\.mjs/);
});

test('the browser client takes exactly the options the table says apply there', () => {
  const applies = Object.entries(OPTIONS).filter(([, spec]) => spec.inBrowser).map(([name]) => name);
  assert.deepEqual([...BROWSER_OPTIONS], applies);
  assert.deepEqual(applies, ['version', 'openHandshakeTimeout', 'closeHandshakeTimeout', 'sendHighWaterMark']);
});
