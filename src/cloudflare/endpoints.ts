// Where each resource lives in the API and how it is read, created and updated.

import type { ResourceType, Scope } from '../resources/fields.js';
import type { CloudflareClient, RetryRun } from './client.js';
import { CloudflareApiError } from './errors.js';

export type LiveObject = Record<string, unknown>;

interface Endpoint {
  path(scope: Scope, id: string): string;
  /** The create call: organizations have a POST; DoH settings are created by the same PUT that updates them. */
  createMethod: 'POST' | 'PUT';
}

const ENDPOINTS: Record<ResourceType, Endpoint> = {
  organization: { path: (scope, id) => `/${scope}s/${id}/access/organizations`, createMethod: 'POST' },
  doh: { path: (_scope, id) => `/accounts/${id}/access/organizations/doh`, createMethod: 'PUT' },
};

/** How a resource is created: organizations by POST (not safe to resend blindly), DoH settings by PUT. */
export function createMethod(type: ResourceType): 'POST' | 'PUT' {
  return ENDPOINTS[type].createMethod;
}

export function resourcePath(type: ResourceType, scope: Scope, id: string): string {
  return ENDPOINTS[type].path(scope, encodeURIComponent(id));
}

/**
 * The live object, or null when the resource is not set up: an empty result (null, or {}), or a 404 in
 * Cloudflare's envelope that is not "no route". Any other 404 (a proxy's or a web server's page), and a result
 * that is not an object (a list, a string, a number), is an error: taking it for "absent" would plan every
 * setting as a create.
 */
export async function readLive(client: CloudflareClient, type: ResourceType, scope: Scope, id: string, options: { retry?: RetryRun } = {}): Promise<LiveObject | null> {
  const path = resourcePath(type, scope, id);
  try {
    const { status, result } = await client.request<unknown>('GET', path, options);
    if (result === null || result === undefined) return null;
    if (!isObject(result)) throw client.unexpectedResult('GET', path, status, result);
    return Object.keys(result).length > 0 ? result : null;
  } catch (err) {
    if (err instanceof CloudflareApiError && err.status === 404 && err.fromEnvelope && !err.codes.includes(NO_ROUTE)) return null;
    throw err;
  }
}

/** `retry`: the budget of the whole create (its look-first resends included). */
export async function createLive(client: CloudflareClient, type: ResourceType, scope: Scope, id: string, body: LiveObject, options: { retry?: RetryRun } = {}): Promise<LiveObject> {
  const { result } = await client.request<LiveObject>(createMethod(type), resourcePath(type, scope, id), { body, ...options });
  return result;
}

export async function updateLive(client: CloudflareClient, type: ResourceType, scope: Scope, id: string, body: LiveObject): Promise<LiveObject> {
  const { result } = await client.put<LiveObject>(resourcePath(type, scope, id), body);
  return result;
}

/** Cloudflare's "No route for the URI": a wrong path or scope, not a missing resource. */
const NO_ROUTE = 7003;

function isObject(value: unknown): value is LiveObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What `POST …/access/organizations/revoke_user` takes: the body's fields and the `devices` query parameter. */
export interface RevokeUserRequest {
  email: string;
  userUid?: string;
  /** Revoke the user's devices too: sent both as the `devices` query parameter and the body's `devices`, where the reference pages document it. */
  devices?: boolean;
  warpSessionReauth?: boolean;
}

/** The path (with its query) and body of a revoke_user call: only what was asked for is sent. */
export function revokeUserCall(scope: Scope, id: string, request: RevokeUserRequest): { path: string; body: LiveObject } {
  const body: LiveObject = { email: request.email };
  if (request.userUid !== undefined) body.user_uid = request.userUid;
  if (request.devices !== undefined) body.devices = request.devices;
  if (request.warpSessionReauth !== undefined) body.warp_session_reauth = request.warpSessionReauth;
  const query = request.devices !== undefined ? `?devices=${request.devices}` : '';
  return { path: `${resourcePath('organization', scope, id)}/revoke_user${query}`, body };
}

/**
 * Revoke a user's Access tokens; the API's answer: true when it revoked something, false when it did not. Safe to
 * resend after a lost answer (revoking twice revokes nothing more), so it is retried like a read.
 */
export async function revokeUser(client: CloudflareClient, scope: Scope, id: string, request: RevokeUserRequest): Promise<unknown> {
  const { path, body } = revokeUserCall(scope, id, request);
  const { result } = await client.post<unknown>(path, body, { idempotent: true });
  return result;
}
