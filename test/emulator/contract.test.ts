// Contract: every body the emulator sends, for each operation and each kind of failure, validates against the
// response schemas of Cloudflare's published OpenAPI excerpt (test/fixtures/cloudflare-org-doh.openapi.json).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ANSWER_STYLES, FAULT_KINDS, type RunningEmulator } from '../../src/emulator/index.js';
import { call, codes, DOH_PATH, EMPTY_ACCOUNT, EMPTY_ORG_PATH, ORG_PATH, OTHER_TOKEN_ID, startTestEmulator, testSeed, ZONE_ORG_PATH, type CallOptions, type Reply } from '../helpers/emulator.js';
import { failureValidator, operations, responseValidator, specPath } from './openapi.js';

// Every answer is checked in both answer styles: sparse (false and empty left out) and explicit (every field sent).
describe.each(ANSWER_STYLES)('%s answers', (answerStyle) => {
  let em: RunningEmulator;
  /** "GET /{accounts_or_zones}/…" → statuses whose bodies were validated. */
  const covered = new Map<string, Set<number>>();

  beforeAll(async () => {
    em = await startTestEmulator({ token: 'contract-token', answerStyle });
  });
  afterAll(async () => {
    await em.close();
  });
  afterEach(() => {
    em.state.reset(testSeed());
    em.reconfigure({ faultRate: 0, rateLimit: undefined });
  });

  const AUTH = { authorization: 'Bearer contract-token' };

  /** Call the emulator and validate the answer against the operation's schema for its status. */
  async function checked(method: string, path: string, options: CallOptions = {}): Promise<Reply> {
    const reply = await call(em, method, path, { ...options, headers: { ...AUTH, ...options.headers } });
    const op = specPath(routeKeyOf(method, path));
    const validate = responseValidator(op.path, op.method, reply.status);
    expect(validate(reply.body), `${method} ${path} → ${reply.status}: ${JSON.stringify(validate.errors)}\n${JSON.stringify(reply.body)}`).toBe(true);
    const key = `${op.method} ${op.path}`;
    covered.set(key, (covered.get(key) ?? new Set()).add(reply.status));
    return reply;
  }

  function routeKeyOf(method: string, path: string): string {
    const template = path.split('?')[0].replace(/^\/(accounts|zones)\/[^/]+/, '/$1/:id');
    return `${method} ${template}`;
  }

  const FULL_ORGANIZATION = {
    name: 'Widget Corps Internal Applications',
    auth_domain: 'widget.cloudflareaccess.com',
    allow_authenticate_via_warp: true,
    warp_auth_session_duration: '24h',
    warp_auth_non_browser_401: true,
    auto_redirect_to_identity: true,
    custom_pages: { forbidden: '699d98642c564d2e855e9661899b7252', identity_denied: '699d98642c564d2e855e9661899b7252' },
    deny_unmatched_requests: true,
    deny_unmatched_requests_exempted_zone_names: ['example.com'],
    is_ui_read_only: true,
    ui_read_only_toggle_reason: 'Temporarily turn off the UI read only lock to make a change via the UI',
    login_design: { background_color: '#c5ed1b', footer_text: 'Footer', header_text: 'Header', logo_path: 'https://example.com/logo.png', text_color: '#c5ed1b' },
    mfa_config: { allowed_authenticators: ['totp', 'biometrics', 'security_key'], session_duration: '24h', amr_matching_session_duration: '12h', required_aaguids: '2fc0579f-8113-47ea-b116-bb5a8db9202a' },
    mfa_required_for_all_apps: true,
    mfa_piv_key_requirements: { pin_policy: 'always', require_fips_device: true, ssh_key_size: [256, 2048], ssh_key_type: ['ecdsa', 'rsa'], touch_policy: 'always' },
    session_duration: '24h',
    user_seat_expiration_inactive_time: '730h',
  };

  /** One request per operation, each valid when nothing goes wrong. */
  const OPERATIONS: [string, string, unknown?][] = [
    ['GET', ORG_PATH],
    ['POST', EMPTY_ORG_PATH, { name: 'New', auth_domain: 'new.cloudflareaccess.com' }],
    ['PUT', ORG_PATH, FULL_ORGANIZATION],
    ['POST', `${ORG_PATH}/revoke_user?devices=true`, { email: 'test@example.com' }],
    ['GET', DOH_PATH],
    ['PUT', DOH_PATH, { service_token_id: OTHER_TOKEN_ID, doh_jwt_duration: '800h' }],
  ];

  describe('success bodies', () => {
    it('each operation answers its documented status and schema', async () => {
      const statuses = [];
      for (const [method, path, body] of OPERATIONS) statuses.push((await checked(method, path, { body })).status);
      expect(statuses).toEqual([200, 201, 200, 200, 200, 201]);
    });

    it('a fully populated organization (every field of the table) and the zone organization validate', async () => {
      const put = await checked('PUT', ORG_PATH, { body: FULL_ORGANIZATION });
      expect(put.body.result).toMatchObject(FULL_ORGANIZATION);
      await checked('GET', ORG_PATH);
      const zone = await checked('GET', ZONE_ORG_PATH);
      // The style is really in play: explicit spells the unset flag and the empty group out, sparse leaves them out.
      expect([zone.body.result.deny_unmatched_requests, zone.body.result.login_design]).toEqual(answerStyle === 'explicit' ? [false, {}] : [undefined, undefined]);
      await checked('POST', `${ZONE_ORG_PATH}/revoke_user`, { body: { email: 'a@b.c' } });
    });
  });

  describe('failure bodies', () => {
    it('the same failures for every operation: 401, 403, unknown id, rate limit, every status fault', async () => {
      for (const [method, path, body] of OPERATIONS) {
        expect((await checked(method, path, { body, headers: { authorization: '' } })).status).toBe(401);
        expect((await checked(method, path, { body, headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
        em.reconfigure({ forbidden: [/(?:accounts|zones)\/(\w+)/.exec(path)![1]] });
        expect((await checked(method, path, { body })).status).toBe(403);
        em.reconfigure({ forbidden: [] });
        expect((await checked(method, path.replace(/accounts\/\w+/, 'accounts/ffffffffffffffffffffffffffffffff'), { body })).status).toBe(404);

        em.reconfigure({ rateLimit: { requests: 1, windowSeconds: 300 } });
        await checked(method, path, { body });
        expect((await checked(method, path, { body })).status).toBe(429);
        em.reconfigure({ rateLimit: undefined });

        for (const kind of FAULT_KINDS.filter((k) => /^\d+$/.test(k))) {
          em.reconfigure({ faultRate: 1, faultKinds: [kind] });
          expect((await checked(method, path, { body })).status).toBe(Number(kind));
        }
        em.reconfigure({ faultRate: 0 });
        em.state.reset(testSeed());
      }
    });

    it('organization failures: validation, WARP rule, scope, create twice, not found, malformed and huge bodies', async () => {
      const cases: [string, string, unknown, number, number][] = [
        ['PUT', ORG_PATH, { session_duration: '1d' }, 400, 12000],
        ['PUT', ORG_PATH, { allow_authenticate_via_warp: true }, 400, 12130],
        ['PUT', ORG_PATH, { mfa_required_for_all_apps: true }, 400, 12131],
        ['PUT', ZONE_ORG_PATH, { session_duration: '1h' }, 400, 12000],
        ['PUT', ORG_PATH, '{"name":', 400, 10001],
        ['PUT', ORG_PATH, JSON.stringify({ name: 'x'.repeat(1024 * 1024 + 1) }), 400, 10002],
        ['PUT', EMPTY_ORG_PATH, { name: 'x' }, 404, 12001],
        ['GET', EMPTY_ORG_PATH, undefined, 404, 12001],
        ['POST', ORG_PATH, { name: 'Again', auth_domain: 'again.cloudflareaccess.com' }, 400, 12002],
        ['POST', EMPTY_ORG_PATH, { name: 'No domain' }, 400, 12000],
        ['POST', EMPTY_ORG_PATH, { name: 'Dup', auth_domain: 'zone.cloudflareaccess.com' }, 400, 12003],
        ['POST', EMPTY_ORG_PATH, '[]', 400, 10001],
        ['POST', `${ORG_PATH}/revoke_user`, { user_uid: 1 }, 400, 12000],
        ['POST', `${ORG_PATH}/revoke_user?devices=perhaps`, { email: 'a@b.c' }, 400, 10003],
        ['POST', `${EMPTY_ORG_PATH}/revoke_user`, { email: 'a@b.c' }, 404, 12001],
      ];
      for (const [method, path, body, status, code] of cases) {
        const reply = await checked(method, path, { body });
        expect([reply.status, codes(reply)[0]], `${method} ${path} ${String(JSON.stringify(body)).slice(0, 80)}`).toEqual([status, code]);
      }
    });

    it('DoH failures: service token not found, not set, bad duration, malformed body', async () => {
      const cases: [string, string, unknown, number, number][] = [
        ['PUT', DOH_PATH, { service_token_id: '88bf3b6d86161464f6509f7219099e57.access' }, 400, 12005],
        ['PUT', DOH_PATH, { service_token_id: OTHER_TOKEN_ID, doh_jwt_duration: 'forever' }, 400, 12000],
        ['PUT', DOH_PATH, { doh_jwt_duration: '1h' }, 400, 12000],
        ['PUT', DOH_PATH, 'nope', 400, 10001],
        ['GET', `/accounts/${EMPTY_ACCOUNT}/access/organizations/doh`, undefined, 404, 12004],
      ];
      for (const [method, path, body, status, code] of cases) {
        const reply = await checked(method, path, { body });
        expect([reply.status, codes(reply)[0]]).toEqual([status, code]);
      }
    });

    it('unknown routes answer the common failure schema', async () => {
      for (const [method, path] of [['GET', '/zones/abc/access/organizations/doh'], ['DELETE', ORG_PATH], ['GET', '/user/tokens']]) {
        const reply = await call(em, method, path, { headers: AUTH });
        expect(reply.status).toBe(404);
        const validate = failureValidator();
        expect(validate(reply.body), JSON.stringify(validate.errors)).toBe(true);
      }
    });
  });

  describe('the contract checks themselves', () => {
    it('reject what Cloudflare would not send', () => {
      const get = responseValidator('/{accounts_or_zones}/{account_or_zone_id}/access/organizations', 'GET', 200);
      expect(get({ success: true, errors: [], messages: [], result: { name: 'x' } })).toBe(true);
      expect(get({ success: true, errors: [], messages: [], result: { name: 1 } })).toBe(false);
      expect(get({ success: true, errors: [], messages: [], result: { colour: 'red' } })).toBe(false);
      expect(get({ success: true, errors: [], messages: [], result: { mfa_config: { allowed_authenticators: ['sms'] } } })).toBe(false);
      expect(get({ success: true, errors: [], messages: [], result: { created_at: 'yesterday' } })).toBe(false);
      const failure = responseValidator('/{accounts_or_zones}/{account_or_zone_id}/access/organizations', 'GET', 404);
      expect(failure({ success: false, errors: [{ code: 7003, message: 'No route for the URI' }], messages: [], result: null })).toBe(true);
      expect(failure({ success: false, errors: [], messages: [], result: null })).toBe(false);
      expect(failure({ success: false, errors: [{ code: 971, message: 'below the documented minimum code' }], messages: [], result: null })).toBe(false);
      expect(() => responseValidator('/accounts/{account_id}/access/organizations/doh', 'PUT', 200)).toThrow('does not document status 200');
    });

    it('covered every operation of the spec with a success and a failure', () => {
      expect([...covered.keys()].sort()).toEqual(operations().sort());
      for (const [op, statuses] of covered) {
        expect([...statuses].some((s) => s < 300), op).toBe(true);
        const failures = op.startsWith('GET') ? [401, 403, 404, 429, 500, 502, 503] : [400, 401, 403, 404, 429, 500, 502, 503];
        expect([...statuses].filter((s) => s >= 400), op).toEqual(expect.arrayContaining(failures));
      }
    });
  });
});
