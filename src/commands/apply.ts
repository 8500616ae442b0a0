import { Command } from 'commander';
import pc from 'picocolors';
import { applyPlan, blockedTargets, type TargetResult } from '../apply/apply.js';
import { applySummaryMarkdown } from './shared/apply-summary.js';
import { escapeText } from '../plan/render-markdown.js';
import { explainRefusal, type ClientPool } from '../cloudflare/pool.js';
import { EXIT, UsageError, type Io } from '../io.js';
import { hasChanges, targetChanges, targetLabel, type Plan } from '../plan/model.js';
import { visible } from '../util/terminal.js';
import { renderText } from '../plan/render-text.js';
import { loadSavedPlan, PlanFileError } from '../plan/saved.js';
import { githubActions } from './shared/github.js';
import { makeClients } from '../cloudflare/settings.js';
import { stopOnInterrupt } from './shared/interrupt.js';
import { apiSettings } from './shared/options/api.js';
import { addReconcileOptions, reconcileSettings, type ReconcileFlags } from './shared/options/reconcile.js';
import { environmentSettings } from './shared/options/environment.js';
import { safetySettings } from './shared/options/safety.js';
import { selectsTargets } from './shared/options/selection.js';
import { printDiagnostics, reportInvalidConfig } from './shared/diagnostics.js';
import { reviewSavedPlan, selectionOf, type ConfigGiven } from '../apply/review.js';
import { configCommit } from '../config/commit.js';
import { credentialDiagnostics, loadDesiredState, sortDiagnostics } from '../config/index.js';
import { selectTargets } from '../plan/build.js';
import { configAllowances, shardedFleet } from '../plan/pipeline.js';
import type { SafetyOptions } from '../plan/safety.js';
import { parseDuration } from '../resources/duration.js';
import { VERSION } from '../version.js';
import { declareCredentialVariables, runSecrets, useColor } from './shared/output.js';
import { planFromConfig } from './shared/plan-run.js';
import { countsOf, Progress, type ProgressCounts } from './shared/progress.js';
import { applyEntry, planEntry, recordingRun, type RunRecord } from './shared/results.js';

interface ApplyFlags extends ReconcileFlags {
  autoApprove?: boolean;
  plan?: string;
  maxPlanAge?: string;
  skipBlocked?: boolean;
}

/** How old a saved plan may be: the live check already refuses one whose targets moved; this bounds the rest. */
const DEFAULT_MAX_PLAN_AGE = '7d';

/** What apply was asked, as parsed. */
interface ApplySettings {
  autoApprove: boolean;
  results?: string;
  quiet: boolean;
  /** Targets written at once; absent: apply's default. */
  concurrency?: number;
  /** Apply the targets no safety rule blocks; the blocked ones end `blocked` (exit 3). */
  skipBlocked: boolean;
}

type Colors = ReturnType<typeof pc.createColors>;

export function applyCommand(io: Io, setExit: (code: number) => void): Command {
  const command = new Command('apply')
    .summary('Make live settings match the config (or a saved plan), after showing the plan.')
    .description(
      'Plan afresh from the config paths, or take a saved plan (--plan FILE); show the plan, ask for confirmation, then ' +
        'apply it target by target. Without a terminal it refuses unless --auto-approve is given. Each write reads the ' +
        'live object again first, sends its writable fields with the planned values laid over them (nothing the config ' +
        'does not manage is reset), then reads back to check the change took.\n\n' +
        'A saved plan is a record of what was reviewed, never a source of authority: it is refused whole when another ' +
        'ztsync version made it, when it is older than --max-plan-age, when it holds a field or value this ztsync does ' +
        'not know, or when its changes are not what its desired values make against its recorded live state; the safety ' +
        'rules and the budget are judged again with the allowances of this run (config and flags, never the file), and ' +
        'credentials come from this run only. Given config paths too, the plan must be exactly what that config asks ' +
        'for. Each target is then applied only where its live state is still the snapshot the plan recorded.\n\n' +
        'Exit codes: 0 everything applied or unchanged; 1 any target failed or was stale, or the config or plan file ' +
        'is invalid or refused; 3 a safety rule or the change budget blocks the plan (nothing is written; with ' +
        '--skip-blocked, the targets no rule blocks are applied).',
    )
    .usage('[options] <paths...>\n       ztsync apply [options] --plan <file> [paths...]')
    .option('--auto-approve', 'apply without asking')
    .option('--plan <file>', 'apply this saved plan (from plan --format json --out FILE) exactly; with config paths, only if its targets and values are what that config asks for')
    .option('--skip-blocked', 'apply every target no safety rule blocks, report the blocked ones, and exit 3 if any was blocked (the change budget still stops the whole plan)')
    .option('--max-plan-age <duration>', `refuse a saved plan older than this (e.g. 7d, 36h; default ${DEFAULT_MAX_PLAN_AGE})`);
  return addReconcileOptions(command, { pathsOptional: true }).action(async (paths: string[], options: ApplyFlags) => {
    setExit(
      await recordingRun(options.results, 'apply', async (record) => {
        const loaded = options.plan ? await savedPlan(paths, options, io, record) : await freshPlan(paths, options, io, record);
        if (!loaded) return EXIT.error;
        return applyLoaded(loaded, loaded.settings, io, record);
      }, () => runSecrets(io)),
    );
  });
}

