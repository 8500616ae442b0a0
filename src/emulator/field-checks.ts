// Request bodies checked against the resource tables in src/resources: which fields exist, which scope and which
// call accept them, their types, enums, duration units and bounds. Nothing here re-declares a field.

import { isBeyondGoRange, MAX_DURATION_TEXT, parseDuration } from '../resources/duration.js';
import { fullFormats } from 'ajv-formats/dist/formats.js';
import type { FieldIssue } from './errors.js';
import { fieldByPath, getPath, groupFields, isPlainObject, setPath, type FieldSpec, type FieldType, type ResourceSpec, type Scope } from '../resources/fields.js';

/** The detail of an issue with a key the table does not know (the problem is the key, not its value). */
export const UNKNOWN_FIELD = 'is not a known field';

/** What a body is for: the create call (POST), an update (PUT), or a seed file (which may carry read-only fields). */
export type BodyUse = 'create' | 'update' | 'seed';

/** One field set by a body; `null` unsets it. `field` is absent for a field outside the tables that the object already holds. */
export interface Assignment {
  path: string;
  value: unknown;
  field?: FieldSpec;
}

export interface ReadOptions {
  /**
   * Strict mode: a write that carries a read-only field (or the name the API reports a field under, DoH's `id`) is
   * refused; otherwise such fields are ignored.
   */
  strict?: boolean;
  /**
   * The object as stored. A write may carry a field outside the tables that it holds (a real organization's
   * field the tables do not know, loaded from a seed): it is taken as given.
   */
  held?: JsonObject;
}


export interface ReadResult {
  assignments: Assignment[];
  issues: FieldIssue[];
}

export type JsonObject = Record<string, unknown>;

export { isPlainObject };

/**
 * Read a body's fields against a resource table, for a scope and a use. Unknown fields are issues (a seed's are
 * kept as given, and so are a write's that the stored object holds); read-only ones are ignored, or refused in
 * strict mode.
 */
export function readFields(spec: ResourceSpec, body: JsonObject, scope: Scope, use: BodyUse, options: ReadOptions = {}): ReadResult {
  const assignments: Assignment[] = [];
  const issues: FieldIssue[] = [];
  const groups = new Set(spec.groups.map((g) => g.path));
  for (const [key, value] of Object.entries(body)) {
    if (!groups.has(key)) {
      readOne(spec, key, value, scope, use, options, assignments, issues);
      continue;
    }
    const members = spec.fields.filter((f) => f.path.startsWith(key + '.'));
    const refusal = groupRefusal(members, scope, use);
    if (refusal) issues.push({ path: key, detail: refusal });
    else if (value === null) {
      // A null group unsets every field in it (as Terraform's explicit nulls do).
      if (use !== 'create') for (const field of members) if (acceptedBy(field, scope, use)) assignments.push({ path: field.path, field, value: null });
    } else if (!isPlainObject(value)) issues.push({ path: key, detail: `must be an object, not ${describe(value)}` });
    else if (wholeGroupMissing(spec, key, value, scope)) issues.push({ path: key, detail: wholeGroupMissing(spec, key, value, scope)! });
    else for (const [sub, subValue] of Object.entries(value)) readOne(spec, `${key}.${sub}`, subValue, scope, use, options, assignments, issues);
  }
  if (use !== 'update') issues.push(...missingRequired(spec, assignments));
  return { assignments, issues };
}

/** Whether the object has the dotted path as its own keys (never what it inherits: `constructor` is no field). */
function holds(obj: JsonObject, path: string): boolean {
  let cur: unknown = obj;
  for (const key of path.split('.')) {
    if (!isPlainObject(cur) || !Object.hasOwn(cur, key)) return false;
    cur = cur[key];
  }
  return cur !== undefined && cur !== null;
}

/** For a group the API takes only whole: what it lacks, said as an issue; undefined when it is whole (or not such a group). */
function wholeGroupMissing(spec: ResourceSpec, group: string, value: JsonObject, scope: Scope): string | undefined {
  if (!spec.groups.find((g) => g.path === group)?.whole) return undefined;
  const members = groupFields(spec, group, scope).map((f) => f.path.slice(group.length + 1));
  const missing = members.filter((key) => value[key] === undefined || value[key] === null);
  return missing.length === 0 ? undefined : `must have ${members.join(', ')} (the group is taken only whole), not without ${missing.join(' and ')}`;
}

