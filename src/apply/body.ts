// Write bodies: what a POST or PUT of a resource carries. Every body goes through finishBody, the one place that
// makes sure a field the API only reports (declared read-only: trusted_accounts, the timestamps; or the name the
// API reports a writable field under, DoH's `id`) is never sent — also when a PUT keeps live fields the tables do
// not know.

import { liveValue } from '../plan/diff.js';
import type { LiveObject } from '../plan/model.js';
import { fieldByPath, isPlainObject, pathKeys, setPath, writableFields, type ResourceSpec, type Scope } from '../resources/fields.js';

/** The paths a write never carries, per resource table: its read-only fields and the names writable fields are reported under. */
const REPORTED_ONLY = new WeakMap<ResourceSpec, readonly string[]>();

export function reportedOnlyPaths(spec: ResourceSpec): readonly string[] {
  let paths = REPORTED_ONLY.get(spec);
  if (!paths) {
    const readOnly = spec.fields.filter((f) => f.readOnly).map((f) => f.liveKey ?? f.path);
    const reportedAs = spec.fields.filter((f) => !f.readOnly && f.liveKey && f.liveKey !== f.path).map((f) => f.liveKey!);
    REPORTED_ONLY.set(spec, (paths = [...new Set([...readOnly, ...reportedAs])]));
  }
  return paths;
}

/** The body with every reported-only path taken out (a group it leaves empty goes too). Changes `body` and returns it. */
export function finishBody(spec: ResourceSpec, body: LiveObject): LiveObject {
  for (const path of reportedOnlyPaths(spec)) removeAt(body, pathKeys(path));
  return body;
}

function removeAt(obj: Record<string, unknown>, keys: readonly string[]): void {
  const [key, ...rest] = keys;
  if (!(key in obj)) return;
  if (rest.length === 0) return void delete obj[key];
  const next = obj[key];
  if (!isPlainObject(next)) return;
  removeAt(next, rest);
  if (Object.keys(next).length === 0) delete obj[key];
}

/**
 * What of a live object goes back in a PUT: its writable fields of this scope and — for resources that declare
 * it — every field the tables do not know, top-level or nested, unchanged (a newer API's setting, which a
 * replacing PUT would otherwise reset). Read-only fields, fields of another scope and nulls stay out.
 */
export function liveBody(spec: ResourceSpec, scope: Scope, live: LiveObject): LiveObject {
  const body: LiveObject = spec.keepsUnknownLiveFields ? unknownFields(spec, live) : {};
  for (const field of writableFields(spec, scope)) {
    const value = liveValue(field, live);
    if (value !== undefined && value !== null) setPath(body, field.path, value);
  }
  return finishBody(spec, body);
}

/** The parts of `live` that are neither a declared field nor a declared group, at any depth. */
function unknownFields(spec: ResourceSpec, live: LiveObject, prefix = ''): LiveObject {
  const out: LiveObject = {};
  for (const [key, value] of Object.entries(live)) {
    const path = prefix + key;
    if (value === null || value === undefined || fieldByPath(spec, path) || spec.fields.some((f) => f.liveKey === path)) continue;
    if (spec.groups.some((g) => g.path === path)) {
      if (!isPlainObject(value)) continue;
      const nested = unknownFields(spec, value, path + '.');
      if (Object.keys(nested).length > 0) out[key] = nested;
      continue;
    }
    out[key] = structuredClone(value);
  }
  return out;
}

/** A create body: the given values at their paths. */
export function createBody(spec: ResourceSpec, values: readonly { path: string; value: unknown }[]): LiveObject {
  const body: LiveObject = {};
  for (const { path, value } of values) setPath(body, path, value);
  return finishBody(spec, body);
}
