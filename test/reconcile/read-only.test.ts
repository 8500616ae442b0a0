// Issue #20: read-only fields are never written, and a real organization (with fields outside ztsync's tables) can be
// seeded and survives an apply. The emulator runs in strict mode here, as in every e2e test: a write carrying a
// read-only field would be refused with a 400.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { writeConfig } from '../config/helpers.js';
import { startProxy, type TestServer } from '../helpers/http.js';
import { run } from '../helpers/io.js';
import { E2E_MODE, PRODUCTION, SECRET_TOKEN, e2eEmulator, liveAccount } from '../helpers/reconcile.js';

/**
 * A GET answer shaped like a real organization's (the official SDK 7.3.0's OrganizationListResponse, filled in):
 * trusted_accounts and the timestamps are read-only; mfa_configuration_allowed is outside ztsync's tables (it was in
 * the spec from 2026-02-20 and left the SDK on 2026-03-05, and real answers may still carry it).
 */
const REAL_ORGANIZATION = JSON.parse(readFileSync(new URL('../fixtures/real-organization.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const ORG = `/accounts/${PRODUCTION}/access/organizations`;

let em: RunningEmulator | undefined;
let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  await em?.close();
  em = server = undefined;
});

async function realEmulator() {
  em = await e2eEmulator({ seed: { accounts: [{ id: PRODUCTION, organization: structuredClone(REAL_ORGANIZATION) }] } });
  server = await startProxy(em.url);
  return { em, server };
}

/** An object without its false booleans and empty strings, at any depth: what the API means by "not set". */
function meaning(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (v === false || v === '') continue;
    out[key] = v !== null && typeof v === 'object' && !Array.isArray(v) ? meaning(v as Record<string, unknown>) : v;
  }
  return out;
}

const env = (base: string) => ({ CLOUDFLARE_API_TOKEN: SECRET_TOKEN, CLOUDFLARE_BASE_URL: base });
const config = (lines: string) => writeConfig({ 'c.yaml': `accounts:\n  - account_id: ${PRODUCTION}\n    organization:\n${lines}` });

describe(`a real-shaped organization, seeded (${E2E_MODE.putSemantics} PUT, ${E2E_MODE.answerStyle} answers, strict)`, () => {
  it('is kept through an apply: fields outside the tables and read-only ones survive, and no read-only field is sent', async () => {
    const { em, server } = await realEmulator();
    const dir = config('      name: Widget Corps\n      session_duration: 12h\n');
    const result = await run(['apply', dir, '--auto-approve'], { env: env(server.url) });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const puts = server.requests.filter((r) => r.method === 'PUT' && r.url === ORG).map((r) => JSON.parse(r.body) as Record<string, unknown>);
    expect(puts).toHaveLength(1);
    for (const key of ['trusted_accounts', 'created_at', 'updated_at']) expect(puts[0]).not.toHaveProperty(key);
    // What ztsync does not manage goes back as it was: a replacing PUT would otherwise reset it.
    expect(puts[0]).toMatchObject({ mfa_configuration_allowed: true, custom_pages: REAL_ORGANIZATION.custom_pages, login_design: REAL_ORGANIZATION.login_design });

    const { updated_at: _updated, ...unchanged } = REAL_ORGANIZATION;
    const live = liveAccount(em, PRODUCTION).organization!;
    // By meaning: a false boolean or "" the sparse answer left out may come back absent under replace.
    expect(meaning(live)).toMatchObject(meaning({ ...unchanged, name: 'Widget Corps', session_duration: '12h' }));
    expect(live.trusted_accounts).toEqual(REAL_ORGANIZATION.trusted_accounts);
    expect(live.updated_at).not.toBe(REAL_ORGANIZATION.updated_at);
    expect((await run(['plan', dir, '--detailed-exitcode'], { env: env(em.url) })).code).toBe(0);
  });

  it('import of it, applied back, sends nothing read-only and changes nothing', async () => {
    const { em, server } = await realEmulator();
    const out = `${writeConfig({})}/imported.yaml`;
    expect((await run(['import', '--account', PRODUCTION, '--out', out], { env: env(em.url) })).code).toBe(0);
    const imported = readFileSync(out, 'utf8');
    expect(imported).not.toContain('trusted_accounts');
    expect(imported).not.toContain('created_at');
    const result = await run(['apply', out, '--auto-approve'], { env: env(server.url) });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(server.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });
});
