// The vocabulary in which each resource declares its fields once. The JSON Schema, the config
// validator, the diff, the request bodies and the emulator's checks are all driven by these tables.

import type { DurationUnits } from './duration.js';

export type Scope = 'account' | 'zone';
export const SCOPES: readonly Scope[] = ['account', 'zone'];

/**
 * What a string holds. uuid and hostname are checked strictly (the API defines them); the API gives no format for
 * the login page's colours, logo path and texts (color, uri, text): those are checked by ztsync (CSS colours, an
 * https: URL or a relative path, text without HTML) — the page shows them to everyone who signs in — with a
 * per-value opt-out (the YAML tag !unchecked), and colours are compared by meaning.
 */
export type StringFormat = 'uuid' | 'hostname' | 'color' | 'uri' | 'text';

export type FieldType =
  | { kind: 'boolean' }
  | { kind: 'string'; format?: StringFormat }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'duration'; units: DurationUnits; min?: string; max?: string }
  /** A whole number, within bounds. */
  | { kind: 'integer'; min?: number; max?: number }
  /**
   * A list compared as a set (order does not matter); each item once (the schema's uniqueItems: a duplicate is
   * more likely a slip for another value than meant). `format`: free-text items of that format, compared as it says.
   */
  | { kind: 'set'; items: readonly (string | number)[] | 'string'; format?: StringFormat };

export interface FieldSpec {
  /** Dotted path in the API object, e.g. "login_design.background_color". */
  readonly path: string;
  readonly type: FieldType;
  readonly description: string;
  /** Scopes whose API accepts this field. Empty for read-only fields. */
  readonly scopes: readonly Scope[];
  /** Set by the API, never sent. */
  readonly readOnly?: boolean;
  /** Accepted by the create call (POST). Default true; custom_pages only goes through PUT. */
  readonly onCreate?: boolean;
  /** Names one target's own thing (its login domain, its DoH token), so it cannot be a default for every target. */
  readonly perTarget?: boolean;
  /** Required by the create call. */
  readonly requiredOnCreate?: boolean;
  /**
   * Moves by itself, without anyone changing a setting (when a token was last used): a saved plan's staleness
   * check does not count it as the live state moving.
   */
  readonly volatile?: boolean;
  /**
   * Set by the API on every write (updated_at): it moves whenever anything else does, so a stale plan's refusal
   * names the settings that moved and leaves this out (unless nothing else moved).
   */
  readonly stamp?: boolean;
  /** Where the live API reports this field, when it differs from `path` (DoH: service_token_id ← id). */
  readonly liveKey?: string;
  /** What the API reports once the field is unset, when that is a default rather than nothing (DoH: 24h). */
  readonly unsetAs?: unknown;
  /** Managed-field example for docs and the schema. */
  readonly example?: unknown;
}

/** A nested object of fields, e.g. login_design; described once for the schema. */
export interface GroupSpec {
  readonly path: string;
  readonly description: string;
  /**
   * The API takes the group only whole (the SDK marks every member required): a config that sets one of its fields
   * sets them all, and every write that carries the group carries all of them.
   */
  readonly whole?: boolean;
}

export type ResourceType = 'organization' | 'doh';

/**
 * A rule across fields that the API enforces: when the boolean field `when` is true, every field in `requires`
 * must be set (not empty). The config validator reports it before any request; the emulator refuses it.
 */
export interface RequiresRule {
  readonly when: string;
  readonly requires: readonly string[];
  /** Cloudflare's own error for it, where known. */
  readonly apiError?: { readonly code: number; readonly message: string };
}

/**
 * A value an object created on or after a date can no longer take: the API refuses it (strict_service_token_auth
 * cannot be turned off on an organization created on or after 2026-10-05). Plans refuse it before any write.
 */
export interface LockedValueRule {
  /** The rule's name, said in the plan error. */
  readonly name: string;
  readonly field: string;
  /** The value refused (compared by meaning: a null or absent boolean is false). */
  readonly refused: unknown;
  /** The value such an object is created with, and keeps. */
  readonly lockedAs: unknown;
  /** ISO date: objects created on or after it refuse the value. */
  readonly createdOnOrAfter: string;
  /** The read-only field holding when the object was created. */
  readonly createdAt: string;
  /** Why, for people. */
  readonly why: string;
  readonly apiError: { readonly code: number; readonly message: string };
}

/** A field the API had and removed: a config that still writes it is told so, not that the key is unknown. */
export interface RemovedField {
  readonly path: string;
  /** When it left the API (ISO date). */
  readonly removedOn: string;
  /** Where it came from, for people. */
  readonly note: string;
}

export interface ResourceSpec {
  readonly type: ResourceType;
  readonly description: string;
  /** Scopes that have this resource at all (DoH: accounts only). */
  readonly scopes: readonly Scope[];
  readonly groups: readonly GroupSpec[];
  readonly fields: readonly FieldSpec[];
  readonly rules?: readonly RequiresRule[];
  readonly locked?: readonly LockedValueRule[];
  readonly removed?: readonly RemovedField[];
  /**
   * Defaults reach only targets that have a section of their own for this resource: they refine a resource the
   * target has, they never create one. DoH cannot be set up from defaults alone (it needs the account's own
   * service token); an organization needs its own name and auth_domain, and a DoH-only account has none.
   */
  readonly defaultsNeedOwnSection?: boolean;
  /**
   * A PUT carries every live field the tables do not know through unchanged (top-level and nested): the API may
   * have settings newer than these tables, and a replacing PUT would reset them. Not for DoH, whose answer is
   * the token record rather than the settings.
   */
  readonly keepsUnknownLiveFields?: boolean;
}

