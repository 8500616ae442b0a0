// The config's `allow` entries: permission for a change a safety rule blocks, on one account or zone, with a
// reason reviewers see in the plan. The schema checks each entry's shape; this checks what it cannot: exactly
// one target id, a target the config defines, and a reason that says something.

import { isPlainObject, type Scope } from '../resources/index.js';
import type { MergedTarget } from './desired.js';
import type { Diagnostic, SourcePosition } from './model.js';
import { describePath, keyPosition, valuePosition, type PathSegment, type YamlFile } from './positions.js';

export interface AllowEntry {
  rule: string;
  scope: Scope;
  id: string;
  reason: string;
  /** Where the entry was written. */
  source: SourcePosition;
}

export function collectAllowEntries(files: readonly YamlFile[], targets: readonly MergedTarget[]): { allow: AllowEntry[]; diagnostics: Diagnostic[] } {
  const allow: AllowEntry[] = [];
  const diagnostics: Diagnostic[] = [];
  const defined = new Set(targets.map((t) => `${t.target.scope}:${t.target.id}`));
  for (const f of files) {
    const list = isPlainObject(f.data) ? f.data.allow : undefined;
    if (!Array.isArray(list)) continue;
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
      if (entry.reason.trim() === '') problem([...path, 'reason'], `allow ${entry.rule}: the reason must say why the change is allowed (reviewers read it in the plan)`);
      else if (!defined.has(`${scope}:${id}`)) problem([...path, ids[0]], `allow ${entry.rule}: no ${scope} ${id} in the config`);
      else allow.push({ rule: entry.rule, scope, id, reason: entry.reason, source: valuePosition(f, path) });
    });
  }
  return { allow, diagnostics };
}
