// The state file (restart with nothing lost), seeds and --accounts generation, and the admin endpoints.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateAccounts, loadSeedFile, parseSeed, startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { ACCOUNT, call, DOH_PATH, EMPTY_ORG_PATH, ORG_PATH, OTHER_TOKEN_ID, startTestEmulator, testSeed } from '../helpers/emulator.js';

let em: RunningEmulator | undefined;
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ztsync-emulator-'));
});
afterEach(async () => {
  await em?.close();
  em = undefined;
  await rm(dir, { recursive: true, force: true });
});

describe('state file', () => {
  it('is written before each write is answered, and a restart from it loses nothing', async () => {
    const statePath = join(dir, 'state.json');
    em = await startTestEmulator({ statePath, token: 'secret-token' });
    const auth = { headers: { authorization: 'Bearer secret-token' } };
    await call(em, 'POST', EMPTY_ORG_PATH, { ...auth, body: { name: 'New', auth_domain: 'new.cloudflareaccess.com' } });
    const put = await call(em, 'PUT', DOH_PATH, { ...auth, body: { service_token_id: OTHER_TOKEN_ID, doh_jwt_duration: '12h' } });
    expect(put.status).toBe(201);
    // Read the file while the emulator still runs: what was acknowledged is already there.
    const onDisk = JSON.parse(await readFile(statePath, 'utf8'));
    expect(onDisk.accounts[0].doh).toEqual({ service_token_id: OTHER_TOKEN_ID, doh_jwt_duration: '12h' });
    expect(onDisk.accounts[1].organization.name).toBe('New');
    expect(JSON.stringify(onDisk)).not.toContain('secret-token');
    expect(await readdir(dir)).toEqual(['state.json']); // no temporary file left behind
    const before = em.state.toSeed();
    await em.close();

    // Restart: the state file wins over the seed it was started with.
    em = await startEmulator({ port: 0, statePath, seed: { accounts: [] } });
    expect(em.state.toSeed()).toEqual(before);
    const org = await call(em, 'GET', EMPTY_ORG_PATH);
    expect(org.body.result).toMatchObject({ name: 'New', created_at: before.accounts[1].organization!.created_at });
  });

  it('a state file with an error is refused with file:line:col', async () => {
    const statePath = join(dir, 'state.json');
    await writeFile(statePath, '{\n  "accounts": [\n    { "id": "abc", "organization": { "name": "x" } }\n  ]\n}\n');
    await expect(startEmulator({ port: 0, statePath })).rejects.toThrow(`${statePath}:3:36: accounts[0].organization.auth_domain: is required`);
  });
});

describe('seeds', () => {
  it('loads YAML and JSON seed files; errors name file:line:col and the field', async () => {
    const yamlPath = join(dir, 'seed.yaml');
    await writeFile(yamlPath, `accounts:\n  - id: ${ACCOUNT}\n    organization:\n      name: A\n      auth_domain: a.cloudflareaccess.com\n      session_duration: 1d\n`);
    await expect(loadSeedFile(yamlPath)).rejects.toThrow(`${yamlPath}:6:25: accounts[0].organization.session_duration: "1d" is not a valid duration`);

    await writeFile(yamlPath, `accounts:\n  - id: 12345678901234567890\n`);
    await expect(loadSeedFile(yamlPath)).rejects.toThrow(/:2:9: accounts\[0\]\.id: must be a string: quote it/);

    // An organization may hold fields outside the tables (a real organization's answer): they are kept as given.
    await writeFile(yamlPath, `accounts:\n  - id: ${ACCOUNT}\n    organization:\n      name: A\n      auth_domain: a.cloudflareaccess.com\n      bogus: 1\n      login_design: { font_weight: { value: 700 } }\n`);
    expect((await loadSeedFile(yamlPath)).accounts![0].organization).toMatchObject({ bogus: 1, login_design: { font_weight: { value: 700 } } });
    // An unknown key of the seed format itself is reported at the key, not at its value.
    await writeFile(yamlPath, `accounts:\n  - id: ${ACCOUNT}\n    colour: red\n`);
    await expect(loadSeedFile(yamlPath)).rejects.toThrow(`${yamlPath}:3:5: accounts[0].colour: is not a known key`);

    await writeFile(yamlPath, `accounts: [\n`);
    await expect(loadSeedFile(yamlPath)).rejects.toThrow(new RegExp(`^${yamlPath}:\\d+:\\d+: `));

    const jsonPath = join(dir, 'seed.json');
    await writeFile(jsonPath, JSON.stringify(testSeed()));
    const seed = await loadSeedFile(jsonPath);
    expect(seed.accounts![0].organization).toMatchObject({ name: 'Widget Corps', created_at: expect.any(String) });
    await expect(loadSeedFile(join(dir, 'missing.yaml'))).rejects.toThrow(/cannot read seed file .*missing\.yaml: ENOENT/);
  });

  it('checks references, duplicates, scopes and rules', () => {
    const account = { id: 'a1', service_tokens: [{ id: 't1', client_id: 'c1', name: 'n' }] };
    expect(() => parseSeed({ accounts: [{ ...account, doh: { service_token_id: 'c1' } }] })).toThrow('accounts[0].doh.service_token_id: "c1" is not the id');
    expect(() => parseSeed({ accounts: [account, account] })).toThrow('accounts[1].id: duplicate account id "a1"');
    expect(() => parseSeed({ zones: [{ id: 'z', organization: { name: 'z', auth_domain: 'z.com', session_duration: '1h' } }] })).toThrow('zones[0].organization.session_duration: is not accepted for a zone');
    expect(() => parseSeed({ accounts: [{ id: 'a', organization: { name: 'a', auth_domain: 'a.com', allow_authenticate_via_warp: true } }] })).toThrow(
      'accounts[0].organization.allow_authenticate_via_warp: needs warp_auth_session_duration to be set first',
    );
    expect(() => parseSeed({ accounts: [{ id: 'a', color: 'red' }] })).toThrow('accounts[0].color: is not a known key');
    expect(() => parseSeed([])).toThrow('a seed must be a mapping');
  });

  it('--accounts N generates deterministic accounts, a mix with and without organization and DoH token', () => {
    const seed = generateAccounts(6);
    expect(generateAccounts(6)).toEqual(seed);
    const accounts = seed.accounts!;
    expect(accounts).toHaveLength(6);
    expect(new Set(accounts.map((a) => a.id)).size).toBe(6);
    for (const a of accounts) expect(a.id).toMatch(/^[0-9a-f]{32}$/);
    expect(accounts.filter((a) => a.organization).length).toBe(4);
    expect(accounts.filter((a) => a.doh).length).toBe(3);
    expect(accounts.some((a) => a.organization && !a.doh) && accounts.some((a) => !a.organization && a.doh)).toBe(true);
  });

  it('startEmulator({ accounts }) serves the generated accounts', async () => {
    em = await startEmulator({ port: 0, accounts: 3 });
    const [first] = em.state.toSeed().accounts;
    const reply = await call(em, 'GET', `/accounts/${first.id}/access/organizations/doh`);
    expect(reply.status).toBe(200);
    expect(reply.body.result.id).toBe(first.doh!.service_token_id);
  });
});

