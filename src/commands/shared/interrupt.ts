// Ctrl-C during one phase of a run (reading live state, or writing it): stop starting new work at the first
// signal, end at once at the second, saying each time what was and was not done.

import type { ClientPool } from '../../cloudflare/pool.js';
import { EXIT, type Io } from '../../io.js';

/** What a phase says on Ctrl-C: at the first signal, and at a second one, just before the run ends at once. */
export interface InterruptSaying {
  first(signal: string): string;
  again(signal: string): string;
}

/**
 * Ctrl-C (SIGINT or SIGTERM) during one phase of a run: `signal` aborts at the first one, when every client also
 * stops retrying (a call in a long outage would otherwise hold the run for its whole retry budget) and `first` is
 * printed. A second one prints `again` (which may save what it must first) and ends the run at once, exit 130.
 * `end()` stops listening, so that a later Ctrl-C does what it would have done without this phase.
 */
export function stopOnInterrupt(io: Io, clients: ClientPool, saying: InterruptSaying): { signal: AbortSignal; end(): void } {
  const listening = new AbortController();
  const stop = new AbortController();
  void io.stopSignal(listening.signal).then((signal) => {
    if (listening.signal.aborted) return;
    stop.abort(signal);
    clients.stopRetrying();
    io.stderr.write(saying.first(signal));
    return io.stopSignal(listening.signal).then((again) => {
      if (listening.signal.aborted) return;
      io.stderr.write(saying.again(again));
      io.exit(EXIT.interrupted);
    });
  });
  return { signal: stop.signal, end: () => listening.abort() };
}
