// How a field's values compare. The API leaves out false booleans and empty objects, and nobody promises it
// spells a duration the way it was written, so values are brought to one canonical form before comparing.

import { colord, extend } from 'colord';
import namesPlugin from 'colord/plugins/names';
import { formatDuration, parseDuration } from './duration.js';
import type { FieldSpec, StringFormat } from './fields.js';

extend([namesPlugin]);

interface FormatRule {
  /** The form values are compared in: what means the same in any spelling compares equal. */
  compared: (text: string) => string;
  /** The form sent to the API, when it is not the value as written. */
  sent?: (text: string) => string;
  /**
   * For the login page's values, which the API takes as they come and shows to everyone who signs in: why a value
   * is refused (an error at its place, unless the value is tagged !unchecked).
   */
  problem?: (text: string) => string | undefined;
}

const lower = (text: string) => text.toLowerCase();

/** Colours parsed lately: a fleet's plan compares each colour a few times, and colord parses slowly. */
const HEX = new Map<string, string | undefined>();
const MEMO_SIZE = 4096;

/** The colour as #rrggbb (or #rrggbbaa), or undefined when it is not one colord knows. */
function hexColour(text: string): string | undefined {
  if (HEX.has(text)) return HEX.get(text);
  const colour = colord(text);
  const hex = colour.isValid() ? colour.toHex() : undefined;
  if (HEX.size >= MEMO_SIZE) HEX.clear();
  HEX.set(text, hex);
  return hex;
}

/** One rule per string format, so that no field needs a rule of its own. */
const FORMATS: Record<StringFormat, FormatRule> = {
  uuid: { compared: lower, sent: lower },
  // DNS names are case-insensitive, and a trailing dot names the same host.
  hostname: { compared: (text) => lower(text).replace(/\.$/, '') },
  // #C5ED1B, #c5ed1bff and a colour word naming the same colour are one colour.
  color: {
    compared: (text) => hexColour(text) ?? lower(text.trim()),
    problem: (text) => (hexColour(text) !== undefined ? undefined : `${JSON.stringify(text)} is not a CSS colour (#rgb, #rrggbb, #rrggbbaa, rgb(), hsl() or a colour name)`),
  },
  uri: { compared: (text) => text, problem: logoPathProblem },
  text: { compared: (text) => text, problem: (text) => (HTML.test(text) ? `${JSON.stringify(text)} holds HTML (${HTML.exec(text)![0]}…): the login page shows plain text` : undefined) },
};

/** The start of an HTML tag, comment, declaration or processing instruction. */
const HTML = /<[a-z!/?][^\s>]{0,15}/i;

/** Only an https: URL, or a path relative to the team domain, may be the logo every user's login page loads. */
function logoPathProblem(text: string): string | undefined {
  const shown = JSON.stringify(text);
  if (/^[a-z][a-z0-9+.-]*:/i.test(text)) {
    if (!/^https:/i.test(text)) return `${shown} is neither an https: URL nor a relative path`;
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return `${shown} is not a URL`;
    }
    return url.username || url.password ? `${shown} carries a user name or password` : undefined;
  }
  // `//host/x.png` (or a backslash a browser reads as a slash) is another host, with the page's scheme.
  if (/^[\\/]{2}/.test(text)) return `${shown} leads to another host (no scheme): write an https: URL`;
  return undefined;
}

/** The value as it is sent to the API (uuids in lowercase); other values as written. */
export function sentValue(field: FieldSpec, value: unknown): unknown {
  const rule = field.type.kind === 'string' && field.type.format ? FORMATS[field.type.format] : undefined;
  return rule?.sent && typeof value === 'string' ? rule.sent(value) : value;
}

/** Why a login-page value is refused, or undefined (also for every other field). */
export function formatProblem(field: FieldSpec, value: unknown): string | undefined {
  const rule = field.type.kind === 'string' && field.type.format ? FORMATS[field.type.format] : undefined;
  return rule?.problem && typeof value === 'string' && value !== '' ? rule.problem(value) : undefined;
}

/** The canonical form of a value: undefined stands for "absent or empty". */
export function normalize(field: FieldSpec, value: unknown): unknown {
  if (value === null || value === undefined) {
    if (field.unsetAs !== undefined) return normalize(field, field.unsetAs);
    return field.type.kind === 'boolean' ? false : undefined;
  }
  switch (field.type.kind) {
    case 'boolean':
      return value === true;
    case 'string': {
      if (value === '') return undefined;
      const rule = field.type.format && FORMATS[field.type.format];
      return rule && typeof value === 'string' ? rule.compared(value) : value;
    }
    case 'enum':
      return value === '' ? undefined : value;
    case 'integer':
      return value;
    case 'duration': {
      if (value === '') return undefined;
      const nanos = typeof value === 'string' ? parseDuration(value) : undefined;
      return nanos === undefined ? value : formatDuration(nanos);
    }
    case 'set': {
      if (!Array.isArray(value) || value.length === 0) return Array.isArray(value) ? undefined : value;
      const rule = field.type.format && FORMATS[field.type.format];
      const items = rule ? value.map((item) => (typeof item === 'string' ? rule.compared(item) : item)) : value;
      return [...new Set(items)].sort(compareScalars);
    }
  }
}

function compareScalars(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

export function sameValue(field: FieldSpec, a: unknown, b: unknown): boolean {
  const x = normalize(field, a);
  const y = normalize(field, b);
  if (x === y) return true;
  // Sets are sorted arrays; anything else non-scalar is a value of the wrong shape, compared as JSON.
  if (Array.isArray(x) && Array.isArray(y)) return x.length === y.length && x.every((item, i) => item === y[i]);
  return typeof x === 'object' && typeof y === 'object' && JSON.stringify(x) === JSON.stringify(y);
}
