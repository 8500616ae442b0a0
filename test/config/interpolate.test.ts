// ${ZTSYNC_NAME} in config string values: read from the environment, checked like values written out,
// and nothing but ZTSYNC_ variables ever readable.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatDiagnostic, loadDesiredState } from '../../src/config/index.js';
import { interpolate } from '../../src/config/interpolate.js';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { run } from '../helpers/io.js';
import { SECRET_TOKEN, STAGING, demoEmulator, envFor, writes, ztsync } from '../helpers/reconcile.js';
import { ACCOUNT, writeConfig } from './helpers.js';

/** The environment as a config sees it, every ZTSYNC_ variable given allowed to be read. */
const allowing = (values: Record<string, string>) => ({ values, policy: { readable: Object.keys(values).filter((n) => n.startsWith('ZTSYNC_')), credentials: [] } });

async function loadWith(text: string, env: Record<string, string>, readable = allowing(env).policy.readable) {
  const dir = writeConfig({ 'c.yaml': text });
  const result = await loadDesiredState([dir], { env, policy: { readable, credentials: [] } });
  return { ...result, shown: result.diagnostics.map((d) => formatDiagnostic({ ...d, file: relative(dir, d.file) })) };
}

const org = (...lines: string[]) => ['accounts:', `  - account_id: ${ACCOUNT}`, '    organization:', ...lines.map((l) => `      ${l}`), ''].join('\n');

describe('interpolate', () => {
  it('replaces references, keeps $${ as a literal ${ and a lone $ as it is', () => {
    expect(interpolate('${ZTSYNC_A}-${ZTSYNC_B}', allowing({ ZTSYNC_A: 'x', ZTSYNC_B: '' }))).toEqual({ value: 'x-', problems: [], read: ['ZTSYNC_A', 'ZTSYNC_B'] });
    expect(interpolate('$${ZTSYNC_A} costs $5 ${ZTSYNC_A}', allowing({ ZTSYNC_A: 'x' }))).toEqual({ value: '${ZTSYNC_A} costs $5 x', problems: [], read: ['ZTSYNC_A'] });
    expect(interpolate('$$${ZTSYNC_A}', allowing({ ZTSYNC_A: 'x' }))).toEqual({ value: '$${ZTSYNC_A}', problems: [], read: [] });
    // The value of a variable is not read again for references.
    expect(interpolate('${ZTSYNC_A}', allowing({ ZTSYNC_A: '${ZTSYNC_B}', ZTSYNC_B: 'no' })).value).toBe('${ZTSYNC_B}');
  });

  it('names what is wrong with each reference', () => {
    expect(interpolate('${ZTSYNC_MISSING}', { values: {}, policy: { readable: ['ZTSYNC_MISSING'], credentials: [] } }).problems).toEqual(['environment variable ZTSYNC_MISSING is not set']);
    expect(interpolate('${HOME}', allowing({ HOME: '/root' })).problems).toEqual([
      '${HOME} cannot be read: only environment variables whose names start with ZTSYNC_ can be used in the config (plans are shown to everyone who reads the pull request)',
    ]);
    expect(interpolate('${ZTSYNC_EMULATOR_TOKEN}', allowing({ ZTSYNC_EMULATOR_TOKEN: 's' })).problems).toEqual(['${ZTSYNC_EMULATOR_TOKEN} cannot be read: it holds a credential']);
    expect(interpolate('${ZTSYNC_A', allowing({})).problems[0]).toMatch(/^"\$\{ZTSYNC_A" is not closed/);
    expect(interpolate('${ZTSYNC-A}', allowing({})).problems[0]).toMatch(/^"\$\{ZTSYNC-A\}" is not a variable reference/);
    expect(interpolate('${}', allowing({})).problems).toHaveLength(1);
  });
});

describe('${ZTSYNC_…} in the config', () => {
  it('values read from the environment are what the desired state holds', async () => {
    const text = org('name: "${ZTSYNC_ORG_NAME} (${ZTSYNC_ENV})"', 'auth_domain: ${ZTSYNC_TEAM}.cloudflareaccess.com', 'login_design: { footer_text: "Price: $${ZTSYNC_NOT_READ}" }');
    const { state, shown } = await loadWith(text, { ZTSYNC_ORG_NAME: 'Widget Corps', ZTSYNC_ENV: 'prod', ZTSYNC_TEAM: 'widgetcorps' });
    expect(shown).toEqual([]);
    expect(state!.targets[0]!.resources[0]!.values).toEqual({
      name: 'Widget Corps (prod)',
      auth_domain: 'widgetcorps.cloudflareaccess.com',
      'login_design.footer_text': 'Price: ${ZTSYNC_NOT_READ}',
    });
  });

  it('an unset variable is an error at the value, naming it', async () => {
    const { state, shown } = await loadWith(org('name: Widget', 'auth_domain: "${ZTSYNC_TEAM}.cloudflareaccess.com"'), {}, ['ZTSYNC_TEAM']);
    expect(state).toBeNull();
    expect(shown).toEqual(['c.yaml:5:20: environment variable ZTSYNC_TEAM is not set (accounts[0].organization.auth_domain)']);
  });

  it('other names are refused, in lists and descriptions too, and their values never shown', async () => {
    const text = [
      'accounts:',
      `  - account_id: ${ACCOUNT}`,
      '    description: ${GITHUB_TOKEN}',
      '    organization:',
      '      deny_unmatched_requests_exempted_zone_names: [a.example, "${CLOUDFLARE_API_TOKEN}"]',
      '',
    ].join('\n');
    const { shown } = await loadWith(text, { GITHUB_TOKEN: 'ghs_secret', CLOUDFLARE_API_TOKEN: 'cf_secret' });
    expect(shown).toEqual([
      'c.yaml:3:18: ${GITHUB_TOKEN} cannot be read: only environment variables whose names start with ZTSYNC_ can be used in the config (plans are shown to everyone who reads the pull request) (accounts[0].description)',
      'c.yaml:5:64: ${CLOUDFLARE_API_TOKEN} cannot be read: only environment variables whose names start with ZTSYNC_ can be used in the config (plans are shown to everyone who reads the pull request) (accounts[0].organization.deny_unmatched_requests_exempted_zone_names[1])',
    ]);
    expect(shown.join('\n')).not.toMatch(/secret/);
  });

  it('a value read from the environment is validated like one written out', async () => {
    const { shown } = await loadWith(org('name: x', 'session_duration: ${ZTSYNC_SESSION}'), { ZTSYNC_SESSION: '12 hours' });
    expect(shown).toHaveLength(1);
    expect(shown[0]).toMatch(/^c\.yaml:5:25: .*\(accounts\[0\]\.organization\.session_duration\)$/);
  });

  it('keys are not read', async () => {
    const { shown } = await loadWith(org('"${ZTSYNC_KEY}": x'), { ZTSYNC_KEY: 'name' });
    expect(shown[0]).toMatch(/unknown key/);
  });
});

