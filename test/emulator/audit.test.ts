// The emulator's account audit log (Audit Logs v2): API writes recorded with the credential's label as the actor,
// dashboard edits (PATCH /__emulator/…) with the person named, in the published shape; GET …/logs/audit with its
// required window, filters, direction, both cursor styles, the 1000 limit, Account Settings Read and 18 months.
import Cloudflare from 'cloudflare';
import { afterEach, describe, expect, it } from 'vitest';
import { type NamedToken, type RunningEmulator } from '../../src/emulator/index.js';
import { ACCOUNT, call, codes, DOH_PATH, EMPTY_ACCOUNT, ORG_PATH, OTHER_TOKEN_ID, startTestEmulator, testSeed, ZONE, ZONE_ORG_PATH } from '../helpers/emulator.js';

const AUDIT = `/accounts/${ACCOUNT}/logs/audit`;
const WINDOW = 'since=2026-01-01&before=2027-01-01';

const TOKENS: NamedToken[] = [
  { token: 'deploy-secret', name: 'ztsync deploy', id: 'd0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0', permissions: ['Access: Organizations, Identity Providers, and Groups Write', 'Account Settings Read'] },
  { token: 'script-secret', name: 'cleanup script', id: 'c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1', permissions: ['Access: Organizations, Identity Providers, and Groups Write'] },
  { token: 'carol-secret', name: "Carol's token", owner: 'user', email: 'carol@example.com' },
];

let em: RunningEmulator | undefined;
afterEach(async () => {
  await em?.close();
  em = undefined;
});

/** A clock the test moves. */
function clock(start = '2026-12-01T14:03:00Z') {
  let now = new Date(start);
  return { now: () => now, set: (iso: string) => void (now = new Date(iso)), advance: (ms: number) => void (now = new Date(now.getTime() + ms)) };
}

const as = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

function dashboard(path: string, body: unknown) {
  // With --tokens the admin interface needs one of them too.
  return call(em!, 'PATCH', `/__emulator${path}`, { body, ...as('deploy-secret') });
}

