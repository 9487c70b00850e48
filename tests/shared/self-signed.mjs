// A self-signed certificate made by the openssl CLI (scripts/setup.sh installs it), valid two
// days for `names` (DNS names) and IP 127.0.0.1: the TLS tests' (tests/node/support/tls-certs.mjs)
// and the README's wss:// snippets' (scripts/check-docs.mjs).
import { execFileSync } from 'node:child_process';

/** Writes a key and its certificate (PEM) to `keyPath` and `certPath`; throws if openssl fails. */
export function makeSelfSigned(keyPath, certPath, names) {
  const san = [...names.map((n) => `DNS:${n}`), 'IP:127.0.0.1'].join(',');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyPath, '-out', certPath, '-days', '2', '-subj', `/CN=${names[0]}`, '-addext', `subjectAltName=${san}`,
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
}
