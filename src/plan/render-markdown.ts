// Markdown for a pull-request comment: a hidden marker (so a workflow can update one sticky comment), a
// summary table, then one collapsible section per target that changes or fails. It always fits GitHub's
// comment limit: past it, per-target details give way to one line per target, then to counts.
//
// Everything that comes from the config or the API (descriptions, values, file names, error messages) is
// shown so that it can neither break the structure (tables, <details>, headings) nor mention anyone on
// GitHub: values go in code spans, exactly as they are; other text is escaped.

import type { AllowedChange, BaselineReport, BlockedChange, FieldChange, Plan, ResourcePlan, TargetPlan } from './model.js';
import { attributionLine, describeAttributedChange, findTarget, isUnset, securityDrift, shortName, show, targetName, type Attribution } from './model.js';
import { budgetText, summaryLine } from './render-text.js';
import { rollUp, type RolledChange } from './rollup.js';
import type { UnmanagedField } from './unmanaged.js';
import { visible } from '../util/terminal.js';

/** The first line of every markdown plan: a workflow finds its earlier comment by it. */
export const MARKDOWN_MARKER = '<!-- ztsync-plan -->';

/** GitHub refuses a comment (and an issue body) longer than this many characters. */
export const GITHUB_COMMENT_LIMIT = 65_536;

export interface MarkdownOptions {
  /** The longest the result may be, in UTF-16 code units (at least as many as GitHub's characters). */
  maxLength?: number;
  /** Where the full plan can be found when details are cut (e.g. the workflow run holding the plan artifact). */
  fullPlanUrl?: string;
  /** The first line, a hidden marker a workflow finds its comment or issue by (default MARKDOWN_MARKER). */
  marker?: string;
  /** The heading (default "### ztsync plan"). */
  title?: string;
  /** Markdown said before the plan's summary (e.g. the drift check's verdict); the caller keeps it short. */
  preface?: string;
}

export function renderMarkdown(plan: Plan, options: MarkdownOptions = {}): string {
  const maxLength = options.maxLength ?? GITHUB_COMMENT_LIMIT;
  const { create, update, noop, error } = plan.summary;
  // The top (marker, heading, preface) is its own block: the note saying something was left out goes right after it.
  const top = [options.marker ?? MARKDOWN_MARKER, options.title ?? '### ztsync plan', ...(options.preface ? ['', options.preface] : [])].join('\n');
  const head = [
    summaryLine(plan),
    '',
    '| create | update | unchanged | errors |',
    '| ---: | ---: | ---: | ---: |',
    `| ${create} | ${update} | ${noop} | ${error} |`,
    // The budget's place and reason are config text: in a code span and escaped, like every other text from a pull request.
    ...(plan.change_budget ? ['', budgetText(plan, (at) => code(at), (reason) => escapeText(reason))] : []),
  ].join('\n');

  const shown = plan.targets.filter((t) => t.error || t.resources.some((r) => r.action !== 'noop'));
  const blocks = [top, head];
  // Room for the note at the top that says something was left out (added at the end, when it is known).
  const where = options.fullPlanUrl
    ? `the plan artifact of [this workflow run](${escapeLinkDestination(options.fullPlanUrl)})`
    : "the JSON plan (`ztsync plan --format json`), e.g. the workflow's plan artifact";
  const leftOutNote = (what: string) =>
    `> [!WARNING]\n> **Not everything fits in this comment.** ${what} left out to stay within GitHub's ` +
    `${GITHUB_COMMENT_LIMIT.toLocaleString('en-US')}-character limit; every changed field is still listed under Changes. The full plan is in ${where}.`;
  const noteRoom = leftOutNote('').length + 200;
  let length = top.length + 2 + head.length + noteRoom;
  const leftOut: string[] = [];
  // What concerns the whole plan comes before any target, each part within its share of the room; then every
  // change rolled up (always every changed field: past its room, the rest are counted per field).
  const parts = [
    renderSecurityDrift(plan, maxLength / 8, leftOut),
    renderBlocked(plan, maxLength / 8, leftOut),
    renderOrigins(plan),
    renderUnmanaged(plan, maxLength / 8, leftOut),
    renderRollup(plan, maxLength / 2 - 2_000, leftOut),
    renderAllowed(plan, maxLength / 16, leftOut),
    renderUnused(plan, maxLength / 16, leftOut),
  ];
  for (const block of parts) {
    if (!block) continue;
    blocks.push(block);
    length += 2 + block.length;
  }
  if (shown.length > 0) {
    blocks.push('#### Targets');
    length += 2 + '#### Targets'.length;
  }
  const context: TableContext = { baseline: hasBaseline(plan), blocked: plan.blocked };
  const fits = (block: string, reserve: number) => length + 2 + block.length + reserve <= maxLength;
  const add = (block: string) => {
    blocks.push(block);
    length += 2 + block.length;
  };

  // Past the limit, the rest of the targets get one line each, then only counts: room is kept for those.
  const cutNote = (n: number) =>
    `**Details of ${n} more ${plural(n, 'target')} are left out** to stay within GitHub's ` +
    `${GITHUB_COMMENT_LIMIT.toLocaleString('en-US')}-character comment limit. The full plan is in ${where}.`;
  const reserve = cutNote(shown.length).length + 2 + UNLISTED_NOTE_ROOM;

  let next = 0;
  for (; next < shown.length; next++) {
    const section = renderTarget(shown[next]!, context);
    if (!fits(section, reserve)) break;
    add(section);
  }
  const finish = () => {
    if (leftOut.length > 0) blocks.splice(1, 0, leftOutNote(sentence(leftOut)));
    return blocks.join('\n\n') + '\n';
  };
  if (next === shown.length) return finish();

  leftOut.unshift(`Details of ${shown.length - next} ${plural(shown.length - next, 'target')} are`);
  add(cutNote(shown.length - next));
  const listed: string[] = [];
  let listedLength = -1; // the lines joined by newlines
  let rest = next;
  for (; rest < shown.length; rest++) {
    const line = `- ${oneLine(shown[rest]!)}`;
    if (length + 2 + listedLength + 1 + line.length + UNLISTED_NOTE_ROOM > maxLength) break;
    listed.push(line);
    listedLength += 1 + line.length;
  }
  if (listed.length > 0) add(listed.join('\n'));
  if (rest < shown.length) add(unlistedNote(shown.slice(rest)));
  return finish();
}

