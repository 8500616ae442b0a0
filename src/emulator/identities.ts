// Who a request comes from: the emulator's named API tokens (--tokens FILE), an unnamed bearer token, or an
// email + Global API key. The identity is what the audit log records as the actor and what tokens/verify
// answers; the secret itself is never kept, only a hash of it.

import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { authenticationError } from './errors.js';
import { describe, isPlainObject } from './field-checks.js';

/** The permission the audit log needs (Account Settings Write also grants it). */
export const AUDIT_READ_PERMISSIONS = ['Account Settings Read', 'Account Settings Write'] as const;

/** A token the emulator knows by name, as given with --tokens or startEmulator({ tokens }). */
export interface NamedToken {
  /** The secret (a bearer token). */
  token: string;
  /** Its label, as the dashboard shows it and the audit log records it (actor.token_name). */
  name: string;
  /** Its id (tokens/verify, actor.token_id); default: derived from the secret. */
  id?: string;
  /** Who owns it: an account-owned token acts as `account`, a user's token as that `user` (default account). */
  owner?: 'account' | 'user';
  /** A user-owned token's user. */
  email?: string;
  /** Permission group names, e.g. "Account Settings Read"; absent: every permission. */
  permissions?: string[];
}

/** The actor of an audit entry, in the published v2 shape. */
export interface AuditActor {
  id?: string;
  type: 'user' | 'account' | 'cloudflare_admin' | 'system' | 'delegated_service';
  context: 'dash' | 'api_token' | 'api_key' | 'api' | 'oauth' | 'origin_ca_key';
  email?: string;
  ip_address?: string;
  token_id?: string;
  token_name?: string;
}

/** The credential of one request. */
export interface Identity {
  /** A hash of the credential: the rate-limit key. */
  key: string;
  actor: AuditActor;
  /** Bearer tokens only: what tokens/verify answers. */
  token?: { id: string; owner: 'account' | 'user'; permissions?: string[] };
}

export class TokensError extends Error {}

const TOKEN_KEYS = ['token', 'name', 'id', 'owner', 'email', 'permissions'];

/** Check a --tokens list: [{ token, name, id?, owner?, email?, permissions? }], secrets and ids unique. */
export function parseTokens(input: unknown): NamedToken[] {
  if (!Array.isArray(input)) throw new TokensError(`the tokens must be a JSON list of { token, name, id?, owner?, email?, permissions? }, not ${describe(input)}`);
  const tokens = input.map((item, i): NamedToken => {
    const at = `tokens[${i}]`;
    if (!isPlainObject(item)) throw new TokensError(`${at}: must be an object, not ${describe(item)}`);
    const unknown = Object.keys(item).find((k) => !TOKEN_KEYS.includes(k));
    if (unknown !== undefined) throw new TokensError(`${at}.${unknown}: is not a known key (expected ${TOKEN_KEYS.join(', ')})`);
    const text = (key: string, required: boolean): string | undefined => {
      const value = item[key];
      if (value === undefined && !required) return undefined;
      // A secret is never quoted back.
      if (typeof value !== 'string' || value.trim() === '' || value.length > 1000) throw new TokensError(`${at}.${key}: must be a non-empty text${key === 'token' ? '' : `, not ${describe(value)}`}`);
      return value;
    };
    const token: NamedToken = { token: text('token', true)!, name: text('name', true)! };
    if (/\s/.test(token.token)) throw new TokensError(`${at}.token: must not contain spaces`);
    const id = text('id', false);
    if (id !== undefined) token.id = id;
    if (item.owner !== undefined) {
      if (item.owner !== 'account' && item.owner !== 'user') throw new TokensError(`${at}.owner: must be account or user, not ${describe(item.owner)}`);
      token.owner = item.owner;
    }
    const email = text('email', false);
    if (email !== undefined) token.email = email;
    if (token.owner === 'user' && token.email === undefined) throw new TokensError(`${at}.email: a user-owned token needs its user's email`);
    if (item.permissions !== undefined) {
      if (!Array.isArray(item.permissions) || !item.permissions.every((p) => typeof p === 'string')) throw new TokensError(`${at}.permissions: must be a list of permission names`);
      token.permissions = [...item.permissions];
    }
    return token;
  });
  const seen = new Set<string>();
  for (const [i, t] of tokens.entries()) {
    for (const key of [`secret:${t.token}`, `id:${tokenId(t)}`]) {
      if (seen.has(key)) throw new TokensError(`tokens[${i}]: ${key.startsWith('secret') ? 'the same token is listed twice' : `the id ${describe(tokenId(t))} is listed twice`}`);
      seen.add(key);
    }
  }
  return tokens;
}

/** A --tokens file (JSON); its problems name the file. */
export function loadTokensFile(path: string): NamedToken[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new TokensError(`--tokens ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new TokensError(`--tokens ${path}: is not JSON`);
  }
  try {
    return parseTokens(value);
  } catch (err) {
    throw new TokensError(`--tokens ${path}: ${(err as Error).message}`);
  }
}

/** A named token's id: its own, or one derived from the secret (stable, and no secret in it). */
export function tokenId(token: Pick<NamedToken, 'token' | 'id'>): string {
  return token.id ?? hash(`token-id:${token.token}`).slice(0, 32);
}

/** What the emulator accepts: only --token and the named tokens when either is given, otherwise any credential. */
export interface Accepted {
  token?: string;
  tokens?: readonly NamedToken[];
}

/**
 * The identity of `Authorization: Bearer …` or X-Auth-Email + X-Auth-Key; missing or not accepted → 401 (as
 * Cloudflare answers a credential it does not know).
 * `ip`: the client's address, recorded as the actor's.
 */
export function identify(headers: IncomingHttpHeaders, accepted: Accepted, ip?: string): Identity {
  const authorization = headers.authorization;
  const email = single(headers['x-auth-email']);
  const key = single(headers['x-auth-key']);
  const restricted = accepted.token !== undefined || (accepted.tokens?.length ?? 0) > 0;
  const where = ip ? { ip_address: ip } : {};
  if (authorization !== undefined) {
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
    if (!bearer) throw authenticationError(401);
    const named = accepted.tokens?.find((t) => sameSecret(bearer, t.token));
    if (named) {
      const owner = named.owner ?? 'account';
      const id = tokenId(named);
      const actor: AuditActor = { type: owner, context: 'api_token', token_id: id, token_name: named.name, ...where };
      if (owner === 'user') actor.email = named.email;
      return { key: hash(`token:${bearer}`), actor, token: { id, owner, ...(named.permissions ? { permissions: named.permissions } : {}) } };
    }
    if (restricted && !(accepted.token !== undefined && sameSecret(bearer, accepted.token))) throw authenticationError(401);
    const id = tokenId({ token: bearer });
    return { key: hash(`token:${bearer}`), actor: { type: 'account', context: 'api_token', token_id: id, ...where }, token: { id, owner: 'account' } };
  }
  if (email || key) {
    if (!email || !key) throw authenticationError(401);
    // With --token or --tokens only those tokens are accepted.
    if (restricted) throw authenticationError(401);
    return { key: hash(`key:${email}:${key}`), actor: { type: 'user', context: 'api_key', email, ...where } };
  }
  throw authenticationError(401);
}

/** Whether an identity may use a route that needs one of these permissions (a token without a list has them all). */
export function hasPermission(identity: Identity, accepted: readonly string[]): boolean {
  const granted = identity.token?.permissions;
  return granted === undefined || granted.some((p) => accepted.includes(p));
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(createHash('sha256').update(given).digest(), createHash('sha256').update(expected).digest());
}
