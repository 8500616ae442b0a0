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
  /** For formats the API does not define: why a value may not be what the API takes (a warning, never a refusal). */
  advice?: (text: string) => string | undefined;
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
    advice: (text) =>
      hexColour(text) !== undefined ? undefined : `${JSON.stringify(text)} is not a colour ztsync knows (#rgb, #rrggbb, #rrggbbaa, rgb(), hsl() or a CSS colour name); the API may refuse it`,
  },
  uri: {
    compared: (text) => text,
    advice: (text) =>
      /^[a-z][a-z0-9+.-]*:/i.test(text) && !/^https?:\/\//i.test(text)
        ? `${JSON.stringify(text)} is neither an http(s) URL nor a path; the API may refuse it`
        : undefined,
  },
};

/** The value as it is sent to the API (uuids in lowercase); other values as written. */
export function sentValue(field: FieldSpec, value: unknown): unknown {
  const rule = field.type.kind === 'string' && field.type.format ? FORMATS[field.type.format] : undefined;
  return rule?.sent && typeof value === 'string' ? rule.sent(value) : value;
}

/** A warning about a value of a format the API does not define, or undefined. */
export function formatAdvice(field: FieldSpec, value: unknown): string | undefined {
  const rule = field.type.kind === 'string' && field.type.format ? FORMATS[field.type.format] : undefined;
  return rule?.advice && typeof value === 'string' && value !== '' ? rule.advice(value) : undefined;
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
      return [...new Set(value)].sort(compareScalars);
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
