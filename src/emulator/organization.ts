// The organization routes (accounts and zones): GET, POST (create) and PUT (update). revoke_user: revoke-user.ts.

import { fieldByPath, getPath, groupOf, lockedFor, setPath, type FieldSpec, type Scope } from '../resources/fields.js';
import { sameValue } from '../resources/normalize.js';
import { organization as spec } from '../resources/organization.js';
import type { AnswerStyle } from './config.js';
import { ApiError, CODES, issueMessage, throwIssues } from './errors.js';
import { applyAssignments, type Assignment, describe, isPlainObject, readFields, removePath, type JsonObject } from './field-checks.js';
import { newerOrganization } from './newer-api.js';
import { requireOwner, type Answer, type RequestContext } from './request.js';
import { organizationRuleIssues } from './rules.js';
import type { Organization } from './seed.js';
import type { Owner } from './state.js';

/** What the API sets: no write changes it (a replacing PUT keeps it too). */
const READ_ONLY = spec.fields.filter((f) => f.readOnly).map((f) => f.path);
/** Groups the real API leaves out of its answers when they are empty. */
const LEFT_OUT_WHEN_EMPTY = ['login_design', 'custom_pages'];
/** Booleans the sparse style leaves out when false: not those of a group taken only whole, which is answered whole. */
const BOOLEAN_PATHS = spec.fields.filter((f) => f.type.kind === 'boolean' && !groupOf(spec, f)?.whole).map((f) => f.path);
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
  const stamp = ctx.now().toISOString();
  applyLocks(created, assignments, stamp, undefined);
  checkWholeOrganization(ctx, owner, created);
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
  applyLocks(next, assignments, current.created_at, current);
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

/**
 * Values an organization created on or after a date cannot take (strict_service_token_auth: false): a create that
 * sets one, or an update that would turn the locked value off (setting it or unsetting the field), is refused, and a
 * replacing PUT that leaves the field out does not turn it off. (The emulator does not switch it on by itself: an
 * organization is answered as created or seeded.)
 */
function applyLocks(next: JsonObject, assignments: Assignment[], createdAt: unknown, current: Organization | undefined): void {
  for (const rule of spec.locked ?? []) {
    if (!lockedFor(rule, createdAt)) continue;
    const field = fieldByPath(spec, rule.field)!;
    const given = assignments.find((a) => a.path === rule.field);
    const turnsOff = current === undefined || getPath(current, rule.field) === rule.lockedAs;
    if (given && turnsOff && sameValue(field, given.value, rule.refused)) {
      throw new ApiError(400, [issueMessage({ path: rule.field, detail: rule.why, code: rule.apiError.code, message: rule.apiError.message })]);
    }
    if (!given && current !== undefined && getPath(current, rule.field) === rule.lockedAs) setPath(next, rule.field, rule.lockedAs);
  }
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
    // A group taken only whole has no empty spelling (its members are required): unset, it is left out.
    if (group.whole) {
      if (organization[group.path] === undefined) for (const f of spec.fields) if (f.path.startsWith(group.path + '.')) removePath(out, f.path);
      continue;
    }
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
