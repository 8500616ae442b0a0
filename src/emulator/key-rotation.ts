// An account's Access key rotation period bounds its DoH JWT duration ("the maximum duration for this setting is the
// same as the key rotation period on the account"). Cloudflare's schema takes 21–365 days; unset, 365 applies.

import { parseDuration } from '../resources/duration.js';
import { describe } from './field-checks.js';

export const KEY_ROTATION_DAYS = { min: 21, max: 365, default: 365 } as const;

const NANOS_PER_DAY = 24n * 3_600_000_000_000n;

/** Why a seeded key_rotation_interval_days is wrong, or undefined. */
export function keyRotationDaysProblem(value: unknown): string | undefined {
  if (Number.isInteger(value) && (value as number) >= KEY_ROTATION_DAYS.min && (value as number) <= KEY_ROTATION_DAYS.max) return undefined;
  return `must be a whole number of days from ${KEY_ROTATION_DAYS.min} to ${KEY_ROTATION_DAYS.max}, not ${describe(value)}`;
}

/** Why a (valid) DoH JWT duration is too long for the account's key rotation period, or undefined. */
export function dohDurationProblem(duration: string, rotationDays: number | undefined): string | undefined {
  const days = rotationDays ?? KEY_ROTATION_DAYS.default;
  const nanos = parseDuration(duration);
  if (nanos === undefined || nanos <= BigInt(days) * NANOS_PER_DAY) return undefined;
  return `${describe(duration)} is longer than the account's key rotation period (${days} days, ${days * 24}h)`;
}
