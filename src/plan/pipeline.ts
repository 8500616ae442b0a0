// The plan stage end to end, for every command that plans from config (plan, apply, report): load → select →
// read → diff → rules → safety → origins → seal. It takes settings the command parsed once, and a sink for what
// it has to say along the way; it knows nothing of the command line. Each step runs once, on the targets of the
// step before it, so that a policy is always judged on what the run will act on.

import { stat } from 'node:fs/promises';
import { configCommit } from '../config/commit.js';
import { credentialDiagnostics, loadDesiredState, sortDiagnostics, type AllowEntry, type Loaded } from '../config/index.js';
import { formatDiagnostic, type DesiredState, type DesiredTarget, type Diagnostic } from '../config/model.js';
import type { Env, EnvPolicy } from '../config/interpolate.js';
import type { ClientPool, Refusal } from '../cloudflare/pool.js';
import { makeClients, type ApiSettings } from '../cloudflare/settings.js';
import { secretsFromEnv } from '../cloudflare/credentials.js';
import { UsageError } from '../io.js';
import { attributePlan } from './attribute.js';
import { markOrigins } from './baseline.js';
import { buildPlan, selectTargets, shardOf, targetKey, unmatchedFilters, type Selection, type UnmatchedFilter } from './build.js';
import type { Plan, PlanCoverage } from './model.js';
import { checkSafety, expiredAllowances, markSecurityDrift, unusedAllowances, type Allowance, type SafetyOptions, type ShardedFleet } from './safety.js';
import { allowExpired } from '../config/allow.js';
import { sealPlan, targetsHoldingSecrets } from './saved.js';
import { unmanagedFields } from './unmanaged.js';

/** What a run plans, as its command parsed it. */
export interface PlanSettings {
  /** Config files or directories. */
  paths: string[];
  selection: Selection;
  safety: SafetyOptions;
  api: ApiSettings;
  /** The base branch's config paths: each change is marked introduced or drift. */
  baseline?: string[];
  /** Look up who last changed each drifted target in its account's audit log (plan --attribute). */
  attribute?: boolean;
  /** What the config may reach in the environment. */
  environment: EnvPolicy;
}

/** Where the pipeline says what it has to say, and how the command watches the reads (progress, Ctrl-C). */
export interface PlanSink {
  env: Env;
  /** Warnings about the config, as they are found. */
  warnings(diagnostics: readonly Diagnostic[]): void;
  /** A message for people. */
  note(text: string): void;
  /** Live state is about to be read for `total` targets with these clients. */
  reading(total: number, clients: ClientPool): LiveRead;
  /**
   * The credentials the API refused while reading, each once. `stopped`: the default credentials were among them,
   * and the pipeline ends here; otherwise only the targets of a refused credentials_env token failed.
   */
  refused(refusals: readonly Refusal[], context: { plan: Plan; targets: readonly DesiredTarget[]; stopped: boolean }): void;
}

/** The command's watch over the reads. */
export interface LiveRead {
  /** Once aborted, no new target is read; the reads in flight end. */
  signal: AbortSignal;
  targetDone(): void;
  /** The reads are over (whether or not they all ran). */
  end(): void;
}

export type PlanOutcome =
  /** Planned, checked and sealed. */
  | { kind: 'planned'; plan: Plan; clients: ClientPool }
  /** The config has problems (warnings were said): nothing was read. */
  | { kind: 'invalid'; diagnostics: Diagnostic[] }
  /** An account or zone filter matches no target of the config: nothing was read. */
  | { kind: 'unmatched'; unmatched: UnmatchedFilter[] }
  /** --only-failed lists `listed` targets to retry and none of them is in the config: nothing was read. */
  | { kind: 'nothing-to-retry'; listed: number }
  /** The API refused the default credentials (said through the sink): `plan` holds what was read. */
  | { kind: 'refused'; plan: Plan; clients: ClientPool }
  /** The reads were stopped (`signal`, e.g. SIGINT): `plan` holds the targets read, of `total`. */
  | { kind: 'interrupted'; signal: string; plan: Plan; total: number };

