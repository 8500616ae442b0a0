// The one way ztsync talks to the Cloudflare API. got does the HTTP (its own retry off); the retry policy is
// here: 429 (honouring Retry-After), 5xx, timeouts and connection errors are retried with jittered exponential
// backoff until the request's time budget (--retry-budget) is spent; other 4xx never are. Every failure leaves
// as a CloudflareApiError, with the credentials masked out of whatever text the server sent back. A refused
// credential (401) stops the client: it makes no further request. A 403 fails that request alone: Cloudflare
// answers it when a scoped token lacks permission on one account or zone, which says nothing of the others.
//
// Not p-retry: the budget must not count time a request spends queued for the shared rate budget, a
// Retry-After the budget cannot cover must fail at once, a create's look-and-resend must spend the same budget,
// and the clock and waits must be injectable so that tests of the budget are exact — p-retry measures its
// maxRetryTime on its own clock and sleeps on its own timer.

import { setMaxListeners } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { apiUrl, authHeaders, checkedApiBase, maskSecrets, secretsOf, type Credentials } from './credentials.js';
import { BudgetWaitTooLong, type RateBudget } from './budget.js';
import { CloudflareApiError, CredentialRefusedError, forbiddenHint, type CloudflareMessage } from './errors.js';

/** How long a request may keep retrying transient failures, by default: two minutes. */
export const DEFAULT_RETRY_BUDGET_MS = 120_000;
/** Backoff between attempts: the n-th retry waits a random time in [ceiling/2, ceiling], ceiling = min(2 × MIN × 2^n, MAX). */
export const DEFAULT_MIN_BACKOFF_MS = 500;
export const DEFAULT_MAX_BACKOFF_MS = 10_000;

export type Method = 'GET' | 'POST' | 'PUT';

export interface ClientOptions {
  apiBase?: string;
  credentials: Credentials;
  /**
   * How long (ms) a request keeps retrying transient failures, from its first attempt; time spent queued for the
   * rate budget does not count. Default DEFAULT_RETRY_BUDGET_MS; 0: no retry.
   */
  retryBudgetMs?: number;
  /** At most this many retries as well (--max-retries); absent: only the budget limits them. */
  retries?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Retry-After waits are cut to this (tests: so that a 429 costs no real time); default: not cut. */
  maxRetryAfterMs?: number;
  timeoutMs?: number;
  /** Refuse every write: what `plan` uses, so that a plan cannot change anything even by mistake. */
  readOnly?: boolean;
  userAgent?: string;
  onRetry?: (event: RetryEvent) => void;
  /** The credential's paced rate budget (shared by every request of this client); absent: unpaced. */
  budget?: RateBudget;
  /** How backoff and Retry-After are waited out (ending early if `signal` aborts); tests pass one that records the wait (and moves `now`). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** The clock the retry budget is measured on (ms); default Date.now. */
  now?: () => number;
  /** Jitter's random source, values in [0, 1); default Math.random. */
  random?: () => number;
}

export interface RetryEvent {
  method: Method;
  path: string;
  /** The attempt that failed (1 for the first). */
  attempt: number;
  error: CloudflareApiError;
  /** The wait before the next attempt: the backoff, or the Retry-After when that is longer. */
  waitMs: number;
  /** The Retry-After honoured (0 without one). */
  retryAfterMs: number;
}

export interface ApiResponse<T> {
  status: number;
  result: T;
  /** The envelope's result_info (lists: counts, cursors), when it has one. */
  resultInfo?: unknown;
}

export interface RequestOptions {
  body?: unknown;
  /** A POST that creates something is not safe to resend blindly after a lost answer: the caller looks first. */
  idempotent?: boolean;
  /** Spend this retry budget (one started for a whole operation, e.g. a create with its look-first resends). */
  retry?: RetryRun;
  /**
   * A 401 answers this request alone and does not stop the client: tokens/verify at the wrong kind of endpoint
   * (an account-owned token at /user/tokens/verify) is refused with 401 although the token is fine.
   */
  probe?: boolean;
}

interface Envelope {
  success?: boolean;
  errors?: CloudflareMessage[];
  result?: unknown;
  result_info?: unknown;
}

type Got = typeof import('got').default;
let gotModule: Promise<Got> | undefined;
// got costs ~135 ms to import: only commands that reach the API pay for it.
const loadGot = () => (gotModule ??= import('got').then((m) => m.default));

