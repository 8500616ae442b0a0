// --baseline: which of a plan's changes the pull request introduces, and which were already pending before it
// (drift: the base branch's config, planned against the same live read, makes the same change). No API call:
// the base branch's desired state is diffed against the live snapshots the plan recorded.

import type { DesiredState } from '../config/model.js';
import { fieldByPath } from '../resources/fields.js';
import { resourceSpec } from '../resources/index.js';
import { sameValue } from '../resources/normalize.js';
import { diffResource } from './diff.js';
import type { FieldChange, Plan, ResourcePlan, TargetPlan } from './model.js';

/** The plan with every change marked `origin: "introduced"` or `"drift"`, and the counts in `baseline`. */
export function markOrigins(plan: Plan, baseline: DesiredState, paths: readonly string[]): Plan {
  let introduced = 0;
  let drift = 0;
  const targets = plan.targets.map((target): TargetPlan => {
    const base = baseline.targets.find((t) => t.scope === target.scope && t.id === target.id);
    const resources = target.resources.map((resource): ResourcePlan => {
      const pending = baselineChanges(resource, base?.resources.find((r) => r.type === resource.type));
      const changes = resource.changes.map((change): FieldChange => {
        const isDrift = pending.some((p) => p.path === change.path && sameValue(fieldByPath(resourceSpec(resource.type), change.path)!, p.after, change.after));
        if (isDrift) drift++;
        else introduced++;
        return { ...change, origin: isDrift ? 'drift' : 'introduced' };
      });
      return { ...resource, changes };
    });
    return { ...target, resources };
  });
  return { ...plan, targets, baseline: { paths: [...paths], introduced, drift } };
}

/** What the base branch's config would change on this resource, against the live snapshot the plan recorded. */
function baselineChanges(resource: ResourcePlan, desired: DesiredState['targets'][number]['resources'][number] | undefined): FieldChange[] {
  if (!desired) return [];
  return diffResource(resourceSpec(resource.type), desired, resource.live).changes;
}
