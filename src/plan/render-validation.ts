// Validation's outcome as markdown for the pull request's sticky plan comment. It carries the plan comment's marker,
// so a workflow replaces the plan shown there with it: when validation fails, no outdated plan stays up for a
// reviewer to approve against.

import type { Diagnostic } from '../config/model.js';
import { code, escapeText, GITHUB_COMMENT_LIMIT, MARKDOWN_MARKER } from './render-markdown.js';

export interface ValidationOutcome {
  /** The commit validated; null when unknown (not a git work tree and no --commit). */
  commit: string | null;
  /** The errors; empty when the config is valid. */
  diagnostics: readonly Diagnostic[];
  /** "2 files, 3 accounts, 1 zone" when valid. */
  summary: string | null;
}

/** The most problems listed: the annotations on the pull request's files show every one. */
const LISTED = 50;

export function validationMarkdown({ commit, diagnostics, summary }: ValidationOutcome): string {
  const at = commit ? code(commit) : 'this commit';
  if (diagnostics.length === 0) {
    return [MARKDOWN_MARKER, '### ztsync plan', '', `Validation passed at ${at}${summary ? ` (${summary})` : ''}; the plan follows when it is made.`, ''].join('\n');
  }
  const n = diagnostics.length;
  const lines = [
    MARKDOWN_MARKER,
    '### ztsync plan',
    '',
    '> [!CAUTION]',
    `> **Validation failed at ${at}: see the annotations.** ${n} ${n === 1 ? 'problem' : 'problems'} in the config; ` +
      'no plan was made for this commit, and an earlier plan no longer applies. Do not approve until the plan is shown again.',
    '',
  ];
  let length = lines.join('\n').length;
  let listed = 0;
  for (const d of diagnostics.slice(0, LISTED)) {
    const line = `- ${code(`${d.file}:${d.line}:${d.col}`)}: ${escapeText(d.message)}${d.path ? ` (${code(d.path)})` : ''}`;
    if (length + line.length + 200 > GITHUB_COMMENT_LIMIT) break;
    lines.push(line);
    length += line.length + 1;
    listed++;
  }
  if (listed < n) lines.push(`- …and ${n - listed} more: see the annotations and the job's log.`);
  return lines.join('\n') + '\n';
}
