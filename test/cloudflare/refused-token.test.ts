// A token named by credentials_env that the API refuses: the message names its variable and where the config
// names it (never the token, never CLOUDFLARE_API_TOKEN), said once; only the targets that use it fail, the other
// credentials' targets are planned and applied, and --results / --only-failed pick the failed ones up. The default
// credentials refused still stop the whole run. The real CLI in-process against the emulator started with a token.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { writeConfig } from '../config/helpers.js';
import { answer, startProxy, type TestServer } from '../helpers/http.js';
import { run } from '../helpers/io.js';
import { PRODUCTION, RESEARCH, SECRET_TOKEN, STAGING, ZONE, demoEmulator, liveAccount, writes } from '../helpers/reconcile.js';

let em: RunningEmulator | undefined;
let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  await em?.close();
  em = server = undefined;
});

const WRONG = 'eu-token-that-was-revoked-5c1d';
const EU_TARGETS = [`account ${STAGING}`, `account ${RESEARCH}`, `zone ${ZONE}`];

/**
 * Staging, Research and the zone on CF_TOKEN_EU (each `credentials_env` at column 22 of lines 3, 6 and 12);
 * Production on the default token. Every target has a change to make.
 */
async function fleetConfig(): Promise<{ dir: string; file: string }> {
  const lines = [
    'accounts:',
    `  - account_id: ${STAGING}`,
    '    credentials_env: CF_TOKEN_EU',
    '    organization: {name: Widget Corps Staging EU, auth_domain: widgetcorps-staging.cloudflareaccess.com}',
    `  - account_id: ${RESEARCH}`,
    '    credentials_env: CF_TOKEN_EU',
    '    organization: {name: Widget Corps Research, auth_domain: widgetcorps-research.cloudflareaccess.com}',
    `  - account_id: ${PRODUCTION}`,
    '    organization: {name: Widget Corps Internal Applications EU, auth_domain: widgetcorps.cloudflareaccess.com}',
    'zones:',
    `  - zone_id: ${ZONE}`,
    '    credentials_env: CF_TOKEN_EU',
    '    organization: {name: Widget Corps Intranet EU, auth_domain: widgetcorps-intranet.cloudflareaccess.com}',
    '',
  ];
  const dir = writeConfig({ 'fleet.yaml': lines.join('\n') });
  return { dir, file: join(dir, 'fleet.yaml') };
}

/** The workflow declares CF_TOKEN_EU as a token variable (a credentials_env may name only declared ones). */
const runWith = (base: string, argv: string[], env: Record<string, string>) => run([...argv, '--credentials-env', 'CF_TOKEN_EU'], { env: { CLOUDFLARE_BASE_URL: base, ...env } });
interface PlannedTarget {
  scope: string;
  id: string;
  error: { message: string } | null;
}
const targetOf = (plan: { targets: PlannedTarget[] }, label: string) => plan.targets.find((t) => `${t.scope} ${t.id}` === label)!;

