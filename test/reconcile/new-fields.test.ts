// Issue #20: the organization fields of 2026 — strict_service_token_auth, service_token_inactivity (taken only
// whole) and trusted_accounts (read-only) — planned, applied (create and update), imported and round-tripped, under
// every emulator mode (PUT semantics × answer style, strict); the plan-time rule for strict_service_token_auth, the
// cleanup safety rule's threshold case, and a group unset with null.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningEmulator, Seed } from '../../src/emulator/index.js';
import { problems, writeConfig } from '../config/helpers.js';
import { call } from '../helpers/emulator.js';
import { startProxy, type TestServer } from '../helpers/http.js';
import { run } from '../helpers/io.js';
import { E2E_MODE, SECRET_TOKEN, e2eEmulator, liveAccount, writes } from '../helpers/reconcile.js';

const OLD = 'b0000000000000000000000000000001';
const NEW = 'b0000000000000000000000000000002';
const EMPTY = 'b0000000000000000000000000000003';
const INACTIVITY = { action: 'disable', enabled: true, inactivity_threshold_days: 90 };

/** An organization created before 2026-10-05 (it may turn strict auth off), one created after, and an account without one. */
function seed(): Seed {
  return {
    accounts: [
      { id: OLD, organization: { name: 'Old', auth_domain: 'old.cloudflareaccess.com', created_at: '2026-01-01T00:00:00.000Z' } },
      {
        id: NEW,
        organization: { name: 'New', auth_domain: 'new.cloudflareaccess.com', created_at: '2026-10-20T09:14:02.000Z', strict_service_token_auth: true, trusted_accounts: ['5a8c2b0e4f6d1a3b7c9e0f2d4b6a8c1e'] },
      },
      { id: EMPTY },
    ],
  };
}

let em: RunningEmulator | undefined;
let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  await em?.close();
  em = server = undefined;
});

async function start(initial: Seed = seed()) {
  em = await e2eEmulator({ seed: initial });
  server = await startProxy(em.url);
  return { em, server };
}

const env = (base: string) => ({ CLOUDFLARE_API_TOKEN: SECRET_TOKEN, CLOUDFLARE_BASE_URL: base });
const config = (id: string, ...lines: string[]) => writeConfig({ 'c.yaml': `accounts:\n  - account_id: "${id}"\n    organization:\n${lines.map((l) => `      ${l}\n`).join('')}` });
const bodies = (s: TestServer, method: string) => s.requests.filter((r) => r.method === method).map((r) => JSON.parse(r.body) as Record<string, unknown>);
const WHOLE = 'service_token_inactivity: { action: disable, enabled: true, inactivity_threshold_days: 90 }';

