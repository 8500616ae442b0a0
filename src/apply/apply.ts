// Apply carries out a plan, target by target. It reads live state again only to build a safe request body
// (the fresh live object — unknown fields included — with every managed desired value of the plan laid over
// it, so that nothing the config does not manage is ever reset and nothing it manages is left behind, whatever
// the PUT semantics) and to notice that the plan went stale. After each write it reads back and checks that
// every managed field holds its desired value.

import type { CloudflareClient } from '../cloudflare/client.js';
import { clientFor, type Clients } from '../cloudflare/pool.js';
import { createLive, createMethod, readLive, resourcePath, updateLive, type LiveObject } from '../cloudflare/endpoints.js';
import type { RetryRun } from '../cloudflare/client.js';
import { CloudflareApiError, CredentialRefusedError, refusedToken } from '../cloudflare/errors.js';
import { liveValue } from '../plan/diff.js';
import { show, targetName, type FieldChange, type Plan, type ResourcePlan, type TargetPlan } from '../plan/model.js';
import { fieldByPath, setPath, type FieldSpec, type ResourceSpec, type Scope } from '../resources/fields.js';
import { createBody, finishBody, liveBody } from './body.js';
import { resourceSpec } from '../resources/index.js';
import { sameValue } from '../resources/normalize.js';
import { mapLimit } from '../util/map-limit.js';
import { currentSnapshot, describeMoved, movedPaths, recordedSnapshot, type Snapshot } from './snapshot.js';

/**
 * unconfirmed: written, but the read-back that would confirm it failed — the change most likely landed, so it
 * is never counted as not applied. skipped: not started, because the run was stopped (Ctrl-C, or the API refused
 * the credential). blocked: not started, because a safety rule blocks one of its changes (apply --skip-blocked).
 */
export type Outcome = 'applied' | 'unconfirmed' | 'unchanged' | 'failed' | 'skipped' | 'blocked';
export const OUTCOMES: readonly Outcome[] = ['applied', 'unconfirmed', 'unchanged', 'failed', 'skipped', 'blocked'];

export interface ResourceResult {
  type: ResourcePlan['type'];
  action: ResourcePlan['action'];
  outcome: Outcome;
  error: string | null;
  /** The failure was transient (rate limit, 5xx, timeout, lost connection): trying again later may succeed. */
  transient?: boolean;
}

export interface TargetResult {
  scope: Scope;
  id: string;
  description: string | null;
  /** The target's name, as in the plan (TargetPlan.name). */
  name: string | null;
  outcome: Outcome;
  resources: ResourceResult[];
  error: string | null;
  /** Failed only transiently (every failed resource's failure was transient). */
  transient?: boolean;
}

export interface ApplyResult {
  targets: TargetResult[];
  summary: Record<Outcome, number>;
}

export interface ApplyOptions {
  /** Targets written at once (default 4). */
  concurrency?: number;
  /** Once aborted, no new target is started; targets in flight finish their writes and read-backs. */
  signal?: AbortSignal;
  /** Called as each target finishes, for progress output. */
  onTarget?: (result: TargetResult) => void;
  /**
   * Called just before each write (POST or PUT) of a target is sent: from then until the target's outcome is
   * known, its live state may have changed without the run having said so.
   */
  onWrite?: (target: TargetPlan) => void;
  /**
   * A saved plan (apply --plan): before anything is written for a target that has changes, its live state is read
   * whole and compared with the snapshot the plan recorded; if anything moved, the target fails with nothing
   * written. That read is also each write's fresh read, so the check costs no extra request.
   */
  checkSnapshot?: boolean;
  /**
   * apply --skip-blocked: targets a safety rule blocks (`scope:id` → what blocks them) are not started, and end
   * `blocked`; the others are applied.
   */
  blocked?: ReadonlyMap<string, string>;
}

export class StalePlanError extends Error {
  override name = 'StalePlanError';
}

