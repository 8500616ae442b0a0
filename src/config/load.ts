// Finding config files and parsing them as YAML, keeping every node's position. Hostile input is bounded:
// alias expansion is capped and only string keys are accepted.

import { constants, type Stats } from 'node:fs';
import { open, readdir, realpath, stat, type FileHandle } from 'node:fs/promises';
import { dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Node, YAMLError } from 'yaml';
import { decodeUtf8 } from '../util/utf8.js';
import { yamlSyntaxMessage } from '../util/yaml-messages.js';
import { ODD_SPACE_IN_STRUCTURE, oddSpaceName } from './odd-spaces.js';
import { isAlias, isCollection, isPair, isScalar, LineCounter, parseDocument, visit } from './yaml.js';
import { formatPosition, type Diagnostic } from './model.js';
import { documentLocator, fileDiagnostic, positionAt, walkYaml, type YamlFile } from './positions.js';

const YAML_EXTENSIONS = new Set(['.yaml', '.yml']);

/** More alias expansions than this in one file is refused (a "billion laughs" document). */
export const MAX_ALIAS_COUNT = 100;
const TOO_MANY_ALIASES = `aliases expand to too much data (more than ${MAX_ALIAS_COUNT} alias expansions); write the values out`;

/** A config is a handful of levels deep; far deeper documents are refused before anything recurses into them. */
export const MAX_DEPTH = 64;
const TOO_DEEP = 'nested too deeply to read';

/** Directories a config repository holds that are never config: CI workflows, .git, installed packages. */
function isSkippedDirectory(name: string): boolean {
  return name.startsWith('.') || name === 'node_modules';
}

function isYamlName(name: string): boolean {
  return YAML_EXTENSIONS.has(extname(name).toLowerCase());
}

/**
 * The YAML files named by the given paths: files as given, directories searched recursively for *.yaml and *.yml.
 * Sorted and without duplicates, so that the order of targets does not depend on how the paths were written.
 *
 * A pull request controls what the config folder holds, symlinks included: a file (or a folder) found through a
 * symlink must lie, once resolved, inside the path it was found under (a file given by name: inside its folder).
 * A link to /proc/self/environ or to a file elsewhere on the runner is refused, not read.
 */
export async function findConfigFiles(paths: readonly string[]): Promise<{ files: string[]; diagnostics: Diagnostic[] }> {
  const found = new Map<string, string>(); // absolute path → path as shown
  const diagnostics: Diagnostic[] = [];
  for (const path of paths) {
    let info;
    try {
      info = await stat(path);
    } catch (err) {
      diagnostics.push(fileDiagnostic(path, describeFsError(err)));
      continue;
    }
    if (info.isDirectory()) {
      const before = found.size;
      const root = await realpath(path);
      await collectYaml(path, root, found, new Set(), diagnostics);
      if (found.size === before && diagnostics.every((d) => !d.file.startsWith(path))) diagnostics.push(fileDiagnostic(path, 'no .yaml or .yml files in this directory'));
    } else if (!isYamlName(path)) {
      diagnostics.push(fileDiagnostic(path, 'not a YAML file: config files end in .yaml or .yml'));
    } else {
      const outside = await leadsOutside(path, await realpath(dirname(path)));
      if (outside) diagnostics.push(fileDiagnostic(path, outside));
      else found.set(resolve(path), path);
    }
  }
  const files = [...found.values()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { files, diagnostics };
}

async function collectYaml(dir: string, root: string, found: Map<string, string>, seen: Set<string>, diagnostics: Diagnostic[]): Promise<void> {
  const real = await realpath(dir);
  if (seen.has(real)) return; // a symlink loop
  seen.add(real);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const isLink = entry.isSymbolicLink();
    const isDir = entry.isDirectory() || (isLink && (await stat(path).catch(() => null))?.isDirectory());
    const wanted = isDir ? !isSkippedDirectory(entry.name) : isYamlName(entry.name);
    if (!wanted) continue;
    const outside = isLink ? await leadsOutside(path, root) : undefined;
    if (outside) diagnostics.push(fileDiagnostic(path, outside));
    else if (isDir) await collectYaml(path, root, found, seen, diagnostics);
    else found.set(resolve(path), path);
  }
}

/** Why a symlink at `path` is refused (it leads outside `root`, or nowhere), or undefined when it stays inside. */
async function leadsOutside(path: string, root: string): Promise<string | undefined> {
  let target: string;
  try {
    target = await realpath(path);
  } catch {
    return 'a symlink that leads nowhere (its target does not exist)';
  }
  const inside = relative(root, target);
  if (inside === '' || (!inside.startsWith(`..${sep}`) && inside !== '..' && !isAbsolute(inside))) return undefined;
  return `a symlink that leads outside ${root} (to ${target}): config is read only from the paths given`;
}

