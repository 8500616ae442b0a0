// The plan: the one thing that flows from the diff to every renderer and to apply. It is plain JSON data
// (versioned; fields may be added, never renamed), so it can be saved, compared and fingerprinted. A saved
// plan is self-contained: it carries the desired values and the full live snapshot it was computed against.

import type { SourcePosition, Via } from '../config/model.js';
import type { ResourceType, Scope } from '../resources/fields.js';
import { VERSION } from '../version.js';
import type { UnmanagedField } from './unmanaged.js';
import { visible } from '../util/terminal.js';

export const PLAN_FORMAT_VERSION = '1';
/** The plan formats this version of ztsync can read back (apply --plan). */
export const READABLE_FORMAT_VERSIONS: readonly string[] = [PLAN_FORMAT_VERSION];

export type Action = 'create' | 'update' | 'noop';

/** Where a change's desired value was written, and whether the target's own entry or the defaults gave it. */
export interface ChangeSource extends SourcePosition {
  via: Via;
}

/** With --baseline: a change the pull request brings, or one the base branch's config would make too (drift). */
export type Origin = 'introduced' | 'drift';

export interface FieldChange {
  /** Dotted field path, e.g. "login_design.background_color". */
  path: string;
  /** The live value as the API reported it; null when absent (false for an absent boolean). */
  before: unknown;
  /** The desired value as written in the config. */
  after: unknown;
  /** Where `after` was written; null only for plans built without positions. */
  source: ChangeSource | null;
  /** Set only when the plan was made with --baseline. */
  origin?: Origin;
  /**
   * Security drift: the safety rule (resources/safety.ts) that going from the config's value (`after`) to the live
   * value (`before`) would trip — the live state is weaker than the config in the way that rule guards. Set only on
   * changes to a live object that exists and that the pull request does not introduce.
   */
  weakens?: string;
}

export type LiveObject = Record<string, unknown>;

export interface ResourcePlan {
  type: ResourceType;
  action: Action;
  changes: FieldChange[];
  /** Fields the config manages for this resource (changed or not). */
  managed: string[];
  /** The config's value of every managed field, defaults laid under (keyed by dotted path). */
  desired: Record<string, unknown>;
  /** The live object exactly as the API returned it, every field, known to ztsync or not; null when it does not exist yet. */
  live: LiveObject | null;
}

export interface PlanError {
  message: string;
  status?: number;
  codes?: number[];
}

export interface TargetPlan {
  scope: Scope;
  id: string;
  description: string | null;
  /**
   * What people call the target: its config `description`, else the live organization's name; null when neither is
   * known. Every plan ztsync makes has it; plans saved by an earlier version do not (targetName falls back).
   */
  name?: string | null;
  /** The target's labels, as the config gives them; absent when it has none. */
  labels?: Record<string, string>;
  source: SourcePosition;
  /** The environment variable whose token reads and writes this target (never the token); absent: the default credentials. */
  credentials_env?: string;
  resources: ResourcePlan[];
  error: PlanError | null;
  /** With --attribute, on drifted targets: who last changed them, from the account's audit log. */
  attribution?: Attribution;
}

/** The most recent write to one drifted resource of a target, as the audit log records it. */
export interface AttributedChange {
  resource: ResourceType;
  /** When (ISO 8601, UTC). */
  at: string;
  /** The audit log's actor.type: user, account (an account-owned token), cloudflare_admin, system… */
  actor_type: string;
  /** The person's email (in the dashboard, or with their own token or key); null when the log has none. */
  email: string | null;
  /** For a change made with an API token: its name (its id when the log has no name); else null. */
  token: string | null;
  /** How they authenticated (actor.context): dash, api_token, api_key, oauth… */
  context: string | null;
  /** The request's method: PUT, POST or PATCH. */
  method: string;
  ray_id: string | null;
  /** Made with a credential this run of ztsync uses. */
  by_ztsync: boolean;
}

/**
 * plan --attribute: `found` with the newest change of each drifted resource that the audit log holds since `since`,
 * or `unavailable` and why (no permission, an error, nothing in the log since the window start, past retention).
 */
