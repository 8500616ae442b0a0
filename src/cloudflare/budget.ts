// One paced rate budget per credential, shared by every request of every worker that uses it: at most `requests`
// in any `windowSeconds`. A request counts from the moment it is sent until `windowSeconds` after its answer
// arrived (the server counts it somewhere in between), so latency never makes ztsync spend more than the limit.
// A 429 pauses the whole credential until its retry-after; a `Ratelimit` answer whose remaining quota is used up
// (someone else, e.g. the dashboard, spends from the same budget) pauses it until that window resets.
// No npm limiter fits: bottleneck and p-throttle count a request when it starts, which under varying latency
// lets the server see more than N in a window, and neither can be paused from an answer.

export interface RateLimitSetting {
  requests: number;
  windowSeconds: number;
}

/** Cloudflare's 1200 per 300 s, less 200 left for people in the dashboard (who spend from the same budget). */
export const DEFAULT_RATE_LIMIT: RateLimitSetting = { requests: 1000, windowSeconds: 300 };

type Release = (headers?: Record<string, string | string[] | undefined>) => void;

export class RateBudget {
  /** When each counted request stops counting (ms); Infinity while it is in flight. */
  readonly #slots: { until: number }[] = [];
  #pausedUntil = 0;
  readonly #queue: ((release: Release) => void)[] = [];
  #timer?: NodeJS.Timeout;
  /** Time requests spent waiting for the budget, summed. */
  waitMs = 0;

  constructor(readonly limit: RateLimitSetting) {}

  /** Wait for room, then count a request; call the returned function when its answer (or failure) arrives. */
  async acquire(): Promise<Release> {
    const started = Date.now();
    const release = await new Promise<Release>((resolve) => {
      this.#queue.push(resolve);
      this.#pump();
    });
    this.waitMs += Date.now() - started;
    return release;
  }

  /** Pause every request of this credential for this long (a 429's retry-after). */
  pause(ms: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, Date.now() + ms);
    this.#pump();
  }

  #observe(headers: Record<string, string | string[] | undefined>): void {
    const text = String(headers['ratelimit'] ?? '');
    const remaining = /\br=(\d+)/.exec(text);
    const reset = /\bt=(\d+)/.exec(text);
    // Used up (by someone else too): wait for the window to reset; the local count alone would send too early.
    // (A 429's retry-after pauses the credential from the client, when it is going to retry.)
    if (remaining && reset && Number(remaining[1]) === 0 && headers['retry-after'] === undefined) this.pause(Number(reset[1]) * 1000);
  }

  #pump(): void {
    clearTimeout(this.#timer);
    const now = Date.now();
    for (let i = this.#slots.length - 1; i >= 0; i--) if (this.#slots[i].until <= now) this.#slots.splice(i, 1);
    while (this.#queue.length > 0 && now >= this.#pausedUntil && this.#slots.length < this.limit.requests) {
      const slot = { until: Infinity };
      this.#slots.push(slot);
      this.#queue.shift()!((headers) => {
        slot.until = Date.now() + this.limit.windowSeconds * 1000;
        if (headers) this.#observe(headers);
        this.#pump();
      });
    }
    if (this.#queue.length === 0) return;
    const finite = this.#slots.map((s) => s.until).filter((t) => t !== Infinity);
    const full = this.#slots.length >= this.limit.requests;
    // Full with every slot in flight: a release will pump again.
    if (full && finite.length === 0 && this.#pausedUntil <= now) return;
    const wakeAt = Math.max(this.#pausedUntil, full ? Math.min(...finite) : now);
    // Not unref'd: a request is waiting for it, and the process must stay alive for that request.
    this.#timer = setTimeout(() => this.#pump(), Math.max(1, wakeAt - now));
  }
}

/** "1000/300" → 1000 requests per 300 seconds. */
export function parseRateLimitSetting(text: string): RateLimitSetting | undefined {
  const match = /^\s*(\d+)\s*\/\s*(\d+(?:\.\d+)?)\s*$/.exec(text);
  const limit = match && { requests: Number(match[1]), windowSeconds: Number(match[2]) };
  return limit && limit.requests >= 1 && limit.windowSeconds > 0 ? limit : undefined;
}
