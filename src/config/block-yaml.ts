// A fast reader for the plain block style that config files are nearly always written in: mappings and
// sequences by indentation, one-line scalars (plain, '…' or "…"), comments. For such a file it gives exactly what
// the `yaml` package gives (the same data, the same line:col for every key and value), at ~15 × the speed; for
// anything else (flow collections, anchors, tags, block scalars, multi-line scalars, empty values, tabs, any
// error) it declines, and the file is read by `yaml` itself. So `yaml` stays the one judge of what a file means
// and of every message about it: this reader only ever answers for files yaml reads without a complaint.
// test/config/block-yaml.test.ts holds it to yaml, case by case and over thousands of mutated documents.

import type { ScalarTag } from 'yaml';
import { isScalar, Schema } from './yaml.js';

/**
 * Where the entries of every mapping and sequence were written, by the object or array it was read as. Each
 * position is line × LINE + col (both from 1). A sequence has its items' positions in order; a mapping has two per
 * entry, in the order of its keys: the key's, then the value's. A value's position is that of its first character,
 * of a mapping's first key, of a sequence's first dash or `[`.
 */
export type BlockPositions = Map<object, number[]>;

export const LINE = 2 ** 20;

/** How far the reader nests before leaving a document to yaml (whose message for it is load.ts's). */
const MAX_DEPTH = 64;

/** Thrown (and caught in readBlockYaml) when the text is outside the subset. */
const DECLINE = Symbol('decline');

