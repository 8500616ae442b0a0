// The edges a command touches, passed in so that tests run commands in-process with captured output.

export interface Io {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: Record<string, string | undefined>;
  /** Whether stdout is a terminal (colour) and stdin is one (confirmation prompts). */
  stdoutIsTTY: boolean;
  stdinIsTTY: boolean;
  /** Whether stderr is a terminal (a live progress line); absent: not one. */
  stderrIsTTY?: boolean;
  /** Ask a question on the terminal; only called when stdinIsTTY. */
  prompt(question: string): Promise<string>;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM); used by long-running commands. */
  stopSignal(): Promise<string>;
}

/** Exit codes shared by every command. */
/** interrupted: 128 + SIGINT, as shells report a run stopped with Ctrl-C. */
export const EXIT = { ok: 0, error: 1, changes: 2, blocked: 3, interrupted: 130 } as const;

/** An error whose message is meant for the user as it is: printed without a stack, exit 1. */
export class UsageError extends Error {
  override name = 'UsageError';
}
