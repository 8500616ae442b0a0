// Fields that name one target's own thing (perTarget in the tables): the login domain is globally unique and a
// DoH token belongs to one account, so neither can be a default nor be shared by two targets (issue #6, items 10, 13).
import { describe, expect, it } from 'vitest';
import { ACCOUNT, ACCOUNT2, load, problems, TOKEN, ZONE } from './helpers.js';

describe('per-target fields', () => {
  it('refuses service_token_id under defaults.doh, saying why', async () => {
    const shown = await problems(['defaults:', '  doh:', `    service_token_id: ${TOKEN}`, 'accounts:', `  - account_id: ${ACCOUNT}`, '    doh: {}', ''].join('\n'));
    expect(shown).toEqual([
      `c.yaml:3:5: "service_token_id" cannot be a default: it names one target's own doh setting (two targets cannot share it); set it on each account or zone (defaults.doh.service_token_id)`,
    ]);
  });

  it('refuses auth_domain under defaults.organization', async () => {
    const shown = await problems(['defaults:', '  organization:', '    auth_domain: shared.cloudflareaccess.com', ''].join('\n'));
    expect(shown).toHaveLength(1);
    expect(shown[0]).toMatch(/^c\.yaml:3:5: "auth_domain" cannot be a default/);
  });

  it('still takes doh_jwt_duration as a default', async () => {
    const { state, shown } = await load({
      'c.yaml': ['defaults:', '  doh: { doh_jwt_duration: 800h }', 'accounts:', `  - account_id: ${ACCOUNT}`, `    doh: { service_token_id: ${TOKEN} }`, ''].join('\n'),
    });
    expect(shown).toEqual([]);
    expect(state?.targets[0].resources.find((r) => r.type === 'doh')?.values).toEqual({ service_token_id: TOKEN, doh_jwt_duration: '800h' });
  });

  it('refuses one auth_domain on two targets (in any case, across files), naming both places', async () => {
    const { shown, dir } = await load({
      'a.yaml': ['accounts:', `  - account_id: ${ACCOUNT}`, '    organization: { name: A, auth_domain: corp.cloudflareaccess.com }', ''].join('\n'),
      'b.yaml': ['zones:', `  - zone_id: ${ZONE}`, '    organization: { name: Z, auth_domain: CORP.cloudflareaccess.com }', ''].join('\n'),
    });
    expect(shown).toEqual([
      `b.yaml:3:43: organization.auth_domain "CORP.cloudflareaccess.com" is also set for account ${ACCOUNT} at ${dir}/a.yaml:3:43: each target needs its own (zones[0].organization.auth_domain)`,
    ]);
  });

  it('refuses one DoH token on two accounts; distinct values pass', async () => {
    const doh = (id: string, token: string) => [`  - account_id: ${id}`, `    doh: { service_token_id: ${token} }`];
    const shown = await problems(['accounts:', ...doh(ACCOUNT, TOKEN), ...doh(ACCOUNT2, TOKEN), ''].join('\n'));
    expect(shown).toHaveLength(1);
    expect(shown[0]).toMatch(new RegExp(`^c\\.yaml:5:\\d+: doh\\.service_token_id "${TOKEN}" is also set for account ${ACCOUNT} at .*c\\.yaml:3:\\d+: each target needs its own`));
    expect(await problems(['accounts:', ...doh(ACCOUNT, TOKEN), ...doh(ACCOUNT2, '0b1c9a52-6a77-4e09-9d0e-0d9c3e6a1d2f'), ''].join('\n'))).toEqual([]);
  });
});