describe('admin endpoints', () => {
  it('GET /__emulator/state: the state in the seed format plus counters', async () => {
    em = await startTestEmulator();
    await call(em, 'GET', ORG_PATH);
    await call(em, 'PUT', ORG_PATH, { body: { name: 'W', auth_domain: 'widget.cloudflareaccess.com' } });
    const reply = await call(em, 'GET', '/__emulator/state');
    expect(reply.status).toBe(200);
    expect(reply.body.accounts[0]).toMatchObject({ id: ACCOUNT, organization: { name: 'W' } });
    expect(reply.body.zones).toHaveLength(1);
    expect(reply.body.counters).toEqual({
      requests: { 'GET /accounts/:id/access/organizations': 1, 'PUT /accounts/:id/access/organizations': 1 },
      writes: 1,
      rateLimited: 0,
      faults: 0,
      faultsByKind: {},
    });
    // Admin requests are not counted.
    expect(em.state.counters.requests).not.toHaveProperty('GET /__emulator/state');
  });

  it('POST /__emulator/reset: a new seed, counters back to zero; the state output is itself a valid seed', async () => {
    em = await startTestEmulator();
    await call(em, 'PUT', ORG_PATH, { body: { name: 'Changed', auth_domain: 'widget.cloudflareaccess.com' } });
    const saved = (await call(em, 'GET', '/__emulator/state')).body;
    const emptied = await call(em, 'POST', '/__emulator/reset', { body: { accounts: [{ id: 'abc' }] } });
    expect(emptied.status).toBe(200);
    expect(emptied.body.accounts).toEqual([{ id: 'abc' }]);
    expect(emptied.body.counters.writes).toBe(0);
    expect((await call(em, 'GET', ORG_PATH)).status).toBe(404);

    await call(em, 'POST', '/__emulator/reset', { body: saved });
    expect((await call(em, 'GET', ORG_PATH)).body.result.name).toBe('Changed');

    const bad = await call(em, 'POST', '/__emulator/reset', { body: { accounts: [{ id: 'x', organization: { name: 'n' } }] } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ success: false, result: null, errors: [{ message: 'accounts[0].organization.auth_domain: is required' }] });
    expect((await call(em, 'POST', '/__emulator/reset', { body: '{oops' })).status).toBe(400);
  });

  it('POST /__emulator/config changes latency, fault rate, rate limit and PUT semantics while running', async () => {
    em = await startTestEmulator();
    const reply = await call(em, 'POST', '/__emulator/config', { body: { latencyMs: 0, faultRate: 1, faultKinds: ['503'], rateLimit: { requests: 100, windowSeconds: 10 }, putSemantics: 'merge' } });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ latencyMs: 0, faultRate: 1, faultKinds: ['503'], rateLimit: { requests: 100, windowSeconds: 10 }, putSemantics: 'merge', answerStyle: 'sparse', newerApi: false, forbidden: [], auditCursorStyle: 'cursors', strict: false });
    expect((await call(em, 'GET', ORG_PATH)).status).toBe(503);
    await call(em, 'POST', '/__emulator/config', { body: { faultRate: 0, rateLimit: null } });
    expect((await call(em, 'GET', '/__emulator/config')).body).not.toHaveProperty('rateLimit');
    expect((await call(em, 'GET', ORG_PATH)).status).toBe(200);

    for (const body of [{ faultRate: 2 }, { faultKinds: ['teapot'] }, { rateLimit: { requests: 0, windowSeconds: 1 } }, { putSemantics: 'patch' }, { colour: 1 }]) {
      const refused = await call(em, 'POST', '/__emulator/config', { body });
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(refused.body.errors[0].message).toContain(Object.keys(body)[0]);
    }
    expect(em.config.faultRate).toBe(0);
  });

  it('unknown admin paths answer a 404 envelope; with a token, admin endpoints need it', async () => {
    em = await startTestEmulator({ token: 'admin-token' });
    expect((await call(em, 'GET', '/__emulator/nothing', { headers: { authorization: 'Bearer admin-token' } })).status).toBe(404);
    expect((await call(em, 'GET', '/__emulator/state', { anonymous: true })).status).toBe(401);
    expect((await call(em, 'GET', '/__emulator/state', { headers: { authorization: 'Bearer admin-token' } })).status).toBe(200);
  });
});
