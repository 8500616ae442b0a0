// The fleet report: one self-contained HTML page (no external resources, a strict CSP) with a matrix of every
// target against every setting that differs anywhere, and each target's changes in a <details>. A pure function
// of the plan: it reads the plan's changes as they are and never recomputes them. Every piece of text from the
// config or the API goes through escapeHtml, so it can only ever be text.

import { RESOURCES } from '../resources/index.js';
import type { SourcePosition } from '../config/model.js';
import type { BlockedChange, FieldChange, Plan, ResourcePlan, TargetPlan } from './model.js';
import { attributionLine, describeAttributedChange, driftedTargets, findTarget, securityDrift, shortName, show, targetName, type Attribution } from './model.js';
import type { CheckFailure, Verdict } from './fleet.js';
import { REPORT_CSP, REPORT_SCRIPT, REPORT_STYLE } from './report-assets.js';
import { visible } from '../util/terminal.js';

export interface HtmlOptions {
  /** When the report was written (ISO 8601); the plan's created_at says when live state was read. */
  generatedAt: string;
  /** The ztsync writing the report (shown too when it is not the one that made the plan). */
  version: string;
  /** Several saved plans checked as one fleet (report --plan … --plan …): the verdict, the plans, what failed. */
  fleet?: FleetFacts;
}

export interface FleetFacts {
  verdict: Verdict;
  /** The verdict in words (render-issue.ts verdictLine). */
  verdictLine: string;
  plans: readonly { file: string; shard: string | null; targets: number }[];
  failures: readonly CheckFailure[];
}

/** What a matrix cell (or a whole target) can be, most severe first; every state has a symbol, not only a colour. */
export const CELL_STATES = {
  error: { symbol: '!', label: 'error', meaning: 'could not be read or planned' },
  weakens: { symbol: '⚠', label: 'weakens security', meaning: 'the live value is weaker than the config, the way a safety rule guards (security drift)' },
  blocked: { symbol: '⊘', label: 'blocked', meaning: 'a safety rule or the change budget stops this change' },
  introduced: { symbol: '★', label: 'introduced', meaning: 'a change this config brings (not in the baseline)' },
  drift: { symbol: '~', label: 'drift', meaning: 'the live value differs from the config; apply updates it' },
  create: { symbol: '+', label: 'create', meaning: 'does not exist yet; apply creates it' },
  sync: { symbol: '✓', label: 'in sync', meaning: 'the live value matches the config' },
  none: { symbol: '·', label: 'not managed', meaning: 'not in this target’s config' },
} as const;
export type CellState = keyof typeof CELL_STATES;
const SEVERITY = Object.keys(CELL_STATES) as CellState[];

/** A managed setting: a column of the matrix. */
interface Setting {
  type: string;
  path: string;
}