function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'ELOOP') return 'a symlink loop';
  return err instanceof Error ? err.message : String(err);
}

/** The largest config file read, and the most read in all by one run: a config is text, not a disk image. */
export const MAX_FILE_BYTES = 16 * 1024 * 1024;
export const MAX_TOTAL_BYTES = 256 * 1024 * 1024;
/** Longer lines are refused before parsing: no config needs one, and every later step stays linear in them. */
export const MAX_LINE_LENGTH = 65_536;

/** Bytes read so far by one run, against MAX_TOTAL_BYTES. */
export interface ReadBudget {
  bytes: number;
}

/**
 * One file's text, or why it cannot be read (it is missing, unreadable, not a regular file, too large, or not
 * UTF-8). Opened without blocking, then checked to be a regular file: a FIFO would block the read forever and
 * /dev/zero never ends. At most MAX_FILE_BYTES + 1 bytes are read, whatever the file claims its size is.
 */
export async function readConfigText(path: string, budget: ReadBudget = { bytes: 0 }): Promise<{ text: string } | { diagnostics: Diagnostic[] }> {
  let bytes: Buffer;
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const info = await handle.stat();
    if (!info.isFile()) return { diagnostics: [fileDiagnostic(path, `not a regular file (${fileKind(info)}): config is read only from regular files`)] };
    const cap = Math.min(MAX_FILE_BYTES, MAX_TOTAL_BYTES - budget.bytes) + 1;
    const buffer = Buffer.alloc(Math.min(cap, Math.max(info.size, 0) + 1, MAX_FILE_BYTES + 1));
    let length = 0;
    for (;;) {
      if (length === buffer.length) break;
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    // A file that grew after its stat (or claims size 0, as /proc files do): read on, up to the cap.
    bytes = buffer.subarray(0, length);
    if (length === buffer.length && length < cap) bytes = await readRest(handle, bytes, cap);
  } catch (err) {
    return { diagnostics: [fileDiagnostic(path, describeFsError(err))] };
  } finally {
    await handle?.close();
  }
  if (bytes.length > MAX_FILE_BYTES) return { diagnostics: [fileDiagnostic(path, `too large: a config file holds at most ${MAX_FILE_BYTES / 1024 / 1024} MiB; split it into several files`)] };
  if (budget.bytes + bytes.length > MAX_TOTAL_BYTES) return { diagnostics: [fileDiagnostic(path, `too much config: the files read hold more than ${MAX_TOTAL_BYTES / 1024 / 1024} MiB in all`)] };
  budget.bytes += bytes.length;
  const decoded = decodeUtf8(bytes);
  if ('error' in decoded) return { diagnostics: [{ file: path, line: decoded.line, col: decoded.col, message: decoded.error, path: '' }] };
  return { text: decoded.text };
}

async function readRest(handle: FileHandle, start: Buffer, cap: number): Promise<Buffer> {
  const chunks = [start];
  let length = start.length;
  const chunk = Buffer.alloc(64 * 1024);
  while (length < cap) {
    const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, cap - length), length);
    if (bytesRead === 0) break;
    chunks.push(Buffer.from(chunk.subarray(0, bytesRead)));
    length += bytesRead;
  }
  return Buffer.concat(chunks);
}

function fileKind(info: Stats): string {
  if (info.isFIFO()) return 'a FIFO';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  if (info.isSocket()) return 'a socket';
  if (info.isDirectory()) return 'a directory';
  return 'not a file';
}

/** Where the first line longer than MAX_LINE_LENGTH is, found without splitting the text, or undefined. */
export function overlongLine(path: string, text: string): Diagnostic | undefined {
  let start = 0;
  for (let line = 1; start <= text.length; line++) {
    const end = text.indexOf('\n', start);
    const stop = end < 0 ? text.length : end;
    if (stop - start > MAX_LINE_LENGTH) {
      return { file: path, line, col: MAX_LINE_LENGTH + 1, message: `line ${line} is ${stop - start} characters long: lines longer than ${MAX_LINE_LENGTH} characters are refused`, path: '' };
    }
    if (end < 0) return undefined;
    start = end + 1;
  }
  return undefined;
}

