// One paced rate budget per credential, shared by every request of every worker that uses it: at most `requests`
// in any `windowSeconds`. A request counts from the moment it is sent until `windowSeconds` after its answer
// arrived (the server counts it somewhere in between), so latency never makes ztsync spend more than the limit.
// A 429 pauses the whole credential until its retry-after. Every answer's `Ratelimit` (r: requests left, t: seconds
// until the window moves) bounds what is sent next, because someone else (the dashboard) may spend from the same
// budget, or the server's limit may be lower than --rate-limit: at most r, less the requests still in flight (each
// may take one), until t; after t, one request at a time until an answer says again how much is left. Waiting only
// for r=0 was too late: the requests already in flight at concurrency 8 went over and locked the credential out.
// No npm limiter fits: bottleneck and p-throttle count a request when it starts, which under varying latency
// lets the server see more than N in a window, and neither can be paused from an answer.

export interface RateLimitSetting {
  requests: number;
  windowSeconds: number;
}

/** Cloudflare's 1200 per 300 s, less 200 left for people in the dashboard (who spend from the same budget). */
export const DEFAULT_RATE_LIMIT: RateLimitSetting = { requests: 1000, windowSeconds: 300 };

type Release = (headers?: Record<string, string | string[] | undefined>) => void;

/** Time as the budget sees it; tests pass a fake one, so that pacing is checked without waiting. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The longest timer Node keeps (2^31 − 1 ms); a longer one fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The server asked for a wait longer than a request may spend queued for it: the request is not sent, and fails at
 * once (as a Retry-After longer than the retry budget does), naming the wait.
 */
export class BudgetWaitTooLong extends Error {
  override name = 'BudgetWaitTooLong';
  constructor(
    readonly waitMs: number,
    readonly maxWaitMs: number,
  ) {
    super(`the API's Ratelimit answer asks for no request for ${seconds(waitMs)}, longer than ztsync waits (${seconds(maxWaitMs)}: the longer of --retry-budget and the --rate-limit window)`);
  }
}

function seconds(ms: number): string {
  return `${Math.ceil(ms / 1000)} s`;
}

