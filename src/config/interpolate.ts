// `${ZTSYNC_NAME}` in config string values, read from the environment (`$${` is a literal `${`).
//
// A pull request controls the config, and its plan is posted where everyone reads it: a config reads only the
// variables the run allows by name (--env-allow, ZTSYNC_ENV_ALLOW), only names starting with ZTSYNC_, and
// never a credential — ztsync's own, a variable the run declares as one (--credentials-env, or a name starting
// with CLOUDFLARE_API_TOKEN_), or one a credentials_env names. Messages name variables, never their values.

import { CREDENTIAL_PREFIX, isRunnerVariable, mayHoldToken, SECRET_ENV } from '../cloudflare/credentials.js';
import { formatPosition, type DesiredTarget, type Diagnostic, type SourcePosition } from './model.js';
import { describePath, valuePosition, type ConfigFile, type PathSegment } from './positions.js';

export type Env = Readonly<Record<string, string | undefined>>;

export const VARIABLE_PREFIX = 'ZTSYNC_';

/** What the run lets a config reach in the environment, as the command parsed it. */
export interface EnvPolicy {
  /** Variables a config value may read (--env-allow, ZTSYNC_ENV_ALLOW). */
  readable: readonly string[];
  /** Variables declared to hold a token (--credentials-env), besides names starting with CREDENTIAL_PREFIX. */
  credentials: readonly string[];
}

/** A run that allows nothing: no variable is read, no credentials_env but CLOUDFLARE_API_TOKEN_… is named. */
export const NO_ENV: EnvPolicy = { readable: [], credentials: [] };

/** The environment as a config sees it: the values, and what the run lets it reach. */
export interface ConfigEnv {
  values: Env;
  policy: EnvPolicy;
}

export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Whether the run lets a credentials_env name this variable. */
export function isCredentialVariable(name: string, policy: EnvPolicy): boolean {
  return mayHoldToken(name, policy.credentials);
}

/** Whether the variable holds (or may hold) a credential: never read into a config value. */
export function holdsCredential(name: string, policy: EnvPolicy): boolean {
  return (SECRET_ENV as readonly string[]).includes(name) || isCredentialVariable(name, policy);
}

const REFERENCE = /\$\$\{|\$\{([^}]*)(\}?)/g;

/** One string with its references replaced, or the problems with them; `read` names the variables read. */
export function interpolate(text: string, { values, policy }: ConfigEnv): { value: string; problems: string[]; read: string[] } {
  const problems: string[] = [];
  const read: string[] = [];
  const value = text.replace(REFERENCE, (match, name: string | undefined, closed: string) => {
    if (match === '$${') return '${';
    const shown = match.length > 60 ? `${match.slice(0, 57)}...` : match;
    if (!closed) {
      problems.push(`"${shown}" is not closed: write \${${VARIABLE_PREFIX}NAME}, or $\${ for a literal \${`);
    } else if (!VARIABLE_NAME.test(name!)) {
      problems.push(`"${shown}" is not a variable reference: write \${${VARIABLE_PREFIX}NAME} (letters, digits, _), or $\${ for a literal \${`);
    } else if (!name!.startsWith(VARIABLE_PREFIX)) {
      problems.push(`\${${name}} cannot be read: only environment variables whose names start with ${VARIABLE_PREFIX} can be used in the config (plans are shown to everyone who reads the pull request)`);
    } else if (holdsCredential(name!, policy)) {
      problems.push(`\${${name}} cannot be read: it holds a credential`);
    } else if (!policy.readable.includes(name!)) {
      problems.push(`\${${name}} cannot be read: this run does not allow it (the workflow allows a variable by name: --env-allow ${name} or ZTSYNC_ENV_ALLOW=${name})`);
    } else if (values[name!] === undefined) {
      problems.push(`environment variable ${name} is not set`);
    } else {
      read.push(name!);
      return values[name!]!;
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
 * reported at the value's position; a file with problems keeps its text as written. Each object is visited once:
 * an anchor and its aliases are one object in the data, and a second visit would read the `${` that a `$${`
 * became on the first as a reference.
 */
export function interpolateFile(file: ConfigFile, env: ConfigEnv): { diagnostics: Diagnostic[]; reads: VariableRead[] } {
  const diagnostics: Diagnostic[] = [];
  const reads: VariableRead[] = [];
  const path: PathSegment[] = []; // one stack (locators keep no path): a copy per value cost ~5 % of a large validate
  const visited = new Set<object>();
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
    if (node && typeof node === 'object') {
      if (visited.has(node)) return node;
      visited.add(node);
    }
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
export function credentialReads(reads: readonly VariableRead[], named: readonly { name: string; position: SourcePosition }[]): Diagnostic[] {
  const tokens = new Map<string, SourcePosition>();
  for (const credentialsEnv of named) if (!tokens.has(credentialsEnv.name)) tokens.set(credentialsEnv.name, credentialsEnv.position);
  return reads.flatMap(({ name, position, path }) => {
    const named = tokens.get(name);
    return named ? [{ ...position, message: `\${${name}} cannot be read: it holds a credential (credentials_env names it at ${formatPosition(named)})`, path }] : [];
  });
}

/**
 * A credentials_env that names a variable the run has not declared to hold a token: a pull request could
 * otherwise send any variable of the runner (GITHUB_TOKEN, a deploy key) to the API base as a bearer token.
 */
export function undeclaredCredentials(targets: readonly DesiredTarget[], policy: EnvPolicy): Diagnostic[] {
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const { credentialsEnv } of targets) {
    if (!credentialsEnv || isCredentialVariable(credentialsEnv.name, policy)) continue;
    const key = formatPosition(credentialsEnv.position);
    if (seen.has(key)) continue;
    seen.add(key);
    const { name } = credentialsEnv;
    out.push({
      ...credentialsEnv.position,
      message: isRunnerVariable(name)
        ? `credentials_env names ${name}, a variable of the CI runner, which never holds a Cloudflare API token: name a variable starting with ${CREDENTIAL_PREFIX}`
        : `credentials_env names ${name}, which this run has not declared to hold an API token: name a variable starting with ${CREDENTIAL_PREFIX}, or declare it in the workflow with --credentials-env ${name}`,
      path: '',
    });
  }
  return out;
}
