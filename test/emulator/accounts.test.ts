// GET /accounts in the emulator, against the published shape: the official `cloudflare` SDK's accounts.list (its
// Account type and V4PagePaginationArray paging: page by page until an empty one) and the raw envelope.
import Cloudflare from 'cloudflare';
import type { Account } from 'cloudflare/resources/accounts/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { call, codes } from '../helpers/emulator.js';

const TOKEN = 'accounts-token';
const id = (i: number) => `${i.toString(16).padStart(2, '0')}${'c'.repeat(30)}`;
/** 12 accounts named "Unit 00" … "Unit 11" (seeded in reverse, so the emulator must sort), and one with no name. */
const NAMED = Array.from({ length: 12 }, (_, i) => ({ id: id(i), name: `Unit ${String(i).padStart(2, '0')}` })).reverse();
const UNNAMED = 'ffffffff' + '0'.repeat(24);

let em: RunningEmulator;
let sdk: Cloudflare;
beforeAll(async () => {
  em = await startEmulator({ port: 0, token: TOKEN, seed: { accounts: [...NAMED, { id: UNNAMED, created_on: '2025-05-01T10:00:00Z' }] } });
  sdk = new Cloudflare({ apiToken: TOKEN, baseURL: em.url, maxRetries: 0 });
});
afterAll(async () => {
  await em.close();
});

const get = (query: string) => call(em, 'GET', `/accounts${query}`, { headers: { authorization: `Bearer ${TOKEN}` } });

describe('GET /accounts', () => {
  it('the SDK pages through every account, each in the published Account shape', async () => {
    const seen: Account[] = [];
    for await (const account of sdk.accounts.list({ per_page: 5 })) seen.push(account);
    expect(seen.map((a) => a.name)).toEqual([...Array.from({ length: 12 }, (_, i) => `Unit ${String(i).padStart(2, '0')}`), 'Account ffffffff'].sort());
    expect(new Set(seen.map((a) => a.id)).size).toBe(13);
    for (const account of seen) {
      expect(Object.keys(account).sort()).toEqual(['created_on', 'id', 'name', 'settings', 'type']);
      expect(account.type).toBe('standard');
      expect(Number.isNaN(Date.parse(account.created_on!))).toBe(false);
      expect(account.settings).toMatchObject({ enforce_twofactor: false });
    }
    expect(seen.find((a) => a.id === UNNAMED)!.created_on).toBe('2025-05-01T10:00:00Z');
    // The SDK stops at the first empty page: 13 accounts at 5 a page are pages 1–3, and page 4 is asked for, empty.
    expect(em.state.snapshot().counters.requests['GET /accounts']).toBe(4);
  });

  it('answers a page with result_info: page, per_page, count, total_count, total_pages; past the last, an empty page', async () => {
    const first = await get('');
    expect(first.status).toBe(200);
    expect(first.body.result).toHaveLength(13);
    expect(first.body.result_info).toEqual({ page: 1, per_page: 20, count: 13, total_count: 13, total_pages: 1 });
    const second = await get('?page=2&per_page=5');
    expect(second.body.result.map((a: Account) => a.name)).toEqual(['Unit 04', 'Unit 05', 'Unit 06', 'Unit 07', 'Unit 08']);
    expect(second.body.result_info).toEqual({ page: 2, per_page: 5, count: 5, total_count: 13, total_pages: 3 });
    const past = await get('?page=9&per_page=50');
    expect(past.body.result).toEqual([]);
    expect(past.body.result_info).toEqual({ page: 9, per_page: 50, count: 0, total_count: 13, total_pages: 1 });
  });

  it('orders by name, asc or desc, and filters by an exact name', async () => {
    expect((await get('?direction=desc&per_page=5')).body.result[0].name).toBe('Unit 11');
    expect((await get('?name=Unit%2003')).body.result.map((a: Account) => a.id)).toEqual([id(3)]);
    expect((await get('?name=Unit')).body.result).toEqual([]);
  });

  it('refuses a per_page outside 5–50, a page below 1, a bad direction or an unknown parameter (400, 10003)', async () => {
    for (const query of ['?per_page=4', '?per_page=51', '?per_page=ten', '?page=0', '?page=-1', '?direction=up', '?order=name']) {
      const reply = await get(query);
      expect(reply.status, query).toBe(400);
      expect(codes(reply), query).toEqual([10003]);
    }
  });

  it('needs credentials like every route', async () => {
    expect((await call(em, 'GET', '/accounts', { anonymous: true })).status).toBe(401);
  });
});
