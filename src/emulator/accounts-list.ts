// GET /accounts: every account the credential can see, in Cloudflare's published shape (the cloudflare SDK's
// `Account` and V4PagePaginationArray): `page` (from 1) and `per_page` (5–50, default 20, as the API reference
// says), `direction` (asc, desc: by name) and `name` (an exact name). A page past the last is empty (the SDK
// pages until one is); `result_info` carries page, per_page, count, total_count and total_pages.

import { ApiError, CODES } from './errors.js';
import type { Answer, RequestContext } from './request.js';
import type { SeedAccount } from './seed.js';

export const ACCOUNTS_PER_PAGE = { min: 5, max: 50, default: 20 } as const;
const QUERY = new Set(['page', 'per_page', 'direction', 'name']);

/** The account's name as the API reports it: the seed's, else one made from the id (every account has a name). */
export function accountName(account: Pick<SeedAccount, 'id' | 'name'>): string {
  return account.name ?? `Account ${account.id.slice(0, 8)}`;
}

export function listAccounts(ctx: RequestContext): Answer {
  const { page, perPage, direction, name } = accountsQuery(ctx.query);
  const accounts = (ctx.state.snapshot().accounts ?? [])
    .map((a) => ({ id: a.id, name: accountName(a), type: 'standard' as const, created_on: a.created_on ?? '2024-01-01T00:00:00.000000Z', settings: { enforce_twofactor: false, abuse_contact_email: null } }))
    .filter((a) => name === undefined || a.name === name)
    .sort((a, b) => compare(a.name, b.name) || compare(a.id, b.id));
  if (direction === 'desc') accounts.reverse();
  const result = accounts.slice((page - 1) * perPage, page * perPage);
  return {
    status: 200,
    result,
    resultInfo: { page, per_page: perPage, count: result.length, total_count: accounts.length, total_pages: Math.ceil(accounts.length / perPage) },
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function accountsQuery(query: URLSearchParams): { page: number; perPage: number; direction: 'asc' | 'desc'; name?: string } {
  for (const key of query.keys()) if (!QUERY.has(key)) throw badQuery(`unknown parameter ${JSON.stringify(key)} (page, per_page, direction, name)`);
  const page = whole(query, 'page', 1, Number.MAX_SAFE_INTEGER, 1);
  const perPage = whole(query, 'per_page', ACCOUNTS_PER_PAGE.min, ACCOUNTS_PER_PAGE.max, ACCOUNTS_PER_PAGE.default);
  const direction = query.get('direction') ?? 'asc';
  if (direction !== 'asc' && direction !== 'desc') throw badQuery(`direction must be asc or desc, not ${JSON.stringify(direction)}`);
  const name = query.get('name') ?? undefined;
  return { page, perPage, direction, ...(name === undefined ? {} : { name }) };
}

function whole(query: URLSearchParams, key: string, min: number, max: number, fallback: number): number {
  const text = query.get(key);
  if (text === null) return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) throw badQuery(`${key} must be a whole number from ${min} to ${max}, not ${JSON.stringify(text)}`);
  return n;
}

function badQuery(detail: string): ApiError {
  return new ApiError(400, [{ code: CODES.badQuery, message: `invalid query: ${detail}` }]);
}