export type Attribution =
  | { status: 'found'; since: string; changes: AttributedChange[] }
  | { status: 'unavailable'; reason: string };

export interface PlanSummary {
  create: number;
  update: number;
  noop: number;
  error: number;
  /** Changes whose live value is weaker than the config's (security drift: `weakens` on the change). */
  weakens: number;
}

/**
 * A change a safety rule (or the change budget) stops. `scope`, `id` and `path` are null for the change
 * budget, which is about the plan as a whole.
 */
export interface BlockedChange {
  rule: string;
  scope: Scope | null;
  id: string | null;
  resource: ResourceType | null;
  /** The field's dotted path within the resource. */
  path: string | null;
  /** The change's values (as in `changes`); null for the change budget. */
  before: unknown;
  after: unknown;
  /** What the change does, e.g. "an authenticator is removed", or why the budget blocks the plan. */
  message: string;
}

/** A change a safety rule would have stopped, let through by --allow or by an `allow` entry of the config. */
export interface AllowedChange {
  rule: string;
  scope: Scope;
  id: string;
  resource: ResourceType;
  path: string;
  /** "flag": --allow RULE on the command line; "config": an allow entry (with its reason and place). */
  via: 'flag' | 'config';
  reason: string | null;
  source: SourcePosition | null;
}

/** A config allow entry that allowed nothing in this plan: remove it. */
export interface UnusedAllowance {
  rule: string;
  scope: Scope;
  id: string;
  reason: string | null;
  source: SourcePosition | null;
}

export interface ChangeBudgetReport {
  /** As given: "25%" or "5". */
  max: string;
  /** The most targets that may change. */
  limit: number;
  /** Targets with changes, and targets in the plan. */
  changed: number;
  targets: number;
  /**
   * --shard K/N: the budget is judged on the whole selected fleet (fleet_targets, at most fleet_limit changing) and
   * `limit` is this shard's share of it; null: no --shard.
   */
  shard: { index: number; count: number; fleet_targets: number; fleet_limit: number } | null;
  /** Who set the budget: the default, --max-changed-targets, or the config's `budget` (then with its reason and place). */
  set_by: 'default' | 'flag' | 'config';
  reason: string | null;
  source: SourcePosition | null;
  /** "introduced": with --baseline, only targets with a change the config under review brings count; "all": every changed target. */
  counts: 'all' | 'introduced';
  /** With counts "introduced": the changed targets whose changes are all drift (reported, not counted); else null. */
  drift_only: number | null;
}

export interface BaselineReport {
  paths: string[];
  /** Changes the base branch's config would not make (the pull request brings them). */
  introduced: number;
  /** Changes the base branch's config would make too: live state had drifted from it already. */
  drift: number;
}

/**
 * What a plan covers: the run's selection of targets (so that apply can select the same targets from the config
 * again) and the config it was made from.
 */
export interface PlanCoverage {
  /** --shard K/N as "K/N"; null: every shard. */
  shard: string | null;
  /** --account / --zone filters, in lowercase; empty: no filter. */
  accounts: string[];
  zones: string[];
  /** --select: the labels every planned target carries; null: no such filter. */
  select: Record<string, string> | null;
  /** --only-failed: the `scope:id` keys it picked, sorted; null: no such filter. */
  only: string[] | null;
  /** The git commit (HEAD) of the work tree holding the config; null outside a git work tree. */
  config_commit: string | null;
  /** The config paths have changes that commit does not hold (uncommitted or untracked files). */
  config_dirty: boolean;
}

/** A plan of every target of the config, outside git (plans built without a selection, e.g. the offline bench). */
export const WHOLE_CONFIG: PlanCoverage = { shard: null, accounts: [], zones: [], select: null, only: null, config_commit: null, config_dirty: false };

