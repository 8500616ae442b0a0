// Terraform-like text: only what changes, one line a field with where its value was written, coloured on a
// terminal; then what the safety rails blocked or let through. Text from the config or the API is passed through
// `visible` (values through `show`), so it cannot act on the terminal or break a line in two.

import pc from 'picocolors';
import type { Action, AllowedChange, BlockedChange, FieldChange, Plan, ResourcePlan, TargetPlan } from './model.js';
import { attributionLine, describeAttributedChange, findTarget, isUnset, securityDrift, show, targetLabel, type Attribution } from './model.js';
import { formatPosition } from '../config/model.js';
import { budgetOrigin, DEFAULT_BUDGET_MIN_TARGETS } from './safety.js';
import { visible } from '../util/terminal.js';

export interface TextOptions {
  color: boolean;
}

type Colors = ReturnType<typeof pc.createColors>;

const MARK: Record<Action, string> = { create: '+', update: '~', noop: '=' };

export function renderText(plan: Plan, { color }: TextOptions): string {
  const c = pc.createColors(color);
  const blocks = plan.targets.filter((t) => t.error || t.resources.some((r) => r.action !== 'noop')).map((t) => renderTarget(plan, t, c));
  // Security drift first: it is what a reader must not miss among colour changes.
  const weakened = renderSecurityDrift(plan, c);
  if (weakened) blocks.unshift(weakened);
  if (plan.allowed.length > 0) blocks.push(renderAllowed(plan, c));
  if (plan.blocked.length > 0) blocks.push(renderBlocked(plan, c));
  const unmanaged = renderUnmanaged(plan, c);
  if (unmanaged) blocks.push(unmanaged);
  const summary = [summaryLine(plan, c), ...(plan.baseline ? [baselineLine(plan)] : []), ...(plan.change_budget ? [budgetLine(plan)] : [])].join('\n');
  return [...blocks, summary].join('\n\n') + '\n';
}

function renderTarget(plan: Plan, target: TargetPlan, c: Colors): string {
  const lines = [c.bold(targetLabel(target)) + c.dim(`  ${visible(target.source.file)}:${target.source.line}`)];
  for (const resource of target.resources) if (resource.action !== 'noop') lines.push(...renderResource(plan, target, resource, c));
  if (target.attribution) lines.push(...renderAttribution(target.attribution, c));
  if (target.error) lines.push(c.red(`  ! error: ${visible(target.error.message)}`));
  return lines.join('\n');
}

function renderResource(plan: Plan, target: TargetPlan, resource: ResourcePlan, c: Colors): string[] {
  const paint = resource.action === 'create' ? c.green : c.yellow;
  const head = paint(`  ${MARK[resource.action]} ${visible(resource.type)}`) + c.dim(` (${resource.action === 'create' ? 'create' : 'update'})`);
  return [head, ...resource.changes.map((change) => renderChange(change, resource.action, c) + marks(plan, target, resource, change, c))];
}

function renderChange(change: FieldChange, action: Action, c: Colors): string {
  if (action === 'create') return c.green(`      + ${visible(change.path)}: ${show(change.after)}`);
  if (isUnset(change)) return c.red(`      - ${visible(change.path)}: ${show(change.before)} → null (unset)`);
  return `      ${c.yellow('~')} ${visible(change.path)}: ${c.red(show(change.before))} → ${c.green(show(change.after))}`;
}

