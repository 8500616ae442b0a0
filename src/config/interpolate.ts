// `${ZTSYNC_NAME}` in config string values, read from the environment (`$${` is a literal `${`).
//
// Only names starting with ZTSYNC_ can be read: a pull request controls the config, and its plan is posted
// where everyone reads it, so `${CLOUDFLARE_API_TOKEN}` or `${GITHUB_TOKEN}` must never reach a plan. The
// emulator's token is refused too, although it has the prefix. Messages name variables, never their values.

import { formatPosition, type DesiredTarget, type Diagnostic, type SourcePosition } from './model.js';
import { describePath, valuePosition, type ConfigFile, type PathSegment } from './positions.js';

export type Env = Readonly<Record<string, string | undefined>>;

export const VARIABLE_PREFIX = 'ZTSYNC_';

/** Variables with the prefix that hold credentials of ztsync's own, never readable from a config. */
const REFUSED = new Set(['ZTSYNC_EMULATOR_TOKEN']);

const REFERENCE = /\$\$\{|\$\{([^}]*)(\}?)/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** One string with its references replaced, or the problems with them; `read` names the variables read. */
export function interpolate(text: string, env: Env): { value: string; problems: string[]; read: string[] } {
  const problems: string[] = [];
  const read: string[] = [];
  const value = text.replace(REFERENCE, (match, name: string | undefined, closed: string) => {
    if (match === '$${') return '${';
    const shown = match.length > 60 ? `${match.slice(0, 57)}...` : match;
    if (!closed) {
      problems.push(`"${shown}" is not closed: write \${${VARIABLE_PREFIX}NAME}, or $\${ for a literal \${`);
    } else if (!NAME.test(name!)) {
      problems.push(`"${shown}" is not a variable reference: write \${${VARIABLE_PREFIX}NAME} (letters, digits, _), or $\${ for a literal \${`);
    } else if (!name!.startsWith(VARIABLE_PREFIX)) {
      problems.push(`\${${name}} cannot be read: only environment variables whose names start with ${VARIABLE_PREFIX} can be used in the config (plans are shown to everyone who reads the pull request)`);
    } else if (REFUSED.has(name!)) {
      problems.push(`\${${name}} cannot be read: it holds a credential`);
    } else if (env[name!] === undefined) {
      problems.push(`environment variable ${name} is not set`);
    } else {
      read.push(name!);
      return env[name!]!;
    }
    return match;
  });
  return { value, problems, read };
}

/** A variable a config value read, and where. */
export interface VariableRead {
  name: string;
  position: SourcePosition;
  path: string;
}

/**
 * Replace references in every string value of the file's data (keys are left alone), in place. Problems are
 * reported at the value's position; a file with problems keeps its text as written.
 */
export function interpolateFile(file: ConfigFile, env: Env): { diagnostics: Diagnostic[]; reads: VariableRead[] } {
  const diagnostics: Diagnostic[] = [];
  const reads: VariableRead[] = [];
  const path: PathSegment[] = []; // one stack (locators keep no path): a copy per value cost ~5 % of a large validate
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') {
      if (!node.includes('${')) return node;
      const { value, problems, read } = interpolate(node, env);
      for (const message of problems) diagnostics.push({ ...valuePosition(file, path), message, path: describePath(path) });
      for (const name of read) reads.push({ name, position: valuePosition(file, path), path: describePath(path) });
      return value;
    }
    const within = (key: PathSegment, value: unknown) => {
      path.push(key);
      const replaced = walk(value);
      path.pop();
      return replaced;
    };
    if (Array.isArray(node)) {
      node.forEach((item, i) => (node[i] = within(i, item)));
    } else if (node && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      for (const key of Object.keys(record)) record[key] = within(key, record[key]);
    }
    return node;
  };
  file.data = walk(file.data);
  return { diagnostics, reads };
}

/**
 * Reads of a variable that a credentials_env names: it holds an API token, which a config value would carry into
 * plans and pull-request comments (plan refuses to show such a plan; this says where, before any request).
 */
export function credentialReads(reads: readonly VariableRead[], targets: readonly DesiredTarget[]): Diagnostic[] {
  const tokens = new Map<string, SourcePosition>();
  for (const { credentialsEnv } of targets) if (credentialsEnv && !tokens.has(credentialsEnv.name)) tokens.set(credentialsEnv.name, credentialsEnv.position);
  return reads.flatMap(({ name, position, path }) => {
    const named = tokens.get(name);
    return named ? [{ ...position, message: `\${${name}} cannot be read: it holds a credential (credentials_env names it at ${formatPosition(named)})`, path }] : [];
  });
}