interface Loaded {
  plan: Plan;
  clients: ClientPool;
  counts: () => ProgressCounts;
  settings: ApplySettings;
  /** A saved plan: each target's recorded snapshot must still be live before it is written. */
  checkSnapshot?: boolean;
}

function applySettings(flags: ApplyFlags, concurrency: number | undefined): ApplySettings {
  return {
    autoApprove: flags.autoApprove === true,
    ...(flags.results !== undefined ? { results: flags.results } : {}),
    quiet: flags.quiet === true,
    skipBlocked: flags.skipBlocked === true,
    ...(concurrency === undefined ? {} : { concurrency }),
  };
}

async function freshPlan(paths: string[], options: ApplyFlags, io: Io, record: RunRecord | undefined): Promise<Loaded | null> {
  if (paths.length === 0) throw new UsageError('apply needs config paths, or --plan FILE to apply a saved plan');
  const settings = await reconcileSettings(paths, options, io, { readOnly: false });
  const planned = await planFromConfig(settings, io, record);
  return planned && { ...planned, settings: applySettings(options, settings.api.concurrency) };
}

async function savedPlan(paths: string[], options: ApplyFlags, io: Io, record: RunRecord | undefined): Promise<Loaded | null> {
  const file = options.plan!;
  if (selectsTargets(options)) {
    throw new UsageError('--account, --zone, --shard and --only-failed pick targets when planning; a saved plan is applied whole (with config paths, the targets its coverage records)');
  }
  const maxAgeMs = parseMaxPlanAge(options.maxPlanAge ?? DEFAULT_MAX_PLAN_AGE);
  const safety = safetySettings(options);
  const environment = environmentSettings(options, io.env);
  declareCredentialVariables(io, environment.credentials);
  const api = { ...apiSettings(options, io, { readOnly: false }), credentialVariables: environment.credentials };
  const refuse = (why: string) => {
    io.stderr.write(`ztsync apply: ${visible(why)}; nothing was changed\n`);
    record?.stop('invalid', `${visible(why)}; nothing was changed`);
    return null;
  };
  let plan: Plan;
  try {
    plan = await loadSavedPlan(file);
  } catch (err) {
    if (!(err instanceof PlanFileError)) throw err;
    return refuse(err.message);
  }
  // With config paths: the config as it is now (the merged commit) says which targets and values may be applied,
  // which token writes each, and which allowances hold.
  let config: ConfigGiven | undefined;
  let judged: SafetyOptions = safety;
  if (paths.length > 0) {
    const { state, diagnostics, warnings } = await loadDesiredState(paths, { env: io.env, policy: environment });
    printDiagnostics(io, warnings);
    if (state) diagnostics.push(...sortDiagnostics(credentialDiagnostics(selectTargets(state.targets, selectionOf(plan.coverage)), io.env)));
    if (!state || diagnostics.length > 0) {
      reportInvalidConfig(io, diagnostics);
      record?.stop('invalid', `the config is not valid (${diagnostics.length} ${diagnostics.length === 1 ? 'error' : 'errors'}, said on stderr): nothing was read or changed`);
      return null;
    }
    config = { targets: state.targets, commit: (await configCommit(paths)).commit };
    // The budget of a shard's plan is its share of the whole selected fleet, as when it was planned.
    judged = { ...safety, now: new Date(), allow: [...configAllowances(state.allow), ...safety.allow], ...(state.budget ? { configBudget: state.budget } : {}), fleet: shardedFleet(state.targets, selectionOf(plan.coverage)) };
  }
  const review = await reviewSavedPlan(plan, { version: VERSION, now: new Date(), maxAgeMs, safety: judged, ...(config ? { config } : {}) });
  if (!review.ok) return refuse(`refusing the saved plan ${file}: ${review.reason}`);
  const clients = makeClients(api, io.env);
  if (plan.api_base !== clients.apiBase.href) return refuse(`${file} was made against ${plan.api_base}, not ${clients.apiBase.href}`);
  // Every credential the targets take (from the config, never the file) must be here before anything is written.
  for (const target of review.plan.targets) clients.for(target.credentials_env);
  return { plan: review.plan, clients, counts: countsOf(clients), settings: applySettings(options, api.concurrency), checkSnapshot: true };
}

