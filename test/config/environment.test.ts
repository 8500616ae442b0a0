// Issue #18 items 3, 8 and 9: what a pull request's config can reach in the environment is decided by the run
// (--env-allow, ZTSYNC_ENV_ALLOW, --credentials-env), never by the config; aliased values are read once.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadDesiredState } from '../../src/config/index.js';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { run } from '../helpers/io.js';
import { demoEmulator, envFor, SECRET_TOKEN, STAGING, writes, ztsync } from '../helpers/reconcile.js';
import { ACCOUNT, ACCOUNT2, writeConfig } from './helpers.js';

const PER_TARGET_TOKEN = 'eu-token-4f1c9a7e2b6d0835c1e9';

async function configDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ztsync-env-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

let em: RunningEmulator | undefined;
afterEach(async () => {
  await em?.close();
  em = undefined;
});

describe('aliases are interpolated once (item 3)', () => {
  it('a $${ in an anchored mapping stays a literal ${ in every alias of it', async () => {
    const text = [
      'accounts:',
      `  - account_id: ${ACCOUNT}`,
      '    organization:',
      '      login_design: &design { footer_text: "Price: $${ZTSYNC_SECRET}" }',
      `  - account_id: ${ACCOUNT2}`,
      '    organization:',
      '      login_design: *design',
      '',
    ].join('\n');
    const dir = writeConfig({ 'c.yaml': text });
    const env = { ZTSYNC_SECRET: 'never-read' };
    const { state, diagnostics, reads } = await loadDesiredState([dir], { env, policy: { readable: ['ZTSYNC_SECRET'], credentials: [] } });
    expect(diagnostics).toEqual([]);
    expect(reads).toEqual([]);
    expect(state!.targets.map((t) => t.resources[0].values['login_design.footer_text'])).toEqual(['Price: ${ZTSYNC_SECRET}', 'Price: ${ZTSYNC_SECRET}']);
  });
});

describe('interpolation reads only what the run allows (item 8)', () => {
  const org = (name: string) => `accounts:\n  - account_id: ${STAGING}\n    organization:\n      login_design: { footer_text: "${name}" }\n`;

  it('a ZTSYNC_ variable the run does not allow is refused, naming how to allow it', async () => {
    const dir = await configDir({ 'a.yaml': org('Owner: ${ZTSYNC_OWNER}') });
    const refused = await run(['validate', dir], { env: { ZTSYNC_OWNER: 'platform' } });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('${ZTSYNC_OWNER} cannot be read: this run does not allow it (the workflow allows a variable by name: --env-allow ZTSYNC_OWNER or ZTSYNC_ENV_ALLOW=ZTSYNC_OWNER)');
    for (const allow of [['--env-allow', 'ZTSYNC_OWNER'], ['--env-allow', 'ZTSYNC_X,ZTSYNC_OWNER']]) {
      expect(await run(['validate', dir, ...allow], { env: { ZTSYNC_OWNER: 'platform' } }), allow.join(' ')).toMatchObject({ code: 0 });
    }
    for (const list of ['ZTSYNC_OWNER', 'ZTSYNC_X, ZTSYNC_OWNER', ' ZTSYNC_X  ZTSYNC_OWNER ']) {
      expect(await run(['validate', dir], { env: { ZTSYNC_OWNER: 'platform', ZTSYNC_ENV_ALLOW: list } }), list).toMatchObject({ code: 0 });
    }
  });

  it('a per-target token is never read into a value, whether or not the config names it in credentials_env', async () => {
    em = await demoEmulator();
    const dir = await configDir({ 'a.yaml': org('${ZTSYNC_TOKEN_EU}') });
    // The workflow declares the per-target token; the pull request leaves out the credentials_env line.
    const env = envFor(em, { ZTSYNC_TOKEN_EU: PER_TARGET_TOKEN });
    const result = await run(['plan', dir, '--credentials-env', 'ZTSYNC_TOKEN_EU'], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('${ZTSYNC_TOKEN_EU} cannot be read: it holds a credential');
    expect(result.stdout + result.stderr).not.toContain(PER_TARGET_TOKEN);
    // The prefix CLOUDFLARE_API_TOKEN_ is a credential without declaring, as is ztsync's own.
    for (const name of ['CLOUDFLARE_API_TOKEN_EU', 'ZTSYNC_EMULATOR_TOKEN']) {
      const refused = await run(['plan', dir, '--env-allow', name], { env });
      expect(refused.code, name).toBe(1);
      expect(refused.stderr, name).toMatch(new RegExp(`--env-allow ${name}: (it holds a credential|only variables whose names start with ZTSYNC_)`));
    }
    const allowedCredential = await run(['plan', dir, '--credentials-env', 'ZTSYNC_TOKEN_EU', '--env-allow', 'ZTSYNC_TOKEN_EU'], { env });
    expect(allowedCredential.stderr).toContain('--env-allow ZTSYNC_TOKEN_EU: it holds a credential, which a config never reads');
    expect(writes(em)).toBe(0);
  });

  it("no variable that a credentials_env of the --baseline names is read, even when the run allows it", async () => {
    em = await demoEmulator();
    const base = await configDir({ 'a.yaml': `accounts:\n  - account_id: ${STAGING}\n    credentials_env: ZTSYNC_TOKEN_EU\n` });
    const dir = await configDir({ 'a.yaml': org('${ZTSYNC_TOKEN_EU}') });
    const result = await ztsync(em, ['plan', dir, '--baseline', base, '--env-allow', 'ZTSYNC_TOKEN_EU'], { env: envFor(em, { ZTSYNC_TOKEN_EU: PER_TARGET_TOKEN }) });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`\${ZTSYNC_TOKEN_EU} cannot be read: it holds a credential (credentials_env names it at ${join(base, 'a.yaml')}:3:22)`);
    expect(result.stdout + result.stderr).not.toContain(PER_TARGET_TOKEN);
  });

  it('malformed names in the options are usage errors', async () => {
    const dir = await configDir({ 'a.yaml': org('x') });
    expect((await run(['validate', dir, '--env-allow', 'ZTSYNC-A'])).stderr).toContain('--env-allow takes environment variable names (letters, digits, _), not "ZTSYNC-A"');
    expect((await run(['validate', dir, '--env-allow', 'HOME'])).stderr).toContain('--env-allow HOME: only variables whose names start with ZTSYNC_ can be read by a config');
    expect((await run(['validate', dir], { env: { ZTSYNC_ENV_ALLOW: 'CLOUDFLARE_API_TOKEN' } })).stderr).toContain('ZTSYNC_ENV_ALLOW CLOUDFLARE_API_TOKEN: only variables');
  });
});

