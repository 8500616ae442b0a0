// Live states for the import tests, in the emulator's seed format.
import type { Seed, SeedAccount } from '../../src/emulator/index.js';

export const FULL_ACCOUNT = '0123456789abcdef0123456789abcdef';
export const DIGITS_ACCOUNT = '11111111111111111111111111111111';
export const DOH_ONLY_ACCOUNT = 'abcdefabcdefabcdefabcdefabcdef01';
export const EMPTY_ACCOUNT = '22222222222222222222222222222222';
export const FULL_ZONE = 'fedcba9876543210fedcba9876543210';
export const EMPTY_ZONE = '33333333333333333333333333333333';
export const TOKEN = 'f174e90a-fafe-4643-bbbc-4a0ed4fc8415';
export const OTHER_TOKEN = '0b1c9a52-6a77-4e09-9d0e-0d9c3e6a1d2f';

/** An organization with every writable account field set (none of them to a server default). */
export const EVERY_ACCOUNT_FIELD = {
  name: 'Every Field Org',
  auth_domain: 'every.cloudflareaccess.com',
  allow_authenticate_via_warp: true,
  auto_redirect_to_identity: true,
  custom_pages: { forbidden: '699d98642c564d2e855e9661899b7252', identity_denied: '699d98642c564d2e855e9661899b7253' },
  deny_unmatched_requests: true,
  deny_unmatched_requests_exempted_zone_names: ['b.example', 'a.example'],
  is_ui_read_only: true,
  ui_read_only_toggle_reason: 'Managed from git: ${ZTSYNC_REASON} and $${literal}',
  login_design: { background_color: '#c5ed1b', footer_text: 'Footer: authorised use only', header_text: 'yes', logo_path: 'https://example.com/logo.png', text_color: '#222' },
  mfa_config: { allowed_authenticators: ['totp', 'security_key', 'biometrics', 'piv_key', 'ssh_fido2_key'], session_duration: '12h', amr_matching_session_duration: '30m', required_aaguids: '2fc0579f-8113-47ea-b116-bb5a8db9202a' },
  mfa_required_for_all_apps: true,
  mfa_piv_key_requirements: { pin_policy: 'once', require_fips_device: true, ssh_key_size: [4096, 256], ssh_key_type: ['rsa', 'ecdsa'], touch_policy: 'cached' },
  session_duration: '24h0m0s',
  user_seat_expiration_inactive_time: '43800m',
  warp_auth_session_duration: '90m',
  warp_auth_non_browser_401: true,
  strict_service_token_auth: true,
  service_token_inactivity: { action: 'delete', enabled: true, inactivity_threshold_days: 45 },
  trusted_accounts: ['5a8c2b0e4f6d1a3b7c9e0f2d4b6a8c1e'],
};

/** Every field a zone organization takes. */
export const EVERY_ZONE_FIELD = {
  name: 'on',
  auth_domain: 'zone-every.cloudflareaccess.com',
  deny_unmatched_requests: true,
  deny_unmatched_requests_exempted_zone_names: ['intranet.example'],
  is_ui_read_only: true,
  ui_read_only_toggle_reason: '2001-12-14',
  login_design: { background_color: '#000', footer_text: 'a: b', header_text: '  padded  ', logo_path: 'https://example.com/z.png', text_color: '#ffffff' },
  user_seat_expiration_inactive_time: '730h',
};

/** Every field set, YAML-hostile strings, an all-digit id, a DoH-only account, and targets with nothing set. */
export function everyFieldSeed(): Seed {
  return {
    accounts: [
      {
        id: FULL_ACCOUNT,
        organization: structuredClone(EVERY_ACCOUNT_FIELD),
        service_tokens: [{ id: TOKEN, client_id: '88bf3b6d86161464f6509f7219099e57.access', name: 'DoH', duration: '8760h' }],
        doh: { service_token_id: TOKEN, doh_jwt_duration: '800h' },
      },
      {
        id: DIGITS_ACCOUNT,
        organization: { name: '0777', auth_domain: 'digits.cloudflareaccess.com', session_duration: '24h', login_design: {}, deny_unmatched_requests_exempted_zone_names: [] },
      },
      {
        id: DOH_ONLY_ACCOUNT,
        service_tokens: [{ id: OTHER_TOKEN, client_id: 'aa11bb22cc33dd44ee55ff6677889900.access', name: 'Other' }],
        doh: { service_token_id: OTHER_TOKEN, doh_jwt_duration: '24h' },
      },
      { id: EMPTY_ACCOUNT },
    ],
    zones: [{ id: FULL_ZONE, organization: structuredClone(EVERY_ZONE_FIELD) }, { id: EMPTY_ZONE }],
  };
}

/**
 * A fleet as it grows in the dashboard: accounts that mostly agree and sometimes do not. Account i (id from i):
 * session 24h (spelled 24h or 1440m) on most, 12h on every 5th, none on every 7th; a shared footer on most,
 * its own on every 4th; WARP authentication on every 3rd; DoH with a 24h JWT on most, 48h on every 6th, each
 * with its own token. `dohOnly`: the last account has DoH settings and no organization. 2 zones.
 */
export function disagreeingFleetSeed(count: number, { dohOnly = false } = {}): Seed {
  const accounts: SeedAccount[] = [];
  for (let i = 0; i < count; i++) {
    const token = `${String(i).padStart(8, '0')}-0000-4000-8000-${String(i).padStart(12, '0')}`;
    const account: SeedAccount = { id: fleetId(i), service_tokens: [{ id: token, client_id: `${String(i).padStart(32, '0')}.access`, name: `DoH ${i}` }] };
    if (!(dohOnly && i === count - 1)) {
      account.organization = {
        name: `Widget Corps unit ${i}`,
        auth_domain: `unit-${i}.cloudflareaccess.com`,
        ...(i % 7 === 6 ? {} : { session_duration: i % 5 === 4 ? '12h' : i % 2 === 0 ? '24h' : '1440m' }),
        login_design: { footer_text: i % 4 === 3 ? `Unit ${i} only` : 'Widget Corps — authorised use only' },
        ...(i % 3 === 2 ? { allow_authenticate_via_warp: true, warp_auth_session_duration: '12h' } : {}),
      };
    }
    account.doh = { service_token_id: token, doh_jwt_duration: i % 6 === 5 ? '48h' : '24h' };
    accounts.push(account);
  }
  const zones = [0, 1].map((z) => ({ id: `${'f'.repeat(31)}${z}`, organization: { name: `Zone ${z}`, auth_domain: `zone-${z}.cloudflareaccess.com`, user_seat_expiration_inactive_time: '730h' } }));
  return { accounts, zones };
}

export function fleetId(i: number): string {
  return `a${String(i).padStart(31, '0')}`;
}
