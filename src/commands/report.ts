import { Command } from 'commander';
import { EXIT, UsageError, type Io } from '../io.js';
import { checkFleet, type FleetCheck, type PlanInput } from '../plan/fleet.js';
import type { Plan } from '../plan/model.js';
import { renderHtml } from '../plan/render-html.js';
import { renderDriftIssue, verdictLine } from '../plan/render-issue.js';
import { summaryLine } from '../plan/render-text.js';
import { loadSavedPlan, PlanFileError } from '../plan/saved.js';
import { VERSION } from '../version.js';
import { checkWritable } from '../util/atomic-write.js';
import { writeOutputFile } from './shared/output.js';
import { githubActions } from './shared/github.js';
import { addReconcileOptions, reconcileSettings, type ReconcileFlags } from './shared/options/reconcile.js';
import { planFromConfig } from './shared/plan-run.js';
import { visible } from '../util/terminal.js';

interface ReportFlags extends ReconcileFlags {
  out?: string;
  plan?: string[];
  attribute?: boolean;
  issueOut?: string;
}

/** Exit codes of the drift check (report --plan … --issue-out FILE). */
export const DRIFT_EXIT = { none: EXIT.ok, drift: EXIT.changes, failed: EXIT.error } as const;

export function reportCommand(io: Io, setExit: (code: number) => void): Command {
  const command = new Command('report')
    .summary('Write the plan as one self-contained HTML page: a fleet matrix of drift (never writes to the API).')
    .description(
      [
        'Plan like `plan` (or read a saved JSON plan with --plan) and write one HTML file with everything inline: a matrix of every target against every setting that differs, filterable and sortable, and each target’s changes. It opens offline, from a CI artifact, under a strict Content-Security-Policy.',
        'Several saved plans (--plan a.json --plan b.json …, e.g. the shards of a drift check) make one fleet page. --issue-out FILE also writes the drift issue\'s body (markdown, starting with <!-- ztsync-drift -->) and makes the exit code the drift check\'s verdict: 0 no drift, 2 drift found, 1 the drift check FAILED (a --plan file missing or unreadable, a shard missing from the set, a target that could not be read). It never says "no drift" when any of these happened.',
        'Exit codes: 0 report written; 1 error (invalid config or plan file, a target that could not be read — the report is still written then and shows it — or the file could not be written); 3 when planning and a safety rule blocks the plan (written all the same, showing what is blocked). With --issue-out: 0 no drift, 2 drift found, 1 failed.',
      ].join('\n\n'),
    )
    .option('--out <file>', 'the HTML file to write, atomically (- for stdout); required unless --issue-out is given')
    .option('--plan <file>', 'render this saved plan (from `plan --format json --out FILE`) instead of planning; repeat for several (the shards of a fleet)', (file: string, files: string[] = []) => [...files, file])
    .option('--issue-out <file>', 'with --plan: also write the drift issue body (markdown) to this file, and exit 0 no drift, 2 drift, 1 the check failed')
    .option('--baseline <paths...>', "the base branch's config (e.g. a checkout of main): show changes it introduces apart from drift")
    .option('--attribute', "when planning: for each drifted target, who last changed it, from its account's audit log (as plan --attribute)");
  return addReconcileOptions(command, { pathsOptional: true }).action(async (paths: string[], options: ReportFlags) => {
    if (options.issueOut !== undefined) return setExit(await driftCheck(io, options));
    if (!options.out) throw new UsageError('report needs --out FILE: the HTML page to write (--out - for stdout)');
    if (options.plan && options.plan.length > 1) return setExit(await driftCheck(io, options));
    if (options.plan && paths.length > 0) throw new UsageError('give config paths to plan, or --plan FILE to render a saved plan, not both');
    if (options.plan && (options.account || options.zone || options.baseline || options.attribute)) {
      throw new UsageError('--account, --zone, --baseline and --attribute shape a new plan; a saved plan (--plan) is rendered as it was made');
    }
    if (!options.plan && paths.length === 0) throw new UsageError('give config paths to plan, or --plan FILE to render a saved plan');
    const out = options.out === '-' ? undefined : options.out;
    // Before reading any live state: a fleet should not be read only to find the report cannot be saved.
    if (out !== undefined) checkWritable(out);
    let plan: Plan;
    if (options.plan) {
      plan = await readPlanFile(options.plan[0]!);
    } else {
      const settings = await reconcileSettings(paths, options, io, { readOnly: true });
      const planned = await planFromConfig(options.attribute ? { ...settings, attribute: true } : settings, io);
      if (!planned) return setExit(EXIT.error);
      plan = planned.plan;
    }
    const html = renderHtml(plan, { generatedAt: new Date().toISOString(), version: VERSION });
    if (out === undefined) {
      io.stdout.write(html);
    } else {
      writeOutputFile(io, out, html);
      const size = `${Math.ceil(Buffer.byteLength(html) / 1024)} KB`;
      io.stdout.write(`${summaryLine(plan)}\nWrote the HTML report to ${githubActions(io).guard(visible(out))} (${plan.targets.length} targets, ${size})\n`);
    }
    // Like plan's exit codes when planning; a saved plan rendered is a success.
    if (options.plan) return setExit(EXIT.ok);
    if (plan.summary.error > 0) return setExit(EXIT.error);
    setExit(plan.blocked.length > 0 ? EXIT.blocked : EXIT.ok);
  });
}

