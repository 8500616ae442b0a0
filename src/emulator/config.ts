// The settings that can change while the emulator runs (POST /__emulator/config), checked in one place for
// startEmulator options, the command line and the admin endpoint.

import { FAULT_KINDS, type FaultKind } from './faults.js';
import { describe, isPlainObject } from './field-checks.js';
import type { RateLimit } from './rate-limit.js';

export type PutSemantics = 'replace' | 'merge';
export const PUT_SEMANTICS: readonly PutSemantics[] = ['replace', 'merge'];

/**
 * How organization answers spell what is not set, both seen from Cloudflare: `sparse` leaves out false booleans and
 * empty groups; `explicit` sends every field of the scope, false booleans as false, empty groups as {}, empty lists
 * as [] and unset top-level text as "".
 */
export type AnswerStyle = 'sparse' | 'explicit';
export const ANSWER_STYLES: readonly AnswerStyle[] = ['sparse', 'explicit'];

/**
 * Where audit log answers put the next page's cursor: `cursors` in result_info.cursors.after (as the cloudflare
 * SDK reads it), `cursor` in result_info.cursor (as the reference pages show it).
 */
export type AuditCursorStyle = 'cursors' | 'cursor';
export const AUDIT_CURSOR_STYLES: readonly AuditCursorStyle[] = ['cursors', 'cursor'];

export interface RuntimeConfig {
  latencyMs: number;
  faultRate: number;
  faultKinds: FaultKind[];
  /** Absent: no rate limit. */
  rateLimit?: RateLimit;
  putSemantics: PutSemantics;
  answerStyle: AnswerStyle;
  /** Play a newer API: create and update take the organization fields of newer-api.ts, which ztsync's tables do not know. */
  newerApi: boolean;
  /**
   * Account and zone ids every credential gets `403 [10000] Authentication error` for, as a token scoped away from
   * them does (token scopes lagging account onboarding); the other ids answer as usual.
   */
  forbidden: string[];
  auditCursorStyle: AuditCursorStyle;
  /**
   * Strict mode: a write (POST or PUT) that carries a field the API only reports (trusted_accounts, created_at, any
   * read-only field, DoH's `id`) is refused with a 400 (12000) instead of being ignored.
   */
  strict: boolean;
}

export const DEFAULT_CONFIG: RuntimeConfig = { latencyMs: 0, faultRate: 0, faultKinds: [...FAULT_KINDS], putSemantics: 'replace', answerStyle: 'sparse', newerApi: false, forbidden: [], auditCursorStyle: 'cursors', strict: false };

/** Why a setting's value is wrong, or undefined. */
const CHECKS: { [K in keyof RuntimeConfig]-?: (value: unknown) => string | undefined } = {
  latencyMs: (v) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 600_000 ? undefined : 'must be a number of milliseconds from 0 to 600000'),
  faultRate: (v) => (typeof v === 'number' && v >= 0 && v <= 1 ? undefined : 'must be a number from 0 to 1'),
  faultKinds: (v) =>
    Array.isArray(v) && v.length > 0 && v.every((k) => (FAULT_KINDS as readonly unknown[]).includes(k))
      ? undefined
      : `must be a non-empty list of ${FAULT_KINDS.join(', ')}`,
  rateLimit: (v) =>
    v === undefined ||
    (isPlainObject(v) &&
      Object.keys(v).every((k) => ['requests', 'windowSeconds', 'lockoutSeconds'].includes(k)) &&
      Number.isInteger(v.requests) &&
      (v.requests as number) >= 1 &&
      typeof v.windowSeconds === 'number' &&
      v.windowSeconds > 0 &&
      (v.lockoutSeconds === undefined || (typeof v.lockoutSeconds === 'number' && v.lockoutSeconds >= 0)))
      ? undefined
      : 'must be { requests: a whole number ≥ 1, windowSeconds: a number > 0, lockoutSeconds?: a number ≥ 0 (default windowSeconds; 0: no lockout) }',
  putSemantics: (v) => ((PUT_SEMANTICS as readonly unknown[]).includes(v) ? undefined : `must be one of ${PUT_SEMANTICS.join(', ')}`),
  newerApi: (v) => (typeof v === 'boolean' ? undefined : 'must be true or false'),
  forbidden: (v) => (Array.isArray(v) && v.length <= 100_000 && v.every((id) => typeof id === 'string' && /^[0-9a-zA-Z]{1,64}$/.test(id)) ? undefined : 'must be a list of account or zone ids'),
  auditCursorStyle: (v) => ((AUDIT_CURSOR_STYLES as readonly unknown[]).includes(v) ? undefined : `must be one of ${AUDIT_CURSOR_STYLES.join(', ')}`),
  strict: (v) => (typeof v === 'boolean' ? undefined : 'must be true or false'),
  answerStyle: (v) => ((ANSWER_STYLES as readonly unknown[]).includes(v) ? undefined : `must be one of ${ANSWER_STYLES.join(', ')}`),
};

export class ConfigError extends Error {}

/**
 * Check a change: known keys only, each value valid. `rateLimit: null` turns the limit off.
 * Throws ConfigError naming the setting.
 */
export function checkConfigChange(change: unknown): Partial<RuntimeConfig> {
  if (!isPlainObject(change)) throw new ConfigError(`the configuration must be an object, not ${describe(change)}`);
  const out: Partial<RuntimeConfig> = {};
  for (const [key, raw] of Object.entries(change)) {
    if (!Object.hasOwn(CHECKS, key)) throw new ConfigError(`${key}: is not a setting (expected one of ${Object.keys(CHECKS).join(', ')})`);
    const value = key === 'rateLimit' && raw === null ? undefined : raw;
    const problem = CHECKS[key as keyof RuntimeConfig](value);
    if (problem) throw new ConfigError(`${key}: ${problem}, not ${describe(raw)}`);
    (out as Record<string, unknown>)[key] = value;
  }
  return out;
}