/** Not unref'd: a request is waiting for the timer, and the process must stay alive for that request. */
export const SYSTEM_CLOCK: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export class RateBudget {
  /**
   * When each answered request stops counting (ms), oldest first: answers are appended as they arrive, each with the
   * same window, so the list stays in order and expired ones leave from the front (no scan of a fleet's worth).
   */
  readonly #answered: number[] = [];
  #pausedUntil = 0;
  readonly #queue: { grant: (release: Release) => void; refuse: (error: Error) => void }[] = [];
  #timer?: unknown;
  /** Requests sent and not answered yet (they count too). */
  #inFlight = 0;
  /** What the server's last `Ratelimit` allows: `left` more requests until `until` (ms); absent: the server does not say. */
  #server?: { left: number; until: number };
  /** Time requests spent waiting for the budget, summed (eight requests waiting one second: 8 s). */
  waitMs = 0;
  /** Wall time during which at least one request waited, before the current stretch. */
  #heldMs = 0;
  /** Since when requests have been waiting, while some are. */
  #heldSince?: number;

  /** The longest a request waits for what the server's Ratelimit asks; a longer wait fails it at once. */
  readonly maxWaitMs: number;

  constructor(
    readonly limit: RateLimitSetting,
    private readonly clock: Clock = SYSTEM_CLOCK,
    { retryBudgetMs = 120_000 }: { retryBudgetMs?: number } = {},
  ) {
    this.maxWaitMs = Math.min(MAX_TIMER_MS, Math.max(retryBudgetMs, limit.windowSeconds * 1000));
  }

  /** Requests waiting for room right now. */
  get waiting(): number {
    return this.#queue.length;
  }

  /** Wall time during which some request waited for room: how much the budget has slowed the run (at most its length). */
  get heldMs(): number {
    return this.#heldMs + (this.#heldSince === undefined ? 0 : this.clock.now() - this.#heldSince);
  }

  /**
   * Wait for room, then count a request; call the returned function when its answer (or failure) arrives. When
   * `signal` aborts (Ctrl-C) while the request waits, or before it came without room free, it leaves the queue
   * uncounted and this rejects.
   */
  async acquire(signal?: AbortSignal): Promise<Release> {
    const started = this.clock.now();
    const release = await new Promise<Release>((resolve, reject) => {
      const entry = {
        grant: (release: Release) => {
          signal?.removeEventListener('abort', leave);
          resolve(release);
        },
        refuse: (error: Error) => {
          signal?.removeEventListener('abort', leave);
          reject(error);
        },
      };
      const leave = () => {
        const at = this.#queue.indexOf(entry);
        if (at < 0) return; // granted already
        this.#queue.splice(at, 1);
        this.#pump(); // an empty queue needs no wake-up: its timer is cleared
        reject(signal!.reason);
      };
      this.#queue.push(entry);
      this.#pump();
      // Stopped already: only a request that got room at once goes (a write's read-back, say).
      if (signal?.aborted) leave();
      else signal?.addEventListener('abort', leave, { once: true });
    });
    this.waitMs += this.clock.now() - started;
    return release;
  }

  /** Pause every request of this credential for this long (a 429's retry-after). */
  pause(ms: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, this.clock.now() + ms);
    this.#pump();
  }

  #observe(headers: Record<string, string | string[] | undefined>): void {
    // A 429's retry-after pauses the credential from the client, when it is going to retry (--max-retries 0: never).
    if (headers['retry-after'] !== undefined) return;
    const text = String(headers['ratelimit'] ?? '');
    const remaining = /\br=(\d+)/.exec(text);
    const reset = /\bt=(\d+)/.exec(text);
    this.#server = remaining && reset ? { left: Number(remaining[1]) - this.#inFlight, until: this.clock.now() + Number(reset[1]) * 1000 } : undefined;
  }

  /** Whether the server's last word lets one more request go now; else when that may change (undefined: at an answer). */
  #serverAllows(now: number): { ok: boolean; wakeAt?: number } {
    const server = this.#server;
    if (!server) return { ok: true };
    if (now < server.until) return server.left > 0 ? { ok: true } : { ok: false, wakeAt: server.until };
    return { ok: this.#inFlight === 0 }; // the window has moved by an unknown amount: one request finds out
  }

  #pump(): void {
    if (this.#timer !== undefined) this.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    const now = this.clock.now();
    while (this.#answered.length > 0 && this.#answered[0] <= now) this.#answered.shift();
    const counted = () => this.#inFlight + this.#answered.length;
    while (this.#queue.length > 0 && now >= this.#pausedUntil && counted() < this.limit.requests && this.#serverAllows(now).ok) {
      this.#inFlight++;
      if (this.#server) this.#server.left--;
      this.#queue.shift()!.grant((headers) => {
        this.#answered.push(this.clock.now() + this.limit.windowSeconds * 1000);
        this.#inFlight--;
        if (headers) this.#observe(headers);
        this.#pump();
      });
    }
    if (this.#queue.length === 0) {
      if (this.#heldSince !== undefined) this.#heldMs += now - this.#heldSince;
      this.#heldSince = undefined;
      return;
    }
    this.#heldSince ??= now;
    // The latest time at which one of the conditions that hold the queue may clear; one that only an answer can
    // clear (every slot in flight, a request finding out how much is left) needs no timer: the release pumps.
    const full = counted() >= this.limit.requests;
    const server = this.#serverAllows(now);
    const clearAt = [now < this.#pausedUntil ? this.#pausedUntil : undefined, full ? this.#answered[0] : undefined, server.ok ? undefined : server.wakeAt];
    const times = clearAt.filter((t): t is number => t !== undefined);
    if (times.length === 0) return;
    const wakeAt = Math.max(...times);
    // Only the server's word can ask for a wait this long (a 429 pauses only within the retry budget): every
    // request waiting fails at once, naming the wait, instead of a timer Node cannot keep.
    if (wakeAt - now > this.maxWaitMs) {
      const error = new BudgetWaitTooLong(wakeAt - now, this.maxWaitMs);
      for (const waiting of this.#queue.splice(0)) waiting.refuse(error);
      this.#heldMs += now - (this.#heldSince ?? now);
      this.#heldSince = undefined;
      return;
    }
    this.#timer = this.clock.setTimeout(() => this.#pump(), Math.max(1, wakeAt - now));
  }
}

/** "1000/300" → 1000 requests per 300 seconds. */
export function parseRateLimitSetting(text: string): RateLimitSetting | undefined {
  const match = /^\s*(\d+)\s*\/\s*(\d+(?:\.\d+)?)\s*$/.exec(text);
  const limit = match && { requests: Number(match[1]), windowSeconds: Number(match[2]) };
  return limit && limit.requests >= 1 && limit.windowSeconds > 0 ? limit : undefined;
}
