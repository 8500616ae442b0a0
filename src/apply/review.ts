// apply --plan: a saved plan is a record of what was reviewed, never a source of authority. Its checksum only says
// the file is whole (anyone can recompute it), so before anything is written every part of it that could make apply
// do something other than what the plan shows is checked again here, from what this run itself knows: its version
// and clock, the resource tables, the planning code, the safety rules, and (when given) the config. Pure: the
// plan and what the run knows in, the plan to apply or one readable reason to refuse it whole out.

import canonicalize from 'canonicalize';
import type { DesiredResource, DesiredTarget, SourcePosition, Via } from '../config/model.js';
import { checkValue } from '../emulator/field-checks.js';
import { canBeUnset } from '../config/schema.js';
import { planTarget, selectTargets, targetKey, type Selection } from '../plan/build.js';
import {
  CHANGE_KEYS,
  COVERAGE_KEYS,
  PLAN_KEYS,
  RESOURCE_KEYS,
  show,
  summarize,
  TARGET_KEYS,
  type FieldChange,
  type Plan,
  type PlanCoverage,
  type ResourcePlan,
  type TargetPlan,
} from '../plan/model.js';
import { checkSafety, markSecurityDrift, type SafetyOptions } from '../plan/safety.js';
import { fieldByPath, isPlainObject } from '../resources/fields.js';
import { resourceSpec } from '../resources/index.js';
import { visible } from '../util/terminal.js';

/** What this run knows, against which a saved plan is judged. */
export interface ReviewContext {
  /** This ztsync's version: a plan made by another is refused (as Terraform refuses plan files across versions). */
  version: string;
  now: Date;
  /** --max-plan-age, in milliseconds. */
  maxAgeMs: number;
  /** The allowances and budget of this run: the config given now and the flags given now, never the file's. */
  safety: SafetyOptions;
  /** apply --plan FILE <config paths>: the config's targets (every one; the plan's coverage selects among them). */
  config?: ConfigGiven;
}

export interface ConfigGiven {
  targets: readonly DesiredTarget[];
  /** The config's git commit, when it is in a git work tree. */
  commit: string | null;
}

export type Review = { ok: true; plan: Plan } | { ok: false; reason: string };

/** A plan a few minutes "in the future" is a clock apart; more is a plan that would never expire. */
const CLOCK_SKEW_MS = 5 * 60_000;
/** How many differences a refusal names. */
const SHOWN = 5;

export async function reviewSavedPlan(plan: Plan, context: ReviewContext): Promise<Review> {
  const refusal =
    versionProblem(plan, context.version) ??
    ageProblem(plan, context.now, context.maxAgeMs) ??
    unknownKeys(plan) ??
    coverageProblem(plan.coverage) ??
    unknownDesired(plan) ??
    (context.config ? configDifferences(plan, context.config) : credentialsFromFile(plan));
  if (refusal) return { ok: false, reason: refusal };
  const targets: TargetPlan[] = [];
  const mismatches: string[] = [];
  for (const target of plan.targets) {
    const rederived = await rederive(target);
    mismatches.push(...changesMismatch(target, rederived));
    targets.push(withCredentials(rederived, context.config));
  }
  if (mismatches.length > 0) return { ok: false, reason: `its changes are not what its desired values make against its recorded live state: ${listed(mismatches)}` };
  // The rules and the budget, judged again with this run's allowances; whatever the file says was blocked or allowed is not read.
  const judged = checkSafety({ ...plan, targets, blocked: [], allowed: [], change_budget: null, summary: summarize(targets) }, context.safety);
  // Security drift, marked again from the re-derived changes (whatever the file marked is not read).
  return { ok: true, plan: markSecurityDrift(judged) };
}

function versionProblem(plan: Plan, version: string): string | undefined {
  if (plan.ztsync_version === version) return undefined;
  return `it was made by ztsync ${show(plan.ztsync_version)}, and this is ztsync ${version}: a plan is applied only by the version that made it; plan again with this one`;
}

