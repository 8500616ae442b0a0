// How a field's values compare. The API leaves out false booleans and empty objects, and nobody promises it
// spells a duration the way it was written, so values are brought to one canonical form before comparing.

import { formatDuration, parseDuration } from './duration.js';
import type { FieldSpec } from './fields.js';

/** The canonical form of a value: undefined stands for "absent or empty". */
export function normalize(field: FieldSpec, value: unknown): unknown {
  if (value === null || value === undefined) return field.type.kind === 'boolean' ? false : undefined;
  switch (field.type.kind) {
    case 'boolean':
      return value === true;
    case 'string':
    case 'enum':
      return value === '' ? undefined : value;
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
  return JSON.stringify(normalize(field, a)) === JSON.stringify(normalize(field, b));
}
