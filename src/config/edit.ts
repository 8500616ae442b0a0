// Editing a config file's values in place, for `ztsync codify`: only the bytes of the values changed (or the lines
// of an override added) move; comments, order, quoting and blank lines stay as written. Pure: text in, text out.
// The yaml package finds the nodes and their source ranges (parseDocument); the text is spliced by hand, because
// re-stringifying a Document reformats it. What cannot be edited exactly — a value read through ${…}
// interpolation, an anchor or alias, a block scalar or block list, a flow mapping to add a key to — is left
// alone and named, never approximated.

import { isAlias, isCollection, isMap, isScalar, isSeq, LineCounter, parseDocument, Scalar, visit, type Document, type Node, type YAMLMap } from 'yaml';

/** A place in the file, 1-based, as plans and diagnostics give it. */
export interface Place {
  line: number;
  col: number;
}

/** Set the value that starts at `at` (the target's own entry wrote it) to `value`. */
export interface ValueEdit {
  at: Place;
  value: unknown;
  /** For messages: e.g. "organization.session_duration". */
  label: string;
}

/** Add `keys: value` under the mapping that starts at `entry` (a target's entry), making the groups it needs. */
export interface OverrideEdit {
  entry: Place;
  keys: string[];
  value: unknown;
  label: string;
}

export interface EditRefusal extends Place {
  label: string;
  why: string;
}

export interface EditResult {
  text: string;
  /** Labels of the edits made, with the place they were made at (in the text before editing). */
  done: (Place & { label: string; kind: 'value' | 'override' })[];
  refused: EditRefusal[];
}

/** The text with every edit it can make exactly made; the others refused with their places. */
export function editConfigText(text: string, values: readonly ValueEdit[], overrides: readonly OverrideEdit[]): EditResult {
  const done: EditResult['done'] = [];
  const refused: EditRefusal[] = [];
  // Values first, all on the same parse (their ranges do not overlap), spliced from the end.
  const parsed = parse(text);
  const splices: { start: number; end: number; text: string }[] = [];
  for (const edit of values) {
    const found = nodeAt(parsed, edit.at);
    const result = found ? renderReplacement(parsed.text, found, edit.value) : { why: 'no value starts there (the file changed since it was read)' };
    if ('why' in result) refused.push({ ...edit.at, label: edit.label, why: result.why });
    else {
      splices.push({ start: found!.node.range![0], end: found!.node.range![1], text: result.text });
      done.push({ ...edit.at, label: edit.label, kind: 'value' });
    }
  }
  let out = text;
  for (const s of splices.sort((a, b) => b.start - a.start)) out = out.slice(0, s.start) + s.text + out.slice(s.end);
  // Overrides one at a time, each on a fresh parse (two may share the groups they need), from the last entry up:
  // the lines one adds move only the entries after it.
  const bottomUp = [...overrides].sort((a, b) => b.entry.line - a.entry.line || b.entry.col - a.entry.col);
  for (const edit of bottomUp) {
    // Value edits change bytes within lines only: the entry's line and column still hold (offsets are re-read).
    const result = insertOverride(out, edit.entry, edit);
    if ('why' in result) refused.push({ ...edit.entry, label: edit.label, why: result.why });
    else {
      out = result.text;
      done.push({ ...edit.entry, label: edit.label, kind: 'override' });
    }
  }
  return { text: out, done, refused };
}

interface Parsed {
  text: string;
  doc: Document.Parsed;
  lines: LineCounter;
}

function parse(text: string): Parsed {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, keepSourceTokens: true });
  return { text, doc, lines };
}

function offsetOf(p: Parsed, at: Place): number {
  const start = p.lines.lineStarts[at.line - 1];
  return start === undefined ? -1 : start + at.col - 1;
}

/** The node that starts at `at`, and whether it, or a collection around it, carries an anchor or sits in a flow collection. */
function nodeAt(p: Parsed, at: Place): { node: Node; anchored: boolean; inFlow: boolean } | undefined {
  const offset = offsetOf(p, at);
  let found: { node: Node; anchored: boolean; inFlow: boolean } | undefined;
  visit(p.doc, (_key, node, path) => {
    if (found || !(isScalar(node) || isCollection(node) || isAlias(node)) || node.range?.[0] !== offset) return;
    // A pair's key starts where its value does only for an empty key: take values, not keys.
    const parent = path[path.length - 1];
    if (parent && 'key' in (parent as object) && (parent as { key: unknown }).key === node) return;
    const ancestors = path.filter((n): n is Node => isCollection(n as Node));
    found = {
      node: node as Node,
      anchored: Boolean((node as { anchor?: string }).anchor) || ancestors.some((a) => Boolean((a as { anchor?: string }).anchor)),
      inFlow: ancestors.some((a) => Boolean((a as { flow?: boolean }).flow)),
    };
    return visit.BREAK;
  });
  return found;
}