function ageProblem(plan: Plan, now: Date, maxAgeMs: number): string | undefined {
  const made = typeof plan.created_at === 'string' ? Date.parse(plan.created_at) : NaN;
  if (Number.isNaN(made)) return `its created_at ${show(plan.created_at)} is not a time`;
  const age = now.getTime() - made;
  if (age < -CLOCK_SKEW_MS) return `it says it was made at ${plan.created_at}, which is in the future`;
  if (age > maxAgeMs) return `it was made at ${plan.created_at}, ${formatAge(age)} ago, longer ago than --max-plan-age (${formatAge(maxAgeMs)}); plan again`;
  return undefined;
}

/** "3d 4h", "2h 5m", "40m", "20s": how old, to the nearest minute (seconds under one). */
export function formatAge(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)}s`;
  const minutes = Math.round(ms / 60_000);
  const [d, h, m] = [Math.floor(minutes / 1440), Math.floor((minutes % 1440) / 60), minutes % 60];
  const parts = [d ? `${d}d` : '', h ? `${h}h` : '', m && !d ? `${m}m` : ''].filter(Boolean);
  return parts.join(' ') || '0m';
}

/** A key this ztsync does not write, at any level: something the plan would mean that this ztsync would not honour. */
function unknownKeys(plan: Plan): string | undefined {
  const extra = (value: unknown, known: object, at: string): string | undefined => {
    if (!isPlainObject(value)) return undefined;
    const key = Object.keys(value).find((k) => !Object.hasOwn(known, k));
    return key === undefined ? undefined : `${at}${at ? '.' : ''}${visible(key)}`;
  };
  const found =
    extra(plan, PLAN_KEYS, '') ??
    extra(plan.coverage, COVERAGE_KEYS, 'coverage') ??
    plan.targets.map((t, i) => extra(t, TARGET_KEYS, `targets[${i}]`) ?? t.resources.map((r, j) => extra(r, RESOURCE_KEYS, `targets[${i}].resources[${j}]`) ?? r.changes.map((c, k) => extra(c, CHANGE_KEYS, `targets[${i}].resources[${j}].changes[${k}]`)).find(Boolean)).find(Boolean)).find(Boolean);
  return found ? `it has a field this ztsync does not know: ${found}` : undefined;
}

function coverageProblem(coverage: unknown): string | undefined {
  const strings = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string');
  const ok =
    isPlainObject(coverage) &&
    (coverage.shard === null || (typeof coverage.shard === 'string' && /^[1-9]\d*\/[1-9]\d*$/.test(coverage.shard))) &&
    strings(coverage.accounts) &&
    strings(coverage.zones) &&
    (coverage.select === null || coverage.select === undefined || (isPlainObject(coverage.select) && Object.values(coverage.select).every((v) => typeof v === 'string'))) &&
    (coverage.only === null || strings(coverage.only)) &&
    (coverage.config_commit === null || typeof coverage.config_commit === 'string') &&
    typeof coverage.config_dirty === 'boolean';
  return ok ? undefined : 'its coverage is not shaped as ztsync writes it';
}

/** A desired key or value the resource tables do not take for the target's scope (and each resource once). */
function unknownDesired(plan: Plan): string | undefined {
  const targets = new Set<string>();
  for (const target of plan.targets) {
    const key = `${target.scope}:${String(target.id).toLowerCase()}`;
    if (targets.has(key)) return `${target.scope} ${visible(target.id)} is there twice`;
    targets.add(key);
    const seen = new Set<string>();
    for (const resource of target.resources) {
      const at = `${target.scope} ${visible(target.id)} ${resource.type}`;
      const spec = resourceSpec(resource.type);
      if (!spec.scopes.includes(target.scope)) return `${at}: a ${target.scope} has no ${resource.type}`;
      if (seen.has(resource.type)) return `${at} is there twice`;
      seen.add(resource.type);
      for (const [path, value] of Object.entries(resource.desired)) {
        const field = fieldByPath(spec, path);
        if (!field || field.readOnly || !field.scopes.includes(target.scope)) return `${at}: desired ${visible(path)} is not a field ztsync writes for a ${target.scope}`;
        const problem = value === null ? (canBeUnset(field) ? undefined : 'cannot be unset') : checkValue(field.type, value);
        if (problem) return `${at}: desired ${path} ${visible(problem)}`;
      }
      if (!Array.isArray(resource.managed) || canonicalize([...resource.managed].sort()) !== canonicalize(Object.keys(resource.desired).sort())) return `${at}: its managed fields are not its desired ones`;
    }
  }
  return undefined;
}

/** Without a config, nothing tells which credentials a target takes but the default ones: a credentials_env in the file is not trusted. */
function credentialsFromFile(plan: Plan): string | undefined {
  const named = plan.targets.find((t) => t.credentials_env !== undefined);
  if (!named) return undefined;
  return `${named.scope} ${visible(named.id)} names credentials_env ${show(named.credentials_env)}: which token writes a target is taken from the config, never from a plan file; give the config paths (apply --plan FILE <config paths>)`;
}

/** The target's plan made again by the planning code, from its desired values against its recorded live snapshot. */
async function rederive(target: TargetPlan): Promise<TargetPlan> {
  // A target that could not be planned is not applied (its error stands); nothing to derive.
  if (target.error) return target;
  const snapshot = new Map(target.resources.map((r) => [r.type, r.live]));
  const desired: DesiredTarget = {
    scope: target.scope,
    id: target.id,
    ...(target.description ? { description: target.description } : {}),
    ...(target.labels ? { labels: target.labels } : {}),
    source: target.source,
    resources: target.resources.map(desiredOf),
  };
  const made = await planTarget(desired, async (type) => snapshot.get(type) ?? null);
  // Labels the planning code does not make (with --baseline: introduced or drift) are kept where the change is the same.
  const resources = made.resources.map((r, i) => ({ ...r, changes: r.changes.map((c) => withOrigin(c, target.resources[i]?.changes)) }));
  return { ...made, resources };
}

function desiredOf(resource: ResourcePlan): DesiredResource {
  const positions: Record<string, SourcePosition> = {};
  const via: Record<string, Via> = {};
  for (const change of resource.changes) {
    if (!isPlainObject(change.source)) continue;
    const { file, line, col } = change.source;
    positions[change.path] = { file, line, col };
    via[change.path] = change.source.via;
  }
  return { type: resource.type, values: resource.desired, positions, via };
}

function withOrigin(change: FieldChange, shown: readonly FieldChange[] | undefined): FieldChange {
  const origin = shown?.find((c) => c.path === change.path)?.origin;
  return origin ? { ...change, origin } : change;
}

/** Where the plan shows something other than what its desired values make: its actions, its changes, its errors. */
function changesMismatch(shown: TargetPlan, made: TargetPlan): string[] {
  const at = `${shown.scope} ${visible(shown.id)}`;
  if ((shown.error?.message ?? null) !== (made.error?.message ?? null)) return [`${at}: it shows ${shown.error ? 'an error' : 'no error'}, its desired values make ${made.error ? `the error ${show(made.error.message)}` : 'none'}`];
  if (shown.resources.length !== made.resources.length) return [`${at}: it shows ${shown.resources.length} resources, its desired values make ${made.resources.length}`];
  const out: string[] = [];
  for (const [i, resource] of shown.resources.entries()) {
    const again = made.resources[i];
    const where = `${at} ${resource.type}`;
    if (resource.action !== again.action) out.push(`${where}: it shows ${resource.action}, its desired values make ${again.action}`);
    const byPath = (changes: readonly FieldChange[]) => new Map(changes.map((c) => [c.path, canonicalize([c.before, c.after])]));
    const [a, b] = [byPath(resource.changes), byPath(again.changes)];
    for (const path of new Set([...a.keys(), ...b.keys()])) {
      if (a.get(path) === b.get(path)) continue;
      const change = again.changes.find((c) => c.path === path);
      const old = resource.changes.find((c) => c.path === path);
      out.push(`${where}.${visible(path)}: it shows ${old ? `${show(old.before)} → ${show(old.after)}` : 'no change'}, its desired values make ${change ? `${show(change.before)} → ${show(change.after)}` : 'no change'}`);
    }
    if (resource.changes.length !== new Set(resource.changes.map((c) => c.path)).size) out.push(`${where}: it shows a field's change twice`);
  }
  return out;
}

