// An explicit null in the config unsets a field: shown as such in every plan format, sent as null (the way the
// API clears a field, and what Terraform sends), under both PUT semantics. Removing a line never touches a field.
import { afterEach, describe, expect, it } from 'vitest';
import type { PutSemantics, RunningEmulator } from '../../src/emulator/index.js';
import { call } from '../helpers/emulator.js';
import { accountWithOrg, problems, writeConfig } from '../config/helpers.js';
import { PRODUCTION, SECRET_TOKEN, demoEmulator, liveAccount, ztsync } from '../helpers/reconcile.js';

let em: RunningEmulator;
afterEach(async () => {
  await em?.close();
  em = undefined as unknown as RunningEmulator;
});

function config(...orgLines: string[]): string {
  return writeConfig({ 'c.yaml': `${accountWithOrg(...orgLines)}    doh: { service_token_id: 5d2e8b1c-7a4f-4c3e-9b8d-1f0a2e3c4d5e, doh_jwt_duration: null }\n` });
}

describe('null in the config', () => {
  it('is accepted for optional fields, refused for name and auth_domain, and an empty value is still an error', async () => {
    const head = ['accounts:', '  - account_id: 023e105f4ecef8ad9ca31a8372d0c353', '    organization:'];
    expect(await problems([...head, '      session_duration: null', '      login_design: { header_text: ~ }', '      is_ui_read_only: null', ''].join('\n'))).toEqual([]);
    expect(await problems([...head, '      name: null', '      session_duration:', ''].join('\n'))).toEqual([
      'c.yaml:4:13: "name" cannot be unset (null): the API requires one, so it can be changed but not cleared (accounts[0].organization.name)',
      'c.yaml:5:7: "session_duration" has no value: give it a value, write null to unset the field, or remove the key (accounts[0].organization.session_duration)',
    ]);
  });

  for (const putSemantics of ['replace', 'merge'] as PutSemantics[]) {
    it(`the emulator unsets a field given as null (${putSemantics})`, async () => {
      em = await demoEmulator({ putSemantics });
      const path = `/accounts/${PRODUCTION}/access/organizations`;
      // What the API answers, less what it only reports (the emulator runs strict: a write may not carry those).
      const { created_at: _created, updated_at: _updated, ...live } = (await call(em, 'GET', path, { headers: { authorization: `Bearer ${SECRET_TOKEN}` } })).body.result;
      const reply = await call(em, 'PUT', path, { body: { ...live, session_duration: null, login_design: { ...live.login_design, footer_text: null } }, headers: { authorization: `Bearer ${SECRET_TOKEN}` } });
      expect(reply.status).toBe(200);
      expect(reply.body.result.session_duration).toBeUndefined();
      expect(reply.body.result.login_design).toEqual({ background_color: '#c5ed1b' });
    });

    it(`plans an unset in every format, applies it, and converges (${putSemantics})`, async () => {
      em = await demoEmulator({ putSemantics });
      await call(em, 'PUT', `/accounts/${PRODUCTION}/access/organizations/doh`, { body: { service_token_id: '5d2e8b1c-7a4f-4c3e-9b8d-1f0a2e3c4d5e', doh_jwt_duration: '48h' }, headers: { authorization: `Bearer ${SECRET_TOKEN}` } });
      const dir = config('session_duration: null', 'login_design: { footer_text: null, header_text: null }');

      const text = await ztsync(em, ['plan', dir]);
      expect(text.stdout).toContain('      - session_duration: "1440m" → null (unset)');
      expect(text.stdout).toContain('      - login_design.footer_text: "Widget Corps — authorised use only" → null (unset)');
      expect(text.stdout).toContain('      - doh_jwt_duration: "48h" → null (unset)');
      // Already absent: nothing to unset.
      expect(text.stdout).not.toContain('header_text');
      const json = JSON.parse((await ztsync(em, ['plan', dir, '--format', 'json'])).stdout);
      expect(json.targets[0].resources[0].changes.map((c: { path: string; after: unknown }) => [c.path, c.after])).toEqual([
        ['login_design.footer_text', null],
        ['session_duration', null],
      ]);
      const markdown = (await ztsync(em, ['plan', dir, '--format', 'markdown'])).stdout;
      expect(markdown).toMatch(/\| `session_duration` \| `"1440m"` \| `null` \(unset\) \|/);

      const applied = await ztsync(em, ['apply', dir, '--auto-approve']);
      expect(applied.code, applied.stdout + applied.stderr).toBe(0);
      const account = liveAccount(em, PRODUCTION);
      expect(account.organization?.session_duration).toBeUndefined();
      expect(account.organization?.login_design).toEqual({ background_color: '#c5ed1b' });
      // Fields the config does not manage are untouched, whatever the semantics.
      expect(account.organization?.custom_pages).toEqual({ forbidden: '699d98642c564d2e855e9661899b7252' });
      expect(account.organization?.mfa_config).toEqual({ allowed_authenticators: ['totp'], session_duration: '12h' });
      // The DoH duration's unset value is the API's default.
      expect(account.doh?.doh_jwt_duration).toBe('24h');
      const again = await ztsync(em, ['plan', dir, '--detailed-exitcode']);
      expect(again.code).toBe(0);
    });
  }
});
