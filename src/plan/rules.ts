// Cross-field rules (declared with each resource) judged on what a write would leave behind: the config's values
// laid over the live object. Offline validation refuses only what the config alone decides (a needed field it
// clears); whether a field the config leaves out is set live is known only here, before any write.

import type { DesiredResource } from '../config/model.js';
import { formatPosition } from '../config/model.js';
import { describeRequirement, fieldByPath, getPath, lockedFor, missingRequirements, type ResourceSpec } from '../resources/index.js';
import { sameValue } from '../resources/normalize.js';
import type { LiveObject } from './model.js';

/** Each rule the write would break, said with where every value involved comes from; empty when none. */
export function ruleViolations(spec: ResourceSpec, desired: DesiredResource, live: LiveObject | null, now: Date = new Date()): string[] {
  return [...requirementViolations(spec, desired, live), ...lockedViolations(spec, desired, live, now)];
}

/**
 * A value the object can no longer take, because of when it was created (strict_service_token_auth: false on an
 * organization created on or after 2026-10-05; one about to be created is created now).
 */
function lockedViolations(spec: ResourceSpec, desired: DesiredResource, live: LiveObject | null, now: Date): string[] {
  return (spec.locked ?? []).flatMap((rule) => {
    if (!(rule.field in desired.values)) return [];
    const value = desired.values[rule.field];
    if (!sameValue(fieldByPath(spec, rule.field)!, value, rule.refused)) return [];
    const createdAt = live === null ? now.toISOString() : getPath(live, rule.createdAt);
    if (!lockedFor(rule, createdAt)) return [];
    const at = desired.positions[rule.field] ? ` at ${formatPosition(desired.positions[rule.field])}` : ' in the config';
    const when = live === null ? `it would be created now (${createdAt})` : `this one was created ${String(createdAt)}`;
    return [
      `${spec.type}: ${rule.field}: ${JSON.stringify(value)}${at} breaks the rule ${rule.name}: ${rule.why} (${when}); remove the line or set it to ${JSON.stringify(rule.lockedAs)} (the API would refuse this write, error ${rule.apiError.code})`,
    ];
  });
}

function requirementViolations(spec: ResourceSpec, desired: DesiredResource, live: LiveObject | null): string[] {
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
