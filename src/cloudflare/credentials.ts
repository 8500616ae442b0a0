// Where the client's credentials and base URL come from, the rule that they never travel in clear text to
// anything but this machine, and the masking that keeps them out of every text ztsync prints or writes.

import { UsageError } from '../io.js';

export type Credentials = { kind: 'token'; token: string } | { kind: 'key'; email: string; key: string };

export const DEFAULT_API_BASE = 'https://api.cloudflare.com/client/v4';

/**
 * The environment variables that hold secrets: never read into a config, their values never shown or written.
 * Not CLOUDFLARE_EMAIL: an address is no secret, and masking it would only confirm a guess (`***` where a config
 * value held it) and alter plans.
 */
export const SECRET_ENV = ['CLOUDFLARE_API_TOKEN', 'CLOUDFLARE_API_KEY', 'ZTSYNC_EMULATOR_TOKEN'] as const;

/** A variable whose name starts so may hold a per-target token without being declared (--credentials-env). */
export const CREDENTIAL_PREFIX = 'CLOUDFLARE_API_TOKEN_';

/**
 * Whether a credentials_env may name this variable: CLOUDFLARE_API_TOKEN, a name starting with CREDENTIAL_PREFIX,
 * or one the run declared (`declared`, from --credentials-env). Any other variable of the runner (GITHUB_TOKEN, a
 * deploy key) would otherwise be sent to the API base as a bearer token because a pull request named it.
 */
export function mayHoldToken(name: string, declared: readonly string[]): boolean {
  if (isRunnerVariable(name)) return false;
  return name === 'CLOUDFLARE_API_TOKEN' || (name.startsWith(CREDENTIAL_PREFIX) && name.length > CREDENTIAL_PREFIX.length) || declared.includes(name);
}

/** The runner's own variables (GITHUB_TOKEN, ACTIONS_RUNTIME_TOKEN, …): never a Cloudflare token, whatever is declared. */
export function isRunnerVariable(name: string): boolean {
  return /^(GITHUB|ACTIONS|RUNNER)_/.test(name);
}

/** A per-target token from the variable a credentials_env names: declared, set, and well-formed. */
export function tokenFromEnv(env: Record<string, string | undefined>, name: string, declared: readonly string[]): Credentials {
  if (!mayHoldToken(name, declared)) throw new UsageError(`credentials_env: ${name} is not declared to hold an API token (name a variable starting with ${CREDENTIAL_PREFIX}${isRunnerVariable(name) ? '' : `, or declare it with --credentials-env ${name}`})`);
  const token = env[name]?.trim();
  // Checked with the config already (at the credentials_env's position); this is the last line of defence.
  if (!token) throw new UsageError(`credentials_env: the environment variable ${name} is not set`);
  return { kind: 'token', token: wellFormed(name, token) };
}

export function credentialsFromEnv(env: Record<string, string | undefined>): Credentials {
  const token = env.CLOUDFLARE_API_TOKEN?.trim();
  if (token) return { kind: 'token', token: wellFormed('CLOUDFLARE_API_TOKEN', token) };
  const key = env.CLOUDFLARE_API_KEY?.trim();
  const email = env.CLOUDFLARE_EMAIL?.trim();
  if (key && email) return { kind: 'key', email: wellFormed('CLOUDFLARE_EMAIL', email), key: wellFormed('CLOUDFLARE_API_KEY', key) };
  if (key || email) throw new UsageError('CLOUDFLARE_API_KEY and CLOUDFLARE_EMAIL go together: set both, or set CLOUDFLARE_API_TOKEN instead');
  throw new UsageError('no Cloudflare credentials: set CLOUDFLARE_API_TOKEN (or CLOUDFLARE_API_KEY with CLOUDFLARE_EMAIL)');
}

/**
 * A credential goes into a request header as it is: one word of visible ASCII. Anything else (a line break from
 * a paste, a space, a quote character from a rich editor) cannot be a Cloudflare credential, and would only fail
 * on every request; refuse it before any call, without ever printing it.
 */
export function wellFormed(variable: string, value: string): string {
  const wrong = malformation(value);
  if (wrong) throw new UsageError(`${variable} is malformed: ${wrong}`);
  return value;
}

