// Plans that converge: values the API spells differently, or leaves out, are no change — against the emulator.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { e2eEmulator, envFor, writes, ztsync } from '../helpers/reconcile.js';
import { run } from '../helpers/io.js';

const ACCOUNT = '0123456789abcdef0123456789abcdef';
const ZONE = 'fedcba9876543210fedcba9876543210';
const TOKEN = 'f174e90a-fafe-4643-bbbc-4a0ed4fc8415';

let em: RunningEmulator;
afterEach(async () => {
  await em?.close();
  em = undefined as unknown as RunningEmulator;
});

async function configDir(yaml: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ztsync-conv-'));
  await writeFile(join(dir, 'config.yaml'), yaml);
  return dir;
}

describe('normalization against live state', () => {
  it('equal-in-meaning values plan as no change, and apply writes nothing', async () => {
    em = await e2eEmulator({
      seed: {
        accounts: [
          {
            id: ACCOUNT,
            organization: {
              name: 'Org',
              auth_domain: 'org.cloudflareaccess.com',
              session_duration: '24h0m0s',
              warp_auth_session_duration: '90m',
              user_seat_expiration_inactive_time: '43800m',
              mfa_config: { allowed_authenticators: ['security_key', 'totp'], session_duration: '720m' },
              deny_unmatched_requests_exempted_zone_names: ['b.example', 'a.example'],
              login_design: {},
            },
            service_tokens: [{ id: TOKEN, client_id: '88bf3b6d86161464f6509f7219099e57.access', name: 'DoH' }],
            doh: { service_token_id: TOKEN, doh_jwt_duration: '48000m' },
          },
        ],
      },
    });
    const dir = await configDir(`accounts:
  - account_id: ${ACCOUNT}
    organization:
      session_duration: 1440m
      warp_auth_session_duration: 1h30m
      user_seat_expiration_inactive_time: 730h
      mfa_config: { allowed_authenticators: [totp, security_key], session_duration: 12h }
      deny_unmatched_requests_exempted_zone_names: [A.example, b.example.]
      auto_redirect_to_identity: false
      is_ui_read_only: false
      deny_unmatched_requests: false
      ui_read_only_toggle_reason: ""
      login_design: { background_color: "", header_text: "" }
    doh: { service_token_id: ${TOKEN}, doh_jwt_duration: 800h }
`);
    const plan = await ztsync(em, ['plan', dir, '--detailed-exitcode']);
    expect(plan.stderr).toBe('');
    expect(plan.stdout).toBe('No changes. 2 resources are up to date.\n');
    expect(plan.code).toBe(0);
    const apply = await ztsync(em, ['apply', dir]);
    expect(apply.code).toBe(0);
    expect(writes(em)).toBe(0);
  });
});

describe('zones', () => {
  it('creates a zone organization with the zone subset, then converges', async () => {
    em = await e2eEmulator({ seed: { zones: [{ id: ZONE }] } });
    const dir = await configDir(`defaults:
  organization: { session_duration: 8h, user_seat_expiration_inactive_time: 1460h }
zones:
  - zone_id: ${ZONE}
    organization:
      name: Zone org
      auth_domain: zone.cloudflareaccess.com
      is_ui_read_only: true
      login_design: { text_color: "#000000" }
`);
    const apply = await run(['apply', dir, '--auto-approve'], { env: envFor(em) });
    expect(apply.code).toBe(0);
    const zone = em.state.snapshot().zones[0];
    // session_duration is account-only: the zone never receives the default.
    expect(zone.organization).toMatchObject({ name: 'Zone org', is_ui_read_only: true, user_seat_expiration_inactive_time: '1460h', login_design: { text_color: '#000000' } });
    expect(zone.organization).not.toHaveProperty('session_duration');
    expect((await ztsync(em, ['plan', dir, '--detailed-exitcode'])).code).toBe(0);
  });
});

describe('custom pages', () => {
  it('a new organization gets custom_pages through a PUT after the create (POST refuses them)', async () => {
    em = await e2eEmulator({ seed: { accounts: [{ id: ACCOUNT }] } });
    const dir = await configDir(`accounts:
  - account_id: ${ACCOUNT}
    organization:
      name: Org
      auth_domain: org.cloudflareaccess.com
      custom_pages: { forbidden: 699d98642c564d2e855e9661899b7252 }
`);
    const apply = await ztsync(em, ['apply', dir, '--auto-approve']);
    expect(apply.code).toBe(0);
    const { organization } = em.state.snapshot().accounts[0];
    expect(organization).toMatchObject({ name: 'Org', custom_pages: { forbidden: '699d98642c564d2e855e9661899b7252' } });
    expect(em.state.snapshot().counters.requests).toMatchObject({ 'POST /accounts/:id/access/organizations': 1, 'PUT /accounts/:id/access/organizations': 1 });
  });
});