describe(`the 2026 organization fields (${E2E_MODE.putSemantics} PUT, ${E2E_MODE.answerStyle} answers, strict)`, () => {
  it('update: planned, applied with the group sent whole, converged, imported and round-tripped', async () => {
    const { em, server } = await start();
    const dir = config(OLD, 'strict_service_token_auth: true', WHOLE);
    const plan = await run(['plan', dir], { env: env(em.url) });
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('strict_service_token_auth: false → true');
    expect(plan.stdout).toContain('service_token_inactivity.inactivity_threshold_days: null → 90');
    const report = await run(['report', dir, '--out', '-'], { env: env(em.url) });
    expect(report.stdout).toContain('service_token_inactivity.inactivity_threshold_days');
    expect(report.stdout).toContain('strict_service_token_auth');

    const applied = await run(['apply', dir, '--auto-approve'], { env: env(server.url) });
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(bodies(server, 'PUT')[0]).toMatchObject({ strict_service_token_auth: true, service_token_inactivity: INACTIVITY });
    expect(liveAccount(em, OLD).organization).toMatchObject({ strict_service_token_auth: true, service_token_inactivity: INACTIVITY });
    expect((await run(['plan', dir, '--detailed-exitcode'], { env: env(em.url) })).code).toBe(0);

    // Turned off again in one field: the group still goes whole (enabled: false is sent, not left out).
    const off = config(OLD, 'service_token_inactivity: { action: disable, enabled: false, inactivity_threshold_days: 90 }');
    expect((await run(['apply', off, '--auto-approve'], { env: env(server.url) })).code).toBe(0);
    expect(bodies(server, 'PUT')[1].service_token_inactivity).toEqual({ ...INACTIVITY, enabled: false });
    expect((await run(['plan', off, '--detailed-exitcode'], { env: env(em.url) })).code).toBe(0);

    const out = `${writeConfig({})}/imported.yaml`;
    expect((await run(['import', '--account', OLD, '--out', out], { env: env(em.url) })).code).toBe(0);
    const imported = readFileSync(out, 'utf8');
    expect(imported).toMatch(/service_token_inactivity:\n\s+action: disable\n\s+enabled: false\n\s+inactivity_threshold_days: 90\n/);
    expect(imported).toContain('strict_service_token_auth: true');
    expect((await run(['plan', out, '--detailed-exitcode'], { env: env(em.url) })).code).toBe(0);
  });

  it('create: the POST carries the group whole, false boolean included, and the plan converges', async () => {
    const { em, server } = await start();
    const dir = config(EMPTY, 'name: Fresh', 'auth_domain: fresh.cloudflareaccess.com', 'strict_service_token_auth: true', 'service_token_inactivity: { action: delete, enabled: false, inactivity_threshold_days: 365 }');
    const applied = await run(['apply', dir, '--auto-approve'], { env: env(server.url) });
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(bodies(server, 'POST')[0]).toMatchObject({ service_token_inactivity: { action: 'delete', enabled: false, inactivity_threshold_days: 365 } });
    expect(liveAccount(em, EMPTY).organization).toMatchObject({ strict_service_token_auth: true, service_token_inactivity: { action: 'delete', enabled: false, inactivity_threshold_days: 365 } });
    expect((await run(['plan', dir, '--detailed-exitcode'], { env: env(em.url) })).code).toBe(0);
  });

  it('strict_service_token_auth: false on an organization created on or after 2026-10-05 is a plan error naming the rule; nothing is written', async () => {
    const { em } = await start();
    for (const dir of [config(NEW, 'strict_service_token_auth: false'), config(EMPTY, 'name: Fresh', 'auth_domain: fresh.cloudflareaccess.com', 'strict_service_token_auth: false')]) {
      // Allowed past the safety rule (true → false), the plan error remains: the API would refuse the write.
      const plan = await run(['plan', dir, '--allow', 'strict-service-token-auth-off'], { env: env(em.url) });
      expect(plan.code).toBe(1);
      expect(plan.stdout + plan.stderr).toContain('breaks the rule strict-service-token-auth-required: organizations created on or after 2026-10-05 have strict_service_token_auth on and cannot turn it off');
      expect((await run(['apply', dir, '--auto-approve', '--allow', 'strict-service-token-auth-off'], { env: env(em.url) })).code).toBe(1);
    }
    expect(writes(em)).toBe(0);
    // The emulator refuses it the same way.
    const put = await call(em, 'PUT', `/accounts/${NEW}/access/organizations`, { body: { name: 'New', auth_domain: 'new.cloudflareaccess.com', strict_service_token_auth: false }, headers: { authorization: `Bearer ${SECRET_TOKEN}` } });
    expect([put.status, put.body.errors[0].code]).toEqual([400, 12132]);
    // On an older organization it is only a safety rule's business (strict-service-token-auth-off).
    expect((await run(['plan', config(OLD, 'strict_service_token_auth: false'), '--detailed-exitcode'], { env: env(em.url) })).code).toBe(0);
  });

  it('service-token-cleanup-delete: lowering the threshold while deletion is on is blocked; raising it is not', async () => {
    const initial = seed();
    Object.assign(initial.accounts![0].organization!, { service_token_inactivity: { action: 'delete', enabled: true, inactivity_threshold_days: 90 } });
    const { em } = await start(initial);
    const lower = await run(['plan', config(OLD, 'service_token_inactivity: { action: delete, enabled: true, inactivity_threshold_days: 30 }'), '--format', 'json'], { env: env(em.url) });
    expect(lower.code).toBe(3);
    expect(JSON.parse(lower.stdout).blocked).toEqual([expect.objectContaining({ rule: 'service-token-cleanup-delete', path: 'service_token_inactivity.inactivity_threshold_days', before: 90, after: 30 })]);
    const higher = await run(['plan', config(OLD, 'service_token_inactivity: { action: delete, enabled: true, inactivity_threshold_days: 120 }'), '--format', 'json'], { env: env(em.url) });
    expect([higher.code, JSON.parse(higher.stdout).blocked]).toEqual([0, []]);
    // Turning deletion on by enabling it trips the rule once.
    const enabled = seed();
    Object.assign(enabled.accounts![0].organization!, { service_token_inactivity: { action: 'delete', enabled: false, inactivity_threshold_days: 90 } });
    em.state.reset(enabled);
    const on = await run(['plan', config(OLD, 'service_token_inactivity: { action: delete, enabled: true, inactivity_threshold_days: 90 }'), '--format', 'json'], { env: env(em.url) });
    expect(JSON.parse(on.stdout).blocked.map((b: { path: string }) => b.path)).toEqual(['service_token_inactivity.enabled']);
  });

  it('a group written as null is unset: planned as (unset) per field, sent as null, gone live', async () => {
    const initial = seed();
    Object.assign(initial.accounts![0].organization!, { service_token_inactivity: INACTIVITY, custom_pages: { forbidden: 'abc' } });
    const { em, server } = await start(initial);
    const dir = config(OLD, 'service_token_inactivity: null', 'custom_pages: null');
    const plan = await run(['plan', dir], { env: env(em.url) });
    expect(plan.stdout).toContain('- service_token_inactivity.action: "disable" → null (unset)');
    expect(plan.stdout).toContain('- custom_pages.forbidden: "abc" → null (unset)');
    expect((await run(['apply', dir, '--auto-approve'], { env: env(server.url) })).code).toBe(0);
    expect(bodies(server, 'PUT')[0]).toMatchObject({ service_token_inactivity: null, custom_pages: null });
    const live = liveAccount(em, OLD).organization!;
    expect(live).not.toHaveProperty('service_token_inactivity');
    expect(live).not.toHaveProperty('custom_pages');
    expect((await run(['plan', dir, '--detailed-exitcode'], { env: env(em.url) })).code).toBe(0);
  });
});

