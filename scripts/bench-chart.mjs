// Turns bench/echo.mjs's --json output into the package README's benchmark table and chart:
// pkg-template/bench-echo.svg, shipped in the package (server CPU per echoed message, relative to ws, one group of bars per
// message size and kind) and the table between the README's bench markers. No dependencies:
// the SVG is written by hand. Regenerate both with one command: bash scripts/bench-chart.sh
//
//   node scripts/bench-chart.mjs RESULTS.json [--svg docs/bench-echo.svg] [--readme pkg-template/README.md]
import { readFileSync, writeFileSync } from 'node:fs';

const [file, ...rest] = process.argv.slice(2);
if (!file) throw new Error('usage: node scripts/bench-chart.mjs RESULTS.json [--svg FILE] [--readme FILE]');
const option = (name, fallback) => {
  const at = rest.indexOf(`--${name}`);
  return at >= 0 ? rest[at + 1] : fallback;
};
const SVG = option('svg', 'pkg-template/bench-echo.svg');
const README = option('readme', 'pkg-template/README.md');
const { versions, rows } = JSON.parse(readFileSync(file, 'utf8'));

const sizeName = (n) => (n >= 1 << 20 ? `${n >> 20} MiB` : n >= 1024 ? `${n >> 10} KiB` : `${n} B`);
const impls = [...new Set(rows.map((r) => r.impl))];
const cells = [...new Map(rows.map((r) => [`${r.size} ${r.kind}`, { size: r.size, kind: r.kind }])).values()];
const find = (impl, cell) => rows.find((r) => r.impl === impl && r.size === cell.size && r.kind === cell.kind);
const usFmt = (us) => (us >= 100 ? us.toFixed(0) : us >= 10 ? us.toFixed(1) : us.toFixed(2));

// The table: µs of server CPU per echoed message, and wasmsocket ÷ each other.
const others = impls.filter((i) => i !== 'wasmsocket');
const header = ['message', ...impls.map((i) => `${i} µs/msg`), ...others.map((o) => `wasmsocket ÷ ${o}`)];
const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
for (const cell of cells) {
  const mine = find('wasmsocket', cell);
  const values = impls.map((i) => (find(i, cell) ? usFmt(find(i, cell).usPerMsg) : '-'));
  const ratios = others.map((o) => (mine && find(o, cell) ? `${(mine.usPerMsg / find(o, cell).usPerMsg).toFixed(2)}×` : '-'));
  lines.push(`| ${sizeName(cell.size)} ${cell.kind} | ${[...values, ...ratios].join(' | ')} |`);
}
const note = `Server CPU (user + system) per echoed message, median of rounds, over TCP on 127.0.0.1 (` +
  `bench/echo.mjs, ${versions.date}, Node ${versions.node}, ws ${versions.ws}, ${versions.cores} cores` +
  `${versions.load ? `, load average ${versions.load} at the end: a shared machine, so read the ratios rather than the µs` : ''}; lower is better).`;
const table = `${note}\n\n![server CPU per message relative to ws](bench-echo.svg)\n\n${lines.join('\n')}`;

// The chart: bars of each implementation's CPU ÷ ws's, per cell (ws = 1).
const base = impls.includes('ws') ? 'ws' : impls[0];
const W = 720, H = 300, left = 50, bottom = 60, top = 30;
const groupW = (W - left - 20) / cells.length;
const barW = Math.min(28, (groupW - 16) / impls.length);
const ratio = (impl, cell) => (find(impl, cell) && find(base, cell) ? find(impl, cell).usPerMsg / find(base, cell).usPerMsg : null);
const max = Math.max(1.2, ...cells.flatMap((c) => impls.map((i) => ratio(i, c) ?? 0)));
const y = (v) => top + (H - top - bottom) * (1 - v / max);
const colors = ['#2b6cb0', '#c05621', '#718096', '#2f855a'];
const parts = [
  `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
  `<rect width="${W}" height="${H}" fill="#fff"/>`,
  `<text x="${left}" y="18" font-size="13">Server CPU per echoed message, relative to ${base} (lower is better)</text>`,
];
for (let t = 0; t <= max; t += max > 3 ? 1 : 0.5) {
  parts.push(`<line x1="${left}" x2="${W - 10}" y1="${y(t)}" y2="${y(t)}" stroke="#e2e8f0"/>`, `<text x="${left - 6}" y="${y(t) + 4}" text-anchor="end">${t}×</text>`);
}
cells.forEach((cell, g) => {
  const x0 = left + g * groupW + (groupW - barW * impls.length) / 2;
  impls.forEach((impl, k) => {
    const v = ratio(impl, cell);
    if (v === null) return;
    parts.push(`<rect x="${x0 + k * barW}" y="${y(v)}" width="${barW - 3}" height="${y(0) - y(v)}" fill="${colors[k % colors.length]}"><title>${impl} ${sizeName(cell.size)} ${cell.kind}: ${usFmt(find(impl, cell).usPerMsg)} µs (${v.toFixed(2)}×)</title></rect>`);
  });
  parts.push(`<text x="${left + g * groupW + groupW / 2}" y="${H - bottom + 16}" text-anchor="middle">${sizeName(cell.size)} ${cell.kind}</text>`);
});
impls.forEach((impl, k) => {
  const x = left + k * 150;
  parts.push(`<rect x="${x}" y="${H - 22}" width="12" height="12" fill="${colors[k % colors.length]}"/>`, `<text x="${x + 18}" y="${H - 12}">${impl}</text>`);
});
parts.push('</svg>');
writeFileSync(SVG, `${parts.join('\n')}\n`);

// The README: replace what stands between the markers.
const START = '<!-- bench:start (scripts/bench-chart.sh writes this part) -->';
const END = '<!-- bench:end -->';
const readme = readFileSync(README, 'utf8');
const from = readme.indexOf(START);
const to = readme.indexOf(END);
if (from < 0 || to < from) throw new Error(`${README} has no bench markers`);
writeFileSync(README, `${readme.slice(0, from + START.length)}\n${table}\n${readme.slice(to)}`);
console.log(`wrote ${SVG} and the table in ${README} (${cells.length} cells, ${impls.join(', ')})`);