export interface Plan {
  format_version: typeof PLAN_FORMAT_VERSION;
  /** The ztsync that made the plan. */
  ztsync_version: string;
  /** The API the live state was read from (never credentials). */
  api_base: string;
  /** When the live state was read (ISO 8601, UTC). */
  created_at: string;
  targets: TargetPlan[];
  blocked: BlockedChange[];
  allowed: AllowedChange[];
  /** The change budget the plan was judged by (null when none applies: fewer than 8 targets and no --max-changed-targets). */
  change_budget: ChangeBudgetReport | null;
  coverage: PlanCoverage;
  /** With --baseline: the base branch's config paths, and how many changes it introduces or finds already pending. */
  baseline?: BaselineReport;
  /**
   * Config allow entries that let nothing through in this plan, on a target it planned: left in place, they would let
   * a later change of that kind through unreviewed. Absent when there are none.
   */
  unused_allowances?: UnusedAllowance[];
  /** With --baseline: what the base branch's config manages and this one does not (fields, and targets that left it). */
  unmanaged?: UnmanagedField[];
  summary: PlanSummary;
  /** "sha256:…" of the plan's canonical JSON without this field; set when the plan is complete (sealPlan). */
  checksum?: string;
}

/** Resource actions are counted per resource; errors per target. */
export function summarize(targets: TargetPlan[]): PlanSummary {
  const summary: PlanSummary = { create: 0, update: 0, noop: 0, error: 0, weakens: 0 };
  for (const target of targets) {
    // A target with an error is not written (apply fails it): its changes are not changes the plan will make.
    if (target.error) summary.error++;
    else {
      for (const resource of target.resources) {
        summary[resource.action]++;
        summary.weakens += resource.changes.filter((c) => c.weakens !== undefined).length;
      }
    }
  }
  return summary;
}

export function makePlan(apiBase: string, targets: TargetPlan[], createdAt: Date = new Date()): Plan {
  return {
    format_version: PLAN_FORMAT_VERSION,
    ztsync_version: VERSION,
    api_base: apiBase,
    created_at: createdAt.toISOString(),
    targets,
    blocked: [],
    allowed: [],
    change_budget: null,
    coverage: WHOLE_CONFIG,
    summary: summarize(targets),
  };
}

export function hasChanges(plan: Plan): boolean {
  return plan.summary.create + plan.summary.update > 0;
}

/** Whether apply would write anything for this target (never for one with an error, e.g. a cross-field rule it fails). */
export function targetChanges(target: TargetPlan): boolean {
  return !target.error && target.resources.some((r) => r.action !== 'noop');
}

/** A target as people know it; plans saved before targets carried a name fall back to the description. */
export interface Named {
  scope: TargetPlan['scope'];
  id: string;
  name?: string | null;
  description?: string | null;
}

/** The name people know the target by (see TargetPlan.name), or null. */
export function targetName(target: Named): string | null {
  return target.name ?? target.description ?? null;
}

/** The longest a name is shown next to an id: a name is a label, and a pull request can make one 70 KB long. */
export const NAME_SHOWN_MAX = 80;

/** A name cut to NAME_SHOWN_MAX characters, the cut marked with "…". */
export function shortName(name: string): string {
  const chars = [...name];
  return chars.length <= NAME_SHOWN_MAX ? name : `${chars.slice(0, NAME_SHOWN_MAX - 1).join('')}…`;
}

/** "account ID (name)" on one line, its text from outside made visible (see util/terminal.ts). */
export function targetLabel(target: Named): string {
  const name = targetName(target);
  return visible(`${target.scope} ${target.id}${name ? ` (${shortName(name)})` : ''}`);
}

/** The plan's target with this scope and id. */
export function findTarget(plan: Pick<Plan, 'targets'>, scope: unknown, id: unknown): TargetPlan | undefined {
  return plan.targets.find((t) => t.scope === scope && t.id === id);
}

/**
 * Targets that drifted: something to update, blocked or not (a change a safety rule stops is still a live value
 * that differs from the config). Creates and errors are counted apart.
 */
export function driftedTargets(plan: Pick<Plan, 'targets'>): TargetPlan[] {
  return plan.targets.filter((t) => t.resources.some((r) => r.action === 'update'));
}

