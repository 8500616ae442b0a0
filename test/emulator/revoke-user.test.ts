// revoke_user: true for a seeded user (or anyone, when none are seeded), false otherwise; every answered call kept in
// the state; what the official SDK sends accepted; a missing or malformed email refused like any field error.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Cloudflare from 'cloudflare';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSeedFile, startEmulator, type RunningEmulator, type Seed } from '../../src/emulator/index.js';
import { ACCOUNT, call, codes, EMPTY_ORG_PATH, ORG_PATH, startTestEmulator, testSeed, ZONE, ZONE_ORG_PATH } from '../helpers/emulator.js';

const REVOKE = `${ORG_PATH}/revoke_user`;
const ZONE_REVOKE = `${ZONE_ORG_PATH}/revoke_user`;
const ALICE = { email: 'alice@example.com', uid: '699d98642c564d2e855e9661899b7252' };
const BOB = { email: 'bob@example.com', uid: '7a1c0f3e2b9d4c8e8f1a2b3c4d5e6f70' };

function seedWithUsers(): Seed {
  const seed = testSeed();
  seed.accounts![0].users = [ALICE, BOB];
  seed.zones![0].users = [BOB];
  return seed;
}

let em: RunningEmulator | undefined;
afterEach(async () => {
  await em?.close();
  em = undefined;
});

async function revoke(path: string, body: unknown): Promise<{ status: number; result: unknown; codes: number[]; pointers: string[] }> {
  const reply = await call(em!, 'POST', path, { body });
  return { status: reply.status, result: reply.body.result, codes: codes(reply), pointers: (reply.body.errors ?? []).map((e: { source?: { pointer: string } }) => e.source?.pointer) };
}