/** What strict mode says of a write carrying a field the API only reports. */
export const READ_ONLY_FIELD = 'is read-only: the API sets it, and a write may not carry it';

function readOne(spec: ResourceSpec, path: string, value: unknown, scope: Scope, use: BodyUse, options: ReadOptions, assignments: Assignment[], issues: FieldIssue[]): void {
  const field = fieldByPath(spec, path);
  const writing = use !== 'seed';
  if (!field) {
    // The names the API reports a field under (DoH: `id` for service_token_id) are ignored when sent back, like read-only ones.
    if (spec.fields.some((f) => f.liveKey === path)) {
      if (writing && options.strict) issues.push({ path, detail: READ_ONLY_FIELD });
    } else if (!path.split('.').includes('__proto__') && (!writing || (options.held && holds(options.held, path)))) {
      // A real organization's field outside the tables: a seed may hold it, and a write may carry it back.
      if (value !== undefined) assignments.push({ path, value });
    } else issues.push({ path, detail: UNKNOWN_FIELD });
    return;
  }
  if (field.readOnly) {
    if (writing && options.strict && value !== undefined) issues.push({ path, detail: READ_ONLY_FIELD });
    // A seed (or a state file) carries them so that a restart keeps created_at and updated_at.
    if (use === 'seed' && value !== null && value !== undefined) {
      const problem = checkValue(field.type, value) ?? checkTimestamp(path, value as string);
      if (problem) issues.push({ path, detail: problem });
      else assignments.push({ path, field, value });
    }
    return;
  }
  const refusal = fieldRefusal(field, scope, use);
  if (refusal) return void issues.push({ path, detail: refusal });
  if (value === null) {
    if (field.requiredOnCreate) issues.push({ path, detail: 'cannot be unset' });
    else if (use !== 'create') assignments.push({ path, field, value: null });
    return;
  }
  // A field every organization has cannot be emptied either.
  const problem = field.requiredOnCreate && value === '' ? 'must not be empty' : checkValue(field.type, value);
  if (problem) issues.push({ path, detail: problem });
  else assignments.push({ path, field, value });
}

function acceptedBy(field: FieldSpec, scope: Scope, use: BodyUse): boolean {
  return fieldRefusal(field, scope, use) === undefined;
}

/** Why this scope or call does not take the field, if it does not. */
function fieldRefusal(field: FieldSpec, scope: Scope, use: BodyUse): string | undefined {
  if (!field.scopes.includes(scope)) return `is not accepted for ${scope === 'zone' ? 'a zone' : 'an account'}`;
  if (use === 'create' && field.onCreate === false) return 'is not accepted when creating an organization; set it with an update (PUT)';
  return undefined;
}

/** A group is refused as a whole when none of its fields is accepted (mfa_config on a zone, custom_pages on create). */
function groupRefusal(members: FieldSpec[], scope: Scope, use: BodyUse): string | undefined {
  const writable = members.filter((f) => !f.readOnly);
  if (writable.some((f) => acceptedBy(f, scope, use))) return undefined;
  return writable.length ? fieldRefusal(writable[0], scope, use) : UNKNOWN_FIELD;
}

function missingRequired(spec: ResourceSpec, assignments: Assignment[]): FieldIssue[] {
  const given = new Set(assignments.map((a) => a.path));
  return spec.fields.filter((f) => f.requiredOnCreate && !given.has(f.path)).map((f) => ({ path: f.path, detail: 'is required' }));
}

/** The same hostname rule as the config validator's (ajv-formats), so that both refuse the same values. */
const HOSTNAME = fullFormats.hostname as RegExp;

/** The emulator's own bound on any list field (upstream documents none); a longer list is refused. */
export const MAX_LIST_ITEMS = 1000;

