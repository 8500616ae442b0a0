// A command's run of the plan stage: the settings it parsed go in; the pipeline's messages, progress, Ctrl-C and
// refusals are said here, in the command's words.

import type { ClientPool } from '../../cloudflare/pool.js';
import { Interrupted, UsageError, type Io } from '../../io.js';
import type { Plan } from '../../plan/model.js';
import { planPipeline, type PlanSink } from '../../plan/pipeline.js';
import { printDiagnostics, reportInvalidConfig } from './diagnostics.js';
import { stopOnInterrupt } from './interrupt.js';
import type { ReconcileSettings } from './options/reconcile.js';
import { unmatchedError } from './options/selection.js';
import { countsOf, Progress, type ProgressCounts } from './progress.js';
import { reportRefusals } from './refusals.js';
import type { RunRecord } from './results.js';

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
export async function planFromConfig(settings: ReconcileSettings, io: Io, record?: RunRecord): Promise<Planned | null> {
  const outcome = await planPipeline(settings, commandSink(io, settings));
  switch (outcome.kind) {
    case 'invalid': {
      reportInvalidConfig(io, outcome.diagnostics);
      const n = outcome.diagnostics.length;
      record?.stop('invalid', `the config is not valid (${n} ${n === 1 ? 'error' : 'errors'}, said on stderr): nothing was read or changed`);
      return null;
    }
    case 'unmatched':
      throw unmatchedError(outcome.unmatched);
    case 'nothing-to-retry':
      throw new UsageError(`--only-failed: none of the ${outcome.listed} ${outcome.listed === 1 ? 'target' : 'targets'} the results file lists to retry is in the config: nothing to retry`);
    case 'interrupted': {
      const message = `interrupted (${outcome.signal}) with live state read for ${outcome.plan.targets.length} of ${outcome.total} targets: nothing was changed`;
      record?.stop('interrupted', message, outcome.plan);
      throw new Interrupted(message);
    }
    case 'refused':
      record?.stop('refused', 'the API refused the credentials (said on stderr): nothing was changed', outcome.plan);
      return null;
    case 'planned':
      return { plan: outcome.plan, clients: outcome.clients, counts: countsOf(outcome.clients) };
  }
}

function commandSink(io: Io, settings: ReconcileSettings): PlanSink {
  return {
    env: io.env,
    warnings: (diagnostics) => printDiagnostics(io, diagnostics),
    note: (text) => io.stderr.write(`${text}\n`),
    reading(total, clients) {
      const progress = new Progress(io, { label: 'plan', total, quiet: settings.quiet, counts: countsOf(clients) });
      // Ctrl-C while reading: nothing has been written yet, so start no new target, let the reads in flight end, and say so.
      const stop = stopOnInterrupt(io, clients, {
        first: (signal) => `\nztsync: ${signal}: reading no new target; finishing the reads in flight (again to stop at once)\n`,
        again: (signal) => {
          progress.abandon();
          return `ztsync: ${signal} again: stopped at once while reading live state; nothing was changed\n`;
        },
      });
      return {
        signal: stop.signal,
        targetDone: () => progress.targetDone(),
        end() {
          stop.end();
          progress.stop();
        },
      };
    },
    refused: (refusals, context) => reportRefusals(io, refusals, context),
  };
}
