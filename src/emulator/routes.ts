// The six operations under /client/v4, matched by method and path; counters key them by template.

import { doh } from '../resources/doh.js';
import type { Scope } from '../resources/fields.js';
import { organization } from '../resources/organization.js';
import { getDoh, updateDoh } from './doh.js';
import { createOrganization, getOrganization, updateOrganization } from './organization.js';
import { revokeUser } from './revoke-user.js';
import type { Answer, RequestContext } from './request.js';

interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT';
  /** After /{accounts|zones}/{id}/access/organizations. */
  suffix: '' | '/revoke_user' | '/doh';
  scopes: readonly Scope[];
  handler: (ctx: RequestContext) => Answer;
  /** The spec marks the request body required (a write without one is a 400). DoH PUT's body is optional. */
  bodyRequired?: boolean;
}

const ROUTES: readonly RouteSpec[] = [
  { method: 'GET', suffix: '', scopes: organization.scopes, handler: getOrganization },
  { method: 'POST', suffix: '', scopes: organization.scopes, handler: createOrganization, bodyRequired: true },
  { method: 'PUT', suffix: '', scopes: organization.scopes, handler: updateOrganization, bodyRequired: true },
  { method: 'POST', suffix: '/revoke_user', scopes: organization.scopes, handler: revokeUser, bodyRequired: true },
  { method: 'GET', suffix: '/doh', scopes: doh.scopes, handler: getDoh },
  { method: 'PUT', suffix: '/doh', scopes: doh.scopes, handler: updateDoh },
];

const PATH = /^\/(accounts|zones)\/([^/]+)\/access\/organizations(\/revoke_user|\/doh)?$/;

export interface MatchedRoute {
  /** e.g. "PUT /accounts/:id/access/organizations/doh" */
  key: string;
  scope: Scope;
  id: string;
  handler: RouteSpec['handler'];
  /** POST and PUT change state. */
  isWrite: boolean;
  bodyRequired: boolean;
}

export function matchRoute(method: string, path: string): MatchedRoute | undefined {
  const match = PATH.exec(path);
  if (!match) return undefined;
  const [, collection, rawId, suffix = ''] = match;
  const scope: Scope = collection === 'accounts' ? 'account' : 'zone';
  const route = ROUTES.find((r) => r.method === method && r.suffix === suffix && r.scopes.includes(scope));
  const id = safeDecode(rawId);
  if (!route || id === undefined) return undefined;
  return { key: `${method} /${collection}/:id/access/organizations${suffix}`, scope, id, handler: route.handler, isWrite: method !== 'GET', bodyRequired: route.bodyRequired ?? false };
}

/** The counter key for a request that matched no route. */
export function unmatchedKey(method: string): string {
  return `${method} (no route)`;
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
