// One client per credential: targets that name a token of their own (credentials_env) get a client, and so a
// rate budget, of their own; targets that name the same token share one. Tokens are held by the clients only.

import { createHash } from 'node:crypto';
import { UsageError } from '../io.js';
import { RateBudget, type RateLimitSetting } from './budget.js';
import { CloudflareClient, type ClientOptions } from './client.js';
import { checkedApiBase, credentialsFromEnv, refusalAdvice, type Credentials } from './credentials.js';
import { refusedToken, type CredentialRefusedError } from './errors.js';

/** What plan and apply take: one client for every target, or a pool that picks each target's client. */
export type Clients = CloudflareClient | ClientPool;

export interface PoolOptions extends Omit<ClientOptions, 'credentials' | 'budget'> {
  env: Record<string, string | undefined>;
  /** Each credential's paced budget; absent: unpaced. */
  rateLimit?: RateLimitSetting;
}

/** A credential the API refused, once however many targets use it. */
export interface Refusal {
  error: CredentialRefusedError;
  /** The default credentials (CLOUDFLARE_API_TOKEN …) are among those refused: every target that uses them fails. */
  byDefault: boolean;
  /** The credentials_env variables that hold the refused token (several may hold one token). */
  variables: string[];
  /** What to check, naming those variables. */
  advice: string;
}

/**
 * The one message about a refusal: which credential (a credentials_env token by its variable and, from `where`, the
 * place the config names it), the request refused, and what to check.
 */
export function explainRefusal(refusal: Refusal, where: (variable: string) => string | undefined = () => undefined): string {
  const what = refusal.byDefault ? 'the Cloudflare API refused the credential' : refusedToken(refusal.variables.map((name) => ({ name, where: where(name) })));
  return `${what} (${refusal.error.message}): ${refusal.advice}`;
}

export class ClientPool {
  readonly apiBase: URL;
  readonly #options: PoolOptions;
  /** By a hash of the credential, so that two variables holding one token share its budget. */
  readonly #clients = new Map<string, CloudflareClient>();
  readonly #byName = new Map<string, CloudflareClient>();
  readonly #credentials = new Map<CloudflareClient, Credentials>();
  readonly #secrets = new Set<string>();
  #retriesStopped = false;

  constructor(options: PoolOptions) {
    this.apiBase = checkedApiBase(options.apiBase);
    this.#options = options;
  }

  /** The client of a target: its credentials_env's token, or the default credentials (CLOUDFLARE_API_TOKEN …). */
  for(credentialsEnv?: string): CloudflareClient {
    const name = credentialsEnv ?? '';
    const known = this.#byName.get(name);
    if (known) return known;
    const credentials = credentialsEnv === undefined ? credentialsFromEnv(this.#options.env) : tokenFrom(this.#options.env, credentialsEnv);
    const key = fingerprint(credentials);
    let client = this.#clients.get(key);
    if (!client) {
      const { env: _env, rateLimit, ...clientOptions } = this.#options;
      client = new CloudflareClient({ ...clientOptions, credentials, ...(rateLimit ? { budget: new RateBudget(rateLimit) } : {}) });
      if (this.#retriesStopped) client.stopRetrying();
      this.#clients.set(key, client);
      this.#credentials.set(client, credentials);
      this.#secrets.add(credentials.kind === 'token' ? credentials.token : credentials.key);
    }
    this.#byName.set(name, client);
    return client;
  }

  /** Ctrl-C: every client, made or to be made, starts no new retry (see CloudflareClient.stopRetrying). */
  stopRetrying(): void {
    this.#retriesStopped = true;
    for (const client of this.#clients.values()) client.stopRetrying();
  }

  /** The secret of every credential in use (to make sure none ends up in a plan); never printed. */
  secrets(): string[] {
    return [...this.#secrets];
  }

  /** Each refused credential once, with the variables that hold it (in the order targets first named them). */
  refusals(): Refusal[] {
    return this.clients.flatMap((client) => {
      if (!client.refusal) return [];
      const names = [...this.#byName].filter(([, c]) => c === client).map(([name]) => name);
      return [{ error: client.refusal, byDefault: names.includes(''), variables: names.filter(Boolean), advice: refusalAdvice(this.#credentials.get(client)!, names) }];
    });
  }

  /** Every client made so far (one per distinct credential). */
  get clients(): CloudflareClient[] {
    return [...this.#clients.values()];
  }
}

export function clientFor(clients: Clients, credentialsEnv?: string): CloudflareClient {
  return clients instanceof ClientPool ? clients.for(credentialsEnv) : clients;
}

export function clientsOf(clients: Clients): CloudflareClient[] {
  return clients instanceof ClientPool ? clients.clients : [clients];
}

function tokenFrom(env: Record<string, string | undefined>, name: string): Credentials {
  const token = env[name]?.trim();
  // Checked with the config already (at the credentials_env's position); this is the last line of defence.
  if (!token) throw new UsageError(`credentials_env: the environment variable ${name} is not set`);
  return { kind: 'token', token };
}

function fingerprint(credentials: Credentials): string {
  const text = credentials.kind === 'token' ? `token:${credentials.token}` : `key:${credentials.email}:${credentials.key}`;
  return createHash('sha256').update(text).digest('hex');
}
