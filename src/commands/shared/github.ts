// Speaking GitHub Actions' language when run there (GITHUB_ACTIONS=true): problems become annotations on the
// lines they are about, the markdown plan goes to the job's step summary, and log output that carries text
// from the config (which a pull request controls) is defused so it cannot issue workflow commands.
// Everywhere else the methods do nothing, so commands call them without asking where they run.

import { appendFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { holdsSecret } from '../../cloudflare/credentials.js';
import type { Diagnostic } from '../../config/model.js';
import type { Io } from '../../io.js';
import type { TargetResult } from '../../apply/apply.js';
import type { Plan } from '../../plan/model.js';
import { targetLabel } from '../../plan/model.js';
import { renderMarkdown } from '../../plan/render-markdown.js';
import { runSecrets } from './output.js';

export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  message: string;
  title?: string;
  file?: string;
  line?: number;
  col?: number;
}

export interface GitHubActions {
  readonly enabled: boolean;
  /** Config problems, each at its file, line and column. */
  annotateDiagnostics(diagnostics: readonly Diagnostic[]): void;
  /** Targets that could not be planned, and changes a safety rule blocks, at the place they are written. */
  annotatePlan(plan: Plan): void;
  /** Targets apply could not bring to the plan, at the place the target is written. */
  annotateApply(plan: Plan, results: readonly TargetResult[]): void;
  /**
   * Log text made harmless for the runner: a line that would start a workflow command (`::name::`, or the
   * older `##[name]` anywhere) gets a zero-width space inside its marker. Only for text meant to be read in
   * the log: the JSON and markdown plans never start a line with `::` and are left exact.
   */
  guard(text: string): string;
  /** Append the plan, as markdown, to the job's step summary; `extra` (markdown) goes first. */
  appendStepSummary(plan: Plan, extra?: string): Promise<void>;
  /** Append this markdown (and no plan) to the job's step summary. */
  appendSummary(markdown: string): Promise<void>;
  /** The workflow run's page, where its artifacts (the full plan) are. */
  readonly runUrl: string | undefined;
}

export function githubActions(io: Io): GitHubActions {
  const env = io.env;
  if (env.GITHUB_ACTIONS !== 'true') return OUTSIDE;
  const annotate = (a: Annotation) => io.stderr.write(annotationCommand(a, env.GITHUB_WORKSPACE) + '\n');
  const runUrl =
    env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}` : undefined;
  const summary = async (markdown: string) => {
    const path = env.GITHUB_STEP_SUMMARY;
    if (!path) return;
    // Posted where everyone reads it, and GitHub masks nothing there: refused, not altered.
    if (holdsSecret(markdown, runSecrets(io))) {
      annotate({ level: 'warning', title: 'ztsync', message: 'the step summary was not written: an API credential appears in it' });
      return;
    }
    try {
      await appendFile(path, markdown + '\n');
    } catch (err) {
      annotate({ level: 'warning', title: 'ztsync', message: `could not write the step summary: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
    }
  };
  return {
    enabled: true,
    runUrl,
    annotateDiagnostics(diagnostics) {
      for (const d of diagnostics) {
        annotate({ level: 'error', title: 'ztsync: invalid config', message: d.path ? `${d.message} (${d.path})` : d.message, ...placeOf(d) });
      }
    },
    annotatePlan(plan) {
      // At the entry: a reviewer sees it on the pull request's diff, where it can be removed.
      for (const unused of plan.unused_allowances ?? []) {
        const message = `allow ${unused.rule} on ${unused.scope} ${unused.id} lets nothing through in this plan: remove it once its change has landed, or it will let a later change of that kind through unreviewed`;
        annotate({ level: 'warning', title: 'ztsync: unused allowance', message, ...(unused.source ? placeOf(unused.source) : {}) });
      }
      for (const target of plan.targets) {
        if (!target.error) continue;
        annotate({ level: 'error', title: `ztsync: ${target.scope} ${target.id} could not be planned`, message: `${targetLabel(target)}: ${target.error.message}`, ...placeOf(target.source) });
      }
      for (const blocked of plan.blocked) {
        // At the value that makes the blocked change; the change budget is about the whole plan.
        const target = plan.targets.find((t) => t.scope === blocked.scope && t.id === blocked.id);
        const change = target?.resources.flatMap((r) => r.changes).find((c) => c.path === blocked.path);
        const place = change?.source ?? target?.source;
        const what = blocked.scope && blocked.id ? ` (${blocked.scope} ${blocked.id}${blocked.path ? `, ${blocked.path}` : ''})` : '';
        annotate({ level: 'error', title: `ztsync: blocked by ${blocked.rule}`, message: `${blocked.message}${what}`, ...(place ? placeOf(place) : {}) });
      }
    },
    annotateApply(plan, results) {
      for (const result of results) {
        if (result.outcome !== 'failed') continue;
        const target = plan.targets.find((t) => t.scope === result.scope && t.id === result.id);
        const problems = [...result.resources.filter((r) => r.error).map((r) => `${r.type} failed: ${r.error}`), ...(result.error ? [result.error] : [])];
        annotate({ level: 'error', title: `ztsync: ${result.scope} ${result.id} could not be applied`, message: `${targetLabel(result)}: ${problems.join('; ')}`, ...(target ? placeOf(target.source) : {}) });
      }
    },
    guard: defuseCommands,
    async appendStepSummary(plan, extra) {
      await summary((extra ? `${extra}\n\n` : '') + renderMarkdown(plan, { fullPlanUrl: runUrl }));
    },
    appendSummary: (markdown) => summary(markdown),
  };
}

const OUTSIDE: GitHubActions = {
  enabled: false,
  runUrl: undefined,
  annotateDiagnostics() {},
  annotatePlan() {},
  annotateApply() {},
  guard: (text) => text,
  async appendStepSummary() {},
  async appendSummary() {},
};

export function defuseCommands(text: string): string {
  return text.replace(/^(\s*):(?=:)/gm, '$1:\u200b').replace(/##\[/g, '#\u200b#[');
}

function placeOf(position: { file: string; line: number; col: number }): Pick<Annotation, 'file' | 'line' | 'col'> {
  return position.line > 0 ? { file: position.file, line: position.line, col: position.col } : { file: position.file };
}

/**
 * `::error file=…,line=…,col=…,title=…::message`, escaped as GitHub's toolkit does: in the message `%`, CR
 * and LF; in properties also `:` and `,`. Files are made relative to the workspace, where GitHub looks.
 */
export function annotationCommand(a: Annotation, workspace?: string): string {
  const properties: string[] = [];
  if (a.file !== undefined) properties.push(`file=${escapeProperty(workspaceRelative(a.file, workspace))}`);
  if (a.line !== undefined) properties.push(`line=${a.line}`);
  if (a.col !== undefined) properties.push(`col=${a.col}`);
  if (a.title !== undefined) properties.push(`title=${escapeProperty(a.title)}`);
  return `::${a.level}${properties.length ? ' ' + properties.join(',') : ''}::${escapeData(a.message)}`;
}

export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

function workspaceRelative(file: string, workspace: string | undefined): string {
  if (!workspace) return file;
  const inside = relative(resolve(workspace), resolve(file));
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) return file;
  return inside.split(sep).join('/');
}
