// Write bodies: what a POST or PUT of a resource carries. Every body goes through finishBody, the one place that
// makes sure a field the API only reports (declared read-only: trusted_accounts, the timestamps; or the name the
// API reports a writable field under, DoH's `id`) is never sent — also when a PUT keeps live fields the tables do
// not know — that a group the config unsets whole is sent as null, and that a group the API takes only whole
// (service_token_inactivity) is sent whole.

import { liveValue } from '../plan/diff.js';
import type { LiveObject } from '../plan/model.js';
import { fieldByPath, groupFields, isPlainObject, pathKeys, setPath, writableFields, type ResourceSpec, type Scope } from '../resources/fields.js';

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

/**
 * The body made ready to send (changes `body` and returns it): every reported-only path taken out (and a group it
 * leaves empty); a group whose every field of the scope `desired` unsets sent as null; a group the API takes only
 * whole completed from `desired`, an absent boolean of it being false.
 */
export function finishBody(spec: ResourceSpec, body: LiveObject, scope?: Scope, desired: Record<string, unknown> = {}): LiveObject {
  for (const path of reportedOnlyPaths(spec)) removeAt(body, pathKeys(path));
  if (scope === undefined) return body;
  for (const group of spec.groups) {
    const members = groupFields(spec, group.path, scope);
    if (members.length === 0) continue;
    if (members.every((f) => f.path in desired && desired[f.path] === null)) {
      body[group.path] = null;
      continue;
    }
    const given = body[group.path];
    if (!group.whole || !isPlainObject(given)) continue;
    for (const field of members) {
      const key = pathKeys(field.path).slice(1).join('.');
      if (given[key] !== undefined && given[key] !== null) continue;
      if (desired[field.path] !== undefined && desired[field.path] !== null) given[key] = desired[field.path];
      else if (field.type.kind === 'boolean') given[key] = false;
    }
  }
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
  return finishBody(spec, body, scope);
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

/** A create body: the given values at their paths, finished against the desired values of the scope. */
export function createBody(spec: ResourceSpec, scope: Scope, values: readonly { path: string; value: unknown }[], desired: Record<string, unknown> = {}): LiveObject {
  const body: LiveObject = {};
  for (const { path, value } of values) setPath(body, path, value);
  // Nothing exists yet to unset: a group the config unsets is not sent at all (POST may not even take it).
  return finishBody(spec, body, scope, Object.fromEntries(Object.entries(desired).filter(([, v]) => v !== null)));
}