/** Characters yaml refuses or reads specially (tabs, CR, C0/C1 controls, BOM, Unicode line separators). */
const OUTSIDE_SUBSET_CHARS = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff]/;
/** A plain scalar may not start with an indicator; `-`, `?` and `:` could start one, but not in this subset. */
const INDICATORS = new Set([...'-?:,[]{}#&*!|>\'"%@`']);
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const AFTER_QUOTED = /^(?: +#.*| *)$/;
const JSON_ESCAPES = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/g;

/** The first characters of null (~, null), booleans and numbers (digits, + - .): any other text is a string. */
const MAY_BE_TAGGED = new Set([...'~nNtTfF+-.0123456789'].map((c) => c.charCodeAt(0)));

/** yaml's core schema: the tags a plain scalar is resolved by, in yaml's order. */
const PLAIN_TAGS = new Schema({}).tags.filter((tag): tag is ScalarTag => tag.default === true && tag.test !== undefined);

/**
 * The document's data and positions, or undefined when the text is not in the subset (yaml must read it). The
 * document must be one mapping, or empty.
 */
export function readBlockYaml(text: string): { data: Record<string, unknown>; positions: BlockPositions } | undefined {
  if (OUTSIDE_SUBSET_CHARS.test(text) || LONE_SURROGATE.test(text)) return undefined;
  try {
    return new BlockReader(text).document();
  } catch {
    // DECLINE, or anything this reader did not foresee: either way yaml reads the file, and is right about it.
    return undefined;
  }
}

function decline(): never {
  throw DECLINE;
}

class BlockReader {
  private readonly lines: string[];
  /** The current line, and the column its content starts at (past a sequence item's `- ` when inside one). */
  private index = 0;
  private start = 0;
  private readonly positions: BlockPositions = new Map();
  /** Keys already found plain (a fleet's files repeat a handful of keys thousands of times). */
  private readonly plainKeys = new Set<string>();

  constructor(text: string) {
    this.lines = text.split('\n');
    if (this.lines.some((line) => line.length >= LINE)) decline();
  }

  document(): { data: Record<string, unknown>; positions: BlockPositions } {
    // Nothing but comments (an empty config, as import writes for a target with nothing set): yaml's null, read as {}.
    const empty = { data: {}, positions: this.positions };
    if (!this.nextContent(true)) return empty;
    if (this.lines[this.index] === '---') {
      this.index++;
      if (!this.nextContent()) return empty;
    }
    const data = this.mapping(this.start, 0);
    if (this.nextContent()) decline(); // content left over: a dedent yaml would refuse, or a second document
    return { data, positions: this.positions };
  }

  /** Moves to the next line with content (skipping blank and comment lines); false at the end of the text. */
  private nextContent(documentStart = false): boolean {
    for (; this.index < this.lines.length; this.index++) {
      const line = this.lines[this.index];
      let col = 0;
      while (line.charCodeAt(col) === 32) col++;
      if (col === line.length || line.charCodeAt(col) === 35 /* # */) continue;
      if (documentStart && line === '---') return true;
      if (col === 0 && (line.startsWith('...') || line.startsWith('---') || line.startsWith('%'))) decline();
      this.start = col;
      return true;
    }
    return false;
  }

  private at(col: number): number {
    return (this.index + 1) * LINE + col + 1;
  }

  /**
   * The line of the next entry of a block whose entries stand at `indent` (the current line for its first), or
   * undefined where the block ends: at the end of the text or a line indented less.
   */
  private entryLine(indent: number, first: boolean): string | undefined {
    if (!first && (!this.nextContent() || this.start < indent)) return undefined;
    if (this.start !== indent) decline();
    return this.lines[this.index];
  }

  /** The positions of a new mapping or sequence's entries, to be filled in as they are read. */
  private track(collection: object, depth: number): number[] {
    if (depth >= MAX_DEPTH) decline(); // load.ts refuses a collection at depth 64
    const positions: number[] = [];
    this.positions.set(collection, positions);
    return positions;
  }

  /** A block mapping whose keys stand at `indent`, starting on the current line. */
  private mapping(indent: number, depth: number): Record<string, unknown> {
    const data: Record<string, unknown> = {};
    const positions = this.track(data, depth);
    for (let line = this.entryLine(indent, true); line !== undefined; line = this.entryLine(indent, false)) {
      const colon = line.indexOf(':', indent);
      if (colon < 0) decline();
      const key = line.slice(indent, colon);
      if (!this.isPlainKey(key) || Object.hasOwn(data, key)) decline(); // plain keys are never integer-like: key order is insertion order
      positions.push(this.at(indent));
      const after = colon + 1;
      if (after < line.length && line.charCodeAt(after) !== 32) decline();
      const valueStart = skipSpaces(line, after);
      if (valueStart === line.length || line.charCodeAt(valueStart) === 35 /* # */) {
        this.index++;
        if (!this.nextContent()) decline(); // an empty value: yaml's null, which validation explains
        positions.push(this.at(this.start));
        data[key] = this.nestedBlock(indent, depth);
      } else {
        positions.push(this.at(valueStart));
        data[key] = this.scalar(line, valueStart);
        this.index++;
      }
    }
    return data;
  }

  /** The value of a key with nothing after its colon: a mapping or sequence starting on the current line. */
  private nestedBlock(keyIndent: number, depth: number): unknown {
    const line = this.lines[this.index];
    const isItem = line.charCodeAt(this.start) === 45 && (line.length === this.start + 1 || line.charCodeAt(this.start + 1) === 32);
    if (isItem && this.start >= keyIndent) return this.sequence(this.start, depth + 1, this.start === keyIndent);
    if (this.start > keyIndent) return this.mapping(this.start, depth + 1);
    return decline(); // an empty value followed by the next key
  }

  /** A block sequence whose dashes stand at `indent`, starting on the current line. */
  private sequence(indent: number, depth: number, sameIndentAsKey: boolean): unknown[] {
    const items: unknown[] = [];
    const positions = this.track(items, depth);
    for (let line = this.entryLine(indent, true); line !== undefined; line = this.entryLine(indent, false)) {
      if (line.charCodeAt(indent) !== 45 /* - */) {
        if (sameIndentAsKey) break; // the next key of the mapping this sequence is a value of
        decline();
      }
      if (line.charCodeAt(indent + 1) !== 32) decline(); // `-` alone (item on the next lines) or `-x`
      const itemStart = skipSpaces(line, indent + 1);
      if (itemStart === line.length || line.charCodeAt(itemStart) === 35) decline();
      positions.push(this.at(itemStart));
      if (this.startsWithKey(line, itemStart)) {
        this.start = itemStart;
        items.push(this.mapping(itemStart, depth + 1));
      } else {
        items.push(this.scalar(line, itemStart));
        this.index++;
      }
    }
    return items;
  }

  /** A key yaml reads as a string, written plainly; yaml reads at most 1024 characters as an implicit key. */
  private isPlainKey(key: string): boolean {
    if (this.plainKeys.has(key)) return true;
    const plain = key.length <= 1024 && PLAIN_KEY.test(key) && key !== '__proto__' && !PLAIN_TAGS.some((tag) => tag.test!.test(key));
    if (plain) this.plainKeys.add(key);
    return plain;
  }

  /** Whether a sequence item starts with `key:` (a mapping), as opposed to a scalar. */
  private startsWithKey(line: string, start: number): boolean {
    const colon = line.indexOf(':', start);
    return colon > start && (colon + 1 === line.length || line.charCodeAt(colon + 1) === 32) && this.isPlainKey(line.slice(start, colon));
  }

  /** A scalar, or a flow sequence of scalars, that fills the rest of the line (a comment may follow). */
  private scalar(line: string, start: number): unknown {
    const c = line[start];
    if (c === '[') return this.flowSequence(line, start);
    if (c === '"' || c === "'") {
      const end = closingQuote(line, start);
      if (end < 0 || !AFTER_QUOTED.test(line.slice(end + 1))) decline();
      return c === '"' ? doubleQuoted(line.slice(start, end + 1)) : line.slice(start + 1, end).replaceAll("''", "'");
    }
    if (INDICATORS.has(c)) decline();
    const comment = line.indexOf(' #', start);
    const text = line.slice(start, endOfSpaces(line, start, comment < 0 ? line.length : comment));
    if (text.includes(': ') || text.endsWith(':')) decline();
    return plainValue(text);
  }

  /** `[a, "b", c]` on one line: scalars only, no empty or trailing items. */
  private flowSequence(line: string, start: number): unknown[] {
    const items: unknown[] = [];
    const positions = this.track(items, 0);
    let i = skipSpaces(line, start + 1);
    while (line[i] !== ']') {
      positions.push(this.at(i));
      if (line[i] === '"' || line[i] === "'") {
        const end = closingQuote(line, i);
        if (end < 0) decline();
        items.push(line[i] === '"' ? doubleQuoted(line.slice(i, end + 1)) : line.slice(i + 1, end).replaceAll("''", "'"));
        i = skipSpaces(line, end + 1);
      } else {
        let end = i;
        while (end < line.length && line[end] !== ',' && line[end] !== ']') end++;
        const text = line.slice(i, endOfSpaces(line, i, end));
        if (text === '' || INDICATORS.has(text[0]) || /[[\]{}#:]/.test(text)) decline();
        items.push(plainValue(text));
        i = end;
      }
      if (line[i] === ',') {
        i = skipSpaces(line, i + 1);
        if (line[i] === ']') decline(); // a trailing comma
      } else if (line[i] !== ']') {
        decline();
      }
    }
    if (!AFTER_QUOTED.test(line.slice(i + 1))) decline();
    return items;
  }
}

/** Where the text between start and end ends without its trailing spaces (only spaces: trimEnd would take U+00A0 too). */
function endOfSpaces(line: string, start: number, end: number): number {
  let i = end;
  while (i > start && line.charCodeAt(i - 1) === 32) i--;
  return i;
}

function skipSpaces(line: string, from: number): number {
  let i = from;
  while (line.charCodeAt(i) === 32) i++;
  return i;
}

/** The index of the quote that closes the one at `start` on this line, or -1 (a quoted scalar over several lines). */
function closingQuote(line: string, start: number): number {
  const quote = line[start];
  for (let i = start + 1; i < line.length; i++) {
    if (quote === '"' && line[i] === '\\') i++;
    else if (line[i] === quote) {
      if (quote === "'" && line[i + 1] === "'") i++;
      else return i;
    }
  }
  return -1;
}

/** A double-quoted scalar whose escapes are all ones JSON shares with YAML (with the same meaning). */
function doubleQuoted(quoted: string): string {
  if (!quoted.includes('\\')) return quoted.slice(1, -1);
  if (quoted.replace(JSON_ESCAPES, '').includes('\\')) decline();
  return JSON.parse(quoted) as string;
}

/** A plain scalar resolved as yaml's core schema does (null, booleans, numbers; otherwise the text). */
function plainValue(text: string): unknown {
  if (!MAY_BE_TAGGED.has(text.charCodeAt(0))) return text;
  const tag = PLAIN_TAGS.find((t) => t.test!.test(text));
  if (!tag) return text;
  let failed = false;
  const resolved: unknown = tag.resolve(text, () => (failed = true), { intAsBigInt: false } as never);
  if (failed) decline();
  return isScalar(resolved) ? resolved.value : resolved;
}
