// Checking one parsed file against the JSON Schema, and turning ajv's errors into one clear message per
// problem at the exact place in the YAML (an unknown key points at the key, a bad value at the value).

import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Node } from 'yaml';
import { isScalar } from './yaml.js';
import { groupOf, isPlainObject, RESOURCES, writableFields, type FieldSpec, type ResourceSpec, type Scope } from '../resources/index.js';
import { isBeyondGoRange, MAX_DURATION_TEXT, parseDuration, type DurationUnits } from '../resources/duration.js';
import type { Diagnostic } from './model.js';
import { commentInPlaceOfValue, describePath, keyPosition, pointerToPath, sourceText, valuePosition, walkYaml, type PathSegment, type YamlFile } from './positions.js';
import { buildSchema, canBeUnset, DEFAULT_DURATION_MIN, DURATION_FORMAT } from './schema.js';
import { ODD_SPACE, oddSpaceName } from './odd-spaces.js';
import { closest } from './suggest.js';

let compiled: Promise<ValidateFunction> | undefined;

/** A uuid as the API writes it (compared and sent in lowercase, so either case is accepted here). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The schema validator, loaded and compiled on first use: importing ajv and compiling cost ~100 ms, which
 * `--help` and the emulator should not pay.
 */
function schemaValidator(): Promise<ValidateFunction> {
  return (compiled ??= compileSchema());
}

async function compileSchema(): Promise<ValidateFunction> {
  const [{ Ajv2020 }, { default: addFormats }] = await Promise.all([import('ajv/dist/2020.js'), import('ajv-formats')]);
  // Union types: optional fields take their type or null (null unsets the field).
  // validateSchema: false skips checking our own schema against the meta-schema on every run (~80 ms, half of
  // compiling); test/config/schema.test.ts checks it once.
  const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true, validateSchema: false });
  addFormats.default(ajv, { formats: ['hostname'], keywords: true });
  // ajv-formats' uuid also takes a urn:uuid: prefix, which the API does not.
  ajv.addFormat('uuid', UUID);
  for (const units of ['go', 'minutes-hours'] as const) {
    ajv.addFormat(DURATION_FORMAT[units], {
      type: 'string',
      validate: (text: string) => parseDuration(text, units) !== undefined,
      // Bounds are written with any Go unit (0s), so compare with Go's full syntax; the units are checked by validate.
      compare: (a: string, b: string) => compareDurations(a, b),
    });
  }
  return ajv.compile(buildSchema());
}