// Small constructors keep the tables one line a field.
export const bool = (): FieldType => ({ kind: 'boolean' });
export const str = (format?: StringFormat): FieldType => ({ kind: 'string', format });
export const oneOf = (...values: string[]): FieldType => ({ kind: 'enum', values });
export const duration = (units: DurationUnits = 'go', bounds: { min?: string; max?: string } = {}): FieldType => ({
  kind: 'duration',
  units,
  ...bounds,
});
export const int = (bounds: { min?: number; max?: number } = {}): FieldType => ({ kind: 'integer', ...bounds });
export const setOf = (items: readonly (string | number)[] | 'string', format?: StringFormat): FieldType => ({ kind: 'set', items, ...(format ? { format } : {}) });

export const ALL: readonly Scope[] = SCOPES;
export const ACCOUNT: readonly Scope[] = ['account'];

/** Per resource table and scope, its writable fields: asked for per target and field, computed once. */
const WRITABLE = new WeakMap<ResourceSpec, Map<Scope | undefined, readonly FieldSpec[]>>();
const BY_PATH = new WeakMap<ResourceSpec, Map<string, FieldSpec>>();

export function writableFields(spec: ResourceSpec, scope?: Scope): readonly FieldSpec[] {
  let byScope = WRITABLE.get(spec);
  if (!byScope) WRITABLE.set(spec, (byScope = new Map()));
  let fields = byScope.get(scope);
  if (!fields) byScope.set(scope, (fields = spec.fields.filter((f) => !f.readOnly && (scope === undefined || f.scopes.includes(scope)))));
  return fields;
}

export function fieldByPath(spec: ResourceSpec, path: string): FieldSpec | undefined {
  let byPath = BY_PATH.get(spec);
  if (!byPath) BY_PATH.set(spec, (byPath = new Map(spec.fields.map((f) => [f.path, f]))));
  return byPath.get(path);
}

/** A JSON object (not null, not a list): what a mapping in YAML or an object in a request body is. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A dotted path's keys: the paths are the tables' few, split once each rather than on every read. */
const SPLIT = new Map<string, readonly string[]>();

export function pathKeys(path: string): readonly string[] {
  let keys = SPLIT.get(path);
  if (!keys) {
    keys = path.split('.');
    if (SPLIT.size < 10_000) SPLIT.set(path, keys);
  }
  return keys;
}

/** Read a dotted path out of a nested object. */
export function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const key of pathKeys(path)) {
    if (!isPlainObject(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** Write a dotted path into a nested object, creating the groups on the way. */
export function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let cur = obj;
  for (const key of keys.slice(0, -1)) {
    const next = cur[key];
    if (!isPlainObject(next)) cur[key] = {};
    cur = cur[key] as Record<string, unknown>;
  }
  cur[keys[keys.length - 1]] = value;
}

/** The group a field belongs to (its path's first key), if the table declares one. */
export function groupOf(spec: ResourceSpec, field: FieldSpec): GroupSpec | undefined {
  const dot = field.path.indexOf('.');
  return dot < 0 ? undefined : spec.groups.find((g) => g.path === field.path.slice(0, dot));
}

/** The fields of a group (writable ones of a scope, when given). */
export function groupFields(spec: ResourceSpec, group: string, scope?: Scope): readonly FieldSpec[] {
  return (scope ? writableFields(spec, scope) : spec.fields).filter((f) => f.path.startsWith(group + '.'));
}

/** Whether an object created at `createdAt` falls under a locked-value rule (not known when it was created: no). */
export function lockedFor(rule: LockedValueRule, createdAt: unknown): boolean {
  const created = typeof createdAt === 'string' ? Date.parse(createdAt) : NaN;
  return !Number.isNaN(created) && created >= Date.parse(rule.createdOnOrAfter);
}

/** A value that counts as not set for a rule: absent, null (unset), an empty string or an empty list. */
export function isUnsetForRule(value: unknown): boolean {
  return value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0);
}

/** The fields a rule requires that are not set in `values` (nothing when its `when` field is not true). */
export function missingRequirements(rule: RequiresRule, valueAt: (path: string) => unknown): string[] {
  if (valueAt(rule.when) !== true) return [];
  return rule.requires.filter((path) => isUnsetForRule(valueAt(path)));
}

/** "mfa_required_for_all_apps: true needs at least one mfa_config.allowed_authenticators and …": the rule, as said to people. */
export function describeRequirement(spec: ResourceSpec, rule: RequiresRule, missing: readonly string[]): string {
  const needs = missing.map((path) => (fieldByPath(spec, path)?.type.kind === 'set' ? `at least one ${path}` : path)).join(' and ');
  return `${rule.when}: true needs ${needs}`;
}