/** "A are left out", "A and B are left out": what was left out, in one sentence. */
function sentence(parts: string[]): string {
  const [first, ...more] = parts;
  return more.length === 0 ? first! : `${first}; ${more.join('; ')}`;
}

/** The longest a value is shown in the roll-up (the table below, and the full plan, show it whole). */
const ROLLUP_VALUE_MAX = 120;

/**
 * Every change of the plan, rolled up (rollup.ts): one line per field and change, introduced before drift. The lines
 * that do not fit in `room` are counted per field instead, so every changed field of every target is always named.
 */
function renderRollup(plan: Plan, room: number, leftOut: string[]): string | null {
  const rolled = rollUp(plan);
  const errors = plan.targets.filter((t) => t.error);
  if (rolled.length === 0 && errors.length === 0) return null;
  const lines: string[] = ['#### Changes', ''];
  let used = lines[0]!.length;
  const groups: [string | null, RolledChange[]][] = plan.baseline
    ? [
        ['**Introduced by this pull request:**', rolled.filter((c) => c.origin === 'introduced')],
        ["**Drift** (the base branch's config would make these too: the live values had moved already):", rolled.filter((c) => c.origin !== 'introduced')],
      ]
    : [[null, rolled]];
  let compacted = 0;
  for (const [heading, changes] of groups) {
    if (changes.length === 0) continue;
    if (heading) lines.push('', heading, '');
    const full = changes.map(rolledLine);
    // Room is kept for the per-field counts of whatever does not fit.
    const reserve = compactLines(changes).join('\n').length;
    let i = 0;
    for (; i < full.length; i++) {
      if (used + full[i]!.length + 1 + reserve > room) break;
      lines.push(full[i]!);
      used += full[i]!.length + 1;
    }
    if (i < full.length) {
      const rest = compactLines(changes.slice(i));
      lines.push(...rest);
      used += rest.join('\n').length + 1;
      compacted += full.length - i;
    }
  }
  if (errors.length > 0) {
    lines.push('');
    const shownErrors = errors.slice(0, 10).map(targetMarkdown).join(', ');
    lines.push(`**Could not be planned** (${count(errors.length, 'target')}): ${shownErrors}${errors.length > 10 ? `, and ${errors.length - 10} more` : ''}.`);
  }
  if (compacted > 0) leftOut.push(`the values of ${count(compacted, 'change')} (counted per field under Changes) are`);
  return lines.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd();
}

