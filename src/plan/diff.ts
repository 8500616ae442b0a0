// The field diff: pure, driven by the resource tables. Only fields the config manages are compared; a field
// absent from the config is never diffed and never sent.

import type { DesiredResource } from '../config/model.js';
import { fieldByPath, getPath, type FieldSpec, type ResourceSpec } from '../resources/fields.js';
import { sameValue } from '../resources/normalize.js';
import type { ChangeSource, FieldChange, LiveObject, ResourcePlan } from './model.js';

/** Where a field's live value sits in the API's answer (DoH's service_token_id is reported as `id`). */
export function liveValue(field: FieldSpec, live: Record<string, unknown> | null): unknown {
  return live ? getPath(live, field.liveKey ?? field.path) : undefined;
}

/** The live value as a plan shows it: as reported, with "absent" spelled false for booleans and null otherwise. */
export function shownValue(field: FieldSpec, value: unknown): unknown {
  if (value === undefined || value === null) return field.type.kind === 'boolean' ? false : null;
  return value;
}

export function diffResource(spec: ResourceSpec, desired: DesiredResource, live: LiveObject | null): ResourcePlan {
  const managed = Object.keys(desired.values);
  const changes: FieldChange[] = [];
  for (const path of managed) {
    const field = fieldByPath(spec, path);
    if (!field) throw new Error(`internal: ${spec.type} has no field ${path}`);
    const after = desired.values[path];
    const before = liveValue(field, live);
    // On create too: a desired value that means "absent" (false, empty) is already what the API defaults to.
    if (!sameValue(field, after, before)) changes.push({ path, before: shownValue(field, before), after, source: sourceOf(desired, path) });
  }
  const action = live === null ? 'create' : changes.length > 0 ? 'update' : 'noop';
  return { type: spec.type, action, changes, managed, desired: { ...desired.values }, live };
}

function sourceOf(desired: DesiredResource, path: string): ChangeSource | null {
  const position = desired.positions[path];
  return position ? { ...position, via: desired.via[path] } : null;
}