/** "7d", "36h", "90m" or a Go duration ("1h30m"); a malformed one is a UsageError. */
export function parseMaxPlanAge(text: string): number {
  const days = /^\s*(\d+)d\s*$/.exec(text);
  const nanos = days ? BigInt(days[1]) * 86_400n * 1_000_000_000n : parseDuration(text.trim(), 'go');
  if (nanos === undefined || nanos <= 0n) throw new UsageError(`--max-plan-age takes a duration such as 7d, 36h or 90m, not "${text}"`);
  return Number(nanos / 1_000_000n);
}

async function applyLoaded({ plan, clients, counts, checkSnapshot }: Loaded, options: ApplySettings, io: Io, record: RunRecord | undefined): Promise<number> {
  const color = useColor(io);
  const c = pc.createColors(color);
  const github = githubActions(io);
  github.annotatePlan(plan);
  io.stdout.write(github.guard(renderText(plan, { color })));
  let blocked: Map<string, string> | undefined;
  if (plan.blocked.length > 0) {
    // The change budget is about the plan as a whole: no target can be skipped out of it.
    const wholePlan = plan.blocked.some((b) => b.scope === null);
    if (!options.skipBlocked || wholePlan) {
      const why = options.skipBlocked ? ': the change budget blocks the plan as a whole (--skip-blocked skips only targets a safety rule blocks)' : '';
      io.stderr.write(`Nothing was applied: the plan is blocked (see above)${why}.\n`);
      record?.stop('blocked', `the plan is blocked (${plan.blocked.map((b) => b.rule).join(', ')}): nothing was applied`, plan);
      await github.appendSummary(applySummaryMarkdown(`Nothing was applied: the plan is blocked${why}. ${escapeText(blockedList(plan))}`, []));
      return EXIT.blocked;
    }
    blocked = blockedTargets(plan);
    const names = plan.targets.filter((t) => blocked!.has(`${t.scope}:${t.id}`)).map((t) => targetLabel(t));
    io.stderr.write(`--skip-blocked: not applying ${names.length} blocked ${names.length === 1 ? 'target' : 'targets'} (${names.join(', ')}); applying the others.\n`);
  }
  // Until a target is applied it is pending (a killed run leaves it so); a target that could not be planned failed.
  const results = record?.writer(
    plan.targets.map((t) => (t.error ? planEntry(t) : { scope: t.scope, id: t.id, outcome: planEntry(t).outcome === 'changes' ? 'pending' : 'unchanged' })),
  );
  if (!hasChanges(plan)) {
    await results?.finish();
    record?.done();
    await github.appendSummary(applySummaryMarkdown('Nothing to apply.', []));
    return plan.summary.error > 0 ? EXIT.error : EXIT.ok;
  }
  // With every change in a blocked target, nothing is written: nothing to confirm.
  const writes = plan.targets.some((t) => !t.error && targetChanges(t) && !blocked?.has(`${t.scope}:${t.id}`));
  if (writes && !(await approved(io, options, plan, (t) => !blocked?.has(`${t.scope}:${t.id}`)))) {
    record?.stop('cancelled', 'the changes were not confirmed: nothing was applied', plan);
    return EXIT.error;
  }
  await results?.write(false);

  io.stdout.write('\n');
  const refusedWhilePlanning = new Set(clients.refusals().map((r) => r.error));
  // Targets a write was sent for whose outcome line is not printed yet: what a second Ctrl-C leaves unknown.
  const unreported = new Set<string>();
  const print = inPlanOrder(plan, (t) => {
    unreported.delete(`${t.scope}:${t.id}`);
    io.stdout.write(github.guard(describeResult(t, c) + '\n'));
  });
  const progress = new Progress(io, { label: 'apply', total: plan.targets.length, quiet: options.quiet, counts });
  // Ctrl-C: start no new target and no new retry, let the requests in flight finish (writes read back), then
  // report everything. Again: stop at once, saying which targets may have been written unreported.
  const stop = stopOnInterrupt(io, clients, {
    first: (signal) => `\nztsync apply: ${signal}: starting no new target and no new retry; finishing the requests in flight (again to abort at once)\n`,
    again: (signal) => {
      progress.abandon();
      // What finished is kept; the rest stays pending, so --only-failed takes it up again.
      results?.writeNowQuietly(false);
      const writing = plan.targets.filter((t) => unreported.has(`${t.scope}:${t.id}`)).map(targetLabel);
      return `ztsync apply: ${signal} again: stopped at once; ${inFlightWrites(writing)}; run \`plan\` to see where things stand\n`;
    },
  });
  let result;
  try {
    result = await applyPlan(plan, clients, {
      concurrency: options.concurrency,
      checkSnapshot,
      ...(blocked ? { blocked } : {}),
      signal: stop.signal,
      onWrite: (t) => unreported.add(`${t.scope}:${t.id}`),
      onTarget: (t) => {
        progress.targetDone();
        results?.set(applyEntry(t));
        print(t);
      },
    });
  } finally {
    stop.end();
    progress.stop();
    await results?.finish();
    record?.done();
  }
  const { applied, unconfirmed, unchanged, failed, skipped, blocked: blockedCount } = result.summary;
  const extra = [unconfirmed ? `${unconfirmed} written but not confirmed` : '', skipped ? `${skipped} not started` : '', blockedCount ? `${blockedCount} blocked` : ''].filter(Boolean);
  const outcome = `Apply: ${applied} applied, ${unchanged} unchanged, ${failed} failed${extra.map((e) => `, ${e}`).join('')}.`;
  io.stdout.write(`\n${outcome}\n`);
  const failedTargets = result.targets.filter((t) => t.outcome === 'failed');
  if (failedTargets.length > 0) io.stdout.write(c.red(`Failed: ${failedTargets.map(targetLabel).join(', ')}\n`));
  const unconfirmedTargets = result.targets.filter((t) => t.outcome === 'unconfirmed');
  if (unconfirmedTargets.length > 0) io.stdout.write(c.yellow(`Written but not confirmed (run plan to check): ${unconfirmedTargets.map(targetLabel).join(', ')}\n`));
  if (failedTargets.length + skipped > 0 && options.results) {
    // A saved plan is applied only as reviewed: what it could not apply is planned and reviewed again, never retried blind.
    const hint = checkSnapshot ? `Plan just those again, to review before applying: plan <config paths> --only-failed ${visible(options.results)}` : `Retry just those with --only-failed ${visible(options.results)}`;
    io.stdout.write(`${hint}\n`);
  }
  // Refusals met while planning were said then.
  for (const refusal of clients.refusals().filter((r) => !refusedWhilePlanning.has(r.error))) {
    io.stderr.write(`ztsync: ${visible(explainRefusal(refusal))}. Stopped: no further target of that credential was started.\n`);
  }
  github.annotateApply(plan, result.targets);
  await github.appendSummary(applySummaryMarkdown(outcome, result.targets));
  if (stop.signal.aborted) return EXIT.interrupted;
  if (failed + unconfirmed + skipped > 0) return EXIT.error;
  return blockedCount > 0 ? EXIT.blocked : EXIT.ok;
}

