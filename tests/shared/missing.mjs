// A test whose dependency (Chromium, the openssl CLI, deno, ...) is missing skips on a
// developer's machine but fails under CI=true: scripts/setup.sh installs every dependency
// there, so a skip would only hide a broken install. Node, Deno and Bun.

function ciVariable() {
  try {
    return globalThis.Deno ? globalThis.Deno.env.get('CI') : globalThis.process?.env?.CI;
  } catch {
    return undefined; // Deno without --allow-env=CI
  }
}

export const CI = ciVariable() === 'true';

/**
 * `reason` says why a test cannot run (false when it can). Returns it, as the test's skip
 * reason; under CI=true a reason throws instead, failing the whole test file.
 */
export function skipUnlessCI(reason) {
  if (reason && CI) throw new Error(`CI=true and a test dependency is missing: ${reason} (scripts/setup.sh installs it)`);
  return reason;
}
