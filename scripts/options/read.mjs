// Readers of the places that restate the option table: a README table's rows, the option
// interfaces of index.d.ts / browser.d.ts, and the core's Config (src/config.rs). Each returns
// name → what that place says, plus `problems` for what it could not read; the comparing is
// scripts/check-options.mjs's.

import { parseLiteral } from './render.mjs';

const codeSpans = (text) => [...text.matchAll(/`([^`]*)`/g)].map((m) => m[1]);

/**
 * The rows of the first table in a README section: name → { column header → cell }. The first
 * column names one option or several (`a`, `b`); a `default` cell then lists theirs in order.
 */
export function tableRows(body) {
  const lines = body.split('\n').filter((line) => line.startsWith('|'));
  const header = lines[0]?.slice(1, -1).split('|').map((h) => h.trim()) ?? [];
  const rows = new Map();
  const problems = [];
  for (const line of lines.slice(2)) {
    const cells = line.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim().replaceAll('\\|', '|'));
    const names = codeSpans(cells[0]);
    names.forEach((name, i) => {
      const row = Object.fromEntries(header.slice(1).map((h, j) => [h, cells[j + 1]]));
      if ('default' in row) {
        const values = codeSpans(row.default ?? '');
        try {
          row.default = parseLiteral(values[names.length > 1 ? i : 0]);
        } catch {
          problems.push(`option \`${name}\`: cannot read the default ${row.default}`);
          row.default = undefined;
        }
      }
      rows.set(name, row);
    });
  }
  return { rows, problems };
}

/** The members of `export interface NAME` in a .d.ts: name → { default } from each doc comment's "Default `…`". */
export function interfaceOptions(types, name) {
  const body = new RegExp(`export interface ${name}\\b[^{]*\\{([\\s\\S]*?)\\n\\}`).exec(types)?.[1];
  if (body === undefined) return { rows: null, problems: [`no \`export interface ${name}\``] };
  const rows = new Map();
  const problems = [];
  for (const m of body.matchAll(/^ {2}(?:readonly )?(\w+)\??:/gm)) {
    const doc = /\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*$/.exec(body.slice(0, m.index))?.[1];
    const value = doc && /Default `([^`]*)`/.exec(doc);
    if (!value) {
      problems.push(`${name}.${m[1]} documents no default (Default \`…\`)`);
      rows.set(m[1], { default: undefined });
      continue;
    }
    try {
      rows.set(m[1], { default: parseLiteral(value[1]) });
    } catch {
      problems.push(`${name}.${m[1]}: cannot read the default \`${value[1]}\``);
      rows.set(m[1], { default: undefined });
    }
  }
  return { rows, problems };
}

/** The option names of browser.d.ts's `BrowserProtocolOptions = Pick<ClientProtocolOptions, 'a' | …>`. */
export function browserPick(types) {
  const pick = /export type BrowserProtocolOptions = Pick<ClientProtocolOptions,([^>]*)>/.exec(types)?.[1];
  return pick === undefined ? null : [...pick.matchAll(/'(\w+)'/g)].map((m) => m[1]);
}

const camelCase = (snake) => snake.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());

/**
 * The core's Config: serde field name (camelCase, as the JS layer passes them) → { type, default }.
 * Defaults are read from `impl Default for Config`: literals, `A * B` products and the file's
 * consts; anything else is a problem (extend evaluate, or write the default plainly).
 */
export function configFields(rust) {
  const problems = [];
  if (!/#\[serde\([^\]]*rename_all = "camelCase"[^\]]*\)\]\s*pub struct Config\b/.test(rust)) {
    problems.push('Config is not `#[serde(rename_all = "camelCase")]`: the field names below assume it');
  }
  const struct = /pub struct Config \{([\s\S]*?)\n\}/.exec(rust)?.[1];
  const init = /impl Default for Config \{[\s\S]*?Config \{([\s\S]*?)\n\s*\}/.exec(rust)?.[1];
  if (struct === undefined || init === undefined) return { rows: null, problems: ['no `pub struct Config` with an `impl Default for Config`'] };
  const consts = new Map([...rust.matchAll(/\bconst (\w+): \w+ = ([^;]+);/g)].map((m) => [m[1], m[2]]));
  const evaluate = (expr, depth = 0) => {
    expr = expr.trim();
    if (expr === 'true' || expr === 'false') return expr === 'true';
    const factors = expr.split('*').map((f) => f.trim());
    let product = 1;
    for (const f of factors) {
      if (/^\d[\d_]*$/.test(f)) product *= Number(f.replaceAll('_', ''));
      else if (consts.has(f) && depth < 4) product *= evaluate(consts.get(f), depth + 1);
      else return undefined;
    }
    return Number.isNaN(product) ? undefined : product;
  };
  const defaults = new Map([...init.matchAll(/^\s*(\w+): (.+?),?\s*$/gm)].map((m) => [m[1], m[2]]));
  const rows = new Map();
  for (const [, field, type] of struct.matchAll(/^\s*pub (\w+): ([^,]+),/gm)) {
    const value = defaults.has(field) ? evaluate(defaults.get(field)) : undefined;
    if (value === undefined) problems.push(`Config.${field}: cannot read its default (\`${defaults.get(field) ?? 'none'}\`)`);
    rows.set(camelCase(field), { type: type.trim(), default: value });
  }
  return { rows, problems };
}