/** `organization.session_duration`: `"24h"` → `"12h"` on 25 targets, via `defaults.yaml:3` (defaults). */
function rolledLine(c: RolledChange): string {
  const field = code(`${c.resource}.${c.path}`);
  const values =
    c.action === 'create' ? `${shortValue(c.after)} (to create)` : `${shortValue(c.before)} → ${shortValue(c.after)}${c.after === null ? ' (unset)' : ''}`;
  const on = c.targets.length <= 3 ? c.targets.map(targetMarkdown).join(', ') : count(c.targets.length, 'target');
  const via = c.source ? `, via ${code(`${c.source.file}:${c.source.line}`)}${c.source.via === 'defaults' ? ' (defaults)' : ''}` : '';
  const marks = [c.weakens ? `⚠️ weakens ${code(c.weakens)}` : '', c.blocked.length > 0 ? `⛔ blocked by ${c.blocked.map(code).join(', ')}` : ''].filter(Boolean);
  return `- ${field}: ${values} on ${on}${via}${marks.length > 0 ? ` — ${marks.join('; ')}` : ''}`;
}

/** The rolled-up changes that did not fit, counted per field: bounded by the number of fields, so it always fits. */
function compactLines(changes: readonly RolledChange[]): string[] {
  const byField = new Map<string, { changes: number; targets: Set<string>; weakens: boolean; blocked: boolean }>();
  for (const c of changes) {
    const key = `${c.resource}.${c.path}`;
    const entry = byField.get(key) ?? { changes: 0, targets: new Set<string>(), weakens: false, blocked: false };
    entry.changes++;
    for (const t of c.targets) entry.targets.add(`${t.scope}:${t.id}`);
    entry.weakens ||= c.weakens !== null;
    entry.blocked ||= c.blocked.length > 0;
    byField.set(key, entry);
  }
  return [...byField].map(
    ([field, e]) =>
      `- ${code(field)}: ${count(e.changes, 'more change')} on ${count(e.targets.size, 'target')}${e.weakens ? ' — ⚠️ weakens security' : ''}${e.blocked ? ' — ⛔ blocked' : ''} (values left out for size)`,
  );
}

/** A value in a code span, cut to ROLLUP_VALUE_MAX characters (said so). */
function shortValue(value: unknown): string {
  const text = show(value);
  const chars = [...text];
  if (chars.length <= ROLLUP_VALUE_MAX) return code(text);
  return `${code(chars.slice(0, ROLLUP_VALUE_MAX).join(''))}… (cut: ${chars.length.toLocaleString('en-US')} characters)`;
}

/** With --baseline: what the pull request stops managing — fields, and targets that left the config. */
function renderUnmanaged(plan: Plan, room: number, leftOut: string[]): string | null {
  const unmanaged: readonly UnmanagedField[] = plan.unmanaged ?? [];
  if (unmanaged.length === 0) return null;
  const head = [
    '> [!IMPORTANT]',
    "> **No longer managed**: the base branch's config manages these and this one does not. After this change ztsync never looks at them again: " +
      'they keep whatever value they have, and nobody will see them turned off.',
    '',
  ];
  const lines: string[] = [];
  const removed = new Map<string, UnmanagedField[]>();
  const fields = new Map<string, UnmanagedField[]>();
  for (const u of unmanaged) {
    const map = u.target_removed ? removed : fields;
    const key = u.target_removed ? `${u.scope}:${u.id}` : `${u.resource}.${u.path}`;
    map.set(key, [...(map.get(key) ?? []), u]);
  }
  for (const [, items] of removed) {
    const t = items[0]!;
    lines.push(`- ${targetMarkdown({ scope: t.scope, id: t.id, name: t.name })} left the config: ${items.map((u) => code(`${u.resource}.${u.path}`)).join(', ')}`);
  }
  for (const [field, items] of fields) {
    const named = items.map((u) => targetMarkdown({ scope: u.scope, id: u.id, name: u.name })).join(', ');
    lines.push(`- ${code(field)} on ${items.length === 1 ? named : items.length <= 5 ? `${count(items.length, 'target')}: ${named}` : count(items.length, 'target')}`);
  }
  return [...head, ...fitLines(lines, room - head.join('\n').length, (n) => `- …and ${n} more: see the JSON plan's \`unmanaged\`.`, () => leftOut.push('some fields no longer managed are'))].join('\n');
}

function count(n: number, noun: string): string {
  return `${n} ${plural(n, noun)}`;
}