function renderReplacement(text: string, found: { node: Node; anchored: boolean; inFlow: boolean }, value: unknown): { text: string } | { why: string } {
  const { node } = found;
  if (isAlias(node)) return { why: 'the value is an alias (*name): edit the anchor it names by hand, if every use should change' };
  if (found.anchored) return { why: 'the value sits under an anchor (&name) other places may share: edit it by hand' };
  const source = text.slice(node.range![0], node.range![1]);
  if (source.includes('${')) return { why: 'the value is read through ${…} interpolation: change the variable, or write the value by hand' };
  if (isScalar(node)) {
    if (node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED) return { why: 'the value is a block scalar (| or >): edit it by hand' };
    if (Array.isArray(value) || (value !== null && typeof value === 'object')) return { why: 'the live value is a list or mapping where the config has a single value: edit it by hand' };
    return { text: scalarText(value, node.type, found.inFlow) };
  }
  if (isSeq(node)) {
    if (!node.flow) return { why: 'the value is a block list (one "- item" per line): write the live list by hand' };
    if (!Array.isArray(value)) return { why: 'the live value is not a list where the config has one: edit it by hand' };
    if (value.some((v) => v !== null && typeof v === 'object')) return { why: 'the live list holds mappings: edit it by hand' };
    return { text: `[${value.map((v) => scalarText(v, Scalar.PLAIN, true)).join(', ')}]` };
  }
  return { why: 'the value is a mapping: edit it by hand' };
}

/** A scalar in the quoting style it had (plain where plain reads back as the same value, else double-quoted). */
export function scalarText(value: unknown, style: Scalar.Type | undefined, inFlow: boolean): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value !== 'string') return String(value);
  if (style === Scalar.QUOTE_DOUBLE) return JSON.stringify(value);
  if (style === Scalar.QUOTE_SINGLE) return `'${value.replace(/'/g, "''")}'`;
  return plainReadsBack(value, inFlow) ? value : JSON.stringify(value);
}

/** Whether `value` written plain is read back as that same string (not a number, a boolean, or cut by a comment). */
function plainReadsBack(value: string, inFlow: boolean): boolean {
  if (value === '' || value !== value.trim() || /[\n\r\t#]|: |^[-?:,[\]{}&*!|>'"%@`]/.test(value)) return false;
  if (inFlow && /[,[\]{}]/.test(value)) return false;
  const read = parseDocument(`k: ${value}`).toJS() as { k?: unknown };
  return read?.k === value;
}

function insertOverride(text: string, entry: Place, edit: OverrideEdit): { text: string } | { why: string } {
  const p = parse(text);
  const found = nodeAt(p, entry);
  if (!found || !isMap(found.node)) return { why: 'the target\'s entry is not a mapping there (the file changed since it was read)' };
  if (found.anchored) return { why: 'the target\'s entry sits under an anchor (&name) other places may share: add the override by hand' };
  let map = found.node as YAMLMap;
  for (const [i, key] of edit.keys.entries()) {
    if (map.flow) return { why: `${edit.keys.slice(0, i).join('.') || 'the entry'} is a flow mapping ({ … }): add ${edit.keys.slice(i).join('.')} to it by hand` };
    const pair = map.items.find((it) => isScalar(it.key) && it.key.value === key);
    if (!pair) return { text: insertLines(text, p, map, edit.keys.slice(i), edit.value) };
    if (isAlias(pair.value) || (pair.value as { anchor?: string } | null)?.anchor) return { why: `${edit.keys.slice(0, i + 1).join('.')} is an anchor or alias: add the override by hand` };
    if (i === edit.keys.length - 1) return { why: `${edit.keys.join('.')} is already written in the entry` };
    if (!isMap(pair.value)) return { why: `${edit.keys.slice(0, i + 1).join('.')} is not a mapping to add ${edit.keys.slice(i + 1).join('.')} to: edit it by hand` };
    map = pair.value;
  }
  return { why: 'nothing to add' };
}

/** `keys: value` (nested one level per key) as new lines after the last line of the block mapping `map`. */
function insertLines(text: string, p: Parsed, map: YAMLMap, keys: string[], value: unknown): string {
  const first = map.items[0]?.key as Node | undefined;
  const indent = first?.range ? p.lines.linePos(first.range[0]).col - 1 : 0;
  const last = map.items[map.items.length - 1];
  const end = ((last.value as Node | null)?.range ?? (last.key as Node).range!)[1];
  // After the line the last value ends on (its comment included); a range that ends at a line start is there already.
  const newline = text.lastIndexOf('\n', end - 1) === end - 1 ? end : text.indexOf('\n', end);
  const at = newline < 0 ? text.length : newline === end && text[end - 1] === '\n' ? end : newline + 1;
  const lines = keys.map((key, i) => `${' '.repeat(indent + 2 * i)}${key}:${i === keys.length - 1 ? ` ${scalarOrFlow(value)}` : ''}`);
  const before = text.slice(0, at);
  return `${before}${before.endsWith('\n') || before === '' ? '' : '\n'}${lines.join('\n')}\n${text.slice(at)}`;
}

function scalarOrFlow(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => scalarText(v, Scalar.PLAIN, true)).join(', ')}]`;
  return scalarText(value, Scalar.PLAIN, false);
}