export function renderHtml(plan: Plan, options: HtmlOptions): string {
  const settings = settingsThatDiffer(plan);
  const base = commonDirectory(plan.targets.map((t) => t.source.file));
  const rows = plan.targets.map((target, index) => targetRow(plan, target, index, settings, base));
  const baseline = plan.targets.some((t) => t.resources.some((r) => r.changes.some((c) => c.origin !== undefined)));
  const legendStates = SEVERITY.filter((s) => (s !== 'introduced' || baseline) && (s !== 'weakens' || securityDrift(plan).length > 0));
  const title = `ztsync report: ${count(plan.targets.length, 'target')}, ${rows.filter((r) => r.worst !== 'sync').length} to look at`;
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light dark">',
    '<meta name="referrer" content="no-referrer">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${REPORT_STYLE}</style>`,
    '</head>',
    '<body>',
    header(plan, options, rows, base),
    options.fleet ? fleetSection(options.fleet) : '',
    securityDriftSection(plan),
    blockedSection(plan),
    '<section aria-labelledby="matrix-title">',
    '<h2 id="matrix-title">Fleet</h2>',
    legend(legendStates),
    filters(legendStates, plan),
    '<div class="scroll">',
    `<table class="matrix" id="matrix"><caption class="sr">One row per target, one column per setting that differs on any target</caption>`,
    `<colgroup><col class="w-t"><col class="w-d"><col class="w-s">${'<col class="w-f">'.repeat(settings.length)}<col class="w-src"></colgroup>`,
    matrixHead(settings),
    '<tbody>',
    ...rows.map((r) => r.html),
    '</tbody></table>',
    '</div>',
    settings.length === 0 ? '<p class="muted">No setting differs on any target.</p>' : '',
    '</section>',
    '<section aria-labelledby="targets-title">',
    '<h2 id="targets-title">Targets</h2>',
    '<p class="muted">Each target’s changes: the live value before, the value from the config after, and where that value was written.</p>',
    ...plan.targets.map((target, index) => targetDetails(plan, target, index, rows[index]!.states, base)),
    '</section>',
    `<footer>Written by ztsync ${escapeHtml(options.version)} at ${escapeHtml(options.generatedAt)}. The page works offline and without JavaScript; scripts only sort and filter.</footer>`,
    `<script>${REPORT_SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function header(plan: Plan, options: HtmlOptions, rows: Row[], base: string): string {
  const { create, update, noop, error } = plan.summary;
  // Blocked drift is drift: a target whose only change a rule stops has still drifted.
  const drifted = driftedTargets(plan).length;
  const weakened = securityDrift(plan);
  const blocked = new Set(plan.blocked.filter((b) => b.scope !== null).map((b) => `${b.scope} ${b.id}`)).size;
  const files = new Set(plan.targets.map((t) => t.source.file)).size;
  const facts: [string, string][] = [
    ['Planned at', plan.created_at],
    ['Report written at', options.generatedAt],
    ['API', plan.api_base],
    ['ztsync', plan.ztsync_version === options.version ? plan.ztsync_version : `${plan.ztsync_version} (report written by ${options.version})`],
    ['Plan format', plan.format_version],
    ['Config', `${count(files, 'file')}${base ? ` in ${base}` : ''}, ${count(plan.targets.length, 'target')}`],
  ];
  if (plan.baseline) {
    const { paths, introduced, drift } = plan.baseline;
    facts.push(['Baseline', `${paths.join(', ')}: ${count(introduced, 'change')} introduced by this config, ${drift} already drifted from the baseline`]);
  }
  const counts: [string, number, string][] = [
    ['create', create, 'resources to create'],
    ['update', update, 'resources to update'],
    ['noop', noop, 'resources in sync'],
    ['error', error, 'targets with an error'],
    ['blocked', blocked, 'targets blocked'],
    ['weakens', weakened.length, 'changes weaken security'],
  ];
  return [
    '<header>',
    '<h1>ztsync drift report</h1>',
    `<p class="lede">${count(plan.targets.length, 'target')}: ${drifted} drifted${weakened.length > 0 ? ` (${count(weakened.length, 'change')} weakening security)` : ''}, ${rows.filter((r) => r.states.has('create')).length} with something to create, ${error} with an error.</p>`,
    '<dl class="facts">',
    ...facts.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`),
    '</dl>',
    '<ul class="counts" aria-label="Counts">',
    ...counts.map(([k, n, what]) => `<li data-count="${k}"><b>${n}</b>${escapeHtml(what)}</li>`),
    '</ul>',
    '</header>',
  ].join('\n');
}

/** The drift check over several plans: its verdict first (a failure loudly), then each plan and each failure. */
function fleetSection(fleet: FleetFacts): string {
  const failed = fleet.verdict === 'failed';
  const plans = fleet.plans.map((p) => `<li><code>${escapeHtml(p.file)}</code>${p.shard ? ` — shard ${escapeHtml(p.shard)}` : ''}, ${count(p.targets, 'target')}</li>`);
  const failures = fleet.failures.map((f) => {
    const name = f.target ? targetName(f.target) : null;
    const subject = f.target
      ? `${escapeHtml(`${f.target.scope} ${f.target.id}`)}${name ? ` (${escapeHtml(shortName(name))})` : ''}`
      : f.shard
        ? `shard ${escapeHtml(f.shard)}${f.file ? ` <code>${escapeHtml(f.file)}</code>` : ''}`
        : f.file
          ? `<code>${escapeHtml(f.file)}</code>`
          : 'the check';
    return `<li>${subject}: ${escapeHtml(f.message)}</li>`;
  });
  return [
    `<section class="${failed ? 'problem' : 'fleet'}" aria-labelledby="check-title" data-verdict="${fleet.verdict}">`,
    `<h2 id="check-title">${escapeHtml(fleet.verdictLine)}</h2>`,
    ...(failures.length > 0 ? ['<p><b>Not checked:</b></p>', '<ul class="failures">', ...failures, '</ul>'] : []),
    `<p class="muted">Plans (${fleet.plans.length}):</p>`,
    '<ul class="plans">',
    ...plans,
    '</ul>',
    '</section>',
  ].join('\n');
}

