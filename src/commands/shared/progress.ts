// Progress of a long plan or apply, on stderr only (stdout carries the plan): on a terminal, one live line
// redrawn in place; otherwise (CI logs) a plain line every few seconds. --quiet turns it off.

import type { ClientPool } from '../../cloudflare/pool.js';
import type { Io } from '../../io.js';

export interface ProgressCounts {
  requests: number;
  retries: number;
  /** Wall time during which requests were held back by the rate budget (not summed over requests: at most the run's length). */
  heldMs: number;
}

export interface ProgressOptions {
  /** "plan" or "apply". */
  label: string;
  total: number;
  quiet?: boolean;
  counts: () => ProgressCounts;
}

/** Seconds between lines without a terminal; ZTSYNC_PROGRESS_INTERVAL overrides it (0: a line per finished target). */
export const DEFAULT_LOG_INTERVAL_SECONDS = 5;
const TTY_REDRAW_MS = 200;

export class Progress {
  #done = 0;
  #lines = 0;
  #timer?: NodeJS.Timeout;
  readonly #started = Date.now();
  readonly #tty: boolean;
  readonly #intervalMs: number;
  readonly #enabled: boolean;

  constructor(
    private readonly io: Io,
    private readonly options: ProgressOptions,
  ) {
    this.#tty = io.stderrIsTTY === true;
    const configured = Number(io.env.ZTSYNC_PROGRESS_INTERVAL);
    const seconds = io.env.ZTSYNC_PROGRESS_INTERVAL !== undefined && Number.isFinite(configured) && configured >= 0 ? configured : DEFAULT_LOG_INTERVAL_SECONDS;
    this.#intervalMs = this.#tty ? TTY_REDRAW_MS : seconds * 1000;
    this.#enabled = !options.quiet && options.total > 0;
    if (this.#enabled && this.#intervalMs > 0) {
      this.#timer = setInterval(() => this.draw(), this.#intervalMs);
      this.#timer.unref();
    }
  }

  targetDone(): void {
    this.#done++;
    if (this.#enabled && this.#intervalMs === 0) this.draw();
  }

  /** Stop: a terminal's live line is cleared; a log that got lines gets a last one. */
  stop(): void {
    clearInterval(this.#timer);
    if (!this.#enabled) return;
    if (this.#tty) {
      if (this.#lines > 0) this.clearLine();
    } else if (this.#lines > 0 && this.#intervalMs > 0) {
      this.draw();
    }
  }

  /** Stop without a last line (the run is ending at once): only a terminal's live line is cleared. */
  abandon(): void {
    clearInterval(this.#timer);
    if (this.#enabled && this.#tty && this.#lines > 0) this.clearLine();
  }

  line(): string {
    const { label, total } = this.options;
    const { requests, retries, heldMs } = this.options.counts();
    const elapsedMs = Date.now() - this.#started;
    const parts = [`${label}: ${this.#done}/${total} targets`, `${requests} requests`, `${retries} retries`, `${seconds(heldMs)} held by the rate budget`, `${seconds(elapsedMs)} elapsed`];
    if (this.#done > 0 && this.#done < total) parts.push(`ETA ${seconds((elapsedMs / this.#done) * (total - this.#done))}`);
    return parts.join(', ');
  }

  private draw(): void {
    this.#lines++;
    if (this.#tty) this.clearLine();
    this.io.stderr.write(this.#tty ? this.line() : `${this.line()}\n`);
  }

  /** Back to the start of the live line, erased: a sequence of ztsync's own, so written as it is. */
  private clearLine(): void {
    const sequence = '\r\x1b[2K';
    if (this.io.stderr.control) this.io.stderr.control(sequence);
    else this.io.stderr.write(sequence);
  }
}

function seconds(ms: number): string {
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** Requests, retries and rate-budget waits of every client of the pool so far. */
export function countsOf(clients: ClientPool): () => ProgressCounts {
  return () => {
    const all = clients.clients.map((c) => c.stats);
    const sum = (key: 'requests' | 'retries') => all.reduce((total, c) => total + c[key], 0);
    // Each credential's budget holds its own requests; the one that held the run longest says how much it was slowed.
    return { requests: sum('requests'), retries: sum('retries'), heldMs: Math.max(0, ...all.map((c) => c.heldMs)) };
  };
}
