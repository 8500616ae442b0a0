// The account audit log (Audit Logs v2): every write the emulator carries out — through the API, with the
// credential as the actor, and through the admin interface's dashboard edits, with the person named there — is
// recorded as an entry in the published shape, and served by GET /accounts/{id}/logs/audit with its required
// window, filters, direction and cursor pagination. Kept in memory (not in the state file); 18 months of it.

import type { Scope } from '../resources/fields.js';
import type { AuditCursorStyle } from './config.js';
import { ApiError, CODES } from './errors.js';
import type { AuditActor } from './identities.js';

/** One entry, as GET /accounts/{id}/logs/audit answers it (the cloudflare SDK's AuditListResponse). */
export interface AuditEntry {
  id: string;
  account?: { id: string; name?: string };
  action: { description: string; result: 'success' | 'failure'; time: string; type: 'create' | 'update' | 'delete' | 'view' };
  actor: AuditActor;
  raw: { cf_ray_id: string; method: string; status_code: number; uri: string; user_agent?: string };
  resource: { id: string; product: string; request?: unknown; response?: unknown; scope: 'accounts' | 'zones'; type: string };
  zone?: { id: string; name?: string };
}

/** What a write tells the log. */
export interface AuditWrite {
  scope: Scope;
  /** The account or zone id. */
  ownerId: string;
  /** A zone's account, when the emulator knows it (the seed's account_id): its log holds the zone's writes. */
  zoneAccountId?: string;
  /** 'organization', 'doh' or 'revoke_user'. */
  resource: 'organization' | 'doh' | 'revoke_user';
  actor: AuditActor;
  method: string;
  /** The request's path, as received. */
  uri: string;
  status: number;
  ray: string;
  userAgent?: string;
  request?: unknown;
  response?: unknown;
  time: Date;
}

/** How far back the log answers: 18 months. */
export const RETENTION_MONTHS = 18;
export const MAX_LIMIT = 1000;
const DEFAULT_LIMIT = 100;

const DESCRIPTIONS: Record<AuditWrite['resource'], string> = {
  organization: 'Zero Trust organization',
  doh: 'Zero Trust DoH settings',
  revoke_user: 'Zero Trust user tokens revoked',
};

export class AuditLog {
  #entries: AuditEntry[] = [];
  #sequence = 0;

  record(write: AuditWrite): AuditEntry {
    const type = write.resource === 'revoke_user' || write.method === 'POST' ? 'create' : 'update';
    const ok = write.status >= 200 && write.status < 300;
    const entry: AuditEntry = {
      id: `00000000-0000-4000-8000-${(++this.#sequence).toString(16).padStart(12, '0')}`,
      ...(write.scope === 'account' ? { account: { id: write.ownerId } } : write.zoneAccountId ? { account: { id: write.zoneAccountId } } : {}),
      action: { description: `${type === 'create' ? 'Create' : 'Update'} ${DESCRIPTIONS[write.resource]}`, result: ok ? 'success' : 'failure', time: write.time.toISOString(), type },
      actor: structuredClone(write.actor),
      raw: { cf_ray_id: write.ray, method: write.method, status_code: write.status, uri: write.uri, ...(write.userAgent ? { user_agent: write.userAgent } : {}) },
      resource: {
        id: write.ownerId,
        product: 'access',
        ...(write.request !== undefined ? { request: structuredClone(write.request) } : {}),
        ...(write.response !== undefined ? { response: structuredClone(write.response) } : {}),
        scope: write.scope === 'account' ? 'accounts' : 'zones',
        type: write.resource === 'doh' ? 'access.doh' : 'access.organization',
      },
      ...(write.scope === 'zone' ? { zone: { id: write.ownerId } } : {}),
    };
    this.#entries.push(entry);
    return entry;
  }

  /** Every entry, oldest first (GET /__emulator/audit). */
  all(): AuditEntry[] {
    return structuredClone(this.#entries);
  }

  clear(): void {
    this.#entries = [];
  }

  /** GET /accounts/{id}/logs/audit: one page, and where the next starts. */
  list(accountId: string, query: URLSearchParams, now: Date, style: AuditCursorStyle): { result: AuditEntry[]; result_info: Record<string, unknown> } {
    const params = readQuery(query);
    const oldest = retentionStart(now).getTime();
    const matching = this.#entries.filter(
      (e) => e.account?.id === accountId && inWindow(e, params, oldest) && params.filters.every((f) => f.matches(e)),
    );
    if (params.direction === 'desc') matching.reverse();
    const start = params.cursor === undefined ? 0 : startAfter(matching, params.cursor);
    const page = matching.slice(start, start + params.limit);
    const more = start + params.limit < matching.length;
    const next = more ? encodeCursor(page[page.length - 1].id) : undefined;
    const info: Record<string, unknown> = { count: page.length };
    if (style === 'cursor') info.cursor = next ?? '';
    else info.cursors = next ? { after: next } : {};
    return { result: structuredClone(page), result_info: info };
  }
}

/** The oldest moment the log still answers for. */
export function retentionStart(now: Date): Date {
  const start = new Date(now.getTime());
  start.setUTCMonth(start.getUTCMonth() - RETENTION_MONTHS);
  return start;
}

interface Filter {
  matches(entry: AuditEntry): boolean;
}