describe('writes are recorded as v2 audit entries', () => {
  it('an API write names the token by its label; a dashboard edit names the person; the published shape throughout', async () => {
    const time = clock();
    em = await startTestEmulator({ tokens: TOKENS, now: time.now });
    const put = await call(em, 'PUT', ORG_PATH, { body: { name: 'Widget Corps', auth_domain: 'widget.cloudflareaccess.com', session_duration: '12h' }, ...as('deploy-secret') });
    expect(put.status).toBe(200);
    time.advance(60_000);
    const edit = await dashboard(`/accounts/${ACCOUNT}/organization`, { actor: { email: 'alice@example.com' }, set: { session_duration: '6h' } });
    expect(edit.status).toBe(200);
    expect(edit.body.result.session_duration).toBe('6h');
    // Merged: what the edit leaves out keeps its value.
    expect(edit.body.result.auth_domain).toBe('widget.cloudflareaccess.com');

    const reply = await call(em, 'GET', `${AUDIT}?${WINDOW}`, as('deploy-secret'));
    expect(reply.status).toBe(200);
    const [newest, older] = reply.body.result;
    // Newest first by default.
    expect(newest).toEqual({
      id: expect.any(String),
      account: { id: ACCOUNT },
      action: { description: 'Update Zero Trust organization', result: 'success', time: '2026-12-01T14:04:00.000Z', type: 'update' },
      actor: { type: 'user', context: 'dash', email: 'alice@example.com' },
      raw: { cf_ray_id: expect.stringMatching(/-DASH$/), method: 'PATCH', status_code: 200, uri: `/client/v4${ORG_PATH}`, user_agent: expect.any(String) },
      resource: { id: ACCOUNT, product: 'access', request: { session_duration: '6h' }, response: expect.objectContaining({ session_duration: '6h' }), scope: 'accounts', type: 'access.organization' },
    });
    expect(older.actor).toEqual({ type: 'account', context: 'api_token', token_id: TOKENS[0].id, token_name: 'ztsync deploy', ip_address: expect.any(String) });
    expect(older.raw).toMatchObject({ method: 'PUT', status_code: 200, uri: `/client/v4${ORG_PATH}`, cf_ray_id: put.headers.get('cf-ray') });
    expect(older.action).toMatchObject({ type: 'update', result: 'success', time: '2026-12-01T14:03:00.000Z' });
    // No secret in any entry.
    expect(JSON.stringify(reply.body)).not.toMatch(/secret/);
  });

  it('a user-owned token acts as its user; email + key as a user with api_key; DoH and zone writes too; failed writes as failures', async () => {
    em = await startTestEmulator({ now: clock().now });
    await call(em, 'PUT', DOH_PATH, { body: { service_token_id: OTHER_TOKEN_ID }, headers: { 'x-auth-email': 'dave@example.com', 'x-auth-key': 'k' }, anonymous: true });
    await call(em, 'PUT', ORG_PATH, { body: { name: 'x', auth_domain: 'widget.cloudflareaccess.com', session_duration: 'forever' } });
    const zone = await dashboard(`/zones/${ZONE}/organization`, { actor: { email: 'bob@example.com' }, set: { name: 'Zone org 2' } });
    expect(zone.status).toBe(200);
    const all = (await call(em, 'GET', '/__emulator/audit')).body;
    expect(all.map((e: { raw: { method: string; uri: string; status_code: number }; action: { result: string } }) => [e.raw.method, e.raw.uri, e.raw.status_code, e.action.result])).toEqual([
      ['PUT', `/client/v4${DOH_PATH}`, 201, 'success'],
      ['PUT', `/client/v4${ORG_PATH}`, 400, 'failure'],
      ['PATCH', `/client/v4${ZONE_ORG_PATH}`, 200, 'success'],
    ]);
    expect(all[0].actor).toMatchObject({ type: 'user', context: 'api_key', email: 'dave@example.com' });
    expect(all[0].resource.type).toBe('access.doh');
    expect(all[2]).toMatchObject({ zone: { id: ZONE }, resource: { scope: 'zones' } });
    expect(all[2].account).toBeUndefined();

    await em.close();
    em = await startTestEmulator({ tokens: TOKENS, now: clock().now });
    await call(em, 'PUT', ORG_PATH, { body: { name: 'Widget Corps', auth_domain: 'widget.cloudflareaccess.com' }, ...as('carol-secret') });
    const [entry] = (await call(em, 'GET', '/__emulator/audit', as('carol-secret'))).body;
    expect(entry.actor).toMatchObject({ type: 'user', context: 'api_token', email: 'carol@example.com', token_name: "Carol's token" });
  });

  it('with --tokens only those tokens are accepted; reset empties the log', async () => {
    em = await startTestEmulator({ tokens: TOKENS, now: clock().now });
    expect((await call(em, 'GET', ORG_PATH, as('unknown'))).status).toBe(401);
    await dashboard(`/accounts/${ACCOUNT}/organization`, { actor: { email: 'alice@example.com' }, set: { session_duration: '6h' } });
    expect((await call(em, 'GET', '/__emulator/audit', as('deploy-secret'))).body).toHaveLength(1);
    await call(em, 'POST', '/__emulator/reset', { body: {}, ...as('deploy-secret') });
    expect((await call(em, 'GET', '/__emulator/audit', as('deploy-secret'))).body).toEqual([]);
  });
});

describe("a zone's writes", () => {
  it("are in its account's log when the seed names the account (account_id), which GET /zones/{id} answers", async () => {
    const seed = testSeed();
    seed.zones![0].account_id = ACCOUNT;
    em = await startTestEmulator({ seed, now: clock().now });
    expect((await call(em, 'GET', `/zones/${ZONE}`)).body.result).toEqual({ id: ZONE, account: { id: ACCOUNT } });
    await dashboard(`/zones/${ZONE}/organization`, { actor: { email: 'bob@example.com' }, set: { name: 'Zone org 2' } });
    await call(em, 'PUT', ZONE_ORG_PATH, { body: { name: 'Zone org 3', auth_domain: 'zone.cloudflareaccess.com' } });
    const entries = (await call(em, 'GET', `${AUDIT}?${WINDOW}&zone_id=${ZONE}`)).body.result;
    expect(entries.map((e: { raw: { method: string }; account: unknown; zone: unknown }) => [e.raw.method, e.account, e.zone])).toEqual([
      ['PUT', { id: ACCOUNT }, { id: ZONE }],
      ['PATCH', { id: ACCOUNT }, { id: ZONE }],
    ]);
    // Without account_id the zone names no account, and no account's log has its writes.
    await em.close();
    em = await startTestEmulator({ now: clock().now });
    expect((await call(em, 'GET', `/zones/${ZONE}`)).body.result).toEqual({ id: ZONE });
    expect((await call(em, 'GET', '/zones/nope')).status).toBe(404);
  });
});

