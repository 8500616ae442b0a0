// The organization routes (accounts and zones): GET, POST (create) and PUT (update). revoke_user: revoke-user.ts.

import { getPath, setPath, type FieldSpec, type Scope } from '../resources/fields.js';
import { organization as spec } from '../resources/organization.js';
import type { AnswerStyle } from './config.js';
import { ApiError, CODES, issueMessage, throwIssues } from './errors.js';
import { applyAssignments, describe, isPlainObject, readFields, removePath, type JsonObject } from './field-checks.js';
import { newerOrganization } from './newer-api.js';
import { requireOwner, type Answer, type RequestContext } from './request.js';
import { organizationRuleIssues } from './rules.js';
import type { Organization } from './seed.js';
import type { Owner } from './state.js';

/** What the API sets: no write changes it (a replacing PUT keeps it too). */
const READ_ONLY = spec.fields.filter((f) => f.readOnly).map((f) => f.path);
/** Groups the real API leaves out of its answers when they are empty. */
const LEFT_OUT_WHEN_EMPTY = ['login_design', 'custom_pages'];
const BOOLEAN_PATHS = spec.fields.filter((f) => f.type.kind === 'boolean').map((f) => f.path);
/** Fields an organization always has: leaving them out of a PUT never unsets them. */
const ALWAYS_SET = spec.fields.filter((f) => f.requiredOnCreate).map((f) => f.path);

export function getOrganization(ctx: RequestContext): Answer {
  return { status: 200, result: render(requireOrganization(requireOwner(ctx)), ctx) };
}

export function createOrganization(ctx: RequestContext): Answer {
  const owner = requireOwner(ctx);
  if (owner.organization) {
    throw new ApiError(400, [{ code: CODES.organizationExists, message: 'access.api.error.conflict: a Zero Trust organization already exists for this ' + ctx.scope }]);
  }
  const { assignments, issues } = readFields(ctx.newerApi ? newerOrganization : spec, ctx.body, ctx.scope, 'create', { strict: ctx.strict });
  throwIssues(issues);
  const created = applyAssignments({}, assignments);
  checkWholeOrganization(ctx, owner, created);
  const stamp = ctx.now().toISOString();
  owner.organization = { ...created, created_at: stamp, updated_at: stamp };
  return { status: 201, result: render(owner.organization, ctx) };
}

export function updateOrganization(ctx: RequestContext): Answer {
  const owner = requireOwner(ctx);
  const current = requireOrganization(owner);
  const { assignments, issues } = readFields(ctx.newerApi ? newerOrganization : spec, ctx.body, ctx.scope, 'update', { strict: ctx.strict, held: current });
  throwIssues(issues);
  // replace: what the body leaves out goes back to unset; merge: it keeps its value.
  const base = ctx.putSemantics === 'merge' ? withoutReadOnly(current) : pick(current, ALWAYS_SET);
  const next = applyAssignments(base, assignments);
  checkWholeOrganization(ctx, owner, next);
  const changed = JSON.stringify(canonical(next)) !== JSON.stringify(canonical(withoutReadOnly(current)));
  owner.organization = { ...next, ...pick(current, READ_ONLY), updated_at: changed ? ctx.now().toISOString() : current.updated_at };
  return { status: 200, result: render(owner.organization, ctx) };
}

export function requireOrganization(owner: Owner): Organization {
  if (!owner.organization) {
    throw new ApiError(404, [{ code: CODES.organizationNotFound, message: 'access.api.error.not_found: no Zero Trust organization exists yet; create one with POST' }]);
  }
  return owner.organization;
}

/** Rules on the organization a write would leave: cross-field rules, and auth_domain unique across all organizations. */
function checkWholeOrganization(ctx: RequestContext, owner: Owner, organization: JsonObject): void {
  throwIssues(organizationRuleIssues(organization));
  for (const [other, existing] of ctx.state.organizations()) {
    if (other !== owner && sameDomain(existing.auth_domain, organization.auth_domain)) {
      const issue = { path: 'auth_domain', detail: `${describe(organization.auth_domain)} is already used by another organization`, code: CODES.authDomainTaken };
      throw new ApiError(400, [issueMessage(issue)]);
    }
  }
}

/** Domain names do not differ by case: auth_domain uniqueness ignores it. */
export function sameDomain(a: unknown, b: unknown): boolean {
  return typeof a === 'string' && typeof b === 'string' && a.toLowerCase() === b.toLowerCase();
}

/** The organization as the API answers, in the running answer style; never null. */
export function render(organization: Organization, { scope, answerStyle }: { scope: Scope; answerStyle: AnswerStyle }): JsonObject {
  return answerStyle === 'explicit' ? renderExplicit(organization, scope) : renderSparse(organization);
}

/** sparse: false or unset booleans and empty login_design / custom_pages left out. */
function renderSparse(organization: Organization): JsonObject {
  const out = structuredClone(organization);
  for (const path of BOOLEAN_PATHS) if (getPath(out, path) !== true) removePath(out, path);
  for (const group of LEFT_OUT_WHEN_EMPTY) if (isPlainObject(out[group]) && Object.keys(out[group] as JsonObject).length === 0) delete out[group];
  return out;
}

/**
 * explicit: every writable field of the scope — unset booleans false, lists [], top-level text "", every group at
 * least {} (text inside a group stays left out, so an empty login_design is {}). Durations, enums and formatted text
 * (uuid) have no empty spelling and stay left out when unset.
 */
function renderExplicit(organization: Organization, scope: Scope): JsonObject {
  const out = structuredClone(organization);
  for (const field of spec.fields) {
    if (field.readOnly || !field.scopes.includes(scope) || getPath(out, field.path) !== undefined) continue;
    const empty = emptyValue(field);
    if (empty !== undefined) setPath(out, field.path, empty);
  }
  for (const group of spec.groups) {
    if (out[group.path] === undefined && spec.fields.some((f) => f.path.startsWith(group.path + '.') && f.scopes.includes(scope))) out[group.path] = {};
  }
  return out;
}

function emptyValue(field: FieldSpec): unknown {
  if (field.type.kind === 'boolean') return false;
  if (field.type.kind === 'set') return [];
  if (field.type.kind === 'string' && !field.type.format && !field.path.includes('.') && !field.requiredOnCreate) return '';
  return undefined;
}

function withoutReadOnly(organization: Organization): JsonObject {
  const copy = structuredClone(organization);
  for (const key of READ_ONLY) delete copy[key];
  return copy;
}

function pick(organization: Organization, keys: string[]): JsonObject {
  return Object.fromEntries(keys.filter((k) => organization[k] !== undefined).map((k) => [k, organization[k]]));
}

/** Key order does not make a change. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical(value[k])]));
}
