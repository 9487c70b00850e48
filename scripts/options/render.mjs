// The README option tables, rendered from the option table (js/options.mjs). Each kind is a
// README section between `<!-- options-table:KIND ... -->` and `<!-- /options-table:KIND -->`:
//   protocol  every setProtocolOptions option: role, default, meaning (the package README)
//   browser   every client option: how the browser client applies it, or why it refuses it
//   core      the core's Config fields (Rust callers): role, the core's default, what the JS
//             layer passes, meaning (README.md)

import { OPTIONS, CORE_FIELDS } from '../../js/options.mjs';

export const ROLE_NAMES = { sc: 'both', s: 'server', c: 'client' };
const ROLE_ORDER = ['sc', 's', 'c'];
const KiB = 1024;
const MiB = 1024 * KiB;

/** A value as the docs write it in a code span: `true`, `16777216`, `['*']`, `''`. */
export function literal(value) {
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
  return String(value);
}

/** The inverse of literal, for the values option defaults take (null, booleans, numbers, strings, arrays). */
export function parseLiteral(text) {
  return JSON.parse(text.trim().replaceAll("'", '"'));
}

/** A default cell: the literal, and sizes in KiB/MiB for reading. */
function defaultCell(value) {
  const code = `\`${literal(value)}\``;
  if (typeof value !== 'number' || value < KiB) return code;
  if (value % MiB === 0) return `${code} (${value / MiB} MiB)`;
  if (value % KiB === 0) return `${code} (${value / KiB} KiB)`;
  return code;
}

const cell = (text) => text.replaceAll('|', '\\|');
const table = (header, rows) => [
  `| ${header.join(' | ')} |`,
  `|${header.map(() => '---').join('|')}|`,
  ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
].join('\n');

/** Options in role order (both, server, client), the table's order within a role. */
const byRole = (entries) => ROLE_ORDER.flatMap((role) => entries.filter(([, spec]) => (spec.role ?? 'sc') === role));

function protocolTable() {
  const rows = byRole(Object.entries(OPTIONS)).map(([name, spec]) => [`\`${name}\``, ROLE_NAMES[spec.role], defaultCell(spec.default), spec.doc]);
  return table(['option', 'role', 'default', 'meaning'], rows);
}

/** Client options with the same browser text share a row; the rows that apply come first. */
function browserTable() {
  const groups = new Map();
  for (const [name, spec] of Object.entries(OPTIONS)) {
    if (!spec.role.includes('c')) continue;
    const text = spec.inBrowser ?? `refused: ${spec.notInBrowser}`;
    groups.set(text, [...(groups.get(text) ?? []), name]);
  }
  const rows = [...groups].sort(([a], [b]) => a.startsWith('refused') - b.startsWith('refused'))
    .map(([text, names]) => [names.map((n) => `\`${n}\``).join(', '), text]);
  return table(['option', 'in a browser'], rows);
}

/** The JS layer's column says where each field's value comes from when JS drives the core. */
function coreTable() {
  const fromOptions = byRole(Object.entries(OPTIONS)).filter(([, spec]) => spec.core).map(([name, spec]) =>
    [`\`${spec.core}\``, ROLE_NAMES[spec.role], defaultCell(spec.default), `option \`${name}\``, spec.doc]);
  const coreOnly = Object.entries(CORE_FIELDS).map(([field, spec]) =>
    [`\`${field}\``, ROLE_NAMES.sc, defaultCell(spec.default), spec.js === undefined ? 'the default' : `\`${literal(spec.js)}\``, spec.doc]);
  return table(['field', 'role', 'default', 'the JS layer passes', 'meaning'], [...fromOptions, ...coreOnly]);
}

export const RENDER = { protocol: protocolTable, browser: browserTable, core: coreTable };

/** The sections of a README, by kind: where each body starts and ends, and its text. */
export function readSections(text) {
  const sections = new Map();
  for (const m of text.matchAll(/<!-- options-table:(\w+)[^\n]*-->\n([\s\S]*?)<!-- \/options-table:\1 -->/g)) {
    const start = m.index + m[0].indexOf('\n') + 1;
    sections.set(m[1], { start, end: start + m[2].length, body: m[2] });
  }
  return sections;
}

/** `text` with each section's body replaced by its rendering. */
export function writeSections(text) {
  const sections = [...readSections(text)].sort(([, a], [, b]) => b.start - a.start);
  let out = text;
  for (const [kind, { start, end }] of sections) {
    if (RENDER[kind]) out = out.slice(0, start) + RENDER[kind]() + '\n' + out.slice(end);
  }
  return out;
}
