// The six operations, auth, the envelope, unknown routes and ids, and both PUT semantics, over real HTTP.
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import {
  ACCOUNT,
  call,
  codes,
  DOH_PATH,
  EMPTY_ACCOUNT,
  EMPTY_ORG_PATH,
  ORG_PATH,
  OTHER_TOKEN_ID,
  startTestEmulator,
  TOKEN_CLIENT_ID,
  TOKEN_ID,
  ZONE,
  ZONE_ORG_PATH,
} from '../helpers/emulator.js';

let em: RunningEmulator;
afterEach(async () => {
  await em?.close();
});

/** A clock the test moves by hand. */
function manualClock(start = Date.parse('2025-01-01T00:00:00Z')) {
  let t = start;
  return { now: () => new Date(t), advance: (ms: number) => void (t += ms) };
}

describe('organization routes', () => {
  it('GET answers 200 with the envelope and the organization, and counts no write', async () => {
    em = await startTestEmulator();
    const reply = await call(em, 'GET', ORG_PATH);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ success: true, errors: [], messages: [] });
    expect(reply.body.result).toMatchObject({ name: 'Widget Corps', auth_domain: 'widget.cloudflareaccess.com', session_duration: '24h' });
    expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
    await call(em, 'GET', ZONE_ORG_PATH);
    await call(em, 'GET', DOH_PATH);
    expect(em.state.counters.writes).toBe(0);
    expect(em.state.snapshot().counters.requests).toEqual({
      'GET /accounts/:id/access/organizations': 1,
      'GET /zones/:id/access/organizations': 1,
      'GET /accounts/:id/access/organizations/doh': 1,
    });
  });

  it('GET leaves out false booleans and empty login_design / custom_pages, and never sends null', async () => {
    em = await startTestEmulator();
    const put = await call(em, 'PUT', ORG_PATH, {
      body: { name: 'W', auth_domain: 'w.cloudflareaccess.com', auto_redirect_to_identity: false, is_ui_read_only: true, deny_unmatched_requests: false, login_design: {}, custom_pages: {} },
    });
    expect(put.status).toBe(200);
    const { result } = (await call(em, 'GET', ORG_PATH)).body;
    expect(result.is_ui_read_only).toBe(true);
    for (const absent of ['auto_redirect_to_identity', 'deny_unmatched_requests', 'login_design', 'custom_pages', 'allow_authenticate_via_warp']) {
      expect(result).not.toHaveProperty(absent);
    }
    expect(JSON.stringify(result)).not.toContain('null');
  });

  it('POST creates (201) with created_at, needs name and auth_domain, refuses custom_pages, and fails when one exists', async () => {
    const clock = manualClock();
    em = await startTestEmulator({ now: clock.now });
    expect((await call(em, 'GET', EMPTY_ORG_PATH)).status).toBe(404);
    expect((await call(em, 'PUT', EMPTY_ORG_PATH, { body: { name: 'x', auth_domain: 'x.example' } })).status).toBe(404);

    const missing = await call(em, 'POST', EMPTY_ORG_PATH, { body: { name: 'New' } });
    expect(missing.status).toBe(400);
    expect(missing.body.errors[0]).toMatchObject({ message: expect.stringContaining('auth_domain: is required'), source: { pointer: '/auth_domain' } });

    const pages = await call(em, 'POST', EMPTY_ORG_PATH, { body: { name: 'New', auth_domain: 'new.cloudflareaccess.com', custom_pages: { forbidden: 'abc' } } });
    expect(pages.status).toBe(400);
    expect(pages.body.errors[0].message).toContain('custom_pages: is not accepted when creating');

    const created = await call(em, 'POST', EMPTY_ORG_PATH, { body: { name: 'New', auth_domain: 'new.cloudflareaccess.com', session_duration: '12h' } });
    expect(created.status).toBe(201);
    expect(created.body.result).toMatchObject({ name: 'New', created_at: '2025-01-01T00:00:00.000Z', updated_at: '2025-01-01T00:00:00.000Z' });
    expect((await call(em, 'GET', EMPTY_ORG_PATH)).body.result.session_duration).toBe('12h');

    const again = await call(em, 'POST', EMPTY_ORG_PATH, { body: { name: 'New', auth_domain: 'new2.cloudflareaccess.com' } });
    expect(again.status).toBe(400);
    expect(codes(again)).toEqual([12002]);
    expect(em.state.counters.writes).toBe(1);
  });

  it('auth_domain is unique across organizations', async () => {
    em = await startTestEmulator();
    const taken = await call(em, 'POST', EMPTY_ORG_PATH, { body: { name: 'Copy', auth_domain: 'widget.cloudflareaccess.com' } });
    expect(taken.status).toBe(400);
    expect(codes(taken)).toEqual([12003]);
  });

  it('updated_at moves only when something changed; created_at never does', async () => {
    const clock = manualClock();
    em = await startTestEmulator({ now: clock.now, putSemantics: 'merge' });
    const before = (await call(em, 'GET', ORG_PATH)).body.result;
    clock.advance(60_000);
    const same = await call(em, 'PUT', ORG_PATH, { body: { session_duration: '24h' } });
    expect(same.body.result.updated_at).toBe(before.updated_at);
    clock.advance(60_000);
    const changed = await call(em, 'PUT', ORG_PATH, { body: { session_duration: '12h' } });
    expect(changed.body.result.updated_at).toBe('2025-01-01T00:02:00.000Z');
    expect(changed.body.result.created_at).toBe(before.created_at);
  });

  it('revoke_user answers 200 with result true, under accounts and zones, and checks its body and query', async () => {
    em = await startTestEmulator();
    const reply = await call(em, 'POST', `${ORG_PATH}/revoke_user?devices=true`, { body: { email: 'test@example.com', warp_session_reauth: true } });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ success: true, result: true });
    expect((await call(em, 'POST', `${ZONE_ORG_PATH}/revoke_user`, { body: { email: 'a@b.c' } })).body.result).toBe(true);
    const noEmail = await call(em, 'POST', `${ORG_PATH}/revoke_user`, { body: {} });
    expect(noEmail.status).toBe(400);
    expect(noEmail.body.errors[0].source.pointer).toBe('/email');
    expect((await call(em, 'POST', `${ORG_PATH}/revoke_user?devices=maybe`, { body: { email: 'a@b.c' } })).status).toBe(400);
    expect((await call(em, 'POST', `${EMPTY_ORG_PATH}/revoke_user`, { body: { email: 'a@b.c' } })).status).toBe(404);
  });
});

