// #18 item 7, the smaller seams: a target failing a cross-field rule is no change (budget, --detailed-exitcode);
// update reports unchanged when it wrote nothing; sets take each item once (schema uniqueItems); zone names compare
// without regard to case; a set of files is written all or nothing. The real CLI in-process against the emulator.
// (A huge Ratelimit t=: test/cloudflare/budget-pacing.test.ts.)
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyPlan } from '../../src/apply/apply.js';
import { CloudflareClient } from '../../src/cloudflare/client.js';
import { loadDesiredState } from '../../src/config/index.js';
import type { Organization, RunningEmulator } from '../../src/emulator/index.js';
import { buildPlan } from '../../src/plan/build.js';
import { writeFilesAtomicSync } from '../../src/util/atomic-write.js';
import { accountWithOrg, writeConfig } from '../config/helpers.js';
import { PRODUCTION, SECRET_TOKEN, e2eEmulator, liveAccount, writes, ztsync } from '../helpers/reconcile.js';

let em: RunningEmulator | undefined;
afterEach(async () => {
  await em?.close();
  em = undefined;
});

const LIVE: Organization = { name: 'Widget Corps', auth_domain: 'widgetcorps.cloudflareaccess.com', session_duration: '24h' };
const start = (organization: Organization = LIVE) => e2eEmulator({ seed: { accounts: [{ id: PRODUCTION, organization }] } });

describe('a target that fails a cross-field rule is not a change', () => {
  it('counts for neither the change budget nor --detailed-exitcode: it is an error, not a blocked plan', async () => {
    em = await start();
    // allow_authenticate_via_warp needs a WARP session duration, which neither the config nor live state has.
    const dir = writeConfig({ 'c.yaml': accountWithOrg('allow_authenticate_via_warp: true') });
    const result = await ztsync(em, ['plan', dir, '--format', 'json', '--max-changed-targets', '0', '--detailed-exitcode']);
    expect(result.code).toBe(1);
    const plan = JSON.parse(result.stdout);
    expect(plan.targets[0].error.message).toContain('warp_auth_session_duration');
    expect(plan.summary).toEqual({ create: 0, update: 0, noop: 0, error: 1, weakens: 0 });
    expect(plan.change_budget).toMatchObject({ changed: 0, limit: 0 });
    expect(plan.blocked.filter((b: { rule: string }) => b.rule === 'max-changed-targets')).toEqual([]);
  });
});

describe('update reports what it did', () => {
  it('unchanged, not applied, when the fresh read already holds the change (someone made it meanwhile): nothing written', async () => {
    em = await start();
    const dir = writeConfig({ 'c.yaml': accountWithOrg('session_duration: 12h') });
    const { state } = await loadDesiredState([dir]);
    const api = new CloudflareClient({ apiBase: em.url, credentials: { kind: 'token', token: SECRET_TOKEN } });
    const plan = await buildPlan(state!, api);
    expect(plan.targets[0].resources[0].action).toBe('update');
    // The dashboard makes the same change between plan and apply.
    await api.put(`/accounts/${PRODUCTION}/access/organizations`, { ...LIVE, session_duration: '12h' });
    const before = writes(em);
    const result = await applyPlan(plan, api);
    expect(result.targets[0]).toMatchObject({ outcome: 'unchanged', resources: [{ type: 'organization', action: 'update', outcome: 'unchanged', error: null }] });
    expect(result.summary).toMatchObject({ applied: 0, unchanged: 1 });
    expect(writes(em)).toBe(before);
  });
});

describe('sets', () => {
  it('a repeated item is an error at its place, naming the item (uniqueItems), before any request', async () => {
    em = await start();
    const dir = writeConfig({ 'c.yaml': accountWithOrg('mfa_config: { allowed_authenticators: [totp, totp] }') });
    const result = await ztsync(em, ['plan', dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${join(dir, 'c.yaml')}:4:45: "allowed_authenticators" lists "totp" twice: it is a set, each item once (remove the repeat, or write the item meant)`);
    expect(em.state.snapshot().counters.requests).toEqual({});
  });

  it('zone names exempt from deny_unmatched_requests compare without regard to case (and a trailing dot)', async () => {
    em = await start({ ...LIVE, deny_unmatched_requests: true, deny_unmatched_requests_exempted_zone_names: ['Example.COM', 'intranet.example.org'] });
    const dir = writeConfig({ 'c.yaml': accountWithOrg('deny_unmatched_requests_exempted_zone_names: [intranet.example.org., example.com]') });
    const result = await ztsync(em, ['plan', dir, '--format', 'json', '--detailed-exitcode']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).summary).toMatchObject({ update: 0, noop: 1 });
    expect(liveAccount(em, PRODUCTION).organization?.deny_unmatched_requests_exempted_zone_names).toEqual(['Example.COM', 'intranet.example.org']);
  });
});

describe('writeFilesAtomicSync', () => {
  it('is all or nothing: a rename that fails puts back the files renamed before it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ztsync-atomic-'));
    writeFileSync(join(dir, 'first.yaml'), 'old\n');
    // "b" is written as a file and, for the next one, made a directory: its rename fails after first.yaml's.
    const files = [
      { path: join(dir, 'first.yaml'), text: 'new\n' },
      { path: join(dir, 'b'), text: 'b\n' },
      { path: join(dir, 'b', 'c.yaml'), text: 'c\n' },
    ];
    expect(() => writeFilesAtomicSync(files, { overwrite: true })).toThrow(`cannot write ${join(dir, 'b')}`);
    expect(readFileSync(join(dir, 'first.yaml'), 'utf8')).toBe('old\n');
    expect(existsSync(join(dir, 'b'))).toBe(false);
    // No temporary or set-aside file is left behind.
    expect(readdirSync(dir)).toEqual(['first.yaml']);
  });

  it('a new file is removed again when a later rename fails', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ztsync-atomic-'));
    mkdirSync(join(dir, 'kept'));
    const files = [
      { path: join(dir, 'new.yaml'), text: 'new\n' },
      { path: join(dir, 'b'), text: 'b\n' },
      { path: join(dir, 'b', 'c.yaml'), text: 'c\n' },
    ];
    expect(() => writeFilesAtomicSync(files, { overwrite: true })).toThrow();
    expect(readdirSync(dir)).toEqual(['kept']);
  });
});
