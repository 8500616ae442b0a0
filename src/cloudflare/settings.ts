// How a run reaches the API, as its command parsed it from flags and environment: every client of the run is
// made from these settings, never from command-line types.

import { DEFAULT_RATE_LIMIT, type RateLimitSetting } from './budget.js';
import { CloudflareClient, DEFAULT_RETRY_BUDGET_MS, type ClientOptions } from './client.js';
import { credentialsFromEnv } from './credentials.js';
import { ClientPool } from './pool.js';

export interface ApiSettings {
  /** The API base URL (checked when the first client is made); absent: Cloudflare's. */
  apiBase?: string;
  /** Refuse every write: what `plan` and `report` use. */
  readOnly: boolean;
  /** How long a failed call is retried (ms); 0: no retry. */
  retryBudgetMs: number;
  /** At most this many retries of a call as well; absent: only the budget limits them. */
  retries?: number;
  /** Each credential's paced budget. */
  rateLimit: RateLimitSetting;
  /** Targets worked on at once; absent: the stage's default (8 reads, 4 writes). */
  concurrency?: number;
  /** Shorter retry waits (tests); absent: the real ones. */
  timing?: Pick<ClientOptions, 'minBackoffMs' | 'maxBackoffMs' | 'maxRetryAfterMs'>;
  /** Variables declared to hold a per-target token (--credentials-env), besides CLOUDFLARE_API_TOKEN_…. */
  credentialVariables?: readonly string[];
}

/** The settings of a run that sets nothing: Cloudflare's API, the default retry and rate budgets. */
export function defaultApiSettings(readOnly: boolean): ApiSettings {
  return { readOnly, retryBudgetMs: DEFAULT_RETRY_BUDGET_MS, rateLimit: DEFAULT_RATE_LIMIT };
}

function clientOptions(api: ApiSettings): Omit<ClientOptions, 'credentials'> {
  return {
    apiBase: api.apiBase,
    readOnly: api.readOnly,
    retryBudgetMs: api.retryBudgetMs,
    ...(api.retries === undefined ? {} : { retries: api.retries }),
    ...api.timing,
  };
}

/** The one client of a command that talks to one target (import, revoke-user), with the environment's credentials. */
export function makeClient(api: ApiSettings, env: Record<string, string | undefined>): CloudflareClient {
  return new CloudflareClient({ ...clientOptions(api), credentials: credentialsFromEnv(env) });
}

/** A client per credential (CLOUDFLARE_API_TOKEN …, or a target's credentials_env), made as targets need them. */
export function makeClients(api: ApiSettings, env: Record<string, string | undefined>): ClientPool {
  return new ClientPool({ ...clientOptions(api), env, rateLimit: api.rateLimit, credentialVariables: api.credentialVariables ?? [] });
}
