import { Command, Option } from 'commander';
import { EXIT, UsageError, type Io } from '../io.js';
import { hasChanges } from '../plan/model.js';
import { PLAN_FORMATS, renderPlan, type PlanFormat } from '../plan/render.js';
import { summaryLine } from '../plan/render-text.js';
import { githubActions } from './shared/github.js';
import { checkWritable } from '../util/atomic-write.js';
import { runSecrets, useColor, writeOutputFile } from './shared/output.js';
import { addReconcileOptions, reconcileSettings, type ReconcileFlags } from './shared/options/reconcile.js';
import { planFromConfig } from './shared/plan-run.js';
import { planEntry, recordingRun, type RunRecord } from './shared/results.js';
import { visible } from '../util/terminal.js';

interface PlanFlags extends ReconcileFlags {
  format: PlanFormat;
  out?: string;
  markdownOut?: string;
  detailedExitcode?: boolean;
  attribute?: boolean;
}

export function planCommand(io: Io, setExit: (code: number) => void): Command {
  const command = new Command('plan')
    .summary('Show what apply would change, field by field (never writes).')
    .description(
      'Validate the config, read live state, and show the field-level changes apply would make.\n' +
        'Only fields present in the config are compared. Plan never writes to the API.\n\n' +
        'Exit codes: 0 success; 1 error (invalid config, API failure for any target); ' +
        '3 a safety rule or the change budget blocks a change (with or without --detailed-exitcode); ' +
        'with --detailed-exitcode, 2 when there are changes and no errors.',
    )
    .addOption(new Option('--format <format>', 'output format').choices(PLAN_FORMATS).default('text'))
    .option('--out <file>', 'write the rendered plan to this file (atomically; - for stdout) and print the summary line')
    .option('--markdown-out <file>', 'also write the markdown plan to this file (e.g. for a pull-request comment, next to --format json --out plan.json)')
    .option('--detailed-exitcode', 'exit 2 when there are changes')
    .option('--baseline <paths...>', "the base branch's config (e.g. a checkout of main): mark each change introduced or drift, from the same live read")
    .option('--attribute', "for each drifted target, who last changed it, from its account's audit log (one query a drifted target; needs Account Settings Read)");
  return addReconcileOptions(command).action(async (paths: string[], options: PlanFlags) => {
    setExit(await recordingRun(options.results, 'plan', (record) => runPlan(paths, options, io, record), () => runSecrets(io)));
  });
}

async function runPlan(paths: string[], options: PlanFlags, io: Io, record: RunRecord | undefined): Promise<number> {
  // `--out -` is stdout, as usual for command-line tools.
  const out = options.out === '-' ? undefined : options.out;
  // Before reading any live state: a plan of many targets should not be read only to find it cannot be saved.
  if (out !== undefined) checkWritable(out);
  if (options.markdownOut === '-') throw new UsageError('--markdown-out takes a file; for the markdown plan on stdout use --format markdown');
  if (options.markdownOut !== undefined) checkWritable(options.markdownOut);
  const settings = { ...(await reconcileSettings(paths, options, io, { readOnly: true })), ...(options.attribute ? { attribute: true } : {}) };
  const planned = await planFromConfig(settings, io, record);
  if (!planned) return EXIT.error;
  const { plan } = planned;
  if (record) {
    await record.writer(plan.targets.map(planEntry)).finish();
    record.done();
  }
  const github = githubActions(io);
  github.annotatePlan(plan);
  const rendered = renderPlan(plan, options.format, { color: !out && useColor(io), markdown: { fullPlanUrl: github.runUrl } });
  if (out !== undefined) {
    writeOutputFile(io, out, rendered);
    io.stdout.write(`${summaryLine(plan)}\nWrote the ${options.format} plan to ${github.guard(visible(out))}\n`);
  } else {
    // JSON defuses workflow commands itself (keeping its values exact); the text and markdown plans are for reading.
    io.stdout.write(options.format === 'json' ? rendered : github.guard(rendered));
  }
  if (options.markdownOut !== undefined) {
    writeOutputFile(io, options.markdownOut, renderPlan(plan, 'markdown', { color: false, markdown: { fullPlanUrl: github.runUrl } }));
    io.stdout.write(`Wrote the markdown plan to ${github.guard(visible(options.markdownOut))}\n`);
  }
  await github.appendStepSummary(plan);
  if (plan.summary.error > 0) return EXIT.error;
  if (plan.blocked.length > 0) return EXIT.blocked;
  return options.detailedExitcode && hasChanges(plan) ? EXIT.changes : EXIT.ok;
}
