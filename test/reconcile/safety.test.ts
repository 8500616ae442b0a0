import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { applyPlan } from '../../src/apply/apply.js';
import { CloudflareClient } from '../../src/cloudflare/client.js';
import { CloudflareApiError } from '../../src/cloudflare/errors.js';
import { loadDesiredState } from '../../src/config/index.js';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { buildPlan } from '../../src/plan/build.js';
import { run } from '../helpers/io.js';
import { EXAMPLES, PRODUCTION, RESEARCH, SECRET_TOKEN, STAGING, demoEmulator, envFor, liveAccount, writes, ztsync } from '../helpers/reconcile.js';

let em: RunningEmulator;
afterEach(async () => {
  await em?.close();
  em = undefined as unknown as RunningEmulator;
});

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'ztsync-test-'));
}

async function desiredExamples() {
  const { state } = await loadDesiredState([EXAMPLES]);
  if (!state) throw new Error('examples must be valid');
  return state;
}

const client = (extra: Partial<ConstructorParameters<typeof CloudflareClient>[0]> = {}) =>
  new CloudflareClient({ apiBase: em.url, credentials: { kind: 'token', token: SECRET_TOKEN }, minBackoffMs: 1, maxBackoffMs: 5, ...extra });

describe('apply asks before writing', () => {
  it('refuses without a terminal unless --auto-approve is given', async () => {
    em = await demoEmulator();
    const result = await ztsync(em, ['apply', EXAMPLES]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('pass --auto-approve');
    expect(writes(em)).toBe(0);
  });

  it('on a terminal, applies only after "yes"', async () => {
    em = await demoEmulator();
    const declined = await ztsync(em, ['apply', EXAMPLES], { stdinIsTTY: true, prompt: async () => 'y' });
    expect(declined.code).toBe(1);
    expect(writes(em)).toBe(0);
    const accepted = await ztsync(em, ['apply', EXAMPLES], { stdinIsTTY: true, prompt: async () => 'yes\n' });
    expect(accepted.code).toBe(0);
    expect(writes(em)).toBe(4);
  });
});

describe('bad input and failures', () => {
  it('an invalid config reads nothing from the API and exits 1 with file:line:col', async () => {
    em = await demoEmulator();
    const dir = await tempDir();
    await writeFile(join(dir, 'bad.yaml'), `accounts:\n  - account_id: ${PRODUCTION}\n    organization:\n      session_duration: 1d\n`);
    const result = await ztsync(em, ['plan', dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${join(dir, 'bad.yaml')}:4:25:`);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(em.state.snapshot().counters.requests).toEqual({});
  });

  it('a target that cannot be read is an error in the plan; the others are still planned', async () => {
    em = await demoEmulator();
    const dir = await tempDir();
    const unknown = 'abcdefabcdefabcdefabcdefabcdef12';
    await writeFile(join(dir, 'a.yaml'), `accounts:\n  - account_id: ${unknown}\n    organization: { name: X, auth_domain: x.cloudflareaccess.com }\n  - account_id: ${STAGING}\n    organization: { name: Renamed }\n`);
    const result = await ztsync(em, ['plan', dir, '--format', 'json']);
    expect(result.code).toBe(1);
    const plan = JSON.parse(result.stdout);
    expect(plan.targets[0].error.message).toContain('7003');
    expect(plan.targets[1].resources[0].changes).toEqual([expect.objectContaining({ path: 'name', before: 'Widget Corps Staging', after: 'Renamed' })]);
    expect(plan.summary).toEqual({ create: 0, update: 1, noop: 0, error: 1, weakens: 0 });
  });

  it('creating an organization without name and auth_domain is a plan error naming them', async () => {
    em = await demoEmulator();
    const dir = await tempDir();
    await writeFile(join(dir, 'a.yaml'), `accounts:\n  - account_id: ${RESEARCH}\n    organization: { session_duration: 8h }\n`);
    const result = await ztsync(em, ['plan', dir]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('organization does not exist yet; creating it needs name and auth_domain in the config');
  });

  it('one failing target does not stop the others, and apply exits 1', async () => {
    em = await demoEmulator();
    const dir = await tempDir();
    // The emulator refuses this auth_domain: another organization already has it (it is globally unique).
    await writeFile(join(dir, 'a.yaml'), `accounts:\n  - account_id: ${STAGING}\n    organization: { auth_domain: widgetcorps.cloudflareaccess.com }\n  - account_id: ${RESEARCH}\n    organization: { name: R, auth_domain: r.cloudflareaccess.com }\n`);
    const result = await ztsync(em, ['apply', dir, '--auto-approve', '--allow', 'auth-domain-change']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/✗ account 1a2b3c4d5e6f708192a3b4c5d6e7f801 \(Widget Corps Staging\): organization failed: PUT .* → 400/);
    expect(result.stdout).toContain(`✓ account ${RESEARCH}: organization created`);
    expect(result.stdout).toContain(`Apply: 1 applied, 0 unchanged, 1 failed.\nFailed: account ${STAGING} (Widget Corps Staging)\n`);
    expect(liveAccount(em, RESEARCH).organization?.name).toBe('R');
  });

  it('a plan gone stale is refused for the fields that moved', async () => {
    em = await demoEmulator();
    const api = client();
    const plan = await buildPlan(await desiredExamples(), api, { accounts: [STAGING] });
    // Someone changes the login colour in the dashboard between plan and apply (sending what can be written).
    const { created_at: _created, updated_at: _updated, ...writable } = liveAccount(em, STAGING).organization!;
    const put = await fetch(`${em.url}/accounts/${STAGING}/access/organizations`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${SECRET_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...writable, login_design: { background_color: '#ffffff' } }),
    });
    expect(put.status).toBe(200);
    const result = await applyPlan(plan, api);
    expect(result.summary.failed).toBe(1);
    expect(result.targets[0].resources[0].error).toBe(
      'plan is stale: login_design.background_color is now "#ffffff" (planned from "#000000"); run plan again',
    );
    // (Under merge semantics the dashboard's PUT keeps the other login_design fields, so only the colour is compared.)
    expect(liveAccount(em, STAGING).organization?.login_design).toMatchObject({ background_color: '#ffffff' });
  });
});

describe('credentials never appear', () => {
  const leaks = (text: string) => text.includes(SECRET_TOKEN) || text.includes('ztsync-test-SECRET');

  it('not in any command output, on success or failure', async () => {
    em = await demoEmulator();
    const dir = await tempDir();
    const out = join(dir, 'plan.json');
    const runs = [
      await ztsync(em, ['validate', EXAMPLES]),
      await ztsync(em, ['plan', EXAMPLES, '--format', 'json', '--out', out]),
      await ztsync(em, ['plan', EXAMPLES, '--format', 'markdown']),
      await ztsync(em, ['apply', EXAMPLES, '--auto-approve']),
      // Wrong token: 401 from the emulator.
      await run(['plan', EXAMPLES], { env: envFor(em, { CLOUDFLARE_API_TOKEN: SECRET_TOKEN + 'x' }) }),
      // Legacy key pair, refused too.
      await run(['plan', EXAMPLES], { env: envFor(em, { CLOUDFLARE_API_TOKEN: undefined, CLOUDFLARE_API_KEY: SECRET_TOKEN, CLOUDFLARE_EMAIL: 'a@example.com' }) }),
      // Nothing listening.
      await run(['plan', EXAMPLES, '--max-retries', '0'], { env: envFor(em, { CLOUDFLARE_BASE_URL: 'http://127.0.0.1:9/client/v4' }) }),
      // Plain http to a host that is not this machine: refused before anything is sent.
      await run(['plan', EXAMPLES], { env: envFor(em, { CLOUDFLARE_BASE_URL: 'http://api.example.com/client/v4' }) }),
    ];
    for (const r of runs) expect(leaks(r.stdout + r.stderr)).toBe(false);
    expect(runs[4].code).toBe(1);
    expect(runs[4].stderr).toContain('401');
    expect(runs[6].code).toBe(1);
    expect(runs[7].code).toBe(1);
    expect(runs[7].stderr).toContain('refusing to send credentials over plain http to api.example.com');
    expect(leaks(await readFile(out, 'utf8'))).toBe(false);
    expect(em.state.snapshot().counters.requests).not.toEqual({});
  });

  it('not in the client or its errors, however they are printed', async () => {
    em = await demoEmulator();
    const api = client({ retries: 0 });
    const error = await api.put(`/accounts/${PRODUCTION}/access/organizations`, { session_duration: '1d' }).catch((e) => e);
    expect(error).toBeInstanceOf(CloudflareApiError);
    expect(error.status).toBe(400);
    for (const text of [inspect(error, { depth: 10, showHidden: true }), JSON.stringify(error), String(error), error.stack ?? '', inspect(api, { depth: 10, showHidden: true }), JSON.stringify(api)]) {
      expect(leaks(text)).toBe(false);
    }
    const network = await client({ apiBase: 'http://127.0.0.1:9/client/v4', retries: 0 }).get('/accounts/x/access/organizations').catch((e) => e);
    expect(network).toBeInstanceOf(CloudflareApiError);
    expect(network.kind).toBe('network');
    expect(leaks(inspect(network, { depth: 10, showHidden: true }) + JSON.stringify(network))).toBe(false);
  });

  it('missing credentials are a clear error', async () => {
    const result = await run(['plan', EXAMPLES], { env: {} });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('ztsync: no Cloudflare credentials: set CLOUDFLARE_API_TOKEN (or CLOUDFLARE_API_KEY with CLOUDFLARE_EMAIL)\n');
  });
});
