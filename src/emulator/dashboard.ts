// The admin interface's per-target edits, standing for a change someone makes in the Cloudflare dashboard:
//   PATCH /__emulator/accounts/{id}/organization   PATCH /__emulator/zones/{id}/organization
//   PATCH /__emulator/accounts/{id}/doh
// body: { actor: { email, type?, context?, id?, ip_address? }, set: { …fields in the API's shape… } }.
// `set` is checked exactly as an API write (the same tables and rules) and merged into what is there (an
// organization that does not exist yet is created from it); the edit is recorded in the audit log as a write
// by that actor, by default a user in the dashboard.

import { updateDoh } from './doh.js';
import { ApiError, CODES, malformedBody, noRoute } from './errors.js';
import { describe, isPlainObject, type JsonObject } from './field-checks.js';
import type { AuditActor } from './identities.js';
import { createOrganization, updateOrganization } from './organization.js';
import { requireOwner, type Answer, type RequestContext } from './request.js';
import type { ServerContext } from './server.js';

const PATH = /^\/(accounts|zones)\/([^/]+)\/(organization|doh)$/;
const ACTOR_KEYS = ['email', 'type', 'context', 'id', 'ip_address'];
const ACTOR_TYPES: readonly AuditActor['type'][] = ['user', 'account', 'cloudflare_admin', 'system'];
const ACTOR_CONTEXTS: readonly AuditActor['context'][] = ['dash', 'api_token', 'api_key', 'api', 'oauth'];
const EMAIL = /^[^\s@]+@[^\s@]+$/;

let rays = 0;

/** Whether the admin path is a dashboard edit. */
export function isDashboardEdit(path: string): boolean {
  return PATH.test(path);
}

/** Carry out a dashboard edit: the answer, and the audit entry it made. */
export function dashboardEdit(ctx: ServerContext, method: string, path: string, body: JsonObject): { result: unknown; audit: unknown } {
  const match = PATH.exec(path)!;
  const [, collection, rawId, what] = match;
  if (method !== 'PATCH' || (what === 'doh' && collection === 'zones')) throw noRoute();
  let id: string;
  try {
    id = decodeURIComponent(rawId);
  } catch {
    throw noRoute();
  }
  const unknown = Object.keys(body).find((k) => k !== 'actor' && k !== 'set');
  if (unknown !== undefined) throw malformedBody(`${unknown}: is not a key of a dashboard edit (expected actor and set)`);
  const actor = readActor(body.actor);
  if (!isPlainObject(body.set) || Object.keys(body.set).length === 0) throw malformedBody(`set: must be an object with the fields to change, not ${describe(body.set)}`);
  const scope = collection === 'accounts' ? 'account' : 'zone';
  const uri = `/client/v4/${collection}/${encodeURIComponent(id)}/access/organizations${what === 'doh' ? '/doh' : ''}`;
  const request: RequestContext = {
    state: ctx.state,
    scope,
    id,
    path: uri,
    body: body.set,
    query: new URLSearchParams(),
    // What the dashboard's form leaves alone keeps its value.
    putSemantics: 'merge',
    answerStyle: ctx.config.answerStyle,
    newerApi: ctx.config.newerApi,
    strict: ctx.config.strict,
    now: ctx.now,
  };
  const owner = requireOwner(request);
  const creating = what === 'organization' && !owner.organization;
  const answer: Answer = what === 'doh' ? updateDoh(request) : creating ? createOrganization(request) : updateOrganization(request);
  ctx.state.persist();
  const entry = ctx.state.audit.record({
    scope,
    ownerId: id,
    zoneAccountId: scope === 'zone' ? ctx.state.zoneAccount(id) : undefined,
    resource: what === 'doh' ? 'doh' : 'organization',
    actor,
    method: creating ? 'POST' : 'PATCH',
    uri,
    status: answer.status,
    ray: `${(++rays).toString(16).padStart(16, '0')}-DASH`,
    userAgent: 'Mozilla/5.0 (the Cloudflare dashboard, played by ztsync emulator)',
    request: body.set,
    response: answer.result,
    time: ctx.now(),
  });
  return { result: answer.result, audit: entry };
}

function readActor(value: unknown): AuditActor {
  if (!isPlainObject(value)) throw malformedBody(`actor: must be an object naming who made the change, e.g. {"email":"alice@example.com"}, not ${describe(value)}`);
  const unknown = Object.keys(value).find((k) => !ACTOR_KEYS.includes(k));
  if (unknown !== undefined) throw malformedBody(`actor.${unknown}: is not a known key (expected ${ACTOR_KEYS.join(', ')})`);
  const type = (value.type ?? 'user') as AuditActor['type'];
  if (!ACTOR_TYPES.includes(type)) throw malformedBody(`actor.type: must be one of ${ACTOR_TYPES.join(', ')}, not ${describe(value.type)}`);
  const context = (value.context ?? 'dash') as AuditActor['context'];
  if (!ACTOR_CONTEXTS.includes(context)) throw malformedBody(`actor.context: must be one of ${ACTOR_CONTEXTS.join(', ')}, not ${describe(value.context)}`);
  const actor: AuditActor = { type, context };
  if (value.email !== undefined) {
    if (typeof value.email !== 'string' || !EMAIL.test(value.email) || value.email.length > 254) throw malformedBody(`actor.email: must be an email address, not ${describe(value.email)}`);
    actor.email = value.email;
  } else if (type === 'user' || type === 'cloudflare_admin') {
    throw malformedBody(`actor.email: a ${type} is named by an email address`);
  }
  for (const key of ['id', 'ip_address'] as const) {
    const text = value[key];
    if (text === undefined) continue;
    if (typeof text !== 'string' || text === '' || text.length > 100) throw new ApiError(400, [{ code: CODES.malformedBody, message: `actor.${key}: must be a short text, not ${describe(text)}` }]);
    actor[key] = text;
  }
  return actor;
}