/** Security drift, before anything else that concerns targets: each weakened value with its target and rule. */
function securityDriftSection(plan: Plan): string {
  const found = securityDrift(plan);
  if (found.length === 0) return '';
  const items = found.map(
    ({ target, resource, change }) =>
      `<li>${symbol('weakens')} <code>${escapeHtml(change.weakens)}</code> — ${targetHtml(target)}, <code>${escapeHtml(`${resource.type}.${change.path}`)}</code>: live ${escapeHtml(show(change.before))}, config ${escapeHtml(show(change.after))}</li>`,
  );
  return [
    '<section class="problem w" aria-labelledby="weakens-title">',
    `<h2 id="weakens-title">Security drift: ${count(found.length, 'live value')} weaker than the config</h2>`,
    '<ul>',
    ...items,
    '</ul>',
    '</section>',
  ].join('\n');
}

/** A target as prose: scope and id, and its name when known. */
function targetHtml(target: Pick<TargetPlan, 'scope' | 'id' | 'name' | 'description'>): string {
  const name = targetName(target);
  return `${escapeHtml(`${target.scope} ${target.id}`)}${name ? ` (${escapeHtml(shortName(name))})` : ''}`;
}

function blockedSection(plan: Plan): string {
  const blocked = plan.blocked;
  if (blocked.length === 0) return '';
  const items = blocked.map(
    (b) =>
      `<li><code>${escapeHtml(b.rule)}</code>${b.scope ? ` — ${targetHtml(findTarget(plan, b.scope, b.id) ?? { scope: b.scope, id: b.id!, name: null, description: null })}` : ' — the whole plan'}${b.path ? `, <code>${escapeHtml(`${b.resource}.${b.path}`)}</code> ${escapeHtml(`${show(b.before)} → ${show(b.after)}`)}` : ''}: ${escapeHtml(b.message)}</li>`,
  );
  return ['<section class="problem b" aria-labelledby="blocked-title">', '<h2 id="blocked-title">Blocked</h2>', '<ul>', ...items, '</ul>', '</section>'].join('\n');
}

function legend(states: CellState[]): string {
  const items = states.map((s) => `<li>${symbol(s)}<span><b>${CELL_STATES[s].label}</b>: ${escapeHtml(CELL_STATES[s].meaning)}</span></li>`);
  return `<ul class="legend" aria-label="Legend">${items.join('')}</ul>`;
}

function filters(states: CellState[], plan: Plan): string {
  const scopes = [...new Set(plan.targets.map((t) => t.scope))];
  const stateOptions = states.filter((s) => s !== 'none').map((s) => `<option value="${s}">${CELL_STATES[s].symbol} ${CELL_STATES[s].label}</option>`);
  return [
    // Hidden until the script runs: without it, these controls would do nothing.
    '<form class="filters" id="filters" hidden role="search" aria-label="Filter targets">',
    `<label>Scope<select name="scope"><option value="">all</option>${scopes.map((s) => `<option value="${escapeHtml(s)}">${escapeHtml(s)}</option>`).join('')}</select></label>`,
    `<label>State<select name="state"><option value="">any</option>${stateOptions.join('')}</select></label>`,
    '<label>Search id, name or file<input type="search" name="q" autocomplete="off" spellcheck="false"></label>',
    '<output class="shown" id="shown" aria-live="polite"></output>',
    '</form>',
  ].join('\n');
}