describe('PUT semantics', () => {
  const full = { name: 'Widget Corps', auth_domain: 'widget.cloudflareaccess.com', session_duration: '8h', is_ui_read_only: true, login_design: { header_text: 'Hi', text_color: '#000000' } };

  it('replace (the default): fields left out go back to unset', async () => {
    em = await startTestEmulator();
    await call(em, 'PUT', ORG_PATH, { body: full });
    const reply = await call(em, 'PUT', ORG_PATH, { body: { name: 'Renamed', login_design: { header_text: 'Hi' } } });
    expect(reply.status).toBe(200);
    const { result } = (await call(em, 'GET', ORG_PATH)).body;
    expect(result).toMatchObject({ name: 'Renamed', auth_domain: 'widget.cloudflareaccess.com', login_design: { header_text: 'Hi' } });
    expect(result).not.toHaveProperty('session_duration');
    expect(result).not.toHaveProperty('is_ui_read_only');
    expect(result.login_design).not.toHaveProperty('text_color');
  });

  it('merge: fields left out keep their values; null unsets', async () => {
    em = await startTestEmulator({ putSemantics: 'merge' });
    await call(em, 'PUT', ORG_PATH, { body: full });
    await call(em, 'PUT', ORG_PATH, { body: { name: 'Renamed', login_design: { header_text: 'Hello' }, is_ui_read_only: null } });
    const { result } = (await call(em, 'GET', ORG_PATH)).body;
    expect(result).toMatchObject({ name: 'Renamed', session_duration: '8h', login_design: { header_text: 'Hello', text_color: '#000000' } });
    expect(result).not.toHaveProperty('is_ui_read_only');
  });

  it('read-only fields in a PUT body are ignored; unknown fields are a 400 naming them', async () => {
    em = await startTestEmulator();
    const ok = await call(em, 'PUT', ORG_PATH, { body: { name: 'W', created_at: '2000-01-01T00:00:00Z', updated_at: 'whenever' } });
    expect(ok.status).toBe(200);
    expect(ok.body.result.created_at).not.toBe('2000-01-01T00:00:00Z');
    const unknown = await call(em, 'PUT', ORG_PATH, { body: { name: 'W', colour: 'red', login_design: { font: 'x' } } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors.map((e: { source: { pointer: string } }) => e.source.pointer)).toEqual(['/colour', '/login_design/font']);
  });
});

describe('DoH routes', () => {
  it('GET answers 200 with the token record and doh_jwt_duration', async () => {
    em = await startTestEmulator();
    const reply = await call(em, 'GET', DOH_PATH);
    expect(reply.status).toBe(200);
    expect(reply.body.result).toMatchObject({ id: TOKEN_ID, client_id: TOKEN_CLIENT_ID, name: 'CI token', duration: '8760h', doh_jwt_duration: '24h' });
    expect(reply.body.result.expires_at).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('GET with no token set answers a 404 envelope', async () => {
    em = await startTestEmulator();
    const reply = await call(em, 'GET', `/accounts/${EMPTY_ACCOUNT}/access/organizations/doh`);
    expect(reply.status).toBe(404);
    expect(codes(reply)).toEqual([12004]);
  });

  it('PUT (201) sets a new token, which replaces the old one; doh_jwt_duration defaults to 24h', async () => {
    em = await startTestEmulator();
    const reply = await call(em, 'PUT', DOH_PATH, { body: { service_token_id: OTHER_TOKEN_ID } });
    expect(reply.status).toBe(201);
    expect(reply.body.result).toMatchObject({ id: OTHER_TOKEN_ID, name: 'Other token', doh_jwt_duration: '24h' });
    expect((await call(em, 'GET', DOH_PATH)).body.result.id).toBe(OTHER_TOKEN_ID);
    expect(em.state.snapshot().accounts[0].doh).toEqual({ service_token_id: OTHER_TOKEN_ID, doh_jwt_duration: '24h' });
  });

  it('PUT with a client_id or an unknown id answers service_token_not_found', async () => {
    em = await startTestEmulator();
    for (const id of [TOKEN_CLIENT_ID, '00000000-0000-4000-8000-000000000000']) {
      const reply = await call(em, 'PUT', DOH_PATH, { body: { service_token_id: id } });
      expect(reply.status).toBe(400);
      expect(reply.body.errors[0]).toMatchObject({ code: 12005, message: expect.stringMatching(/^access\.api\.error\.service_token_not_found/) });
    }
    expect(em.state.counters.writes).toBe(0);
  });

  it('PUT semantics apply to doh_jwt_duration and service_token_id', async () => {
    em = await startTestEmulator({ putSemantics: 'merge' });
    await call(em, 'PUT', DOH_PATH, { body: { service_token_id: TOKEN_ID, doh_jwt_duration: '48h' } });
    expect((await call(em, 'PUT', DOH_PATH, { body: {} })).body.result).toMatchObject({ id: TOKEN_ID, doh_jwt_duration: '48h' });
    em.reconfigure({ putSemantics: 'replace' });
    expect((await call(em, 'PUT', DOH_PATH, { body: { service_token_id: TOKEN_ID } })).body.result.doh_jwt_duration).toBe('24h');
    const missing = await call(em, 'PUT', DOH_PATH, { body: { doh_jwt_duration: '1h' } });
    expect(missing.status).toBe(400);
    expect(missing.body.errors[0].source.pointer).toBe('/service_token_id');
  });

  it('DoH on a zone has no route', async () => {
    em = await startTestEmulator();
    const reply = await call(em, 'GET', `/zones/${ZONE}/access/organizations/doh`);
    expect(reply.status).toBe(404);
    expect(reply.body).toEqual({ success: false, errors: [{ code: 7003, message: 'No route for the URI' }], messages: [], result: null });
  });
});

describe('routing and auth', () => {
  it('unknown routes and methods answer 404 with code 7003', async () => {
    em = await startTestEmulator();
    for (const [method, path] of [['GET', '/zones'], ['POST', '/accounts'], ['DELETE', ORG_PATH], ['GET', `${ORG_PATH}/`], ['PATCH', DOH_PATH]]) {
      const reply = await call(em, method, path);
      expect(reply.status, `${method} ${path}`).toBe(404);
      expect(codes(reply)).toEqual([7003]);
    }
    expect((await call(em, 'GET', `${em.origin}/elsewhere`)).status).toBe(404);
  });

  it('an account or zone that was never seeded gets a 404 envelope', async () => {
    em = await startTestEmulator();
    const reply = await call(em, 'GET', '/accounts/ffffffffffffffffffffffffffffffff/access/organizations');
    expect(reply.status).toBe(404);
    expect(reply.body.errors[0]).toMatchObject({ code: 7003, message: expect.stringContaining('perhaps your object identifier is invalid') });
    expect((await call(em, 'POST', '/zones/%E0%A4%A/access/organizations', { body: {} })).status).toBe(404);
  });

  it('missing credentials get 401, and a bearer token or email + key are accepted', async () => {
    em = await startTestEmulator();
    expect((await call(em, 'GET', ORG_PATH, { anonymous: true })).status).toBe(401);
    expect((await call(em, 'GET', ORG_PATH, { anonymous: true, headers: { authorization: 'Basic abc' } })).status).toBe(401);
    expect((await call(em, 'GET', ORG_PATH, { anonymous: true, headers: { 'x-auth-email': 'a@b.c' } })).status).toBe(401);
    const keyed = await call(em, 'GET', ORG_PATH, { anonymous: true, headers: { 'x-auth-email': 'a@b.c', 'x-auth-key': 'k' } });
    expect(keyed.status).toBe(200);
    const unauthorized = await call(em, 'GET', ORG_PATH, { anonymous: true });
    expect(unauthorized.body).toEqual({ success: false, errors: [{ code: 10000, message: 'Authentication error' }], messages: [], result: null });
  });

  it('with a token, only that token is accepted', async () => {
    em = await startTestEmulator({ token: 'the-one' });
    expect((await call(em, 'GET', ORG_PATH)).status).toBe(401);
    expect((await call(em, 'GET', ORG_PATH, { headers: { authorization: 'Bearer the-one' } })).status).toBe(200);
    expect((await call(em, 'GET', ORG_PATH, { anonymous: true, headers: { 'x-auth-email': 'a@b.c', 'x-auth-key': 'k' } })).status).toBe(401);
    expect(JSON.stringify(em.state.snapshot())).not.toContain('the-one');
  });

  it('scopes: GET under the zone answers the zone organization', async () => {
    em = await startTestEmulator();
    expect((await call(em, 'GET', ZONE_ORG_PATH)).body.result).toMatchObject({ name: 'Zone org' });
    expect((await call(em, 'GET', `/accounts/${ACCOUNT}/access/organizations`)).body.result.name).toBe('Widget Corps');
  });
});