function withCredentials(target: TargetPlan, config: ConfigGiven | undefined): TargetPlan {
  const { credentials_env: _fromFile, ...rest } = target;
  const fromConfig = config?.targets.find((t) => t.scope === target.scope && t.id === target.id)?.credentialsEnv?.name;
  return fromConfig ? { ...rest, credentials_env: fromConfig } : rest;
}

/**
 * apply --plan FILE <config paths>: the plan's targets and desired values must be exactly what the config asks for,
 * among the targets the plan's coverage selects; the first differences are named.
 */
function configDifferences(plan: Plan, config: ConfigGiven): string | undefined {
  const wanted = selectTargets([...config.targets], selectionOf(plan.coverage));
  const inConfig = new Map(wanted.map((t) => [targetKey(t), t]));
  const inPlan = new Map(plan.targets.map((t) => [targetKey(t), t]));
  const out: string[] = [];
  for (const target of plan.targets) {
    const label = `${target.scope} ${visible(target.id)}`;
    const asked = inConfig.get(targetKey(target));
    if (!asked) {
      out.push(`${label} is in the plan, not in the config`);
      continue;
    }
    if ((target.credentials_env ?? null) !== (asked.credentialsEnv?.name ?? null)) {
      out.push(`${label}: the plan names credentials_env ${show(target.credentials_env ?? null)}, the config ${show(asked.credentialsEnv?.name ?? null)}`);
    }
    out.push(...desiredDifferences(label, target.resources, asked.resources));
  }
  for (const target of wanted) if (!inPlan.has(targetKey(target))) out.push(`${target.scope} ${visible(target.id)} is in the config, not in the plan`);
  if (out.length === 0) return undefined;
  const commits = plan.coverage?.config_commit && config.commit && plan.coverage.config_commit !== config.commit ? ` (the plan was made from commit ${plan.coverage.config_commit.slice(0, 12)}, the config is at ${config.commit.slice(0, 12)})` : '';
  return `it is not what the config asks for${commits}: ${listed(out)}; plan again from this config`;
}