/** Why a value does not fit a field's type, or undefined when it does. */
export function checkValue(type: FieldType, value: unknown): string | undefined {
  switch (type.kind) {
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `must be a boolean, not ${describe(value)}`;
    case 'string':
      if (typeof value !== 'string') return `must be a string, not ${describe(value)}`;
      // The published spec has no patterns; a hostname is checked (Cloudflare refuses others), colours and URLs are not.
      if (type.format === 'hostname' && !HOSTNAME.test(value)) return `${describe(value)} is not a hostname`;
      return undefined;
    case 'enum':
      return typeof value === 'string' && type.values.includes(value) ? undefined : `${describe(value)} is not one of ${type.values.join(', ')}`;
    case 'duration':
      return checkDuration(type, value);
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) return `must be a whole number, not ${describe(value)}`;
      if ((type.min !== undefined && value < type.min) || (type.max !== undefined && value > type.max)) return `${value} is not from ${type.min ?? '-∞'} to ${type.max ?? '∞'}`;
      return undefined;
    case 'set': {
      if (!Array.isArray(value)) return `must be a list, not ${describe(value)}`;
      if (value.length > MAX_LIST_ITEMS) return `must have at most ${MAX_LIST_ITEMS} items, not ${value.length}`;
      const allowed = type.items;
      const bad = value.find((item) => (allowed === 'string' ? typeof item !== 'string' : !allowed.includes(item as string | number)));
      if (bad === undefined) return undefined;
      return allowed === 'string' ? `items must be strings, not ${describe(bad)}` : `${describe(bad)} is not one of ${allowed.join(', ')}`;
    }
  }
}

function checkDuration(type: Extract<FieldType, { kind: 'duration' }>, value: unknown): string | undefined {
  if (typeof value !== 'string') return `must be a duration string such as "24h", not ${describe(value)}`;
  const nanos = parseDuration(value, type.units);
  if (nanos === undefined) {
    if (isBeyondGoRange(value, type.units)) return `${describe(value)} is longer than the longest duration (${MAX_DURATION_TEXT})`;
    return type.units === 'minutes-hours' && parseDuration(value) !== undefined
      ? `${describe(value)} must be in minutes (m) or hours (h)`
      : `${describe(value)} is not a valid duration`;
  }
  if (nanos < 0n) return `${describe(value)} must not be negative`;
  if (type.min !== undefined && nanos < parseDuration(type.min)!) return `${describe(value)} is less than the minimum ${type.min}`;
  if (type.max !== undefined && nanos > parseDuration(type.max)!) return `${describe(value)} is more than the maximum ${type.max}`;
  return undefined;
}

/** Cloudflare names its timestamps `*_at`. */
function checkTimestamp(path: string, value: string): string | undefined {
  return path.endsWith('_at') && Number.isNaN(Date.parse(value)) ? `${describe(value)} is not a timestamp` : undefined;
}

/** A value as it appears in a message: JSON, cut short. */
export function describe(value: unknown): string {
  let text: string;
  try {
    text = value === undefined ? 'nothing' : typeof value === 'number' && !Number.isFinite(value) ? String(value) : JSON.stringify(value);
  } catch {
    text = Array.isArray(value) ? 'a list' : 'an object'; // nested too deep to print: the body check refuses it first anyway
  }
  return text.length > 60 ? text.slice(0, 57) + '...' : text;
}

/** Lay assignments over an object: values are set (copied), nulls remove the field and any group they leave empty. */
export function applyAssignments(target: JsonObject, assignments: Assignment[]): JsonObject {
  for (const { path, value } of assignments) {
    if (value === null) removePath(target, path);
    else setPath(target, path, structuredClone(value));
  }
  return target;
}

/** Remove a field; a group it leaves empty goes too. */
export function removePath(target: JsonObject, path: string): void {
  const keys = path.split('.');
  const parent = keys.length > 1 ? getPath(target, keys.slice(0, -1).join('.')) : target;
  if (!isPlainObject(parent)) return;
  delete parent[keys[keys.length - 1]];
  if (keys.length > 1 && Object.keys(parent).length === 0) delete target[keys[0]];
}
