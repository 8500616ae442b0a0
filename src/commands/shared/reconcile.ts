// What plan and apply share: the options that pick targets and the API, and the path from config files to
// a plan. Commands import this; it imports stages only.

import { stat } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { credentialDiagnostics, loadDesiredState, sortDiagnostics } from '../../config/index.js';
import { formatDiagnostic, formatPosition, type DesiredState, type DesiredTarget, type Diagnostic } from '../../config/model.js';
import { markOrigins } from '../../plan/baseline.js';
import { CloudflareClient, DEFAULT_MAX_BACKOFF_MS, DEFAULT_MIN_BACKOFF_MS, DEFAULT_RETRY_BUDGET_MS } from '../../cloudflare/client.js';
import { credentialsFromEnv, DEFAULT_API_BASE } from '../../cloudflare/credentials.js';
import { ClientPool, explainRefusal } from '../../cloudflare/pool.js';
import { refusedToken } from '../../cloudflare/errors.js';
import { DEFAULT_RATE_LIMIT, parseRateLimitSetting } from '../../cloudflare/budget.js';
import { buildPlan, selectTargets, unmatchedFilters, type Shard, type UnmatchedFilter } from '../../plan/build.js';
import type { Plan } from '../../plan/model.js';
import { sealPlan, targetsHoldingSecrets } from '../../plan/saved.js';
import { checkSafety, unusedAllowances, DEFAULT_BUDGET, DEFAULT_BUDGET_MIN_TARGETS, parseBudget, type Allowance, type ChangeBudget } from '../../plan/safety.js';
import { CHANGE_BUDGET_RULE, SAFETY_RULE_NAMES } from '../../resources/safety.js';
import { closest } from '../../config/suggest.js';
import { parseDuration } from '../../resources/duration.js';
import { EXIT, Interrupted, UsageError, type Io } from '../../io.js';
import { githubActions } from './github.js';
import { visible } from '../../util/terminal.js';
import { Progress, type ProgressCounts } from './progress.js';
import { readTargetsToRetry } from './results.js';

export interface ReconcileOptions extends ApiOptions {
  account?: string[];
  zone?: string[];
  shard?: string;
  onlyFailed?: string;
  results?: string;
  quiet?: boolean;
  rateLimit?: string;
  allow?: string[];
  maxChangedTargets?: string;
  /** plan only: the base branch's config paths. */
  baseline?: string[];
}

/** The options of every command that talks to the API. */
export interface ApiOptions {
  apiBase?: string;
  concurrency?: string;
  maxRetries?: string;
  retryBudget?: string;
}

/**
 * --api-base, --retry-budget and --max-retries, and --concurrency (described as given) for commands that reach
 * many targets. Its default is the command's own (plan reads 8 targets at once, apply writes 4).
 */
