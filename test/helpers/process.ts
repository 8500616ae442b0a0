// The CLI from source as a process of its own: for what an in-process run cannot show (real signals, the
// listener handoff in src/process-io.ts, process.exit, timers that do or do not hold the process open).

import { spawn, type ChildProcess } from 'node:child_process';

export interface CliProcess {
  process: ChildProcess;
  /** Its output so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves when it has exited, with its exit code or signal and all its output. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** `ztsync ARGS` started with tsx, with `env` over this process's environment and colours off. */
export function cliProcess(args: string[], env: Record<string, string | undefined>): CliProcess {
  const started = spawn(process.execPath, ['--import', 'tsx', 'src/bin.ts', ...args], { env: { ...process.env, ...env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  started.stdout!.on('data', (c) => (stdout += c));
  started.stderr!.on('data', (c) => (stderr += c));
  const exited = new Promise<Awaited<CliProcess['exited']>>((resolve) => started.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { process: started, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Resolves once `condition` holds, checked every 10 ms (for output a process has not written yet). */
export function eventually(condition: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = () => (condition() ? resolve() : setTimeout(check, 10));
    check();
  });
}
