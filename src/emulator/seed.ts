// The seed format (a public interface: --seed, --state files, POST /__emulator/reset, GET /__emulator/state):
//
//   accounts:
//     - id: 023e105f4ecef8ad9ca31a8372d0c353          # at most 32 characters (32 hex in practice)
//       name: Widget Corps                            # the account's name (GET /accounts); absent: "Account <id's first 8>"
//       created_on: 2024-01-01T00:00:00.000000Z      # GET /accounts; absent: that date
//       organization: { name: ..., auth_domain: ... }  # API shape; absent: no organization yet
//       key_rotation_interval_days: 365              # 21–365 (absent: 365); bounds doh_jwt_duration
//       service_tokens: [{ id, client_id, name, duration, enabled }]   # enabled: default true
//       doh: { service_token_id, doh_jwt_duration }   # absent: no DoH token set
//       users: [{ email, uid }]                        # who revoke_user knows; absent or empty: it answers true for anyone
//       revocations: [...]                             # revoke_user calls received (the emulator appends; see Revocation)
//   zones:
//     - id: 699d98642c564d2e855e9661899b7252
//       account_id: 023e105f4ecef8ad9ca31a8372d0c353   # optional: the owning account (GET /zones/{id}; its audit log)
//       organization: { name: ..., auth_domain: ... } # zone fields only
//       users: [...]                                   # and revocations, as for accounts
//
// Organizations are checked with the same field tables as API bodies; missing timestamps are filled in.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import { parseDuration } from '../resources/duration.js';
import { doh as dohSpec } from '../resources/doh.js';
import type { Scope } from '../resources/fields.js';
import { newerOrganization } from './newer-api.js';
import { isEmail } from '../resources/revoke-user.js';
import { dohDurationProblem, keyRotationDaysProblem } from './key-rotation.js';
import { decodeUtf8 } from '../util/utf8.js';
import { yamlSyntaxMessage } from '../util/yaml-messages.js';
import { applyAssignments, describe, isPlainObject, readFields, UNKNOWN_FIELD, type JsonObject } from './field-checks.js';
import { organizationRuleIssues } from './rules.js';

/** An organization in its API shape (nested groups), including created_at / updated_at. */
export type Organization = JsonObject;

export interface ServiceToken {
  id: string;
  client_id: string;
  name: string;
  /** Token lifetime, a Go duration or "forever"; default 8760h. */
  duration?: string;
  created_at?: string;
  updated_at?: string;
  expires_at?: string;
  last_seen_at?: string;
  /** A disabled token stays set for DoH but cannot authenticate; default true (the API's default on create). */
  enabled?: boolean;
}

export interface DohSetting {
  /** The `id` of one of the account's service tokens. */
  service_token_id: string;
  /** Default 24h. */
  doh_jwt_duration?: string;
}

/** A user revoke_user knows about. */
export interface SeedUser {
  email: string;
  uid: string;
}

/** One revoke_user call the emulator answered 200, as received: body fields as sent, the query's `devices`, and the answer. */
export interface Revocation {
  email: string;
  user_uid?: string;
  /** The body's `devices` (sent by the official SDK as `body_devices`). */
  devices?: boolean;
  /** The `devices` query parameter. */
  query_devices?: boolean;
  warp_session_reauth?: boolean;
  /** The answer: true when the user is known (or no users are seeded), false otherwise. */
  revoked: boolean;
  /** When it was received (ISO 8601). */
  at: string;
}

/** What accounts and zones have in common: an organization, and the users revoke_user knows. */
interface SeedOwner {
  id: string;
  organization?: Organization;
  users?: SeedUser[];
  revocations?: Revocation[];
}

export interface SeedAccount extends SeedOwner {
  /** The account's name, as GET /accounts lists it. */
  name?: string;
  created_on?: string;
  /** The Access key rotation period, 21–365 days (unset: 365); the DoH JWT duration may not be longer. */
  key_rotation_interval_days?: number;
  service_tokens?: ServiceToken[];
  doh?: DohSetting;
}