describe('a refused credentials_env token fails only its targets, and is named', () => {
  it('plan: its targets carry an error naming the variable and its position; the others are planned; said once', async () => {
    em = await demoEmulator();
    const { dir, file } = await fleetConfig();
    const results = join(dir, 'results.json');
    const env = { CLOUDFLARE_API_TOKEN: SECRET_TOKEN, CF_TOKEN_EU: WRONG };
    const result = await runWith(em.url, ['plan', file, '--format', 'json', '--concurrency', '1', '--results', results], env);
    expect(result.code).toBe(1);
    const plan = JSON.parse(result.stdout);
    const named = (line: number) => `the Cloudflare API refused the token in CF_TOKEN_EU (credentials_env at ${file}:${line}:22)`;
    EU_TARGETS.forEach((label, i) => expect(targetOf(plan, label).error, label).toMatchObject({ message: named([3, 6, 12][i]), status: 401 }));
    expect(targetOf(plan, `account ${PRODUCTION}`)).toMatchObject({ error: null, resources: [{ type: 'organization', action: 'update' }] });
    expect(plan.summary).toMatchObject({ update: 1, error: 3 });

    // One message for the credential, with the request refused and what to check; the later targets sent nothing.
    expect(result.stderr.split('\n').filter(Boolean)).toEqual([expect.stringContaining(`ztsync: ${named(3)} (GET /accounts/${STAGING}/access/organizations → 401: [10000] Authentication error`)]);
    expect(result.stderr).toContain('check that CF_TOKEN_EU is the right API token');
    expect(result.stderr).toContain('3 targets using it could not be planned; the other targets were.');
    expect(result.stderr).not.toContain('CLOUDFLARE_API_TOKEN');
    expect(em.state.snapshot().counters.requests).toEqual({ 'GET /accounts/:id/access/organizations': 2 });
    for (const text of [result.stdout, result.stderr, await readFile(results, 'utf8')]) expect(text).not.toContain(WRONG);

    const written = JSON.parse(await readFile(results, 'utf8'));
    expect(written.summary).toEqual({ failed: 3, changes: 1 });
    expect(written.targets.find((t: { id: string }) => t.id === STAGING)).toMatchObject({ outcome: 'failed', error: named(3) });
  });

  it('apply: the other credential\'s targets are applied; --only-failed with the right token applies the rest', async () => {
    em = await demoEmulator();
    const { dir, file } = await fleetConfig();
    const results = join(dir, 'results.json');
    const first = await runWith(em.url, ['apply', file, '--auto-approve', '--results', results], { CLOUDFLARE_API_TOKEN: SECRET_TOKEN, CF_TOKEN_EU: WRONG });
    expect(first.code).toBe(1);
    expect(first.stdout).toContain(`✗ account ${STAGING}: not applied: the Cloudflare API refused the token in CF_TOKEN_EU (credentials_env at ${file}:3:22)`);
    expect(first.stdout).toContain(`✓ account ${PRODUCTION} (Widget Corps Internal Applications): organization updated`);
    expect(first.stdout).toContain('Apply: 1 applied, 0 unchanged, 3 failed.');
    // Said once, while planning: apply does not say it again.
    expect(first.stderr.match(/refused the token in CF_TOKEN_EU/g)).toHaveLength(1);
    expect(first.stdout + first.stderr).not.toContain(WRONG);
    expect(liveAccount(em, PRODUCTION).organization?.name).toBe('Widget Corps Internal Applications EU');
    expect(liveAccount(em, STAGING).organization?.name).toBe('Widget Corps Staging');
    const written = JSON.parse(await readFile(results, 'utf8'));
    expect(written.summary).toEqual({ failed: 3, applied: 1 });

    // The token fixed: exactly the three failed targets are retried, and applied.
    const retried = join(dir, 'retried.json');
    const second = await runWith(em.url, ['apply', file, '--auto-approve', '--only-failed', results, '--results', retried], { CLOUDFLARE_API_TOKEN: SECRET_TOKEN, CF_TOKEN_EU: SECRET_TOKEN });
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    const again = JSON.parse(await readFile(retried, 'utf8'));
    expect(again.targets.map((t: { scope: string; id: string }) => `${t.scope} ${t.id}`).sort()).toEqual([...EU_TARGETS].sort());
    expect(again.summary).toEqual({ applied: 3 });
  });

  it('a token refused (401) at its first write: its other targets are not started, named; the default token\'s are applied', async () => {
    em = await demoEmulator({ token: undefined });
    const revoked = 'eu-token-revoked-meanwhile-93be';
    server = await startProxy(em.url, (req, res) => {
      if (req.method === 'GET' || req.headers.authorization !== `Bearer ${revoked}`) return false;
      answer(res, 401, { success: false, errors: [{ code: 10000, message: 'Authentication error' }], messages: [], result: null });
      return true;
    });
    const { file } = await fleetConfig();
    const result = await runWith(server.url, ['apply', file, '--auto-approve', '--concurrency', '1'], { CLOUDFLARE_API_TOKEN: SECRET_TOKEN, CF_TOKEN_EU: revoked });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`✗ account ${STAGING} (Widget Corps Staging): organization failed: the Cloudflare API refused the token in CF_TOKEN_EU`);
    expect(result.stdout).toContain(`- account ${RESEARCH}: not started: the Cloudflare API refused the token in CF_TOKEN_EU`);
    expect(result.stdout).toContain(`- zone ${ZONE} (Widget Corps Intranet): not started: the Cloudflare API refused the token in CF_TOKEN_EU`);
    expect(result.stdout).toContain(`✓ account ${PRODUCTION} (Widget Corps Internal Applications): organization updated`);
    expect(server.requests.filter((r) => r.method !== 'GET' && r.headers.authorization === `Bearer ${revoked}`)).toHaveLength(1);
    const said = result.stderr.split('\n').filter(Boolean);
    expect(said).toEqual([expect.stringContaining('ztsync: the Cloudflare API refused the token in CF_TOKEN_EU (PUT ')]);
    expect(said[0]).toContain('check that CF_TOKEN_EU is the right API token');
    expect(said[0]).toContain('Stopped: no further target of that credential was started.');
    expect(result.stdout + result.stderr).not.toContain(revoked);
  });
});

