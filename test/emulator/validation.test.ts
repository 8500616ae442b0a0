// Field checks driven by the resource tables: durations, enums, types, scopes, and the cross-field rules.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WARP_MESSAGE, type RunningEmulator } from '../../src/emulator/index.js';
import { call, ORG_PATH, DOH_PATH, startTestEmulator, testSeed, ZONE_ORG_PATH } from '../helpers/emulator.js';

let em: RunningEmulator;
beforeAll(async () => {
  em = await startTestEmulator({ putSemantics: 'merge' });
});
afterAll(async () => {
  await em.close();
});
beforeEach(() => {
  em.state.reset(testSeed());
});

const base = { name: 'Widget Corps', auth_domain: 'widget.cloudflareaccess.com' };

async function refused(path: string, body: Record<string, unknown>) {
  const reply = await call(em, 'PUT', path, { body: { ...base, ...body } });
  expect(reply.status, JSON.stringify(body)).toBe(400);
  expect(reply.body.success).toBe(false);
  expect(reply.body.result).toBeNull();
  return reply.body.errors[0] as { code: number; message: string; source: { pointer: string } };
}

async function accepted(path: string, body: Record<string, unknown>) {
  const reply = await call(em, 'PUT', path, { body: { ...base, ...body } });
  expect(reply.status, JSON.stringify(reply.body.errors)).toBe(200);
}

describe('durations, per field as the docs say', () => {
  it('names the field and the value in Cloudflare style', async () => {
    const error = await refused(ORG_PATH, { session_duration: '1d' });
    expect(error).toEqual({
      code: 12000,
      message: 'access.api.error.invalid_request: session_duration: "1d" is not a valid duration',
      source: { pointer: '/session_duration' },
    });
  });

  it('session_duration takes every Go unit', async () => {
    for (const value of ['300ms', '2h45m', '1.5h', '90s', '1000us']) await accepted(ORG_PATH, { session_duration: value });
    expect((await refused(ORG_PATH, { session_duration: '-1h' })).message).toContain('must not be negative');
  });

  it('warp_auth_session_duration takes minutes and hours only', async () => {
    await accepted(ORG_PATH, { warp_auth_session_duration: '2h45m' });
    const error = await refused(ORG_PATH, { warp_auth_session_duration: '30s' });
    expect(error.message).toBe('access.api.error.invalid_request: warp_auth_session_duration: "30s" must be in minutes (m) or hours (h)');
  });

  it('mfa_config.session_duration: m or h, 0m to 720h', async () => {
    await accepted(ORG_PATH, { mfa_config: { session_duration: '0m' } });
    await accepted(ORG_PATH, { mfa_config: { session_duration: '720h' } });
    const over = await refused(ORG_PATH, { mfa_config: { session_duration: '721h' } });
    expect(over).toMatchObject({ message: expect.stringContaining('mfa_config.session_duration: "721h" is more than the maximum 720h'), source: { pointer: '/mfa_config/session_duration' } });
    expect((await refused(ORG_PATH, { mfa_config: { session_duration: '3600s' } })).message).toContain('minutes (m) or hours (h)');
  });

  it('user_seat_expiration_inactive_time is at least 730h', async () => {
    await accepted(ORG_PATH, { user_seat_expiration_inactive_time: '730h' });
    expect((await refused(ORG_PATH, { user_seat_expiration_inactive_time: '729h59m' })).message).toContain('is less than the minimum 730h');
  });

  it('doh_jwt_duration is a Go duration', async () => {
    const reply = await call(em, 'PUT', DOH_PATH, { body: { service_token_id: testSeed().accounts![0].doh!.service_token_id, doh_jwt_duration: 'a day' } });
    expect(reply.status).toBe(400);
    expect(reply.body.errors[0].source.pointer).toBe('/doh_jwt_duration');
  });
});