/**
 * Several saved plans as one fleet page, and with --issue-out the drift issue's body: the verdict decides the exit
 * code. A plan file that is missing or cannot be read is a failed part of the check, said on the page and in the
 * issue, never a reason to write nothing.
 */
async function driftCheck(io: Io, options: ReportFlags): Promise<number> {
  const files = options.plan ?? [];
  if (files.length === 0) throw new UsageError('--issue-out needs the saved plans to check: --plan FILE (repeat it for each shard)');
  if (options.account || options.zone || options.baseline || options.attribute) {
    throw new UsageError('--account, --zone, --baseline and --attribute shape a new plan; saved plans (--plan) are rendered as they were made');
  }
  if (options.out === '-' || options.issueOut === '-') throw new UsageError('the drift check writes files: give --out FILE and --issue-out FILE, not -');
  for (const file of [options.out, options.issueOut]) if (file !== undefined) checkWritable(file);
  const inputs: PlanInput[] = [];
  for (const file of files) {
    try {
      inputs.push({ file, plan: await loadSavedPlan(file) });
    } catch (err) {
      if (!(err instanceof PlanFileError)) throw err;
      inputs.push({ file, problem: err.message });
    }
  }
  const check = checkFleet(inputs);
  const github = githubActions(io);
  const written: string[] = [];
  if (options.out !== undefined) {
    writeOutputFile(io, options.out, renderHtml(check.plan, { generatedAt: new Date().toISOString(), version: VERSION, fleet: fleetFacts(check) }));
    written.push(`Wrote the HTML report to ${github.guard(visible(options.out))} (${check.plan.targets.length} targets)`);
  }
  if (options.issueOut !== undefined) {
    writeOutputFile(io, options.issueOut, renderDriftIssue(check, github.runUrl ? { runUrl: github.runUrl } : {}));
    written.push(`Wrote the drift issue to ${github.guard(visible(options.issueOut))}`);
  }
  for (const f of check.failures) {
    const subject = f.target ? `${f.target.scope} ${f.target.id}` : f.shard ? `shard ${f.shard}${f.file ? ` (${f.file})` : ''}` : (f.file ?? 'the check');
    io.stderr.write(github.guard(`ztsync report: ${visible(subject)}: ${visible(f.message)}\n`));
  }
  io.stdout.write(`${[verdictLine(check), ...written].join('\n')}\n`);
  if (options.issueOut !== undefined) return DRIFT_EXIT[check.verdict];
  return check.verdict === 'failed' ? EXIT.error : EXIT.ok;
}

function fleetFacts(check: FleetCheck) {
  return { verdict: check.verdict, verdictLine: verdictLine(check), plans: check.plans, failures: check.failures };
}

/** A saved plan, checked as apply --plan checks it: a known format, and not edited since it was saved. */
async function readPlanFile(file: string): Promise<Plan> {
  try {
    return await loadSavedPlan(file);
  } catch (err) {
    if (err instanceof PlanFileError) throw new UsageError(err.message);
    throw err;
  }
}
