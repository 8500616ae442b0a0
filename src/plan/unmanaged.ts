// --baseline: what the pull request stops managing. A field the base branch's config manages and this config does
// not (a line or a default removed), or a whole target that left the config: ztsync will never look at it again, so
// the plan says so rather than showing "No changes". Pure: both desired states in, no API call.

import type { DesiredState, DesiredTarget } from '../config/model.js';
import type { ResourceType, Scope } from '../resources/fields.js';
import { selectTargets, type Selection } from './build.js';

/** One field no longer managed. */
export interface UnmanagedField {
  scope: Scope;
  id: string;
  /** The target's name on the base branch (its description), when it had one. */
  name: string | null;
  resource: ResourceType;
  /** The field's dotted path within the resource. */
  path: string;
  /** The whole target left the config (not only this field). */
  target_removed: boolean;
}

/**
 * Fields the base config manages on the targets this run selects and the config does not, in the base config's order.
 * `current` is the whole config (a target merely outside this run's selection has not left it).
 */
export function unmanagedFields(current: readonly DesiredTarget[], base: DesiredState, selection: Selection): UnmanagedField[] {
  const out: UnmanagedField[] = [];
  for (const was of selectTargets(base.targets, selection)) {
    const now = current.find((t) => t.scope === was.scope && t.id.toLowerCase() === was.id.toLowerCase());
    for (const resource of was.resources) {
      const still = now?.resources.find((r) => r.type === resource.type);
      for (const path of Object.keys(resource.values)) {
        if (still && Object.hasOwn(still.values, path)) continue;
        out.push({ scope: was.scope, id: was.id, name: was.description ?? null, resource: resource.type, path, target_removed: now === undefined });
      }
    }
  }
  return out;
}
