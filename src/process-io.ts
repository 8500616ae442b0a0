// The CLI's edges on a real process (stdin, stdout, stderr, signals, exit): shared by the command line (bin.ts)
// and the GitHub Action's entry (action/main.ts), which both run the CLI in this process.

import { createInterface } from 'node:readline/promises';
import { Interrupted, type Io } from './io.js';

/** The real process as the CLI's Io; `exit` ends the run at once (a second Ctrl-C). */
export function processIo(exit: (code: number) => void = (code) => process.exit(code)): Io {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    stdinIsTTY: Boolean(process.stdin.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    async prompt(question) {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return await rl.question(question);
      } catch (err) {
        // The terminal is in raw mode, so readline sees Ctrl-C (not a signal) and Ctrl-D, and rejects with either.
        if ((err as { code?: string }).code !== 'ABORT_ERR') throw err;
        if (/Ctrl\+C/.test((err as Error).message)) throw new Interrupted('cancelled with Ctrl-C at the prompt: nothing was changed');
        return ''; // Ctrl-D: no answer, which is not "yes"
      } finally {
        rl.close();
      }
    },
    stopSignal: (until) =>
      new Promise((resolve) => {
        // Heard once: unless the caller listens again, a second Ctrl-C finds no listener and ends the process at
        // once, as Node does by default. The listeners go after the caller's own reaction to this one has run, so
        // that a caller listening again leaves no moment with none (when Node would restore the default action).
        const stop = (signal: string) => {
          resolve(signal);
          queueMicrotask(stopListening);
        };
        const stopListening = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
        until?.addEventListener('abort', stopListening, { once: true });
      }),
    exit,
  };
}

/**
 * A reader that went away (`ztsync plan … | head`) is not a failure of ours: stop writing to it, but finish the
 * work (an apply in flight must still complete and read back), and end with the command's own exit code.
 */
export function ignoreGoneReaders(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
    });
  }
}
