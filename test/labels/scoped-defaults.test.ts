// Scoped defaults: `defaults` as a list of layers, each scoped by a selector (or not). Layering is unscoped →
// scoped → the target's own; two scoped layers setting one field for one target is an error naming both;
// provenance names the layer; a default no target receives is a warning; and defaults reach only targets that
// have the resource, so a DoH-only account is never broken by organization defaults.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator, type Seed } from '../../src/emulator/index.js';
import { SECRET_TOKEN, liveAccount, ztsync } from '../helpers/reconcile.js';

let em: RunningEmulator;
afterEach(async () => {
  await em?.close();
});

const PROD = 'b0000000000000000000000000000001';
const PROD_EU = 'b0000000000000000000000000000002';
const STAGING = 'b0000000000000000000000000000003';
const DOH_ONLY = 'b0000000000000000000000000000004';
const TOKEN = 'f174e90a-fafe-4643-bbbc-4a0ed4fc8415';

function seed(): Seed {
  const org = (n: number) => ({ name: `Org ${n}`, auth_domain: `org${n}.cloudflareaccess.com`, session_duration: '24h' });
  return {
    accounts: [
      { id: PROD, organization: org(1) },
      { id: PROD_EU, organization: org(2) },
      { id: STAGING, organization: org(3) },
      // No organization at all: DoH only.
      { id: DOH_ONLY, service_tokens: [{ id: TOKEN, client_id: 'd.access', name: 'DoH' }], doh: { service_token_id: TOKEN, doh_jwt_duration: '24h' } },
    ],
  };
}

const ACCOUNTS = [
  'accounts:',
  `  - account_id: "${PROD}"`,
  '    labels: { env: prod }',
  '    organization: { name: Org 1, auth_domain: org1.cloudflareaccess.com }',
  `  - account_id: "${PROD_EU}"`,
  '    labels: { env: prod, region: eu }',
  '    organization: { name: Org 2, auth_domain: org2.cloudflareaccess.com, session_duration: 2h }',
  `  - account_id: "${STAGING}"`,
  '    labels: { env: staging, region: eu }',
  '    organization: { name: Org 3, auth_domain: org3.cloudflareaccess.com }',
  `  - account_id: "${DOH_ONLY}"`,
  `    doh: { service_token_id: ${TOKEN} }`,
  '',
].join('\n');

async function configDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ztsync-scoped-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

interface Change {
  path: string;
  after: unknown;
  source: { file: string; line: number; col: number; via: string };
}

const changesOf = (plan: { targets: { id: string; resources: { type: string; changes: Change[] }[] }[] }, id: string, type = 'organization') =>
  Object.fromEntries(plan.targets.find((t) => t.id === id)!.resources.find((r) => r.type === type)!.changes.map((c) => [c.path, c]));

