// The plan's changes rolled up for reading at fleet scale: identical changes (same field, same values, written at
// the same place, same origin and marks) become one entry with the targets they are on. A one-line change made
// through the defaults on 25 accounts is one entry, not 25. Pure: the plan in, entries out; renderers only render.

import canonicalize from 'canonicalize';
import { RESOURCES } from '../resources/index.js';
import type { ResourceType } from '../resources/fields.js';
import type { ChangeSource, Origin, Plan, TargetPlan } from './model.js';

export interface RolledChange {
  /** With --baseline: whether the pull request brings it; null without a baseline. */
  origin: Origin | null;
  resource: ResourceType;
  path: string;
  /** create: the resource does not exist yet (no before). */
  action: 'create' | 'update';
  before: unknown;
  after: unknown;
  source: ChangeSource | null;
  /** The safety rule the live value weakens (security drift), if any. */
  weakens: string | null;
  /** The rules that block this change. */
  blocked: string[];
  /** The targets it is on, in plan order. */
  targets: TargetPlan[];
}

const ORIGIN_ORDER: Record<string, number> = { introduced: 0, drift: 1, none: 2 };

/** Introduced before drift; security drift first within each; then in the resource tables' order. */
export function rollUp(plan: Pick<Plan, 'targets' | 'blocked'>): RolledChange[] {
  const groups = new Map<string, RolledChange>();
  for (const target of plan.targets) {
    for (const resource of target.resources) {
      if (resource.action === 'noop') continue;
      for (const change of resource.changes) {
        const blocked = plan.blocked
          .filter((b) => b.scope === target.scope && b.id === target.id && b.resource === resource.type && b.path === change.path)
          .map((b) => b.rule)
          .sort();
        const entry = {
          origin: change.origin ?? null,
          resource: resource.type,
          path: change.path,
          action: resource.action,
          before: resource.action === 'create' ? null : change.before,
          after: change.after,
          source: change.source ? { file: change.source.file, line: change.source.line, col: change.source.col, via: change.source.via } : null,
          weakens: change.weakens ?? null,
          blocked,
        };
        const key = canonicalize(entry) ?? '';
        const group = groups.get(key);
        if (group) group.targets.push(target);
        else groups.set(key, { ...entry, targets: [target] });
      }
    }
  }
  return [...groups.values()].sort(
    (a, b) =>
      ORIGIN_ORDER[a.origin ?? 'none']! - ORIGIN_ORDER[b.origin ?? 'none']! ||
      Number(b.weakens !== null) - Number(a.weakens !== null) ||
      fieldOrder(a) - fieldOrder(b) ||
      b.targets.length - a.targets.length,
  );
}

function fieldOrder(c: Pick<RolledChange, 'resource' | 'path'>): number {
  const r = RESOURCES.findIndex((spec) => spec.type === c.resource);
  const f = r < 0 ? -1 : RESOURCES[r]!.fields.findIndex((field) => field.path === c.path);
  return (r < 0 ? RESOURCES.length : r) * 1000 + (f < 0 ? 999 : f);
}
