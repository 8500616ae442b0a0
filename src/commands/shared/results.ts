// --results FILE: each target's outcome as JSON, rewritten atomically as the run goes (so a killed run leaves
// what it finished, the rest "pending"), and --only-failed FILE, which reads one back to pick the targets to retry.

import { readFile } from 'node:fs/promises';
import type { TargetResult } from '../../apply/apply.js';
import type { Plan, TargetPlan } from '../../plan/model.js';
import { targetKey } from '../../plan/build.js';
import { Interrupted, UsageError } from '../../io.js';
import { holdsSecret } from '../../cloudflare/credentials.js';
import { writeFileAtomicSync } from '../../util/atomic-write.js';

export const RESULTS_VERSION = 1;

/** plan: changes / no-changes / failed; apply: applied / unchanged / failed, and pending until a target is done. */
export type ResultOutcome = 'pending' | 'applied' | 'unconfirmed' | 'unchanged' | 'failed' | 'skipped' | 'blocked' | 'changes' | 'no-changes';

/** Outcomes that --only-failed picks again: what failed, what a stopped run did not start, what a killed run never reached. */
const TO_RETRY: readonly ResultOutcome[] = ['failed', 'pending', 'skipped'];

export interface ResultEntry {
  scope: TargetPlan['scope'];
  id: string;
  outcome: ResultOutcome;
  error?: string;
  /** The failure was transient (rate limit, 5xx, connection): a later run will likely succeed. */
  transient?: boolean;
}

export interface ResultsFile {
  ztsync_results: typeof RESULTS_VERSION;
  command: 'plan' | 'apply';
  /** False while the run is going: a file left with complete: false is from a run that was killed. */
  complete: boolean;
  updated_at: string;
  summary: Partial<Record<ResultOutcome, number>>;
  targets: ResultEntry[];
  /** The run ended before every target had an outcome: why. Absent when it did not. */
  stopped?: RunStop;
}

/** Why a run ended early: the config did not validate, the API refused the credentials, Ctrl-C, a blocked plan, no confirmation, an error. */
export const STOP_REASONS = ['invalid', 'refused', 'interrupted', 'blocked', 'cancelled', 'error'] as const;
export type StopReason = (typeof STOP_REASONS)[number];

export interface RunStop {
  reason: StopReason;
  message: string;
}

export function planEntry(target: TargetPlan): ResultEntry {
  const base = { scope: target.scope, id: target.id };
  if (target.error) return { ...base, outcome: 'failed', error: target.error.message };
  return { ...base, outcome: target.resources.some((r) => r.action !== 'noop') ? 'changes' : 'no-changes' };
}

export function applyEntry(result: TargetResult): ResultEntry {
  const base = { scope: result.scope, id: result.id, outcome: result.outcome };
  if (result.outcome === 'blocked') return { ...base, error: result.error ?? 'blocked' };
  if (result.outcome !== 'failed') return base;
  const error = [...result.resources.filter((r) => r.error).map((r) => `${r.type}: ${r.error}`), ...(result.error ? [result.error] : [])].join('; ');
  return { ...base, error, ...(result.transient ? { transient: true } : {}) };
}

/** In place of an error message that holds a credential: the file is still written, for --only-failed. */
const WITHHELD = 'the message was withheld: an API credential appears in it';

/** Keeps the entries of one run and writes them: at once, at most about once a second while running, and at the end. */
export class ResultsWriter {
  readonly #entries = new Map<string, ResultEntry>();
  #lastWrite = 0;
  #dirty = false;

  constructor(
    readonly path: string,
    readonly command: ResultsFile['command'],
    entries: ResultEntry[],
    private readonly intervalMs = 1000,
    /** The run's secrets: an entry whose text holds one is written without its message. */
    private readonly secrets: readonly string[] = [],
  ) {
    for (const entry of entries) this.#entries.set(targetKey(entry), entry);
  }

