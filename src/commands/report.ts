import { Command } from 'commander';
import { EXIT, UsageError, type Io } from '../io.js';
import type { Plan } from '../plan/model.js';
import { renderHtml } from '../plan/render-html.js';
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
  plan?: string;
  attribute?: boolean;
}

export function reportCommand(io: Io, setExit: (code: number) => void): Command {
  const command = new Command('report')
    .summary('Write the plan as one self-contained HTML page: a fleet matrix of drift (never writes to the API).')
    .description(
      [
        'Plan like `plan` (or read a saved JSON plan with --plan) and write one HTML file with everything inline: a matrix of every target against every setting that differs, filterable and sortable, and each target’s changes. It opens offline, from a CI artifact, under a strict Content-Security-Policy.',
        'Exit codes: 0 report written; 1 error (invalid config or plan file, a target that could not be read — the report is still written then and shows it — or the file could not be written); 3 when planning and a safety rule blocks the plan (written all the same, showing what is blocked).',
      ].join('\n\n'),
    )
    .option('--out <file>', 'the HTML file to write, atomically (required; - for stdout)')
    .option('--plan <file>', 'render this saved plan (from `plan --format json --out FILE`) instead of planning')
    .option('--baseline <paths...>', "the base branch's config (e.g. a checkout of main): show changes it introduces apart from drift")
    .option('--attribute', "when planning: for each drifted target, who last changed it, from its account's audit log (as plan --attribute)");
  return addReconcileOptions(command, { pathsOptional: true }).action(async (paths: string[], options: ReportFlags) => {
    if (!options.out) throw new UsageError('report needs --out FILE: the HTML page to write (--out - for stdout)');
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
      plan = await readPlanFile(options.plan);
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

/** A saved plan, checked as apply --plan checks it: a known format, and not edited since it was saved. */
async function readPlanFile(file: string): Promise<Plan> {
  try {
    return await loadSavedPlan(file);
  } catch (err) {
    if (err instanceof PlanFileError) throw new UsageError(err.message);
    throw err;
  }
}
