// Summarises an Autobahn testsuite index.json (written by wstest's fuzzingclient or
// fuzzingserver): a per-section table of verdict counts for `behavior` and `behaviorClose`,
// then every case that is not OK with its close code and report file.
//   node scripts/autobahn-report.mjs path/to/index.json [label]
// Exits 1 if any case is not OK in either column, except three cases that Autobahn rates
// INFORMATIONAL whatever the peer does (their code sets it unconditionally): 7.1.6 (a 256K
// message, then a close, then a ping) and 7.13.1/7.13.2 (close codes 5000 and 65535).
import { readFileSync } from 'node:fs';
import path from 'node:path';

const INFORMATIONAL_ALLOWED = new Set(['7.1.6', '7.13.1', '7.13.2']);
const VERDICTS = ['OK', 'NON-STRICT', 'INFORMATIONAL', 'FAILED', 'UNIMPLEMENTED'];
const SHORT = { OK: 'OK', 'NON-STRICT': 'NS', INFORMATIONAL: 'INFO', FAILED: 'FAIL', UNIMPLEMENTED: 'UNIMPL' };

const [file, label = ''] = process.argv.slice(2);
let index;
try {
  index = JSON.parse(readFileSync(file, 'utf8'));
} catch (error) {
  console.error(`autobahn-report: no usable report at ${file} (${error.message})`);
  process.exit(1);
}

const agents = Object.keys(index);
if (agents.length === 0) {
  console.error(`autobahn-report: ${file} lists no agent (did any case run?)`);
  process.exit(1);
}

const caseOrder = (a, b) => {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? -1) !== (y[i] ?? -1)) return (x[i] ?? -1) - (y[i] ?? -1);
  return 0;
};

let bad = 0;
for (const agent of agents) {
  const cases = index[agent];
  const ids = Object.keys(cases).sort(caseOrder);
  const sections = new Map();
  const notOk = [];
  for (const id of ids) {
    const result = cases[id];
    const section = id.split('.')[0];
    if (!sections.has(section)) sections.set(section, { cases: 0, behavior: {}, behaviorClose: {} });
    const row = sections.get(section);
    row.cases++;
    for (const column of ['behavior', 'behaviorClose']) row[column][result[column]] = (row[column][result[column]] ?? 0) + 1;
    if (result.behavior !== 'OK' || result.behaviorClose !== 'OK') {
      const allowed = INFORMATIONAL_ALLOWED.has(id)
        && [result.behavior, result.behaviorClose].every((v) => v === 'OK' || v === 'INFORMATIONAL');
      if (!allowed) bad++;
      notOk.push({ id, ...result, allowed });
    }
  }

  console.log(`\nAutobahn ${label ? `${label} mode, ` : ''}agent ${agent}: ${ids.length} cases (${path.dirname(file)})`);
  const cell = (counts) => VERDICTS.filter((v) => counts[v]).map((v) => `${counts[v]} ${SHORT[v]}`).join(', ') || '-';
  const rows = [['section', 'cases', 'behavior', 'behaviorClose']];
  const total = { cases: 0, behavior: {}, behaviorClose: {} };
  for (const [section, row] of sections) {
    rows.push([section, String(row.cases), cell(row.behavior), cell(row.behaviorClose)]);
    total.cases += row.cases;
    for (const column of ['behavior', 'behaviorClose']) {
      for (const [v, n] of Object.entries(row[column])) total[column][v] = (total[column][v] ?? 0) + n;
    }
  }
  rows.push(['all', String(total.cases), cell(total.behavior), cell(total.behaviorClose)]);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const [i, r] of rows.entries()) {
    console.log(`  ${r.map((c, j) => c.padEnd(widths[j])).join('  ')}`.trimEnd());
    if (i === 0 || i === rows.length - 2) console.log(`  ${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  }

  if (notOk.length) {
    console.log('  not OK:');
    for (const c of notOk) {
      console.log(`    ${c.id.padEnd(8)} behavior=${c.behavior} behaviorClose=${c.behaviorClose} remoteCloseCode=${c.remoteCloseCode} ` +
        `${c.allowed ? '(allowed: informational)' : `-> ${path.join(path.dirname(file), c.reportfile ?? '?')}`}`);
    }
  }
}
console.log(bad ? `\nautobahn-report: ${bad} case(s) not OK` : '\nautobahn-report: every case OK');
process.exit(bad ? 1 : 0);