describe('dashboard edits are checked like API writes', () => {
  it('refuses a bad field, a bad actor, an empty set, DoH on a zone and an unknown target — and records none of them', async () => {
    em = await startTestEmulator({ now: clock().now });
    const bad = await dashboard(`/accounts/${ACCOUNT}/organization`, { actor: { email: 'alice@example.com' }, set: { session_duration: 'forever' } });
    expect(bad.status).toBe(400);
    expect(codes(bad)).toEqual([12000]);
    expect((await dashboard(`/accounts/${ACCOUNT}/organization`, { actor: { email: 'not an email' }, set: { name: 'x' } })).status).toBe(400);
    expect((await dashboard(`/accounts/${ACCOUNT}/organization`, { actor: {}, set: { name: 'x' } })).body.errors[0].message).toMatch(/actor\.email/);
    expect((await dashboard(`/accounts/${ACCOUNT}/organization`, { actor: { email: 'a@b.c', role: 'x' }, set: { name: 'x' } })).body.errors[0].message).toMatch(/actor\.role/);
    expect((await dashboard(`/accounts/${ACCOUNT}/organization`, { actor: { email: 'a@b.c' }, set: {} })).status).toBe(400);
    expect((await dashboard(`/accounts/${ACCOUNT}/organization`, { actor: { email: 'a@b.c' } })).status).toBe(400);
    expect((await dashboard(`/zones/${ZONE}/doh`, { actor: { email: 'a@b.c' }, set: { service_token_id: OTHER_TOKEN_ID } })).status).toBe(404);
    expect((await dashboard('/accounts/nope/organization', { actor: { email: 'a@b.c' }, set: { name: 'x' } })).status).toBe(404);
    // The WARP rule holds for dashboard edits as for API writes.
    const warp = await dashboard(`/accounts/${ACCOUNT}/organization`, { actor: { email: 'a@b.c' }, set: { allow_authenticate_via_warp: true } });
    expect(codes(warp)).toEqual([12130]);
    expect((await call(em, 'GET', '/__emulator/audit')).body).toEqual([]);
  });

  it('a DoH edit sets the token; an organization that does not exist yet is created (recorded as POST); actor type and context may be given', async () => {
    em = await startTestEmulator({ now: clock().now });
    expect((await dashboard(`/accounts/${ACCOUNT}/doh`, { actor: { email: 'bob@example.com' }, set: { doh_jwt_duration: '12h' } })).body.result).toMatchObject({ doh_jwt_duration: '12h' });
    const created = await dashboard(`/accounts/${EMPTY_ACCOUNT}/organization`, { actor: { type: 'cloudflare_admin', email: 'support@cloudflare.com' }, set: { name: 'New', auth_domain: 'new.cloudflareaccess.com' } });
    expect(created.status).toBe(200);
    expect((await call(em, 'GET', `/accounts/${EMPTY_ACCOUNT}/access/organizations`)).body.result.name).toBe('New');
    const all = (await call(em, 'GET', '/__emulator/audit')).body;
    expect(all[0]).toMatchObject({ raw: { method: 'PATCH', uri: `/client/v4${DOH_PATH}` }, actor: { email: 'bob@example.com', context: 'dash' } });
    expect(all[1]).toMatchObject({ raw: { method: 'POST', status_code: 201 }, action: { type: 'create' }, actor: { type: 'cloudflare_admin' } });
  });
});