describe('${ZTSYNC_…} through the CLI', () => {
  let em: RunningEmulator | undefined;
  afterEach(async () => {
    await em?.close();
    em = undefined;
  });

  it('validate reads the command environment and reports what is missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ztsync-env-'));
    await writeFile(join(dir, 'a.yaml'), org('name: ${ZTSYNC_NAME}', 'auth_domain: ${ZTSYNC_DOMAIN}'));
    const missing = await run(['validate', dir, '--env-allow', 'ZTSYNC_NAME,ZTSYNC_DOMAIN'], { env: { ZTSYNC_NAME: 'Widget' } });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`${join(dir, 'a.yaml')}:5:20: environment variable ZTSYNC_DOMAIN is not set (accounts[0].organization.auth_domain)\n1 problem found\n`);
    const ok = await run(['validate', dir], { env: { ZTSYNC_NAME: 'Widget', ZTSYNC_DOMAIN: 'widget.cloudflareaccess.com', ZTSYNC_ENV_ALLOW: 'ZTSYNC_NAME ZTSYNC_DOMAIN' } });
    expect(ok).toMatchObject({ code: 0, stderr: '' });
  });

  it('a variable that a credentials_env names cannot be read into a value, from any file, even when allowed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ztsync-env-'));
    await writeFile(join(dir, 'a.yaml'), ['defaults:', '  credentials_env: ZTSYNC_TOKEN_EU', ''].join('\n'));
    await writeFile(join(dir, 'b.yaml'), org('name: Widget ${ZTSYNC_TOKEN_EU}', 'auth_domain: widget.cloudflareaccess.com'));
    const env = { ZTSYNC_TOKEN_EU: 'token-value-never-shown' };
    const refused = await run(['validate', dir, '--env-allow', 'ZTSYNC_TOKEN_EU'], { env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `${join(dir, 'b.yaml')}:4:13: \${ZTSYNC_TOKEN_EU} cannot be read: it holds a credential (credentials_env names it at ${join(dir, 'a.yaml')}:2:20) (accounts[0].organization.name)\n`,
    );
    expect(refused.stderr).not.toContain('token-value-never-shown');
    // Declared as a credential by the workflow, it is not readable at all (and --env-allow of it is refused).
    await writeFile(join(dir, 'b.yaml'), org('name: Widget ${ZTSYNC_NAME}', 'auth_domain: widget.cloudflareaccess.com'));
    expect(await run(['validate', dir, '--credentials-env', 'ZTSYNC_TOKEN_EU', '--env-allow', 'ZTSYNC_NAME'], { env: { ...env, ZTSYNC_NAME: 'EU' } })).toMatchObject({ code: 0, stderr: '' });
  });

  it('plan shows the value read; a refused name reads nothing from the API', async () => {
    em = await demoEmulator();
    const dir = await mkdtemp(join(tmpdir(), 'ztsync-env-'));
    await writeFile(join(dir, 'a.yaml'), `accounts:\n  - account_id: ${STAGING}\n    organization:\n      login_design: { footer_text: "Owner: \${ZTSYNC_OWNER}" }\n`);
    const planned = await ztsync(em, ['plan', dir, '--format', 'json', '--env-allow', 'ZTSYNC_OWNER'], { env: envFor(em, { ZTSYNC_OWNER: 'platform team' }) });
    expect(planned.code).toBe(0);
    expect(JSON.parse(planned.stdout).targets[0].resources[0].changes).toMatchObject([
      { path: 'login_design.footer_text', before: 'Widget Corps — authorised use only', after: 'Owner: platform team' },
    ]);

    await writeFile(join(dir, 'a.yaml'), `accounts:\n  - account_id: ${STAGING}\n    organization:\n      login_design: { footer_text: "\${CLOUDFLARE_API_TOKEN}" }\n`);
    const before = em.state.snapshot().counters.requests;
    const refused = await ztsync(em, ['plan', dir, '--format', 'markdown']);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain('${CLOUDFLARE_API_TOKEN} cannot be read');
    expect(refused.stderr + refused.stdout).not.toContain(SECRET_TOKEN);
    expect(em.state.snapshot().counters.requests).toEqual(before);
    expect(writes(em)).toBe(0);
  });
});
