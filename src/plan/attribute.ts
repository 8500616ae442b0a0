// plan --attribute: for each drifted target, who last changed it, from its account's audit log (Audit Logs v2).
// One audit query a drifted target at most (none for targets in sync; a zone first asks which account owns it),
// through the target's own client, so it spends that credential's rate budget. Entries are matched on the request they record — raw.method PUT/POST/PATCH and
// raw.uri ending in the setting's API path — not on resource.type, whose labels are not documented.

import { AUDIT_RETENTION_MONTHS, newestWrites, verifiedTokenId, zoneAccountId, type AuditLogEntry, type AuditWindow } from '../cloudflare/audit.js';
import type { CloudflareClient } from '../cloudflare/client.js';
import { resourcePath } from '../cloudflare/endpoints.js';
import { CloudflareApiError } from '../cloudflare/errors.js';
import { clientFor, type Clients } from '../cloudflare/pool.js';
import { getPath, type ResourceType, type Scope } from '../resources/fields.js';
import { mapLimit } from '../util/map-limit.js';
import type { AttributedChange, Attribution, Plan, ResourcePlan, TargetPlan } from './model.js';

export interface AttributeOptions {
  /** The end of the window (the plan's read time). */
  now: Date;
  concurrency?: number;
}

const WRITE_METHODS = new Set(['PUT', 'POST', 'PATCH']);
/** The window starts this much after the retention limit, so that it is never refused as too old. */
const RETENTION_MARGIN_MS = 60 * 60 * 1000;

/** The plan with `attribution` on every drifted target. */
export async function attributePlan(plan: Plan, clients: Clients, options: AttributeOptions): Promise<Plan> {
  const window = auditWindow(options.now);
  const ownIds = new Map<CloudflareClient, Promise<string | undefined>>();
  const targets = await mapLimit(plan.targets, options.concurrency ?? 8, async (target) => {
    const drifted = driftedResources(target);
    if (drifted.length === 0) return target;
    const client = clientFor(clients, target.credentials_env);
    const own = (accountId: string) => {
      if (!ownIds.has(client)) ownIds.set(client, verifiedTokenId(client, accountId).catch(() => undefined));
      return ownIds.get(client)!;
    };
    return { ...target, attribution: await attributeTarget(target, drifted, client, window, own) };
  });
  return { ...plan, targets };
}

/** The resources whose drift is to be explained: changes not brought by the config under review (--baseline). */
export function driftedResources(target: TargetPlan): ResourcePlan[] {
  if (target.error) return [];
  return target.resources.filter((r) => r.action !== 'noop' && r.changes.some((c) => c.origin !== 'introduced'));
}

/** Since the oldest moment the audit log still answers for (18 months back, and a margin), until a minute from now. */
export function auditWindow(now: Date): AuditWindow {
  const since = new Date(now.getTime());
  since.setUTCMonth(since.getUTCMonth() - AUDIT_RETENTION_MONTHS);
  return { since: new Date(since.getTime() + RETENTION_MARGIN_MS).toISOString(), before: new Date(now.getTime() + 60_000).toISOString() };
}

async function attributeTarget(
  target: TargetPlan,
  drifted: ResourcePlan[],
  client: CloudflareClient,
  window: AuditWindow,
  ownTokenId: (accountId: string) => Promise<string | undefined>,
): Promise<Attribution> {
  const recent = drifted.filter((r) => !lastChangedBefore(r, window.since));
  if (recent.length === 0) {
    return { status: 'unavailable', reason: `the last change is older than the audit log's ${AUDIT_RETENTION_MONTHS} months of history` };
  }
  // A zone's writes are in its account's log: one more read, to learn which account that is.
  let accountId = target.id;
  if (target.scope === 'zone') {
    try {
      const owner = await zoneAccountId(client, target.id);
      if (owner === undefined) return { status: 'unavailable', reason: "the API did not say which account owns this zone, whose audit log holds its changes" };
      accountId = owner;
    } catch (err) {
      return { status: 'unavailable', reason: `the zone's account could not be read (${err instanceof Error ? err.message : String(err)})` };
    }
  }
  let page: { entries: AuditLogEntry[]; more: boolean };
  try {
    page = await newestWrites(client, accountId, window);
  } catch (err) {
    return { status: 'unavailable', reason: failureReason(err) };
  }
  const found = recent.flatMap((r) => {
    const entry = newestMatching(page.entries, r.type, target.scope, target.id, r);
    return entry ? [{ resource: r.type, entry }] : [];
  });
  const since = window.since.slice(0, 10);
  if (found.length === 0) {
    const among = page.more ? ' among its 1000 newest writes' : '';
    return { status: 'unavailable', reason: `no change to this ${target.scope}'s ${recent.map((r) => r.type).join(' or ')} settings in the audit log since ${since}${among}` };
  }
  const needsId = found.some(({ entry }) => entry.actor?.token_id !== undefined);
  const ownId = needsId ? await ownTokenId(accountId) : undefined;
  const principal = client.principal;
  const changes = found.map(({ resource, entry }) => attributedChange(resource, entry, (e) => isOwn(e, ownId, principal)));
  return { status: 'found', since: window.since, changes };
}

