#!/usr/bin/env node
// The protocol options are written down once, in js/options.mjs (OPTIONS, and CORE_FIELDS for
// the core's Config fields that are not options). This checks every place that restates them:
//   README.md               the core's Config table (section options-table:core), generated
//   pkg-template/README.md  the option table (options-table:protocol) and the browser table
//                           (options-table:browser), generated
//   pkg-template/index.d.ts the option interfaces, one per role (Common/Server/ClientProtocolOptions):
//                           each option in its role's interface, its doc comment's "Default `…`"
//   pkg-template/browser.d.ts  BrowserProtocolOptions' Pick list: the options with inBrowser
//   src/config.rs           Config's serde fields (camelCase) and the defaults of its impl Default
// and the table's own rules (each client option either applies in the browser or says why not).
// It names each mismatch (missing option, extra option, different default or role) and exits 1.
//
//   node scripts/check-options.mjs            check (scripts/test.sh runs this)
//   node scripts/check-options.mjs --write    regenerate the README sections, then check
// Other files can stand in for the defaults (tests/node/options-table.test.mjs does):
//   --readme FILE --pkg-readme FILE --types FILE --browser-types FILE --config FILE

import { readFileSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { OPTIONS, CORE_FIELDS } from '../js/options.mjs';
import { RENDER, ROLE_NAMES, literal, readSections, writeSections } from './options/render.mjs';
import { tableRows, interfaceOptions, browserPick, configFields } from './options/read.mjs';

const root = resolve(import.meta.dirname, '..');
const { values: args } = parseArgs({
  options: {
    write: { type: 'boolean', default: false },
    readme: { type: 'string', default: 'README.md' },
    'pkg-readme': { type: 'string', default: 'pkg-template/README.md' },
    types: { type: 'string', default: 'pkg-template/index.d.ts' },
    'browser-types': { type: 'string', default: 'pkg-template/browser.d.ts' },
    config: { type: 'string', default: 'src/config.rs' },
  },
});
const path = (file) => resolve(root, file);
const shown = (file) => (relative(root, path(file)).startsWith('..') ? path(file) : relative(root, path(file)));
const read = (file) => readFileSync(path(file), 'utf8');

const mismatches = [];
const report = (file, message) => mismatches.push(`${shown(file)}: ${message}`);
const show = (value) => (value === undefined ? 'none' : `\`${literal(value)}\``);

/**
 * Compares what `file` says (name → row) with what the table says; `fields` are the row
 * fields compared (default, role, ...). `kind` words the names ("option", "Config field").
 */
function compare(file, kind, expected, actual, fields) {
  for (const [name, want] of expected) {
    const have = actual.get(name);
    if (!have) {
      report(file, `${kind} \`${name}\` is missing (js/options.mjs has it)`);
      continue;
    }
    for (const field of fields) {
      if (!isDeepStrictEqual(have[field], want[field])) {
        report(file, `${kind} \`${name}\`: ${field} ${show(have[field])} here, ${show(want[field])} in js/options.mjs`);
      }
    }
  }
  for (const name of actual.keys()) {
    if (!expected.has(name)) report(file, `${kind} \`${name}\` is not in js/options.mjs`);
  }
}

// ----- what the table says, per place -----

const options = Object.entries(OPTIONS);
const expectedProtocol = new Map(options.map(([name, spec]) => [name, { role: ROLE_NAMES[spec.role], default: spec.default }]));
const expectedBrowser = new Map(options.filter(([, spec]) => spec.role.includes('c'))
  .map(([name, spec]) => [name, { 'in a browser': spec.inBrowser ?? `refused: ${spec.notInBrowser}` }]));
const expectedCore = new Map([
  ...options.filter(([, spec]) => spec.core).map(([name, spec]) => [spec.core, { role: ROLE_NAMES[spec.role], default: spec.default, option: name }]),
  ...Object.entries(CORE_FIELDS).map(([field, spec]) => [field, { role: ROLE_NAMES.sc, default: spec.default }]),
]);
const SECTIONS = {
  protocol: { expected: expectedProtocol, kind: 'option', fields: ['role', 'default'] },
  browser: { expected: expectedBrowser, kind: 'option', fields: ['in a browser'] },
  core: { expected: expectedCore, kind: 'Config field', fields: ['role', 'default'] },
};

// ----- the table's own rules -----

for (const [name, spec] of options) {
  const where = 'js/options.mjs';
  if (!ROLE_NAMES[spec.role]) report(where, `option \`${name}\`: role must be 's', 'c' or 'sc'`);
  if (typeof spec.doc !== 'string' || !spec.doc) report(where, `option \`${name}\` has no doc (one line for the README tables)`);
  const browserSays = [spec.inBrowser, spec.notInBrowser].filter((t) => typeof t === 'string' && t).length;
  if (spec.role.includes('c') && browserSays !== 1) report(where, `client option \`${name}\` needs exactly one of inBrowser / notInBrowser`);
  if (!spec.role.includes('c') && browserSays !== 0) report(where, `server option \`${name}\` cannot have inBrowser / notInBrowser`);
  if (spec.core && spec.core in CORE_FIELDS) report(where, `option \`${name}\` feeds \`${spec.core}\`, which CORE_FIELDS also lists`);
}

// ----- the READMEs -----

const READMES = [[args.readme, ['core']], [args['pkg-readme'], ['protocol', 'browser']]];
for (const [file, kinds] of READMES) {
  let text = read(file);
  if (args.write) {
    const written = writeSections(text);
    if (written !== text) {
      writeFileSync(path(file), written);
      console.log(`check-options: rewrote the option tables of ${shown(file)}`);
    }
    text = written;
  }
  const sections = readSections(text);
  for (const kind of sections.keys()) {
    if (!kinds.includes(kind)) report(file, `options-table:${kind} does not belong in this file (it carries ${kinds.join(', ')})`);
  }
  for (const kind of kinds) {
    const section = sections.get(kind);
    if (!section) {
      report(file, `no options-table:${kind} section (<!-- options-table:${kind} --> … <!-- /options-table:${kind} -->)`);
      continue;
    }
    const { expected, kind: words, fields } = SECTIONS[kind];
    const { rows, problems } = tableRows(section.body);
    for (const problem of problems) report(file, `options-table:${kind}: ${problem}`);
    const before = mismatches.length;
    compare(file, words, expected, rows, fields);
    // Rows that agree can still differ in wording or order: the generated text is the rule.
    if (mismatches.length === before && section.body !== RENDER[kind]() + '\n') {
      report(file, `options-table:${kind} differs from what js/options.mjs generates (node scripts/check-options.mjs --write)`);
    }
  }
}

// ----- the types -----

const types = read(args.types);
const INTERFACES = { sc: 'CommonProtocolOptions', s: 'ServerProtocolOptions', c: 'ClientProtocolOptions' };
const typed = new Map();
for (const [role, name] of Object.entries(INTERFACES)) {
  const { rows, problems } = interfaceOptions(types, name);
  for (const problem of problems) report(args.types, problem);
  for (const [option, row] of rows ?? []) {
    // An option of both roles may be redeclared with each role's type (perMessageCompressionAccept):
    // its role is then the union of the interfaces that declare it.
    const roles = new Set([...(typed.get(option)?.roles ?? ''), ...role]);
    const letters = ['s', 'c'].filter((r) => roles.has(r)).join('');
    typed.set(option, { ...row, roles: letters, role: ROLE_NAMES[letters] });
  }
}
compare(args.types, 'option', expectedProtocol, typed, ['role', 'default']);

const picked = browserPick(read(args['browser-types']));
if (!picked) report(args['browser-types'], 'no `export type BrowserProtocolOptions = Pick<ClientProtocolOptions, …>`');
else {
  const inBrowser = new Map(options.filter(([, spec]) => spec.inBrowser).map(([name]) => [name, {}]));
  compare(args['browser-types'], 'browser option', inBrowser, new Map(picked.map((name) => [name, {}])), []);
}

// ----- the core's Config -----

const { rows: config, problems: configProblems } = configFields(read(args.config));
for (const problem of configProblems) report(args.config, problem);
if (config) {
  compare(args.config, 'Config field', expectedCore, config, ['default']);
  const jsType = { bool: 'boolean', u8: 'number', u16: 'number', u32: 'number', u64: 'number', usize: 'number' };
  for (const [field, { type }] of config) {
    const want = expectedCore.get(field);
    if (want && jsType[type] && typeof want.default !== jsType[type]) {
      report(args.config, `Config field \`${field}\` is ${type}, but js/options.mjs's default is ${show(want.default)}`);
    }
  }
}

if (mismatches.length) {
  for (const line of mismatches) console.error(`check-options: ${line}`);
  console.error(`check-options: ${mismatches.length} mismatch(es) with js/options.mjs`);
  process.exit(1);
}
console.log(`check-options: ${options.length} options and ${Object.keys(CORE_FIELDS).length} core-only Config fields agree with the READMEs, the types and src/config.rs`);