describe('a 403 is about one account or zone: that target fails alone, the credential is not refused', () => {
  const permission = (scope: string, id: string, access: string) =>
    `; the token may not reach ${scope} ${id}: check that it has "Access: Organizations, Identity Providers, and Groups ${access}" on ${scope} ${id}`;

  it('plan and apply: the account the token is scoped away from fails, naming it and the permission; every other target, same token too, goes on', async () => {
    // The token reaches every account but Staging (Research and the zone use the same token through CF_TOKEN_EU).
    em = await demoEmulator({ forbidden: [STAGING] });
    const { dir, file } = await fleetConfig();
    const env = { CLOUDFLARE_API_TOKEN: SECRET_TOKEN, CF_TOKEN_EU: SECRET_TOKEN };
    const plan = await runWith(em.url, ['plan', file, '--format', 'json', '--concurrency', '1'], env);
    expect(plan.code).toBe(1);
    const planned = JSON.parse(plan.stdout);
    expect(targetOf(planned, `account ${STAGING}`).error).toMatchObject({ status: 403, codes: [10000], message: expect.stringMatching(/→ 403: \[10000\] Authentication error/) });
    expect(targetOf(planned, `account ${STAGING}`).error!.message).toContain(permission('account', STAGING, 'Read'));
    for (const label of [`account ${RESEARCH}`, `account ${PRODUCTION}`, `zone ${ZONE}`]) expect(targetOf(planned, label).error, label).toBeNull();
    expect(planned.summary).toMatchObject({ create: 1, update: 2, error: 1 });
    expect(plan.stderr).not.toContain('refused');

    const results = join(dir, 'results.json');
    const apply = await runWith(em.url, ['apply', file, '--auto-approve', '--concurrency', '1', '--results', results], env);
    expect(apply.code).toBe(1);
    expect(apply.stdout).toContain(`✗ account ${STAGING}: not applied: GET /accounts/${STAGING}/access/organizations → 403`);
    expect(apply.stdout).toContain(permission('account', STAGING, 'Read'));
    expect(apply.stdout).toContain('Apply: 3 applied, 0 unchanged, 1 failed.');
    expect(apply.stderr).not.toContain('refused');
    expect(liveAccount(em, RESEARCH).organization?.name).toBe('Widget Corps Research');
    expect(JSON.parse(await readFile(results, 'utf8')).summary).toEqual({ failed: 1, applied: 3 });
    expect(apply.stdout + apply.stderr).not.toContain(SECRET_TOKEN);
  });

  it('a 403 on one target\'s write fails that target, naming Write; the same token\'s later targets are applied', async () => {
    em = await demoEmulator({ token: undefined });
    server = await startProxy(em.url, (req, res) => {
      if (req.method === 'GET' || !req.url?.includes(STAGING)) return false;
      answer(res, 403, { success: false, errors: [{ code: 10000, message: 'Authentication error' }], messages: [], result: null });
      return true;
    });
    const { file } = await fleetConfig();
    const result = await runWith(server.url, ['apply', file, '--auto-approve', '--concurrency', '1'], { CLOUDFLARE_API_TOKEN: SECRET_TOKEN, CF_TOKEN_EU: 'eu-token-0c9a' });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`✗ account ${STAGING} (Widget Corps Staging): organization failed: PUT /accounts/${STAGING}/access/organizations → 403: [10000] Authentication error${permission('account', STAGING, 'Write')}`);
    expect(result.stdout).toContain(`✓ account ${RESEARCH}: organization created`);
    expect(result.stdout).toContain(`✓ zone ${ZONE} (Widget Corps Intranet): organization updated`);
    expect(result.stdout).toContain('Apply: 3 applied, 0 unchanged, 1 failed.');
    expect(result.stderr).toBe('');
  });
});

describe('the default credentials refused still stop the run', () => {
  it('one message naming CLOUDFLARE_API_TOKEN, no plan, nothing written, even though CF_TOKEN_EU works', async () => {
    em = await demoEmulator();
    const { file } = await fleetConfig();
    const result = await runWith(em.url, ['apply', file, '--auto-approve'], { CLOUDFLARE_API_TOKEN: WRONG, CF_TOKEN_EU: SECRET_TOKEN });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const said = result.stderr.split('\n').filter(Boolean);
    expect(said).toEqual([expect.stringContaining('ztsync: the Cloudflare API refused the credential (GET ')]);
    expect(said[0]).toContain('check that CLOUDFLARE_API_TOKEN is the right API token');
    expect(said[0]).toContain('Stopped: nothing was changed.');
    expect(writes(em)).toBe(0);
  });

  it('a credentials_env variable holding the same refused token is refused on its own: nothing says the two hold one value', async () => {
    em = await demoEmulator();
    const { file } = await fleetConfig();
    const result = await runWith(em.url, ['plan', file], { CLOUDFLARE_API_TOKEN: WRONG, CF_TOKEN_EU: WRONG });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('check that CLOUDFLARE_API_TOKEN is the right API token');
    expect(result.stderr).not.toMatch(/CLOUDFLARE_API_TOKEN and CF_TOKEN_EU|the token in CLOUDFLARE_API_TOKEN/);
    expect(result.stderr).not.toContain(WRONG);
  });
});