  /** Record an outcome; written within about a second (the file is rewritten whole, so not on every target). */
  set(entry: ResultEntry): void {
    this.#entries.set(targetKey(entry), entry);
    this.#dirty = true;
    // A failed write here is reported by finish(), which writes again.
    if (Date.now() - this.#lastWrite >= this.intervalMs) this.write(false).catch(() => undefined);
  }

  /** Write now (atomically: a reader sees the previous file or this one). An unwritable path is a UsageError. */
  async write(complete: boolean): Promise<void> {
    this.writeNow(complete);
  }

  /**
   * Write before the run ends at once (a second Ctrl-C), synchronously. A failure is not reported: the path was
   * written at the start of the run, so it is writable, and there is no run left to report it in.
   */
  writeNowQuietly(complete: boolean): void {
    try {
      this.writeNow(complete);
    } catch {
      // see above
    }
  }

  private writeNow(complete: boolean): void {
    this.#lastWrite = Date.now();
    this.#dirty = false;
    try {
      writeFileAtomicSync(this.path, JSON.stringify(this.snapshot(complete), null, 2) + '\n');
    } catch (err) {
      throw new UsageError(`--results: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  async finish(): Promise<void> {
    await this.write(true);
  }

  get dirty(): boolean {
    return this.#dirty;
  }

  snapshot(complete: boolean, stopped?: RunStop): ResultsFile {
    const targets = [...this.#entries.values()].map((t) => (t.error !== undefined && holdsSecret(JSON.stringify(t), this.secrets) ? { ...t, error: WITHHELD } : t));
    const summary: Partial<Record<ResultOutcome, number>> = {};
    for (const t of targets) summary[t.outcome] = (summary[t.outcome] ?? 0) + 1;
    return { ztsync_results: RESULTS_VERSION, command: this.command, complete, updated_at: new Date().toISOString(), summary, targets, ...(stopped ? { stopped } : {}) };
  }

  /** The run ends here, before every target had its outcome: say why (synchronously, atomically). */
  writeStopped(stopped: RunStop): void {
    try {
      writeFileAtomicSync(this.path, JSON.stringify(this.snapshot(true, stopped), null, 2) + '\n');
    } catch (err) {
      throw new UsageError(`--results: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

/**
 * The --results file of one run, kept true on every way the run can end: the run's own results once written
 * (`done`), otherwise a record of why it stopped — so that a file from an earlier run is never left for
 * --only-failed to trust.
 */
export class RunRecord {
  #done = false;

  constructor(
    readonly path: string,
    readonly command: ResultsFile['command'],
    /** The run's secrets, asked for when a file is written (the run declares some as it parses its options). */
    private readonly secrets: () => readonly string[] = () => [],
  ) {}

  /** The writer of the run's own results; call done() once it has finished. */
  writer(entries: ResultEntry[]): ResultsWriter {
    return new ResultsWriter(this.path, this.command, entries, undefined, this.secrets());
  }

  done(): void {
    this.#done = true;
  }

  get isDone(): boolean {
    return this.#done;
  }

  /**
   * The run stops before its targets are carried out, with the plan so far when there is one: for apply, each
   * target it would have written is `skipped` (not started, so --only-failed picks it up), one without changes
   * `unchanged`; for plan, what the plan found.
   */
  stop(reason: StopReason, message: string, plan?: Pick<Plan, 'targets'>): void {
    const entries = (plan?.targets ?? []).map((t): ResultEntry => {
      const entry = planEntry(t);
      if (this.command === 'plan' || entry.outcome === 'failed') return entry;
      return { scope: t.scope, id: t.id, outcome: entry.outcome === 'changes' ? 'skipped' : 'unchanged' };
    });
    new ResultsWriter(this.path, this.command, entries, undefined, this.secrets()).writeStopped({ reason, message });
    this.#done = true;
  }
}

/**
 * Run a command's body with its --results file (if any) recorded on every way out: a return without the run's own
 * results, or a throw, writes why it stopped. A failure to write that record does not hide the body's own error.
 */
export async function recordingRun(
  path: string | undefined,
  command: ResultsFile['command'],
  body: (record: RunRecord | undefined) => Promise<number>,
  secrets: () => readonly string[] = () => [],
): Promise<number> {
  const record = path === undefined ? undefined : new RunRecord(path, command, secrets);
  let code: number;
  try {
    code = await body(record);
  } catch (err) {
    if (record && !record.isDone) {
      const reason = err instanceof Interrupted ? 'interrupted' : 'error';
      // Only our own messages: an unexpected error's text is not for a file that CI may publish.
      const message = err instanceof UsageError || err instanceof Interrupted ? err.message : 'an unexpected error (said on stderr)';
      try {
        record.stop(reason, message);
      } catch {
        // the body's error is the one to report
      }
    }
    throw err;
  }
  if (record && !record.isDone) record.stop('error', `the run ended (exit code ${code}) before its targets had outcomes (said on stderr)`);
  return code;
}

/** The targets a results file says failed or never finished, as `scope:id` keys. A bad file is a UsageError. */
export async function readTargetsToRetry(path: string): Promise<Set<string>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(`--only-failed: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--only-failed: ${path} is not JSON (${(err as Error).message}); expected a file written by --results`);
  }
  const file = data as Partial<ResultsFile> | null;
  if (!file || typeof file !== 'object' || file.ztsync_results !== RESULTS_VERSION || !Array.isArray(file.targets)) {
    throw new UsageError(`--only-failed: ${path} is not a ztsync results file (written by --results, with "ztsync_results": ${RESULTS_VERSION})`);
  }
  const keys = new Set<string>();
  file.targets.forEach((t, i) => {
    const ok = t && typeof t === 'object' && (t.scope === 'account' || t.scope === 'zone') && typeof t.id === 'string' && typeof t.outcome === 'string';
    if (!ok) throw new UsageError(`--only-failed: ${path}: targets[${i}] needs scope (account or zone), id and outcome`);
    if (TO_RETRY.includes(t.outcome)) keys.add(targetKey(t));
  });
  // Retrying nothing would be a green run that did nothing: say why there is nothing to retry instead.
  if (keys.size === 0) {
    const reason = file.stopped && typeof file.stopped === 'object' ? file.stopped.reason : undefined;
    const stopped = STOP_REASONS.find((r) => r === reason);
    throw new UsageError(
      stopped
        ? `--only-failed: ${path} records a run that stopped (${stopped}) before it tried any target: nothing to retry; run again without --only-failed`
        : `--only-failed: ${path} lists no failed, skipped or pending target: nothing to retry`,
    );
  }
  return keys;
}
