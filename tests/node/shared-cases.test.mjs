// The shared cases (tests/shared/cases.mjs) on Node: the package's Node entry plus raw
// node:net streams, a certificate from the openssl CLI and a temp Unix socket path.
import { test } from 'node:test';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as wasmsocket from '../../pkg/node.mjs';
import { cases, skipReason } from '../shared/cases.mjs';
import { runCase } from '../shared/harness.mjs';
import { skipUnlessCI } from '../shared/missing.mjs';

/** A raw TCP stream whose read() takes from the socket only when asked (paused mode). */
async function rawConnect(port) {
  const socket = net.connect({ port, host: '127.0.0.1' });
  await new Promise((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
  let ended = false;
  let wake = null;
  const notify = () => { const w = wake; wake = null; w?.(); };
  socket.on('readable', notify);
  for (const event of ['end', 'close', 'error']) socket.on(event, () => { ended = true; notify(); });
  return {
    async read() {
      for (;;) {
        const chunk = socket.read();
        if (chunk) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
        if (ended || socket.destroyed) return null;
        await new Promise((resolve) => { wake = resolve; });
      }
    },
    write(bytes) {
      return new Promise((resolve, reject) => socket.write(bytes, (error) => (error ? reject(error) : resolve())));
    },
    close() { socket.destroy(); },
  };
}

function selfSigned(dir) {
  try {
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
      '-addext', 'basicConstraints=critical,CA:FALSE', '-keyout', key, '-out', cert], { stdio: 'ignore' });
    return { key: fs.readFileSync(key, 'utf8'), cert: fs.readFileSync(cert, 'utf8') };
  } catch {
    return null;
  }
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasmsocket-shared-'));
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
const api = {
  ...wasmsocket,
  rawConnect,
  tlsPair: selfSigned(dir),
  unixSocketPath: path.join(dir, `${crypto.randomBytes(4).toString('hex')}.sock`),
};

for (const testCase of cases) {
  test(`shared: ${testCase.name}`, { skip: skipUnlessCI(skipReason(testCase, api)) }, () => runCase(testCase, api));
}
