// The DoH routes (accounts only): which service token issues DoH JWTs, and for how long.

import { doh as spec } from '../resources/doh.js';
import { ApiError, CODES, issueMessage, throwIssues } from './errors.js';
import { describe, readFields } from './field-checks.js';
import { dohDurationProblem } from './key-rotation.js';
import { requireOwner, type Answer, type RequestContext } from './request.js';
import { DEFAULT_DOH_JWT_DURATION, type DohSetting, type SeedAccount, type ServiceToken } from './seed.js';

export function getDoh(ctx: RequestContext): Answer {
  const account = requireOwner(ctx) as SeedAccount;
  // Undocumented upstream (a 404 or an empty result): the emulator answers 404.
  if (!account.doh) {
    throw new ApiError(404, [{ code: CODES.dohNotSet, message: 'access.api.error.not_found: no service token is set for DoH in this account' }]);
  }
  return { status: 200, result: dohAnswer(tokenById(account, account.doh.service_token_id)!, account.doh) };
}

export function updateDoh(ctx: RequestContext): Answer {
  const account = requireOwner(ctx) as SeedAccount;
  const { assignments, issues } = readFields(spec, ctx.body, 'account', 'update', { strict: ctx.strict });
  throwIssues(issues);
  const given = Object.fromEntries(assignments.map((a) => [a.path, a.value]));
  // merge: what the body leaves out keeps its value; replace: it goes back to unset (the default duration).
  const kept: Partial<DohSetting> = ctx.putSemantics === 'merge' ? (account.doh ?? {}) : {};
  const serviceTokenId = (given.service_token_id ?? kept.service_token_id) as string | undefined;
  if (serviceTokenId === undefined) throwIssues([{ path: 'service_token_id', detail: 'is required' }]);
  const token = tokenById(account, serviceTokenId!);
  if (!token) {
    const detail = `${describe(serviceTokenId)} is not the id of a service token of this account`;
    const message = `access.api.error.service_token_not_found: ${detail}`;
    throw new ApiError(400, [issueMessage({ path: 'service_token_id', detail, code: CODES.serviceTokenNotFound, message })]);
  }
  // null (or, under replace, leaving it out) puts the duration back to its default.
  const duration = ('doh_jwt_duration' in given ? (given.doh_jwt_duration as string | null) : kept.doh_jwt_duration) ?? DEFAULT_DOH_JWT_DURATION;
  const tooLong = dohDurationProblem(duration, account.key_rotation_interval_days);
  if (tooLong) throwIssues([{ path: 'doh_jwt_duration', detail: tooLong }]);
  // Setting a token replaces the previous one: only one token issues DoH JWTs at a time.
  account.doh = { service_token_id: token.id, doh_jwt_duration: duration };
  return { status: 201, result: dohAnswer(token, account.doh) };
}

function tokenById(account: SeedAccount, id: string): ServiceToken | undefined {
  return account.service_tokens?.find((t) => t.id === id);
}

/** The answer: the service token's record with the DoH JWT duration, and always `enabled` (absent would read as enabled). */
function dohAnswer(token: ServiceToken, setting: DohSetting): Record<string, unknown> {
  return { ...token, enabled: token.enabled ?? true, doh_jwt_duration: setting.doh_jwt_duration ?? DEFAULT_DOH_JWT_DURATION };
}
