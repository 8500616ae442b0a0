// A sliding-window rate limit per credential, like Cloudflare's 1200 requests per 300 seconds per user.

export interface RateLimit {
  requests: number;
  windowSeconds: number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export class SlidingWindow {
  /** Accepted request times (ms) per credential key, oldest first. */
  private readonly seen = new Map<string, number[]>();

  constructor(
    readonly limit: RateLimit,
    private readonly clock: () => number,
  ) {}

  /** Count a request for this key, unless the window is full; refused requests are not counted. */
  take(key: string): RateDecision {
    const now = this.clock();
    const windowMs = this.limit.windowSeconds * 1000;
    const times = (this.seen.get(key) ?? []).filter((t) => t > now - windowMs);
    if (times.length >= this.limit.requests) {
      this.seen.set(key, times);
      // The oldest accepted request leaves the window at times[0] + windowMs.
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((times[0] + windowMs - now) / 1000)) };
    }
    times.push(now);
    this.seen.set(key, times);
    return { allowed: true };
  }

  /** Cloudflare's `Ratelimit-Policy` header value. */
  policy(): string {
    return `${this.limit.requests};w=${this.limit.windowSeconds}`;
  }
}

/** "1200/300" → 1200 requests per 300 seconds. */
export function parseRateLimit(text: string): RateLimit | undefined {
  const match = /^\s*(\d+)\s*\/\s*(\d+(?:\.\d+)?)\s*$/.exec(text);
  if (!match) return undefined;
  const limit = { requests: Number(match[1]), windowSeconds: Number(match[2]) };
  return limit.requests >= 1 && limit.windowSeconds > 0 ? limit : undefined;
}
