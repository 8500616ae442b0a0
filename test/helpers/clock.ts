// A fake clock for the rate budget and the client's retry waits: time moves only when a test (or a sleep it
// hands to the client) advances it, so pacing and budgets are checked exactly, without waiting.
import type { Clock } from '../../src/cloudflare/budget.js';

export class FakeClock implements Clock {
  #now = 0;
  #timers: { at: number; callback: () => void; id: number }[] = [];
  #ids = 0;
  /** Every wait handed to sleep(), in order. */
  readonly slept: number[] = [];

  now = (): number => this.#now;

  setTimeout = (callback: () => void, ms: number): unknown => {
    const id = ++this.#ids;
    this.#timers.push({ at: this.#now + ms, callback, id });
    return id;
  };

  clearTimeout = (handle: unknown): void => {
    this.#timers = this.#timers.filter((t) => t.id !== handle);
  };

  /** Timers set and not yet fired or cleared. */
  get pending(): number {
    return this.#timers.length;
  }

  /** Move time forward, firing the timers that fall due, in order. */
  advance(ms: number): void {
    const until = this.#now + ms;
    for (;;) {
      const due = this.#timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.#timers = this.#timers.filter((t) => t !== due);
      this.#now = Math.max(this.#now, due.at);
      due.callback();
    }
    this.#now = until;
  }

  /** A sleep for the client that records the wait and moves time by it at once. */
  sleep = async (ms: number): Promise<void> => {
    this.slept.push(ms);
    this.advance(ms);
  };
}

/**
 * Let pending callbacks and I/O run until `condition` holds: checked every event-loop turn, with a short timer now
 * and then so that real I/O (a module loading, a socket) gets its turn. Fails after 10 s of real time.
 */
export async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (let turn = 1; !condition(); turn++) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((resolve) => (turn % 100 === 0 ? setTimeout(resolve, 5) : setImmediate(resolve)));
  }
}