/** The blocked changes, one short sentence each, for the step summary. */
function blockedList(plan: Plan): string {
  return plan.blocked.map((b) => `${b.rule}${b.scope ? ` on ${b.scope} ${b.id} ${b.resource}.${b.path}` : ''}: ${b.message}.`).join(' ');
}

/** What a run stopped at once leaves unknown: which targets were being written, or that none was. */
function inFlightWrites(targets: string[]): string {
  if (targets.length === 0) return 'no write was in flight';
  const names = targets.length === 1 ? targets[0] : `${targets.slice(0, -1).join(', ')} and ${targets.at(-1)}`;
  return `a write may have been in flight for ${names}, and whether it landed is unknown`;
}

/**
 * Targets finish in any order; their lines are printed in the plan's (the config's) order, as plan prints them,
 * each as soon as every target before it has finished.
 */
function inPlanOrder(plan: Plan, print: (result: TargetResult) => void): (result: TargetResult) => void {
  const position = new Map(plan.targets.map((t, i) => [`${t.scope}:${t.id}`, i]));
  const finished = new Map<number, TargetResult>();
  let next = 0;
  return (result) => {
    finished.set(position.get(`${result.scope}:${result.id}`)!, result);
    for (; finished.has(next); next++) {
      print(finished.get(next)!);
      finished.delete(next);
    }
  };
}

