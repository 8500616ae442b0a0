// One client per credential variable: targets that name a token of their own (credentials_env) get a client, and
// a rate budget, of their own; variables that hold the same token share its budget. Tokens are held by the
// clients only.

import { createHash } from 'node:crypto';
import { RateBudget, type RateLimitSetting } from './budget.js';
import { CloudflareClient, DEFAULT_RETRY_BUDGET_MS, type ClientOptions } from './client.js';
import { checkedApiBase, credentialsFromEnv, refusalAdvice, tokenFromEnv, type Credentials } from './credentials.js';
import { refusedToken, type CredentialRefusedError } from './errors.js';

/** What plan and apply take: one client for every target, or a pool that picks each target's client. */
export type Clients = CloudflareClient | ClientPool;

export interface PoolOptions extends Omit<ClientOptions, 'credentials' | 'budget'> {
  env: Record<string, string | undefined>;
  /** Each credential's paced budget; absent: unpaced. */
  rateLimit?: RateLimitSetting;
  /** Variables declared to hold a per-target token (--credentials-env), besides CLOUDFLARE_API_TOKEN_…. */
  credentialVariables?: readonly string[];
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
  /** By variable ('' for the default credentials): each variable's client fails or is refused on its own. */
  readonly #clients = new Map<string, CloudflareClient>();
  /** By a hash of the credential, so that two variables holding one token share its paced budget. */
  readonly #budgets = new Map<string, RateBudget>();
  readonly #credentials = new Map<CloudflareClient, Credentials>();
  readonly #secrets = new Set<string>();
  #retriesStopped = false;

  constructor(options: PoolOptions) {
    this.apiBase = checkedApiBase(options.apiBase);
    this.#options = options;
  }

  /**
   * The client of a target: its credentials_env's token, or the default credentials (CLOUDFLARE_API_TOKEN …).
   * One client per variable, so that what one client meets (a refusal, a failure) never says that two variables
   * hold the same token; the budget they spend is one, as the API counts it.
   */
  for(credentialsEnv?: string): CloudflareClient {
    const name = credentialsEnv ?? '';
    const known = this.#clients.get(name);
    if (known) return known;
    const credentials = credentialsEnv === undefined ? credentialsFromEnv(this.#options.env) : tokenFromEnv(this.#options.env, credentialsEnv, this.#options.credentialVariables ?? []);
    const { env: _env, rateLimit, credentialVariables: _declared, ...clientOptions } = this.#options;
    let budget: RateBudget | undefined;
    if (rateLimit) {
      const key = fingerprint(credentials);
      budget = this.#budgets.get(key) ?? new RateBudget(rateLimit, undefined, { retryBudgetMs: clientOptions.retryBudgetMs ?? DEFAULT_RETRY_BUDGET_MS });
      this.#budgets.set(key, budget);
    }
    const client = new CloudflareClient({ ...clientOptions, credentials, ...(budget ? { budget } : {}) });
    if (this.#retriesStopped) client.stopRetrying();
    this.#clients.set(name, client);
    this.#credentials.set(client, credentials);
    this.#secrets.add(credentials.kind === 'token' ? credentials.token : credentials.key);
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

  /** Each refused variable's credential once (the default credentials as ''), in the order targets first named them. */
  refusals(): Refusal[] {
    return [...this.#clients].flatMap(([name, client]) => {
      if (!client.refusal) return [];
      return [{ error: client.refusal, byDefault: name === '', variables: name ? [name] : [], advice: refusalAdvice(this.#credentials.get(client)!, [name]) }];
    });
  }

  /** Every client made so far (one per variable). */
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

function fingerprint(credentials: Credentials): string {
  const text = credentials.kind === 'token' ? `token:${credentials.token}` : `key:${credentials.email}:${credentials.key}`;
  return createHash('sha256').update(text).digest('hex');
}
