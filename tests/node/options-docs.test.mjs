// The protocol options are written down three times: js/options.mjs (the table the code uses),
// the types (pkg-template/index.d.ts: one interface per role, each default in its doc comment)
// and the package README's table. This keeps the copies equal: names, roles and defaults.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { OPTIONS } from '../../js/options.mjs';

const root = resolve(import.meta.dirname, '../..');
const types = readFileSync(resolve(root, 'pkg-template/index.d.ts'), 'utf8');
const readme = readFileSync(resolve(root, 'pkg-template/README.md'), 'utf8');

/** A default as the docs write it (`true`, `16777216`, `['*']`, `''`), as a value. */
const literal = (text) => JSON.parse(text.trim().replaceAll("'", '"'));

/** name → default, from one `export interface` of index.d.ts. */
function interfaceOptions(name) {
  const body = new RegExp(`export interface ${name} [^{]*\\{([\\s\\S]*?)\\n\\}`).exec(types)?.[1];
  assert.ok(body, `index.d.ts has interface ${name}`);
  const out = new Map();
  for (const [, doc, option] of body.matchAll(/\/\*\*([\s\S]*?)\*\/\s*(\w+)\?:/g)) {
    const value = /Default `([^`]*)`/.exec(doc);
    assert.ok(value, `${name}.${option} documents its default`);
    out.set(option, literal(value[1]));
  }
  return out;
}

test('index.d.ts types every option, in the interface of its role, with its default', () => {
  const byRole = { sc: interfaceOptions('CommonProtocolOptions'), s: interfaceOptions('ServerProtocolOptions'), c: interfaceOptions('ClientProtocolOptions') };
  for (const [name, spec] of Object.entries(OPTIONS)) {
    assert.ok(byRole[spec.role].has(name), `${name} (role ${spec.role}) is typed in the right interface`);
    assert.deepEqual(byRole[spec.role].get(name), spec.default, `${name}'s documented default`);
  }
  const typed = [...byRole.sc.keys(), ...byRole.s.keys(), ...byRole.c.keys()].sort();
  assert.deepEqual(typed, Object.keys(OPTIONS).sort(), 'no typed option that js/options.mjs does not know');
});

test('the package README lists every option with its role and default', () => {
  const rows = new Map();
  for (const [, names, role, defaults] of readme.matchAll(/^\| (`\w+`(?:, `\w+`)*) \| (both|server|client) \| ([^|]+) \|/gm)) {
    const values = [...defaults.matchAll(/`([^`]*)`/g)].map((m) => literal(m[1]));
    [...names.matchAll(/`(\w+)`/g)].forEach(([, name], i) => rows.set(name, { role: role, value: values[i] }));
  }
  const roleName = { sc: 'both', s: 'server', c: 'client' };
  for (const [name, spec] of Object.entries(OPTIONS)) {
    assert.ok(rows.has(name), `README lists ${name}`);
    assert.equal(rows.get(name).role, roleName[spec.role], `README's role of ${name}`);
    assert.deepEqual(rows.get(name).value, spec.default, `README's default of ${name}`);
  }
  assert.deepEqual([...rows.keys()].sort(), Object.keys(OPTIONS).sort(), 'no README option that js/options.mjs does not know');
});
