// POST …/access/organizations/revoke_user (accounts and zones). The emulator keeps no sessions; it answers from the
// users a seed lists and records every call it answers 200 in the owner's `revocations` (GET /__emulator/state).

import { isEmail, REVOKE_USER_BODY } from '../resources/revoke-user.js';
import { ApiError, CODES, throwIssues, type FieldIssue } from './errors.js';
import { describe } from './field-checks.js';
import { requireOrganization } from './organization.js';
import { requireOwner, type Answer, type RequestContext } from './request.js';
import type { Revocation } from './seed.js';
import type { Owner } from './state.js';

export function revokeUser(ctx: RequestContext): Answer {
  const owner = requireOwner(ctx);
  requireOrganization(owner);
  const body = ctx.body;
  const issues: FieldIssue[] = [];
  for (const [key, value] of Object.entries(body)) {
    const expected = REVOKE_USER_BODY.get(key);
    if (!expected) issues.push({ path: key, detail: 'is not a known field' });
    else if (typeof value !== expected) issues.push({ path: key, detail: `must be a ${expected}, not ${describe(value)}` });
  }
  if (body.email === undefined) issues.push({ path: 'email', detail: 'is required' });
  else if (typeof body.email === 'string' && !isEmail(body.email)) issues.push({ path: 'email', detail: `${describe(body.email)} is not an email address` });
  // The SDK sends the body's `devices` as `body_devices`: the same setting, so two different values contradict.
  if (typeof body.devices === 'boolean' && typeof body.body_devices === 'boolean' && body.devices !== body.body_devices) {
    issues.push({ path: 'body_devices', detail: 'contradicts devices: send one of them' });
  }
  const queryDevices = ctx.query.get('devices');
  if (queryDevices !== null && queryDevices !== 'true' && queryDevices !== 'false') {
    throw new ApiError(400, [{ code: CODES.badQuery, message: `access.api.error.invalid_request: the devices query parameter must be true or false, not ${describe(queryDevices)}` }]);
  }
  throwIssues(issues);

  const email = body.email as string;
  const uid = body.user_uid as string | undefined;
  const devices = (body.devices ?? body.body_devices) as boolean | undefined;
  const revocation: Revocation = {
    email,
    ...(uid !== undefined && { user_uid: uid }),
    ...(devices !== undefined && { devices }),
    ...(queryDevices !== null && { query_devices: queryDevices === 'true' }),
    ...(typeof body.warp_session_reauth === 'boolean' && { warp_session_reauth: body.warp_session_reauth }),
    revoked: isKnownUser(owner, email, uid),
    at: ctx.now().toISOString(),
  };
  (owner.revocations ??= []).push(revocation);
  return { status: 200, result: revocation.revoked };
}

/**
 * With no users seeded, everyone is known (the emulator cannot tell). Otherwise the email must be a seeded user's
 * (compared without case, as mail systems do) and a user_uid, when sent, that user's uid.
 */
function isKnownUser(owner: Owner, email: string, uid: string | undefined): boolean {
  if (!owner.users?.length) return true;
  const wanted = email.toLowerCase();
  return owner.users.some((u) => u.email.toLowerCase() === wanted && (uid === undefined || u.uid === uid));
}
