// Read live state for every desired target and diff it: the I/O edge of planning. A target whose read
// fails carries its error in the plan; the others are planned all the same.

import { matchesSelector, type Labels } from '../config/labels.js';
import { formatPosition, type DesiredResource, type DesiredState, type DesiredTarget } from '../config/model.js';
import { createHash } from 'node:crypto';
import { readLive, type LiveObject } from '../cloudflare/endpoints.js';
import { CloudflareApiError, CredentialRefusedError, refusedToken } from '../cloudflare/errors.js';
import { clientFor, type Clients } from '../cloudflare/pool.js';
import { resourceSpec, type ResourceType, type Scope } from '../resources/index.js';
import { mapLimit } from '../util/map-limit.js';
import { diffResource } from './diff.js';
import { ruleViolations } from './rules.js';
import { makePlan, type Plan, type PlanError, type ResourcePlan, type TargetPlan } from './model.js';

/** Which targets of the config a run takes. */
export interface Selection {
  /** Only these accounts / zones (by id); when both are empty, every target. */
  accounts?: string[];
  zones?: string[];
  /** Only the targets of shard `index` (1-based) of `count`. */
  shard?: Shard;
  /** Only these targets, as `scope:id` keys (e.g. the failed ones of an earlier run). */
  only?: ReadonlySet<string>;
  /** Only the targets whose labels match this selector (--select key=value, repeatable: all must match). */
  select?: Labels;
}

export interface PlanOptions extends Selection {
  concurrency?: number;
  /** Called as each target is planned, for progress output. */
  onTarget?: (target: TargetPlan) => void;
  /** Once aborted, no new target is read (those in flight finish) and the plan holds only the targets read. */
  signal?: AbortSignal;
}

export interface Shard {
  index: number;
  count: number;
}

export async function buildPlan(desired: DesiredState, clients: Clients, options: PlanOptions = {}): Promise<Plan> {
  const read: LiveReader = (target) => {
    const client = clientFor(clients, target.credentialsEnv?.name);
    return (type) => readLive(client, type, target.scope, target.id);
  };
  return buildPlanFrom(desired, clients.apiBase.href, read, options);
}

/** Where live state comes from: per target, a reader of each of its resources (null: not set up). */
export type LiveReader = (target: DesiredTarget) => (type: ResourceType) => Promise<LiveObject | null>;

/** The plan against live state from `read`: the API (buildPlan), or state read earlier (the offline bench). */
export async function buildPlanFrom(desired: DesiredState, apiBase: string, read: LiveReader, options: PlanOptions = {}): Promise<Plan> {
  const targets = selectTargets(desired.targets, options);
  const planned = await mapLimit(targets, options.concurrency ?? 8, async (target) => {
    const plan = await planTarget(target, read(target));
    options.onTarget?.(plan);
    return plan;
  }, options.signal);
  return makePlan(apiBase, planned);
}

/** The targets the filters keep, in config order. Ids are hex: an id filter matches without regard to case. */
export function selectTargets<T extends Pick<DesiredTarget, 'scope' | 'id' | 'labels'>>(targets: T[], selection: Selection): T[] {
  const { shard, only, select } = selection;
  const byId = idFilter(selection);
  return targets.filter(
    (t) => byId(t) && (!select || matchesSelector(t.labels, select)) && (!shard || shardOf(t, shard.count) === shard.index) && (!only || only.has(targetKey(t))),
  );
}

/** Whether --account / --zone keep a target (both empty: every target). */
function idFilter({ accounts = [], zones = [] }: Selection): (t: Pick<DesiredTarget, 'scope' | 'id'>) => boolean {
  if (accounts.length === 0 && zones.length === 0) return () => true;
  const wanted = { account: new Set(accounts.map(lower)), zone: new Set(zones.map(lower)) };
  return (t) => wanted[t.scope].has(lower(t.id));
}

/** `account:ID` / `zone:ID`: how results files and --only-failed name a target. */
export function targetKey(t: Pick<DesiredTarget, 'scope' | 'id'>): string {
  return `${t.scope}:${t.id}`;
}

/**
 * Which of `count` shards (1-based) a target belongs to: a hash of its scope and id, so the shards partition the
 * fleet exactly, and a target stays in its shard however the config files are ordered or split.
 */
export function shardOf(t: Pick<DesiredTarget, 'scope' | 'id'>, count: number): number {
  return (createHash('sha256').update(targetKey(t)).digest().readUInt32BE(0) % count) + 1;
}

