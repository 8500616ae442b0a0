// Terraform-like text: only what changes, one line a field, coloured on a terminal.

import pc from 'picocolors';
import type { Action, FieldChange, Plan, ResourcePlan, TargetPlan } from './model.js';
import { show, targetLabel } from './model.js';

export interface TextOptions {
  color: boolean;
}

type Colors = ReturnType<typeof pc.createColors>;

const MARK: Record<Action, string> = { create: '+', update: '~', noop: '=' };

export function renderText(plan: Plan, { color }: TextOptions): string {
  const c = pc.createColors(color);
  const blocks = plan.targets.filter((t) => t.error || t.resources.some((r) => r.action !== 'noop')).map((t) => renderTarget(t, c));
  return [...blocks, summaryLine(plan, c)].join('\n\n') + '\n';
}

function renderTarget(target: TargetPlan, c: Colors): string {
  const lines = [c.bold(targetLabel(target)) + c.dim(`  ${target.source.file}:${target.source.line}`)];
  for (const resource of target.resources) if (resource.action !== 'noop') lines.push(...renderResource(resource, c));
  if (target.error) lines.push(c.red(`  ! error: ${target.error.message}`));
  return lines.join('\n');
}

function renderResource(resource: ResourcePlan, c: Colors): string[] {
  const paint = resource.action === 'create' ? c.green : c.yellow;
  const head = paint(`  ${MARK[resource.action]} ${resource.type}`) + c.dim(` (${resource.action === 'create' ? 'create' : 'update'})`);
  return [head, ...resource.changes.map((change) => renderChange(change, resource.action, c))];
}

function renderChange(change: FieldChange, action: Action, c: Colors): string {
  if (action === 'create') return c.green(`      + ${change.path}: ${show(change.after)}`);
  return `      ${c.yellow('~')} ${change.path}: ${c.red(show(change.before))} → ${c.green(show(change.after))}`;
}

export function summaryLine(plan: Plan, c: Colors = pc.createColors(false)): string {
  const { create, update, noop, error } = plan.summary;
  if (create + update + error === 0) return c.green(`No changes. ${noop} ${noop === 1 ? 'resource is' : 'resources are'} up to date.`);
  const parts = [`${create} to create`, `${update} to update`, `${noop} unchanged`, `${error} ${error === 1 ? 'error' : 'errors'}`];
  return c.bold(`Plan: ${parts.join(', ')}.`);
}