export interface SeedZone extends SeedOwner {
  /** The account that owns the zone: GET /zones/{id} names it, and its audit log records the zone's writes. */
  account_id?: string;
}

export interface Seed {
  accounts?: SeedAccount[];
  zones?: SeedZone[];
}

export const DEFAULT_TOKEN_DURATION = '8760h';
export const DEFAULT_DOH_JWT_DURATION = '24h';

/** A seed problem at a path inside the seed document (for file:line:col). */
export class SeedError extends Error {
  constructor(
    readonly path: (string | number)[],
    detail: string,
    /** The problem is the key itself (an unknown key): point at it, not at its value. */
    readonly atKey = false,
  ) {
    super(`${formatPath(path)}${path.length ? ': ' : ''}${detail}`);
  }
}

function formatPath(path: (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i ? `.${p}` : p)).join('');
}

const ID = /^[A-Za-z0-9_-]{1,32}$/;
const TOKEN_KEYS = ['id', 'client_id', 'name', 'duration', 'created_at', 'updated_at', 'expires_at', 'last_seen_at', 'enabled'];

/**
 * Check a seed (already parsed from YAML or JSON) and bring it to its stored form: timestamps and defaults filled in.
 * `counters` at the top level is ignored, so that GET /__emulator/state output can be posted back to reset.
 */
export function parseSeed(input: unknown, now: () => Date = () => new Date()): Seed {
  if (input === null || input === undefined) return { accounts: [], zones: [] };
  if (!isPlainObject(input)) throw new SeedError([], `a seed must be a mapping with "accounts" and/or "zones", not ${describe(input)}`);
  rejectUnknownKeys(input, ['accounts', 'zones', 'counters'], []);
  const stamp = now().toISOString();
  const accounts = listAt(input, 'accounts').map((item, i) => parseAccount(item, ['accounts', i], stamp));
  const zones = listAt(input, 'zones').map((item, i) => parseZone(item, ['zones', i], stamp));
  rejectDuplicates(accounts.map((a) => a.id), 'accounts', 'account id');
  rejectDuplicates(zones.map((z) => z.id), 'zones', 'zone id');
  rejectSharedAuthDomains([...accounts.map((a, i): Located => [a, ['accounts', i]]), ...zones.map((z, i): Located => [z, ['zones', i]])]);
  return { accounts, zones };
}