/** Every change that weakens security, with its target and resource, in plan order. */
export function securityDrift(plan: Pick<Plan, 'targets'>): { target: TargetPlan; resource: ResourcePlan; change: FieldChange & { weakens: string } }[] {
  const found: { target: TargetPlan; resource: ResourcePlan; change: FieldChange & { weakens: string } }[] = [];
  for (const target of plan.targets) {
    for (const resource of target.resources) {
      for (const change of resource.changes) if (change.weakens !== undefined) found.push({ target, resource, change: change as FieldChange & { weakens: string } });
    }
  }
  return found;
}

/** An explicit null in the config: the field is to be unset (sent as null, the way the API clears a field). */
export function isUnset(change: Pick<FieldChange, 'after'>): boolean {
  return change.after === null;
}

/**
 * A field value as plans print it: JSON, so strings are quoted and lists are visible as lists. JSON escapes
 * C0 controls; C1, bidi and other invisible characters are escaped as well (still JSON, the same value).
 */
export function show(value: unknown): string {
  return visible(JSON.stringify(value) ?? 'null');
}

/**
 * Every key ztsync writes in a saved plan, per level: apply --plan refuses a plan with any other (a field this
 * ztsync does not know could mean something it would not honour). Typed against the interfaces, so a field added
 * to the plan does not compile until it is listed here.
 */
type Keys<T> = { readonly [K in keyof Required<T>]: true };
export const PLAN_KEYS: Keys<Plan> = {
  format_version: true, ztsync_version: true, api_base: true, created_at: true, targets: true, blocked: true, allowed: true,
  change_budget: true, coverage: true, baseline: true, unused_allowances: true, unmanaged: true, summary: true, checksum: true,
};
export const COVERAGE_KEYS: Keys<PlanCoverage> = { shard: true, accounts: true, zones: true, select: true, only: true, config_commit: true, config_dirty: true };
export const TARGET_KEYS: Keys<TargetPlan> = { scope: true, id: true, description: true, name: true, labels: true, source: true, credentials_env: true, resources: true, error: true, attribution: true };
export const RESOURCE_KEYS: Keys<ResourcePlan> = { type: true, action: true, changes: true, managed: true, desired: true, live: true };
export const CHANGE_KEYS: Keys<FieldChange> = { path: true, before: true, after: true, source: true, origin: true, weakens: true };

const CONTEXTS: Record<string, string> = {
  dash: 'in the dashboard',
  api_token: 'with an API token',
  api_key: 'with a Global API key',
  oauth: 'through OAuth',
  api: 'through the API',
  origin_ca_key: 'with an Origin CA key',
};

/**
 * One attributed change in words, e.g. "changed by alice@example.com in the dashboard, 2026-12-01 14:03 UTC";
 * shared by the renderers so that they say the same thing. Text from the audit log is made visible.
 */
export function describeAttributedChange(change: AttributedChange): string {
  // ztsync's own credential in other hands is still that credential: say which, not that ztsync ran.
  if (change.by_ztsync) return visible(`changed with ztsync's own ${change.token === null ? 'credential' : `token ${JSON.stringify(change.token)}`}, ${utcMinute(change.at)}`);
  const how = change.context ? ` ${CONTEXTS[change.context] ?? `via ${change.context}`}` : '';
  return visible(`changed by ${whoChanged(change)}${how}, ${utcMinute(change.at)}`);
}

function whoChanged({ actor_type, email, token }: AttributedChange): string {
  if (actor_type === 'system') return 'Cloudflare (system)';
  if (actor_type === 'cloudflare_admin') return `Cloudflare staff${email ? ` (${email})` : ''}`;
  return email ?? (token === null ? `an unnamed ${actor_type}` : `token ${JSON.stringify(token)}`);
}

/** "2026-12-01 14:03 UTC" (the text as it is when it is not a time). */
export function utcMinute(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** The attribution of a target in one line: each drifted resource's change, or why there is none. */
export function attributionLine(attribution: Attribution): string {
  if (attribution.status === 'unavailable') return visible(`attribution unavailable: ${attribution.reason}`);
  return attribution.changes.map((c) => `${c.resource}: ${describeAttributedChange(c)}`).join('; ');
}
