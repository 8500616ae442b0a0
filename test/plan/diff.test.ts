import { describe, expect, it } from 'vitest';
import type { DesiredResource } from '../../src/config/model.js';
import { diffResource } from '../../src/plan/diff.js';
import { doh, organization } from '../../src/resources/index.js';

const desired = (type: 'organization' | 'doh', values: Record<string, unknown>): DesiredResource => ({ type, values, positions: {}, via: {} });
const org = (values: Record<string, unknown>) => desired('organization', values);

describe('field diff: every normalization rule yields no change', () => {
  const cases: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
    ['durations by value: 24h = 1440m', { session_duration: '24h' }, { session_duration: '1440m' }],
    ['durations by value: 24h = 24h0m0s', { session_duration: '24h' }, { session_duration: '24h0m0s' }],
    ['durations by value in groups', { 'mfa_config.session_duration': '12h' }, { mfa_config: { session_duration: '720m' } }],
    ['absent boolean = false', { auto_redirect_to_identity: false }, {}],
    ['absent boolean = false (is_ui_read_only)', { is_ui_read_only: false }, { name: 'x' }],
    ['empty login_design = absent', { 'login_design.background_color': '' }, { login_design: {} }],
    ['all-empty login_design strings = absent', { 'login_design.header_text': '' }, { login_design: { header_text: '' } }],
    ['empty custom page = absent', { 'custom_pages.forbidden': '' }, {}],
    ['empty list = absent', { deny_unmatched_requests_exempted_zone_names: [] }, {}],
    ['empty string = absent', { ui_read_only_toggle_reason: '' }, {}],
    ['authenticators compare as sets', { 'mfa_config.allowed_authenticators': ['totp', 'security_key'] }, { mfa_config: { allowed_authenticators: ['security_key', 'totp'] } }],
    ['exempted zones compare as sets', { deny_unmatched_requests_exempted_zone_names: ['a.com', 'b.com', 'a.com'] }, { deny_unmatched_requests_exempted_zone_names: ['b.com', 'a.com'] }],
  ];
  for (const [name, want, live] of cases) {
    it(name, () => {
      const plan = diffResource(organization, org(want), { name: 'Org', ...live });
      expect(plan.changes).toEqual([]);
      expect(plan.action).toBe('noop');
    });
  }

  it('DoH desired service_token_id compares with live id', () => {
    const live = { id: 'f174e90a-fafe-4643-bbbc-4a0ed4fc8415', client_id: 'abc.access', doh_jwt_duration: '800h' };
    const plan = diffResource(doh, desired('doh', { service_token_id: live.id, doh_jwt_duration: '48000m' }), live);
    expect(plan.action).toBe('noop');
  });
});

describe('field diff: real changes', () => {
  it('reports before and after for changed fields only, with absent booleans shown as false', () => {
    const plan = diffResource(
      organization,
      org({ session_duration: '12h', name: 'Org', deny_unmatched_requests: true, 'login_design.background_color': '#c5ed1b' }),
      { name: 'Org', session_duration: '24h' },
    );
    expect(plan.action).toBe('update');
    expect(plan.changes).toEqual([
      { path: 'session_duration', before: '24h', after: '12h', source: null },
      { path: 'deny_unmatched_requests', before: false, after: true, source: null },
      { path: 'login_design.background_color', before: null, after: '#c5ed1b', source: null },
    ]);
    expect(plan.managed).toEqual(['session_duration', 'name', 'deny_unmatched_requests', 'login_design.background_color']);
  });

  it('never diffs a field the config does not manage', () => {
    const plan = diffResource(organization, org({ name: 'Org' }), { name: 'Org', deny_unmatched_requests: true, session_duration: '1h' });
    expect(plan.action).toBe('noop');
  });

  it('a set that differs is one change of the whole field', () => {
    const plan = diffResource(organization, org({ 'mfa_config.allowed_authenticators': ['totp'] }), { mfa_config: { allowed_authenticators: ['totp', 'biometrics'] } });
    expect(plan.changes).toEqual([{ path: 'mfa_config.allowed_authenticators', before: ['totp', 'biometrics'], after: ['totp'], source: null }]);
  });

  it('creation lists every managed value that is not the API default', () => {
    const plan = diffResource(organization, org({ name: 'New', auth_domain: 'new.cloudflareaccess.com', is_ui_read_only: false, session_duration: '8h' }), null);
    expect(plan.action).toBe('create');
    expect(plan.changes.map((c) => c.path)).toEqual(['name', 'auth_domain', 'session_duration']);
    expect(plan.changes.every((c) => c.before === null)).toBe(true);
  });

  it('DoH token replacement is a change of service_token_id from the live id', () => {
    const live = { id: 'f174e90a-fafe-4643-bbbc-4a0ed4fc8415', doh_jwt_duration: '24h' };
    const plan = diffResource(doh, desired('doh', { service_token_id: '3c9a1f5e-2b7d-4e8a-9c6f-0d1e2f3a4b5c' }), live);
    expect(plan.changes).toEqual([{ path: 'service_token_id', before: live.id, after: '3c9a1f5e-2b7d-4e8a-9c6f-0d1e2f3a4b5c', source: null }]);
  });
});
