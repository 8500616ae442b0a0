// Markdown for a pull-request comment: a summary table, then one collapsible section per target that
// changes or fails.

import type { Plan, ResourcePlan, TargetPlan } from './model.js';
import { show, targetLabel } from './model.js';
import { summaryLine } from './render-text.js';

export function renderMarkdown(plan: Plan): string {
  const { create, update, noop, error } = plan.summary;
  const out = [
    '### ztsync plan',
    '',
    summaryLine(plan),
    '',
    '| create | update | unchanged | errors |',
    '| ---: | ---: | ---: | ---: |',
    `| ${create} | ${update} | ${noop} | ${error} |`,
  ];
  const interesting = plan.targets.filter((t) => t.error || t.resources.some((r) => r.action !== 'noop'));
  for (const target of interesting) out.push('', ...renderTarget(target));
  return out.join('\n') + '\n';
}

function renderTarget(target: TargetPlan): string[] {
  const actions = target.resources.filter((r) => r.action !== 'noop').map((r) => `${r.type}: ${r.action}`);
  if (target.error) actions.push('error');
  const lines = [`<details><summary><b>${escapeHtml(targetLabel(target))}</b> — ${actions.join(', ')}</summary>`, ''];
  if (target.error) lines.push(`> **Error:** ${escapeCell(target.error.message)}`, '');
  for (const resource of target.resources) if (resource.action !== 'noop') lines.push(...renderResource(resource), '');
  lines.push(`Source: \`${target.source.file}:${target.source.line}\``, '', '</details>');
  return lines;
}

function renderResource(resource: ResourcePlan): string[] {
  return [
    `**${resource.type}** (${resource.action})`,
    '',
    '| field | before | after |',
    '| --- | --- | --- |',
    ...resource.changes.map((c) => `| \`${c.path}\` | ${resource.action === 'create' ? '' : code(c.before)} | ${code(c.after)} |`),
  ];
}

function code(value: unknown): string {
  return '`' + escapeCell(show(value)).replace(/`/g, 'ˋ') + '`';
}

function escapeCell(text: string): string {
  return escapeHtml(text).replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