export async function planPipeline(settings: PlanSettings, sink: PlanSink): Promise<PlanOutcome> {
  // Load. The base config first: no variable its credentials_env names may be read by the config either.
  const { state: base, credentialNames } = settings.baseline ? await baselineState(settings.baseline, settings.environment, sink) : { state: null, credentialNames: [] };
  const { state, diagnostics, warnings } = await loadDesiredState(settings.paths, { env: sink.env, policy: settings.environment, credentialNames });
  sink.warnings(warnings);
  // Select. Each selected target's credentials_env must be set; targets of other shards may use tokens this run lacks.
  const targets = state ? selectTargets(state.targets, settings.selection) : [];
  if (state) diagnostics.push(...sortDiagnostics(credentialDiagnostics(targets, sink.env)));
  if (!state || diagnostics.length > 0) return { kind: 'invalid', diagnostics };
  const unmatched = unmatchedFilters(state.targets, settings.selection);
  if (unmatched.length > 0) return { kind: 'unmatched', unmatched };
  // Judged on the whole config: a shard may well hold none of them.
  const only = settings.selection.only;
  if (only && !state.targets.some((t) => only.has(targetKey(t)))) return { kind: 'nothing-to-retry', listed: only.size };

  // Read, diff and the API's own rules, target by target.
  const clients = makeClients(settings.api, sink.env);
  // Missing default credentials are a usage error before any request, when some target needs them.
  if (targets.some((t) => !t.credentialsEnv)) clients.for(undefined);
  const coverage = coverageOf(settings, await configCommit(settings.paths));
  const read = sink.reading(targets.length, clients);
  let built: Plan;
  try {
    built = { ...(await buildPlan({ ...state, targets }, clients, { concurrency: settings.api.concurrency ?? 8, signal: read.signal, onTarget: () => read.targetDone() })), coverage };
  } finally {
    read.end();
  }
  // True also when the last read had just ended.
  if (read.signal.aborted) return { kind: 'interrupted', signal: String(read.signal.reason), plan: built, total: targets.length };
  const refusals = clients.refusals();
  if (refusals.length > 0) {
    const stopped = refusals.some((r) => r.byDefault);
    sink.refused(refusals, { plan: built, targets, stopped });
    if (stopped) return { kind: 'refused', plan: built, clients };
  }

  // Origins: before safety, since with a baseline the budget counts the changes the config under review introduces.
  const marked = base ? { ...markOrigins(built, base, settings.baseline!), unmanaged: unmanagedFields(state.targets, base, settings.selection) } : built;

  // Safety.
  const configAllows = configAllowances(state.allow);
  // The run's clock is the plan's: an allow entry past its `expires` day lets nothing through.
  const now = new Date(marked.created_at);
  const checked = checkSafety(marked, {
    allow: [...configAllows, ...(settings.safety.allow ?? [])],
    now,
    budget: settings.safety.budget,
    ...(state.budget ? { configBudget: state.budget } : {}),
    countIntroduced: base !== null,
    fleet: shardedFleet(state.targets, settings.selection),
  });
  const expired = expiredAllowances(configAllows, now);
  const unused = unusedAllowances(checked, configAllows.filter((a) => !allowExpired(a.expires, now)));
  if (unused.length > 0) {
    checked.unused_allowances = unused.map((a) => ({ rule: a.rule, scope: a.target!.scope, id: a.target!.id, reason: a.reason, source: a.source }));
  }
  sink.warnings(
    unused.map((unused): Diagnostic => ({
      ...unused.source!,
      message: `allow ${unused.rule} on ${unused.target!.scope} ${unused.target!.id} lets nothing through in this plan: remove it once its change has landed, or it will let a later change of that kind through unreviewed`,
      path: '',
      severity: 'warning',
    })),
  );
  sink.warnings(expired.map((a): Diagnostic => ({ ...a.source!, message: `allow ${a.rule} entry expired on ${a.expires}: remove it (it lets nothing through)`, path: '', severity: 'warning' })));

  // Security drift, once it is known which changes the pull request introduces (those are not drift).
  const weakened = markSecurityDrift(checked);

  // Attribution: one audit log query a drifted target, with its own client.
  const plan = settings.attribute ? await attributePlan(weakened, clients, { now: new Date(weakened.created_at), concurrency: settings.api.concurrency }) : weakened;

  // Seal.
  const leaking = targetsHoldingSecrets(plan, [...clients.secrets(), ...secretsFromEnv(sink.env, settings.environment.credentials)]);
  if (leaking.length > 0) {
    throw new UsageError(`refusing to show or save the plan: the API credential appears in it as text (in ${leaking.join(', ')}: a config value or an API answer holds it); nothing was written`);
  }
  return { kind: 'planned', plan: sealPlan(plan), clients };
}