describe('scoped defaults', () => {
  it('layer unscoped → scoped (by selector) → own, with provenance naming the layer; apply converges', async () => {
    em = await startEmulator({ port: 0, seed: seed(), token: SECRET_TOKEN });
    const defaults = [
      'defaults:',
      '  - organization:',
      '      session_duration: 12h',
      '      auto_redirect_to_identity: true',
      '  - select: { env: prod }',
      '    organization:',
      '      session_duration: 8h',
      '  - select: { region: eu }',
      '    organization:',
      '      login_design: { footer_text: EU }',
      '',
    ].join('\n');
    const dir = await configDir({ 'accounts.yaml': ACCOUNTS, 'defaults.yaml': defaults });
    const file = join(dir, 'defaults.yaml');
    const result = await ztsync(em, ['plan', dir, '--format', 'json']);
    expect(result.stderr).toBe('');
    const plan = JSON.parse(result.stdout);
    // prod: the prod layer's 8h over the unscoped 12h.
    const prod = changesOf(plan, PROD);
    expect(prod.session_duration).toMatchObject({ after: '8h', source: { file, line: 7, col: 25, via: 'defaults' } });
    expect(prod.auto_redirect_to_identity).toMatchObject({ after: true, source: { file, line: 4, via: 'defaults' } });
    expect(prod['login_design.footer_text']).toBeUndefined();
    // prod-eu: its own 2h wins; the EU layer's footer.
    const prodEu = changesOf(plan, PROD_EU);
    expect(prodEu.session_duration).toMatchObject({ after: '2h', source: { file: join(dir, 'accounts.yaml'), via: 'account' } });
    expect(prodEu['login_design.footer_text']).toMatchObject({ after: 'EU', source: { file, line: 10, via: 'defaults' } });
    // staging: the unscoped 12h, the EU footer.
    const staging = changesOf(plan, STAGING);
    expect(staging.session_duration).toMatchObject({ after: '12h', source: { file, line: 3 } });
    expect(staging['login_design.footer_text']).toMatchObject({ after: 'EU' });
    // The DoH-only account gets no organization from the defaults: nothing to create, no error.
    const dohOnly = plan.targets.find((t: { id: string }) => t.id === DOH_ONLY);
    expect(dohOnly.error).toBeNull();
    expect(dohOnly.resources.map((r: { type: string }) => r.type)).toEqual(['doh']);

    const text = await ztsync(em, ['plan', dir]);
    expect(text.stdout).toContain(`~ session_duration: "24h" → "8h"  # ${file}:7 (defaults)`);

    expect((await ztsync(em, ['apply', dir, '--auto-approve'])).code).toBe(0);
    expect(liveAccount(em, PROD).organization).toMatchObject({ session_duration: '8h', auto_redirect_to_identity: true });
    expect(liveAccount(em, PROD_EU).organization).toMatchObject({ session_duration: '2h', login_design: { footer_text: 'EU' } });
    expect(liveAccount(em, STAGING).organization).toMatchObject({ session_duration: '12h' });
    expect(liveAccount(em, DOH_ONLY).organization).toBeUndefined();
    const again = await ztsync(em, ['plan', dir, '--detailed-exitcode']);
    expect(again.code).toBe(0);
  });

  it('two scoped layers setting one field for one target: an error naming both places; nothing is read', async () => {
    em = await startEmulator({ port: 0, seed: seed(), token: SECRET_TOKEN });
    const defaults = 'defaults:\n  - select: { env: prod }\n    organization: { session_duration: 8h }\n  - select: { region: eu }\n    organization: { session_duration: 9h }\n';
    const dir = await configDir({ 'accounts.yaml': ACCOUNTS.replace('session_duration: 2h', 'auto_redirect_to_identity: false'), 'defaults.yaml': defaults });
    const file = join(dir, 'defaults.yaml');
    const result = await ztsync(em, ['plan', dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `${file}:5:39: organization.session_duration is set by two scoped defaults for account ${PROD_EU}: here (select region=eu) and at ${file}:3:39 (select env=prod); set it in one of them, or on the account (defaults[1].organization.session_duration)`,
    );
    expect(em.state.snapshot().counters.requests).toEqual({});
    // A target that sets the field itself takes neither: no clash.
    const owned = await configDir({ 'accounts.yaml': ACCOUNTS, 'defaults.yaml': defaults });
    expect((await ztsync(em, ['validate', owned])).code).toBe(0);
  });

  it('a default that reaches no target is a file:line:col warning saying why', async () => {
    em = await startEmulator({ port: 0, seed: seed(), token: SECRET_TOKEN });
    const defaults = [
      'defaults:',
      '  - select: { env: prdo }',
      '    organization: { session_duration: 8h }',
      '  - select: { env: staging }',
      '    doh: { doh_jwt_duration: 48h }',
      '  - select: { region: eu }',
      '    organization: { login_design: { footer_text: EU } }',
      '',
    ].join('\n');
    const accounts = ACCOUNTS.replace('session_duration: 2h', 'login_design: { footer_text: Own }').replace(
      'auth_domain: org3.cloudflareaccess.com }',
      'auth_domain: org3.cloudflareaccess.com, login_design: { footer_text: Own } }',
    );
    const dir = await configDir({ 'accounts.yaml': accounts, 'defaults.yaml': defaults });
    const file = join(dir, 'defaults.yaml');
    const result = await ztsync(em, ['validate', dir]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`${file}:2:5: warning: these defaults reach no target: no account or zone matches select env=prdo (the labels in the config are env=prod, env=staging, region=eu) (defaults[0].select)`);
    expect(result.stderr).toContain(`${file}:5:30: warning: this default reaches no target: no target it applies to has a doh section (defaults reach only targets that have the resource) (defaults[1].doh.doh_jwt_duration)`);
    expect(result.stderr).toContain(`${file}:7:50: warning: this default reaches no target: every target it reaches sets its own organization.login_design.footer_text (defaults[2].organization.login_design.footer_text)`);
    // The same in the mapping form: an organization default with no organization anywhere.
    const mapping = await configDir({ 'a.yaml': `defaults:\n  organization: { session_duration: 8h }\naccounts:\n  - account_id: "${DOH_ONLY}"\n    doh: { service_token_id: ${TOKEN} }\n` });
    const alone = await ztsync(em, ['plan', mapping, '--format', 'json']);
    expect(alone.code).toBe(0);
    expect(alone.stderr).toContain(`${join(mapping, 'a.yaml')}:2:37: warning: this default reaches no target: no target it applies to has an organization section (defaults reach only targets that have the resource)`);
    expect(JSON.parse(alone.stdout).targets[0]).toMatchObject({ error: null, resources: [{ type: 'doh', action: 'noop' }] });
  });

  it('schema: an entry is select + the defaults keys; mistakes are reported at file:line:col', async () => {
    em = await startEmulator({ port: 0, seed: seed(), token: SECRET_TOKEN });
    const defaults = 'defaults:\n  - select: { env: "no pe" }\n    organization: { sesion_duration: 8h }\n  - selector: { env: prod }\n';
    const dir = await configDir({ 'accounts.yaml': ACCOUNTS, 'defaults.yaml': defaults });
    const file = join(dir, 'defaults.yaml');
    const result = await ztsync(em, ['validate', dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${file}:2:20: label value "no pe"`);
    expect(result.stderr).toContain(`${file}:3:21: unknown key "sesion_duration"; did you mean "session_duration"? (defaults[0].organization.sesion_duration)`);
    expect(result.stderr).toContain(`${file}:4:5: unknown key "selector"; did you mean "select"?`);
  });
});
