// Every error the emulator answers with, in one place. Cloudflare's own codes are used where they are known
// (7003, 10000, 12130); the others are the emulator's picks in the 1xxxx (request) and 12xxx (Access) ranges.
//
//   code   status  when
//   1000   401     tokens/verify with a credential that is not a token of that kind (Cloudflare's "Invalid API Token")
//   7003   404     no route for the URI (unknown path, wrong method, DoH on a zone), or an account/zone id that is not seeded
//   10000  401/403 authentication error: credentials missing or not accepted (401), or an id the forbidden setting lists (403)
//   10001  400     the request body is not JSON, or not a JSON object
//   10002  400     the request body is larger than 1 MiB
//   10003  400     a query parameter has the wrong type
//   10429  429     rate limited (the --rate-limit window, or an injected 429); carries Retry-After
//   10500  500     injected fault: internal server error (also any emulator bug, which should never happen)
//   10502  502     injected fault: bad gateway
//   10503  503     injected fault: service unavailable
//   12000  400     a field is invalid: unknown, wrong type, bad enum value or duration, not accepted by this scope or call
//   12001  404     no Zero Trust organization exists yet (GET, PUT, revoke_user)
//   12002  400     POST when the organization already exists
//   12003  400     auth_domain is already used by another organization (it is globally unique)
//   12004  404     DoH GET when no service token is set for DoH (undocumented upstream: the emulator picks 404)
//   12005  400     DoH PUT with a service_token_id that is not the id of a service token of the account
//   12130  400     allow_authenticate_via_warp without a WARP auth session duration (Cloudflare's code and message)
//   12131  400     a field set without the fields it needs (mfa_required_for_all_apps without authenticators and an MFA session duration)
//   12132  400     strict_service_token_auth turned off on an organization created on or after 2026-10-05 (declared with the rule, src/resources/organization.ts)

import { WARP_SESSION_REQUIRED } from '../resources/organization.js';

export interface CloudflareMessage {
  code: number;
  message: string;
  source?: { pointer: string };
}

/** A failure the emulator answers with a Cloudflare envelope. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errors: CloudflareMessage[],
    readonly headers: Record<string, string> = {},
  ) {
    super(errors.map((e) => e.message).join('; '));
  }
}

const INVALID = 'access.api.error.invalid_request';

export const CODES = {
  noRoute: 7003,
  authentication: 10000,
  malformedBody: 10001,
  bodyTooLarge: 10002,
  badQuery: 10003,
  rateLimited: 10429,
  internal: 10500,
  badGateway: 10502,
  unavailable: 10503,
  invalidField: 12000,
  organizationNotFound: 12001,
  organizationExists: 12002,
  authDomainTaken: 12003,
  dohNotSet: 12004,
  serviceTokenNotFound: 12005,
  warpSessionMissing: 12130,
  requirementMissing: 12131,
} as const;

/** Cloudflare's message for the WARP rule, declared with the rule on the organization resource. */
export const WARP_MESSAGE = WARP_SESSION_REQUIRED.message;

export function noRoute(): ApiError {
  return new ApiError(404, [{ code: CODES.noRoute, message: 'No route for the URI' }]);
}

export function unknownIdentifier(path: string): ApiError {
  return new ApiError(404, [{ code: CODES.noRoute, message: `Could not route to ${path}, perhaps your object identifier is invalid?` }]);
}

export function authenticationError(status: 401 | 403): ApiError {
  return new ApiError(status, [{ code: CODES.authentication, message: 'Authentication error' }]);
}

export function malformedBody(detail: string): ApiError {
  return new ApiError(400, [{ code: CODES.malformedBody, message: `${INVALID}: ${detail}` }]);
}

export function bodyTooLarge(limit: number): ApiError {
  return new ApiError(400, [{ code: CODES.bodyTooLarge, message: `${INVALID}: request body is larger than ${limit} bytes` }]);
}

/** A problem with one field, by dotted path; API answers and seed errors are both made from it. */
export interface FieldIssue {
  path: string;
  detail: string;
  code?: number;
  /** The whole message when Cloudflare's own wording is known (the WARP rule). */
  message?: string;
}

/** A message about one field, pointing at it (`/mfa_config/session_duration`). */
export function issueMessage(issue: FieldIssue): CloudflareMessage {
  return {
    code: issue.code ?? CODES.invalidField,
    message: issue.message ?? `${INVALID}: ${issue.path}: ${issue.detail}`,
    source: { pointer: '/' + issue.path.split('.').join('/') },
  };
}

/** At most this many problems are named in one answer; the rest are counted. */
const MAX_ISSUES = 50;

/** Throw a 400 naming every problem (up to MAX_ISSUES), if there is any. */
export function throwIssues(issues: FieldIssue[]): void {
  if (!issues.length) return;
  const messages = issues.slice(0, MAX_ISSUES).map(issueMessage);
  if (issues.length > MAX_ISSUES) messages.push({ code: CODES.invalidField, message: `${INVALID}: and ${issues.length - MAX_ISSUES} more problems` });
  throw new ApiError(400, messages);
}