export function parseYaml(path: string, text: string): { file?: YamlFile; diagnostics: Diagnostic[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, strict: true, uniqueKeys: true, customTags: [UNCHECKED_TAG] });
  const at = (offset: number, message: string): Diagnostic => ({ ...positionAt(path, lines, offset), message, path: '' });

  // yaml's warnings (unresolved tags and the like) are errors here: a config should mean exactly one thing.
  // yaml may report one problem twice at the same place: say it once.
  const said = new Set<string>();
  const syntax = [...doc.errors, ...doc.warnings]
    .map((e) => syntaxProblem(text, e))
    .map(({ offset, message }) => at(offset, message))
    .filter((d) => !said.has(`${d.line}:${d.col}:${d.message}`) && said.add(`${d.line}:${d.col}:${d.message}`));
  // Running out of stack leaves a trail of follow-up errors: the first one says it all.
  const tooDeep = syntax.find((d) => d.message === TOO_DEEP);
  if (tooDeep) return { diagnostics: [tooDeep] };
  if (syntax.length > 0) return { diagnostics: syntax };

  // Everything after this point (and ajv) walks the tree recursively: bound the depth first, without recursion.
  const deep = firstNodeDeeperThan(doc.contents, MAX_DEPTH);
  if (deep) return { diagnostics: [at(deep.range?.[0] ?? 0, `${TOO_DEEP} (more than ${MAX_DEPTH} levels)`)] };

  const structural = structuralProblems(doc, (node, message) => at(node.range?.[0] ?? 0, message));
  if (structural.length > 0) return { diagnostics: structural };

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    const firstAlias = findFirstAlias(doc);
    const message = /alias count/i.test(String((err as Error).message))
      ? TOO_MANY_ALIASES
      : (err as Error).message;
    return { diagnostics: [at(firstAlias?.range?.[0] ?? 0, message)] };
  }
  // An empty file (or one with only comments) is an empty config.
  const parsed = { file: path, text, doc, lines, data: data ?? {} };
  const where = documentLocator(parsed);
  const unchecked = uncheckedPaths(doc).map((p) => formatPosition(where.value(p)));
  return { file: { ...parsed, where, unchecked }, diagnostics: [] };
}

/**
 * `!unchecked`: a login-page value the config's author wants sent as it is (a colour, logo path or text ztsync
 * would refuse). The tag is read as a string; where it was written is kept (uncheckedPaths).
 */
export const UNCHECKED = '!unchecked';
const UNCHECKED_TAG = { tag: UNCHECKED, identify: () => false, resolve: (text: string) => text };

/** The data paths of the mapping values tagged !unchecked. */
function uncheckedPaths(doc: ReturnType<typeof parseDocument>): (string | number)[][] {
  const found: (string | number)[][] = [];
  walkYaml(doc.contents, {
    pair(pair, path) {
      if (isScalar(pair.value) && pair.value.tag === UNCHECKED && path.every((s) => s !== null)) found.push([...(path as (string | number)[])]);
    },
  });
  return found;
}