describe('GET /accounts/{id}/logs/audit', () => {
  async function withEntries(n: number) {
    const time = clock('2026-11-01T00:00:00Z');
    em = await startTestEmulator({ tokens: TOKENS, now: time.now });
    for (let i = 0; i < n; i++) {
      await dashboard(`/accounts/${ACCOUNT}/organization`, { actor: { email: i % 2 ? 'bob@example.com' : 'alice@example.com' }, set: { session_duration: `${i + 1}h` } });
      time.advance(60_000);
    }
    return time;
  }
  const get = (query: string, token = 'deploy-secret') => call(em!, 'GET', `${AUDIT}?${query}`, as(token));

  it('since and before are required and checked; limit is 1 to 1000; direction asc or desc; unknown parameters refused', async () => {
    await withEntries(1);
    for (const query of ['before=2027-01-01', 'since=2026-01-01', 'since=yesterday&before=2027-01-01', 'since=2027-01-01&before=2026-01-01', `${WINDOW}&limit=1001`, `${WINDOW}&limit=0`, `${WINDOW}&limit=2.5`, `${WINDOW}&direction=up`, `${WINDOW}&actor=alice`]) {
      const reply = await get(query);
      expect([query, reply.status, reply.body.success]).toEqual([query, 400, false]);
      expect(codes(reply)).toEqual([10003]);
    }
    expect((await get('before=2027-01-01')).body.errors[0].message).toMatch(/since is required/);
    expect((await get(`${WINDOW}&limit=1000`)).status).toBe(200);
    expect((await get('since=2026-10-31T23:00:00Z&before=2026-11-01T01:00:00%2B01:00')).body.result).toHaveLength(0);
    expect((await get('since=2026-10-31T23:00:00Z&before=2026-11-01T00:00:01Z')).body.result).toHaveLength(1);
  });

  it('pages with result_info.cursors.after (default) or result_info.cursor, in either direction, without gaps or repeats', async () => {
    await withEntries(7);
    for (const style of ['cursors', 'cursor'] as const) {
      em!.reconfigure({ auditCursorStyle: style });
      for (const direction of ['asc', 'desc']) {
        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const reply = await get(`${WINDOW}&limit=3&direction=${direction}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
          expect(reply.status).toBe(200);
          pages++;
          seen.push(...reply.body.result.map((e: { resource: { request: { session_duration: string } } }) => e.resource.request.session_duration));
          const info = reply.body.result_info;
          cursor = style === 'cursors' ? info.cursors.after : info.cursor || undefined;
          if (style === 'cursors') expect(info.cursor).toBeUndefined();
        } while (cursor);
        const order = ['1h', '2h', '3h', '4h', '5h', '6h', '7h'];
        expect([style, direction, pages, seen]).toEqual([style, direction, 3, direction === 'asc' ? order : order.reverse()]);
      }
    }
    expect(codes(await get(`${WINDOW}&cursor=bogus`))).toEqual([10003]);
  });

  it('filters by the request and by the actor, with .not twins, in both spellings', async () => {
    await withEntries(4);
    await call(em!, 'PUT', DOH_PATH, { body: { service_token_id: OTHER_TOKEN_ID }, ...as('script-secret') });
    const count = async (query: string) => (await get(`${WINDOW}&${query}`)).body.result.length;
    expect(await count('actor_email=alice@example.com')).toBe(2);
    expect(await count('actor_email[]=ALICE@example.com&actor_email[]=bob@example.com')).toBe(4);
    expect(await count('actor_email.not=alice@example.com')).toBe(3);
    expect(await count('actor_email[not][]=alice@example.com')).toBe(3);
    expect(await count('raw_method=put')).toBe(1);
    expect(await count('raw_method=PUT&raw_method=PATCH&raw_method=POST')).toBe(5);
    expect(await count(`raw_uri=/client/v4${DOH_PATH}`)).toBe(1);
    expect(await count('actor_context=dash')).toBe(4);
    expect(await count('actor_token_name=cleanup script')).toBe(1);
    expect(await count('actor_type=account')).toBe(1);
    expect(await count('action_type=update&resource_type=access.doh')).toBe(1);
  });

  it('needs Account Settings Read: a token without it gets 403; another account sees none of these entries', async () => {
    await withEntries(1);
    const refused = await get(WINDOW, 'script-secret');
    expect(refused.status).toBe(403);
    expect(codes(refused)).toEqual([10000]);
    // A token without a permission list has them all.
    expect((await get(WINDOW, 'carol-secret')).status).toBe(200);
    expect((await call(em!, 'GET', `/accounts/${EMPTY_ACCOUNT}/logs/audit?${WINDOW}`, as('deploy-secret'))).body.result).toEqual([]);
    expect((await call(em!, 'GET', `/accounts/nope/logs/audit?${WINDOW}`, as('deploy-secret'))).status).toBe(404);
  });

  it('answers for 18 months: older entries are gone', async () => {
    const time = await withEntries(1);
    time.set('2028-04-30T00:00:00Z');
    expect((await get('since=2026-01-01&before=2028-05-01')).body.result).toHaveLength(1);
    time.set('2028-05-02T00:00:00Z');
    expect((await get('since=2026-01-01&before=2028-05-03')).body.result).toHaveLength(0);
  });

  it('is read by the official SDK (cursors.after pagination, filters as it sends them)', async () => {
    await withEntries(5);
    const client = new Cloudflare({ apiToken: 'deploy-secret', baseURL: em!.url, maxRetries: 0 });
    const methods: string[] = [];
    for await (const entry of client.accounts.logs.audit.list({ account_id: ACCOUNT, since: '2026-01-01', before: '2027-01-01', limit: 2, actor_email: { not: ['bob@example.com'] } })) {
      methods.push(`${entry.raw?.method} ${entry.actor?.email}`);
    }
    expect(methods).toEqual(['PATCH alice@example.com', 'PATCH alice@example.com', 'PATCH alice@example.com']);
  });
});

describe('tokens/verify', () => {
  it("answers an account-owned token's id at /accounts/{id}/tokens/verify and a user's at /user/tokens/verify; 401 otherwise", async () => {
    em = await startTestEmulator({ tokens: TOKENS });
    const account = await call(em, 'GET', `/accounts/${ACCOUNT}/tokens/verify`, as('deploy-secret'));
    expect(account.body).toMatchObject({ success: true, result: { id: TOKENS[0].id, status: 'active' } });
    expect((await call(em, 'GET', '/user/tokens/verify', as('carol-secret'))).body.result).toMatchObject({ status: 'active', id: expect.any(String) });
    const wrong = await call(em, 'GET', '/user/tokens/verify', as('deploy-secret'));
    expect([wrong.status, codes(wrong)]).toEqual([401, [1000]]);
    expect((await call(em, 'GET', `/accounts/${ACCOUNT}/tokens/verify`, as('carol-secret'))).status).toBe(401);
  });

  it('an unnamed token gets a stable id, the one its writes are audited under', async () => {
    em = await startTestEmulator({ now: clock().now });
    const first = (await call(em, 'GET', `/accounts/${ACCOUNT}/tokens/verify`, as('any-token'))).body.result.id;
    expect((await call(em, 'GET', `/accounts/${ACCOUNT}/tokens/verify`, as('any-token'))).body.result.id).toBe(first);
    expect((await call(em, 'GET', `/accounts/${ACCOUNT}/tokens/verify`, as('other-token'))).body.result.id).not.toBe(first);
    await call(em, 'PUT', ORG_PATH, { body: { name: 'Widget Corps', auth_domain: 'widget.cloudflareaccess.com' }, ...as('any-token') });
    expect((await call(em, 'GET', '/__emulator/audit')).body[0].actor.token_id).toBe(first);
  });
});

describe('--tokens', () => {
  it('refuses a list that is not one, unknown keys, a user token without email, and duplicates — never quoting a secret', async () => {
    const { parseTokens, loadTokensFile } = await import('../../src/emulator/index.js');
    expect(() => parseTokens({})).toThrow(/JSON list/);
    expect(() => parseTokens([{ token: 'hush-1', name: 'x', scope: 'all' }])).toThrow(/tokens\[0\]\.scope: is not a known key/);
    expect(() => parseTokens([{ token: 'hush-1', name: 'x', owner: 'user' }])).toThrow(/needs its user's email/);
    expect(() => parseTokens([{ token: 'hush-1', name: 'a' }, { token: 'hush-1', name: 'b' }])).toThrow(/listed twice/);
    expect(() => parseTokens([{ token: 42, name: 'a' }])).toThrow(/tokens\[0\]\.token: must be a non-empty text$/);
    for (const bad of [[{ token: 'hush-1', name: '' }], [{ token: 'hush-1', name: 'a' }, { token: 'hush-1', name: 'b' }]]) {
      expect(() => parseTokens(bad)).toThrow(expect.objectContaining({ message: expect.not.stringContaining('hush') }));
    }
    expect(() => loadTokensFile('/nonexistent/tokens.json')).toThrow(/--tokens \/nonexistent\/tokens.json: cannot read it/);
  });
});
