// The config's `allow` entries: permission for a change a safety rule blocks, on one account or zone, with a
// reason reviewers see in the plan. The schema checks each entry's shape; this checks what it cannot: exactly
// one target id, a target the config defines, and a reason that says something.

import { isPlainObject, type Scope } from '../resources/index.js';
import type { MergedTarget } from './desired.js';
import type { Diagnostic, SourcePosition } from './model.js';
import { describePath, keyPosition, valuePosition, type ConfigFile, type PathSegment } from './positions.js';

export interface AllowEntry {
  rule: string;
  scope: Scope;
  id: string;
  reason: string;
  /** Where the entry was written. */
  source: SourcePosition;
}

/** An allow entry whose shape is right, waiting for the merge to say whether its target is defined. */
export interface AllowCandidate {
  entry: AllowEntry;
  /** Where its target id is written, and that place as a path: an undefined target is reported there. */
  idPosition: SourcePosition;
  idPath: string;
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
    const ids = (['account_id', 'zone_id'] as const).filter((k) => entry[k] !== undefined);
    if (ids.length === 0) return problem(path, `allow ${entry.rule}: give the account_id or zone_id it is allowed on`);
    if (ids.length === 2) return problem([...path, 'zone_id'], 'an allow entry is for one target: give account_id or zone_id, not both', true);
    const scope: Scope = ids[0] === 'account_id' ? 'account' : 'zone';
    const id = entry[ids[0]];
    if (typeof id !== 'string') return;
    if (entry.reason.trim() === '') return problem([...path, 'reason'], `allow ${entry.rule}: the reason must say why the change is allowed (reviewers read it in the plan)`);
    const idPath = [...path, ids[0]];
    candidates.push({ entry: { rule: entry.rule, scope, id, reason: entry.reason, source: valuePosition(f, path) }, idPosition: valuePosition(f, idPath), idPath: describePath(idPath) });
  });
  return { candidates, diagnostics };
}

/** The allow entries whose target the config defines; the others are problems. */
export function resolveAllow(candidates: readonly AllowCandidate[], targets: readonly MergedTarget[]): { allow: AllowEntry[]; diagnostics: Diagnostic[] } {
  const defined = new Set(targets.map((t) => `${t.target.scope}:${t.target.id}`));
  const allow: AllowEntry[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const { entry, idPosition, idPath } of candidates) {
    if (defined.has(`${entry.scope}:${entry.id}`)) allow.push(entry);
    else diagnostics.push({ ...idPosition, message: `allow ${entry.rule}: no ${entry.scope} ${entry.id} in the config`, path: idPath });
  }
  return { allow, diagnostics };
}
