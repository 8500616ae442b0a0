// The calls attribution makes: one page of an account's audit log (Audit Logs v2), which token a client's
// credential is (tokens/verify), and which account owns a zone (GET /zones/{id}). Both are ordinary requests of the client: they spend its rate budget
// and retry budget like any read.

import type { CloudflareClient } from './client.js';
import { CloudflareApiError } from './errors.js';

/** The most entries one page may hold (the API's limit). */
export const AUDIT_PAGE_LIMIT = 1000;
/** How far back the audit log answers: 18 months. */
export const AUDIT_RETENTION_MONTHS = 18;

/** The fields of an audit entry that attribution reads (the API sends more; every one is optional). */
export interface AuditLogEntry {
  id?: string;
  action?: { time?: string; type?: string; result?: string };
  actor?: { type?: string; context?: string; email?: string; token_id?: string; token_name?: string };
  raw?: { method?: string; uri?: string; status_code?: number; cf_ray_id?: string };
  /** `request`: the request's body, when the log has it (not guaranteed). */
  resource?: { request?: unknown };
  zone?: { id?: string };
}

export interface AuditWindow {
  /** RFC 3339. */
  since: string;
  before: string;
}

/**
 * The newest page (up to 1000 entries) of an account's writes in the window: PUT, POST and PATCH requests,
 * newest first. `more`: the window holds older matching entries than this page (its cursor, in
 * result_info.cursors.after or result_info.cursor, is not followed: one query a target).
 */
export async function newestWrites(client: CloudflareClient, accountId: string, window: AuditWindow): Promise<{ entries: AuditLogEntry[]; more: boolean }> {
  const query = new URLSearchParams({ since: window.since, before: window.before, limit: String(AUDIT_PAGE_LIMIT), direction: 'desc' });
  for (const method of ['PUT', 'POST', 'PATCH']) query.append('raw_method', method);
  const path = `/accounts/${encodeURIComponent(accountId)}/logs/audit?${query}`;
  const { status, result, resultInfo } = await client.request<unknown>('GET', path);
  if (!Array.isArray(result)) throw client.unexpectedResult('GET', path, status, result);
  return { entries: result.filter(isObject) as AuditLogEntry[], more: nextCursor(resultInfo) !== undefined };
}

/** The next page's cursor in either spelling: result_info.cursors.after (the SDK) or result_info.cursor (the docs). */
export function nextCursor(resultInfo: unknown): string | undefined {
  if (!isObject(resultInfo)) return undefined;
  const after = isObject(resultInfo.cursors) ? resultInfo.cursors.after : undefined;
  const cursor = typeof after === 'string' && after !== '' ? after : resultInfo.cursor;
  return typeof cursor === 'string' && cursor !== '' ? cursor : undefined;
}

/** The account that owns a zone (GET /zones/{id}: result.account.id), or undefined when the answer does not say. */
export async function zoneAccountId(client: CloudflareClient, zoneId: string): Promise<string | undefined> {
  const { result } = await client.request<unknown>('GET', `/zones/${encodeURIComponent(zoneId)}`);
  const account = isObject(result) && isObject(result.account) ? result.account.id : undefined;
  return typeof account === 'string' && account !== '' ? account : undefined;
}

/**
 * The id of the client's API token, or undefined when it cannot be told: an account-owned token answers at
 * /accounts/{id}/tokens/verify, a user's token at /user/tokens/verify (the other one refuses it with a 401 that
 * says nothing of the credential, so it does not stop the client).
 */
export async function verifiedTokenId(client: CloudflareClient, accountId: string): Promise<string | undefined> {
  for (const path of [`/accounts/${encodeURIComponent(accountId)}/tokens/verify`, '/user/tokens/verify']) {
    try {
      const { result } = await client.request<unknown>('GET', path, { probe: true });
      if (isObject(result) && typeof result.id === 'string') return result.id;
    } catch (err) {
      if (!(err instanceof CloudflareApiError) || (err.status !== 401 && err.status !== 403 && err.status !== 404)) throw err;
    }
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