async function approved(io: Io, options: ApplySettings, plan: Plan, written: (target: Plan['targets'][number]) => boolean): Promise<boolean> {
  if (options.autoApprove) return true;
  if (!io.stdinIsTTY) {
    io.stderr.write('ztsync apply: refusing to apply without confirmation: no terminal to ask on; pass --auto-approve\n');
    return false;
  }
  const answer = await io.prompt(`\nApply these changes to ${changingTargets(plan, written)}? Only "yes" is accepted: `);
  if (answer.trim() === 'yes') return true;
  io.stderr.write('Apply cancelled; nothing was changed.\n');
  return false;
}

/** The targets apply would write, by name: all of them when few, else the first few and how many more. */
export function changingTargets(plan: Plan, written: (target: Plan['targets'][number]) => boolean = () => true): string {
  const changing = plan.targets.filter((t) => !t.error && targetChanges(t) && written(t));
  const shown = changing.slice(0, PROMPT_TARGETS).map(targetLabel);
  const more = changing.length - shown.length;
  if (more > 0) shown.push(`${more} more`);
  const list = shown.length <= 1 ? shown.join('') : `${shown.slice(0, -1).join(', ')} and ${shown.at(-1)}`;
  return changing.length > 1 ? `${changing.length} targets: ${list}` : list;
}

/** How many targets the confirmation names before it counts the rest. */
const PROMPT_TARGETS = 5;

function describeResult(target: TargetResult, c: Colors): string {
  const label = targetLabel(target);
  if (target.outcome === 'unchanged') return c.dim(`= ${label}: unchanged`);
  if (target.outcome === 'skipped') return c.yellow(`- ${label}: ${visible(target.error ?? '')}`);
  if (target.outcome === 'blocked') return c.red(`⛔ ${label}: ${visible(target.error ?? '')}`);
  const parts = target.resources
    .filter((r) => r.action !== 'noop')
    .map((r) => (r.outcome === 'unconfirmed' ? `${r.type} ${r.error}` : r.error ? `${r.type} failed: ${r.error}` : `${r.type} ${r.action}d`));
  if (target.error) parts.push(target.error);
  // Errors quote the API's answers: made visible, on one line (stdout is not escaped at the writer, it carries colour).
  const line = `${label}: ${visible(parts.join('; '))}`;
  if (target.outcome === 'unconfirmed') return c.yellow(`? ${line}`);
  return target.outcome === 'failed' ? c.red(`✗ ${line}`) : c.green(`✓ ${line}`);
}

