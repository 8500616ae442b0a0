// DoH answers carry the token's `enabled`; the DoH JWT duration may not exceed the account's key rotation period
// (a seed sets key_rotation_interval_days, 21–365, default 365) — and ztsync reports that API error plainly.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Cloudflare from 'cloudflare';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSeedFile, parseSeed, type RunningEmulator, type Seed } from '../../src/emulator/index.js';
import { ACCOUNT, call, DOH_PATH, OTHER_TOKEN_ID, startTestEmulator, testSeed, TOKEN_ID } from '../helpers/emulator.js';
import { SECRET_TOKEN, writes, ztsync } from '../helpers/reconcile.js';

let em: RunningEmulator | undefined;
afterEach(async () => {
  await em?.close();
  em = undefined;
});

function seedWith(change: (seed: Seed) => void): Seed {
  const seed = testSeed();
  change(seed);
  return seed;
}

describe('DoH answers carry enabled', () => {
  it('true by default, false for a disabled token, on GET and PUT (and through the SDK)', async () => {
    em = await startTestEmulator({ seed: seedWith((s) => (s.accounts![0].service_tokens![1].enabled = false)) });
    expect((await call(em, 'GET', DOH_PATH)).body.result).toMatchObject({ id: TOKEN_ID, enabled: true });
    const put = await call(em, 'PUT', DOH_PATH, { body: { service_token_id: OTHER_TOKEN_ID } });
    expect(put.body.result).toMatchObject({ id: OTHER_TOKEN_ID, enabled: false });
    const sdk = new Cloudflare({ apiToken: 'any', baseURL: em.url, maxRetries: 0 });
    expect((await sdk.zeroTrust.organizations.doh.get({ account_id: ACCOUNT })).enabled).toBe(false);
  });

  it('the seed format takes enabled on a service token, and only a boolean', () => {
    expect(parseSeed(seedWith((s) => (s.accounts![0].service_tokens![0].enabled = false))).accounts![0].service_tokens![0].enabled).toBe(false);
    const bad = seedWith((s) => ((s.accounts![0].service_tokens![0] as unknown as Record<string, unknown>).enabled = 'yes'));
    expect(() => parseSeed(bad)).toThrow('accounts[0].service_tokens[0].enabled: must be true or false, not "yes"');
  });

  it('enabled is read-only: sending it back in a PUT is ignored, like the other token fields', async () => {
    em = await startTestEmulator();
    const put = await call(em, 'PUT', DOH_PATH, { body: { service_token_id: TOKEN_ID, enabled: false, name: 'x' } });
    expect(put.status).toBe(201);
    expect(put.body.result.enabled).toBe(true);
  });
});

describe('the key rotation period bounds doh_jwt_duration', () => {
  it('unset: 365 days (8760h) is the most', async () => {
    em = await startTestEmulator();
    expect((await call(em, 'PUT', DOH_PATH, { body: { service_token_id: TOKEN_ID, doh_jwt_duration: '8760h' } })).status).toBe(201);
    const over = await call(em, 'PUT', DOH_PATH, { body: { service_token_id: TOKEN_ID, doh_jwt_duration: '8760h1s' } });
    expect(over.status).toBe(400);
    expect(over.body.errors).toEqual([
      {
        code: 12000,
        message: `access.api.error.invalid_request: doh_jwt_duration: "8760h1s" is longer than the account's key rotation period (365 days, 8760h)`,
        source: { pointer: '/doh_jwt_duration' },
      },
    ]);
  });

  it('a seeded period of 30 days refuses 721h, takes 720h; nothing changes on a refusal (merge keeps a duration that now fits)', async () => {
    em = await startTestEmulator({ putSemantics: 'merge', seed: seedWith((s) => (s.accounts![0].key_rotation_interval_days = 30)) });
    const refused = await call(em, 'PUT', DOH_PATH, { body: { service_token_id: OTHER_TOKEN_ID, doh_jwt_duration: '721h' } });
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].message).toContain('(30 days, 720h)');
    expect(em.state.toSeed().accounts[0].doh).toEqual({ service_token_id: TOKEN_ID, doh_jwt_duration: '24h' });
    expect((await call(em, 'PUT', DOH_PATH, { body: { doh_jwt_duration: '43200m' } })).status).toBe(201);
    expect((await call(em, 'PUT', DOH_PATH, { body: { service_token_id: OTHER_TOKEN_ID } })).body.result.doh_jwt_duration).toBe('43200m');
  });

  it('seeds: the period must be 21–365 whole days, and a seeded DoH duration must fit it (file:line:col)', async () => {
    for (const days of [20, 366, 30.5, '30', -1]) {
      expect(() => parseSeed(seedWith((s) => ((s.accounts![0] as unknown as Record<string, unknown>).key_rotation_interval_days = days))), String(days)).toThrow(
        /accounts\[0\]\.key_rotation_interval_days: must be a whole number of days from 21 to 365/,
      );
    }
    expect(parseSeed(seedWith((s) => (s.accounts![0].key_rotation_interval_days = 21))).accounts![0].key_rotation_interval_days).toBe(21);
    const dir = await mkdtemp(join(tmpdir(), 'ztsync-rotation-'));
    try {
      const path = join(dir, 'seed.yaml');
      await writeFile(
        path,
        `accounts:\n  - id: ${ACCOUNT}\n    key_rotation_interval_days: 21\n    service_tokens: [{ id: ${TOKEN_ID}, client_id: c.access, name: n }]\n    doh: { service_token_id: ${TOKEN_ID}, doh_jwt_duration: 800h }\n`,
      );
      await expect(loadSeedFile(path)).rejects.toThrow(`${path}:5:86: accounts[0].doh.doh_jwt_duration: "800h" is longer than the account's key rotation period (21 days, 504h)`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('ztsync apply reports the API error for that target, names the field, and exits 1', async () => {
    em = await startTestEmulator({ token: SECRET_TOKEN, seed: seedWith((s) => (s.accounts![0].key_rotation_interval_days = 30)) });
    const dir = await mkdtemp(join(tmpdir(), 'ztsync-rotation-'));
    try {
      await writeFile(join(dir, 'config.yaml'), `accounts:\n  - account_id: ${ACCOUNT}\n    doh:\n      service_token_id: ${TOKEN_ID}\n      doh_jwt_duration: 800h\n`);
      const before = writes(em);
      const apply = await ztsync(em, ['apply', dir, '--auto-approve', '--allow', 'session-lengthened']);
      expect(apply.code).toBe(1);
      expect(apply.stdout + apply.stderr).toContain("doh_jwt_duration: \"800h\" is longer than the account's key rotation period (30 days, 720h)");
      expect(apply.stdout + apply.stderr).not.toContain(SECRET_TOKEN);
      expect(writes(em)).toBe(before);
      expect(em.state.toSeed().accounts[0].doh?.doh_jwt_duration).toBe('24h');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
