// Apply carries out a plan's changes, target by target. It reads live state again only to build a safe
// request body (the live writable fields with the planned values laid over them, so that nothing the config
// does not manage is ever reset, whatever the PUT semantics) and to notice that the plan went stale.
// After each write it reads back and checks that the resource converged.

import type { CloudflareClient } from '../cloudflare/client.js';
import { clientFor, type Clients } from '../cloudflare/pool.js';
import { createLive, readLive, updateLive, type LiveObject } from '../cloudflare/endpoints.js';
import { CloudflareApiError, CredentialRefusedError } from '../cloudflare/errors.js';
import { liveValue } from '../plan/diff.js';
import { show, type FieldChange, type Plan, type ResourcePlan, type TargetPlan } from '../plan/model.js';
import { fieldByPath, setPath, writableFields, type FieldSpec, type ResourceSpec, type Scope } from '../resources/fields.js';
import { resourceSpec } from '../resources/index.js';
import { sameValue } from '../resources/normalize.js';
import { mapLimit } from '../util/map-limit.js';

/** skipped: not started, because the run was stopped (Ctrl-C, or the API refused the credential). */
export type Outcome = 'applied' | 'unchanged' | 'failed' | 'skipped';

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
   * Checked before anything is written for a target that has changes (apply --plan: is the saved snapshot still
   * live?). A refusal, returned as its reason, fails the target with nothing written for it.
   */
  refuseTarget?: (target: TargetPlan) => Promise<string | null>;
}

export class StalePlanError extends Error {
  override name = 'StalePlanError';
}

export async function applyPlan(plan: Plan, clients: Clients, options: ApplyOptions = {}): Promise<ApplyResult> {
  const concurrency = options.concurrency ?? 4;
  const run = (target: TargetPlan, pass: ApplyOptions) => {
    const client = clientFor(clients, target.credentials_env);
    const stopped = stopReason(client, options.signal);
    return stopped ? Promise.resolve(skipped(target, stopped)) : applyTarget(target, client, pass);
  };
  // First pass; a target that failed only transiently gets one more pass at the end, once the others are done.
  const targets = await mapLimit(plan.targets, concurrency, async (target) => {
    const result = await run(target, options);
    if (!result.transient) options.onTarget?.(result);
    return result;
  });
  const again = targets.flatMap((t, i) => (t.transient ? [i] : []));
  await mapLimit(again, concurrency, async (i) => {
    // Not refused again: the first pass accepted the target, and its own partial writes are what moved.
    targets[i] = await run(plan.targets[i], { ...options, refuseTarget: undefined });
    options.onTarget?.(targets[i]);
  });
  const summary: Record<Outcome, number> = { applied: 0, unchanged: 0, failed: 0, skipped: 0 };
  for (const t of targets) summary[t.outcome]++;
  return { targets, summary };
}

function stopReason(client: CloudflareClient, signal: AbortSignal | undefined): string | undefined {
  if (client.refusal) return 'the API refused the credential';
  if (signal?.aborted) return `stopped (${String(signal.reason ?? 'interrupted')})`;
  return undefined;
}

function skipped(target: TargetPlan, reason: string): TargetResult {
  const resources = target.resources.map((r) => ({ type: r.type, action: r.action, outcome: 'skipped' as const, error: null }));
  return { scope: target.scope, id: target.id, description: target.description, outcome: 'skipped', resources, error: `not started: ${reason}` };
}

async function applyTarget(target: TargetPlan, client: CloudflareClient, options: ApplyOptions): Promise<TargetResult> {
  const base = { scope: target.scope, id: target.id, description: target.description };
  if (target.error) return { ...base, outcome: 'failed', resources: [], error: `not applied: ${target.error.message}` };
  if (options.refuseTarget && target.resources.some((r) => r.action !== 'noop')) {
    try {
      const refusal = await options.refuseTarget(target);
      if (refusal) return { ...base, outcome: 'failed', resources: [], error: refusal };
    } catch (err) {
      return { ...base, outcome: 'failed', resources: [], error: `not applied: ${err instanceof Error ? err.message : String(err)}` };
    }
  }
  // One failing resource does not stop the others of the target.
  const resources: ResourceResult[] = [];
  for (const resource of target.resources) resources.push(await applyResource(client, target, resource));
  const failed = resources.filter((r) => r.outcome === 'failed');
  const outcome: Outcome = failed.length > 0 ? 'failed' : resources.some((r) => r.outcome === 'applied') ? 'applied' : 'unchanged';
  const transient = failed.length > 0 && failed.every((r) => r.transient);
  return { ...base, outcome, resources, error: null, ...(transient ? { transient } : {}) };
}

