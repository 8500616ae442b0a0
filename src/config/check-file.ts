// One config file checked on its own: parsed, read from the environment, validated against the schema, and
// reduced to what the checks across files need (values with their positions). Its YAML document, ~25 KB of heap
// per account, is dropped when this returns: a fleet's config is never held as documents all at once.

import { allowCandidates, type AllowCandidate } from './allow.js';
import { schemaDiagnostics } from './check-schema.js';
import { placeFile, type PlacedFile } from './desired.js';
import { interpolateFile, type Env } from './interpolate.js';
import type { Diagnostic } from './model.js';
import { fileDiagnostic, type YamlFile } from './positions.js';

export interface CheckedFile {
  /** Undefined when the file cannot be used at all (the diagnostics say why). */
  placed?: PlacedFile;
  allow: AllowCandidate[];
  diagnostics: Diagnostic[];
}

export async function checkFile(path: string, load: () => Promise<{ file?: YamlFile; diagnostics: Diagnostic[] }>, env: Env): Promise<CheckedFile> {
  try {
    const loaded = await load();
    if (!loaded.file) return { allow: [], diagnostics: loaded.diagnostics };
    // Before the schema: a value read from the environment is checked like one written out (a reference that
    // could not be read is reported once, not also as a bad value).
    const unread = interpolateFile(loaded.file, env);
    const unreadPaths = new Set(unread.map((d) => d.path));
    const invalid = (await schemaDiagnostics(loaded.file)).filter((d) => !unreadPaths.has(d.path));
    const allow = allowCandidates(loaded.file);
    return { placed: placeFile(loaded.file), allow: allow.candidates, diagnostics: [...loaded.diagnostics, ...unread, ...invalid, ...allow.diagnostics] };
  } catch (err) {
    // Whatever a hostile file still manages to break is reported against it, never as a crash.
    return { allow: [], diagnostics: [fileDiagnostic(path, `could not be checked: ${err instanceof Error ? err.message : String(err)}`)] };
  }
}