export async function applyPlan(plan: Plan, clients: Clients, options: ApplyOptions = {}): Promise<ApplyResult> {
  const concurrency = options.concurrency ?? 4;
  const run = (target: TargetPlan, pass: ApplyOptions) => {
    const blockedBy = options.blocked?.get(`${target.scope}:${target.id}`);
    if (blockedBy !== undefined) return Promise.resolve(blocked(target, blockedBy));
    const client = clientFor(clients, target.credentials_env);
    // A target that takes no request (nothing to change, or a plan error: a refused credentials_env token, named) ends with its own outcome.
    const stopped = needsRequests(target) ? stopReason(client, target, options.signal) : undefined;
    if (stopped) return Promise.resolve(skipped(target, stopped));
    // Whatever goes wrong in one target is that target's failure: the others, and their writes in flight, go on.
    return applyTarget(target, client, pass).catch((err: unknown) => crashed(target, err));
  };
  // First pass; a target that failed only transiently gets one more pass at the end, once the others are done.
  const targets = await mapLimit(plan.targets, concurrency, async (target) => {
    const result = await run(target, options);
    if (!result.transient) options.onTarget?.(result);
    return result;
  });
  const again = targets.flatMap((t, i) => (t.transient ? [i] : []));
  await mapLimit(again, concurrency, async (i) => {
    // Not checked again: the first pass accepted the target, and its own partial writes are what moved.
    const second = await run(plan.targets[i], { ...options, checkSnapshot: false });
    // Stopped meanwhile (Ctrl-C): the first pass's outcome stands — it was started, and may have written a part.
    if (second.outcome !== 'skipped') targets[i] = second;
    options.onTarget?.(targets[i]);
  });
  const summary = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  for (const t of targets) summary[t.outcome]++;
  return { targets, summary };
}

function stopReason(client: CloudflareClient, target: TargetPlan, signal: AbortSignal | undefined): string | undefined {
  if (client.refusal) return refusalOf(target);
  if (signal?.aborted) return `stopped (${String(signal.reason ?? 'interrupted')})`;
  return undefined;
}

/**
 * Whether carrying the target out takes any request. One that takes none (nothing to change, or a plan error)
 * ends the same way whether or not the run was stopped: unchanged, or failed — never "not started".
 */
function needsRequests(target: TargetPlan): boolean {
  return !target.error && target.resources.some((r) => r.action !== 'noop');
}

function blocked(target: TargetPlan, reason: string): TargetResult {
  const resources = target.resources.map((r) => ({ type: r.type, action: r.action, outcome: 'blocked' as const, error: null }));
  return { scope: target.scope, id: target.id, description: target.description, name: targetName(target), outcome: 'blocked', resources, error: `not applied: blocked by ${reason}` };
}

/** Per target a safety rule blocks, `scope:id` → the rules and fields that block it ("ui-read-only-off (organization.is_ui_read_only)"). */
export function blockedTargets(plan: Plan): Map<string, string> {
  const byTarget = new Map<string, string[]>();
  for (const b of plan.blocked) {
    if (b.scope === null || b.id === null) continue;
    const key = `${b.scope}:${b.id}`;
    byTarget.set(key, [...(byTarget.get(key) ?? []), `${b.rule} (${b.resource}.${b.path})`]);
  }
  return new Map([...byTarget].map(([key, rules]) => [key, rules.join(', ')]));
}

/** A target whose apply threw: failed, saying so; whether a write of it landed is not known. */
function crashed(target: TargetPlan, err: unknown): TargetResult {
  const resources = target.resources.map((r) => ({ type: r.type, action: r.action, outcome: r.action === 'noop' ? ('unchanged' as const) : ('failed' as const), error: null }));
  const what = err instanceof Error ? err.message : String(err);
  return { scope: target.scope, id: target.id, description: target.description, name: targetName(target), outcome: 'failed', resources, error: `failed unexpectedly (${what}); run plan to see whether anything was written` };
}

function skipped(target: TargetPlan, reason: string): TargetResult {
  const resources = target.resources.map((r) => ({ type: r.type, action: r.action, outcome: 'skipped' as const, error: null }));
  return { scope: target.scope, id: target.id, description: target.description, name: targetName(target), outcome: 'skipped', resources, error: `not started: ${reason}` };
}

async function applyTarget(target: TargetPlan, client: CloudflareClient, options: ApplyOptions): Promise<TargetResult> {
  const base = { scope: target.scope, id: target.id, description: target.description, name: targetName(target) };
  if (target.error) return { ...base, outcome: 'failed', resources: [], error: `not applied: ${target.error.message}` };
  let current: Snapshot | undefined;
  if (options.checkSnapshot && target.resources.some((r) => r.action !== 'noop')) {
    try {
      current = await currentSnapshot(client, target);
    } catch (err) {
      return { ...base, outcome: 'failed', resources: [], error: `not applied: ${describeError(err, target)}` };
    }
    const moved = movedPaths(recordedSnapshot(target), current);
    if (moved.length > 0) {
      // One line, readable in a log: each moved path, then how to go on.
      const error = `refused: the live state moved since the plan, nothing was written: ${describeMoved(moved).join('; ')}; plan again (a new plan shows these values)`;
      return { ...base, outcome: 'failed', resources: [], error };
    }
  }
  // One failing resource does not stop the others of the target.
  const resources: ResourceResult[] = [];
  const beforeWrite = () => options.onWrite?.(target);
  for (const resource of target.resources) resources.push(await applyResource(client, target, resource, current?.[resource.type], beforeWrite));
  const failed = resources.filter((r) => r.outcome === 'failed');
  // The worst outcome of its resources is the target's.
  const outcome = (['failed', 'unconfirmed', 'applied'] as const).find((o) => resources.some((r) => r.outcome === o)) ?? 'unchanged';
  const transient = failed.length > 0 && failed.every((r) => r.transient);
  return { ...base, outcome, resources, error: null, ...(transient ? { transient } : {}) };
}

