// The routes outside Zero Trust that ztsync reads: the account audit log (Audit Logs v2), tokens/verify (which
// token am I) and a zone's details (which account owns it) for attribution, and the account list (GET /accounts)
// for import --all-accounts. Matched after the organization routes (routes.ts).

import { listAccounts } from './accounts-list.js';
import { ApiError } from './errors.js';
import { AUDIT_READ_PERMISSIONS, hasPermission, type Identity } from './identities.js';
import { requireOwner, type Answer, type RequestContext } from './request.js';
import type { MatchedRoute } from './routes.js';

/** Cloudflare's answer to tokens/verify with a credential that is not a token of that kind. */
const INVALID_TOKEN = 1000;

export function matchAccountRoute(method: string, path: string): MatchedRoute | undefined {
  if (method !== 'GET') return undefined;
  if (path === '/user/tokens/verify') return route('GET /user/tokens/verify', '', verifyUserToken);
  if (path === '/accounts') return route('GET /accounts', '', listAccounts);
  const zone = /^\/zones\/([^/]+)$/.exec(path);
  if (zone) {
    const id = safeDecode(zone[1]);
    return id === undefined ? undefined : { ...route('GET /zones/:id', id, getZone), scope: 'zone' };
  }
  const match = /^\/accounts\/([^/]+)\/(logs\/audit|tokens\/verify)$/.exec(path);
  if (!match) return undefined;
  const id = safeDecode(match[1]);
  if (id === undefined) return undefined;
  return match[2] === 'logs/audit' ? route('GET /accounts/:id/logs/audit', id, listAuditLog) : route('GET /accounts/:id/tokens/verify', id, verifyAccountToken);
}

function route(key: string, id: string, handler: (ctx: RequestContext) => Answer): MatchedRoute {
  return { key, scope: 'account', id, handler, isWrite: false, bodyRequired: false };
}

/** GET /zones/{id}: the zone's id and, when the seed names it, its account (the emulator knows no more of a zone). */
function getZone(ctx: RequestContext): Answer {
  requireOwner(ctx);
  const account = ctx.state.zoneAccount(ctx.id);
  return { status: 200, result: { id: ctx.id, ...(account ? { account: { id: account } } : {}) } };
}

/** GET /accounts/{id}/logs/audit: needs Account Settings Read (or Write); see audit.ts for the query. */
function listAuditLog(ctx: RequestContext): Answer {
  requireOwner(ctx);
  if (!ctx.identity || !hasPermission(ctx.identity, AUDIT_READ_PERMISSIONS)) {
    throw new ApiError(403, [{ code: 10000, message: `Authentication error: the token lacks the ${AUDIT_READ_PERMISSIONS[0]} permission` }]);
  }
  const { result, result_info } = ctx.state.audit.list(ctx.id, ctx.query, ctx.now(), ctx.auditCursorStyle ?? 'cursors');
  return { status: 200, result, resultInfo: result_info };
}

/** GET /user/tokens/verify: a user's own API token. */
function verifyUserToken(ctx: RequestContext): Answer {
  return verified(ctx.identity, 'user');
}

/** GET /accounts/{id}/tokens/verify: an account-owned API token. */
function verifyAccountToken(ctx: RequestContext): Answer {
  requireOwner(ctx);
  return verified(ctx.identity, 'account');
}

function verified(identity: Identity | undefined, owner: 'user' | 'account'): Answer {
  if (!identity?.token || identity.token.owner !== owner) throw new ApiError(401, [{ code: INVALID_TOKEN, message: 'Invalid API Token' }]);
  return { status: 200, result: { id: identity.token.id, status: 'active' } };
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
