// Issue #20: the emulator's strict mode refuses a write that carries a read-only field; seeds may hold fields outside
// the tables, which a write may then carry back.
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { ACCOUNT, DOH_PATH, ORG_PATH, TOKEN_ID, call, codes, startTestEmulator, testSeed } from '../helpers/emulator.js';

let em: RunningEmulator | undefined;
afterEach(async () => {
  await em?.close();
  em = undefined;
});

const TRUSTED = ['5a8c2b0e4f6d1a3b7c9e0f2d4b6a8c1e'];

/** The test seed, with the account's organization holding trusted_accounts and a field outside the tables. */
function realSeed() {
  const seed = testSeed();
  Object.assign(seed.accounts![0].organization!, { trusted_accounts: TRUSTED, mfa_configuration_allowed: true });
  return seed;
}

const organization = () => em!.state.toSeed().accounts.find((a) => a.id === ACCOUNT)!.organization!;

describe('strict mode', () => {
  it('refuses a PUT or POST carrying a read-only field with a 400 naming it, and changes nothing', async () => {
    em = await startTestEmulator({ seed: realSeed(), strict: true });
    const before = em.state.toSeed();
    for (const extra of [{ trusted_accounts: TRUSTED }, { created_at: '2026-01-01T00:00:00Z' }]) {
      const reply = await call(em, 'PUT', ORG_PATH, { body: { name: 'Renamed', auth_domain: 'widget.cloudflareaccess.com', ...extra } });
      const key = Object.keys(extra)[0];
      expect(reply.status).toBe(400);
      expect(codes(reply)).toEqual([12000]);
      expect(reply.body.errors[0]).toMatchObject({ message: `access.api.error.invalid_request: ${key}: is read-only: the API sets it, and a write may not carry it`, source: { pointer: `/${key}` } });
    }
    const doh = await call(em, 'PUT', DOH_PATH, { body: { service_token_id: TOKEN_ID, id: TOKEN_ID } });
    expect([doh.status, doh.body.errors[0].source.pointer]).toEqual([400, '/id']);
    expect(em.state.toSeed()).toEqual(before);
  });

  it('without strict mode, read-only fields in a write are ignored, as before', async () => {
    em = await startTestEmulator({ seed: realSeed() });
    const reply = await call(em, 'PUT', ORG_PATH, { body: { name: 'Renamed', auth_domain: 'widget.cloudflareaccess.com', trusted_accounts: ['x'], mfa_configuration_allowed: true } });
    expect(reply.status).toBe(200);
    expect(organization()).toMatchObject({ name: 'Renamed', trusted_accounts: TRUSTED });
  });

  it('can be switched on while running (POST /__emulator/config)', async () => {
    em = await startTestEmulator({ seed: realSeed() });
    expect((await call(em, 'POST', '/__emulator/config', { body: { strict: true } })).status).toBe(200);
    const reply = await call(em, 'PUT', ORG_PATH, { body: { name: 'Renamed', auth_domain: 'widget.cloudflareaccess.com', trusted_accounts: TRUSTED } });
    expect(reply.status).toBe(400);
  });
});

describe('fields outside the tables', () => {
  it('a seeded one is answered as given and taken back in a write; replace drops it when left out, merge keeps it', async () => {
    em = await startTestEmulator({ seed: realSeed(), strict: true });
    expect((await call(em, 'GET', ORG_PATH)).body.result).toMatchObject({ mfa_configuration_allowed: true, trusted_accounts: TRUSTED });
    const kept = await call(em, 'PUT', ORG_PATH, { body: { name: 'A', auth_domain: 'widget.cloudflareaccess.com', mfa_configuration_allowed: false } });
    expect(kept.status).toBe(200);
    expect(organization()).toMatchObject({ mfa_configuration_allowed: false, trusted_accounts: TRUSTED });

    em.reconfigure({ putSemantics: 'merge' });
    await call(em, 'PUT', ORG_PATH, { body: { name: 'B' } });
    expect(organization()).toMatchObject({ name: 'B', mfa_configuration_allowed: false });

    em.reconfigure({ putSemantics: 'replace' });
    await call(em, 'PUT', ORG_PATH, { body: { name: 'C', auth_domain: 'widget.cloudflareaccess.com' } });
    // A replacing PUT resets what it leaves out, except what the API sets (read-only fields).
    expect(organization()).not.toHaveProperty('mfa_configuration_allowed');
    expect(organization()).toMatchObject({ name: 'C', trusted_accounts: TRUSTED });
  });

  it('one the organization does not hold is still an unknown field in a write', async () => {
    em = await startTestEmulator({ strict: true });
    const reply = await call(em, 'PUT', ORG_PATH, { body: { name: 'A', auth_domain: 'widget.cloudflareaccess.com', mfa_configuration_allowed: true } });
    expect([reply.status, reply.body.errors[0].message]).toEqual([400, 'access.api.error.invalid_request: mfa_configuration_allowed: is not a known field']);
  });
});