/** The longest the note counting unlisted targets can be (its numbers have at most a dozen digits). */
const UNLISTED_NOTE_ROOM = 160;

function unlistedNote(unlisted: TargetPlan[]): string {
  let create = 0;
  let update = 0;
  let errors = 0;
  for (const target of unlisted) {
    if (target.error) errors++;
    for (const resource of target.resources) {
      if (resource.action === 'create') create++;
      else if (resource.action === 'update') update++;
    }
  }
  return (
    `…and ${unlisted.length} more ${plural(unlisted.length, 'target')} ` +
    `(${create} ${plural(create, 'resource')} to create, ${update} to update, ${errors} ${plural(errors, 'error')}).`
  );
}

function renderTarget(target: TargetPlan, context: TableContext): string {
  const actions = target.resources.filter((r) => r.action !== 'noop').map((r) => `${r.type}: ${r.action}`);
  if (target.error) actions.push('error');
  if (context.blocked.some((b) => b.scope === target.scope && b.id === target.id)) actions.push('blocked');
  const lines = [`<details><summary><b>${labelHtml(target)}</b> — ${actions.join(', ')}</summary>`, ''];
  if (target.error) lines.push(`> **Error:** ${escapeText(target.error.message)}`, '');
  for (const resource of target.resources) if (resource.action !== 'noop') lines.push(...renderResource(target, resource, context), '');
  if (target.attribution) lines.push(attributionMarkdown(target.attribution), '');
  lines.push(`Source: ${code(`${target.source.file}:${target.source.line}`)}`, '', '</details>');
  return lines.join('\n');
}

/** plan --attribute: who made each drifted resource's newest change (with its ray id), or why that is not known. */
function attributionMarkdown(attribution: Attribution): string {
  if (attribution.status === 'unavailable') return `> ${escapeText(attributionLine(attribution))}`;
  const lines = attribution.changes.map((c) => `**${escapeText(c.resource)}** ${escapeText(describeAttributedChange(c))}${c.ray_id ? ` (ray ${code(c.ray_id)})` : ''}`);
  return `> ${lines.join('<br>\n> ')}`;
}

interface TableContext {
  /** The plan was made with --baseline: each change says whether the pull request brings it. */
  baseline: boolean;
  blocked: readonly BlockedChange[];
}

function hasBaseline(plan: Plan): boolean {
  return plan.baseline !== undefined;
}

const ORIGIN_SHOWN = { introduced: 'introduced', drift: 'drift' } as const;

/** With --baseline: how many changes the pull request brings, and how many were pending already (drift). */
function renderOrigins(plan: Plan): string | null {
  return plan.baseline ? baselineMarkdown(plan.baseline) : null;
}

function baselineMarkdown({ paths, introduced, drift }: BaselineReport): string {
  const changes = (n: number) => `${n} ${plural(n, 'change')}`;
  return `Against the baseline ${paths.map(code).join(', ')}: **${changes(introduced)} introduced**, ${changes(drift)} already pending (_drift_).`;
}

/** Security drift: live values weaker than the config's, each with the rule it would trip (shown first, in red). */
function renderSecurityDrift(plan: Plan, room: number, leftOut: string[]): string | null {
  const found = securityDrift(plan);
  if (found.length === 0) return null;
  const head = [
    '> [!WARNING]',
    `> **Security drift: ${found.length} live ${found.length === 1 ? 'value is' : 'values are'} weaker than the config.** ` +
      'Applying the config restores ' + (found.length === 1 ? 'it.' : 'them.'),
    '',
  ];
  const lines = found.map(
    ({ target, resource, change }) =>
      `- ${code(change.weakens)}: ${targetMarkdown(target)} ${code(`${resource.type}.${change.path}`)}: live ${code(show(change.before))}, config ${code(show(change.after))}`,
  );
  return [...head, ...fitLines(lines, room - head.join('\n').length, (n) => `- …and ${n} more: see the full plan.`, () => leftOut.push('some security drift lines are'))].join('\n');
}

/** The plan's target of this scope and id in markdown prose, named when the plan has it. */
function placeMarkdown(plan: Plan, scope: TargetPlan['scope'], id: string): string {
  return targetMarkdown(findTarget(plan, scope, id) ?? { scope, id, name: null, description: null });
}

