// The scenarios. Each runs in a process of its own (see run.js), so that its memory numbers are its own,
// and returns one row: { size, ms, throughput, extra?, notes?, memory } (throughputs are { value, unit }).

import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { applyPlan } from '../../dist/apply/apply.js';
import { CloudflareClient } from '../../dist/cloudflare/client.js';
import { startEmulator } from '../../dist/emulator/index.js';
import { buildPlan } from '../../dist/plan/build.js';
import { diffResource } from '../../dist/plan/diff.js';
import { resourceSpec } from '../../dist/resources/index.js';
import { desiredFor, expectedPlan, realisticAccount, writeConfig } from './fixtures.js';
import { check, measure, median } from './measure.js';
import { loadOrFail } from './load.js';
import { reportBrowser, reportRender } from './report.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** A throughput: `count` things in `ms`. */
const per = (count, ms, unit) => ({ value: count / (ms / 1000), unit });

function client(em, options = {}) {
  return new CloudflareClient({ apiBase: em.url, credentials: { kind: 'token', token: 'bench' }, ...options });
}

/** The desired state for an emulator's generated accounts (its state in the seed format), and the plan it must give. */
export async function desiredFromSnapshot(snapshot, accounts, tmp) {
  const dir = await writeConfig(tmp, desiredFor(snapshot), { defaults: false });
  return { desired: await loadOrFail(dir, accounts), expected: expectedPlan(snapshot) };
}

/** An emulator with `accounts` generated accounts and the desired state for them; closed after `fn`. */
async function withEmulator({ accounts, latencyMs = 0, tmp }, fn) {
  const em = await startEmulator({ port: 0, accounts, latencyMs });
  try {
    return await fn({ em, ...(await desiredFromSnapshot(em.state.snapshot(), accounts, tmp)) });
  } finally {
    await em.close();
  }
}

export async function planChecked(desired, c, concurrency, expected) {
  const plan = await buildPlan(desired, c, { concurrency });
  check(isDeepStrictEqual(plan.summary, expected), `plan summary ${JSON.stringify(plan.summary)}, expected ${JSON.stringify(expected)}`);
  return plan;
}

export const summaryText = (s) => Object.entries(s).map(([k, v]) => `${v} ${k}`).join(', ');

export async function validate({ dir, accounts, files }) {
  const m = await measure(() => loadOrFail(dir, accounts));
  return {
    size: `${accounts} accounts / ${files} files`,
    ms: m.ms,
    throughput: per(accounts, m.ms, 'accounts/s'),
    memory: m.memory,
  };
}

export async function plan({ accounts, concurrency, latencyMs = 0, tmp }) {
  return withEmulator({ accounts, latencyMs, tmp }, async ({ em, desired, expected }) => {
    // Warm-up on a few targets (got's lazy import, JIT), with a client of its own so the stats stay clean.
    await buildPlan({ ...desired, targets: desired.targets.slice(0, 10) }, client(em, { readOnly: true }), { concurrency });
    const c = client(em, { readOnly: true });
    const m = await measure(() => planChecked(desired, c, concurrency, expected.summary));
    check(c.stats.requests === 2 * accounts, `plan sent ${c.stats.requests} requests, expected 2 per target (${2 * accounts})`);
    check(c.stats.retries === 0, `plan needed ${c.stats.retries} retries`);
    return {
      size: `${accounts} accounts, c=${concurrency}${latencyMs ? `, ${latencyMs} ms latency` : ''}`,
      ms: m.ms,
      throughput: per(c.stats.requests, m.ms, 'req/s'),
      extra: per(accounts, m.ms, 'targets/s'),
      notes: `summary ${summaryText(m.value.summary)}`,
      memory: m.memory,
    };
  });
}

export async function apply({ accounts, concurrency, tmp }) {
  return withEmulator({ accounts, tmp }, async ({ em, desired, expected }) => {
    const plan = await planChecked(desired, client(em, { readOnly: true }), 8, expected.summary);
    const c = client(em);
    const m = await measure(() => applyPlan(plan, c, { concurrency }));
    const { summary } = m.value;
    check(summary.failed === 0, `${summary.failed} targets failed: ${m.value.targets.find((t) => t.outcome === 'failed')?.resources.find((r) => r.error)?.error}`);
    check(summary.applied === expected.changedTargets, `applied ${summary.applied} targets, expected ${expected.changedTargets}`);
    check(em.state.counters.writes === expected.changedResources, `the emulator counted ${em.state.counters.writes} writes`);
    check(c.stats.retries === 0, `apply needed ${c.stats.retries} retries`);
    const noop = { create: 0, update: 0, noop: 2 * accounts, error: 0 };
    await planChecked(desired, client(em, { readOnly: true }), 8, noop);
    return {
      size: `${accounts} accounts, c=${concurrency}`,
      ms: m.ms,
      throughput: per(em.state.counters.writes, m.ms, 'writes/s'),
      extra: { value: c.stats.requests / expected.changedTargets, unit: 'req/changed target' },
      notes: `${summary.applied} targets applied (${em.state.counters.writes} writes, ${c.stats.requests} requests); re-plan: 0 changes`,
      memory: m.memory,
    };
  });
}

