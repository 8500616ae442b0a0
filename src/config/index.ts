// The config stage: YAML files in, the desired state (or every problem with it, each at file:line:col) out.

import { collectAllowEntries } from './allow.js';
import { mergeTargets } from './desired.js';
import { interpolateFile, type Env } from './interpolate.js';
import { findConfigFiles, loadYamlFile, parseYaml } from './load.js';
import type { DesiredState, Diagnostic } from './model.js';
import { fileDiagnostic, type YamlFile } from './positions.js';
import { adviceDiagnostics, crossFieldDiagnostics } from './rules.js';
export { credentialDiagnostics } from './rules.js';
import { schemaDiagnostics } from './check-schema.js';

export { formatDiagnostic } from './model.js';
export type { DesiredResource, DesiredState, DesiredTarget, Diagnostic, SourcePosition } from './model.js';
export { buildSchema } from './schema.js';
export type { AllowEntry } from './allow.js';

/**
 * Load, validate and merge the config at the given paths (files or directories). `state` is null when there is
 * any diagnostic; the diagnostics are sorted by file, line and column. `${ZTSYNC_…}` in string values is read
 * from `env`.
 */
export async function loadDesiredState(
  paths: string[],
  { env = process.env }: { env?: Env } = {},
): Promise<{ state: DesiredState | null; diagnostics: Diagnostic[]; warnings: Diagnostic[] }> {
  const found = await findConfigFiles(paths);
  return checkFiles(found.files.map((path) => ({ path, load: () => loadYamlFile(path) })), found.diagnostics, env);
}

/**
 * The same checks on config held in memory (e.g. files about to be written), each text named by the path it
 * will have: messages then point at that file's lines.
 */
export function checkConfigTexts(
  sources: readonly { path: string; text: string }[],
  { env = process.env }: { env?: Env } = {},
): Promise<{ state: DesiredState | null; diagnostics: Diagnostic[]; warnings: Diagnostic[] }> {
  return checkFiles(sources.map(({ path, text }) => ({ path, load: async () => parseYaml(path, text) })), [], env);
}

async function checkFiles(
  sources: readonly { path: string; load: () => Promise<{ file?: YamlFile; diagnostics: Diagnostic[] }> }[],
  found: readonly Diagnostic[],
  env: Env,
): Promise<{ state: DesiredState | null; diagnostics: Diagnostic[]; warnings: Diagnostic[] }> {
  const diagnostics = [...found];
  const files: YamlFile[] = [];
  for (const { path, load } of sources) {
    try {
      const loaded = await load();
      diagnostics.push(...loaded.diagnostics);
      if (!loaded.file) continue;
      // Before the schema: a value read from the environment is checked like one written out (a reference that
      // could not be read is reported once, not also as a bad value).
      const unread = interpolateFile(loaded.file, env);
      const unreadPaths = new Set(unread.map((d) => d.path));
      diagnostics.push(...unread, ...(await schemaDiagnostics(loaded.file)).filter((d) => !unreadPaths.has(d.path)));
      files.push(loaded.file);
    } catch (err) {
      // Whatever a hostile file still manages to break is reported against it, never as a crash.
      diagnostics.push(fileDiagnostic(path, `could not be checked: ${err instanceof Error ? err.message : String(err)}`));
    }
  }
  const merged = mergeTargets(files);
  const allowed = collectAllowEntries(files, merged.targets);
  diagnostics.push(...merged.diagnostics, ...crossFieldDiagnostics(merged.targets), ...allowed.diagnostics);
  const warnings = sortDiagnostics(adviceDiagnostics(merged.targets));
  if (diagnostics.length > 0) return { state: null, diagnostics: sortDiagnostics(diagnostics), warnings };
  return { state: { files: sources.map((s) => s.path), targets: merged.targets.map((t) => t.target), allow: allowed.allow }, diagnostics: [], warnings };
}

export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...diagnostics].sort((a, b) => byText(a.file, b.file) || a.line - b.line || a.col - b.col || byText(a.message, b.message));
}