/** Two header rows: the resource over its fields; every column's sortable header says which column it sorts. */
function matrixHead(settings: Setting[]): string {
  const fixed = ['Target', 'Name', 'State'].map((name, i) => `<th scope="col" rowspan="2" data-col="${i}">${name}</th>`);
  const source = `<th scope="col" rowspan="2" data-col="${fixed.length + settings.length}">Source</th>`;
  const groups: { type: string; span: number }[] = [];
  for (const s of settings) {
    const last = groups.at(-1);
    if (last?.type === s.type) last.span++;
    else groups.push({ type: s.type, span: 1 });
  }
  const groupCells = groups.map((g) => `<th scope="colgroup" colspan="${g.span}" class="g">${escapeHtml(g.type)}</th>`);
  const fieldCells = settings.map((s, i) => `<th scope="col" class="f" data-col="${i + fixed.length}" title="${escapeHtml(`${s.type}.${s.path}`)}"><span class="n">${escapeHtml(s.path)}</span></th>`);
  return `<thead><tr>${fixed.join('')}${groupCells.join('')}${source}</tr><tr>${fieldCells.join('')}</tr></thead>`;
}

interface Row {
  html: string;
  states: Set<CellState>;
  worst: CellState;
}

function targetRow(plan: Plan, target: TargetPlan, index: number, settings: Setting[], base: string): Row {
  const cells = settings.map((setting) => ({ setting, state: cellState(plan, target, setting) }));
  const states = new Set<CellState>(cells.map((c) => c.state).filter((s) => s !== 'none'));
  if (target.error) states.add('error');
  // Security drift is drift too: filtering by drift finds it.
  if (states.has('weakens')) states.add('drift');
  if (targetBlocks(plan, target).length > 0) states.add('blocked');
  for (const resource of target.resources) if (resource.action === 'create') states.add('create');
  if (states.size === 0 || [...states].every((s) => s === 'sync')) states.add('sync');
  else states.delete('sync');
  const worst = SEVERITY.find((s) => states.has(s)) ?? 'sync';
  const source = `${target.source.file.slice(base.length)}:${target.source.line}`;
  const html = [
    `<tr data-target="t-${index}" data-scope="${escapeHtml(target.scope)}" data-states="${SEVERITY.filter((s) => states.has(s)).join(' ')}">`,
    `<th scope="row"><a href="#t-${index}"><code>${escapeHtml(target.id)}</code></a> <span class="muted">${escapeHtml(target.scope)}</span></th>`,
    `<td class="d">${escapeHtml(targetName(target) ?? '')}</td>`,
    stateCell(worst),
    ...cells.map(({ setting, state }) => matrixCell(target, setting, state)),
    `<td class="src"><code>${escapeHtml(source)}</code></td>`,
    '</tr>',
  ].join('');
  return { html, states, worst };
}

function matrixCell(target: TargetPlan, setting: Setting, state: CellState): string {
  const change = findChange(target, setting);
  return stateCell(state, change ? `${setting.type}.${setting.path}: ${describeChange(change)}` : undefined);
}

/**
 * A matrix cell: its symbol as text, its state in words as the cell's accessible name (an attribute, not a hidden
 * element: thousands of those made Chromium's layout of a 1000-target matrix twice as slow), and the values on hover.
 */
function stateCell(state: CellState, title?: string): string {
  return `<td class="c s-${state}" aria-label="${CELL_STATES[state].label}"${title ? ` title="${escapeHtml(title)}"` : ''}>${CELL_STATES[state].symbol}</td>`;
}

