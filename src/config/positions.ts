// From a path in the loaded data (as ajv and the merge see it) back to where it was written in the YAML file.

import type { Document, LineCounter, Node, Pair } from 'yaml';
import { LINE, type BlockPositions } from './block-yaml.js';
import { isAlias, isCollection, isMap, isNode, isPair, isScalar, isSeq } from './yaml.js';
import type { Diagnostic, SourcePosition } from './model.js';

export type PathSegment = string | number;

/** Where the keys and values of one file were written. A locator keeps no path it is given: callers may reuse arrays. */
export interface Locator {
  /** Where the value at `path` was written; an empty value (`key:`) points at its key. */
  value(path: readonly PathSegment[]): SourcePosition;
  /** Where the key of the entry at `path` was written (for unknown keys); falls back to the value. */
  key(path: readonly PathSegment[]): SourcePosition;
}

/** A config file's data and where each value was written: all that the checks of a sound file need. */
export interface ConfigFile {
  file: string;
  data: unknown;
  where: Locator;
}

/** A config file with its YAML document and text: what explaining a problem in it needs. */
export interface YamlFile extends ConfigFile {
  text: string;
  doc: Document.Parsed;
  lines: LineCounter;
  /** The positions (file:line:col) of the values tagged !unchecked. */
  unchecked?: string[];
}

export function positionAt(file: string, lines: LineCounter, offset: number): SourcePosition {
  const { line, col } = lines.linePos(offset);
  return { file, line, col };
}

/** A diagnostic about a whole file, or a path given on the command line: no line to point at. */
export function fileDiagnostic(file: string, message: string): Diagnostic {
  return { file, line: 0, col: 0, message, path: '' };
}

interface Located {
  /** The node holding the value at the deepest segment found. */
  value: Node | null;
  /** The key node of that value, when it sits in a mapping. */
  key: Node | null;
}

/** Walk the document along the path; stops at the deepest node that exists (aliases are followed to their anchor). */
function locate(f: Omit<YamlFile, 'where'>, path: readonly PathSegment[]): Located {
  let here: Located = { value: f.doc.contents, key: null };
  for (const segment of path) {
    const node = resolve(f, here.value);
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) break;
      here = { value: (pair.value as Node | null) ?? null, key: pair.key as Node };
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)] as Node | undefined;
      if (!item) break;
      here = { value: item, key: null };
    } else {
      break;
    }
  }
  return here;
}

function resolve(f: Omit<YamlFile, 'where'>, node: Node | null): Node | null {
  return isAlias(node) ? ((node.resolve(f.doc) as Node | undefined) ?? node) : node;
}

/** Positions found in the YAML document, for files the document was parsed for. */
export function documentLocator(f: Omit<YamlFile, 'where'>): Locator {
  return {
    value(path) {
      const { value, key } = locate(f, path);
      const isEmpty = !value || (isScalar(value) && value.value === null && value.source === '');
      if (!isEmpty) return positionAt(f.file, f.lines, value.range?.[0] ?? 0);
      if (key) return positionAt(f.file, f.lines, key.range?.[0] ?? 0);
      // An empty list item (a `-` and nothing after it): at its dash.
      const after = value?.range?.[0];
      const dash = after === undefined ? -1 : f.text.lastIndexOf('-', after - 1);
      return positionAt(f.file, f.lines, dash >= 0 ? dash : (after ?? 0));
    },
    key(path) {
      const { value, key } = locate(f, path);
      return positionAt(f.file, f.lines, (key ?? value)?.range?.[0] ?? 0);
    },
  };
}

/**
 * Positions the block reader recorded, found by walking `root` (the data as read) along the path; a path it has
 * none for points at its deepest ancestor that has one.
 */