/** Where the value was written, whether --baseline found it already pending, and what the safety rails said. */
function marks(plan: Plan, target: TargetPlan, resource: ResourcePlan, change: FieldChange, c: Colors): string {
  const at = (x: { scope: unknown; id: unknown; resource: unknown; path: unknown }) =>
    x.scope === target.scope && x.id === target.id && x.resource === resource.type && x.path === change.path;
  const parts: string[] = [];
  if (change.source) parts.push(c.dim(`# ${visible(change.source.file)}:${change.source.line}${change.source.via === 'defaults' ? ' (defaults)' : ''}`));
  if (change.origin) parts.push(change.origin === 'drift' ? c.dim('[drift]') : c.cyan('[introduced]'));
  if (change.weakens) parts.push(c.red(c.bold(`[weakens: ${visible(change.weakens)}]`)));
  for (const b of plan.blocked.filter(at)) parts.push(c.red(`[blocked: ${visible(b.rule)}]`));
  for (const a of plan.allowed.filter(at)) parts.push(c.yellow(`[allowed: ${visible(a.rule)}]`));
  return parts.length > 0 ? `  ${parts.join(' ')}` : '';
}

/** plan --attribute: who made each drifted resource's newest change, or why that is not known. */
function renderAttribution(attribution: Attribution, c: Colors): string[] {
  if (attribution.status === 'unavailable') return [c.dim(`  ? ${attributionLine(attribution)}`)];
  return attribution.changes.map((change) => c.cyan(`  ↳ ${visible(change.resource)} ${describeAttributedChange(change)}${change.ray_id ? c.dim(` (ray ${visible(change.ray_id)})`) : ''}`));
}

function place(plan: Plan, x: BlockedChange | AllowedChange): string {
  if (!x.scope) return 'the plan';
  const target = findTarget(plan, x.scope, x.id);
  return `${target ? targetLabel(target) : visible(`${x.scope} ${x.id}`)} ${visible(`${x.resource}.${x.path}`)}`;
}

/** Changes whose live value is weaker than the config's, each with the rule it would trip the other way round. */
function renderSecurityDrift(plan: Plan, c: Colors): string | null {
  const found = securityDrift(plan);
  if (found.length === 0) return null;
  const lines = [c.red(c.bold(`Security drift: ${found.length} live ${found.length === 1 ? 'value is' : 'values are'} weaker than the config.`))];
  for (const { target, resource, change } of found) {
    lines.push(c.red(`  ! ${visible(change.weakens)}: ${targetLabel(target)} ${visible(`${resource.type}.${change.path}`)}: live ${show(change.before)}, config ${show(change.after)}`));
  }
  return lines.join('\n');
}

/** How many allow entries a block's hint prints to paste. */
const SHOWN_ENTRIES = 10;

function renderBlocked(plan: Plan, c: Colors): string {
  const lines = [c.red(c.bold('Blocked by safety rails: nothing will be applied.'))];
  for (const b of plan.blocked) lines.push(c.red(`  ✗ ${visible(b.rule)}: ${place(plan, b)}: ${visible(b.message)}${b.path ? ` (${show(b.before)} → ${show(b.after)})` : ''}`));
  const entries = [...new Set(plan.blocked.filter((b) => b.scope && b.id).map((b) => `      - { rule: ${b.rule}, ${b.scope}_id: "${b.id}", reason: "why" }`))];
  if (entries.length > 0) {
    lines.push(c.dim('  To go ahead once reviewed, allow each in the config with the reason (or for one run: --allow RULE):'));
    lines.push(c.dim('    allow:'));
    for (const entry of entries.slice(0, SHOWN_ENTRIES)) lines.push(c.dim(visible(entry)));
    if (entries.length > SHOWN_ENTRIES) lines.push(c.dim(`      # …and ${entries.length - SHOWN_ENTRIES} more (the JSON plan lists every blocked change)`));
  }
  return lines.join('\n');
}

function renderAllowed(plan: Plan, c: Colors): string {
  const lines = [c.bold('Allowed by safety-rule exceptions:')];
  for (const a of plan.allowed) {
    const why = a.via === 'config' ? `${show(a.reason)}${a.source ? ` (${visible(a.source.file)}:${a.source.line})` : ''}` : '--allow';
    lines.push(c.yellow(`  ✓ ${visible(a.rule)}: ${place(plan, a)} — ${why}`));
  }
  return lines.join('\n');
}

