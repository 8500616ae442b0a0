// Cross-field rules (declared with each resource) judged on what a write would leave behind: the config's values
// laid over the live object. Offline validation refuses only what the config alone decides (a needed field it
// clears); whether a field the config leaves out is set live is known only here, before any write.

import type { DesiredResource } from '../config/model.js';
import { formatPosition } from '../config/model.js';
import { describeRequirement, fieldByPath, getPath, missingRequirements, type ResourceSpec } from '../resources/index.js';
import type { LiveObject } from './model.js';

/** Each rule the write would break, said with where every value involved comes from; empty when none. */
export function ruleViolations(spec: ResourceSpec, desired: DesiredResource, live: LiveObject | null): string[] {
  const fromConfig = (path: string) => path in desired.values;
  const valueAt = (path: string) => (fromConfig(path) ? desired.values[path] : live === null ? undefined : getPath(live, fieldByPath(spec, path)?.liveKey ?? path));
  return (spec.rules ?? []).flatMap((rule) => {
    const missing = missingRequirements(rule, valueAt);
    if (missing.length === 0) return [];
    const origins = [rule.when, ...missing].map((path) => {
      if (fromConfig(path)) return `${path}: ${JSON.stringify(desired.values[path])}${desired.positions[path] ? ` at ${formatPosition(desired.positions[path])}` : ' in the config'}`;
      if (live === null) return `${path} is not in the config (the ${spec.type} does not exist yet)`;
      return path === rule.when ? `${path} is true in the live ${spec.type}` : `${path} is not in the config and not set in the live ${spec.type}`;
    });
    const refusal = rule.apiError ? ` (error ${rule.apiError.code})` : '';
    return [`${spec.type}: ${describeRequirement(spec, rule, missing)}: ${origins.join('; ')}; the API would refuse this write${refusal}`];
  });
}
