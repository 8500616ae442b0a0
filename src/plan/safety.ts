// Safety rails on a plan: the declared safety rules (resources/safety.ts) judged on the plan's changes, and
// the change budget judged on how many targets change. Pure: the plan in, the plan with `blocked`, `allowed`
// and `change_budget` filled in out. Renderers and apply only read those.

import { formatBudget, type ChangeBudget, type ConfigBudget } from '../config/budget.js';
import { allowExpired } from '../config/allow.js';
import { formatPosition, type SourcePosition } from '../config/model.js';
import { sameValue } from '../resources/normalize.js';
import type { Scope } from '../resources/fields.js';
import { CHANGE_BUDGET_RULE, SAFETY_RULES, type Around } from '../resources/safety.js';
import { fieldByPath, resourceSpec } from '../resources/index.js';
import { liveValue } from './diff.js';
import { summarize, targetChanges, type AllowedChange, type BlockedChange, type ChangeBudgetReport, type FieldChange, type Plan, type ResourcePlan, type TargetPlan } from './model.js';

/** Permission to make changes a rule would block: everywhere (--allow RULE) or on one target (a config `allow` entry). */
export interface Allowance {
  rule: string;
  /** Only this target; absent for --allow, which allows the rule on every target. */
  target?: { scope: Scope; id: string };
  via: 'flag' | 'config';
  reason: string | null;
  source: SourcePosition | null;
  /** `to:` — only a change to this value, compared as the diff compares values. */
  pin?: { to: unknown };
  /** YYYY-MM-DD (UTC): after this day the allowance lets nothing through. */
  expires?: string;
}

export { parseBudget, type ChangeBudget } from '../config/budget.js';

/** Without --max-changed-targets, a plan of at least this many targets may change at most 25 % of them. */
export const DEFAULT_BUDGET: ChangeBudget = { kind: 'percent', percent: 25 };
export const DEFAULT_BUDGET_MIN_TARGETS = 8;

export interface SafetyOptions {
  allow?: readonly Allowance[];
  /** The run's clock, for allowances that expire; without it none has expired. */
  now?: Date;
  /** --max-changed-targets; undefined: the config's budget, else the default (25 % from 8 targets on). */
  budget?: ChangeBudget;
  /** The config's `budget` (with its reason and place); --max-changed-targets wins over it for one run. */
  configBudget?: ConfigBudget;
  /**
   * With --baseline: the budget counts the targets the pull request changes (an introduced change); targets that
   * change by drift alone are reported beside it. Runs without a baseline (the drift correction) count every change.
   */
  countIntroduced?: boolean;
  /** The plan is one shard of this fleet: the budget is the fleet's, and the plan gets its shard's share. */
  fleet?: ShardedFleet;
}

/** The whole selected fleet before --shard: how many of its targets each shard holds (sizes[0]: shard 1). */
export interface ShardedFleet {
  shard: { index: number; count: number };
  sizes: readonly number[];
}


export function checkSafety(plan: Plan, options: SafetyOptions = {}): Plan {
  const blocked: BlockedChange[] = [];
  const allowed: AllowedChange[] = [];
  const now = options.now;
  const allow = (options.allow ?? []).filter((a) => !now || !allowExpired(a.expires, now));
  for (const target of plan.targets) {
    for (const resource of target.resources) {
      if (resource.action === 'noop') continue;
      for (const change of resource.changes) judgeChange(target, resource, change, allow, blocked, allowed);
    }
  }
  const budget = judgeBudget(plan, options);
  if (budget.blocked) blocked.push(budget.blocked);
  return { ...plan, blocked, allowed, change_budget: budget.report };
}

/** The resource's fields before (live) and after the write (the config's value where it manages the field, else live). */
function aroundOf(resource: ResourcePlan): Around {
  const spec = resourceSpec(resource.type);
  const before = (path: string) => {
    const field = fieldByPath(spec, path);
    return field ? liveValue(field, resource.live) : undefined;
  };
  return { before, after: (path) => (resource.desired && path in resource.desired ? resource.desired[path] : before(path)) };
}