describe('types and enums', () => {
  it('booleans, strings, lists, objects', async () => {
    expect((await refused(ORG_PATH, { is_ui_read_only: 'yes' })).message).toBe('access.api.error.invalid_request: is_ui_read_only: must be a boolean, not "yes"');
    expect((await refused(ORG_PATH, { name: 42 })).message).toContain('name: must be a string, not 42');
    expect((await refused(ORG_PATH, { deny_unmatched_requests_exempted_zone_names: 'example.com' })).message).toContain('must be a list');
    expect((await refused(ORG_PATH, { deny_unmatched_requests_exempted_zone_names: [1] })).message).toContain('items must be strings');
    expect((await refused(ORG_PATH, { login_design: 'blue' })).message).toContain('login_design: must be an object');
  });

  it('enums and enum lists', async () => {
    await accepted(ORG_PATH, { mfa_config: { allowed_authenticators: ['totp', 'piv_key'] }, mfa_piv_key_requirements: { pin_policy: 'once', ssh_key_size: [256, 4096] } });
    expect((await refused(ORG_PATH, { mfa_config: { allowed_authenticators: ['sms'] } })).message).toContain('"sms" is not one of totp, biometrics, security_key, piv_key, ssh_fido2_key');
    expect((await refused(ORG_PATH, { mfa_piv_key_requirements: { touch_policy: 'sometimes' } })).source.pointer).toBe('/mfa_piv_key_requirements/touch_policy');
    expect((await refused(ORG_PATH, { mfa_piv_key_requirements: { ssh_key_size: [1024] } })).message).toContain('1024 is not one of');
  });

  it('reports every bad field at once', async () => {
    const reply = await call(em, 'PUT', ORG_PATH, { body: { session_duration: 'x', is_ui_read_only: 1 } });
    expect(reply.body.errors.map((e: { source: { pointer: string } }) => e.source.pointer)).toEqual(['/session_duration', '/is_ui_read_only']);
  });
});

describe('scopes', () => {
  it('a zone accepts only the zone subset; anything else is a 400 naming the field', async () => {
    const zoneBase = { name: 'Zone org', auth_domain: 'zone.cloudflareaccess.com' };
    const ok = await call(em, 'PUT', ZONE_ORG_PATH, { body: { ...zoneBase, is_ui_read_only: true, user_seat_expiration_inactive_time: '730h', login_design: { header_text: 'x' }, deny_unmatched_requests_exempted_zone_names: ['a.com'] } });
    expect(ok.status).toBe(200);
    for (const [body, pointer] of [
      [{ session_duration: '1h' }, '/session_duration'],
      [{ allow_authenticate_via_warp: false }, '/allow_authenticate_via_warp'],
      [{ mfa_config: { session_duration: '1h' } }, '/mfa_config'],
      [{ custom_pages: { forbidden: 'x' } }, '/custom_pages'],
    ] as const) {
      const reply = await call(em, 'PUT', ZONE_ORG_PATH, { body: { ...zoneBase, ...body } });
      expect(reply.status).toBe(400);
      expect(reply.body.errors[0]).toMatchObject({ code: 12000, message: expect.stringContaining('is not accepted for a zone'), source: { pointer } });
    }
  });
});

describe('cross-field rules', () => {
  it('allow_authenticate_via_warp without a WARP session duration: 400, code 12130, Cloudflare\'s message', async () => {
    const error = await refused(ORG_PATH, { allow_authenticate_via_warp: true });
    expect(error.code).toBe(12130);
    expect(error.message).toBe(WARP_MESSAGE);
    expect(WARP_MESSAGE).toBe('access.api.error.invalid_request: allow_authenticate_via_warp cannot be set if the Warp Auth Session Duration is not set for the account');
  });

  it('the WARP duration may be in the body or already stored', async () => {
    await accepted(ORG_PATH, { allow_authenticate_via_warp: true, warp_auth_session_duration: '1h' });
    await accepted(ORG_PATH, { allow_authenticate_via_warp: false });
    // merge: the stored duration counts
    await accepted(ORG_PATH, { allow_authenticate_via_warp: true });
    // …and unsetting it while WARP auth is on is refused
    expect((await refused(ORG_PATH, { warp_auth_session_duration: null })).code).toBe(12130);
  });

  it('mfa_required_for_all_apps needs an authenticator and an MFA session duration', async () => {
    expect((await refused(ORG_PATH, { mfa_required_for_all_apps: true })).code).toBe(12131);
    await accepted(ORG_PATH, { mfa_required_for_all_apps: true, mfa_config: { allowed_authenticators: ['totp'], session_duration: '12h' } });
  });

  it('a refused write changes nothing and counts no write', async () => {
    const before = em.state.toSeed();
    await refused(ORG_PATH, { name: 'Changed', allow_authenticate_via_warp: true });
    expect(em.state.toSeed()).toEqual(before);
    expect(em.state.counters.writes).toBe(0);
  });

  it('name and auth_domain cannot be unset', async () => {
    expect((await refused(ORG_PATH, { name: null })).message).toContain('name: cannot be unset');
  });
});

