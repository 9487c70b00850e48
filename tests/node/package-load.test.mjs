// The built package (pkg/) resolves through its exports map and loads its wasm in Node with
// both `import` and `require`, from a separate project that depends on it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, symlinkSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const pkgDir = resolve(import.meta.dirname, '../../pkg');
const version = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).version;

function projectUsingPackage() {
  const dir = mkdtempSync(join(tmpdir(), 'wasmsocket-load-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(pkgDir, join(dir, 'node_modules', 'wasmsocket'), 'dir');
  return dir;
}

// Each script opens a server connection and parses one masked client frame through the wasm core.
const probe = `
  const wire = new Wire('server', {}, { open: true });
  const frame = Uint8Array.of(0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58);
  const [event] = wire.receive(frame);
  console.log(version() + ' ' + event.type + ' ' + new TextDecoder().decode(event.data));
`;

test('import resolves the node entry and runs the core', () => {
  const dir = projectUsingPackage();
  try {
    writeFileSync(join(dir, 'probe.mjs'), `import { Wire, version } from 'wasmsocket';\n${probe}`);
    const out = execFileSync(process.execPath, ['probe.mjs'], { cwd: dir, encoding: 'utf8' });
    assert.equal(out.trim(), `${version} text Hello`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('require resolves the same entry (require of an ES module without top-level await)', () => {
  const dir = projectUsingPackage();
  try {
    writeFileSync(join(dir, 'probe.cjs'), `const { Wire, version } = require('wasmsocket');\n${probe}`);
    const out = execFileSync(process.execPath, ['--no-warnings', 'probe.cjs'], { cwd: dir, encoding: 'utf8' });
    assert.equal(out.trim(), `${version} text Hello`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
