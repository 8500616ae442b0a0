// The config's `allow` entries: permission for a change a safety rule blocks, on one account or zone, with a
// reason reviewers see in the plan. The schema checks each entry's shape; this checks what it cannot: exactly
// one target id, a target the config defines, and a reason that says something.

import { isPlainObject, type Scope } from '../resources/index.js';
import type { MergedTarget } from './desired.js';
import { describeSelector, matchesSelector, readLabels, type Labels } from './labels.js';
import type { Diagnostic, SourcePosition } from './model.js';
import { describePath, keyPosition, valuePosition, type ConfigFile, type PathSegment } from './positions.js';

/** One target an allow entry lets a change through on (an entry naming several targets is expanded into these). */
export interface AllowEntry {
  rule: string;
  scope: Scope;
  id: string;
  reason: string;
  /** Only a change to this value (`to:`); absent: any change the rule judges. */
  pin?: { to: unknown };
  /** YYYY-MM-DD (UTC): after this day the entry lets nothing through. */
  expires?: string;
  /** Where the entry was written: the same for every target it names, so it is judged unused as one. */
  source: SourcePosition;
}

/** An allow entry whose shape is right, waiting for the merge to say which defined targets it names. */
export interface AllowCandidate {
  rule: string;
  reason: string;
  pin?: { to: unknown };
  expires?: string;
  source: SourcePosition;
  /** The ids it names, or the selector; an undefined id, or a selector matching nothing, is reported at `position`. */
  names: { scope: Scope; ids: string[] } | { select: Labels };
  position: SourcePosition;
  path: string;
}

/**
 * One file's allow entries: the problems the file alone shows, and the entries to check against the defined
 * targets (positions computed while the document is at hand).
 */
export function allowCandidates(f: ConfigFile): { candidates: AllowCandidate[]; diagnostics: Diagnostic[] } {
  const candidates: AllowCandidate[] = [];
  const diagnostics: Diagnostic[] = [];
  const list = isPlainObject(f.data) ? f.data.allow : undefined;
  if (!Array.isArray(list)) return { candidates, diagnostics };
  list.forEach((entry, index) => {
    // Anything else is a schema error already.
    if (!isPlainObject(entry) || typeof entry.rule !== 'string' || typeof entry.reason !== 'string') return;
    const path: PathSegment[] = ['allow', index];
    const problem = (at: PathSegment[], message: string, key = false) =>
      diagnostics.push({ ...(key ? keyPosition(f, at) : valuePosition(f, at)), message, path: describePath(at) });
    const keys = (['account_id', 'zone_id', 'select'] as const).filter((k) => entry[k] !== undefined);
    if (keys.length === 0) return problem(path, `allow ${entry.rule}: give the account_id, zone_id or select it is allowed on`);
    if (keys.length > 1) return problem([...path, keys[1]], `an allow entry names its targets one way: give one of account_id, zone_id or select, not ${keys.join(' and ')}`, true);
    if (entry.reason.trim() === '') return problem([...path, 'reason'], `allow ${entry.rule}: the reason must say why the change is allowed (reviewers read it in the plan)`);
    const key = keys[0];
    const value = entry[key];
    let names: AllowCandidate['names'];
    if (key === 'select') {
      const select = readLabels(value);
      if (!select) return;
      // An empty selector matches every target: that is what --allow is for, for one run.
      if (Object.keys(select).length === 0) return problem([...path, 'select'], `allow ${entry.rule}: select is empty, which would allow the rule on every target: name at least one label`);
      names = { select };
    } else {
      const ids = typeof value === 'string' ? [value] : Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as string[]) : undefined;
      if (!ids || ids.length === 0) return;
      names = { scope: key === 'account_id' ? 'account' : 'zone', ids };
    }
    const at = [...path, key];
    candidates.push({
      rule: entry.rule,
      reason: entry.reason,
      ...('to' in entry ? { pin: { to: entry.to } } : {}),
      ...(typeof entry.expires === 'string' ? { expires: entry.expires } : {}),
      source: valuePosition(f, path),
      names,
      position: valuePosition(f, at),
      path: describePath(at),
    });
  });
  return { candidates, diagnostics };
}

/** The allow entries expanded into the defined targets they name; an id the config does not define, or a selector matching none, is a problem. */
export function resolveAllow(candidates: readonly AllowCandidate[], targets: readonly MergedTarget[]): { allow: AllowEntry[]; diagnostics: Diagnostic[] } {
  const defined = new Set(targets.map((t) => `${t.target.scope}:${t.target.id}`));
  const allow: AllowEntry[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const { names, position, path, ...entry } of candidates) {
    const named: { scope: Scope; id: string }[] = [];
    if ('select' in names) {
      const matched = targets.filter((t) => matchesSelector(t.target.labels, names.select));
      if (matched.length === 0) diagnostics.push({ ...position, message: `allow ${entry.rule}: no account or zone matches select ${describeSelector(names.select)}`, path });
      named.push(...matched.map((t) => ({ scope: t.target.scope, id: t.target.id })));
    } else {
      for (const id of names.ids) {
        if (defined.has(`${names.scope}:${id}`)) named.push({ scope: names.scope, id });
        else diagnostics.push({ ...position, message: `allow ${entry.rule}: no ${names.scope} ${id} in the config`, path });
      }
    }
    for (const target of named) allow.push({ ...entry, ...target });
  }
  return { allow, diagnostics };
}

/** Whether an entry's `expires` day has passed at `now` (the run's clock): it lasts through that day, UTC. */
export function allowExpired(expires: string | undefined, now: Date): boolean {
  return expires !== undefined && now.getTime() >= Date.parse(`${expires}T00:00:00Z`) + 86_400_000;
}