describe('validation of the new fields', () => {
  const org = (...lines: string[]) => ['accounts:', `  - account_id: "${OLD}"`, '    organization:', ...lines.map((l) => `      ${l}`), ''].join('\n');

  it('the group is taken only whole, the threshold is a whole number from 30 to 365, the action an enum', async () => {
    expect(await problems(org(WHOLE, 'strict_service_token_auth: true'))).toEqual([]);
    expect(await problems(org('service_token_inactivity: { enabled: true }'))).toEqual([
      `c.yaml:4:44: service_token_inactivity is taken only whole (action, enabled, inactivity_threshold_days together): add action and inactivity_threshold_days, or write service_token_inactivity: null to unset it (accounts[0].organization.service_token_inactivity)`,
    ]);
    expect(await problems(org('service_token_inactivity: { action: remove, enabled: true, inactivity_threshold_days: 10 }'))).toEqual([
      'c.yaml:4:43: "remove" is not one of: disable, delete (accounts[0].organization.service_token_inactivity.action)',
      'c.yaml:4:93: must be a whole number from 30 to 365, not 10 (accounts[0].organization.service_token_inactivity.inactivity_threshold_days)',
    ]);
    expect(await problems(org('service_token_inactivity: { action: disable, enabled: null, inactivity_threshold_days: 90 }'))).toEqual([
      'c.yaml:4:61: "enabled" cannot be unset alone (null): the API takes service_token_inactivity only whole; to unset it, remove the line and write service_token_inactivity: null (accounts[0].organization.service_token_inactivity.enabled)',
    ]);
    expect(await problems(org('trusted_accounts: [x]'))).toEqual(['c.yaml:4:7: "trusted_accounts" is read-only: the API sets it, so it cannot be configured (accounts[0].organization.trusted_accounts)']);
  });

  it('an empty group key stays an error, with its own message', async () => {
    expect(await problems(org('custom_pages:'))).toEqual([
      'c.yaml:4:7: "custom_pages" has no value: give it settings, write null to unset the whole group, or remove the key (accounts[0].organization.custom_pages)',
    ]);
  });
});
