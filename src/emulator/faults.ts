// Injected faults: a fraction of requests fails the ways real networks and APIs do.

import { ApiError, CODES } from './errors.js';

/**
 * 500/502/503: an error envelope with that status; 429: the envelope with Retry-After;
 * reset: the connection is dropped before anything happens;
 * lost-answer: a write is applied, then the connection drops without an answer (a naive retry of it runs twice).
 */
export const FAULT_KINDS = ['500', '502', '503', '429', 'reset', 'lost-answer'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Seconds a client is told to wait after an injected 429. */
export const FAULT_RETRY_AFTER_SECONDS = 1;

/**
 * Whether this request fails, and how: one draw against the rate, one to pick the kind among those that apply
 * (a lost answer only applies to writes).
 */
export function drawFault(rate: number, kinds: readonly FaultKind[], isWrite: boolean, random: () => number): FaultKind | undefined {
  const applicable = kinds.filter((kind) => kind !== 'lost-answer' || isWrite);
  if (rate <= 0 || applicable.length === 0 || random() >= rate) return undefined;
  return applicable[Math.min(applicable.length - 1, Math.floor(random() * applicable.length))];
}

const STATUS_FAULTS = {
  '500': { code: CODES.internal, message: 'Internal server error' },
  '502': { code: CODES.badGateway, message: 'Bad gateway' },
  '503': { code: CODES.unavailable, message: 'Service temporarily unavailable' },
  '429': { code: CODES.rateLimited, message: 'Rate limited. Please wait and consider throttling your request speed' },
} as const;

/** The answer for a fault that is an HTTP status; undefined for the kinds that drop the connection. */
export function faultAnswer(kind: FaultKind): ApiError | undefined {
  if (!(kind in STATUS_FAULTS)) return undefined;
  const { code, message } = STATUS_FAULTS[kind as keyof typeof STATUS_FAULTS];
  const headers: Record<string, string> = kind === '429' ? { 'retry-after': String(FAULT_RETRY_AFTER_SECONDS) } : {};
  return new ApiError(Number(kind), [{ code, message }], headers);
}

export function rateLimitedAnswer(retryAfterSeconds: number): ApiError {
  return new ApiError(429, [{ ...STATUS_FAULTS['429'] }], { 'retry-after': String(retryAfterSeconds) });
}