/** A target in markdown prose: scope, id in a code span, and its name (cut short, escaped). */
function targetMarkdown(target: Pick<TargetPlan, 'scope' | 'id' | 'name'> & { description?: string | null }): string {
  const name = targetName(target);
  return `${target.scope} ${code(target.id)}${name ? ` (${escapeText(shortName(name))})` : ''}`;
}

function renderBlocked(plan: Plan, room: number, leftOut: string[]): string | null {
  const blocked = plan.blocked;
  if (blocked.length === 0) return null;
  const head = [
    '> [!CAUTION]',
    `> **Blocked: nothing will be applied.** ${blocked.length} ${plural(blocked.length, 'change')} ${blocked.length === 1 ? 'needs' : 'need'} to be allowed first ` +
      '(`--allow RULE`, or an `allow` entry in the config with a reason).',
    '',
  ];
  const lines = blocked.map((b) => {
    const field = b.path ? ` ${code(b.resource ? `${b.resource}.${b.path}` : b.path)}` : '';
    const where = b.scope && b.id ? `${placeMarkdown(plan, b.scope, b.id)}${field}` : 'the whole plan';
    const values = b.path ? `: ${code(show(b.before))} → ${code(show(b.after))}` : '';
    return `- ${code(b.rule)}: ${where} — ${escapeText(b.message)}${values}`;
  });
  return [...head, ...fitLines(lines, room - head.join('\n').length, (n) => `- …and ${n} more blocked ${plural(n, 'change')}: see the full plan.`, () => leftOut.push('some blocked changes are'))].join('\n');
}

function renderAllowed(plan: Plan, room: number, leftOut: string[]): string | null {
  const allowed = plan.allowed;
  if (allowed.length === 0) return null;
  const head = ['**Allowed** (safety rules let through for this plan):', ''];
  const lines = allowed.map((a) => {
    const by = a.via === 'flag' ? code(`--allow ${a.rule}`) : `the config${a.source ? ` (${code(`${a.source.file}:${a.source.line}`)})` : ''}`;
    const reason = a.reason ? `: ${escapeText(a.reason)}` : '';
    return `- ${code(a.rule)}: ${placeMarkdown(plan, a.scope, a.id)} ${code(`${a.resource}.${a.path}`)} — by ${by}${reason}`;
  });
  return [...head, ...fitLines(lines, room - head.join('\n').length, (n) => `- …and ${n} more: see the full plan.`, () => leftOut.push('some allowed changes are'))].join('\n');
}

/** Allow entries that let nothing through: listed so that the pull request removes them. */
function renderUnused(plan: Plan, room: number, leftOut: string[]): string | null {
  const unused = plan.unused_allowances ?? [];
  if (unused.length === 0) return null;
  const head = ['**Unused allowances: remove them** (each lets nothing through in this plan, and would let a later change of its kind through unreviewed):', ''];
  const lines = unused.map((u) => `- ${code(u.rule)}: ${u.scope} ${code(u.id)}${u.source ? ` at ${code(`${u.source.file}:${u.source.line}`)}` : ''}${u.reason ? `: ${escapeText(u.reason)}` : ''}`);
  return [...head, ...fitLines(lines, room - head.join('\n').length, (n) => `- …and ${n} more: see the full plan.`, () => leftOut.push('some unused allowances are'))].join('\n');
}

/** As many lines as fit in `room` characters, then one line counting the rest. */
function fitLines(lines: string[], room: number, more: (n: number) => string, cut: () => void): string[] {
  const kept: string[] = [];
  let used = 0;
  for (const line of lines) {
    if (used + line.length + 1 + 120 > room) break;
    kept.push(line);
    used += line.length + 1;
  }
  if (kept.length < lines.length) {
    kept.push(more(lines.length - kept.length));
    cut();
  }
  return kept;
}

function oneLine(target: TargetPlan): string {
  const actions = target.resources.filter((r) => r.action !== 'noop').map((r) => `${r.type}: ${r.action}`);
  if (target.error) actions.push('error');
  return `${targetMarkdown(target)} — ${actions.join(', ')}`;
}

function renderResource(target: TargetPlan, resource: ResourcePlan, context: TableContext): string[] {
  const columns = ['field', 'before', 'after', 'source', ...(context.baseline ? ['origin'] : [])];
  return [
    `**${resource.type}** (${resource.action})`,
    '',
    `| ${columns.join(' | ')} |`,
    `| ${columns.map(() => '---').join(' | ')} |`,
    ...resource.changes.map((c) => {
      const cells = [fieldCell(target, c, context), resource.action === 'create' ? '' : code(show(c.before)), code(show(c.after)) + (isUnset(c) ? ' (unset)' : ''), sourceCell(c)];
      if (context.baseline) cells.push(c.origin ? ORIGIN_SHOWN[c.origin] : '');
      return `| ${cells.map(cell).join(' | ')} |`;
    }),
  ];
}