function judgeChange(target: TargetPlan, resource: ResourcePlan, change: FieldChange, allow: readonly Allowance[], blocked: BlockedChange[], allowed: AllowedChange[]): void {
  for (const rule of SAFETY_RULES) {
    for (const trigger of rule.triggers) {
      if (trigger.resource !== resource.type || trigger.path !== change.path || (trigger.existingOnly && resource.action === 'create') || !trigger.when(change.before, change.after, aroundOf(resource))) continue;
      const place = { scope: target.scope, id: target.id, resource: resource.type, path: change.path };
      // A config entry (with its reason) is the more telling permission; --allow covers the rest.
      const lets = (a: Allowance) => a.rule === rule.name && (!a.pin || pinnedTo(resource, change, a.pin.to));
      const allowance =
        allow.find((a) => lets(a) && a.target?.scope === target.scope && a.target.id === target.id) ??
        allow.find((a) => lets(a) && !a.target);
      if (allowance) {
        allowed.push({ rule: rule.name, ...place, via: allowance.via, reason: allowance.reason, source: allowance.source });
      } else {
        blocked.push({ rule: rule.name, ...place, before: change.before, after: change.after, message: trigger.what });
      }
    }
  }
}

/** Whether the change's new value is the pinned one, compared by meaning as the diff compares (24h = 1440m). */
function pinnedTo(resource: ResourcePlan, change: FieldChange, to: unknown): boolean {
  const field = fieldByPath(resourceSpec(resource.type), change.path);
  return field !== undefined && sameValue(field, change.after, to);
}

/**
 * Security drift: each change to an existing object that the pull request does not introduce is judged by every
 * rule the other way round — from the config's value (`after`) to the live one (`before`). A rule that trips names
 * what the live state weakened (`weakens` on the change; counted in `summary.weakens`). The rules stay one table:
 * a row added there is judged here too.
 */
export function markSecurityDrift(plan: Plan): Plan {
  const targets = plan.targets.map((target): TargetPlan => ({
    ...target,
    resources: target.resources.map((resource): ResourcePlan => {
      if (resource.live === null) return resource;
      return { ...resource, changes: resource.changes.map((change) => withWeakens(resource, change)) };
    }),
  }));
  return { ...plan, targets, summary: summarize(targets) };
}

function withWeakens(resource: ResourcePlan, change: FieldChange): FieldChange {
  const { weakens: _earlier, ...rest } = change;
  if (change.origin === 'introduced') return rest;
  // The other way round, the object around it too: the config's side is "before", the live side "after".
  const around = aroundOf(resource);
  const reversed: Around = { before: around.after, after: around.before };
  const rule = SAFETY_RULES.find((r) => r.triggers.some((t) => t.resource === resource.type && t.path === change.path && t.when(change.after, change.before, reversed)));
  return rule ? { ...rest, weakens: rule.name } : rest;
}

/**
 * Config allow entries that let nothing through in this plan, on a target it planned: left in place after their
 * change has landed, they would let a later change of that kind through unreviewed. (Entries for targets outside
 * the plan — another shard, an --account filter — or whose target could not be planned are not judged.)
 */
export function unusedAllowances(plan: Plan, allow: readonly Allowance[]): Allowance[] {
  const planned = new Set(plan.targets.filter((t) => !t.error).map((t) => `${t.scope}:${t.id}`));
  // Per entry (its source): one entry naming several targets is used when any of them used it.
  const entryOf = (a: { rule: string; source: SourcePosition | null }) => `${a.rule}@${a.source ? formatPosition(a.source) : ''}`;
  const used = new Set(plan.allowed.filter((a) => a.via === 'config').map(entryOf));
  const judged = allow.filter((a) => a.target && planned.has(`${a.target.scope}:${a.target.id}`) && !used.has(entryOf(a)));
  const seen = new Set<string>();
  return judged.filter((a) => !seen.has(entryOf(a)) && seen.add(entryOf(a)));
}

/** Config allowances whose `expires` day has passed at `now`: one per entry. */
export function expiredAllowances(allow: readonly Allowance[], now: Date): Allowance[] {
  const seen = new Set<string>();
  return allow.filter((a) => allowExpired(a.expires, now) && a.source && !seen.has(formatPosition(a.source)) && seen.add(formatPosition(a.source)));
}

