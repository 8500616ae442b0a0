import { Command } from 'commander';
import pc from 'picocolors';
import { applyPlan, type TargetResult } from '../apply/apply.js';
import { EXIT, type Io } from '../io.js';
import { hasChanges, targetLabel } from '../plan/model.js';
import { renderText } from '../plan/render-text.js';
import { addReconcileOptions, planFromConfig, useColor, type ReconcileOptions } from './shared/reconcile.js';

interface ApplyOptions extends ReconcileOptions {
  autoApprove?: boolean;
}

export function applyCommand(io: Io, setExit: (code: number) => void): Command {
  const command = new Command('apply')
    .summary('Make live settings match the config, after showing the plan.')
    .description(
      'Plan afresh, show the plan, ask for confirmation, then apply it target by target.\n' +
        'Without a terminal it refuses unless --auto-approve is given. Each write reads the live object\n' +
        'again first, sends its writable fields with the planned values laid over them (nothing the\n' +
        'config does not manage is reset), then reads back to check the change took.\n\n' +
        'Exit codes: 0 everything applied or unchanged, 1 any target failed or the config is invalid.',
    )
    .option('--auto-approve', 'apply without asking');
  return addReconcileOptions(command).action(async (paths: string[], options: ApplyOptions) => {
    const planned = await planFromConfig(paths, options, io, { readOnly: false });
    if (!planned) return setExit(EXIT.error);
    const { plan, client } = planned;
    const color = useColor(io);
    io.stdout.write(renderText(plan, { color }));
    if (!hasChanges(plan)) return setExit(plan.summary.error > 0 ? EXIT.error : EXIT.ok);
    if (!(await approved(io, options))) return setExit(EXIT.error);

    const c = pc.createColors(color);
    io.stdout.write('\n');
    const result = await applyPlan(plan, client, { onTarget: (t) => io.stdout.write(describeResult(t, c) + '\n') });
    const { applied, unchanged, failed } = result.summary;
    io.stdout.write(`\nApply: ${applied} applied, ${unchanged} unchanged, ${failed} failed.\n`);
    const failedTargets = result.targets.filter((t) => t.outcome === 'failed');
    if (failedTargets.length > 0) io.stdout.write(c.red(`Failed: ${failedTargets.map((t) => `${t.scope} ${t.id}`).join(', ')}\n`));
    setExit(failed > 0 ? EXIT.error : EXIT.ok);
  });
}

async function approved(io: Io, options: ApplyOptions): Promise<boolean> {
  if (options.autoApprove) return true;
  if (!io.stdinIsTTY) {
    io.stderr.write('ztsync apply: refusing to apply without confirmation: no terminal to ask on; pass --auto-approve\n');
    return false;
  }
  const answer = await io.prompt('\nApply these changes? Only "yes" is accepted: ');
  if (answer.trim() === 'yes') return true;
  io.stderr.write('Apply cancelled; nothing was changed.\n');
  return false;
}

function describeResult(target: TargetResult, c: ReturnType<typeof pc.createColors>): string {
  const label = targetLabel(target);
  if (target.outcome === 'unchanged') return c.dim(`= ${label}: unchanged`);
  const parts = target.resources.filter((r) => r.action !== 'noop').map((r) => (r.error ? `${r.type} failed: ${r.error}` : `${r.type} ${r.action}d`));
  if (target.error) parts.push(target.error);
  const line = `${label}: ${parts.join('; ')}`;
  return target.outcome === 'failed' ? c.red(`✗ ${line}`) : c.green(`✓ ${line}`);
}
