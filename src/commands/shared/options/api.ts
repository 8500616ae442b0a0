// The options of every command that talks to the API (--api-base, --retry-budget, --max-retries, --concurrency,
// and for plan and apply --rate-limit), declared once and parsed once into ApiSettings.

import { Command, Option } from 'commander';
import { DEFAULT_RATE_LIMIT, parseRateLimitSetting } from '../../../cloudflare/budget.js';
import { DEFAULT_MAX_BACKOFF_MS, DEFAULT_MIN_BACKOFF_MS, DEFAULT_RETRY_BUDGET_MS } from '../../../cloudflare/client.js';
import { DEFAULT_API_BASE } from '../../../cloudflare/credentials.js';
import type { ApiSettings } from '../../../cloudflare/settings.js';
import { UsageError, type Io } from '../../../io.js';
import { parseDuration } from '../../../resources/duration.js';

/** The API options as commander gives them. */
export interface ApiFlags {
  apiBase?: string;
  concurrency?: string;
  maxRetries?: string;
  retryBudget?: string;
  /** Only on commands that declare it (addRateLimitOption). */
  rateLimit?: string;
}

/**
 * --api-base, --retry-budget and --max-retries, and --concurrency (described as given) for commands that reach
 * many targets. Its default is the command's own (plan reads 8 targets at once, apply writes 4).
 */
export function addApiOptions(command: Command, { concurrency = 'targets read at once (default 8)' as string | false } = {}): Command {
  command.addOption(new Option('--api-base <url>', `Cloudflare API base URL (default ${DEFAULT_API_BASE}; env CLOUDFLARE_BASE_URL)`));
  if (concurrency) command.option('--concurrency <n>', concurrency);
  return command
    .option(
      '--retry-budget <duration>',
      `how long a failed API call (429, 5xx, timeout, lost connection) is retried, with jittered backoff of ${DEFAULT_MIN_BACKOFF_MS / 1000} s to ${DEFAULT_MAX_BACKOFF_MS / 1000} s: a duration (90s, 2m, 1m30s) or seconds (default ${DEFAULT_RETRY_BUDGET_MS / 60_000}m; 0: no retry)`,
    )
    .option('--max-retries <n>', 'also stop after N retries of a call (default: no count, only --retry-budget)');
}

/** --rate-limit, for commands that pace many requests per credential. */
export function addRateLimitOption(command: Command): Command {
  return command.option(
    '--rate-limit <n/seconds>',
    `each credential's paced budget, shared by all workers (default ${DEFAULT_RATE_LIMIT.requests}/${DEFAULT_RATE_LIMIT.windowSeconds}: Cloudflare's 1200/300 less 200 for people in the dashboard)`,
  );
}

/** The API options checked (a malformed value is a UsageError), with CLOUDFLARE_BASE_URL and the Io's retry timing. */
export function apiSettings(flags: ApiFlags, io: Pick<Io, 'env' | 'retryTiming'>, { readOnly }: { readOnly: boolean }): ApiSettings {
  const rateLimit = flags.rateLimit === undefined ? DEFAULT_RATE_LIMIT : parseRateLimitSetting(flags.rateLimit);
  if (!rateLimit) throw new UsageError(`--rate-limit takes N/SECONDS such as 1000/300, not "${flags.rateLimit}"`);
  return {
    apiBase: flags.apiBase ?? io.env.CLOUDFLARE_BASE_URL,
    readOnly,
    retryBudgetMs: flags.retryBudget === undefined ? DEFAULT_RETRY_BUDGET_MS : parseRetryBudget(flags.retryBudget),
    ...(flags.maxRetries === undefined ? {} : { retries: wholeNumber('--max-retries', flags.maxRetries, 0) }),
    rateLimit,
    ...(flags.concurrency === undefined ? {} : { concurrency: wholeNumber('--concurrency', flags.concurrency, 1) }),
    ...(io.retryTiming ? { timing: io.retryTiming } : {}),
  };
}

/** --retry-budget: a Go duration (2m, 90s, 1m30s) or a number of seconds, in ms. */
export function parseRetryBudget(text: string): number {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const nanos = parseDuration(trimmed);
  if (nanos !== undefined && nanos >= 0n) return Number(nanos / 1_000_000n);
  throw new UsageError(`--retry-budget takes a duration such as 2m, 90s or 1m30s (or a number of seconds, 0 for no retry), not "${text}"`);
}

export function wholeNumber(option: string, text: string, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${option} takes a whole number of at least ${min}, not "${text}"`);
  return n;
}