describe('create and update refuse what Cloudflare refuses (name, auth_domain)', () => {
  const EMPTY = '/accounts/11111111111111111111111111111111/access/organizations';

  it('an empty name, and an auth_domain that is not a hostname, on POST and PUT', async () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ name: '', auth_domain: 'new.cloudflareaccess.com' }, '/name', 'name: must not be empty'],
      [{ name: 'New', auth_domain: '' }, '/auth_domain', 'auth_domain: must not be empty'],
      [{ name: 'New', auth_domain: 'not a host!' }, '/auth_domain', 'auth_domain: "not a host!" is not a hostname'],
      [{ name: 'New', auth_domain: 'https://new.cloudflareaccess.com' }, '/auth_domain', 'is not a hostname'],
      [{ name: 'New', auth_domain: 'under_score.example.com' }, '/auth_domain', 'is not a hostname'],
      [{ name: 'New', auth_domain: `${'a'.repeat(64)}.example.com` }, '/auth_domain', 'is not a hostname'],
    ];
    for (const [body, pointer, message] of cases) {
      for (const [method, path] of [['POST', EMPTY], ['PUT', ORG_PATH]]) {
        const reply = await call(em, method, path, { body });
        expect([reply.status, reply.body.errors?.[0].code, reply.body.errors?.[0].source.pointer], `${method} ${JSON.stringify(body)}`).toEqual([400, 12000, pointer]);
        expect(reply.body.errors[0].message).toContain(message);
      }
    }
    expect((await call(em, 'GET', EMPTY)).status).toBe(404);
    expect((await call(em, 'GET', ORG_PATH)).body.result).toMatchObject(base);
  });

  it('auth_domain is unique without regard to case (create, update, and seeds)', async () => {
    const taken = await call(em, 'POST', EMPTY, { body: { name: 'New', auth_domain: 'ZONE.CloudflareAccess.com' } });
    expect([taken.status, taken.body.errors[0].code]).toEqual([400, 12003]);
    const moved = await call(em, 'PUT', ORG_PATH, { body: { auth_domain: 'Zone.cloudflareaccess.com' } });
    expect([moved.status, moved.body.errors[0].code]).toEqual([400, 12003]);
    // Its own domain in another case is no clash with itself.
    expect((await call(em, 'PUT', ORG_PATH, { body: { auth_domain: 'WIDGET.cloudflareaccess.com' } })).status).toBe(200);
    const seed = testSeed();
    seed.zones![0].organization!.auth_domain = 'Widget.CloudflareAccess.com';
    expect((await call(em, 'POST', '/__emulator/reset', { body: seed })).body.errors[0].message).toContain('zones[0].organization.auth_domain: "Widget.CloudflareAccess.com" is already used');
  });

  it('valid hostnames pass: subdomains, digits, hyphens, a trailing dot', async () => {
    for (const auth_domain of ['a.example.com', 'widget-corps-2.cloudflareaccess.com', 'x1.y2.z3.example', 'fqdn.example.com.']) {
      expect((await call(em, 'PUT', ORG_PATH, { body: { auth_domain } })).status, auth_domain).toBe(200);
    }
  });
});
