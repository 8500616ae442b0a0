// Which accounts and zones to import: ids from the command line and from a targets file.
//
// A targets file is plain text, one target a line: `account <id>` or `zone <id>`. Blank lines and `#`
// comments (whole lines or after the id) are ignored; a target listed twice is imported once.

import { ID_PATTERN } from '../config/schema.js';
import type { Diagnostic } from '../config/model.js';
import type { Scope } from '../resources/fields.js';

export interface ImportTarget {
  scope: Scope;
  id: string;
  /** The account's name, when the API listed it (import --all-accounts): the description of last resort. */
  name?: string;
  /** Found by --all-accounts only, not named by the user (a 403 on it skips it instead of failing the import). */
  discovered?: boolean;
}

const ID = new RegExp(ID_PATTERN);
const LINE = /^(\s*)(\S+)(\s+)(\S+)\s*$/;

/** Why an id cannot be imported, or undefined when it can: any case (ids are hex), used in lowercase. */
export function idProblem(id: string): string | undefined {
  if (ID.test(id.toLowerCase())) return undefined;
  return `${JSON.stringify(id)} is not a Cloudflare id (32 hex digits)`;
}

/** The targets a targets file lists, or every problem with it at file:line:col. */
export function parseTargetsFile(path: string, text: string): { targets: ImportTarget[]; diagnostics: Diagnostic[] } {
  const targets: ImportTarget[] = [];
  const diagnostics: Diagnostic[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/(^|\s)#.*$/, '');
    if (line.trim() === '') return;
    const at = (col: number, message: string) => diagnostics.push({ file: path, line: index + 1, col, message, path: '' });
    const match = LINE.exec(line);
    if (!match) return at(firstNonBlank(line), 'expected "account <id>" or "zone <id>"');
    const [, indent, kind, gap, id] = match;
    if (kind !== 'account' && kind !== 'zone') return at(indent.length + 1, `expected "account" or "zone", not ${JSON.stringify(kind)}`);
    const problem = idProblem(id);
    if (problem) return at(indent.length + kind.length + gap.length + 1, problem);
    targets.push({ scope: kind, id: id.toLowerCase() });
  });
  return { targets, diagnostics };
}

function firstNonBlank(line: string): number {
  return line.length - line.trimStart().length + 1;
}

/** Accounts first, then zones, each in the order given, without repeats (the first of a repeat is kept). */
export function orderTargets(targets: readonly ImportTarget[]): ImportTarget[] {
  const seen = new Set<string>();
  const unique = targets.filter((t) => !seen.has(`${t.scope}:${t.id}`) && seen.add(`${t.scope}:${t.id}`));
  return [...unique.filter((t) => t.scope === 'account'), ...unique.filter((t) => t.scope === 'zone')];
}
