// The one error type that leaves the client. It holds only what is safe to print: never headers, never
// request options (got's own errors carry the Authorization header and must not escape).

import { inspect } from 'node:util';

export interface CloudflareMessage {
  code: number;
  message: string;
}

/** stopped: not sent: the run was stopped (Ctrl-C) while the request waited for the rate budget, or the server's Ratelimit asked for a longer wait than ztsync makes. */
export type FailureKind = 'http' | 'network' | 'timeout' | 'invalid-response' | 'stopped';

export interface CloudflareApiErrorInit {
  kind: FailureKind;
  method: string;
  path: string;
  status?: number;
  errors?: CloudflareMessage[];
  cfRay?: string;
  retryAfterMs?: number;
  detail?: string;
  /** The answer was Cloudflare's JSON envelope (only then may a 404 mean "not set up"). */
  fromEnvelope?: boolean;
  /** What to check, said after the server's messages. */
  hint?: string;
}

export class CloudflareApiError extends Error {
  override name = 'CloudflareApiError';
  readonly kind: FailureKind;
  readonly method: string;
  readonly path: string;
  readonly status?: number;
  readonly errors: CloudflareMessage[];
  readonly cfRay?: string;
  readonly retryAfterMs?: number;
  readonly fromEnvelope: boolean;

  constructor(init: CloudflareApiErrorInit) {
    super(describe(init));
    this.kind = init.kind;
    this.method = init.method;
    this.path = init.path;
    this.status = init.status;
    this.errors = init.errors ?? [];
    this.cfRay = init.cfRay;
    this.retryAfterMs = init.retryAfterMs;
    this.fromEnvelope = init.fromEnvelope ?? false;
  }

  /** Worth another try: rate limited, a server error, or the request never got a clean answer. */
  get retryable(): boolean {
    if (this.kind === 'stopped') return false;
    if (this.kind !== 'http') return this.kind !== 'invalid-response' || (this.status ?? 0) >= 500;
    return this.status === 429 || (this.status ?? 0) >= 500;
  }

  get codes(): number[] {
    return this.errors.map((e) => e.code);
  }

  toJSON() {
    return { name: this.name, message: this.message, kind: this.kind, method: this.method, path: this.path, status: this.status, errors: this.errors, cfRay: this.cfRay };
  }

  [inspect.custom]() {
    return `${this.name}: ${this.message}`;
  }
}

/**
 * The API refused the credential (401). Said once, with what to check; the client makes no further request
 * after it, so that a run stops (the default credentials) or fails the targets of that credentials_env token,
 * instead of printing the same refusal for every target. (A 403 is about one account or zone: see forbiddenHint.)
 */
export class CredentialRefusedError extends CloudflareApiError {
  override name = 'CredentialRefusedError';
}

/** A token named by credentials_env, as errors name it: the variable and where the config names it, never the token. */
export interface TokenVariable {
  name: string;
  /** file:line:col of the credentials_env that names it, when known. */
  where?: string;
}

/** "the Cloudflare API refused the token in CF_TOKEN_EU (credentials_env at eu.yaml:4:5)". */
export function refusedToken(variables: readonly TokenVariable[]): string {
  const named = variables.map((v) => (v.where ? `${v.name} (credentials_env at ${v.where})` : v.name));
  return `the Cloudflare API refused the token in ${named.join(' and ')}`;
}

/**
 * A 403 is the answer for a token scoped away from one account or zone (routine while token scopes lag account
 * onboarding): what to check there. Only that target fails; the credential is not refused for the run.
 */
export function forbiddenHint(method: string, path: string): string {
  const place = /^\/?(account|zone)s\/([^/?]+)/.exec(path);
  const where = place ? `${place[1]} ${place[2]}` : 'this account or zone';
  const access = method === 'GET' ? 'Read' : 'Write';
  return `the token may not reach ${where}: check that it has "Access: Organizations, Identity Providers, and Groups ${access}" on ${where}`;
}

function describe(init: CloudflareApiErrorInit): string {
  const where = `${init.method} ${init.path}`;
  const status = init.status ? ` → ${init.status}` : '';
  const messages = (init.errors ?? []).map((e) => `[${e.code}] ${e.message}`).join('; ');
  const what = messages || init.detail || init.kind;
  const ray = init.cfRay ? ` (cf-ray ${init.cfRay})` : '';
  const hint = init.hint ? `; ${init.hint}` : '';
  return `${where}${status}: ${what}${ray}${hint}`;
}
