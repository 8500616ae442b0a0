// The safety rules' predicates are pure functions of (before, after): the plan judges live → config, and the same
// table can judge config → live (security drift). Each new rail, in both directions where it matters.
import { describe, expect, it } from 'vitest';
import { weakenings } from '../../src/resources/safety.js';

const rules = (resource: 'organization' | 'doh', path: string, before: unknown, after: unknown, existing = true) => weakenings(resource, path, before, after, existing).map((w) => w.rule);

describe('weakenings(resource, path, before, after)', () => {
  it('deny_unmatched_requests: off → on and on → off are two rules; a new organization turns nothing on', () => {
    expect(rules('organization', 'deny_unmatched_requests', false, true)).toEqual(['deny-unmatched-requests-on']);
    expect(rules('organization', 'deny_unmatched_requests', true, false)).toEqual(['deny-unmatched-requests-off']);
    expect(rules('organization', 'deny_unmatched_requests', false, true, false)).toEqual([]);
    expect(rules('organization', 'deny_unmatched_requests_exempted_zone_names', ['a.example'], ['a.example', 'b.example'])).toEqual(['deny-unmatched-exemption-added']);
    expect(rules('organization', 'deny_unmatched_requests_exempted_zone_names', ['a.example'], null)).toEqual(['deny-unmatched-exemption-added']);
    expect(rules('organization', 'deny_unmatched_requests_exempted_zone_names', ['a.example', 'b.example'], ['a.example'])).toEqual([]);
  });

  it('sessions: longer, or set longer than the default the API applies when absent', () => {
    expect(rules('organization', 'session_duration', '1440m', '8760h')).toEqual(['session-lengthened']);
    expect(rules('organization', 'session_duration', '24h', '12h')).toEqual([]);
    expect(rules('organization', 'session_duration', null, '48h')).toEqual(['session-lengthened']);
    expect(rules('organization', 'session_duration', null, '8h')).toEqual([]);
    expect(rules('organization', 'session_duration', '8h', null)).toEqual(['session-lengthened']);
    expect(rules('doh', 'doh_jwt_duration', '24h', '8760h')).toEqual(['session-lengthened']);
    expect(rules('doh', 'doh_jwt_duration', null, '24h')).toEqual([]);
    expect(rules('organization', 'warp_auth_session_duration', '8h', '720h')).toEqual(['session-lengthened']);
    expect(rules('organization', 'warp_auth_session_duration', null, '8h')).toEqual([]);
  });

  it('MFA: AMR skipping, the MFA session from unset, AAGUIDs, PIV requirements', () => {
    expect(rules('organization', 'mfa_config.amr_matching_session_duration', null, '720h')).toEqual(['mfa-weakened']);
    expect(rules('organization', 'mfa_config.amr_matching_session_duration', '1h', '30m')).toEqual([]);
    expect(rules('organization', 'mfa_config.session_duration', null, '1h')).toEqual(['mfa-weakened']);
    expect(rules('organization', 'mfa_config.required_aaguids', '2fc0579f-8113-47ea-b116-bb5a8db9202a', null)).toEqual(['mfa-weakened']);
    expect(rules('organization', 'mfa_config.required_aaguids', null, '2fc0579f-8113-47ea-b116-bb5a8db9202a')).toEqual([]);
    expect(rules('organization', 'mfa_piv_key_requirements.pin_policy', 'always', 'once')).toEqual(['mfa-weakened']);
    expect(rules('organization', 'mfa_piv_key_requirements.pin_policy', 'never', 'once')).toEqual([]);
    expect(rules('organization', 'mfa_piv_key_requirements.touch_policy', 'cached', 'never')).toEqual(['mfa-weakened']);
    expect(rules('organization', 'mfa_piv_key_requirements.require_fips_device', true, false)).toEqual(['mfa-weakened']);
    expect(rules('organization', 'mfa_piv_key_requirements.ssh_key_size', [384], [384, 2048])).toEqual(['mfa-weakened']);
    expect(rules('organization', 'mfa_piv_key_requirements.ssh_key_type', ['ecdsa', 'rsa'], ['ecdsa'])).toEqual([]);
  });

  it('WARP authentication on, and the logo from another host', () => {
    expect(rules('organization', 'allow_authenticate_via_warp', false, true)).toEqual(['warp-auth-on']);
    expect(rules('organization', 'allow_authenticate_via_warp', true, false)).toEqual(['warp-auth-off']);
    expect(rules('organization', 'login_design.logo_path', 'https://a.example/logo.png', 'https://A.example/new.png')).toEqual([]);
    expect(rules('organization', 'login_design.logo_path', 'https://a.example/logo.png', 'https://cdn.b.example/logo.png')).toEqual(['logo-host-changed']);
    expect(rules('organization', 'login_design.logo_path', '/logo.png', 'https://b.example/logo.png')).toEqual(['logo-host-changed']);
    expect(rules('organization', 'login_design.logo_path', null, 'https://b.example/logo.png')).toEqual([]);
  });
});
