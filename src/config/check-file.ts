// One config file checked on its own: parsed, read from the environment, validated against the schema, and
// reduced to what the checks across files need (values with their positions). Its YAML document, ~25 KB of heap
// per account, is dropped when this returns: a fleet's config is never held as documents all at once.
//
// A file in plain block style is first read by the block reader (block-yaml.ts, ~15 × faster than yaml). Only
// when that file passes every check is that reading used; a file the reader declines, or in which any check
// finds a problem, is read and checked again by yaml, whose document every message about a problem is drawn
// from. So the messages are the same whichever reader ran, and the quick path never has to explain anything.

import { allowCandidates, type AllowCandidate } from './allow.js';
import { readBlockYaml } from './block-yaml.js';
import { configBudget, type ConfigBudget } from './budget.js';
import { passesSchema, schemaDiagnostics } from './check-schema.js';
import { placeFile, type PlacedFile } from './desired.js';
import { interpolateFile, type ConfigEnv, type VariableRead } from './interpolate.js';
import { overlongLine, parseYaml } from './load.js';
import type { Diagnostic } from './model.js';
import { blockLocator, fileDiagnostic, type ConfigFile } from './positions.js';

export interface CheckedFile {
  /** Undefined when the file cannot be used at all (the diagnostics say why). */
  placed?: PlacedFile;
  allow: AllowCandidate[];
  /** Its `budget`, if it sets one. */
  budget?: ConfigBudget;
  /** The environment variables its values read. */
  reads: VariableRead[];
  /** The positions of values tagged !unchecked (login-page values sent as they are). */
  unchecked?: string[];
  diagnostics: Diagnostic[];
}

/** A file's text, or why it could not be read. */
export type ReadText = () => Promise<{ text: string } | { diagnostics: Diagnostic[] }>;

export async function checkFile(path: string, read: ReadText, env: ConfigEnv): Promise<CheckedFile> {
  try {
    const got = await read();
    if ('diagnostics' in got) return { allow: [], reads: [], diagnostics: got.diagnostics };
    const overlong = overlongLine(path, got.text);
    if (overlong) return { allow: [], reads: [], diagnostics: [overlong] };
    return (await checkSoundBlockFile(path, got.text, env)) ?? (await checkDocument(path, got.text, env));
  } catch (err) {
    // Whatever a hostile file still manages to break is reported against it, never as a crash.
    return { allow: [], reads: [], diagnostics: [fileDiagnostic(path, `could not be checked: ${err instanceof Error ? err.message : String(err)}`)] };
  }
}

/** The file read by the block reader, if it can read it and no check finds a problem; otherwise undefined. */
async function checkSoundBlockFile(path: string, text: string, env: ConfigEnv): Promise<CheckedFile | undefined> {
  const block = readBlockYaml(text);
  if (!block) return undefined;
  const file: ConfigFile = { file: path, data: block.data, where: blockLocator(path, block.data, block.positions) };
  const interpolated = mayReference(text) ? interpolateFile(file, env) : { diagnostics: [], reads: [] };
  if (interpolated.diagnostics.length > 0 || !(await passesSchema(file.data))) return undefined;
  const allow = allowCandidates(file);
  if (allow.diagnostics.length > 0) return undefined;
  return { placed: placeFile(file), allow: allow.candidates, ...budgetOf(file), reads: interpolated.reads, unchecked: [], diagnostics: [] };
}

/** Whether a `${` can be in the file's values: written out, or spelled with an escape in a quoted string. */
function mayReference(text: string): boolean {
  return text.includes('$') || text.includes('\\');
}

/** The file read by yaml, with a message at file:line:col for each problem (exported for the tests that hold the two readings equal). */
export async function checkDocument(path: string, text: string, env: ConfigEnv): Promise<CheckedFile> {
  const loaded = parseYaml(path, text);
  if (!loaded.file) return { allow: [], reads: [], diagnostics: loaded.diagnostics };
  // Before the schema: a value read from the environment is checked like one written out (a reference that
  // could not be read is reported once, not also as a bad value).
  const { diagnostics: unread, reads } = interpolateFile(loaded.file, env);
  const unreadPaths = new Set(unread.map((d) => d.path));
  const invalid = (await schemaDiagnostics(loaded.file)).filter((d) => !unreadPaths.has(d.path));
  const allow = allowCandidates(loaded.file);
  return { placed: placeFile(loaded.file), allow: allow.candidates, ...budgetOf(loaded.file), reads, unchecked: loaded.file.unchecked ?? [], diagnostics: [...loaded.diagnostics, ...unread, ...invalid, ...allow.diagnostics] };
}

function budgetOf(file: ConfigFile): { budget?: ConfigBudget } {
  const budget = configBudget(file);
  return budget ? { budget } : {};
}