function targetDetails(plan: Plan, target: TargetPlan, index: number, states: Set<CellState>, base: string): string {
  // One line per element and few wrappers: a fleet has thousands of these, and every node costs the browser.
  const badges = SEVERITY.filter((s) => states.has(s)).map((s) => symbol(s, true));
  const parts = [
    `<details class="target" id="t-${index}"><summary>${badges.join(' ')} <code>${escapeHtml(`${target.scope} ${target.id}`)}</code>${targetName(target) ? ` ${escapeHtml(targetName(target)!)}` : ''}</summary><div class="body">`,
    `<p class="muted">Defined at <code>${escapeHtml(position(target.source, base))}</code></p>`,
  ];
  if (target.error) {
    const detail = [target.error.status ? `HTTP ${target.error.status}` : '', target.error.codes?.length ? `code ${target.error.codes.join(', ')}` : ''].filter(Boolean);
    parts.push(`<p class="problem"><b>${CELL_STATES.error.symbol} Error:</b> ${escapeHtml(target.error.message)}${detail.length ? ` (${escapeHtml(detail.join('; '))})` : ''}</p>`);
  }
  if (target.attribution) parts.push(attributionHtml(target.attribution));
  for (const b of targetBlocks(plan, target)) {
    parts.push(`<p class="problem b"><b>${CELL_STATES.blocked.symbol} Blocked by <code>${escapeHtml(b.rule)}</code>${b.path ? ` on <code>${escapeHtml(b.path)}</code>` : ''}:</b> ${escapeHtml(b.message)}</p>`);
  }
  for (const a of plan.allowed.filter((a) => a.scope === target.scope && a.id === target.id)) {
    parts.push(`<p class="muted">Allowed: <code>${escapeHtml(a.rule)}</code> on <code>${escapeHtml(a.path)}</code>${a.reason ? ` — ${escapeHtml(a.reason)}` : ''}${a.via === 'flag' ? ' (--allow)' : a.source ? ` (${escapeHtml(position(a.source, base))})` : ''}</p>`);
  }
  if (target.resources.length > 0) parts.push(changesTable(plan, target, base));
  else if (!target.error) parts.push('<p class="muted">Nothing is managed for this target.</p>');
  parts.push('</div></details>');
  return parts.join('\n');
}

/** plan --attribute: who made each drifted resource's newest change (with its ray id), or why that is not known. */
function attributionHtml(attribution: Attribution): string {
  if (attribution.status === 'unavailable') return `<p class="muted attribution">${escapeHtml(attributionLine(attribution))}</p>`;
  const items = attribution.changes.map((c) => `<b>${escapeHtml(c.resource)}</b> ${escapeHtml(describeAttributedChange(c))}${c.ray_id ? ` <span class="muted">(ray <code>${escapeHtml(c.ray_id)}</code>)</span>` : ''}`);
  return `<p class="attribution">${items.join('<br>')}</p>`;
}

/** One table for the target: a row group per resource (its action and the fields in sync), a row per change. */
function changesTable(plan: Plan, target: TargetPlan, base: string): string {
  const withOrigin = target.resources.some((r) => r.changes.some((c) => c.origin !== undefined));
  const columns = ['Field', 'State', 'Before (live)', 'After (config)', 'Value from', ...(withOrigin ? ['Origin'] : [])];
  const groups = target.resources.map((resource) => {
    const changed = new Set(resource.changes.map((c) => c.path));
    const inSync = resource.managed.filter((p) => !changed.has(p));
    const syncLabel = resource.action === 'create' ? 'also managed (already the API’s default)' : 'in sync';
    const head =
      resource.action === 'noop'
        ? `${escapeHtml(resource.type)} — in sync: ${escapeHtml(inSync.join(', '))}`
        : `${escapeHtml(resource.type)} — ${escapeHtml(actionText(resource))}${inSync.length ? `<span class="muted"> · ${syncLabel}: ${escapeHtml(inSync.join(', '))}</span>` : ''}`;
    const rows = resource.changes.map((c) => {
      const state = cellState(plan, target, { type: resource.type, path: c.path });
      const before = resource.action === 'create' ? '<td class="muted">(does not exist)</td>' : `<td class="v">${escapeHtml(show(c.before))}</td>`;
      const from = c.source ? `<td class="src">${escapeHtml(position(c.source, base))} (${escapeHtml(c.source.via)})</td>` : '<td class="muted">—</td>';
      return (
        `<tr><th scope="row" class="p">${escapeHtml(c.path)}</th><td class="st s-${state}">${CELL_STATES[state].symbol} ${CELL_STATES[state].label}</td>${before}` +
        `<td class="v">${escapeHtml(show(c.after))}</td>${from}${withOrigin ? `<td>${escapeHtml(c.origin ?? '—')}</td>` : ''}</tr>`
      );
    });
    return `<tbody><tr class="r"><th scope="rowgroup" colspan="${columns.length}">${head}</th></tr>${rows.join('')}</tbody>`;
  });
  return `<table class="changes"><thead><tr>${columns.map((c) => `<th scope="col">${c}</th>`).join('')}</tr></thead>${groups.join('')}</table>`;
}