export function blockLocator(file: string, root: object, positions: BlockPositions): Locator {
  // Paths are asked for in document order, mostly siblings of the last: the walk resumes where the last one left
  // the shared prefix rather than starting from the root every time. Per depth walked: the segment, the node
  // below it, and the position of its key (NO_KEY for a list item) and of its value.
  const segments: PathSegment[] = [];
  const nodes: unknown[] = [root];
  const keys: number[] = [];
  const values: number[] = [];
  const find = (path: readonly PathSegment[], wantKey: boolean): SourcePosition => {
    let depth = 0;
    while (depth < path.length && depth < segments.length && path[depth] === segments[depth]) depth++;
    segments.length = keys.length = values.length = depth;
    nodes.length = depth + 1;
    for (; depth < path.length; depth++) {
      const node = nodes[depth];
      const entries = typeof node === 'object' && node !== null ? positions.get(node) : undefined;
      if (!entries) break;
      const segment = path[depth];
      if (Array.isArray(node)) {
        const index = Number(segment);
        if (!(index < entries.length)) break;
        keys.push(NO_KEY);
        values.push(entries[index]);
      } else {
        const index = entryIndex(node as Record<string, unknown>, String(segment));
        if (index < 0) break;
        keys.push(entries[2 * index]);
        values.push(entries[2 * index + 1]);
      }
      segments.push(segment);
      nodes.push((node as Record<string, unknown>)[segment]);
    }
    const deepest = values.length - 1;
    const at = deepest < 0 ? 1 * LINE + 1 : wantKey && keys[deepest] !== NO_KEY ? keys[deepest] : values[deepest];
    return { file, line: Math.floor(at / LINE), col: at % LINE };
  };
  return { value: (path) => find(path, false), key: (path) => find(path, true) };
}

const NO_KEY = -1;

/** The index of `key` among the keys of `object`, in their order, or -1. */
function entryIndex(object: Record<string, unknown>, key: string): number {
  let index = 0;
  for (const k in object) {
    if (k === key) return index;
    index++;
  }
  return -1;
}

export function valuePosition(f: ConfigFile, path: readonly PathSegment[]): SourcePosition {
  return f.where.value(path);
}

export function keyPosition(f: ConfigFile, path: readonly PathSegment[]): SourcePosition {
  return f.where.key(path);
}

/** The source text of the value at `path`, e.g. the digits of an id YAML read as a number. */
export function sourceText(f: YamlFile, path: readonly PathSegment[]): string | undefined {
  const { value } = locate(f, path);
  return value?.range ? f.text.slice(value.range[0], value.range[1]) : undefined;
}

/**
 * The comment that stands where the value of `path` should be (`background_color: #c5ed1b`, where YAML reads
 * `#` as the start of a comment and the key as having no value), or undefined.
 */
export function commentInPlaceOfValue(f: YamlFile, path: readonly PathSegment[]): string | undefined {
  const { value, key } = locate(f, path);
  const isEmpty = !value || (isScalar(value) && value.value === null && value.source === '');
  if (!isEmpty || !key?.range) return undefined;
  const end = f.text.indexOf('\n', key.range[1]);
  return commentAfterColon(f.text.slice(key.range[1], end < 0 ? undefined : end));
}

/**
 * `#…` in `rest` when it is a colon, spaces and a comment (trailing spaces dropped), or undefined. A scan: the
 * regex it replaces, /^\s*:\s+(#.*?)\s*$/, is quadratic in the length of a line of spaces.
 */
export function commentAfterColon(rest: string): string | undefined {
  const afterColon = rest.trimStart();
  if (!afterColon.startsWith(':')) return undefined;
  const comment = afterColon.slice(1).trimStart();
  if (comment.length === afterColon.length - 1 || !comment.startsWith('#')) return undefined;
  return comment.trimEnd();
}

export interface YamlWalker {
  /** Each scalar, mapping, sequence and alias. */
  node?(node: Node): void;
  /** Each pair, with the data path of its value: its key last (null for a key that is not a string). */
  pair?(pair: Pair, path: readonly (PathSegment | null)[]): void;
}

/**
 * Every node in document order, a pair's key before its value; aliases are not followed. yaml's own visit() copies
 * and freezes the ancestry at every node, which cost ~10 % of validating a large config. Recursion is safe: load.ts
 * refuses documents nested deeper than MAX_DEPTH before anything walks them.
 */
export function walkYaml(root: unknown, walker: YamlWalker): void {
  const path: (PathSegment | null)[] = [];
  const walk = (node: unknown): void => {
    if (!isNode(node)) return;
    walker.node?.(node);
    if (!isCollection(node)) return;
    const inSeq = isSeq(node);
    node.items.forEach((item, index) => {
      if (inSeq) path.push(index);
      if (isPair(item)) {
        path.push(isScalar(item.key) && typeof item.key.value === 'string' ? item.key.value : null);
        walker.pair?.(item, path);
        walk(item.key);
        walk(item.value);
        path.pop();
      } else {
        walk(item);
      }
      if (inSeq) path.pop();
    });
  };
  walk(root);
}

/** `accounts[0].organization.session_duration`: how diagnostics name a place in the document. */
export function describePath(path: readonly PathSegment[]): string {
  return path.map((s, i) => (typeof s === 'number' || /^\d+$/.test(s) ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

/** A JSON pointer (ajv's instancePath) as path segments; array indexes become numbers. */
export function pointerToPath(pointer: string): PathSegment[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}