export class CloudflareClient {
  readonly apiBase: URL;
  readonly stats = {
    requests: 0,
    retries: 0,
    /** Time spent waiting for the rate budget, summed over requests. */
    get waitMs(): number {
      return 0;
    },
    /** Wall time during which some request waited for the rate budget. */
    get heldMs(): number {
      return 0;
    },
  };
  readonly budget?: RateBudget;
  /** Aborted when retries are stopped (Ctrl-C): no new retry starts, and a retry wait ends at once. */
  readonly #stop = new AbortController();
  // Private fields do not show in util.inspect or JSON.stringify of the client.
  readonly #credentials: Credentials;
  #refusal: CredentialRefusedError | undefined;
  readonly #options: Required<Omit<ClientOptions, 'apiBase' | 'credentials' | 'onRetry' | 'budget' | 'retries'>> & Pick<ClientOptions, 'onRetry' | 'retries'>;

  constructor(options: ClientOptions) {
    this.apiBase = checkedApiBase(options.apiBase);
    this.#credentials = options.credentials;
    this.budget = options.budget;
    // One listener per retry wait in progress: as many as the requests in flight.
    setMaxListeners(0, this.#stop.signal);
    const budget = options.budget;
    if (budget) {
      Object.defineProperty(this.stats, 'waitMs', { get: () => budget.waitMs, enumerable: true });
      Object.defineProperty(this.stats, 'heldMs', { get: () => budget.heldMs, enumerable: true });
    }
    this.#options = {
      retryBudgetMs: options.retryBudgetMs ?? DEFAULT_RETRY_BUDGET_MS,
      retries: options.retries,
      minBackoffMs: options.minBackoffMs ?? DEFAULT_MIN_BACKOFF_MS,
      maxBackoffMs: options.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS,
      maxRetryAfterMs: options.maxRetryAfterMs ?? Infinity,
      timeoutMs: options.timeoutMs ?? 30_000,
      readOnly: options.readOnly ?? false,
      userAgent: options.userAgent ?? 'ztsync',
      onRetry: options.onRetry,
      sleep: options.sleep ?? sleep,
      now: options.now ?? Date.now,
      random: options.random ?? Math.random,
    };
  }

  /** Ctrl-C: start no new retry and end retry waits now (the attempts in flight still get their answers). */
  stopRetrying(): void {
    this.#stop.abort();
  }

  /** Set once the API refused the credential; every request after it fails with this error, unsent. */
  get refusal(): CredentialRefusedError | undefined {
    return this.#refusal;
  }

  /** Which kind of credential this client holds, and for a Global API key its email (never the secret). */
  get principal(): { kind: 'token' } | { kind: 'key'; email: string } {
    return this.#credentials.kind === 'token' ? { kind: 'token' } : { kind: 'key', email: this.#credentials.email };
  }