function compareDurations(a: string, b: string): number | undefined {
  const x = parseDuration(a);
  const y = parseDuration(b);
  if (x === undefined || y === undefined) return undefined;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Whether the data passes the schema: the whole check for a file read without its document (check-file.ts). */
export async function passesSchema(data: unknown): Promise<boolean> {
  return (await schemaValidator())(data);
}

export async function schemaDiagnostics(f: YamlFile): Promise<Diagnostic[]> {
  const validate = await schemaValidator();
  if (validate(f.data)) return emptyValues(f);
  const errors = withoutNoise(validate.errors ?? []);
  const diagnostics: Diagnostic[] = emptyValues(f);
  const seen = new Set<string>();
  for (const error of errors) {
    const d = describeError(f, error);
    const key = `${d.line}:${d.col}:${d.message}`;
    if (!seen.has(key)) diagnostics.push(d);
    seen.add(key);
  }
  return diagnostics;
}

/**
 * A value of the wrong type fails its other keywords too (pattern, format, enum): keep only the type error.
 * Likewise an empty value that must not be empty is only that, not also a bad uuid.
 */
function withoutNoise(errors: ErrorObject[]): ErrorObject[] {
  // propertyNames repeats the key's own error ("property name must be valid").
  // `if` only says which branch (defaults as a mapping or a list) failed: the branch's own errors say what.
  errors = errors.filter((e) => e.keyword !== 'propertyNames' && e.keyword !== 'if');
  const decisive = ['type', 'minLength'];
  const decided = new Map(errors.filter((e) => decisive.includes(e.keyword)).map((e) => [e.instancePath, e.keyword]));
  return errors.filter((e) => !decided.has(e.instancePath) || decided.get(e.instancePath) === e.keyword);
}

/**
 * A key written with no value (`session_duration:`, or a `#` YAML reads as a comment) reads as null, which the
 * schema allows on optional fields to unset them. Only an explicit `null` (or `~`) means that: an empty value
 * is a mistake, reported as one.
 */
function emptyValues(f: YamlFile): Diagnostic[] {
  const found: Diagnostic[] = [];
  walkYaml(f.doc.contents, {
    pair(pair, at) {
      const value = pair.value as Node | null;
      if (value !== null && !(isScalar(value) && value.value === null && value.source === '')) return;
      if (at.includes(null)) return;
      const path = at as PathSegment[];
      const field = fieldAt(path);
      const group = field ? undefined : groupAt(path);
      // A field that cannot be null is refused by the schema itself, with its own message.
      if (!group && (!field || !canBeUnset(field) || wholeGroupAt(path))) return;
      const name = String(path[path.length - 1]);
      const comment = commentInPlaceOfValue(f, path);
      const message = comment
        ? `"${name}" has no value: in YAML, # starts a comment; quote the value: ${name}: "${comment}"`
        : group
          ? `"${name}" has no value: give it settings, write null to unset the whole group, or remove the key`
          : `"${name}" has no value: give it a value, write null to unset the field, or remove the key`;
      found.push({ ...valuePosition(f, path), message, path: describePath(path) });
    },
  });
  return found;
}

function describeError(f: YamlFile, error: ErrorObject): Diagnostic {
  const path = pointerToPath(error.instancePath);
  if (error.propertyName !== undefined) {
    // A label key (or a selector's) of the wrong spelling: said at the key.
    const keyPath = [...path, error.propertyName];
    return { ...keyPosition(f, keyPath), message: `label key ${JSON.stringify(error.propertyName)}: write label keys with letters and digits (and - _ . / inside), at most 63 characters`, path: describePath(keyPath) };
  }
  if (error.keyword === 'additionalProperties') {
    const key = String(error.params.additionalProperty);
    const keyPath = [...path, key];
    const unsent = accountOnlyDefaultOnZone(keyPath, (error.data as Record<string, unknown> | undefined)?.[key]);
    if (unsent) return { ...keyPosition(f, keyPath), message: unsent, path: describePath(keyPath), severity: 'warning' };
    const candidates = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
    return { ...keyPosition(f, keyPath), message: unknownKeyMessage(path, key, candidates), path: describePath(keyPath) };
  }
  const odd = typeof error.data === 'string' ? ODD_SPACE.exec(error.data) : null;
  // A value that looks right and is refused: say what cannot be seen.
  const unseen = odd ? ` (it holds ${oddSpaceName(odd[0])}, which is not an ordinary space)` : '';
  return { ...valuePosition(f, path), message: valueMessage(f, path, error) + unseen, path: describePath(path) };
}

/** A value inside labels, or inside a selector (`select:` of a scoped default or an allow entry). */
function isLabelPlace(path: readonly PathSegment[]): boolean {
  const parent = path[path.length - 2];
  return parent === 'labels' || parent === 'select';
}

/** Which setting a path in the document names: the resource, the scope it is written for and the dotted field path. */
interface SettingPlace {
  resource: ResourceSpec;
  scope: Scope;
  fieldPath: string;
}

function settingAt(path: readonly PathSegment[]): SettingPlace | undefined {
  const [top, second] = path;
  const scope: Scope | undefined = top === 'defaults' || top === 'accounts' ? 'account' : top === 'zones' ? 'zone' : undefined;
  // defaults.organization…, defaults[2].organization… (a scoped layer), accounts[0].organization…
  const rest = top === 'defaults' && typeof second !== 'number' ? path.slice(1) : typeof second === 'number' ? path.slice(2) : [];
  const resource = RESOURCES.find((r) => r.type === rest[0]);
  if (!scope || !resource || rest.length < 2) return undefined;
  return { resource, scope, fieldPath: rest.slice(1).filter((s) => typeof s === 'string').join('.') };
}

function fieldAt(path: readonly PathSegment[]): FieldSpec | undefined {
  const place = settingAt(path);
  return place && place.resource.fields.find((f) => f.path === place.fieldPath);
}

/** The group a path names (e.g. accounts[0].organization.custom_pages), if it names one. */
function groupAt(path: readonly PathSegment[]): string | undefined {
  const place = settingAt(path);
  return place?.resource.groups.find((g) => g.path === place.fieldPath)?.path;
}

/** The group the API takes only whole that a path's field belongs to, if any. */
function wholeGroupAt(path: readonly PathSegment[]): string | undefined {
  const place = settingAt(path);
  const field = place && place.resource.fields.find((f) => f.path === place.fieldPath);
  const group = place && field ? groupOf(place.resource, field) : undefined;
  return group?.whole ? group.path : undefined;
}

/**
 * An account-only setting written on a zone at its default (false, empty, null): nothing would be sent, so it is a
 * warning (Cloudflare's own provider example writes allow_authenticate_via_warp: false on a zone). Other values
 * stay errors.
 */
function accountOnlyDefaultOnZone(keyPath: readonly PathSegment[], value: unknown): string | undefined {
  const place = settingAt(keyPath);
  if (!place || place.scope !== 'zone' || !isDefaultValue(value)) return undefined;
  const names = (f: FieldSpec) => f.path === place.fieldPath || f.path.startsWith(`${place.fieldPath}.`);
  if (!writableFields(place.resource, 'account').some(names) || writableFields(place.resource, 'zone').some(names)) return undefined;
  return `zones do not accept "${place.fieldPath}" (an account-only setting); ${JSON.stringify(value)} is its default, so nothing is sent: remove the line`;
}

/** false, "", null, [] or a mapping of only such values: what an unset setting reads as. */
function isDefaultValue(value: unknown): boolean {
  if (value === false || value === '' || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  return isPlainObject(value) && Object.values(value).every(isDefaultValue);
}

function unknownKeyMessage(path: readonly PathSegment[], key: string, candidates: readonly string[]): string {
  if (key === '<<') return 'merge keys (<<) are not supported: use defaults, or write the values out';
  const odd = ODD_SPACE.exec(key);
  if (odd) return `unknown key ${JSON.stringify(key)}: it holds ${oddSpaceName(odd[0])}, which YAML does not read as a space; retype it as an ordinary space`;
  if (path[0] === 'zones' && path.length === 2 && RESOURCES.some((r) => r.type === key)) {
    return `zones do not accept "${key}": ${key === 'doh' ? 'DoH settings belong to an account' : 'it is account-only'}`;
  }
  const place = settingAt([...path, key]);
  if (place) {
    const names = (f: FieldSpec) => f.path === place.fieldPath || f.path.startsWith(`${place.fieldPath}.`);
    const accountOnly = writableFields(place.resource, 'account').some(names) && !writableFields(place.resource, 'zone').some(names);
    if (place.scope === 'zone' && accountOnly) return `zones do not accept "${place.fieldPath}": it is an account-only setting`;
    const field = place.resource.fields.find((f) => f.path === place.fieldPath);
    if (field?.perTarget && path[0] === 'defaults') return `"${place.fieldPath}" cannot be a default: it names one target's own ${place.resource.type} setting (two targets cannot share it); set it on each account or zone`;
    if (field?.readOnly) return `"${key}" is read-only: the API sets it, so it cannot be configured`;
    const removed = place.resource.removed?.find((r) => r.path === place.fieldPath);
    if (removed) return `"${place.fieldPath}" was removed from the API on ${removed.removedOn} (${removed.note}): remove the line`;
    const dotted = writableFields(place.resource, place.scope).find((f) => f.path === key);
    if (dotted && key.includes('.')) {
      const [group, leaf] = key.split('.');
      return `unknown key "${key}": write it nested, as ${group}: { ${leaf}: … }`;
    }
  }
  const suggestion = closest(key, candidates);
  if (suggestion) return `unknown key "${key}"; did you mean "${suggestion}"?`;
  if (place) {
    const elsewhere = writableFields(place.resource, place.scope).find((f) => f.path.endsWith(`.${key}`));
    if (elsewhere) return `unknown key "${key}": it belongs under "${elsewhere.path.split('.')[0]}"`;
  }
  return candidates.length > 0 && candidates.length <= 8 ? `unknown key "${key}"; expected one of: ${candidates.join(', ')}` : `unknown key "${key}"`;
}

function valueMessage(f: YamlFile, path: readonly PathSegment[], error: ErrorObject): string {
  const field = fieldAt(path);
  const name = String(path[path.length - 1] ?? '');
  const data: unknown = error.data;
  if (path[0] === 'budget' && name === 'max_changed_targets') {
    return `max_changed_targets takes a number of targets (12) or a percentage up to 100% ("40%"), not ${sourceText(f, path) ?? JSON.stringify(data)}`;
  }
  if (path[0] === 'budget' && name === 'reason' && error.keyword === 'minLength') return 'the budget\'s reason cannot be empty: reviewers read it in every plan';
  // "" is how Terraform v4 configs say "not set".
  if (field?.type.kind === 'duration' && data === '') return `"" is not a duration: to leave ${name} alone, remove the line, or write null to unset it`;
  if (field?.type.kind === 'duration' && ['pattern', 'format', 'formatMinimum', 'formatMaximum'].includes(error.keyword)) {
    return durationMessage(String(data), field.type.units, field.type.min ?? DEFAULT_DURATION_MIN, field.type.max);
  }
  switch (error.keyword) {
    case 'type':
      // A field that may be unset is of its type or null: the message is about its type.
      return typeMessage(f, path, String(error.params.type).replace(/,null$/, ''), data, field);
    case 'required':
      return `missing ${String(error.params.missingProperty)}`;
    case 'minLength':
      return `"${name}" cannot be empty: the API requires one, so it can be changed but not cleared`;
    case 'maxLength':
      return `"${name}" is ${String(data).length} characters long: it is shown in every plan, so it holds at most ${String(error.params.limit)} characters`;
    case 'enum': {
      const allowed = (error.params.allowedValues as unknown[]).filter((v) => v !== null).map(String);
      const suggestion = typeof data === 'string' ? closest(data, allowed) : undefined;
      return `${JSON.stringify(data)} is not one of: ${allowed.join(', ')}${suggestion ? `; did you mean "${suggestion}"?` : ''}`;
    }
    case 'pattern':
      if (typeof data === 'string' && isLabelPlace(path)) return `label value ${JSON.stringify(data)}: write label values with letters and digits (and - _ . inside), at most 63 characters`;
      if (name === 'account_id' || name === 'zone_id') {
        const hint = /^[0-9a-f]{32}$/i.test(String(data)) ? ' (write it in lowercase)' : '';
        return `${name} must be 32 lowercase hex digits, not ${JSON.stringify(data)}${hint}`;
      }
      return `${JSON.stringify(data)} does not match ${String(error.params.pattern)}`;
    case 'format':
      return formatMessage(String(error.params.format), data);
    case 'minimum':
    case 'maximum':
      return field?.type.kind === 'integer' ? `must be a whole number from ${field.type.min} to ${field.type.max}, not ${JSON.stringify(data)}` : (error.message ?? 'out of range');
    case 'minItems':
      return `"${name}" lists nothing: name at least ${String(error.params.limit)}, or remove the key`;
    case 'uniqueItems': {
      const item = Array.isArray(data) ? data[Number(error.params.j)] : undefined;
      return `"${name}" lists ${JSON.stringify(item)} twice: it is a set, each item once (remove the repeat, or write the item meant)`;
    }
    default:
      return error.message ?? `invalid (${error.keyword})`;
  }
}

const TYPE_NAMES: Record<string, string> = {
  object: 'a mapping (key: value)',
  array: 'a list',
  string: 'a string',
  boolean: 'true or false',
  integer: 'a whole number',
};

function typeMessage(f: YamlFile, path: readonly PathSegment[], expected: string, data: unknown, field: FieldSpec | undefined): string {
  const name = String(path[path.length - 1] ?? '');
  if (path.length === 0) return 'a config file must be a mapping with the keys defaults, accounts, zones, allow and budget';
  if (data === null) {
    if (typeof path[path.length - 1] === 'number') return 'empty list item';
    const explicit = sourceText(f, path);
    const whole = wholeGroupAt(path);
    if (field && explicit && whole) return `"${name}" cannot be unset alone (${explicit}): the API takes ${whole} only whole; to unset it, remove the line and write ${whole}: null`;
    if (field && explicit) return `"${name}" cannot be unset (${explicit}): the API requires one, so it can be changed but not cleared`;
    const comment = commentInPlaceOfValue(f, path);
    if (comment) return `"${name}" has no value: in YAML, # starts a comment; quote the value: ${name}: "${comment}"`;
    if (name === 'account_id' || name === 'zone_id') return `${name} has no value: give the ${name.replace('_id', '')}'s id (32 hex digits)`;
    return `"${name}" has no value: give it ${expected === 'object' ? 'settings' : TYPE_NAMES[expected] ?? 'a value'} or remove the key`;
  }
  if (expected === 'string' && typeof data === 'number' && (name === 'account_id' || name === 'zone_id')) {
    const digits = sourceText(f, path) ?? String(data);
    return `${name} must be a quoted string: YAML reads ${digits} as a number (and may lose digits); write ${name}: "${digits}"`;
  }
  if (expected === 'string' && field?.type.kind === 'duration' && typeof data === 'number') {
    return `${sourceText(f, path) ?? data} has no unit: a duration needs one, ${UNIT_EXAMPLES[field.type.units]}`;
  }
  if (expected === 'string' && (typeof data === 'number' || typeof data === 'boolean')) {
    const text = sourceText(f, path) ?? String(data);
    return `must be a string, and YAML reads ${text} as a ${typeof data}; quote it: "${text}"`;
  }
  if (expected === 'boolean' && typeof data === 'string') return `must be true or false, not the string ${JSON.stringify(data)}`;
  if (expected === 'array' && field?.type.kind === 'set') return `must be a list, e.g. [${JSON.stringify(data)}]`;
  if (expected === 'object' && typeof path[path.length - 1] === 'number') {
    return `each entry of ${String(path[0])} must be a mapping starting with ${path[0] === 'zones' ? 'zone_id' : 'account_id'}`;
  }
  const actual = Array.isArray(data) ? 'a list' : data instanceof Uint8Array ? 'binary data (!!binary)' : typeof data === 'object' ? 'a mapping' : `${typeof data} ${JSON.stringify(data)}`;
  const expectedNames = expected.split(',').map((t) => TYPE_NAMES[t] ?? t).join(' or ');
  return `must be ${expectedNames}, not ${actual}`;
}

function formatMessage(format: string, data: unknown): string {
  const shown = JSON.stringify(data);
  switch (format) {
    case 'uuid':
      if (String(data).endsWith('.access')) return `${shown} looks like a service token's client_id; give the token's id (a uuid)`;
      if (/^urn:uuid:/i.test(String(data))) return `${shown} has a urn:uuid: prefix, which the API does not take; write the uuid alone`;
      return `${shown} is not a uuid (like f174e90a-fafe-4643-bbbc-4a0ed4fc8415)`;
    case 'hostname':
      return `${shown} is not a hostname (like widgetcorps.cloudflareaccess.com)`;
    case 'uri':
      return `${shown} is not a URL (like https://example.com/logo.png)`;
    default:
      return `${shown} is not a valid ${format}`;
  }
}

const UNIT_EXAMPLES: Record<DurationUnits, string> = {
  go: 'such as "90s", "30m", "12h" or "2h45m" (units: ns, us, µs, ms, s, m, h)',
  'minutes-hours': 'such as "30m", "12h" or "2h45m" (units: m, h)',
};

const UNITS_TEXT: Record<DurationUnits, string> = {
  go: 'is not a Go duration (units: ns, us, µs, ms, s, m, h)',
  'minutes-hours': 'is not a duration in minutes or hours (units: m, h; e.g. 30m, 2h45m)',
};

/** One message for whatever is wrong with a duration: syntax, units or bounds. */
export function durationMessage(text: string, units: DurationUnits, min: string, max?: string): string {
  const nanos = parseDuration(text, units);
  if (nanos === undefined) {
    if (isBeyondGoRange(text, units)) return `${JSON.stringify(text)} is longer than the longest Go duration (${MAX_DURATION_TEXT})`;
    return `${JSON.stringify(text)} ${UNITS_TEXT[units]}`;
  }
  if (nanos < parseDuration(min)!) return min === DEFAULT_DURATION_MIN ? `${JSON.stringify(text)} is negative` : `must be at least ${min}`;
  if (max !== undefined && nanos > parseDuration(max)!) return `must be at most ${max}`;
  return `${JSON.stringify(text)} is not a valid duration here`;
}
