// Cloudflare's rate limit per credential: at most N requests in any S seconds (1200 per 300 s per user or token);
// the request over it starts a lockout in which every call of that credential is refused, for S seconds unless
// configured otherwise (lockout 0: a plain sliding window, only the requests over it are refused).

export interface RateLimit {
  requests: number;
  windowSeconds: number;
  /** How long a credential is refused after going over; absent: windowSeconds (Cloudflare's behaviour); 0: no lockout. */
  lockoutSeconds?: number;
}

/** The quota left and when it resets, as every answer reports it (Cloudflare's `Ratelimit` header). */
export interface RateStatus {
  remaining: number;
  resetSeconds: number;
}

export type RateDecision = ({ allowed: true } | { allowed: false; retryAfterSeconds: number }) & { status: RateStatus };

export class SlidingWindow {
  /** Accepted request times (ms) per credential key, oldest first. */
  private readonly seen = new Map<string, number[]>();
  /** Until when (ms) a credential that went over is refused. */
  private readonly lockedUntil = new Map<string, number>();

  constructor(
    readonly limit: RateLimit,
    private readonly clock: () => number,
  ) {}

  private get lockoutMs(): number {
    return (this.limit.lockoutSeconds ?? this.limit.windowSeconds) * 1000;
  }

  /** Count a request for this key, unless the window is full or the key is locked out; refused requests are not counted. */
  take(key: string): RateDecision {
    const now = this.clock();
    const windowMs = this.limit.windowSeconds * 1000;
    const times = (this.seen.get(key) ?? []).filter((t) => t > now - windowMs);
    this.seen.set(key, times);
    const locked = this.lockedUntil.get(key);
    if (locked !== undefined && locked > now) return this.refuse(locked - now, { remaining: 0, resetSeconds: seconds(locked - now) });
    if (locked !== undefined) this.lockedUntil.delete(key);
    if (times.length >= this.limit.requests) {
      // The oldest accepted request leaves the window at times[0] + windowMs.
      const slotFreeMs = times[0] + windowMs - now;
      if (this.lockoutMs <= 0) return this.refuse(slotFreeMs, { remaining: 0, resetSeconds: seconds(slotFreeMs) });
      this.lockedUntil.set(key, now + this.lockoutMs);
      return this.refuse(this.lockoutMs, { remaining: 0, resetSeconds: seconds(this.lockoutMs) });
    }
    times.push(now);
    return { allowed: true, status: { remaining: this.limit.requests - times.length, resetSeconds: seconds(times[0] + windowMs - now) } };
  }

  private refuse(waitMs: number, status: RateStatus): RateDecision {
    return { allowed: false, retryAfterSeconds: seconds(waitMs), status };
  }

  /** The headers every answer of a credential carries: `Ratelimit` (this credential's state) and `Ratelimit-Policy`. */
  headers(status: RateStatus): Record<string, string> {
    return {
      ratelimit: `"default";r=${status.remaining};t=${status.resetSeconds}`,
      'ratelimit-policy': `"burst";q=${this.limit.requests};w=${this.limit.windowSeconds}`,
    };
  }
}

/** Whole seconds, rounded up, at least 1 (as Cloudflare's retry-after). */
function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/** "1200/300" → 1200 requests per 300 seconds. */
export function parseRateLimit(text: string): RateLimit | undefined {
  const match = /^\s*(\d+)\s*\/\s*(\d+(?:\.\d+)?)\s*$/.exec(text);
  if (!match) return undefined;
  const limit = { requests: Number(match[1]), windowSeconds: Number(match[2]) };
  return limit.requests >= 1 && limit.windowSeconds > 0 ? limit : undefined;
}