export function addApiOptions(command: Command, { concurrency = 'targets read at once (default 8)' as string | false } = {}): Command {
  command.addOption(new Option('--api-base <url>', `Cloudflare API base URL (default ${DEFAULT_API_BASE}; env CLOUDFLARE_BASE_URL)`));
  if (concurrency) command.option('--concurrency <n>', concurrency);
  return command
    .option(
      '--retry-budget <duration>',
      `how long a failed API call (429, 5xx, timeout, lost connection) is retried, with jittered backoff of ${DEFAULT_MIN_BACKOFF_MS / 1000} s to ${DEFAULT_MAX_BACKOFF_MS / 1000} s: a duration (90s, 2m, 1m30s) or seconds (default ${DEFAULT_RETRY_BUDGET_MS / 60_000}m; 0: no retry)`,
    )
    .option('--max-retries <n>', 'also stop after N retries of a call (default: no count, only --retry-budget)');
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

const DEFAULT_BUDGET_TEXT = DEFAULT_BUDGET.kind === 'percent' ? `${DEFAULT_BUDGET.percent}%` : String(DEFAULT_BUDGET.count);

/** The safety options as given on the command line, checked: unknown rule names and bad budgets are refused. */
export function safetyFromFlags(options: ReconcileOptions): { allow: Allowance[]; budget?: ChangeBudget } {
  const allow = (options.allow ?? []).map((rule): Allowance => {
    if (!SAFETY_RULE_NAMES.includes(rule)) {
      const hint =
        rule === CHANGE_BUDGET_RULE
          ? '; the change budget is set with --max-changed-targets N or N%'
          : closest(rule, SAFETY_RULE_NAMES)
            ? `; did you mean "${closest(rule, SAFETY_RULE_NAMES)}"?`
            : `; the rules are ${SAFETY_RULE_NAMES.join(', ')}`;
      throw new UsageError(`--allow: unknown safety rule "${rule}"${hint}`);
    }
    return { rule, via: 'flag', reason: null, source: null };
  });
  if (options.maxChangedTargets === undefined) return { allow };
  const budget = parseBudget(options.maxChangedTargets);
  if (!budget) throw new UsageError(`--max-changed-targets takes a whole number of targets (5) or a percentage up to 100% (25%), not "${options.maxChangedTargets}"`);
  return { allow, budget };
}

export function addReconcileOptions(command: Command, { pathsOptional = false } = {}): Command {
  const paths = 'YAML config files or directories (read recursively: *.yaml, *.yml)';
  return addApiOptions(
    command
      .argument(pathsOptional ? '[paths...]' : '<paths...>', paths)
      .option('--account <id...>', 'only these accounts (repeatable; any case; one that matches no target is an error)')
      .option('--zone <id...>', 'only these zones (repeatable; any case; one that matches no target is an error)')
      .option('--shard <k/n>', 'only shard K of N (1-based): a stable hash of each target\'s id spreads the fleet over N runs exactly')
      .option('--only-failed <file>', 'only the targets a --results file lists as failed, skipped (not started) or pending (not reached)')
      .option('--results <file>', 'write each target\'s outcome as JSON to this file (rewritten as the run goes, also when targets fail)')
      .option('-q, --quiet', 'no progress line on stderr')
      .option('--rate-limit <n/seconds>', `each credential's paced budget, shared by all workers (default ${DEFAULT_RATE_LIMIT.requests}/${DEFAULT_RATE_LIMIT.windowSeconds}: Cloudflare's 1200/300 less 200 for people in the dashboard)`),
    { concurrency: 'targets read (and, in apply, written) at once; default 8 for reads, 4 for writes' },
  )
    .option('--allow <rule>', `allow changes a safety rule blocks, on every target (repeatable): ${SAFETY_RULE_NAMES.join(', ')}`, collect)
    .option('--max-changed-targets <n>', `block the plan when more targets than N (or N% of them) would change (default ${DEFAULT_BUDGET_TEXT} once there are ${DEFAULT_BUDGET_MIN_TARGETS} targets)`);
}

export function concurrencyOption(options: ApiOptions): number {
  return wholeNumber('--concurrency', options.concurrency ?? '8', 1);
}

export interface Planned {
  plan: Plan;
  clients: ClientPool;
  /** Requests, retries and rate-budget waits of every client so far, for progress lines. */
  counts: () => ProgressCounts;
}

/**
 * Validate the config, then read live state and diff. Returns null (the reason printed) when the config is
 * invalid — nothing is read from the API then — or when the API refused the default credentials (a refused
 * credentials_env token fails only its targets).
 */
export async function planFromConfig(paths: string[], options: ReconcileOptions, io: Io, client: { readOnly: boolean }): Promise<Planned | null> {
  const safety = safetyFromFlags(options);
  const shard = options.shard === undefined ? undefined : parseShard(options.shard);
  const only = options.onlyFailed === undefined ? undefined : await readTargetsToRetry(options.onlyFailed);
  const { state, diagnostics, warnings } = await loadDesiredState(paths, { env: io.env });
  printDiagnostics(io, warnings);
  // Each selected target's credentials_env must be set; targets of other shards may use tokens this run lacks.
  const targets = state ? selectTargets(state.targets, { accounts: options.account, zones: options.zone, shard, only }) : [];
  if (state) diagnostics.push(...sortDiagnostics(credentialDiagnostics(targets, io.env)));
  if (!state || diagnostics.length > 0) {
    githubActions(io).annotateDiagnostics(diagnostics);
    printDiagnostics(io, diagnostics);
    io.stderr.write(`${diagnostics.length} ${diagnostics.length === 1 ? 'error' : 'errors'} in the config; nothing was read or changed\n`);
    return null;
  }
  const filters = { accounts: options.account, zones: options.zone };
  const unmatched = unmatchedFilters(state.targets, filters);
  if (unmatched.length > 0) throw new UsageError(unmatched.map(describeUnmatched).join('\n'));
  const clients = makeClients(options, io, client);
  // Missing default credentials are a usage error before any request, when some target needs them.
  if (targets.some((t) => !t.credentialsEnv)) clients.for(undefined);
  const concurrency = concurrencyOf(options) ?? 8;
  const counts = countsOf(clients);
  const progress = new Progress(io, { label: 'plan', total: targets.length, quiet: options.quiet, counts });
  let built: Plan;
  // Ctrl-C while reading: nothing has been written yet, so start no new target, let the reads in flight end, and say so.
  const stop = stopOnInterrupt(io, clients, {
    first: (signal) => `\nztsync: ${signal}: reading no new target; finishing the reads in flight (again to stop at once)\n`,
    again: (signal) => {
      progress.abandon();
      return `ztsync: ${signal} again: stopped at once while reading live state; nothing was changed\n`;
    },
  });
  try {
    built = await buildPlan({ ...state, targets }, clients, { concurrency, signal: stop.signal, onTarget: () => progress.targetDone() });
  } finally {
    stop.end();
    progress.stop();
  }
  if (stop.signal.aborted) throw new Interrupted(`interrupted (${stop.signal.reason}) with live state read for ${built.targets.length} of ${targets.length} targets: nothing was changed`); // true also when the last read had just ended
  if (!reportRefusals(io, clients, built, targets)) return null;
  const configAllows = state.allow.map((a): Allowance => ({ rule: a.rule, target: { scope: a.scope, id: a.id }, via: 'config', reason: a.reason, source: a.source }));
  const checked = checkSafety(built, { allow: [...configAllows, ...safety.allow], budget: safety.budget });
  printDiagnostics(
    io,
    unusedAllowances(checked, configAllows).map((unused): Diagnostic => ({
      ...unused.source!,
      message: `allow ${unused.rule} on ${unused.target!.scope} ${unused.target!.id} lets nothing through in this plan: remove it once its change has landed, or it will let a later change of that kind through unreviewed`,
      path: '',
      severity: 'warning',
    })),
  );
  const base = options.baseline ? await baselineState(options.baseline, io) : null;
  const plan = base ? markOrigins(checked, base, options.baseline!) : checked;
  const leaking = targetsHoldingSecrets(plan, clients.secrets());
  if (leaking.length > 0) {
    throw new UsageError(`refusing to show or save the plan: the API credential appears in it as text (in ${leaking.join(', ')}: a config value or an API answer holds it); nothing was written`);
  }
  return { plan: sealPlan(plan), clients, counts };
}

/**
 * Each refused credential said once (the client stopped at its first refusal), with what to check. The default
 * credentials refused: false, the run stops. A credentials_env token refused: only its targets fail (the plan
 * names the variable on each), the others are planned.
 */
function reportRefusals(io: Io, clients: ClientPool, plan: Plan, targets: readonly DesiredTarget[]): boolean {
  const refusals = clients.refusals();
  const stop = refusals.some((r) => r.byDefault);
  const where = (name: string) => {
    const named = targets.find((t) => t.credentialsEnv?.name === name)?.credentialsEnv;
    return named && formatPosition(named.position);
  };
  for (const refusal of refusals) {
    const failed = plan.targets.filter((t) => t.credentials_env !== undefined && refusal.variables.includes(t.credentials_env) && t.error?.message.startsWith(refusedToken([{ name: t.credentials_env }])));
    const outcome = stop ? 'Stopped: nothing was changed' : `${failed.length} ${failed.length === 1 ? 'target' : 'targets'} using it could not be planned; the other targets were`;
    io.stderr.write(`ztsync: ${visible(explainRefusal(refusal, where))}. ${outcome}.\n`);
  }
  return !stop;
}

/** Config problems and warnings on stderr, as `file:line:col: message (path)`. */
function printDiagnostics(io: Io, diagnostics: readonly Diagnostic[]): void {
  const github = githubActions(io);
  for (const d of diagnostics) io.stderr.write(github.guard(formatDiagnostic(d) + '\n'));
}

/** What a phase says on Ctrl-C: at the first signal, and at a second one, just before the run ends at once. */
export interface InterruptSaying {
  first(signal: string): string;
  again(signal: string): string;
}

/**
 * Ctrl-C (SIGINT or SIGTERM) during one phase of a run: `signal` aborts at the first one, when every client also
 * stops retrying (a call in a long outage would otherwise hold the run for its whole retry budget) and `first` is
 * printed. A second one prints `again` (which may save what it must first) and ends the run at once, exit 130.
 * `end()` stops listening, so that a later Ctrl-C does what it would have done without this phase.
 */
export function stopOnInterrupt(io: Io, clients: ClientPool, saying: InterruptSaying): { signal: AbortSignal; end(): void } {
  const listening = new AbortController();
  const stop = new AbortController();
  void io.stopSignal(listening.signal).then((signal) => {
    if (listening.signal.aborted) return;
    stop.abort(signal);
    clients.stopRetrying();
    io.stderr.write(saying.first(signal));
    return io.stopSignal(listening.signal).then((again) => {
      if (listening.signal.aborted) return;
      io.stderr.write(saying.again(again));
      io.exit(EXIT.interrupted);
    });
  });
  return { signal: stop.signal, end: () => listening.abort() };
}

/** --concurrency when given: plan reads 8 targets at once by default, apply writes 4. */
export function concurrencyOf(options: ReconcileOptions): number | undefined {
  return options.concurrency === undefined ? undefined : wholeNumber('--concurrency', options.concurrency, 1);
}

function clientOptions(options: ApiOptions, io: Io, { readOnly }: { readOnly: boolean }) {
  return {
    apiBase: options.apiBase ?? io.env.CLOUDFLARE_BASE_URL,
    readOnly,
    retryBudgetMs: options.retryBudget === undefined ? DEFAULT_RETRY_BUDGET_MS : parseRetryBudget(options.retryBudget),
    ...(options.maxRetries === undefined ? {} : { retries: wholeNumber('--max-retries', options.maxRetries, 0) }),
    ...io.retryTiming,
  };
}

/** --retry-budget: a Go duration (2m, 90s, 1m30s) or a number of seconds, in ms. */
export function parseRetryBudget(text: string): number {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const nanos = parseDuration(trimmed);
  if (nanos !== undefined && nanos >= 0n) return Number(nanos / 1_000_000n);
  throw new UsageError(`--retry-budget takes a duration such as 2m, 90s or 1m30s (or a number of seconds, 0 for no retry), not "${text}"`);
}

/**
 * The base branch's desired state for --baseline. A path that does not exist is an empty base (a pull request
 * that adds the first config introduces everything); a base config that does not validate marks nothing.
 */
async function baselineState(paths: string[], io: Io): Promise<DesiredState | null> {
  const existing: string[] = [];
  for (const path of paths) {
    if (await stat(path).then(() => true, () => false)) existing.push(path);
    else io.stderr.write(`ztsync: --baseline ${path} does not exist: taken as an empty base config (its changes count as introduced)\n`);
  }
  if (existing.length === 0) return { files: [], targets: [], allow: [] };
  const { state, diagnostics } = await loadDesiredState(existing, { env: io.env });
  if (state) return state;
  const first = diagnostics[0] ? `; the first: ${formatDiagnostic(diagnostics[0])}` : '';
  io.stderr.write(`ztsync: --baseline: the base config is not valid (${diagnostics.length} ${diagnostics.length === 1 ? 'error' : 'errors'}${first}); changes are not marked introduced or drift\n`);
  return null;
}

/** The one API client of a command, from --api-base / CLOUDFLARE_BASE_URL, the credentials in the environment, --retry-budget and --max-retries. */
export function makeClient(options: ApiOptions, io: Io, access: { readOnly: boolean }): CloudflareClient {
  return new CloudflareClient({ ...clientOptions(options, io, access), credentials: credentialsFromEnv(io.env) });
}

/** A client per credential (CLOUDFLARE_API_TOKEN …, or a target's credentials_env), made as targets need them. */
export function makeClients(options: ReconcileOptions, io: Io, access: { readOnly: boolean }): ClientPool {
  const text = options.rateLimit;
  const rateLimit = text === undefined ? DEFAULT_RATE_LIMIT : parseRateLimitSetting(text);
  if (!rateLimit) throw new UsageError(`--rate-limit takes N/SECONDS such as 1000/300, not "${text}"`);
  return new ClientPool({ ...clientOptions(options, io, access), env: io.env, rateLimit });
}

/** Requests, retries and rate-budget waits of every client of the pool so far. */
export function countsOf(clients: ClientPool): () => ProgressCounts {
  return () => {
    const all = clients.clients.map((c) => c.stats);
    const sum = (key: 'requests' | 'retries') => all.reduce((total, c) => total + c[key], 0);
    // Each credential's budget holds its own requests; the one that held the run longest says how much it was slowed.
    return { requests: sum('requests'), retries: sum('retries'), heldMs: Math.max(0, ...all.map((c) => c.heldMs)) };
  };
}

/** "2/5" → shard 2 of 5. */
export function parseShard(text: string): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const shard = match && { index: Number(match[1]), count: Number(match[2]) };
  if (!shard || shard.count < 1 || shard.index < 1 || shard.index > shard.count) {
    throw new UsageError(`--shard takes K/N with 1 ≤ K ≤ N (shard K of N, e.g. 2/4), not "${text}"`);
  }
  return shard;
}

function describeUnmatched({ scope, id, otherScope }: UnmatchedFilter): string {
  const hint = otherScope ? `: it is ${otherScope === 'account' ? 'an' : 'a'} ${otherScope} id; use --${otherScope} ${id}` : '; check the id, or run without the filter to plan every target';
  return `--${scope} ${id} matches no ${scope} in the config${hint}`;
}

/** Colour only on a terminal, and never when NO_COLOR is set (to anything). */
export function useColor(io: Io): boolean {
  return io.stdoutIsTTY && io.env.NO_COLOR === undefined && io.env.TERM !== 'dumb';
}

export function wholeNumber(option: string, text: string, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${option} takes a whole number of at least ${min}, not "${text}"`);
  return n;
}
