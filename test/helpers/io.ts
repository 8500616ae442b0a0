// Capture a command's output in-process.
import type { Io } from '../../src/io.js';
import { runCli } from '../../src/cli.js';

export interface CapturedRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function captureIo(overrides: Partial<Io> = {}): Io & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
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

/** Run `ztsync ARGS` in-process. */
export async function run(argv: string[], overrides: Partial<Io> = {}): Promise<CapturedRun> {
  // Progress lines come with time (every few seconds without a terminal): off, unless a test sets the interval.
  const io = captureIo({ ...overrides, env: { ZTSYNC_PROGRESS_INTERVAL: '86400', ...overrides.env } });
  const code = await runCli(argv, io);
  return { code, stdout: io.out.join(''), stderr: io.err.join('') };
}

/** A stop signal a test raises itself: pass `stopSignal` to run(), call `interrupt('SIGINT')` for Ctrl-C. */
export function interruptible(): { stopSignal: () => Promise<string>; interrupt: (signal: string) => void } {
  let interrupt!: (signal: string) => void;
  const raised = new Promise<string>((resolve) => (interrupt = resolve));
  return { stopSignal: () => raised, interrupt };
}