/** An organization's updated_at before the window: its change is older than the audit log remembers. */
function lastChangedBefore(resource: ResourcePlan, since: string): boolean {
  const updated = resource.live?.updated_at;
  return typeof updated === 'string' && !Number.isNaN(Date.parse(updated)) && Date.parse(updated) < Date.parse(since);
}

/**
 * The newest successful write to the resource's API path of that account. When entries carry their request body
 * (not guaranteed in v2), the newest one that set a drifted field to its live value is preferred: a later write
 * that touched only other fields did not make this drift.
 */
export function newestMatching(entries: readonly AuditLogEntry[], type: ResourceType, scope: Scope, id: string, drift?: Pick<ResourcePlan, 'changes' | 'live'>): AuditLogEntry | undefined {
  const suffix = resourcePath(type, scope, id).toLowerCase();
  const writes = entries.filter(
    (entry) =>
      WRITE_METHODS.has(String(entry.raw?.method ?? '').toUpperCase()) &&
      requestPath(entry.raw?.uri).endsWith(suffix) &&
      entry.action?.result !== 'failure' &&
      !(typeof entry.raw?.status_code === 'number' && (entry.raw.status_code < 200 || entry.raw.status_code > 299)),
  );
  const setDrift = drift ? writes.filter((entry) => setsDriftedValue(entry, drift)) : [];
  return newest(setDrift.length > 0 ? setDrift : writes);
}

function newest(entries: readonly AuditLogEntry[]): AuditLogEntry | undefined {
  return entries.reduce<AuditLogEntry | undefined>((best, entry) => (!best || timeOf(entry) > timeOf(best) ? entry : best), undefined);
}

/** The entry's request body sets some drifted field to the value it has live now. */
function setsDriftedValue(entry: AuditLogEntry, { changes, live }: Pick<ResourcePlan, 'changes' | 'live'>): boolean {
  const request = entry.resource?.request;
  if (!live || typeof request !== 'object' || request === null || Array.isArray(request)) return false;
  return changes.some((c) => {
    const sent = getPath(request as Record<string, unknown>, c.path);
    return sent !== undefined && JSON.stringify(sent) === JSON.stringify(getPath(live, c.path));
  });
}

/** The path of a recorded URI (an absolute URL or a path), without query or trailing slash, in lowercase. */
function requestPath(uri: unknown): string {
  if (typeof uri !== 'string') return '';
  let path = uri;
  try {
    path = new URL(uri, 'https://api.cloudflare.com').pathname;
  } catch {
    path = uri.split('?')[0];
  }
  return path.replace(/\/+$/, '').toLowerCase();
}

function timeOf(entry: AuditLogEntry): number {
  const ms = Date.parse(entry.action?.time ?? '');
  return Number.isNaN(ms) ? -Infinity : ms;
}

function attributedChange(resource: ResourceType, entry: AuditLogEntry, own: (e: AuditLogEntry) => boolean): AttributedChange {
  const actor = entry.actor ?? {};
  const viaToken = actor.context === 'api_token' || actor.context === 'oauth';
  return {
    resource,
    at: entry.action?.time ?? '',
    actor_type: text(actor.type) ?? 'unknown',
    email: text(actor.email),
    token: viaToken ? (text(actor.token_name) ?? text(actor.token_id)) : null,
    context: text(actor.context),
    method: String(entry.raw?.method ?? '').toUpperCase(),
    ray_id: text(entry.raw?.cf_ray_id),
    by_ztsync: own(entry),
  };
}

/** Whether the entry was made with this run's credential: its token (by id), or its Global API key (by email). */
function isOwn(entry: AuditLogEntry, ownTokenId: string | undefined, principal: CloudflareClient['principal']): boolean {
  const actor = entry.actor ?? {};
  if (ownTokenId !== undefined && actor.token_id === ownTokenId) return true;
  return principal.kind === 'key' && actor.context === 'api_key' && typeof actor.email === 'string' && actor.email.toLowerCase() === principal.email.toLowerCase();
}

function failureReason(err: unknown): string {
  if (err instanceof CloudflareApiError && err.status === 403) return 'the credential lacks the Account Settings Read permission the audit log needs (403)';
  if (err instanceof CloudflareApiError && err.status === 404) return 'the audit log is not available for this account (404)';
  return `the audit log could not be read: ${err instanceof Error ? err.message : String(err)}`;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}
