// The options of the commands that plan from config (plan, apply, report): the paths, which targets, how to reach
// the API, the safety rails, and where outcomes go. Declared in one order (the help lists them so), parsed once
// into ReconcileSettings before anything is read.

import type { Command } from 'commander';
import type { Io } from '../../../io.js';
import { declareCredentialVariables } from '../output.js';
import type { PlanSettings } from '../../../plan/pipeline.js';
import { addApiOptions, addRateLimitOption, apiSettings, type ApiFlags } from './api.js';
import { addEnvironmentOptions, environmentSettings, type EnvironmentFlags } from './environment.js';
import { addSafetyOptions, safetySettings, type SafetyFlags } from './safety.js';
import { addSelectionOptions, selectionSettings, type SelectionFlags } from './selection.js';

/** The options as commander gives them. */
export interface ReconcileFlags extends ApiFlags, SelectionFlags, SafetyFlags, EnvironmentFlags {
  results?: string;
  quiet?: boolean;
  /** plan and report only: the base branch's config paths. */
  baseline?: string[];
}

/** A run that plans from config, as parsed: what the plan stage takes, and where the command reports. */
export interface ReconcileSettings extends PlanSettings {
  /** --results: each target's outcome as JSON. */
  results?: string;
  /** No progress line. */
  quiet: boolean;
}

export function addReconcileOptions(command: Command, { pathsOptional = false } = {}): Command {
  const paths = 'YAML config files or directories (read recursively: *.yaml, *.yml)';
  addSelectionOptions(command.argument(pathsOptional ? '[paths...]' : '<paths...>', paths));
  command
    .option('--results <file>', 'write each target\'s outcome as JSON to this file (rewritten as the run goes, also when targets fail)')
    .option('-q, --quiet', 'no progress line on stderr');
  addEnvironmentOptions(command);
  addRateLimitOption(command);
  addApiOptions(command, { concurrency: 'targets read (and, in apply, written) at once; default 8 for reads, 4 for writes' });
  return addSafetyOptions(command);
}

/** Every option checked, before anything is read: a malformed one is a UsageError. */
export async function reconcileSettings(paths: string[], flags: ReconcileFlags, io: Io, access: { readOnly: boolean }): Promise<ReconcileSettings> {
  const safety = safetySettings(flags);
  const selection = await selectionSettings(flags);
  const environment = environmentSettings(flags, io.env);
  declareCredentialVariables(io, environment.credentials);
  return {
    paths,
    selection,
    safety,
    environment,
    api: { ...apiSettings(flags, io, access), credentialVariables: environment.credentials },
    ...(flags.baseline ? { baseline: flags.baseline } : {}),
    ...(flags.results !== undefined ? { results: flags.results } : {}),
    quiet: flags.quiet === true,
  };
}
