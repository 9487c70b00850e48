// Summarises a V8 .cpuprofile (node --cpu-prof, DevTools, or the inspector's Profiler.stop):
// self time per function and per category, optionally restricted to time windows (for
// example the measured rounds of bench/echo.mjs, leaving out start-up and warm-up).
//
//   node bench/cpuprofile-summary.mjs FILE.cpuprofile [--top 25] [--top-total 20] [--window FROM_US-TO_US ...] [--messages N]
//
// Window bounds are in the profile's clock: microseconds of CLOCK_MONOTONIC, which on Linux is
// also process.hrtime's clock (process.hrtime.bigint() / 1000n), so a process can note the
// bounds of the work it wants summarised. `--messages N` adds a µs-per-message column.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The category a profile node's call frame belongs to. */
export function categoryOf({ functionName, url }) {
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(program)') return 'V8/native (program)';
  if (functionName === '(root)') return 'V8/native (program)';
  if (url.startsWith('wasm://') || /^wasm-function\[/.test(functionName) || /^\$/.test(functionName)) return 'wasm';
  if (url.includes('/node_modules/ws/')) return 'ws (JS)';
  if (url.includes('/node_modules/bufferutil/')) return 'bufferutil (JS)';
  if (/\/(pkg|js)\/wasm\/wasmsocket\.js$/.test(url)) return 'wasm-bindgen glue (JS)';
  if (/\/(pkg\/)?js\//.test(url)) return 'wasmsocket JS layer';
  if (url.startsWith('node:')) return 'node internals (JS)';
  if (url.endsWith('/bench/echo.mjs')) return 'benchmark harness (JS)';
  if (url === '') return 'V8 builtins / native';
  return 'other JS';
}

const NOT_IN_TOTALS = new Set(['node internals (JS)', 'V8 builtins / native', 'V8/native (program)', 'GC', 'idle']);

function frameKey({ functionName, url, lineNumber }) {
  const name = functionName || '(anonymous)';
  if (!url || url.startsWith('wasm://')) return url.startsWith('wasm://') ? `${name} [wasm]` : name;
  const file = url.replace(/^file:\/\//, '').replace(/^.*\/(node_modules\/[^/]+\/|pkg\/|js\/|bench\/)/, '$1');
  return `${name} ${file}:${lineNumber + 1}`;
}

/**
 * `{ totalUs, busyUs, idleUs, functions: [[key, us, category]], categories: [[name, us]] }`.
 * Each sample lasts until the next one, as DevTools counts; with `windows` ([[fromUs, toUs]])
 * only samples taken inside one of them count.
 */
export function summarize(profile, { windows = null } = {}) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  const self = new Map();
  const inclusive = new Map();
  const categories = new Map();
  let t = profile.startTime;
  let totalUs = 0;
  let idleUs = 0;
  const inWindow = (ts) => !windows || windows.some(([from, to]) => ts >= from && ts <= to);
  for (let i = 0; i + 1 < profile.samples.length; i++) {
    t += profile.timeDeltas[i];
    if (!inWindow(t)) continue;
    const us = profile.timeDeltas[i + 1];
    const { callFrame } = byId.get(profile.samples[i]);
    const category = categoryOf(callFrame);
    totalUs += us;
    if (category === 'idle') { idleUs += us; continue; }
    const key = frameKey(callFrame);
    const entry = self.get(key) ?? [key, 0, category];
    entry[1] += us;
    self.set(key, entry);
    categories.set(category, (categories.get(category) ?? 0) + us);
    // Total (inclusive) time: once per distinct function on the sample's stack.
    const seen = new Set();
    for (let id = profile.samples[i]; id !== undefined; id = parentOf.get(id)) {
      const frame = byId.get(id).callFrame;
      if (frame.functionName === '(root)') continue;
      const k = frameKey(frame);
      if (seen.has(k)) continue;
      seen.add(k);
      const e = inclusive.get(k) ?? [k, 0, categoryOf(frame)];
      e[1] += us;
      inclusive.set(k, e);
    }
  }
  return {
    totalUs,
    idleUs,
    busyUs: totalUs - idleUs,
    functions: [...self.values()].sort((a, b) => b[1] - a[1]),
    inclusive: [...inclusive.values()].sort((a, b) => b[1] - a[1]),
    categories: [...categories].sort((a, b) => b[1] - a[1]),
  };
}

/** The summary as text: categories, then the `top` functions by self time (% of busy time). */
export function formatSummary(summary, { top = 25, topTotal = 20, messages = 0 } = {}) {
  const { busyUs, idleUs, totalUs } = summary;
  const pct = (us) => `${((100 * us) / (busyUs || 1)).toFixed(1).padStart(5)}%`;
  const ms = (us) => `${(us / 1000).toFixed(1).padStart(8)} ms`;
  const perMsg = (us) => (messages ? `${(us / messages).toFixed(3).padStart(8)} µs/msg` : '');
  const out = [];
  out.push(`sampled ${(totalUs / 1000).toFixed(0)} ms: busy ${(busyUs / 1000).toFixed(0)} ms, idle ${(idleUs / 1000).toFixed(0)} ms` +
    (messages ? `; ${messages} messages, ${(busyUs / messages).toFixed(3)} µs busy per message (profiler overhead included)` : ''));
  out.push('self time by category (% of busy):');
  for (const [name, us] of summary.categories) out.push(`  ${pct(us)} ${ms(us)} ${perMsg(us)}  ${name}`);
  out.push(`top ${top} functions by self time (% of busy):`);
  for (const [key, us, category] of summary.functions.slice(0, top)) {
    out.push(`  ${pct(us)} ${ms(us)} ${perMsg(us)}  ${key}${category === 'wasm' || key.includes(category) ? '' : `  (${category})`}`);
  }
  if (topTotal > 0) {
    // Node's and V8's own frames are left out here (they are the event-loop call chain above
    // everything); their self time is in the list above.
    const ours = summary.inclusive.filter(([, , category]) => !NOT_IN_TOTALS.has(category));
    out.push(`top ${topTotal} functions by total time (self + callees, % of busy), application, library and wasm frames only:`);
    for (const [key, us, category] of ours.slice(0, topTotal)) {
      out.push(`  ${pct(us)} ${ms(us)} ${perMsg(us)}  ${key}${category === 'wasm' || key.includes(category) ? '' : `  (${category})`}`);
    }
  }
  return out.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const argv = process.argv.slice(2);
  let file = null;
  let top = 25;
  let topTotal = 20;
  let messages = 0;
  const windows = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--top') top = Number(argv[++i]);
    else if (argv[i] === '--top-total') topTotal = Number(argv[++i]);
    else if (argv[i] === '--messages') messages = Number(argv[++i]);
    else if (argv[i] === '--window') windows.push(argv[++i].split('-').map(Number));
    else if (!file) file = argv[i];
    else throw new Error(`unexpected argument ${argv[i]}`);
  }
  if (!file) {
    console.error('usage: node bench/cpuprofile-summary.mjs FILE.cpuprofile [--top N] [--top-total N] [--window FROM_US-TO_US ...] [--messages N]');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  console.log(formatSummary(summarize(profile, { windows: windows.length ? windows : null }), { top, topTotal, messages }));
}