/**
 * One resource of one target, in explicit steps (ResourceWriter): the fresh read (known from the snapshot check,
 * `justRead`, or read now), then the write (create, or update) from that read, then the read-back that confirms it.
 */
async function applyResource(
  client: CloudflareClient,
  target: TargetPlan,
  plan: ResourcePlan,
  justRead: LiveObject | null | undefined,
  beforeWrite: () => void,
): Promise<ResourceResult> {
  const base = { type: plan.type, action: plan.action };
  if (plan.action === 'noop') return { ...base, outcome: 'unchanged', error: null };
  const writer = new ResourceWriter(client, resourceSpec(plan.type), target.scope, target.id, plan, beforeWrite);
  try {
    const fresh: Fresh = justRead !== undefined ? { live: justRead } : await writer.readFresh();
    const written = await (plan.action === 'create' ? writer.create(fresh) : writer.update(fresh));
    // The fresh read already held every desired value (someone made the change meanwhile): nothing was written.
    if (!written.sent) return { ...base, outcome: 'unchanged', error: null };
  } catch (err) {
    const transient = err instanceof CloudflareApiError && err.retryable;
    return { ...base, outcome: 'failed', error: describeError(err, target), ...(transient ? { transient } : {}) };
  }
  let live: LiveObject | null;
  try {
    live = await writer.readBack();
  } catch (err) {
    return { ...base, outcome: 'unconfirmed', error: `written, but not confirmed: reading it back failed: ${describeError(err, target)}` };
  }
  const diverged = writer.diverged(live);
  return diverged ? { ...base, outcome: 'failed', error: diverged } : { ...base, outcome: 'applied', error: null };
}

function describeError(err: unknown, target: TargetPlan): string {
  // The refusal itself is explained once by the command, not once per target.
  if (err instanceof CredentialRefusedError) return refusalOf(target);
  return err instanceof Error ? err.message : String(err);
}

/** A refusal as a target's error: a credentials_env token is named (never shown), the default credentials are not. */
function refusalOf(target: TargetPlan): string {
  return target.credentials_env ? refusedToken([{ name: target.credentials_env }]) : 'the API refused the credential';
}

/** The live object of a resource right before it is written (null: it does not exist). */
interface Fresh {
  live: LiveObject | null;
}

/** What the write step did: whether any write request was sent for the resource (the API may have found nothing to do). */
interface Written {
  sent: boolean;
}

/**
 * The writes of one resource of one target, as steps that each take what they need:
 *   readFresh   the live object right before writing (skipped when the snapshot check has just read it);
 *   create      from a fresh read: POST what the create call takes (or find it created by an earlier pass), then,
 *               for what the create call does not take, a new fresh read and an update over it;
 *   update      from a fresh read: PUT the fresh object with every managed value laid over it, unless it is
 *               already as planned (nothing is sent then);
 *   readBack    after writing, always from the API: diverged() says whether every managed value took.
 */
class ResourceWriter {
  constructor(
    private readonly client: CloudflareClient,
    private readonly spec: ResourceSpec,
    private readonly scope: Scope,
    private readonly id: string,
    private readonly plan: ResourcePlan,
    /** Told before each write request is sent. */
    private readonly beforeWrite: () => void,
  ) {}

  async readFresh(): Promise<Fresh> {
    return { live: await this.readLive() };
  }

  readBack(): Promise<LiveObject | null> {
    return this.readLive();
  }

  async create(fresh: Fresh): Promise<Written> {
    const changes = this.plan.changes;
    const onCreate = changes.filter((c) => this.field(c.path).onCreate !== false);
    const afterCreate = changes.filter((c) => this.field(c.path).onCreate === false);
    let sent = false;
    if (fresh.live !== null) {
      // Created by an earlier pass of this apply (its answer failed after the write): carry on from there.
      const existing = fresh.live;
      if (!onCreate.every((c) => this.isLive(existing, c.after, c))) throw new StalePlanError(`plan is stale: the ${this.spec.type} was created since the plan; run plan again`);
    } else {
      await this.createOnce(onCreate);
      sent = true;
    }
    if (afterCreate.length === 0) return { sent };
    // What the create call does not take (custom_pages) goes in a PUT over what now exists, read afresh.
    const updated = await this.update(await this.readFresh(), { checkStale: false });
    return { sent: sent || updated.sent };
  }

