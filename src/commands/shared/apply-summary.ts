// Apply's step summary on GitHub Actions: what happened to each target, not the plan again (the plan is in the
// log above and in the plan run's summary). Failed and blocked targets come first, each with its reason.

import type { Outcome, TargetResult } from '../../apply/apply.js';
import { targetLabel } from '../../plan/model.js';
import { code, escapeText } from '../../plan/render-markdown.js';

const SHOWN: Record<Outcome, string> = {
  failed: '✗ failed',
  unconfirmed: '? written, not confirmed',
  blocked: '⛔ blocked',
  skipped: '– not started',
  applied: '✓ applied',
  unchanged: '= unchanged',
};
/** The order rows are listed in: what needs a person first. */
const ORDER: readonly Outcome[] = ['failed', 'unconfirmed', 'blocked', 'skipped', 'applied', 'unchanged'];
/** A step summary holds at most 1 MiB; rows past this many are counted, not listed. */
const MAX_ROWS = 2000;

/** `headline`: ztsync's own sentence (the outcome counts), as it is; text from outside goes in escaped. */
export function applySummaryMarkdown(headline: string, results: readonly TargetResult[]): string {
  const lines = ['### ztsync apply', '', headline];
  if (results.length === 0) return lines.join('\n');
  const rows = [...results].sort((a, b) => ORDER.indexOf(a.outcome) - ORDER.indexOf(b.outcome));
  lines.push('', '| Target | Outcome | Reason |', '| --- | --- | --- |');
  for (const result of rows.slice(0, MAX_ROWS)) {
    const reason = reasonOf(result);
    lines.push(`| ${escapeText(targetLabel(result))} | ${SHOWN[result.outcome]} | ${reason ? code(reason).replace(/\|/g, '\\|') : ''} |`);
  }
  if (rows.length > MAX_ROWS) lines.push('', escapeText(`and ${rows.length - MAX_ROWS} more targets (see the log, or --results)`));
  return lines.join('\n');
}

function reasonOf(result: TargetResult): string {
  const parts = result.resources.filter((r) => r.error).map((r) => `${r.type}: ${r.error}`);
  if (result.error) parts.push(result.error);
  return parts.join('; ');
}
