// The edges a command touches, passed in so that tests run commands in-process with captured output.

export interface Io {
  stdout: { write(text: string): unknown };
  /**
   * Messages for people. The CLI makes every control character written here visible (util/terminal.ts), newlines
   * aside, whoever wrote the text; `control` is only for ztsync's own terminal sequences (redrawing the progress
   * line) and writes them as they are (absent: `write`).
   */
  stderr: { write(text: string): unknown; control?(sequence: string): unknown };
  env: Record<string, string | undefined>;
  /** Whether stdout is a terminal (colour) and stdin is one (confirmation prompts). */
  stdoutIsTTY: boolean;
  stdinIsTTY: boolean;
  /** Whether stderr is a terminal (a live progress line); absent: not one. */
  stderrIsTTY?: boolean;
  /** Ask a question on the terminal; only called when stdinIsTTY. */
  prompt(question: string): Promise<string>;
  /**
   * Resolves when the process is asked to stop (SIGINT/SIGTERM); used by long-running commands. Once `until` is
   * aborted it stops listening (a phase that ended no longer keeps the signal from doing what it would otherwise do).
   */
  stopSignal(until?: AbortSignal): Promise<string>;
  /**
   * End the run at once with this exit code, abandoning whatever is in flight (a second Ctrl-C). The CLI exits
   * the process; the test harness ends the run it awaits.
   */
  exit(code: number): void;
  /**
   * Shorter retry waits (ms) for API clients: tests set them so that injected faults and Retry-After cost no real
   * time. Absent: the real ones (--retry-budget still decides how long a call is retried).
   */
  retryTiming?: { minBackoffMs?: number; maxBackoffMs?: number; maxRetryAfterMs?: number };
}

/** Exit codes shared by every command. */
/** interrupted: 128 + SIGINT, as shells report a run stopped with Ctrl-C. */
export const EXIT = { ok: 0, error: 1, changes: 2, blocked: 3, interrupted: 130 } as const;

/** An error whose message is meant for the user as it is: printed without a stack, exit 1. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The run was asked to stop (Ctrl-C) and stopped cleanly; the message says what was (not) done. Exit 130. */
export class Interrupted extends Error {
  override name = 'Interrupted';
}