/** Dotted leaf values of a config section, as the desired state holds them (lists are leaves). */
function leaves(obj, prefix = '', out = {}) {
  for (const [key, value] of Object.entries(obj)) {
    if (value && typeof value === 'object' && !Array.isArray(value)) leaves(value, `${prefix}${key}.`, out);
    else out[prefix + key] = value;
  }
  return out;
}

/** The live organization as the API reports it, differing from `organization` in ways that are and are not changes. */
function liveFor(organization, i) {
  const live = structuredClone(organization);
  live.session_duration = i % 2 ? '24h0m0s' : live.session_duration; // half changed, half a respelling
  live.deny_unmatched_requests_exempted_zone_names.reverse(); // a set: not a change
  live.mfa_config.allowed_authenticators.reverse();
  if (i % 3 === 1) live.login_design.text_color = '#000000';
  if (!live.mfa_required_for_all_apps) delete live.mfa_required_for_all_apps; // the API leaves out false
  return { ...live, created_at: '2024-01-01T00:00:00Z', updated_at: '2024-01-01T00:00:00Z' };
}

export async function diff({ iterations }) {
  const spec = resourceSpec('organization');
  const cases = Array.from({ length: 64 }, (_, i) => {
    const { organization } = realisticAccount(i);
    return { desired: { type: 'organization', values: leaves(organization), positions: {} }, live: liveFor(organization, i) };
  });
  const fields = cases.reduce((n, c) => n + Object.keys(c.desired.values).length, 0) / cases.length;
  let changes = 0;
  const m = await measure(() => {
    for (let n = 0; n < iterations; n++) {
      const { desired, live } = cases[n % cases.length];
      changes += diffResource(spec, desired, live).changes.length;
    }
  });
  const perCase = cases.map((c) => diffResource(spec, c.desired, c.live).changes.length);
  let expected = 0;
  for (let n = 0; n < iterations; n++) expected += perCase[n % cases.length];
  check(expected > 0 && changes === expected, `the diffs found ${changes} changes, expected ${expected}`);
  return {
    size: `${iterations} diffs × ${fields.toFixed(1)} fields`,
    ms: m.ms,
    throughput: per(iterations, m.ms, 'diffs/s'),
    extra: per(iterations * fields, m.ms, 'fields/s'),
    memory: m.memory,
  };
}

// Prints the child's peak RSS and heap at exit, for the one run of each command that is not timed.
const REPORT_MEMORY = `data:text/javascript,process.on('exit',()=>process.stderr.write('\\n@bench-memory '+JSON.stringify({rss:process.resourceUsage().maxRSS/1024,heap:process.memoryUsage().heapUsed/1048576})))`;

const COMMANDS = {
  'node -e 0': ['-e', '0'],
  'ztsync --help': ['dist/bin.js', '--help'],
  'ztsync validate examples/config': ['dist/bin.js', 'validate', 'examples/config'],
};

export async function cli({ command, runs }) {
  const args = COMMANDS[command];
  const run = (extra = []) => {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [...extra, ...args], { cwd: REPO, encoding: 'utf8' });
    const ms = performance.now() - t0;
    check(r.status === 0, `${command} exited with ${r.status}: ${r.stderr}`);
    return { ms, stderr: r.stderr };
  };
  run(); // warm the file cache
  const times = Array.from({ length: runs }, () => run().ms);
  const memory = JSON.parse(run(['--import', REPORT_MEMORY]).stderr.split('@bench-memory ')[1]);
  const ms = median(times);
  return {
    size: `${runs} runs`,
    ms,
    throughput: per(1, ms, 'runs/s'),
    notes: `min ${Math.min(...times).toFixed(0)} ms, max ${Math.max(...times).toFixed(0)} ms; memory: peak RSS, heap at exit`,
    memory: { rssPeakMb: memory.rss, heapPeakMb: memory.heap, processPeakMb: memory.rss },
  };
}

export const SCENARIOS = { validate, plan, apply, diff, cli, reportRender, reportBrowser };
