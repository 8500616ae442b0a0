// The safety options (--allow, --max-changed-targets), declared once and parsed once into the plan stage's
// SafetyOptions: unknown rule names and malformed budgets are refused before anything is read.

import type { Command } from 'commander';
import { closest } from '../../../config/suggest.js';
import { UsageError } from '../../../io.js';
import { DEFAULT_BUDGET, DEFAULT_BUDGET_MIN_TARGETS, parseBudget, type Allowance, type SafetyOptions } from '../../../plan/safety.js';
import { CHANGE_BUDGET_RULE, SAFETY_RULE_NAMES } from '../../../resources/safety.js';

/** The safety options as commander gives them. */
export interface SafetyFlags {
  allow?: string[];
  maxChangedTargets?: string;
}

const DEFAULT_BUDGET_TEXT = DEFAULT_BUDGET.kind === 'percent' ? `${DEFAULT_BUDGET.percent}%` : String(DEFAULT_BUDGET.count);

export function addSafetyOptions(command: Command): Command {
  return command
    .option('--allow <rule>', `allow changes a safety rule blocks, on every target (repeatable): ${SAFETY_RULE_NAMES.join(', ')}`, collect)
    .option('--max-changed-targets <n>', `block the plan when more targets than N (or N% of them) would change (default ${DEFAULT_BUDGET_TEXT} once there are ${DEFAULT_BUDGET_MIN_TARGETS} targets)`);
}

export function safetySettings(flags: SafetyFlags): Required<Pick<SafetyOptions, 'allow'>> & Pick<SafetyOptions, 'budget'> {
  const allow = (flags.allow ?? []).map((rule): Allowance => {
    if (!SAFETY_RULE_NAMES.includes(rule)) {
      const hint =
        rule === CHANGE_BUDGET_RULE
          ? '; the change budget is not a rule: raise it in the config (budget: { max_changed_targets: "N%", reason: "why" }) or for one run with --max-changed-targets N or N%'
          : closest(rule, SAFETY_RULE_NAMES)
            ? `; did you mean "${closest(rule, SAFETY_RULE_NAMES)}"?`
            : `; the rules are ${SAFETY_RULE_NAMES.join(', ')}`;
      throw new UsageError(`--allow: unknown safety rule "${rule}"${hint}`);
    }
    return { rule, via: 'flag', reason: null, source: null };
  });
  if (flags.maxChangedTargets === undefined) return { allow };
  const budget = parseBudget(flags.maxChangedTargets);
  if (!budget) throw new UsageError(`--max-changed-targets takes a whole number of targets (5) or a percentage up to 100% (25%), not "${flags.maxChangedTargets}"`);
  return { allow, budget };
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