/** What makes `value` no credential (a space, a line break, a character that is not visible ASCII), or undefined. */
export function malformation(value: string): string | undefined {
  const bad = [...value].findIndex((ch) => !/^[\x21-\x7e]$/.test(ch));
  if (bad < 0) return undefined;
  const ch = [...value][bad];
  const what = ch === '\n' || ch === '\r' ? 'a line break' : /\s/.test(ch) ? 'a space' : `the character U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  return `it contains ${what} at character ${bad + 1}; a credential is one word of visible ASCII characters (check for a stray paste or quotes)`;
}

export function authHeaders(credentials: Credentials): Record<string, string> {
  return credentials.kind === 'token'
    ? { authorization: `Bearer ${credentials.token}` }
    : { 'x-auth-email': credentials.email, 'x-auth-key': credentials.key };
}

export function secretsOf(credentials: Credentials): string[] {
  return credentials.kind === 'token' ? [credentials.token] : [credentials.key];
}

/**
 * The one list of secret values, for masking what is printed and for refusing what is saved or posted: the
 * SECRET_ENV variables, every CLOUDFLARE_API_TOKEN_… variable, and the variables declared to hold per-target
 * tokens (`declared`, from --credentials-env) — raw and trimmed, whether or not they turn out to be well-formed.
 */
export function secretsFromEnv(env: Record<string, string | undefined>, declared: readonly string[] = []): string[] {
  const names = new Set<string>([...SECRET_ENV, ...declared, ...Object.keys(env).filter((name) => mayHoldToken(name, []))]);
  return [...names].flatMap((name) => {
    const value = env[name];
    return value ? [value, value.trim()] : [];
  });
}

/**
 * Shorter values are neither masked nor refused (one threshold for both): they cannot be credentials, and
 * masking them would garble every line.
 */
export const MIN_SECRET_LENGTH = 8;
export const MASK = '***';

/**
 * Replace every occurrence of a secret in `text` with ***, in any of the forms `holdsSecret` looks for.
 */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  const pattern = secretPattern(secrets);
  return pattern ? text.replace(pattern, MASK) : text;
}

/**
 * Whether `text` holds a secret: as it is, escaped by a renderer (a backslash before any character: JSON,
 * Markdown), URL-encoded, each of its lines (a credential with a line break echoed back line by line), base64
 * (standard or URL alphabet, at any alignment within longer base64) or hex — compared without regard to case.
 */
export function holdsSecret(text: string, secrets: readonly string[]): boolean {
  const pattern = secretPattern(secrets);
  if (!pattern) return false;
  pattern.lastIndex = 0;
  return pattern.test(text);
}

const patterns = new Map<string, RegExp | null>();

function secretPattern(secrets: readonly string[]): RegExp | null {
  const key = JSON.stringify(secrets);
  let pattern = patterns.get(key);
  if (pattern !== undefined) return pattern;
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret.trim().length < MIN_SECRET_LENGTH) continue;
    for (const form of secretForms(secret)) {
      if (form.trim().length >= MIN_SECRET_LENGTH) forms.add(form);
    }
  }
  // Longest first, so that a secret containing another is masked whole.
  const alternatives = [...forms].sort((a, b) => b.length - a.length).map((form) => [...form].map(escapeRegExp).join('\\\\?'));
  pattern = alternatives.length > 0 ? new RegExp(alternatives.join('|'), 'gi') : null;
  patterns.set(key, pattern);
  return pattern;
}

function secretForms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  return [secret, encodeURIComponent(secret), ...secret.split(/\r?\n/), bytes.toString('hex'), ...base64Cores(bytes)];
}

/**
 * The part of the base64 of `bytes` that is the same wherever they sit in a longer text, for each of the three
 * alignments (0, 1 or 2 bytes before them), in the standard and the URL alphabet.
 */
function base64Cores(bytes: Buffer): string[] {
  const cores: string[] = [];
  for (let before = 0; before < 3; before++) {
    const padded = Buffer.concat([Buffer.alloc(before), bytes]);
    const text = padded.toString('base64').replace(/=+$/, '');
    const start = Math.ceil((before * 4) / 3);
    const core = text.slice(start, padded.length % 3 === 0 ? text.length : text.length - 1);
    cores.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return cores;
}

function escapeRegExp(ch: string): string {
  return ch.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/**
 * What to check when the API refuses the credential, said once. `variables`: the ones that hold the refused
 * token, '' for CLOUDFLARE_API_TOKEN (a target's credentials_env may hold the same token as another's).
 */
export function refusalAdvice(credentials: Credentials, variables: readonly string[] = ['']): string {
  const named = variables.map((v) => v || 'CLOUDFLARE_API_TOKEN');
  const which =
    credentials.kind === 'token'
      ? `${named.length > 1 ? `the token in ${named.join(' and ')}` : named[0]} is the right API token, has not expired or been revoked (or limited to other IP addresses)`
      : 'CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY are that user\'s email and Global API Key';
  return (
    `check that ${which}, and that it has "Access: Organizations, Identity Providers, and Groups" ` +
    'Read (for plan) or Write (for apply) on every account and zone in the config'
  );
}

/** A base URL that is safe to send credentials to: https anywhere, plain http only to loopback. */
export function checkedApiBase(raw: string | undefined): URL {
  const text = (raw ?? '').trim() || DEFAULT_API_BASE;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`the API base URL "${text}" is not a URL`);
  }
  if (url.username || url.password) throw new UsageError('the API base URL must not carry a user name or password');
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`the API base URL must be http(s), not ${url.protocol}`);
  if (url.search || url.hash) throw new UsageError(`the API base URL must not carry a query or fragment: ${url.origin}${url.pathname}`);
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
    throw new UsageError(`refusing to send credentials over plain http to ${url.hostname}: use https, or a loopback address for the emulator`);
  }
  url.pathname = url.pathname.replace(/\/+$/, '');
  return url;
}

/** The URL of an API path under the base: one slash between them, whether or not the base has a path. */
export function apiUrl(base: URL, path: string): string {
  const prefix = base.pathname.replace(/\/+$/, '');
  return `${base.origin}${prefix}/${path.replace(/^\/+/, '')}`;
}

export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}