/** The field, marked when its live value weakens security, and when a safety rule blocks its change. */
function fieldCell(target: TargetPlan, change: FieldChange, context: TableContext): string {
  const rules = context.blocked.filter((b) => b.scope === target.scope && b.id === target.id && b.path === change.path).map((b) => code(b.rule));
  const weakens = change.weakens ? `⚠️ ` : '';
  const marks = [...(change.weakens ? [`weakens: ${code(change.weakens)}`] : []), ...(rules.length > 0 ? [`blocked: ${rules.join(', ')}`] : [])];
  return `${rules.length > 0 ? '⛔ ' : ''}${weakens}${code(change.path)}${marks.length > 0 ? ` (${marks.join('; ')})` : ''}`;
}

/** Where the desired value was written: `file:line`, and whether it came from the defaults. */
function sourceCell(change: FieldChange): string {
  if (!change.source) return '';
  return code(`${change.source.file}:${change.source.line}`) + (change.source.via === 'defaults' ? ' (defaults)' : '');
}

/**
 * The target's label inside raw HTML (`<summary>`), where markdown is not read: HTML-escaped, and `#` as an
 * entity too, so that printed to a GitHub Actions log it cannot spell an old-style `##[command]`.
 */
function labelHtml(target: TargetPlan): string {
  const name = targetName(target);
  const text = `${target.scope} ${target.id}${name ? ` (${shortName(name)})` : ''}`;
  const escaped = oneLineText(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/#/g, '&#35;');
  return noMentions(escaped);
}

/**
 * `text` as a code span, shown exactly: the fence is one backtick longer than the longest run of backticks
 * inside, with a space on each side when the text starts or ends with a backtick (CommonMark strips it).
 * Code spans are never read as HTML and GitHub mentions nobody inside them. A newline cannot be part of one
 * (plan values are JSON, so theirs are escaped already); a file name's would be shown as a space. Control and
 * bidi characters are made visible (values have them so already, from `show`).
 */
export function code(text: string): string {
  const flat = visible(text.replace(/\r\n?|\n/g, ' '));
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') || (flat.startsWith(' ') && flat.endsWith(' ') && flat.trim() !== '') ? ' ' : '';
  return fence + pad + flat + pad + fence;
}

/** Inside a table cell a pipe ends the cell, even in a code span: GitHub takes `\|` as a literal pipe there. */
function cell(markdown: string): string {
  return markdown.replace(/\|/g, '\\|');
}

/**
 * Free text in markdown: every ASCII punctuation character backslash-escaped (so nothing is read as
 * emphasis, a link, HTML, a table cell or a heading), line breaks as spaces, and no mentions.
 */
export function escapeText(text: string): string {
  return noMentions(oneLineText(text).replace(/[!-/:-@[-`{-~]/g, '\\$&'));
}

/** Line breaks as spaces; other control, bidi and invisible characters made visible (util/terminal.ts). */
function oneLineText(text: string): string {
  return visible(text.replace(/\r\n?|\n|\u2028|\u2029/g, ' '));
}

/**
 * A zero-width space after each `@` keeps GitHub from reading `@user` or `@org/team` as a mention; one after a `#`
 * (or `GH`) before a digit keeps `#123`, `owner/repo#123` and `GH-123` from linking an issue, which would also leave
 * a backlink in that issue. (Escaped text: `#` is `\#` and `-` is `\-` here; in raw HTML a `#` is `&#35;`; a `#` after `&`
 * starts an entity, such as the one added for `@`, and is left alone.)
 */
function noMentions(text: string): string {
  return text
    .replace(/(?<!&)#(?=\d)|&#35;(?=\d)/g, '$&&#8203;')
    .replace(/\b(gh)(?=\\-\d)/gi, '$1&#8203;')
    .replace(/@/g, '@&#8203;');
}

/** A URL as a link destination: characters that would end it or the link are percent-encoded. */
export function escapeLinkDestination(url: string): string {
  return url.replace(/[\s()<>\\`]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

function plural(n: number, noun: string): string {
  return n === 1 ? noun : `${noun}s`;
}