/** A filter that picks no target of the config: planning it would check nothing and still look green. */
export type UnmatchedFilter =
  | {
      scope: Scope;
      id: string;
      /** The scope of a target with this id, when the id names one of the other scope. */
      otherScope?: Scope;
    }
  | {
      /** --select matches no target (of those --account / --zone pick, when given). */
      select: Labels;
      /** Whether it matches targets of the config that --account / --zone leave out. */
      outsideIds: boolean;
      /** The labels the config's targets carry, as key=value, for the message. */
      known: string[];
    };

export function unmatchedFilters(targets: readonly DesiredTarget[], selection: Selection): UnmatchedFilter[] {
  const { accounts = [], zones = [], select } = selection;
  const has = (scope: Scope, id: string) => targets.some((t) => t.scope === scope && lower(t.id) === lower(id));
  const check = (scope: Scope, ids: string[]): UnmatchedFilter[] =>
    ids.filter((id) => !has(scope, id)).map((id) => {
      const other: Scope = scope === 'account' ? 'zone' : 'account';
      return has(other, id) ? { scope, id, otherScope: other } : { scope, id };
    });
  const unmatched: UnmatchedFilter[] = [...check('account', accounts), ...check('zone', zones)];
  if (select && unmatched.length === 0) {
    const byId = idFilter(selection);
    if (!targets.some((t) => byId(t) && matchesSelector(t.labels, select))) {
      const known = [...new Set(targets.flatMap((t) => Object.entries(t.labels ?? {}).map(([k, v]) => `${k}=${v}`)))].sort();
      unmatched.push({ select, outsideIds: targets.some((t) => matchesSelector(t.labels, select)), known });
    }
  }
  return unmatched;
}

function lower(id: string): string {
  return id.toLowerCase();
}

/**
 * One target's plan against its live objects from `readResource`: the diff and the API's own rules. Also how apply
 * --plan re-derives a saved plan's changes from its desired values and recorded snapshot.
 */
export async function planTarget(target: DesiredTarget, readResource: (type: ResourceType) => Promise<LiveObject | null>): Promise<TargetPlan> {
  const base = {
    scope: target.scope,
    id: target.id,
    description: target.description ?? null,
    name: null as string | null,
    ...(target.labels ? { labels: { ...target.labels } } : {}),
    source: target.source,
    ...(target.credentialsEnv ? { credentials_env: target.credentialsEnv.name } : {}),
  };
  const resources: ResourcePlan[] = [];
  const broken: string[] = [];
  const named = (plan: TargetPlan): TargetPlan => ({ ...plan, name: target.description ?? liveName(resources) });
  try {
    for (const desired of target.resources) {
      const live = await readResource(desired.type);
      const missing = live === null ? missingForCreate(desired) : [];
      if (missing.length > 0) {
        return named({ ...base, resources, error: { message: `${desired.type} does not exist yet; creating it needs ${missing.join(' and ')} in the config` } });
      }
      const spec = resourceSpec(desired.type);
      const planned = diffResource(spec, desired, live);
      resources.push(planned);
      // Nothing is written for a noop, so nothing the API could refuse.
      if (planned.action !== 'noop') broken.push(...ruleViolations(spec, desired, live));
    }
    return named({ ...base, resources, error: broken.length > 0 ? { message: broken.join('; ') } : null });
  } catch (err) {
    return named({ ...base, resources, error: planError(err, target.credentialsEnv) });
  }
}

/** The live organization's name, when it was read: what the dashboard calls the target. */
function liveName(resources: readonly ResourcePlan[]): string | null {
  const name = resources.find((r) => r.type === 'organization')?.live?.name;
  return typeof name === 'string' && name !== '' ? name : null;
}

function missingForCreate(desired: DesiredResource): string[] {
  return resourceSpec(desired.type)
    .fields.filter((f) => f.requiredOnCreate && desired.values[f.path] === undefined)
    .map((f) => f.path);
}

/**
 * A target's error from a failed read. A refused credentials_env token is named (its variable and where the config
 * names it): the request refused may be another target's, and what to check is said once, by the command.
 */
export function planError(err: unknown, credentialsEnv?: DesiredTarget['credentialsEnv']): PlanError {
  if (err instanceof CredentialRefusedError && credentialsEnv) {
    return { message: refusedToken([{ name: credentialsEnv.name, where: formatPosition(credentialsEnv.position) }]), status: err.status, codes: err.codes };
  }
  if (err instanceof CloudflareApiError) return { message: err.message, status: err.status, codes: err.codes };
  return { message: err instanceof Error ? err.message : String(err) };
}
