// The options that pick a run's targets (--account, --zone, --select, --shard, --only-failed), declared once and parsed
// once into the plan stage's Selection; and how a filter that matches nothing is told, in the options' own words.

import type { Command } from 'commander';
import type { Selection, Shard, UnmatchedFilter } from '../../../plan/build.js';
import { describeSelector, LABEL_KEY_PATTERN, LABEL_VALUE_PATTERN, type Labels } from '../../../config/labels.js';
import { UsageError } from '../../../io.js';
import { readTargetsToRetry } from '../results.js';

/** The selection options as commander gives them. */
export interface SelectionFlags {
  account?: string[];
  zone?: string[];
  select?: string[];
  shard?: string;
  onlyFailed?: string;
}

export function addSelectionOptions(command: Command): Command {
  return command
    .option('--account <id...>', 'only these accounts (repeatable; any case; one that matches no target is an error)')
    .option('--zone <id...>', 'only these zones (repeatable; any case; one that matches no target is an error)')
    .option('--select <key=value>', 'only the targets carrying this label (repeatable: all must match; combined with the other filters, a target must pass all; matching no target is an error)', collect)
    .option('--shard <k/n>', 'only shard K of N (1-based): a stable hash of each target\'s id spreads the fleet over N runs exactly')
    .option('--only-failed <file>', 'only the targets a --results file lists as failed, skipped (not started) or pending (not reached)');
}

/** Whether any selection option was given (a saved plan is applied whole, and takes none). */
export function selectsTargets(flags: SelectionFlags): boolean {
  return Boolean(flags.account || flags.zone || flags.select || flags.shard || flags.onlyFailed);
}

/** The selection checked: a malformed --shard, or an --only-failed file that cannot be read, is a UsageError. */
export async function selectionSettings(flags: SelectionFlags): Promise<Selection> {
  const shard = flags.shard === undefined ? undefined : parseShard(flags.shard);
  const only = flags.onlyFailed === undefined ? undefined : await readTargetsToRetry(flags.onlyFailed);
  const select = flags.select === undefined ? undefined : parseSelect(flags.select);
  return { accounts: flags.account ?? [], zones: flags.zone ?? [], ...(select ? { select } : {}), ...(shard ? { shard } : {}), ...(only ? { only } : {}) };
}

/** --select env=prod --select region=eu → one selector { env: prod, region: eu }. */
export function parseSelect(given: readonly string[]): Labels {
  const selector: Record<string, string> = {};
  for (const text of given) {
    const at = text.indexOf('=');
    const key = at < 0 ? text : text.slice(0, at);
    const value = at < 0 ? '' : text.slice(at + 1);
    if (at < 0 || !new RegExp(LABEL_KEY_PATTERN).test(key) || !new RegExp(LABEL_VALUE_PATTERN).test(value)) {
      throw new UsageError(`--select takes a label as key=value (e.g. --select env=prod; letters, digits, - _ . inside), not ${JSON.stringify(text)}`);
    }
    if (selector[key] !== undefined && selector[key] !== value) {
      throw new UsageError(`--select ${key}=${selector[key]} and --select ${key}=${value}: a target has one value per label, so together they match nothing`);
    }
    selector[key] = value;
  }
  return selector;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
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

/** --account / --zone filters that match no target of the config, as one error naming each. */
export function unmatchedError(unmatched: readonly UnmatchedFilter[]): UsageError {
  return new UsageError(unmatched.map(describeUnmatched).join('\n'));
}

function describeUnmatched(filter: UnmatchedFilter): string {
  if ('select' in filter) {
    const given = `--select ${describeSelector(filter.select)}`;
    if (filter.outsideIds) return `${given} matches none of the targets --account / --zone pick: together they select nothing`;
    const known = filter.known.length > 0 ? `the labels in the config are ${filter.known.join(', ')}` : 'no target in the config has labels (give them as labels: { env: prod })';
    return `${given} matches no target in the config; ${known}`;
  }
  const { scope, id, otherScope } = filter;
  const hint = otherScope ? `: it is ${otherScope === 'account' ? 'an' : 'a'} ${otherScope} id; use --${otherScope} ${id}` : '; check the id, or run without the filter to plan every target';
  return `--${scope} ${id} matches no ${scope} in the config${hint}`;
}
