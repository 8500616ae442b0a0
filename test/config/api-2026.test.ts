// Issue #20, the smaller items: "" in a duration field says what to write instead; an account-only field at its
// default on a zone is a warning (nothing is sent), any other value an error; mfa_configuration_allowed is refused
// as removed from the API; a group's null unsets it (see also test/reconcile/new-fields.test.ts).
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../src/config/index.js';
import { ACCOUNT, ZONE, load, problems } from './helpers.js';

const zone = (...lines: string[]) => ['zones:', `  - zone_id: "${ZONE}"`, '    organization:', '      name: Zone', ...lines.map((l) => `      ${l}`), ''].join('\n');
const account = (...lines: string[]) => ['accounts:', `  - account_id: "${ACCOUNT}"`, '    organization:', ...lines.map((l) => `      ${l}`), ''].join('\n');

describe('real configs the API of 2026 meets', () => {
  it('"" in a duration field: remove the line, or write null to unset it', async () => {
    expect(await problems(account('session_duration: ""', 'mfa_config: { session_duration: "" }'))).toEqual([
      'c.yaml:4:25: "" is not a duration: to leave session_duration alone, remove the line, or write null to unset it (accounts[0].organization.session_duration)',
      'c.yaml:5:39: "" is not a duration: to leave session_duration alone, remove the line, or write null to unset it (accounts[0].organization.mfa_config.session_duration)',
    ]);
  });

  it('an account-only field at its default on a zone is a warning, and nothing is sent', async () => {
    const { shown, warnings, state, dir } = await load({ 'c.yaml': zone('allow_authenticate_via_warp: false', 'mfa_config: { allowed_authenticators: [] }', 'deny_unmatched_requests: true') });
    expect(shown).toEqual([]);
    expect(warnings.map(formatDiagnostic)).toEqual([
      `${dir}/c.yaml:5:7: warning: zones do not accept "allow_authenticate_via_warp" (an account-only setting); false is its default, so nothing is sent: remove the line (zones[0].organization.allow_authenticate_via_warp)`,
      `${dir}/c.yaml:6:7: warning: zones do not accept "mfa_config" (an account-only setting); {"allowed_authenticators":[]} is its default, so nothing is sent: remove the line (zones[0].organization.mfa_config)`,
    ]);
    expect(state?.targets[0].resources[0].values).toEqual({ name: 'Zone', deny_unmatched_requests: true });
  });

  it('any other value of an account-only field on a zone stays an error', async () => {
    expect(await problems(zone('allow_authenticate_via_warp: true', 'session_duration: 24h'))).toEqual([
      'c.yaml:5:7: zones do not accept "allow_authenticate_via_warp": it is an account-only setting (zones[0].organization.allow_authenticate_via_warp)',
      'c.yaml:6:7: zones do not accept "session_duration": it is an account-only setting (zones[0].organization.session_duration)',
    ]);
  });

  it('mfa_configuration_allowed is refused as removed from the API', async () => {
    expect(await problems(account('mfa_configuration_allowed: true'))).toEqual([
      'c.yaml:4:7: "mfa_configuration_allowed" was removed from the API on 2026-03-05 (it was in the spec from 2026-02-20 and left the official SDK on 2026-03-05; the Terraform provider still carries it): remove the line (accounts[0].organization.mfa_configuration_allowed)',
    ]);
  });

  it('a group written as null unsets each of its fields, where the null was written', async () => {
    const { shown, state } = await load({ 'c.yaml': account('custom_pages: null', 'login_design: ~') });
    expect(shown).toEqual([]);
    const resource = state!.targets[0].resources[0];
    expect(resource.values).toEqual({ 'custom_pages.forbidden': null, 'custom_pages.identity_denied': null, 'login_design.background_color': null, 'login_design.footer_text': null, 'login_design.header_text': null, 'login_design.logo_path': null, 'login_design.text_color': null });
    expect(resource.positions['custom_pages.forbidden']).toMatchObject({ line: 4, col: 21 });
  });
});