/** With --shard: the selected fleet before sharding, by shard, for the change budget (apply --plan judges it again so). */
export function shardedFleet(targets: readonly DesiredTarget[], selection: Selection): ShardedFleet | undefined {
  const { shard } = selection;
  if (!shard) return undefined;
  const sizes = new Array<number>(shard.count).fill(0);
  for (const target of selectTargets([...targets], { ...selection, shard: undefined })) sizes[shardOf(target, shard.count) - 1]++;
  return { shard, sizes };
}

/** The config's allow entries as allowances (apply --plan judges a saved plan again with them). */
export function configAllowances(allow: readonly AllowEntry[]): Allowance[] {
  return allow.map((a) => ({ rule: a.rule, target: { scope: a.scope, id: a.id }, via: 'config', reason: a.reason, source: a.source, ...(a.pin ? { pin: a.pin } : {}), ...(a.expires ? { expires: a.expires } : {}) }));
}

/** The selection as the plan records it: ids in lowercase, --only-failed's keys sorted. */
function coverageOf({ selection }: PlanSettings, { commit, dirty }: { commit: string | null; dirty: boolean }): PlanCoverage {
  const lower = (ids: readonly string[] = []) => ids.map((id) => id.toLowerCase());
  return {
    shard: selection.shard ? `${selection.shard.index}/${selection.shard.count}` : null,
    accounts: lower(selection.accounts),
    zones: lower(selection.zones),
    select: selection.select ? { ...selection.select } : null,
    only: selection.only ? [...selection.only].sort() : null,
    config_commit: commit,
    config_dirty: dirty,
  };
}

/**
 * The base branch's desired state. A path that does not exist is an empty base (a pull request that adds the
 * first config introduces everything); a base config that does not validate marks nothing.
 */
async function baselineState(paths: string[], policy: EnvPolicy, sink: PlanSink): Promise<Pick<Loaded, 'state' | 'credentialNames'>> {
  const existing: string[] = [];
  for (const path of paths) {
    if (await stat(path).then(() => true, () => false)) existing.push(path);
    else sink.note(`ztsync: --baseline ${path} does not exist: taken as an empty base config (its changes count as introduced)`);
  }
  if (existing.length === 0) return { state: { files: [], targets: [], allow: [] }, credentialNames: [] };
  const { state, diagnostics, credentialNames } = await loadDesiredState(existing, { env: sink.env, policy });
  if (state) return { state, credentialNames };
  const first = diagnostics[0] ? `; the first: ${formatDiagnostic(diagnostics[0])}` : '';
  sink.note(`ztsync: --baseline: the base config is not valid (${diagnostics.length} ${diagnostics.length === 1 ? 'error' : 'errors'}${first}); changes are not marked introduced or drift`);
  return { state: null, credentialNames };
}
