// The drift issue's body and the drift check's one-line verdict, decided here (tested), not in a workflow's inline
// script. The body says "no drift" only for the verdict "none": a check with any failure says it FAILED first, and
// what it could not check, before any drift it found.

import type { CheckFailure, FleetCheck, Verdict } from './fleet.js';
import { shortName, targetName } from './model.js';
import { code, escapeLinkDestination, escapeText, GITHUB_COMMENT_LIMIT, renderMarkdown } from './render-markdown.js';

/** The first line of the issue body: a workflow finds its drift issue by it. */
export const DRIFT_ISSUE_MARKER = '<!-- ztsync-drift -->';

/** The second line, for tools: `<!-- ztsync-drift-verdict: drift|none|failed -->`. */
export function verdictMarker(verdict: Verdict): string {
  return `<!-- ztsync-drift-verdict: ${verdict} -->`;
}

export interface IssueOptions {
  /** The workflow run, linked from the body (its artifacts hold the plans and the HTML report). */
  runUrl?: string;
  maxLength?: number;
}

/** The most failures listed one by one; the rest are counted. */
const FAILURES_LISTED = 30;

export function renderDriftIssue(check: FleetCheck, options: IssueOptions = {}): string {
  const maxLength = options.maxLength ?? GITHUB_COMMENT_LIMIT;
  const run = options.runUrl ? ` ([this run](${escapeLinkDestination(options.runUrl)}))` : '';
  const preface = [verdictParagraph(check, run), ...(check.failures.length > 0 ? ['', ...failureLines(check.failures)] : [])].join('\n');
  return renderMarkdown(check.plan, {
    maxLength,
    ...(options.runUrl ? { fullPlanUrl: options.runUrl } : {}),
    marker: `${DRIFT_ISSUE_MARKER}\n${verdictMarker(check.verdict)}`,
    title: `### ztsync drift check: ${TITLE[check.verdict]}`,
    preface,
  });
}

const TITLE: Record<Verdict, string> = { failed: 'FAILED', drift: 'drift found', none: 'no drift' };

function verdictParagraph(check: FleetCheck, run: string): string {
  const { counts } = check;
  const plans = `${count(check.plans.length, 'plan')}${shards(check)}`;
  switch (check.verdict) {
    case 'failed':
      return [
        '> [!CAUTION]',
        `> **The drift check FAILED**${run}: ${count(check.failures.length, 'part')} of the fleet could not be checked, so this run cannot say ` +
          'whether the live settings match the config. This issue stays open until a run checks every target.' +
          (counts.drifted + counts.create > 0 ? ` In what was checked: ${driftCounts(check)}.` : ''),
      ].join('\n');
    case 'drift':
      return `**Drift found**${run}: ${driftCounts(check)}, among ${count(counts.targets, 'target')} in ${plans}. The HTML report and the JSON plans are the run's artifacts.`;
    case 'none':
      return `**No drift**${run}: all ${count(counts.targets, 'target')} in ${plans} match the config.`;
  }
}

function driftCounts({ counts }: FleetCheck): string {
  const parts = [`${count(counts.drifted, 'target')} drifted`];
  if (counts.weakens > 0) parts.push(`**${counts.weakens} ${counts.weakens === 1 ? 'change weakens' : 'changes weaken'} security**`);
  if (counts.blocked > 0) parts.push(`${count(counts.blocked, 'target')} with drift a safety rule blocks`);
  if (counts.create > 0) parts.push(`${count(counts.create, 'target')} with a setting to create`);
  return parts.join(', ');
}

function shards(check: FleetCheck): string {
  const known = check.plans.map((p) => p.shard).filter((s): s is string => s !== null);
  return known.length > 0 ? ` (${known.length === 1 ? 'shard' : 'shards'} ${known.join(', ')})` : '';
}

/** Each failure on a line, its text from outside (file names, error messages, names) escaped. */
export function failureLines(failures: readonly CheckFailure[]): string[] {
  const lines = failures.slice(0, FAILURES_LISTED).map((f) => `- ${failureSubject(f)} ${escapeText(f.message)}`);
  if (failures.length > FAILURES_LISTED) lines.push(`- …and ${failures.length - FAILURES_LISTED} more: see the run's logs.`);
  return lines;
}

function failureSubject(f: CheckFailure): string {
  if (f.target) {
    const name = targetName(f.target);
    return `${f.target.scope} ${code(f.target.id)}${name ? ` (${escapeText(shortName(name))})` : ''}${f.shard ? ` in shard ${f.shard}` : ''}`;
  }
  if (f.shard) return `shard ${f.shard}${f.file ? ` (${code(f.file)})` : ''}`;
  if (f.file) return code(f.file);
  return 'the check:';
}

/** The verdict on one line, for the log: what the exit code says, in words. */
export function verdictLine(check: FleetCheck): string {
  switch (check.verdict) {
    case 'failed':
      return `Drift check FAILED: ${count(check.failures.length, 'part')} of the fleet could not be checked; this is not a "no drift".`;
    case 'drift':
      return `Drift check: drift found — ${driftCounts(check).replace(/\*\*/g, '')}, among ${count(check.counts.targets, 'target')} in ${count(check.plans.length, 'plan')}.`;
    case 'none':
      return `Drift check: no drift — all ${count(check.counts.targets, 'target')} in ${count(check.plans.length, 'plan')} match the config.`;
  }
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