describe('credentials_env names only declared variables (item 9)', () => {
  const withCredentials = (name: string) => `accounts:\n  - account_id: ${STAGING}\n    credentials_env: ${name}\n    organization: { session_duration: 12h }\n`;

  it('GITHUB_TOKEN (or any undeclared variable) is refused at its position, and nothing is sent', async () => {
    em = await demoEmulator();
    const dir = await configDir({ 'a.yaml': withCredentials('GITHUB_TOKEN') });
    const before = em.state.snapshot().counters.requests;
    const result = await ztsync(em, ['plan', dir], { env: envFor(em, { GITHUB_TOKEN: 'ghs_never_sent_0123456789' }) });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `${join(dir, 'a.yaml')}:3:22: credentials_env names GITHUB_TOKEN, a variable of the CI runner, which never holds a Cloudflare API token: name a variable starting with CLOUDFLARE_API_TOKEN_`,
    );
    expect(result.stdout + result.stderr).not.toContain('ghs_never_sent');
    expect(em.state.snapshot().counters.requests).toEqual(before);
    const validated = await run(['validate', dir]);
    expect(validated.stderr).toContain('credentials_env names GITHUB_TOKEN, a variable of the CI runner');
    // Declaring it does not help: the runner's variables are never tokens.
    const declared = await run(['validate', dir, '--credentials-env', 'GITHUB_TOKEN']);
    expect(declared.stderr).toContain('--credentials-env GITHUB_TOKEN: a variable of the CI runner, which never holds a Cloudflare API token');
    const other = await configDir({ 'a.yaml': withCredentials('DEPLOY_KEY') });
    expect((await run(['validate', other])).stderr).toContain('credentials_env names DEPLOY_KEY, which this run has not declared to hold an API token: name a variable starting with CLOUDFLARE_API_TOKEN_, or declare it in the workflow with --credentials-env DEPLOY_KEY');
  });

  it('a declared variable, or one starting with CLOUDFLARE_API_TOKEN_, is used', async () => {
    em = await demoEmulator();
    const declared = await configDir({ 'a.yaml': withCredentials('EU_TOKEN') });
    expect(await ztsync(em, ['plan', declared, '--credentials-env', 'EU_TOKEN', '-q'], { env: envFor(em, { EU_TOKEN: SECRET_TOKEN }) })).toMatchObject({ code: 0 });
    const prefixed = await configDir({ 'a.yaml': withCredentials('CLOUDFLARE_API_TOKEN_EU') });
    expect(await ztsync(em, ['plan', prefixed, '-q'], { env: envFor(em, { CLOUDFLARE_API_TOKEN_EU: SECRET_TOKEN }) })).toMatchObject({ code: 0 });
  });

  it('a malformed per-target token is refused like the default one, at the credentials_env, without showing it', async () => {
    em = await demoEmulator();
    const dir = await configDir({ 'a.yaml': withCredentials('CLOUDFLARE_API_TOKEN_EU') });
    const result = await ztsync(em, ['plan', dir], { env: envFor(em, { CLOUDFLARE_API_TOKEN_EU: 'abc def-secret-part' }) });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${join(dir, 'a.yaml')}:3:22: credentials_env names the environment variable CLOUDFLARE_API_TOKEN_EU, which is malformed: it contains a space at character 4`);
    expect(result.stderr).not.toContain('secret-part');
    expect(writes(em)).toBe(0);
  });
});
