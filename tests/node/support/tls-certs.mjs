// Self-signed certificates for the TLS tests, made with the openssl CLI (scripts/setup.sh
// installs it): NO_OPENSSL is the skip reason when it is missing (a failure under CI=true), and
// certificate(name, names) makes one once per test file, removed after the file's tests.
import { after } from 'node:test';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { skipUnlessCI } from '../../shared/missing.mjs';
import { makeSelfSigned } from '../../shared/self-signed.mjs';

function haveOpenssl() {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export const OPENSSL = haveOpenssl();
export const NO_OPENSSL = skipUnlessCI(OPENSSL ? false : 'the openssl CLI is not installed: cannot make a self-signed certificate');

let certDir = null;
const certs = {};

/** A self-signed certificate for `names` (DNS names) plus IP 127.0.0.1: { key, cert } PEM. */
export function certificate(name, names) {
  if (certs[name]) return certs[name];
  certDir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'wasmsocket-tls-'));
  const key = path.join(certDir, `${name}.key`);
  const cert = path.join(certDir, `${name}.crt`);
  makeSelfSigned(key, cert, names);
  certs[name] = { key: fs.readFileSync(key), cert: fs.readFileSync(cert) };
  return certs[name];
}

after(() => { if (certDir) fs.rmSync(certDir, { recursive: true, force: true }); });
