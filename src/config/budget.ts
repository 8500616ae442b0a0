// The change budget as the config sets it (`budget: { max_changed_targets: "40%", reason: "…" }`, at most once
// across the files): reviewed in the pull request like any other change, shown in every plan with its reason.
// The schema checks its shape; this reads it with its position.

import { isPlainObject } from '../resources/index.js';
import type { SourcePosition } from './model.js';
import { keyPosition, type ConfigFile } from './positions.js';

/** At most N targets, or N % of the plan's targets, may change. */
export type ChangeBudget = { kind: 'count'; count: number } | { kind: 'percent'; percent: number };

/** The budget a config sets, with its reason and where. */
export interface ConfigBudget {
  budget: ChangeBudget;
  reason: string;
  source: SourcePosition;
}

/** "5" or "25%"; undefined when the text is neither. */
export function parseBudget(text: string): ChangeBudget | undefined {
  const m = /^\s*(\d+)\s*(%?)\s*$/.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]);
  if (m[2]) return n <= 100 ? { kind: 'percent', percent: n } : undefined;
  return { kind: 'count', count: n };
}

/** "25%" or "5", as messages and the plan's change_budget.max write it. */
export function formatBudget(budget: ChangeBudget): string {
  return budget.kind === 'count' ? String(budget.count) : `${budget.percent}%`;
}

/** The file's budget, if it sets a valid one (anything else is a schema error already). */
export function configBudget(f: ConfigFile): ConfigBudget | undefined {
  const given = isPlainObject(f.data) ? f.data.budget : undefined;
  if (!isPlainObject(given) || typeof given.reason !== 'string') return undefined;
  const max = given.max_changed_targets;
  const budget = typeof max === 'number' ? (Number.isSafeInteger(max) && max >= 0 ? parseBudget(String(max)) : undefined) : typeof max === 'string' ? parseBudget(max) : undefined;
  if (!budget) return undefined;
  return { budget, reason: given.reason, source: keyPosition(f, ['budget']) };
}
