// The config stage: YAML files in, the desired state (or every problem with it, each at file:line:col) out.

import { resolveAllow, type AllowCandidate } from './allow.js';
import type { ConfigBudget } from './budget.js';
import { checkFile, type ReadText } from './check-file.js';
import { mergeTargets, type PlacedFile } from './desired.js';
import { credentialReads, NO_ENV, undeclaredCredentials, type ConfigEnv, type Env, type EnvPolicy, type VariableRead } from './interpolate.js';
import { findConfigFiles, readConfigText } from './load.js';
import { formatPosition, type DesiredState, type Diagnostic, type SourcePosition } from './model.js';
import { adviceDiagnostics, crossFieldDiagnostics, loginPageDiagnostics } from './rules.js';
export { credentialDiagnostics } from './rules.js';

export { formatDiagnostic } from './model.js';
export type { DesiredResource, DesiredState, DesiredTarget, Diagnostic, SourcePosition } from './model.js';
export { buildSchema } from './schema.js';
export type { AllowEntry } from './allow.js';
export { NO_ENV, type EnvPolicy } from './interpolate.js';

/** Where `${…}` values are read from, and what the run lets a config reach (absent: nothing, see NO_ENV). */
export interface LoadOptions {
  env?: Env;
  policy?: EnvPolicy;
  /** Variables a credentials_env of another config names (the --baseline's): never readable either. */
  credentialNames?: readonly { name: string; position: SourcePosition }[];
}

/** The result of loading: the state (null on any diagnostic), the diagnostics, warnings, and the variables read. */
export interface Loaded {
  state: DesiredState | null;
  diagnostics: Diagnostic[];
  warnings: Diagnostic[];
  reads: VariableRead[];
  /** The variables its credentials_env entries name, and where: known also when the config is not valid. */
  credentialNames: { name: string; position: SourcePosition }[];
}

/**
 * Load, validate and merge the config at the given paths (files or directories). `state` is null when there is
 * any diagnostic; the diagnostics are sorted by file, line and column. `${ZTSYNC_…}` in string values is read
 * from `env`.
 */
export async function loadDesiredState(paths: string[], { env = process.env, policy = NO_ENV, credentialNames = [] }: LoadOptions = {}): Promise<Loaded> {
  const found = await findConfigFiles(paths);
  const budget = { bytes: 0 };
  return checkFiles(found.files.map((path) => ({ path, read: () => readConfigText(path, budget) })), found.diagnostics, { values: env, policy }, credentialNames);
}

/**
 * The same checks on config held in memory (e.g. files about to be written), each text named by the path it
 * will have: messages then point at that file's lines.
 */
export function checkConfigTexts(sources: readonly { path: string; text: string }[], { env = process.env, policy = NO_ENV }: LoadOptions = {}): Promise<Loaded> {
  return checkFiles(sources.map(({ path, text }) => ({ path, read: async () => ({ text }) })), [], { values: env, policy }, []);
}

async function checkFiles(
  sources: readonly { path: string; read: ReadText }[],
  found: readonly Diagnostic[],
  env: ConfigEnv,
  credentialNames: readonly { name: string; position: SourcePosition }[],
): Promise<Loaded> {
  const diagnostics = [...found];
  /** A file's own warnings (an account-only setting at its default on a zone): reported, not refused. */
  const fileWarnings: Diagnostic[] = [];
  const placed: PlacedFile[] = [];
  const candidates: AllowCandidate[] = [];
  const reads: VariableRead[] = [];
  let budget: ConfigBudget | undefined;
  const unchecked = new Set<string>();
  for (const { path, read } of sources) {
    const checked = await checkFile(path, read, env);
    for (const d of checked.diagnostics) (d.severity === 'warning' ? fileWarnings : diagnostics).push(d);
    if (checked.budget && budget) {
      diagnostics.push({ ...checked.budget.source, message: `the change budget is set twice: also at ${formatPosition(budget.source)}; set it once for the whole config`, path: 'budget' });
    }
    budget ??= checked.budget;
    if (checked.placed) placed.push(checked.placed);
    candidates.push(...checked.allow);
    reads.push(...checked.reads);
    for (const at of checked.unchecked ?? []) unchecked.add(at);
  }
  const merged = mergeTargets(placed);
  const allowed = resolveAllow(candidates, merged.targets);
  const targets = merged.targets.map((t) => t.target);
  const own = targets.flatMap((t) => (t.credentialsEnv ? [t.credentialsEnv] : []));
  const named = [...own, ...credentialNames];
  diagnostics.push(...merged.diagnostics, ...crossFieldDiagnostics(merged.targets), ...allowed.diagnostics, ...credentialReads(reads, named), ...undeclaredCredentials(targets, env.policy), ...loginPageDiagnostics(merged.targets, unchecked));
  // A value refused already needs no advice besides.
  const refused = new Set(diagnostics.map(formatPosition));
  const warnings = sortDiagnostics([...fileWarnings, ...adviceDiagnostics(merged.targets), ...merged.warnings].filter((w) => !refused.has(formatPosition(w))));
  if (diagnostics.length > 0) return { state: null, diagnostics: sortDiagnostics(diagnostics), warnings, reads, credentialNames: own };
  return { state: { files: sources.map((s) => s.path), targets, allow: allowed.allow, ...(budget ? { budget } : {}) }, diagnostics: [], warnings, reads, credentialNames: own };
}

export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...diagnostics].sort((a, b) => byText(a.file, b.file) || a.line - b.line || a.col - b.col || byText(a.message, b.message));
}