/** What a syntax error says, and where: at what to fix (an opening quote, the `#`), not where yaml noticed it. */
function syntaxProblem(text: string, error: YAMLError): { offset: number; message: string } {
  const noticed = error.pos[0];
  if (error.code === 'DUPLICATE_KEY') return { offset: noticed, message: `duplicate key ${JSON.stringify(keyText(text, error.pos))}: keys must be unique` };
  if (/call stack/i.test(error.message)) return { offset: noticed, message: TOO_DEEP };
  const space = oddSpaceInStructure(text, noticed);
  if (space) return space;
  if (/^Flow (?:map|sequence)/.test(error.message)) {
    const hash = commentCuttingFlow(text, noticed);
    if (hash >= 0) return { offset: hash, message: FLOW_CUT_BY_COMMENT };
  }
  const unclosed = /^Missing closing (["'])quote/.exec(error.message);
  if (unclosed) {
    const quote = unclosed[1];
    return { offset: openingQuote(text, noticed, quote), message: `this quoted value has no closing ${quote}: a quoted value runs on, over line ends, to its closing quote` };
  }
  return { offset: skipSpaces(text, noticed), message: yamlSyntaxMessage(error) };
}

const FLOW_CUT_BY_COMMENT = 'a { … } or [ … ] is cut short by a comment: # starts a comment in YAML, so quote values that hold it ("#c5ed1b")';

/**
 * Where, in a flow collection opened before `offset`, an unquoted " #" starts a comment after its opening bracket
 * on the same line (the last such line), or -1.
 */
function commentCuttingFlow(text: string, offset: number): number {
  let found = -1;
  let lineStart = 0;
  while (lineStart <= offset) {
    const end = text.indexOf('\n', lineStart);
    const lineEnd = end < 0 || end > offset ? offset : end;
    const cut = flowCutInLine(text, lineStart, lineEnd);
    if (cut >= 0) found = cut;
    if (end < 0 || end >= offset) break;
    lineStart = end + 1;
  }
  return found;
}

/**
 * In text[start, end): the `#` of the first " #" that follows an opening bracket with no quote or `#` between
 * them, or -1. One pass (a regex for it, /[{[][^"'#]*\s(#)/, backtracks quadratically on a line of brackets).
 */
export function flowCutInLine(text: string, start: number, end: number): number {
  let open = false; // an opening bracket since the last quote or #
  for (let i = start; i < end; i++) {
    const c = text[i];
    if (c === '{' || c === '[') open = true;
    else if (c === '"' || c === "'") open = false;
    else if (c === '#') {
      if (open && /\s/.test(text[i - 1])) return i;
      open = false;
    }
  }
  return -1;
}

/** The quote that opens the unclosed quoted value yaml gave up on at `offset` (escaped quotes inside are skipped). */
function openingQuote(text: string, offset: number, quote: string): number {
  let at = text.lastIndexOf(quote, offset - 1);
  for (;;) {
    if (at <= 0) return at < 0 ? offset : 0;
    if (quote === '"' && /(?:^|[^\\])(?:\\\\)*\\$/.test(text.slice(Math.max(0, at - 64), at))) at = text.lastIndexOf(quote, at - 1); // \"
    else if (quote === "'" && text[at - 1] === "'") at = text.lastIndexOf(quote, at - 2); // ''
    else return at;
  }
}

/** Past the spaces at `offset`, on its line: an error about indentation points at the key, not the margin. */
function skipSpaces(text: string, offset: number): number {
  let at = offset;
  while (text[at] === ' ') at++;
  return text[at] === '\n' || at >= text.length ? offset : at;
}

/**
 * A space YAML does not read as one (pasted from a web page or a chat), where it breaks the structure of the line
 * yaml stopped at: in the indentation, or right after a key's colon or a list's dash. Such a line reads as
 * something else entirely, and yaml's message would not say why.
 */
function oddSpaceInStructure(text: string, offset: number): { offset: number; message: string } | undefined {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const lineEnd = text.indexOf('\n', offset);
  const line = text.slice(lineStart, lineEnd < 0 ? undefined : lineEnd);
  const at = ODD_SPACE_IN_STRUCTURE.exec(line);
  if (!at) return undefined;
  const index = at.index + at[0].length - 1;
  return { offset: lineStart + index, message: `${oddSpaceName(line[index])} here, which YAML does not read as a space: retype it as an ordinary space` };
}

/** The key a duplicate-key error points at: the text from there up to the colon, without quotes. */
function keyText(text: string, [start]: readonly number[]): string {
  const raw = /^(?:"[^"\n]*"|'[^'\n]*'|[^:\n]*)/.exec(text.slice(start))?.[0].trim() ?? '';
  return raw.replace(/^(["'])(.*)\1$/, '$2');
}

/**
 * Keys that are not strings (numbers, booleans, null, collections), aliases to anchors that do not exist, and
 * more aliases than are ever expanded. One walk in document order: asking yaml to resolve each alias would walk
 * the whole document again for every alias (quadratic: seconds for a few hundred aliases).
 */
function structuralProblems(doc: ReturnType<typeof parseDocument>, at: (node: Node, message: string) => Diagnostic): Diagnostic[] {
  const problems: Diagnostic[] = [];
  const anchorsSoFar = new Set<string>();
  let aliases = 0;
  walkYaml(doc.contents, {
    node(node) {
      if (isAlias(node)) {
        if (!anchorsSoFar.has(node.source)) problems.push(at(node, `unknown alias *${node.source}: no anchor &${node.source} before it`));
        else if (++aliases === MAX_ALIAS_COUNT + 1) problems.push(at(node, TOO_MANY_ALIASES));
      } else if (node.anchor) {
        anchorsSoFar.add(node.anchor);
      }
    },
    pair(pair) {
      const key = pair.key as Node | null;
      if (isScalar(key) && typeof key.value === 'string') return;
      if (!key || (isScalar(key) && key.value === null)) {
        const valueNode = pair.value as Node | null;
        problems.push(at(key?.range ? key : (valueNode ?? doc.contents!), 'a key is missing (empty key)'));
      } else if (isScalar(key)) {
        const shown = String(key.source ?? key.value);
        problems.push(at(key, `keys must be strings, and YAML reads ${shown} as a ${typeof key.value}`));
      } else if (isCollection(key) || isAlias(key)) {
        problems.push(at(key, 'keys must be plain strings, not lists, mappings or aliases'));
      }
    },
  });
  return problems;
}

/** The first node nested deeper than `limit`, found with an explicit stack (aliases are not followed). */
function firstNodeDeeperThan(root: unknown, limit: number): Node | undefined {
  const stack: { node: unknown; depth: number }[] = [{ node: root, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (!isCollection(node)) continue;
    if (depth >= limit) return node;
    for (const item of node.items) {
      if (isPair(item)) stack.push({ node: item.key, depth: depth + 1 }, { node: item.value, depth: depth + 1 });
      else stack.push({ node: item, depth: depth + 1 });
    }
  }
  return undefined;
}

function findFirstAlias(doc: ReturnType<typeof parseDocument>): Node | undefined {
  let first: Node | undefined;
  visit(doc, {
    Alias(_, alias) {
      first = alias;
      return visit.BREAK;
    },
  });
  return first;
}
