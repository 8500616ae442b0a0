// The one way ztsync talks to the Cloudflare API. got does the HTTP (its own retry off), p-retry owns the
// policy: 429 (honouring Retry-After), 5xx, timeouts and connection errors are retried with jittered
// exponential backoff; other 4xx never are. Every failure leaves as a CloudflareApiError, with the
// credentials masked out of whatever text the server sent back. A refused credential (401/403) stops the
// client: it makes no further request.

import pRetry, { AbortError } from 'p-retry';
import { apiUrl, authHeaders, checkedApiBase, maskSecrets, refusalAdvice, secretsOf, type Credentials } from './credentials.js';
import type { RateBudget } from './budget.js';
import { CloudflareApiError, CredentialRefusedError, type CloudflareMessage } from './errors.js';

export type Method = 'GET' | 'POST' | 'PUT';

export interface ClientOptions {
  apiBase?: string;
  credentials: Credentials;
  /** Retries after the first attempt. */
  retries?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** The longest Retry-After the client waits out; a longer one is cut to this. */
  maxRetryAfterMs?: number;
  timeoutMs?: number;
  /** Refuse every write: what `plan` uses, so that a plan cannot change anything even by mistake. */
  readOnly?: boolean;
  userAgent?: string;
  onRetry?: (event: RetryEvent) => void;
  /** The credential's paced rate budget (shared by every request of this client); absent: unpaced. */
  budget?: RateBudget;
  /** How Retry-After is waited out; tests pass one that records the wait instead of waiting. */
  sleep?: (ms: number) => Promise<void>;
}

export interface RetryEvent {
  method: Method;
  path: string;
  attempt: number;
  error: CloudflareApiError;
  waitMs: number;
}

export interface ApiResponse<T> {
  status: number;
  result: T;
}

export interface RequestOptions {
  body?: unknown;
  /** A POST that creates something is not safe to resend blindly after a lost answer: the caller looks first. */
  idempotent?: boolean;
}

interface Envelope {
  success?: boolean;
  errors?: CloudflareMessage[];
  result?: unknown;
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
  };
  readonly budget?: RateBudget;
  // Private fields do not show in util.inspect or JSON.stringify of the client.
  readonly #credentials: Credentials;
  #refusal: CredentialRefusedError | undefined;
  readonly #options: Required<Omit<ClientOptions, 'apiBase' | 'credentials' | 'onRetry' | 'budget'>> & Pick<ClientOptions, 'onRetry'>;

  constructor(options: ClientOptions) {
    this.apiBase = checkedApiBase(options.apiBase);
    this.#credentials = options.credentials;
    this.budget = options.budget;
    const budget = options.budget;
    if (budget) Object.defineProperty(this.stats, 'waitMs', { get: () => budget.waitMs, enumerable: true });
    this.#options = {
      retries: options.retries ?? 4,
      minBackoffMs: options.minBackoffMs ?? 500,
      maxBackoffMs: options.maxBackoffMs ?? 8_000,
      maxRetryAfterMs: options.maxRetryAfterMs ?? 300_000,
      timeoutMs: options.timeoutMs ?? 30_000,
      readOnly: options.readOnly ?? false,
      userAgent: options.userAgent ?? 'ztsync',
      onRetry: options.onRetry,
      sleep: options.sleep ?? sleep,
    };
  }

  /** Set once the API refused the credential; every request after it fails with this error, unsent. */
  get refusal(): CredentialRefusedError | undefined {
    return this.#refusal;
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

  async request<T>(method: Method, path: string, { body, idempotent = method !== 'POST' }: RequestOptions = {}): Promise<ApiResponse<T>> {
    if (method !== 'GET' && this.#options.readOnly) {
      throw new Error(`internal: ${method} ${path} attempted by a read-only client (plan never writes)`);
    }
    const got = await loadGot();
    const { retries, minBackoffMs, maxBackoffMs } = this.#options;
    let attempt = 0;
    return pRetry(
      async () => {
        attempt++;
        if (this.#refusal) throw new AbortError(this.#refusal);
        try {
          return await this.#send<T>(got, method, path, body);
        } catch (err) {
          const error = err as CloudflareApiError;
          if (!isWorthRetrying(error, idempotent)) throw new AbortError(error);
          throw error;
        }
      },
      {
        retries,
        minTimeout: minBackoffMs,
        maxTimeout: maxBackoffMs,
        factor: 2,
        randomize: true,
        onFailedAttempt: async ({ error, retriesLeft }) => {
          // p-retry calls this after the last attempt too: then there is nothing to wait for.
          if (retriesLeft <= 0) return;
          const apiError = error as CloudflareApiError;
          // Retry-After is waited out here; p-retry's own (short) backoff follows it.
          const waitMs = Math.min(apiError.retryAfterMs ?? 0, this.#options.maxRetryAfterMs);
          this.stats.retries++;
          this.#options.onRetry?.({ method, path, attempt, error: apiError, waitMs });
          // Every worker of this credential waits it out, not only this request.
          if (waitMs > 0 && apiError.status === 429) this.budget?.pause(waitMs);
          if (waitMs > 0) await this.#options.sleep(waitMs);
        },
      },
    );
  }

  async #send<T>(got: Got, method: Method, path: string, body: unknown): Promise<ApiResponse<T>> {
    const url = apiUrl(this.apiBase, path);
    const release = await this.budget?.acquire();
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
      return { status, result: envelope.result as T };
    }
    const init = {
      kind: envelope || status >= 300 ? ('http' as const) : ('invalid-response' as const),
      method,
      path,
      status,
      errors: envelope?.errors?.filter(isMessage).map((m) => ({ code: m.code, message: this.mask(m.message) })),
      cfRay: cfRay && this.mask(cfRay),
      retryAfterMs: parseRetryAfter(headerText(response.headers['retry-after'])),
      detail: envelope ? undefined : this.#notTheApi(status, headerText(response.headers['content-type'])),
      fromEnvelope: Boolean(envelope),
    };
    if (envelope && (status === 401 || status === 403)) {
      this.#refusal ??= new CredentialRefusedError(init, refusalAdvice(this.#credentials));
      throw this.#refusal;
    }
    throw new CloudflareApiError(init);
  }

  /** An answer without Cloudflare's envelope: a proxy's error page, a web server, a mock at the wrong path. */
  #notTheApi(status: number, contentType: string | undefined): string {
    const what = contentType ? contentType.split(';')[0].trim() : 'no content type';
    return `the answer does not look like the Cloudflare API (${what}, not its JSON envelope); check that ${this.apiBase.href} is the API base URL (--api-base or CLOUDFLARE_BASE_URL)`;
  }
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

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