describe('revoke_user answers from the seeded users', () => {
  it('true for a known user (email without case; user_uid must be theirs), false for anyone else, per account and zone', async () => {
    em = await startTestEmulator({ seed: seedWithUsers() });
    expect((await revoke(REVOKE, { email: ALICE.email })).result).toBe(true);
    expect((await revoke(REVOKE, { email: 'Alice@Example.COM' })).result).toBe(true);
    expect((await revoke(REVOKE, { email: ALICE.email, user_uid: ALICE.uid })).result).toBe(true);
    expect((await revoke(REVOKE, { email: ALICE.email, user_uid: BOB.uid })).result).toBe(false);
    expect((await revoke(REVOKE, { email: 'mallory@example.com' })).result).toBe(false);
    // The zone knows only Bob.
    expect((await revoke(ZONE_REVOKE, { email: BOB.email })).result).toBe(true);
    expect((await revoke(ZONE_REVOKE, { email: ALICE.email })).result).toBe(false);
  });

  it('true for anyone when the seed lists no users (the emulator cannot tell)', async () => {
    em = await startTestEmulator();
    expect(await revoke(REVOKE, { email: 'anyone@example.com' })).toMatchObject({ status: 200, result: true });
    expect(await revoke(ZONE_REVOKE, { email: 'anyone@example.com', user_uid: 'x' })).toMatchObject({ status: 200, result: true });
  });

  it('keeps every call it answered in the state, with the body, the query and the answer; refusals are not kept', async () => {
    const clock = () => new Date('2026-01-02T03:04:05.000Z');
    em = await startTestEmulator({ seed: seedWithUsers(), now: clock });
    await revoke(`${REVOKE}?devices=true`, { email: ALICE.email, user_uid: ALICE.uid, body_devices: false, warp_session_reauth: true });
    await revoke(REVOKE, { email: 'mallory@example.com', devices: true });
    await revoke(REVOKE, { email: 'not an email' });
    await revoke(ZONE_REVOKE, { email: BOB.email });
    const state = (await call(em, 'GET', '/__emulator/state')).body;
    expect(state.accounts[0].revocations).toEqual([
      { email: ALICE.email, user_uid: ALICE.uid, devices: false, query_devices: true, warp_session_reauth: true, revoked: true, at: '2026-01-02T03:04:05.000Z' },
      { email: 'mallory@example.com', devices: true, revoked: false, at: '2026-01-02T03:04:05.000Z' },
    ]);
    expect(state.zones[0].revocations).toEqual([{ email: BOB.email, revoked: true, at: '2026-01-02T03:04:05.000Z' }]);
    expect(state.accounts[1].revocations).toBeUndefined();
    expect(state.counters.writes).toBe(3);

    // The state (revocations included) is a valid seed: posting it back restores it.
    const reset = await call(em, 'POST', '/__emulator/reset', { body: state });
    expect(reset.status).toBe(200);
    expect(reset.body.accounts[0].revocations).toEqual(state.accounts[0].revocations);
  });

  it('survives a restart through the state file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ztsync-revoke-'));
    try {
      const statePath = join(dir, 'state.json');
      em = await startTestEmulator({ seed: seedWithUsers(), statePath });
      await revoke(REVOKE, { email: BOB.email });
      await em.close();
      em = await startEmulator({ port: 0, statePath });
      expect(em.state.toSeed().accounts[0]).toMatchObject({ users: [ALICE, BOB], revocations: [{ email: BOB.email, revoked: true }] });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('revoke_user checks its body and query', () => {
  it('a missing, mistyped or malformed email is a 400 pointing at /email, like other field errors', async () => {
    em = await startTestEmulator();
    for (const body of [{}, { email: '' }, { email: 42 }, { email: 'bob' }, { email: 'a@b' }, { email: 'a b@example.com' }, { email: 'two@@example.com' }, { user_uid: 'x' }]) {
      const answer = await revoke(REVOKE, body);
      expect([answer.status, answer.codes[0], answer.pointers[0]], JSON.stringify(body)).toEqual([400, 12000, '/email']);
    }
    expect(em.state.toSeed().accounts[0].revocations).toBeUndefined();
  });

  it('no body at all is a 400 (the spec requires one), as is JSON that is not an object', async () => {
    em = await startTestEmulator();
    expect((await call(em, 'POST', REVOKE, { body: '' })).status).toBe(400);
    expect(codes(await call(em, 'POST', REVOKE, { body: '[]' }))).toEqual([10001]);
  });

  it('other fields: wrong types and unknown keys are refused; body_devices may not contradict devices', async () => {
    em = await startTestEmulator();
    const wrong = await revoke(REVOKE, { email: 'a@example.com', user_uid: 1, devices: 'yes', body_devices: 'no', warp_session_reauth: null, devicez: true });
    expect(wrong.status).toBe(400);
    expect(wrong.pointers).toEqual(['/user_uid', '/devices', '/body_devices', '/warp_session_reauth', '/devicez']);
    expect((await revoke(REVOKE, { email: 'a@example.com', devices: true, body_devices: false })).pointers).toEqual(['/body_devices']);
    expect((await revoke(REVOKE, { email: 'a@example.com', devices: true, body_devices: true })).result).toBe(true);
    // Prototype keys are unknown fields like any other.
    expect((await call(em, 'POST', REVOKE, { body: '{"email":"a@example.com","__proto__":true,"constructor":true}' })).body.errors.map((e: { message: string }) => e.message)).toEqual([
      'access.api.error.invalid_request: __proto__: is not a known field',
      'access.api.error.invalid_request: constructor: is not a known field',
    ]);
  });

  it('the devices query takes only true or false', async () => {
    em = await startTestEmulator();
    for (const value of ['1', 'yes', 'TRUE', '']) {
      expect(codes(await call(em, 'POST', `${REVOKE}?devices=${value}`, { body: { email: 'a@example.com' } })), value).toEqual([10003]);
    }
    expect((await revoke(`${REVOKE}?devices=false`, { email: 'a@example.com' })).result).toBe(true);
  });

  it('answers 404 on a target without an organization', async () => {
    em = await startTestEmulator();
    expect(await revoke(`${EMPTY_ORG_PATH}/revoke_user`, { email: 'a@example.com' })).toMatchObject({ status: 404, codes: [12001] });
  });
});

describe('the official SDK', () => {
  it('revokeUsers runs with every documented parameter, and reports false for an unknown user', async () => {
    em = await startTestEmulator({ seed: seedWithUsers() });
    const client = new Cloudflare({ apiToken: 'any', baseURL: em.url, maxRetries: 0 });
    const all = { email: ALICE.email, user_uid: ALICE.uid, query_devices: true, body_devices: true, warp_session_reauth: false };
    expect(await client.zeroTrust.organizations.revokeUsers({ account_id: ACCOUNT, ...all })).toBe(true);
    expect(await client.zeroTrust.organizations.revokeUsers({ zone_id: ZONE, email: ALICE.email, body_devices: false })).toBe(false);
    expect(em.state.toSeed().accounts[0].revocations).toEqual([
      { email: ALICE.email, user_uid: ALICE.uid, devices: true, query_devices: true, warp_session_reauth: false, revoked: true, at: expect.any(String) },
    ]);
  });
});

describe('seeded users', () => {
  it('are checked: an email address and a uid each, no uid twice; errors name file:line:col', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ztsync-users-'));
    try {
      const path = join(dir, 'seed.yaml');
      await writeFile(path, `zones:\n  - id: ${ZONE}\n    users:\n      - { email: not-an-email, uid: u1 }\n`);
      await expect(loadSeedFile(path)).rejects.toThrow(`${path}:4:18: zones[0].users[0].email: must be an email address, not "not-an-email"`);
      await writeFile(path, `zones:\n  - id: ${ZONE}\n    users:\n      - { email: a@example.com }\n`);
      await expect(loadSeedFile(path)).rejects.toThrow('zones[0].users[0].uid: is required');
      await writeFile(path, `zones:\n  - id: ${ZONE}\n    users:\n      - { email: a@example.com, uid: u1 }\n      - { email: b@example.com, uid: u1 }\n`);
      await expect(loadSeedFile(path)).rejects.toThrow('zones[0].users[1].uid: duplicate user uid "u1"');
      await writeFile(path, `zones:\n  - id: ${ZONE}\n    revocations:\n      - { email: a@example.com, revoked: maybe, at: 2026-01-01T00:00:00Z }\n`);
      await expect(loadSeedFile(path)).rejects.toThrow('zones[0].revocations[0].revoked: must be a boolean, not "maybe"');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
