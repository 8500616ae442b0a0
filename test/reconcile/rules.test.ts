// Cross-field rules (allow_authenticate_via_warp needs a WARP session duration; mfa_required_for_all_apps needs
// authenticators and an MFA session duration) are judged on what the write would leave: the config laid over the
// live organization, at plan time. Offline validation refuses only what the config alone decides
// (test/config/validation.test.ts), so a config that relies on a live value plans and applies, and one that would
// break a rule on the live organization is a plan error, never a write the API refuses.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Organization, RunningEmulator } from '../../src/emulator/index.js';
import { accountWithOrg, writeConfig } from '../config/helpers.js';
import { PRODUCTION, e2eEmulator, liveAccount, writes, ztsync } from '../helpers/reconcile.js';

let em: RunningEmulator;
afterEach(async () => {
  await em?.close();
  em = undefined as unknown as RunningEmulator;
});

const LIVE: Organization = {
  name: 'Widget Corps',
  auth_domain: 'widgetcorps.cloudflareaccess.com',
  session_duration: '24h',
  mfa_config: { allowed_authenticators: ['totp'], session_duration: '12h' },
};

async function emulatorWith(organization: Organization | undefined) {
  em = await e2eEmulator({ seed: { accounts: [{ id: PRODUCTION, ...(organization ? { organization } : {}) }] } });
  return em;
}

/** A config directory with one account whose organization is written with these lines. */
function config(...orgLines: string[]): { dir: string; file: string } {
  const dir = writeConfig({ 'c.yaml': accountWithOrg(...orgLines) });
  return { dir, file: join(dir, 'c.yaml') };
}

/** validate, plan (JSON) and apply of one config; the plan's target error, if any. */
async function cycle(dir: string, extra: string[] = []) {
  const validate = await ztsync(em, ['validate', dir]);
  const plan = await ztsync(em, ['plan', dir, '--format', 'json', ...extra]);
  const text = await ztsync(em, ['plan', dir, ...extra]);
  const before = writes(em);
  const apply = await ztsync(em, ['apply', dir, '--auto-approve', ...extra]);
  return { validate, plan, text, error: JSON.parse(plan.stdout).targets[0].error as { message: string } | null, apply, written: writes(em) - before };
}