/** The settings that differ on at least one target (or fail, or are blocked), in the resource tables' order. */
function settingsThatDiffer(plan: Plan): Setting[] {
  const seen = new Map<string, Setting>();
  const add = (type: string, path: string) => seen.set(`${type}\u0000${path}`, { type, path });
  for (const target of plan.targets) {
    for (const resource of target.resources) for (const change of resource.changes) add(resource.type, change.path);
    for (const b of targetBlocks(plan, target)) {
      if (b.resource && b.path) add(b.resource, b.path);
    }
  }
  const order = (s: Setting) => {
    const r = RESOURCES.findIndex((spec) => spec.type === s.type);
    const f = r < 0 ? -1 : RESOURCES[r]!.fields.findIndex((field) => field.path === s.path);
    return [r < 0 ? RESOURCES.length : r, f < 0 ? Number.MAX_SAFE_INTEGER : f] as const;
  };
  return [...seen.values()].sort((a, b) => {
    const [ra, fa] = order(a);
    const [rb, fb] = order(b);
    return ra - rb || fa - fb || (a.type + a.path < b.type + b.path ? -1 : 1);
  });
}

function cellState(plan: Plan, target: TargetPlan, setting: Setting): CellState {
  const resource = target.resources.find((r) => r.type === setting.type);
  if (!resource) return target.error ? 'error' : 'none';
  if (findChange(target, setting)?.weakens) return 'weakens';
  if (targetBlocks(plan, target).some((b) => b.resource === setting.type && b.path === setting.path)) return 'blocked';
  const change = findChange(target, setting);
  if (resource.action === 'create' && resource.managed.includes(setting.path)) return 'create';
  if (change) return change.origin === 'introduced' ? 'introduced' : 'drift';
  return resource.managed.includes(setting.path) ? 'sync' : 'none';
}

function findChange(target: TargetPlan, setting: Setting): FieldChange | undefined {
  return target.resources.find((r) => r.type === setting.type)?.changes.find((c) => c.path === setting.path);
}

function targetBlocks(plan: Plan, target: TargetPlan): BlockedChange[] {
  return plan.blocked.filter((b) => b.scope === target.scope && b.id === target.id);
}

/** The directory every config file is in (with its trailing slash), so the matrix can show short file names. */
function commonDirectory(files: string[]): string {
  if (files.length === 0) return '';
  let prefix = files[0]!.slice(0, files[0]!.lastIndexOf('/') + 1);
  for (const file of files) while (prefix && !file.startsWith(prefix)) prefix = prefix.slice(0, prefix.lastIndexOf('/', prefix.length - 2) + 1);
  return prefix;
}

function describeChange(change: FieldChange): string {
  return `${show(change.before)} → ${show(change.after)}`;
}

function actionText(resource: ResourcePlan): string {
  if (resource.action === 'create') return 'to create';
  if (resource.action === 'update') return count(resource.changes.length, 'field') + ' to update';
  return 'in sync';
}

function symbol(state: CellState, withLabel = false): string {
  const { symbol: sym, label } = CELL_STATES[state];
  return withLabel ? `<span class="sym s-${state}">${sym} ${label}</span>` : `<span class="sym s-${state}" aria-hidden="true">${sym}</span>`;
}

/** file:line:col, the file relative to `base` (the directory every config file is in, said once in the header). */
function position(p: SourcePosition, base = ''): string {
  return `${p.file.startsWith(base) ? p.file.slice(base.length) : p.file}:${p.line}:${p.col}`;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** Text and attribute values alike: after this, nothing from a plan can open a tag, an attribute or an entity. */
export function escapeHtml(text: string): string {
  // Control, bidi and invisible characters made visible too: a browser honours bidi overrides as a terminal would.
  return visible(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
