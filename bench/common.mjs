// What the benchmark scripts share: the child-process environment and argument parsing.

/**
 * Environment for every measured child process. glibc's memcpy switches to `rep movsb` above
 * x86_rep_movsb_threshold (a few KiB by default). On this VM `rep movsb` between misaligned
 * source and destination is bimodal: the same ≥4 KiB copy runs at full speed or several times
 * slower depending on the buffers' relative alignment, which changes from process to process
 * (V8's TypedArray#set, Buffer#copy and wasm's memory.copy all end up in glibc memcpy/memmove).
 * Raising the threshold to 1 GiB keeps glibc on its vector loop for every size, so runs are
 * comparable. glibc reads tunables only at process start, which is one more reason each
 * measurement runs in its own child process.
 */
export const ENV_CHILD = {
  GLIBC_TUNABLES: 'glibc.cpu.x86_rep_movsb_threshold=1073741824',
};

/** `--key value`, `--key=value` and bare `--flag` (true) into an object. */
export function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    // At the first '=' only: a value may hold more ('--node-flags=--cpu-prof-dir=/tmp/p').
    const eq = a.indexOf('=');
    const key = eq < 0 ? a.slice(2) : a.slice(2, eq);
    const inline = eq < 0 ? undefined : a.slice(eq + 1);
    if (inline !== undefined) args[key] = inline;
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) args[key] = argv[++i];
    else args[key] = true;
  }
  return args;
}
