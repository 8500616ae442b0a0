// Capture a command's output in-process.
import type { Io } from '../../src/io.js';
import { runCli } from '../../src/cli.js';

export interface CapturedRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `exited` resolves with the code the run ended with at once (io.exit: a second Ctrl-C), if it did. */
export function captureIo(overrides: Partial<Io> = {}): Io & { out: string[]; err: string[]; exited: Promise<number> } {
  const out: string[] = [];
  const err: string[] = [];
  let exit!: (code: number) => void;
  const exited = new Promise<number>((resolve) => (exit = resolve));
  return {
    out,
    err,
    exited,
    exit,
    stdout: { write: (s: string) => out.push(s) },
    stderr: { write: (s: string) => err.push(s) },
    env: {},
    stdoutIsTTY: false,
    stdinIsTTY: false,
    prompt: async () => 'no',
    stopSignal: () => new Promise(() => {}),
    ...overrides,
  };
}

/**
 * Run `ztsync ARGS` in-process. A run that ends at once (io.exit, as on a second Ctrl-C) resolves then, with what
 * it printed so far; the work it abandoned goes on in the background, as a killed process's would not.
 */
export async function run(argv: string[], overrides: Partial<Io> = {}): Promise<CapturedRun> {
  // Progress lines come with time (every few seconds without a terminal): off, unless a test sets the interval.
  const io = captureIo({ ...overrides, env: { ZTSYNC_PROGRESS_INTERVAL: '86400', ...overrides.env } });
  const code = await Promise.race([runCli(argv, io), io.exited]);
  return { code, stdout: io.out.join(''), stderr: io.err.join('') };
}

/**
 * Stop signals a test raises itself: pass `stopSignal` to run(), call `interrupt('SIGINT')` for Ctrl-C. Like a
 * process's, each call of stopSignal hears the next signal raised after it, and one heard is not heard again.
 */
export function interruptible(): { stopSignal: (until?: AbortSignal) => Promise<string>; interrupt: (signal: string) => void } {
  let listeners: Array<(signal: string) => void> = [];
  return {
    stopSignal: (until) =>
      new Promise<string>((resolve) => {
        listeners.push(resolve);
        until?.addEventListener('abort', () => (listeners = listeners.filter((l) => l !== resolve)), { once: true });
      }),
    interrupt: (signal) => {
      const hearing = listeners;
      listeners = [];
      for (const hear of hearing) hear(signal);
    },
  };
}