function judgeBudget(plan: Plan, options: SafetyOptions): { report: ChangeBudgetReport | null; blocked?: BlockedChange } {
  const { fleet, configBudget } = options;
  // The budget is the fleet's: a shard is judged on the whole selected fleet, and may spend only its share.
  const fleetTargets = fleet ? fleet.sizes.reduce((a, b) => a + b, 0) : plan.targets.length;
  const setBy: ChangeBudgetReport['set_by'] = options.budget ? 'flag' : configBudget ? 'config' : 'default';
  const budget = options.budget ?? configBudget?.budget ?? (fleetTargets >= DEFAULT_BUDGET_MIN_TARGETS ? DEFAULT_BUDGET : undefined);
  if (!budget) return { report: null };
  const fleetLimit = budget.kind === 'count' ? budget.count : Math.floor((fleetTargets * budget.percent) / 100);
  const limit = fleet ? shares(fleetLimit, fleet.sizes)[fleet.shard.index - 1] : fleetLimit;
  const targets = plan.targets.length;
  const changing = plan.targets.filter(targetChanges);
  const introduced = options.countIntroduced && plan.baseline ? changing.filter(introducesChange) : null;
  const changed = (introduced ?? changing).length;
  const max = formatBudget(budget);
  const shard = fleet ? { index: fleet.shard.index, count: fleet.shard.count, fleet_targets: fleetTargets, fleet_limit: fleetLimit } : null;
  const report: ChangeBudgetReport = {
    max,
    limit,
    changed,
    targets,
    shard,
    set_by: setBy,
    reason: setBy === 'config' ? configBudget!.reason : null,
    source: setBy === 'config' ? configBudget!.source : null,
    counts: introduced ? 'introduced' : 'all',
    drift_only: introduced ? changing.length - introduced.length : null,
  };
  if (changed <= limit) return { report };
  const of = budget.kind === 'percent' ? `${max} of ${fleetTargets} targets, so at most ${fleetLimit}` : `${fleetLimit} ${fleetLimit === 1 ? 'target' : 'targets'}`;
  const share = fleet ? ` across ${fleet.shard.count} shards, of which shard ${fleet.shard.index}/${fleet.shard.count} may change ${limit}` : '';
  const what = introduced ? `${changed} of ${targets} targets would change by what this config introduces` : `${changed} of ${targets} targets would change`;
  const message = `${what}, more than the change budget (${of}, ${budgetOrigin(report)}${share}); ${BUDGET_LIFT}`;
  return { report, blocked: { rule: CHANGE_BUDGET_RULE, scope: null, id: null, resource: null, path: null, before: null, after: null, message } };
}

/** How to lift the budget, said wherever it blocks. */
export const BUDGET_LIFT =
  'if that is intended, raise it in the config, where the pull request shows it to reviewers — budget: { max_changed_targets: "N%", reason: "why" } — or for one run with --max-changed-targets N or N%';

/** A target with a change the pull request brings (not only drift). */
function introducesChange(target: TargetPlan): boolean {
  return target.resources.some((r) => r.action !== 'noop' && r.changes.some((c) => c.origin !== 'drift'));
}

/** "the default", "set with --max-changed-targets" or "set at policy.yaml:3: "reason"". */
export function budgetOrigin(report: Pick<ChangeBudgetReport, 'set_by' | 'reason' | 'source'>): string {
  if (report.set_by === 'flag') return 'set with --max-changed-targets';
  if (report.set_by === 'config') return `set at ${report.source ? formatPosition(report.source) : 'the config'}: ${JSON.stringify(report.reason)}`;
  return 'the default';
}

/**
 * `limit` split among shards of these sizes in proportion, by largest remainder (ties: the lower shard), so the
 * shares add up to exactly `limit` and every shard computes the same split on its own.
 */
export function shares(limit: number, sizes: readonly number[]): number[] {
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total === 0) return sizes.map(() => 0);
  const quotas = sizes.map((size) => (limit * size) / total);
  const result = quotas.map(Math.floor);
  const byRemainder = quotas.map((q, i) => i).sort((a, b) => quotas[b] - result[b] - (quotas[a] - result[a]) || a - b);
  for (let left = limit - result.reduce((a, b) => a + b, 0), k = 0; left > 0; left--, k++) result[byRemainder[k]]++;
  return result;
}