describe('cross-field rules on the config laid over live state', () => {
  it('allow_authenticate_via_warp: true plans and applies when the live organization already has a WARP session duration', async () => {
    await emulatorWith({ ...LIVE, warp_auth_session_duration: '2h' });
    const { dir } = config('allow_authenticate_via_warp: true');
    const run = await cycle(dir, ['--allow', 'warp-auth-on']);
    expect(run.validate.code).toBe(0);
    expect(run.error).toBeNull();
    expect(run.plan.code).toBe(0);
    expect(run.apply.code).toBe(0);
    expect(run.written).toBe(1);
    expect(liveAccount(em, PRODUCTION).organization).toMatchObject({ allow_authenticate_via_warp: true, warp_auth_session_duration: '2h' });
    expect(JSON.parse((await ztsync(em, ['plan', dir, '--format', 'json'])).stdout).summary).toMatchObject({ update: 0, create: 0, error: 0 });
  });

  it('allow_authenticate_via_warp: true without a WARP session duration anywhere is a plan error naming the rule; apply writes nothing', async () => {
    await emulatorWith(LIVE);
    const { dir, file } = config('allow_authenticate_via_warp: true');
    const before = liveAccount(em, PRODUCTION).organization;
    const run = await cycle(dir, ['--allow', 'warp-auth-on']);
    expect(run.validate.code).toBe(0);
    expect(run.plan.code).toBe(1);
    expect(run.error?.message).toBe(
      `organization: allow_authenticate_via_warp: true needs warp_auth_session_duration: allow_authenticate_via_warp: true at ${file}:4:36; warp_auth_session_duration is not in the config and not set in the live organization; the API would refuse this write (error 12130)`,
    );
    expect(run.text.code).toBe(1);
    expect(run.text.stdout).toContain(`! error: ${run.error!.message}`);
    expect(run.apply.code).toBe(1);
    expect(run.apply.stdout + run.apply.stderr).toContain('allow_authenticate_via_warp: true needs warp_auth_session_duration');
    expect(run.written).toBe(0);
    expect(liveAccount(em, PRODUCTION).organization).toEqual(before);
  });

  it('allowed_authenticators: [] while live mfa_required_for_all_apps is true is a plan error, not a write the API refuses (12131)', async () => {
    await emulatorWith({ ...LIVE, mfa_required_for_all_apps: true });
    const { dir, file } = config('mfa_config: { allowed_authenticators: [] }');
    const before = liveAccount(em, PRODUCTION).organization;
    // With the mfa-weakened safety rail lifted, so that the rule alone is what stops the write.
    const run = await cycle(dir, ['--allow', 'mfa-weakened']);
    expect(run.validate.code).toBe(0);
    expect(run.plan.code).toBe(1);
    expect(run.error?.message).toBe(
      `organization: mfa_required_for_all_apps: true needs at least one mfa_config.allowed_authenticators: mfa_required_for_all_apps is true in the live organization; mfa_config.allowed_authenticators: [] at ${file}:4:45; the API would refuse this write`,
    );
    expect(run.apply.code).toBe(1);
    expect(run.apply.stdout + run.apply.stderr).not.toContain('12131');
    expect(run.written).toBe(0);
    expect(liveAccount(em, PRODUCTION).organization).toEqual(before);
  });

  it('the same change together with mfa_required_for_all_apps: false plans, applies and converges', async () => {
    await emulatorWith({ ...LIVE, mfa_required_for_all_apps: true });
    const { dir } = config('mfa_required_for_all_apps: false', 'mfa_config: { allowed_authenticators: [] }');
    // Turning MFA off for all apps is a safety rail (mfa-weakened): lifted for this test.
    const run = await cycle(dir, ['--allow', 'mfa-weakened']);
    expect(run.error).toBeNull();
    expect([run.validate.code, run.plan.code, run.apply.code]).toEqual([0, 0, 0]);
    expect(run.written).toBe(1);
    const after = liveAccount(em, PRODUCTION).organization!;
    expect(after.mfa_required_for_all_apps ?? false).toBe(false);
    expect((after.mfa_config as { allowed_authenticators?: string[] }).allowed_authenticators ?? []).toEqual([]);
    expect(JSON.parse((await ztsync(em, ['plan', dir, '--format', 'json'])).stdout).summary).toMatchObject({ update: 0, create: 0, error: 0 });
  });

  it('an organization to create is judged on the config alone, saying it does not exist yet', async () => {
    await emulatorWith(undefined);
    const { dir, file } = config('name: New', 'auth_domain: new.cloudflareaccess.com', 'mfa_required_for_all_apps: true', 'mfa_config: { allowed_authenticators: [totp] }');
    const run = await cycle(dir);
    expect(run.validate.code).toBe(0);
    expect(run.error?.message).toBe(
      `organization: mfa_required_for_all_apps: true needs mfa_config.session_duration: mfa_required_for_all_apps: true at ${file}:6:34; mfa_config.session_duration is not in the config (the organization does not exist yet); the API would refuse this write`,
    );
    expect(run.written).toBe(0);
    expect(liveAccount(em, PRODUCTION).organization).toBeUndefined();
  });

  it('a rule the live organization already satisfies on its own says nothing for a noop', async () => {
    await emulatorWith({ ...LIVE, allow_authenticate_via_warp: true, warp_auth_session_duration: '1h' });
    const { dir } = config('allow_authenticate_via_warp: true', 'warp_auth_session_duration: 60m');
    const run = await cycle(dir);
    expect(run.error).toBeNull();
    expect(JSON.parse(run.plan.stdout).summary).toMatchObject({ noop: 1, update: 0, error: 0 });
    expect(run.written).toBe(0);
  });
});
