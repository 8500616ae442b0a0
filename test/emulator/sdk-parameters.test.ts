// The official `cloudflare` SDK (pinned devDependency), unchanged, with every parameter the reference pages and the
// published spec document for the six operations, against the emulator in both answer styles.
// Not here: `service_token_inactivity` and `strict_service_token_auth`, which SDK 7.3.0 has but neither the seed
// reference pages nor the spec excerpt document (a newer API than the one the emulator plays).
import Cloudflare from 'cloudflare';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ANSWER_STYLES, type RunningEmulator } from '../../src/emulator/index.js';
import { ACCOUNT, EMPTY_ACCOUNT, OTHER_TOKEN_ID, startTestEmulator, testSeed, ZONE } from '../helpers/emulator.js';

const LOGIN_DESIGN = { background_color: '#c5ed1b', footer_text: 'Footer', header_text: 'Header', logo_path: 'https://example.com/logo.png', text_color: '#222222' };

/** Every body parameter of create, for an account. */
const CREATE_ACCOUNT = {
  name: 'Widget Corps Research',
  auth_domain: 'research.cloudflareaccess.com',
  allow_authenticate_via_warp: true,
  warp_auth_session_duration: '8h',
  warp_auth_non_browser_401: true,
  auto_redirect_to_identity: true,
  deny_unmatched_requests: true,
  deny_unmatched_requests_exempted_zone_names: ['example.com', 'status.example.com'],
  is_ui_read_only: true,
  ui_read_only_toggle_reason: 'Managed from git',
  login_design: LOGIN_DESIGN,
  mfa_config: { allowed_authenticators: ['totp', 'biometrics', 'security_key', 'piv_key', 'ssh_fido2_key'] as ('totp' | 'biometrics' | 'security_key' | 'piv_key' | 'ssh_fido2_key')[], session_duration: '12h', amr_matching_session_duration: '6h', required_aaguids: '2fc0579f-8113-47ea-b116-bb5a8db9202a' },
  mfa_required_for_all_apps: true,
  mfa_piv_key_requirements: { pin_policy: 'once' as const, require_fips_device: true, ssh_key_size: [256, 384, 521, 2048, 3072, 4096] as (256 | 384 | 521 | 2048 | 3072 | 4096)[], ssh_key_type: ['ecdsa', 'ed25519', 'rsa'] as ('ecdsa' | 'ed25519' | 'rsa')[], touch_policy: 'cached' as const },
  session_duration: '24h',
  user_seat_expiration_inactive_time: '730h',
};

/** Update takes all of create's and custom_pages. */
const UPDATE_ACCOUNT = { ...CREATE_ACCOUNT, name: 'Widget Corps', auth_domain: 'widget.cloudflareaccess.com', custom_pages: { forbidden: '699d98642c564d2e855e9661899b7252', identity_denied: '4e5b3f2a1c0d9e8f7a6b5c4d3e2f1a0b' } };

/** The zone subset. */
const ZONE_FIELDS = {
  name: 'Zone org',
  auth_domain: 'zone.cloudflareaccess.com',
  deny_unmatched_requests: true,
  deny_unmatched_requests_exempted_zone_names: ['intranet.example.com'],
  is_ui_read_only: true,
  ui_read_only_toggle_reason: 'Locked',
  login_design: LOGIN_DESIGN,
  user_seat_expiration_inactive_time: '1460h',
};

describe.each(ANSWER_STYLES)('official SDK, every documented parameter (%s answers)', (answerStyle) => {
  let em: RunningEmulator;
  let client: Cloudflare;
  beforeAll(async () => {
    em = await startTestEmulator({ token: 'sdk-token', answerStyle });
    client = new Cloudflare({ apiToken: 'sdk-token', baseURL: em.url, maxRetries: 0 });
  });
  afterAll(async () => {
    await em.close();
  });
  beforeEach(() => {
    const seed = testSeed();
    seed.zones!.push({ id: 'fedcba9876543210fedcba9876543210' });
    em.state.reset(seed);
  });

  it('organizations.create with every body parameter, for an account and a zone', async () => {
    const created = await client.zeroTrust.organizations.create({ account_id: EMPTY_ACCOUNT, ...CREATE_ACCOUNT });
    expect(created).toMatchObject(CREATE_ACCOUNT);
    const zone = await client.zeroTrust.organizations.create({ zone_id: 'fedcba9876543210fedcba9876543210', ...ZONE_FIELDS, auth_domain: 'zone2.cloudflareaccess.com' });
    expect(zone).toMatchObject({ ...ZONE_FIELDS, auth_domain: 'zone2.cloudflareaccess.com' });
  });

  it('organizations.update with every body parameter, custom_pages included, for an account and a zone; list reads them back', async () => {
    expect(await client.zeroTrust.organizations.update({ account_id: ACCOUNT, ...UPDATE_ACCOUNT })).toMatchObject(UPDATE_ACCOUNT);
    expect(await client.zeroTrust.organizations.list({ account_id: ACCOUNT })).toMatchObject(UPDATE_ACCOUNT);
    expect(await client.zeroTrust.organizations.update({ zone_id: ZONE, ...ZONE_FIELDS })).toMatchObject(ZONE_FIELDS);
    expect(await client.zeroTrust.organizations.list({ zone_id: ZONE })).toMatchObject(ZONE_FIELDS);
  });

  it('organizations.revokeUsers with every parameter (query_devices, body_devices, user_uid, warp_session_reauth)', async () => {
    const all = { email: 'test@example.com', user_uid: '699d98642c564d2e855e9661899b7252', query_devices: true, body_devices: true, warp_session_reauth: true };
    expect(await client.zeroTrust.organizations.revokeUsers({ account_id: ACCOUNT, ...all })).toBe(true);
    expect(await client.zeroTrust.organizations.revokeUsers({ zone_id: ZONE, ...all, query_devices: false, body_devices: false, warp_session_reauth: false })).toBe(true);
    expect(em.state.toSeed().zones[0].revocations).toEqual([
      { email: 'test@example.com', user_uid: '699d98642c564d2e855e9661899b7252', devices: false, query_devices: false, warp_session_reauth: false, revoked: true, at: expect.any(String) },
    ]);
  });

  it('organizations.doh.get and doh.update with every parameter', async () => {
    const updated = await client.zeroTrust.organizations.doh.update({ account_id: ACCOUNT, service_token_id: OTHER_TOKEN_ID, doh_jwt_duration: '800h' });
    expect(updated).toMatchObject({ id: OTHER_TOKEN_ID, doh_jwt_duration: '800h', enabled: true });
    expect(await client.zeroTrust.organizations.doh.get({ account_id: ACCOUNT })).toMatchObject({ id: OTHER_TOKEN_ID, doh_jwt_duration: '800h', enabled: true });
  });
});
