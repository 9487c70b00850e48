// Which protocol options the browser client takes. The browser's WebSocket does the wire work
// itself, so only options about time and buffering can apply; the others are refused with the
// reason, rather than accepted and silently ignored.

import { OPTIONS, checkOptions, defaultOptions } from '../options.mjs';

const clientOptions = Object.entries(OPTIONS).filter(([, spec]) => spec.role.includes('c'));

/** The client options that apply in the browser (all emulated in JS, see js/browser/protocol.mjs): the table's `inBrowser`. */
export const BROWSER_OPTIONS = Object.freeze(clientOptions.filter(([, spec]) => spec.inBrowser).map(([name]) => name));

/** Why each other client option is refused: the table's `notInBrowser`. */
const WHY_NOT = Object.fromEntries(clientOptions.filter(([, spec]) => spec.notInBrowser).map(([name, spec]) => [name, spec.notInBrowser]));

/** The browser client's defaults: the Node client's, for the options that apply. */
export function browserDefaults() {
  const all = defaultOptions('client');
  return Object.fromEntries(BROWSER_OPTIONS.map((name) => [name, all[name]]));
}

/** Validates `changes`: the options that apply, with the Node client's checks; one error lists every problem. */
export function checkBrowserOptions(changes) {
  if (changes === null || typeof changes !== 'object' || Array.isArray(changes)) {
    throw new TypeError('setProtocolOptions takes an object of options');
  }
  const problems = [];
  const applicable = {};
  for (const [name, value] of Object.entries(changes)) {
    if (BROWSER_OPTIONS.includes(name)) applicable[name] = value;
    else if (name in WHY_NOT) problems.push(`"${name}" does not apply in a browser (${WHY_NOT[name]})`);
    else if (OPTIONS[name]?.role === 's') problems.push(`"${name}" is a server option`);
    else if (name in OPTIONS) problems.push(`"${name}" does not apply in a browser`);
    else problems.push(`unknown option "${name}"`);
  }
  try {
    checkOptions('client', applicable);
  } catch (error) {
    problems.push(error.message.replace(/^invalid protocol options: /, ''));
  }
  if (problems.length) throw new RangeError(`invalid protocol options: ${problems.join('; ')}`);
}