function parseAccount(item: unknown, at: (string | number)[], stamp: string): SeedAccount {
  const obj = objectAt(item, at);
  rejectUnknownKeys(obj, ['id', 'name', 'created_on', 'organization', 'key_rotation_interval_days', 'service_tokens', 'doh', ...OWNER_LISTS], at);
  const account: SeedAccount = { id: parseId(obj.id, [...at, 'id']) };
  for (const key of ['name', 'created_on'] as const) {
    const value = obj[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string' || value.trim() === '') throw new SeedError([...at, key], `must be a non-empty string, not ${describe(value)}`);
    if (key === 'created_on' && Number.isNaN(Date.parse(value))) throw new SeedError([...at, key], `must be a timestamp, not ${describe(value)}`);
    account[key] = value;
  }
  if (obj.organization !== undefined && obj.organization !== null) account.organization = parseOrganization(obj.organization, 'account', [...at, 'organization'], stamp);
  if (obj.key_rotation_interval_days !== undefined && obj.key_rotation_interval_days !== null) {
    const problem = keyRotationDaysProblem(obj.key_rotation_interval_days);
    if (problem) throw new SeedError([...at, 'key_rotation_interval_days'], problem);
    account.key_rotation_interval_days = obj.key_rotation_interval_days as number;
  }
  parseOwnerLists(obj, account, at);
  const tokens = listAt(obj, 'service_tokens', at).map((t, i) => parseServiceToken(t, [...at, 'service_tokens', i], stamp));
  rejectDuplicates(tokens.map((t) => t.id), [...at, 'service_tokens'], 'service token id');
  if (tokens.length) account.service_tokens = tokens;
  if (obj.doh !== undefined && obj.doh !== null) account.doh = parseDoh(obj.doh, tokens, account.key_rotation_interval_days, [...at, 'doh']);
  return account;
}

function parseZone(item: unknown, at: (string | number)[], stamp: string): SeedZone {
  const obj = objectAt(item, at);
  rejectUnknownKeys(obj, ['id', 'account_id', 'organization', ...OWNER_LISTS], at);
  const zone: SeedZone = { id: parseId(obj.id, [...at, 'id']) };
  if (obj.account_id !== undefined && obj.account_id !== null) zone.account_id = parseId(obj.account_id, [...at, 'account_id']);
  if (obj.organization !== undefined && obj.organization !== null) zone.organization = parseOrganization(obj.organization, 'zone', [...at, 'organization'], stamp);
  parseOwnerLists(obj, zone, at);
  return zone;
}

const OWNER_LISTS = ['users', 'revocations'];

/** `users` and `revocations`, kept only when not empty. */
function parseOwnerLists(obj: JsonObject, owner: SeedOwner, at: (string | number)[]): void {
  const users = listAt(obj, 'users', at).map((u, i) => parseUser(u, [...at, 'users', i]));
  rejectDuplicates(users.map((u) => u.uid), [...at, 'users'], 'user uid', 'uid');
  if (users.length) owner.users = users;
  const revocations = listAt(obj, 'revocations', at).map((r, i) => parseRevocation(r, [...at, 'revocations', i]));
  if (revocations.length) owner.revocations = revocations;
}

function parseUser(value: unknown, at: (string | number)[]): SeedUser {
  const obj = objectAt(value, at);
  rejectUnknownKeys(obj, ['email', 'uid'], at);
  if (!isEmail(obj.email)) throw new SeedError([...at, 'email'], `must be an email address, not ${describe(obj.email)}`);
  if (typeof obj.uid !== 'string' || obj.uid === '') throw new SeedError([...at, 'uid'], `is required: a non-empty string, not ${describe(obj.uid)}`);
  return { email: obj.email, uid: obj.uid };
}

const REVOCATION_KEYS: Record<keyof Revocation, 'string' | 'boolean' | 'timestamp'> = {
  email: 'string',
  user_uid: 'string',
  devices: 'boolean',
  query_devices: 'boolean',
  warp_session_reauth: 'boolean',
  revoked: 'boolean',
  at: 'timestamp',
};

/** A revocation as the emulator records it (a state file carries them); email, revoked and at are required. */
function parseRevocation(value: unknown, at: (string | number)[]): Revocation {
  const obj = objectAt(value, at);
  rejectUnknownKeys(obj, Object.keys(REVOCATION_KEYS), at);
  for (const [key, kind] of Object.entries(REVOCATION_KEYS)) {
    const v = obj[key];
    if (v === undefined && !['email', 'revoked', 'at'].includes(key)) continue;
    const ok = kind === 'boolean' ? typeof v === 'boolean' : typeof v === 'string' && (kind === 'string' || !Number.isNaN(Date.parse(v)));
    if (!ok) throw new SeedError([...at, key], `must be a ${kind}, not ${describe(v)}`);
  }
  return obj as unknown as Revocation;
}

function parseId(value: unknown, at: (string | number)[]): string {
  if (typeof value === 'number') throw new SeedError(at, 'must be a string: quote it, a long number loses digits');
  if (typeof value !== 'string' || !ID.test(value)) throw new SeedError(at, `must be an id of at most 32 letters or digits, not ${describe(value)}`);
  return value;
}

function parseOrganization(value: unknown, scope: Scope, at: (string | number)[], stamp: string): Organization {
  const { assignments, issues } = readFields(newerOrganization, objectAt(value, at), scope, 'seed');
  const organization = applyAssignments({}, assignments);
  const problem = issues[0] ?? organizationRuleIssues(organization)[0];
  if (problem) throw new SeedError([...at, ...problem.path.split('.')], problem.detail, problem.detail === UNKNOWN_FIELD);
  organization.created_at ??= stamp;
  organization.updated_at ??= organization.created_at;
  return organization;
}

function parseServiceToken(value: unknown, at: (string | number)[], stamp: string): ServiceToken {
  const obj = objectAt(value, at);
  rejectUnknownKeys(obj, TOKEN_KEYS, at);
  for (const key of ['id', 'client_id', 'name']) {
    if (typeof obj[key] !== 'string' || obj[key] === '') throw new SeedError([...at, key], `is required: a non-empty string`);
  }
  for (const key of TOKEN_KEYS.filter((k) => k.endsWith('_at'))) {
    if (obj[key] !== undefined && (typeof obj[key] !== 'string' || Number.isNaN(Date.parse(obj[key] as string)))) {
      throw new SeedError([...at, key], `${describe(obj[key])} is not a timestamp`);
    }
  }
  if (obj.enabled !== undefined && typeof obj.enabled !== 'boolean') throw new SeedError([...at, 'enabled'], `must be true or false, not ${describe(obj.enabled)}`);
  const duration = obj.duration ?? DEFAULT_TOKEN_DURATION;
  const lifetime = duration === 'forever' ? undefined : typeof duration === 'string' ? parseDuration(duration) : undefined;
  if (duration !== 'forever' && (lifetime === undefined || lifetime < 0n)) {
    throw new SeedError([...at, 'duration'], `${describe(duration)} is not a valid duration (or "forever")`);
  }
  const token = { ...obj, duration } as unknown as ServiceToken;
  token.created_at ??= stamp;
  token.updated_at ??= token.created_at;
  if (lifetime !== undefined) token.expires_at ??= new Date(Date.parse(token.created_at) + Number(lifetime / 1_000_000n)).toISOString();
  return token;
}

function parseDoh(value: unknown, tokens: ServiceToken[], rotationDays: number | undefined, at: (string | number)[]): DohSetting {
  const obj = objectAt(value, at);
  rejectUnknownKeys(obj, ['service_token_id', 'doh_jwt_duration'], at);
  const { assignments, issues } = readFields(dohSpec, obj, 'account', 'create');
  if (issues[0]) throw new SeedError([...at, issues[0].path], issues[0].detail);
  const setting = applyAssignments({}, assignments) as unknown as DohSetting;
  if (!tokens.some((t) => t.id === setting.service_token_id)) {
    throw new SeedError([...at, 'service_token_id'], `${describe(setting.service_token_id)} is not the id of one of this account's service_tokens`);
  }
  setting.doh_jwt_duration ??= DEFAULT_DOH_JWT_DURATION;
  const tooLong = dohDurationProblem(setting.doh_jwt_duration, rotationDays);
  if (tooLong) throw new SeedError([...at, 'doh_jwt_duration'], tooLong);
  return setting;
}

function objectAt(value: unknown, at: (string | number)[]): JsonObject {
  if (!isPlainObject(value)) throw new SeedError(at, `must be a mapping, not ${describe(value)}`);
  return value;
}

function listAt(obj: JsonObject, key: string, at: (string | number)[] = []): unknown[] {
  const value = obj[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new SeedError([...at, key], `must be a list, not ${describe(value)}`);
  return value;
}

function rejectUnknownKeys(obj: JsonObject, known: string[], at: (string | number)[]): void {
  const unknown = Object.keys(obj).find((k) => !known.includes(k));
  if (unknown !== undefined) throw new SeedError([...at, unknown], `is not a known key (expected one of ${known.join(', ')})`, true);
}

function rejectDuplicates(ids: string[], at: string | (string | number)[], what: string, key = 'id'): void {
  const seen = new Set<string>();
  ids.forEach((id, i) => {
    if (seen.has(id)) throw new SeedError([...(Array.isArray(at) ? at : [at]), i, key], `duplicate ${what} ${describe(id)}`);
    seen.add(id);
  });
}

type Located = [{ organization?: Organization }, (string | number)[]];

function rejectSharedAuthDomains(owners: Located[]): void {
  const seen = new Set<unknown>();
  for (const [owner, at] of owners) {
    const given = owner.organization?.auth_domain;
    if (typeof given !== 'string') continue;
    const domain = given.toLowerCase(); // unique without regard to case
    if (seen.has(domain)) throw new SeedError([...at, 'organization', 'auth_domain'], `${describe(given)} is already used by another organization`);
    seen.add(domain);
  }
}

/** Read a seed file (YAML or JSON); errors name file:line:col. */
export async function loadSeedFile(path: string): Promise<Seed> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new Error(`cannot read seed file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const decoded = decodeUtf8(bytes);
  if ('error' in decoded) throw new Error(`${path}:${decoded.line}:${decoded.col}: ${decoded.error}`);
  return parseSeedText(decoded.text, path);
}

/** Parse seed text (YAML, which includes JSON); `name` is used in messages. */
export function parseSeedText(text: string, name: string, now?: () => Date): Seed {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const syntax = doc.errors[0];
  if (syntax) {
    const { line, col } = lineCounter.linePos(syntax.pos[0]);
    throw new Error(`${name}:${line}:${col}: ${yamlSyntaxMessage(syntax)}`);
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new Error(`${name}: ${(err as Error).message}`);
  }
  try {
    return parseSeed(data, now);
  } catch (err) {
    if (!(err instanceof SeedError)) throw err;
    const { line, col } = lineCounter.linePos((err.atKey ? keyOffset(doc, err.path) : undefined) ?? nodeOffset(doc, err.path));
    throw new Error(`${name}:${line}:${col}: ${err.message}`);
  }
}

/** Where the key at the end of a path was written, if it is a key of a mapping in the document. */
function keyOffset(doc: ReturnType<typeof parseDocument>, path: (string | number)[]): number | undefined {
  const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
  if (!isMap(parent)) return undefined;
  const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(path[path.length - 1]));
  return (pair?.key as { range?: [number, number, number] } | undefined)?.range?.[0];
}

/** Where the deepest existing node on a path starts (a missing key points at its parent). */
function nodeOffset(doc: ReturnType<typeof parseDocument>, path: (string | number)[]): number {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    if (range) return range[0];
  }
  return 0;
}

/**
 * N accounts with deterministic ids, for benchmarks: every third account has no organization yet,
 * every other one has a DoH token set, and each has one service token.
 */
export function generateAccounts(count: number): Seed {
  const stamp = '2024-01-01T00:00:00.000Z';
  const accounts: SeedAccount[] = [];
  for (let i = 0; i < count; i++) {
    const id = hex(`account-${i}`);
    const tokenHex = hex(`service-token-${i}`);
    const token: ServiceToken = {
      id: `${tokenHex.slice(0, 8)}-${tokenHex.slice(8, 12)}-4${tokenHex.slice(13, 16)}-8${tokenHex.slice(17, 20)}-${tokenHex.slice(20, 32)}`,
      client_id: `${hex(`client-${i}`)}.access`,
      name: `Benchmark token ${i}`,
      duration: DEFAULT_TOKEN_DURATION,
    };
    const account: SeedAccount = { id, service_tokens: [token] };
    if (i % 3 !== 2) account.organization = { name: `Benchmark org ${i}`, auth_domain: `bench-${i}.cloudflareaccess.com`, session_duration: '24h' };
    if (i % 2 === 0) account.doh = { service_token_id: token.id, doh_jwt_duration: DEFAULT_DOH_JWT_DURATION };
    accounts.push(account);
  }
  return parseSeed({ accounts }, () => new Date(stamp));
}

function hex(text: string): string {
  return createHash('md5').update(`ztsync-emulator:${text}`).digest('hex');
}
