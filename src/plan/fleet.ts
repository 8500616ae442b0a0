// The drift check over several saved plans (the shards of a fleet): one plan of every target read, and a verdict
// that says "no drift" only when every expected plan is there, readable, and every target in it was read. A shard
// that failed (no plan file, a plan that cannot be read, a shard missing from the set, a target that could not be
// read) makes the verdict "failed", never "no drift". Pure: the plans (or why each could not be had) in.

import { driftedTargets, hasChanges, securityDrift, summarize, WHOLE_CONFIG, type Plan, type TargetPlan } from './model.js';

/** One --plan given: its plan, or why there is none (a missing file is a shard that did not finish planning). */
export type PlanInput = { file: string; plan: Plan } | { file: string; problem: string };

/** Why part of the fleet was not checked: a plan missing or unreadable, a shard missing, a target not read. */
export interface CheckFailure {
  /** The plan file concerned, when there is one. */
  file: string | null;
  /** "K/N" when a shard is concerned. */
  shard: string | null;
  /** The target concerned, when one could not be read. */
  target: Pick<TargetPlan, 'scope' | 'id' | 'name' | 'description'> | null;
  message: string;
}

export type Verdict = 'drift' | 'none' | 'failed';

export interface FleetCheck {
  /** Every target of every plan read, in the order the plans were given. */
  plan: Plan;
  /** The plans read: file, shard and how many targets. */
  plans: { file: string; shard: string | null; targets: number; created_at: string }[];
  failures: CheckFailure[];
  verdict: Verdict;
  /** Targets with something to update (blocked or not), to create, and changes that weaken security. */
  counts: { drifted: number; create: number; weakens: number; blocked: number; targets: number };
}

export function checkFleet(inputs: readonly PlanInput[]): FleetCheck {
  const failures: CheckFailure[] = [];
  const read: { file: string; plan: Plan }[] = [];
  for (const input of inputs) {
    if ('problem' in input) failures.push({ file: input.file, shard: null, target: null, message: input.problem });
    else read.push(input);
  }
  // A shard missing from the set is a failure of its own, unless as many plan files as are missing could not be
  // read: those are the missing shards' files (the usual way a shard fails), said once, by file.
  const gaps = shardGaps(read);
  if (gaps.length > failures.length || gaps.some((g) => g.file !== null || g.shard === null)) failures.push(...gaps);
  const seen = new Set<string>();
  const targets: TargetPlan[] = [];
  for (const { file, plan } of read) {
    for (const target of plan.targets) {
      const key = `${target.scope}:${target.id}`;
      if (seen.has(key)) {
        failures.push({ file, shard: plan.coverage?.shard ?? null, target, message: 'is in an earlier plan too: the plans overlap (were they made with the same --shard count?)' });
        continue;
      }
      seen.add(key);
      targets.push(target);
      if (target.error) failures.push({ file, shard: plan.coverage?.shard ?? null, target, message: `could not be read: ${target.error.message}` });
    }
  }
  const plan = mergePlans(read.map((r) => r.plan), targets);
  const changed = hasChanges(plan) || plan.blocked.some((b) => b.scope !== null);
  const verdict: Verdict = failures.length > 0 || read.length === 0 ? 'failed' : changed ? 'drift' : 'none';
  if (read.length === 0 && failures.length === 0) failures.push({ file: null, shard: null, target: null, message: 'no plan was given' });
  return {
    plan,
    plans: read.map(({ file, plan: p }) => ({ file, shard: p.coverage?.shard ?? null, targets: p.targets.length, created_at: p.created_at })),
    failures,
    verdict,
    counts: {
      drifted: driftedTargets(plan).length,
      create: plan.targets.filter((t) => t.resources.some((r) => r.action === 'create')).length,
      weakens: securityDrift(plan).length,
      blocked: new Set(plan.blocked.filter((b) => b.scope !== null).map((b) => `${b.scope}:${b.id}`)).size,
      targets: plan.targets.length,
    },
  };
}

/** Shards of a sharded set that no plan covers, or that two plans claim, or plans of different shard counts. */
function shardGaps(read: readonly { file: string; plan: Plan }[]): CheckFailure[] {
  const sharded = read.map((r) => ({ file: r.file, shard: parseShard(r.plan.coverage?.shard) })).filter((r) => r.shard !== null) as { file: string; shard: { index: number; count: number } }[];
  if (sharded.length === 0) return [];
  const counts = new Set(sharded.map((s) => s.shard.count));
  if (counts.size > 1) return [{ file: null, shard: null, target: null, message: `the plans were made with different shard counts (${[...counts].sort((a, b) => a - b).join(', ')}): they do not add up to the fleet` }];
  const count = sharded[0]!.shard.count;
  const out: CheckFailure[] = [];
  for (let index = 1; index <= count; index++) {
    const files = sharded.filter((s) => s.shard.index === index).map((s) => s.file);
    if (files.length === 0) out.push({ file: null, shard: `${index}/${count}`, target: null, message: 'has no plan: the shard did not finish planning (see its job log)' });
    if (files.length > 1) out.push({ file: files[1]!, shard: `${index}/${count}`, target: null, message: `is planned twice (${files.join(', ')})` });
  }
  return out;
}

function parseShard(text: string | null | undefined): { index: number; count: number } | null {
  const m = typeof text === 'string' ? /^(\d+)\/(\d+)$/.exec(text) : null;
  return m ? { index: Number(m[1]), count: Number(m[2]) } : null;
}

/** One plan of the targets given, with the blocked and allowed changes of every plan; a view, never a saved plan (no checksum). */
function mergePlans(plans: readonly Plan[], targets: TargetPlan[]): Plan {
  const first = plans[0];
  const apis = [...new Set(plans.map((p) => p.api_base))];
  const created = plans.map((p) => p.created_at).sort();
  return {
    format_version: first?.format_version ?? '1',
    ztsync_version: [...new Set(plans.map((p) => p.ztsync_version))].join(', '),
    api_base: apis.join(', '),
    created_at: created[0] ?? new Date(0).toISOString(),
    targets,
    blocked: plans.flatMap((p) => p.blocked),
    allowed: plans.flatMap((p) => p.allowed),
    change_budget: plans.length === 1 ? (first!.change_budget ?? null) : null,
    coverage: plans.length === 1 ? first!.coverage : { ...WHOLE_CONFIG, config_commit: commonCommit(plans), config_dirty: plans.some((p) => p.coverage?.config_dirty) },
    ...(plans.length === 1 && first!.baseline ? { baseline: first!.baseline } : {}),
    summary: summarize(targets),
  };
}

function commonCommit(plans: readonly Plan[]): string | null {
  const commits = new Set(plans.map((p) => p.coverage?.config_commit ?? null));
  return commits.size === 1 ? [...commits][0]! : null;
}