function desiredDifferences(label: string, planned: readonly ResourcePlan[], asked: readonly DesiredResource[]): string[] {
  const out: string[] = [];
  const types = new Set([...planned.map((r) => r.type), ...asked.map((r) => r.type)]);
  for (const type of types) {
    const a = planned.find((r) => r.type === type)?.desired;
    const b = asked.find((r) => r.type === type)?.values;
    if (!a || !b) {
      out.push(`${label} ${type} is ${a ? 'in the plan, not in the config' : 'in the config, not in the plan'}`);
      continue;
    }
    for (const path of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (canonicalize(a[path] ?? null) === canonicalize(b[path] ?? null) && Object.hasOwn(a, path) === Object.hasOwn(b, path)) continue;
      const value = (v: Record<string, unknown>) => (Object.hasOwn(v, path) ? show(v[path]) : 'not managed');
      out.push(`${label} ${type}.${visible(path)}: the plan has ${value(a)}, the config ${value(b)}`);
    }
  }
  return out;
}

/** The selection the plan's coverage records, to select the same targets of the config again. */
export function selectionOf(coverage: PlanCoverage | undefined): Selection {
  if (!coverage) return {};
  const shard = typeof coverage.shard === 'string' ? /^(\d+)\/(\d+)$/.exec(coverage.shard) : null;
  return {
    accounts: coverage.accounts ?? [],
    zones: coverage.zones ?? [],
    ...(coverage.select ? { select: coverage.select } : {}),
    ...(shard ? { shard: { index: Number(shard[1]), count: Number(shard[2]) } } : {}),
    ...(coverage.only ? { only: new Set(coverage.only) } : {}),
  };
}

function listed(items: readonly string[]): string {
  const more = items.length > SHOWN ? `; and ${items.length - SHOWN} more` : '';
  return items.slice(0, SHOWN).join('; ') + more;
}