  /** Mask this client's credentials out of a text (server messages echo requests, headers included). */
  mask(text: string): string {
    return maskSecrets(text, secretsOf(this.#credentials));
  }

  get<T>(path: string): Promise<ApiResponse<T>> {
    return this.request<T>('GET', path);
  }

  put<T>(path: string, body: unknown): Promise<ApiResponse<T>> {
    return this.request<T>('PUT', path, { body });
  }

  post<T>(path: string, body: unknown, options: { idempotent?: boolean } = {}): Promise<ApiResponse<T>> {
    return this.request<T>('POST', path, { body, idempotent: options.idempotent ?? false });
  }

  async request<T>(method: Method, path: string, { body, idempotent = method !== 'POST', retry, probe = false }: RequestOptions = {}): Promise<ApiResponse<T>> {
    if (method !== 'GET' && this.#options.readOnly) {
      throw new Error(`internal: ${method} ${path} attempted by a read-only client (plan never writes)`);
    }
    const got = await loadGot();
    const run = retry ?? this.retryRun(method, path);
    for (;;) {
      if (this.#refusal) throw this.#refusal;
      try {
        return await this.#send<T>(got, method, path, body, run, probe);
      } catch (err) {
        if (!isWorthRetrying(err, idempotent) || !(await run.again(err as CloudflareApiError))) throw err;
      }
    }
  }

  /** A retry budget starting now, for one request or for an operation of several (pass it as `retry`). */
  retryRun(method: Method, path: string): RetryRun {
    return new RetryRun(this.#options, {
      method,
      path,
      stopped: this.#stop.signal,
      onRetry: (event) => {
        this.stats.retries++;
        this.#options.onRetry?.(event);
        // Every worker of this credential waits a 429 out, not only this request (only when a retry follows).
        if (event.error.status === 429 && event.retryAfterMs > 0) this.budget?.pause(event.retryAfterMs);
      },
    });
  }

  async #send<T>(got: Got, method: Method, path: string, body: unknown, run: RetryRun, probe = false): Promise<ApiResponse<T>> {
    const url = apiUrl(this.apiBase, path);
    const queuedFrom = this.#options.now();
    let release;
    try {
      release = await this.budget?.acquire(this.#stop.signal);
    } catch (err) {
      if (err instanceof BudgetWaitTooLong) throw new CloudflareApiError({ kind: 'stopped', method, path, detail: `not sent: ${err.message}` });
      throw new CloudflareApiError({ kind: 'stopped', method, path, detail: 'not sent: the run was stopped while this request waited for the rate budget' });
    }
    run.queued(this.#options.now() - queuedFrom);
    this.stats.requests++;
    let response;
    try {
      response = await got(url, {
        method,
        headers: { ...authHeaders(this.#credentials), 'user-agent': this.#options.userAgent, accept: 'application/json' },
        ...(body === undefined ? {} : { json: body }),
        responseType: 'text',
        throwHttpErrors: false,
        followRedirect: false,
        retry: { limit: 0 },
        timeout: { request: this.#options.timeoutMs },
      });
    } catch (err) {
      release?.();
      throw fromTransportError(err, method, path, (text) => this.mask(text));
    }
    release?.(response.headers);
    const envelope = parseEnvelope(response.body);
    const status = response.statusCode;
    const cfRay = headerText(response.headers['cf-ray']);
    if (status >= 200 && status < 300 && envelope && envelope.success !== false) {
      return { status, result: envelope.result as T, ...(envelope.result_info !== undefined ? { resultInfo: envelope.result_info } : {}) };
    }
    const init = {
      kind: envelope || status >= 300 ? ('http' as const) : ('invalid-response' as const),
      method,
      path,
      status,
      errors: envelope?.errors?.filter(isMessage).map((m) => ({ code: m.code, message: this.mask(m.message) })),
      cfRay: cfRay && this.mask(cfRay),
      retryAfterMs: parseRetryAfter(headerText(response.headers['retry-after'])),
      detail: envelope ? undefined : this.#notTheApi(contentTypeOf(headerText(response.headers['content-type']))),
      fromEnvelope: Boolean(envelope),
    };
    if (envelope && status === 401 && !probe) {
      this.#refusal ??= new CredentialRefusedError(init);
      throw this.#refusal;
    }
    if (envelope && status === 403) throw new CloudflareApiError({ ...init, hint: forbiddenHint(method, path) });
    throw new CloudflareApiError(init);
  }

  /**
   * A successful answer whose result is not what the call returns (a list, a string or a number where an object
   * belongs): a mock or a server that only looks like the API. Never taken for "not set up", which would plan a create.
   */
  unexpectedResult(method: Method, path: string, status: number, result: unknown): CloudflareApiError {
    const detail = this.#notTheApi(`its result is ${describeValue(result)}, not an object`);
    return new CloudflareApiError({ kind: 'invalid-response', method, path, status, detail, fromEnvelope: true });
  }

  /** An answer without Cloudflare's envelope: a proxy's error page, a web server, a mock at the wrong path. */
  #notTheApi(what: string): string {
    return `the answer does not look like the Cloudflare API (${what}); check that ${this.apiBase.href} is the API base URL (--api-base or CLOUDFLARE_BASE_URL)`;
  }
}

function contentTypeOf(header: string | undefined): string {
  return `${header ? header.split(';')[0].trim() : 'no content type'}, not its JSON envelope`;
}

/** What a JSON value is, in a few words (never the value itself: it may be long, or hold anything). */
function describeValue(value: unknown): string {
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'string') return `a string of ${value.length} characters`;
  return `a ${typeof value}`;
}

function isWorthRetrying(error: unknown, idempotent: boolean): boolean {
  if (!(error instanceof CloudflareApiError) || !error.retryable) return false;
  if (idempotent) return true;
  // A request that got no answer, or a 5xx, may have been carried out: only a 429 says it was not. The caller
  // of a non-idempotent request looks before sending it again.
  return error.status === 429;
}

function fromTransportError(err: unknown, method: string, path: string, mask: (text: string) => string): CloudflareApiError {
  const code = (err as { code?: string })?.code;
  const timedOut = code === 'ETIMEDOUT' || (err as { name?: string })?.name === 'TimeoutError';
  // Only the code and got's short message: the error object itself carries the request headers.
  const message = mask(err instanceof Error ? err.message : String(err));
  return new CloudflareApiError({ kind: timedOut ? 'timeout' : 'network', method, path, detail: code && !message.includes(code) ? `${code}: ${message}` : message });
}

function parseEnvelope(body: string): Envelope | undefined {
  try {
    const parsed = JSON.parse(body) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) && 'success' in parsed ? (parsed as Envelope) : undefined;
  } catch {
    return undefined;
  }
}

function isMessage(m: unknown): m is CloudflareMessage {
  return !!m && typeof m === 'object' && typeof (m as CloudflareMessage).message === 'string';
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Retry-After as seconds ("30") or an HTTP date, in milliseconds from now. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

type RetryPolicy = Pick<Required<ClientOptions>, 'retryBudgetMs' | 'minBackoffMs' | 'maxBackoffMs' | 'maxRetryAfterMs' | 'sleep' | 'now' | 'random'> & Pick<ClientOptions, 'retries'>;

/**
 * The retries of one request (or of one operation of several requests): after each transient failure, wait and
 * say whether to try again. The budget runs from the start, less the time spent queued for the rate budget.
 */
export class RetryRun {
  readonly #started: number;
  #queuedMs = 0;
  #failures = 0;

  constructor(
    private readonly policy: RetryPolicy,
    private readonly what: { method: Method; path: string; onRetry: (event: RetryEvent) => void; stopped?: AbortSignal },
  ) {
    this.#started = policy.now();
  }

  /** Time spent waiting for the rate budget: not spent from the retry budget. */
  queued(ms: number): void {
    this.#queuedMs += ms;
  }

  /** The budget left (ms). */
  get remainingMs(): number {
    return this.policy.retryBudgetMs - (this.policy.now() - this.#started - this.#queuedMs);
  }

  /**
   * After a transient failure: wait (backoff, or Retry-After when longer) and resolve true to try again; false at
   * once when the budget is spent, --max-retries is reached, a Retry-After is longer than the budget left, or
   * retries were stopped (then also as soon as they are, during the wait).
   */
  async again(error: CloudflareApiError): Promise<boolean> {
    const { retries, sleep, maxRetryAfterMs, random } = this.policy;
    const { stopped } = this.what;
    const failures = ++this.#failures;
    const remaining = this.remainingMs;
    if (remaining <= 0 || (retries !== undefined && failures > retries) || stopped?.aborted) return false;
    const retryAfterMs = Math.min(error.retryAfterMs ?? 0, maxRetryAfterMs);
    // The server said not before then: a wait the budget cannot cover is not started.
    if (retryAfterMs > remaining) return false;
    const waitMs = Math.min(Math.max(backoffMs(failures - 1, this.policy, random), retryAfterMs), remaining);
    this.what.onRetry({ method: this.what.method, path: this.what.path, attempt: failures, error, waitMs, retryAfterMs });
    if (waitMs > 0) await waitUnlessStopped(sleep, waitMs, stopped);
    return !stopped?.aborted;
  }
}

/** The wait before retry n (0-based): random in [ceiling/2, ceiling], ceiling = min(2 × min × 2^n, max) — jittered at the cap too. */
export function backoffMs(retry: number, { minBackoffMs, maxBackoffMs }: Pick<RetryPolicy, 'minBackoffMs' | 'maxBackoffMs'>, random: () => number = Math.random): number {
  const ceiling = Math.min(2 * minBackoffMs * 2 ** Math.min(retry, 30), maxBackoffMs);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Wait, ending early when `stopped` aborts (its timer cleared too, so that nothing holds the process open). */
async function waitUnlessStopped(wait: (ms: number, signal?: AbortSignal) => Promise<void>, ms: number, stopped: AbortSignal | undefined): Promise<void> {
  if (!stopped) return wait(ms);
  let onAbort!: () => void;
  const aborted = new Promise<void>((resolve) => stopped.addEventListener('abort', (onAbort = () => resolve()), { once: true }));
  try {
    await Promise.race([wait(ms, stopped), aborted]);
  } finally {
    stopped.removeEventListener('abort', onAbort);
  }
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> => delay(ms, undefined, { signal }).catch(() => undefined);
