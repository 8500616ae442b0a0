// ztsync codify: drift made in the emulator's dashboard (PATCH /__emulator/…) is written back into the config,
// changing only the drifted values' bytes (or adding an override where the defaults gave the value); what it
// cannot edit exactly is named with file:line:col; after it, the plan is empty. The real CLI against the emulator.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { writeConfig } from '../config/helpers.js';
import { run } from '../helpers/io.js';
import { PRODUCTION, SECRET_TOKEN, STAGING, e2eEmulator, envFor, liveAccount, ztsync } from '../helpers/reconcile.js';

let em: RunningEmulator | undefined;
afterEach(async () => {
  await em?.close();
  em = undefined;
});

const organization = (name: string, domain: string) => ({ name, auth_domain: `${domain}.cloudflareaccess.com`, session_duration: '24h', mfa_config: { allowed_authenticators: ['totp', 'security_key'], session_duration: '12h' }, login_design: { footer_text: 'Unmanaged footer' } });

async function start() {
  em = await e2eEmulator({ seed: { accounts: [{ id: PRODUCTION, organization: organization('Widget Corps', 'widgetcorps') }, { id: STAGING, organization: organization('Staging', 'staging') }] } });
  return em;
}

/** A dashboard edit of one account's organization. */
async function dashboard(id: string, set: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${em!.origin}/__emulator/accounts/${id}/organization`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${SECRET_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ actor: { email: 'colleague@example.com' }, set }),
  });
  expect(res.ok, await res.clone().text()).toBe(true);
}

const CONFIG = [
  '# The fleet. Comments, order, quoting and blank lines stay as they are.',
  'defaults:',
  '  organization:',
  '    session_duration: 24h   # everyone',
  '',
  'accounts:',
  '  # Production',
  `  - account_id: "${PRODUCTION}"`,
  '    organization:',
  "      name: 'Widget Corps'     # single-quoted",
  '      auth_domain: "widgetcorps.cloudflareaccess.com"',
  '',
  '      mfa_config: { allowed_authenticators: [totp, security_key], session_duration: 12h }',
  `  - account_id: "${STAGING}"`,
  '    organization:',
  '      name: Staging',
  '      auth_domain: staging.cloudflareaccess.com',
  '',
].join('\n');

describe('ztsync codify', () => {
  it('writes the live values of drifted fields in place, adds an override over the defaults, and leaves a clean plan', async () => {
    await start();
    const dir = writeConfig({ 'fleet.yaml': CONFIG });
    const file = join(dir, 'fleet.yaml');
    expect((await ztsync(em!, ['plan', dir, '--detailed-exitcode'])).code).toBe(0);
    await dashboard(PRODUCTION, { name: "Widget Corps' HQ", mfa_config: { allowed_authenticators: ['totp'], session_duration: '8h' }, session_duration: '6h', login_design: { footer_text: 'Changed, unmanaged' } });
    await dashboard(STAGING, { name: 'Staging: EU' });

    const dry = await ztsync(em!, ['codify', dir, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('Dry run: 1 file would change; nothing was written.');
    expect(readFileSync(file, 'utf8')).toBe(CONFIG);

    const result = await ztsync(em!, ['codify', dir]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`${file}:10:13: account ${PRODUCTION} organization.name: "Widget Corps" → "Widget Corps' HQ"`);
    expect(result.stdout).toContain(`${file}:8:5: account ${PRODUCTION} organization.session_duration: "24h" → "6h" (from the defaults: an override added in the entry)`);
    expect(result.stdout).toContain('Planned again: no changes left.');
    const expected = CONFIG.replace("name: 'Widget Corps'     #", "name: 'Widget Corps'' HQ'     #")
      .replace('[totp, security_key], session_duration: 12h }', '[totp], session_duration: 8h }\n      session_duration: 6h')
      .replace('      name: Staging\n', '      name: "Staging: EU"\n');
    expect(readFileSync(file, 'utf8')).toBe(expected);
    // The unmanaged footer stays unmanaged; the defaults are not edited.
    expect(readFileSync(file, 'utf8')).not.toContain('footer');
    expect(readFileSync(file, 'utf8')).toContain('    session_duration: 24h   # everyone');
    expect((await ztsync(em!, ['plan', dir, '--detailed-exitcode'])).code).toBe(0);
    expect(liveAccount(em!, PRODUCTION).organization?.login_design).toEqual({ footer_text: 'Changed, unmanaged' });
  });

  it('--field and --account narrow what is codified', async () => {
    await start();
    const dir = writeConfig({ 'fleet.yaml': CONFIG });
    await dashboard(PRODUCTION, { name: 'Renamed', session_duration: '6h' });
    await dashboard(STAGING, { name: 'Staging renamed' });
    const result = await ztsync(em!, ['codify', dir, '--account', PRODUCTION, '--field', 'organization.name']);
    expect(result.code).toBe(0);
    const text = readFileSync(join(dir, 'fleet.yaml'), 'utf8');
    expect(text).toContain("name: 'Renamed'     # single-quoted");
    expect(text).toContain('      name: Staging\n');
    expect(text).not.toContain('session_duration: 6h');
  });

  it('leaves alone, and names with file:line:col, values it cannot edit exactly: interpolation, an alias, a block list, a flow mapping', async () => {
    await start();
    const text = [
      'accounts:',
      `  - account_id: "${PRODUCTION}"`,
      '    organization:',
      '      name: &shared Widget Corps',
      '      auth_domain: "${ZTSYNC_DOMAIN}"',
      '      mfa_config:',
      '        allowed_authenticators:',
      '          - totp',
      '          - security_key',
      `  - account_id: "${STAGING}"`,
      '    organization: { name: Staging, auth_domain: staging.cloudflareaccess.com }',
      'defaults:',
      '  organization: { session_duration: 24h }',
      '',
    ].join('\n');
    const dir = writeConfig({ 'c.yaml': text });
    const file = join(dir, 'c.yaml');
    await dashboard(PRODUCTION, { name: 'Renamed', auth_domain: 'moved.cloudflareaccess.com', mfa_config: { allowed_authenticators: ['totp'] } });
    await dashboard(STAGING, { session_duration: '6h' });
    const result = await run(['codify', dir, '--env-allow', 'ZTSYNC_DOMAIN'], { env: envFor(em!, { ZTSYNC_DOMAIN: 'widgetcorps.cloudflareaccess.com' }) });
    expect(result.code).toBe(1);
    const said = result.stderr.trim().split('\n');
    expect(said).toEqual(expect.arrayContaining([
      expect.stringMatching(new RegExp(`^${file}:4:21: account ${PRODUCTION} organization\\.name: .*: left alone: the value sits under an anchor`)),
      expect.stringMatching(new RegExp(`^${file}:5:20: account ${PRODUCTION} organization\\.auth_domain: .*: left alone: the value is read through \\$\\{…\\} interpolation`)),
      expect.stringMatching(new RegExp(`^${file}:8:11: account ${PRODUCTION} organization\\.mfa_config\\.allowed_authenticators: .*: left alone: the value is a block list`)),
      expect.stringMatching(new RegExp(`^${file}:10:5: account ${STAGING} organization\\.session_duration: .*: left alone: organization is a flow mapping`)),
    ]));
    expect(said).toHaveLength(4);
    expect(readFileSync(file, 'utf8')).toBe(text);
    expect(result.stdout).toContain('Planned again: 4 changes left');
  });
});