  async update(fresh: Fresh, { checkStale = true } = {}): Promise<Written> {
    const live = fresh.live;
    if (live === null) throw new StalePlanError(`plan is stale: the ${this.spec.type} no longer exists; run plan again`);
    // Already as planned (an earlier attempt's write went through before it failed): nothing to send.
    if (Object.entries(this.desired()).every(([path, value]) => sameValue(this.field(path), liveValue(this.field(path), live), value))) return { sent: false };
    if (checkStale) this.assertNotStale(this.plan.changes, live);
    this.beforeWrite();
    await updateLive(this.client, this.spec.type, this.scope, this.id, this.bodyOver(live));
    return { sent: true };
  }

  private readLive(retry?: RetryRun): Promise<LiveObject | null> {
    return readLive(this.client, this.spec.type, this.scope, this.id, { retry });
  }

  /** After writing: null when every managed field reads back as desired, else what did not. */
  diverged(live: LiveObject | null): string | null {
    const wrong = Object.entries(this.desired()).filter(([path, value]) => !sameValue(this.field(path), liveValue(this.field(path), live), value));
    if (wrong.length === 0) return null;
    return `did not converge after writing: ${wrong.map(([path]) => `${path} reads back as ${show(liveValue(this.field(path), live) ?? null)}`).join('; ')}`;
  }

  /** Every managed field's desired value (a plan made before `desired` existed: its changes). */
  private desired(): Record<string, unknown> {
    return this.plan.desired ?? Object.fromEntries(this.plan.changes.map((c) => [c.path, c.after]));
  }

  /**
   * Creation is not idempotent, and its answer can be lost after the API carried it out, so the client does
   * not resend it. After a failed create, look: if the resource now exists as planned, the create went
   * through; if it still does not exist, trying again is safe. The create, its looks and its resends spend one
   * retry budget (--retry-budget), with the client's backoff between rounds.
   */
  private async createOnce(changes: FieldChange[]): Promise<void> {
    const retry = this.client.retryRun(createMethod(this.spec.type), resourcePath(this.spec.type, this.scope, this.id));
    for (;;) {
      try {
        this.beforeWrite();
        await createLive(this.client, this.spec.type, this.scope, this.id, createBody(this.spec, this.scope, changes.map((c) => ({ path: c.path, value: c.after })), this.desired()), { retry });
        return;
      } catch (err) {
        if (!(err instanceof CloudflareApiError)) throw err;
        const live = await this.readLive(retry);
        if (live !== null && changes.every((c) => sameValue(this.field(c.path), liveValue(this.field(c.path), live), c.after))) return;
        if (live !== null || !err.retryable || !(await retry.again(err))) throw err;
      }
    }
  }

  private isLive(live: LiveObject, value: unknown, change: FieldChange): boolean {
    return sameValue(this.field(change.path), liveValue(this.field(change.path), live), value);
  }

  private assertNotStale(changes: FieldChange[], live: LiveObject): void {
    // A field already at its planned value is not stale: an earlier pass of this apply wrote it.
    const moved = changes.filter((c) => !this.isLive(live, c.before, c) && !this.isLive(live, c.after, c));
    if (moved.length === 0) return;
    const which = moved.map((c) => `${c.path} is now ${show(liveValue(this.field(c.path), live) ?? null)} (planned from ${show(c.before)})`);
    throw new StalePlanError(`plan is stale: ${which.join('; ')}; run plan again`);
  }

  /**
   * The fresh live object as a request body, with every managed desired value laid over it — not only the changed
   * ones: a managed field that moved since the plan is put back, never left disagreeing with the config. A null
   * comes only from an explicit null in the config, and is sent as null: that is how the API unsets a field.
   */
  private bodyOver(live: LiveObject): LiveObject {
    const body = liveBody(this.spec, this.scope, live);
    for (const [path, value] of Object.entries(this.desired())) {
      // Equal in meaning (24h and 1440m): the live spelling stays, so nothing is rewritten for nothing.
      if (!sameValue(this.field(path), liveValue(this.field(path), live), value)) setPath(body, path, value);
    }
    return finishBody(this.spec, body, this.scope, this.desired());
  }

  private field(path: string): FieldSpec {
    const field = fieldByPath(this.spec, path);
    if (!field) throw new Error(`internal: ${this.spec.type} has no field ${path}`);
    return field;
  }
}