/** With --baseline: what the pull request stops managing, a line per field, and one per target that left the config. */
function renderUnmanaged(plan: Plan, c: Colors): string | null {
  const unmanaged = plan.unmanaged ?? [];
  if (unmanaged.length === 0) return null;
  const lines = [c.yellow(c.bold('No longer managed (the base branch manages these; after this change nothing will):'))];
  const removed = new Map<string, typeof unmanaged>();
  for (const u of unmanaged) {
    if (!u.target_removed) lines.push(c.yellow(`  - ${targetLabel(u)} ${visible(`${u.resource}.${u.path}`)}`));
    else removed.set(`${u.scope}:${u.id}`, [...(removed.get(`${u.scope}:${u.id}`) ?? []), u]);
  }
  for (const items of removed.values()) {
    lines.push(c.yellow(`  - ${targetLabel(items[0]!)}: left the config (${visible(items.map((u) => `${u.resource}.${u.path}`).join(', '))})`));
  }
  return lines.join('\n');
}

/** With --baseline: how many changes the config under review brings, and how many were pending already. */
export function baselineLine(plan: Plan): string {
  const { introduced, drift } = plan.baseline!;
  const changes = (n: number) => `${n} ${n === 1 ? 'change' : 'changes'}`;
  return `Against the baseline (${visible(plan.baseline!.paths.join(', '))}): ${changes(introduced)} introduced, ${changes(drift)} already pending (drift).`;
}

/**
 * The change budget the plan was judged by, whether or not it blocks: how many targets change, how many may,
 * and who set the budget (the default, --max-changed-targets, or the config, with its place and reason).
 */
export function budgetLine(plan: Plan): string {
  return visible(budgetText(plan, (file) => file, (reason) => JSON.stringify(reason)));
}

/** The budget line's words, with the config's place and reason as the format shows them (escaped in markdown). */
export function budgetText(plan: Plan, place: (at: string) => string, reason: (text: string) => string): string {
  const b = plan.change_budget;
  if (!b) return `Change budget: none below ${DEFAULT_BUDGET_MIN_TARGETS} targets (set one in the config: budget: { max_changed_targets: N or "N%", reason: "…" }).`;
  const fleet = b.shard ? b.shard.fleet_targets : b.targets;
  const max = b.max.endsWith('%') ? `${b.max} of ${fleet} ${fleet === 1 ? 'target' : 'targets'}` : `${b.max} ${b.max === '1' ? 'target' : 'targets'}`;
  const share = b.shard ? `, shard ${b.shard.index}/${b.shard.count}'s share of ${b.shard.fleet_limit}` : '';
  const counted = b.counts === 'introduced' ? ` by what this config introduces (${b.drift_only} more by drift alone, not counted)` : '';
  const origin = b.set_by === 'config' && b.source ? `set at ${place(formatPosition(b.source))}: ${reason(b.reason ?? '')}` : budgetOrigin(b);
  return `Change budget: ${b.changed} of ${b.targets} targets change${counted}; at most ${b.limit} may (${max}${share}, ${origin}).`;
}

export function summaryLine(plan: Plan, c: Colors = pc.createColors(false)): string {
  const { create, update, noop, error } = plan.summary;
  const weakens = plan.summary.weakens ?? 0;
  const blocked =
    (weakens > 0 ? c.red(` ${weakens} ${weakens === 1 ? 'change weakens' : 'changes weaken'} security (security drift).`) : '') +
    (plan.blocked.length > 0 ? c.red(` Blocked by ${visible([...new Set(plan.blocked.map((b) => b.rule))].join(', '))}.`) : '');
  if (create + update + error === 0) return c.green(`No changes. ${noop} ${noop === 1 ? 'resource is' : 'resources are'} up to date.`) + blocked;
  const parts = [`${create} to create`, `${update} to update`, `${noop} unchanged`, `${error} ${error === 1 ? 'error' : 'errors'}`];
  return c.bold(`Plan: ${parts.join(', ')}.`) + blocked;
}
