import { writeFile, rename } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { EXIT, type Io } from '../io.js';
import { hasChanges } from '../plan/model.js';
import { PLAN_FORMATS, renderPlan, type PlanFormat } from '../plan/render.js';
import { summaryLine } from '../plan/render-text.js';
import { githubActions } from './shared/github.js';
import { addReconcileOptions, planFromConfig, useColor, type ReconcileOptions } from './shared/reconcile.js';

interface PlanOptions extends ReconcileOptions {
  format: PlanFormat;
  out?: string;
  detailedExitcode?: boolean;
}

export function planCommand(io: Io, setExit: (code: number) => void): Command {
  const command = new Command('plan')
    .summary('Show what apply would change, field by field (never writes).')
    .description(
      'Validate the config, read live state, and show the field-level changes apply would make.\n' +
        'Only fields present in the config are compared. Plan never writes to the API.\n\n' +
        'Exit codes: 0 success, 1 error (invalid config, API failure for any target);\n' +
        'with --detailed-exitcode, 2 when there are changes and no errors.',
    )
    .addOption(new Option('--format <format>', 'output format').choices(PLAN_FORMATS).default('text'))
    .option('--out <file>', 'write the rendered plan to this file instead of stdout')
    .option('--detailed-exitcode', 'exit 2 when there are changes');
  return addReconcileOptions(command).action(async (paths: string[], options: PlanOptions) => {
    const planned = await planFromConfig(paths, options, io, { readOnly: true });
    if (!planned) return setExit(EXIT.error);
    const { plan } = planned;
    const github = githubActions(io);
    github.annotatePlan(plan);
    const rendered = renderPlan(plan, options.format, { color: !options.out && useColor(io), markdown: { fullPlanUrl: github.runUrl } });
    if (options.out) {
      await writeAtomically(options.out, rendered);
      io.stdout.write(`${summaryLine(plan)}\nWrote the ${options.format} plan to ${github.guard(options.out)}\n`);
    } else {
      io.stdout.write(options.format === 'text' ? github.guard(rendered) : rendered);
    }
    await github.appendStepSummary(plan);
    if (plan.summary.error > 0) return setExit(EXIT.error);
    setExit(options.detailedExitcode && hasChanges(plan) ? EXIT.changes : EXIT.ok);
  });
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, path);
}