interface AuditQuery {
  since: number;
  before: number;
  limit: number;
  direction: 'asc' | 'desc';
  cursor?: string;
  filters: Filter[];
}

/** Each filter and where its value is in an entry; each takes a list of values and a `.not` list. */
const FILTERS: Record<string, (e: AuditEntry) => unknown> = {
  id: (e) => e.id,
  audit_log_id: (e) => e.id,
  account_name: (e) => e.account?.name,
  action_result: (e) => e.action.result,
  action_type: (e) => e.action.type,
  actor_context: (e) => e.actor.context,
  actor_email: (e) => e.actor.email,
  actor_id: (e) => e.actor.id,
  actor_ip_address: (e) => e.actor.ip_address,
  actor_token_id: (e) => e.actor.token_id,
  actor_token_name: (e) => e.actor.token_name,
  actor_type: (e) => e.actor.type,
  raw_cf_ray_id: (e) => e.raw.cf_ray_id,
  raw_method: (e) => e.raw.method,
  raw_status_code: (e) => e.raw.status_code,
  raw_uri: (e) => e.raw.uri,
  resource_id: (e) => e.resource.id,
  resource_product: (e) => e.resource.product,
  resource_scope: (e) => e.resource.scope,
  resource_type: (e) => e.resource.type,
  zone_id: (e) => e.zone?.id,
  zone_name: (e) => e.zone?.name,
};

/** Matched without case, as emails and methods are. */
const CASELESS = new Set(['actor_email', 'raw_method']);
const SCALARS = new Set(['since', 'before', 'limit', 'direction', 'cursor']);

function badQuery(detail: string): ApiError {
  return new ApiError(400, [{ code: CODES.badQuery, message: `invalid query: ${detail}` }]);
}

/**
 * The query, checked: `since` and `before` required (a date, read in UTC, or an RFC 3339 time), `limit` 1–1000,
 * `direction` asc or desc, and the filters, each as `name=v` (repeatable, or `name[]=v`) and `name.not=v` (or
 * `name[not]=v`, `name[not][]=v`). An unknown parameter is refused (the emulator's strictness, so a typo shows).
 */
function readQuery(query: URLSearchParams): AuditQuery {
  for (const name of new Set(query.keys())) {
    const base = name.replace(/(\[\])$/, '').replace(/(\.not|\[not\])$/, '');
    if (!SCALARS.has(name) && !Object.hasOwn(FILTERS, base)) throw badQuery(`${name} is not a parameter of this endpoint`);
  }
  const since = time(query, 'since');
  const before = time(query, 'before');
  if (since >= before) throw badQuery('since must be earlier than before');
  const limitText = query.get('limit');
  const limit = limitText === null ? DEFAULT_LIMIT : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT || !/^\d+$/.test(limitText ?? '1')) throw badQuery(`limit must be a whole number from 1 to ${MAX_LIMIT}, not ${JSON.stringify(limitText)}`);
  const direction = query.get('direction') ?? 'desc';
  if (direction !== 'asc' && direction !== 'desc') throw badQuery(`direction must be asc or desc, not ${JSON.stringify(direction)}`);
  const cursor = query.get('cursor') ?? undefined;
  const filters: Filter[] = [];
  for (const [name, value] of Object.entries(FILTERS)) {
    const caseless = CASELESS.has(name);
    const norm = (v: unknown) => (v === undefined ? undefined : caseless ? String(v).toLowerCase() : String(v));
    const wanted = [...query.getAll(name), ...query.getAll(`${name}[]`)].map(norm);
    const unwanted = [...query.getAll(`${name}.not`), ...query.getAll(`${name}[not]`), ...query.getAll(`${name}[not][]`)].map(norm);
    if (wanted.length) filters.push({ matches: (e) => wanted.includes(norm(value(e))) });
    if (unwanted.length) filters.push({ matches: (e) => !unwanted.includes(norm(value(e))) });
  }
  return { since, before, limit, direction, cursor, filters };
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function time(query: URLSearchParams, name: 'since' | 'before'): number {
  const text = query.get(name);
  if (text === null || text === '') throw badQuery(`${name} is required: a date such as 2026-04-30 (read in UTC) or an RFC 3339 time`);
  const ms = DATE.test(text) ? Date.parse(`${text}T00:00:00Z`) : RFC3339.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(ms)) throw badQuery(`${name} must be a date such as 2026-04-30 or an RFC 3339 time, not ${JSON.stringify(text)}`);
  return ms;
}

function inWindow(entry: AuditEntry, params: AuditQuery, oldest: number): boolean {
  const at = Date.parse(entry.action.time);
  return at >= params.since && at < params.before && at >= oldest;
}

function encodeCursor(lastId: string): string {
  return Buffer.from(JSON.stringify({ after: lastId })).toString('base64url');
}

/** Where a page starts: after the cursor's entry. A cursor this log did not hand out is a 400. */
function startAfter(entries: AuditEntry[], cursor: string): number {
  let after: unknown;
  try {
    after = (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { after?: unknown }).after;
  } catch {
    after = undefined;
  }
  const index = typeof after === 'string' ? entries.findIndex((e) => e.id === after) : -1;
  if (index < 0) throw badQuery('cursor is not one this query handed out');
  return index + 1;
}