async function applyResource(client: CloudflareClient, target: TargetPlan, plan: ResourcePlan): Promise<ResourceResult> {
  const base = { type: plan.type, action: plan.action };
  if (plan.action === 'noop') return { ...base, outcome: 'unchanged', error: null };
  try {
    const writer = new ResourceWriter(client, resourceSpec(plan.type), target.scope, target.id);
    await (plan.action === 'create' ? writer.create(plan.changes) : writer.update(plan.changes));
    await writer.verify(plan.changes);
    return { ...base, outcome: 'applied', error: null };
  } catch (err) {
    // The refusal itself is explained once by the command, not once per target.
    const error = err instanceof CredentialRefusedError ? 'the API refused the credential' : err instanceof Error ? err.message : String(err);
    const transient = err instanceof CloudflareApiError && err.retryable;
    return { ...base, outcome: 'failed', error, ...(transient ? { transient } : {}) };
  }
}

/** The writes of one resource of one target. */
class ResourceWriter {
  constructor(
    private readonly client: CloudflareClient,
    private readonly spec: ResourceSpec,
    private readonly scope: Scope,
    private readonly id: string,
  ) {}

  private read(): Promise<LiveObject | null> {
    return readLive(this.client, this.spec.type, this.scope, this.id);
  }

  async create(changes: FieldChange[]): Promise<void> {
    const onCreate = changes.filter((c) => this.field(c.path).onCreate !== false);
    const afterCreate = changes.filter((c) => this.field(c.path).onCreate === false);
    const existing = await this.read();
    if (existing !== null) {
      // Created by an earlier pass of this apply (its answer failed after the write): carry on from there.
      if (!onCreate.every((c) => this.isLive(existing, c.after, c))) throw new StalePlanError(`plan is stale: the ${this.spec.type} was created since the plan; run plan again`);
    } else {
      await this.createOnce(onCreate);
    }
    // What the create call does not take (custom_pages) goes in a PUT over what now exists.
    if (afterCreate.length > 0) await this.update(afterCreate, { checkStale: false });
  }

  async update(changes: FieldChange[], { checkStale = true } = {}): Promise<void> {
    const live = await this.read();
    if (live === null) throw new StalePlanError(`plan is stale: the ${this.spec.type} no longer exists; run plan again`);
    // Already as planned (an earlier attempt's write went through before it failed): nothing to send.
    if (changes.every((c) => this.isLive(live, c.after, c))) return;
    if (checkStale) this.assertNotStale(changes, live);
    await updateLive(this.client, this.spec.type, this.scope, this.id, this.bodyOver(live, changes));
  }

  /** Read back after writing: every planned value must now be live. */
  async verify(changes: FieldChange[]): Promise<void> {
    const live = await this.read();
    const diverged = changes.filter((c) => !sameValue(this.field(c.path), liveValue(this.field(c.path), live), c.after));
    if (diverged.length > 0) {
      const which = diverged.map((c) => `${c.path} reads back as ${show(liveValue(this.field(c.path), live) ?? null)}`);
      throw new Error(`did not converge after writing: ${which.join('; ')}`);
    }
  }

  /**
   * Creation is not idempotent, and its answer can be lost after the API carried it out, so the client does
   * not resend it. After a failed create, look: if the resource now exists as planned, the create went
   * through; if it still does not exist, trying again is safe.
   */
  private async createOnce(changes: FieldChange[], attempts = 3): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await createLive(this.client, this.spec.type, this.scope, this.id, bodyOf(changes));
        return;
      } catch (err) {
        if (!(err instanceof CloudflareApiError)) throw err;
        const live = await this.read();
        if (live !== null && changes.every((c) => sameValue(this.field(c.path), liveValue(this.field(c.path), live), c.after))) return;
        if (live !== null || !err.retryable || attempt >= attempts) throw err;
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
   * The live writable fields of this scope, with the planned values laid over them. A null comes only from an
   * explicit null in the config, and is sent as null: that is how the API unsets a field (Terraform does the same).
   */
  private bodyOver(live: LiveObject, changes: FieldChange[]): LiveObject {
    const body: LiveObject = {};
    for (const field of writableFields(this.spec, this.scope)) {
      const value = liveValue(field, live);
      if (value !== undefined && value !== null) setPath(body, field.path, value);
    }
    for (const change of changes) setPath(body, change.path, change.after);
    return body;
  }

  private field(path: string): FieldSpec {
    const field = fieldByPath(this.spec, path);
    if (!field) throw new Error(`internal: ${this.spec.type} has no field ${path}`);
    return field;
  }
}

function bodyOf(changes: FieldChange[]): LiveObject {
  const body: LiveObject = {};
  for (const change of changes) setPath(body, change.path, change.after);
  return body;
}
