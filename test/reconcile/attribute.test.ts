// plan --attribute against the emulator: drift made by people in the dashboard and by scripts with named tokens is
// attributed from the account's audit log (admin actor, token label, ztsync's own token recognised), one audit query
// a drifted target at most and none for targets in sync; without the permission, on errors and past retention it
// says "attribution unavailable" and why; text, markdown, JSON and the HTML report all carry it.
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { NamedToken, RunningEmulator } from '../../src/emulator/index.js';
import { describeAttributedChange, type AttributedChange } from '../../src/plan/model.js';
import { DEMO_SEED, EXAMPLES, PRODUCTION, RESEARCH, SECRET_TOKEN, STAGING, ZONE, demoEmulator, ztsync } from '../helpers/reconcile.js';
import { loadSeedFile } from '../../src/emulator/index.js';
import { CloudflareClient } from '../../src/cloudflare/client.js';
import { attributePlan } from '../../src/plan/attribute.js';
import { makePlan, type TargetPlan } from '../../src/plan/model.js';

const AUDIT_KEY = 'GET /accounts/:id/logs/audit';
const ORG_WRITE = 'Access: Organizations, Identity Providers, and Groups Write';
const SCRIPT_TOKEN = 'cleanup-script-token-4b1d';

function tokens(ztsyncPermissions?: string[]): NamedToken[] {
  return [
    { token: SECRET_TOKEN, name: 'ztsync deploy', id: 'aaaa0000aaaa0000aaaa0000aaaa0000', ...(ztsyncPermissions ? { permissions: ztsyncPermissions } : {}) },
    { token: SCRIPT_TOKEN, name: 'cleanup script', id: 'bbbb1111bbbb1111bbbb1111bbbb1111', permissions: [ORG_WRITE] },
  ];
}

let em: RunningEmulator | undefined;
afterEach(async () => {
  await em?.close();
  em = undefined;
});

/** The demo, applied (every target in sync), with the named tokens; the audit log starts empty. */
async function inSync(ztsyncPermissions?: string[]): Promise<RunningEmulator> {
  em = await demoEmulator({ tokens: tokens(ztsyncPermissions) });
  const applied = await ztsync(em, ['apply', EXAMPLES, '--auto-approve']);
  expect(applied.code, applied.stderr).toBe(0);
  await admin('POST', '/__emulator/reset', em.state.toSeed());
  return em;
}

async function admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(em!.origin + path, { method, headers: { authorization: `Bearer ${SECRET_TOKEN}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

async function dashboard(account: string, email: string, set: Record<string, unknown>, what = 'organization'): Promise<void> {
  const edit = await admin('PATCH', `/__emulator/accounts/${account}/${what}`, { actor: { email }, set });
  expect(edit.status, JSON.stringify(edit.body)).toBe(200);
}

/** A write through the API with a token, as a script would make it. */
async function apiWrite(token: string, account: string, change: Record<string, unknown>): Promise<void> {
  const url = `${em!.url}/accounts/${account}/access/organizations`;
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  // What the API answers, less what it only reports (the e2e emulator runs strict: a write may not carry those).
  const { created_at: _created, updated_at: _updated, ...current } = (await (await fetch(url, { headers })).json()).result;
  const res = await fetch(url, { method: 'PUT', headers, body: JSON.stringify({ ...current, ...change }) });
  expect(res.status).toBe(200);
}

async function planJson(extra: string[] = []) {
  const out = await ztsync(em!, ['plan', EXAMPLES, '--attribute', '--format', 'json', ...extra]);
  expect(out.stderr).not.toContain('Error:');
  return JSON.parse(out.stdout);
}

const target = (plan: any, id: string) => plan.targets.find((t: { id: string }) => t.id === id);
const auditQueries = () => em!.state.snapshot().counters.requests[AUDIT_KEY] ?? 0;

describe('plan --attribute', () => {
  it('names the dashboard user, the token by its label, and ztsync itself; one query a drifted target, none in sync', async () => {
    await inSync();
    await dashboard(PRODUCTION, 'alice@example.com', { session_duration: '6h' });
    await dashboard(STAGING, 'bob@example.com', { login_design: { background_color: '#000000' } });
    await apiWrite(SCRIPT_TOKEN, STAGING, { session_duration: '48h' });
    await apiWrite(SECRET_TOKEN, RESEARCH, { session_duration: '1h' });
    const plan = await planJson();

    expect(target(plan, PRODUCTION).attribution).toEqual({
      status: 'found',
      since: expect.any(String),
      changes: [{ resource: 'organization', at: expect.any(String), actor_type: 'user', email: 'alice@example.com', token: null, context: 'dash', method: 'PATCH', ray_id: expect.stringMatching(/-DASH$/), by_ztsync: false }],
    });
    // Staging: two changes; the newest (the script's) is the one named.
    expect(target(plan, STAGING).attribution.changes).toEqual([
      expect.objectContaining({ actor_type: 'account', email: null, token: 'cleanup script', context: 'api_token', method: 'PUT', by_ztsync: false }),
    ]);
    expect(target(plan, RESEARCH).attribution.changes).toEqual([expect.objectContaining({ token: 'ztsync deploy', by_ztsync: true })]);
    // The zone is in sync: nothing asked, nothing said.
    expect(plan.targets.filter((t: { scope: string }) => t.scope === 'zone').map((t: { attribution?: unknown }) => t.attribution)).toEqual([undefined]);
    expect(auditQueries()).toBe(3);
  });

  it("a zone: its account (GET /zones/{id}) is asked, then that account's log; the zone's own path is matched", async () => {
    await inSync();
    await admin('PATCH', `/__emulator/zones/${ZONE}/organization`, { actor: { email: 'carol@example.com' }, set: { name: 'Renamed intranet' } });
    // A write to the account's own organization at the same time is not the zone's.
    await dashboard(PRODUCTION, 'alice@example.com', { name: 'Widget Corps Internal Applications' });
    const plan = await planJson();
    expect(target(plan, ZONE).attribution.changes).toEqual([expect.objectContaining({ email: 'carol@example.com', context: 'dash', resource: 'organization' })]);
    expect(em!.state.snapshot().counters.requests['GET /zones/:id']).toBe(1);
    // Without the account in the answer it says so.
    const state = em!.state.toSeed();
    delete state.zones[0].account_id;
    await admin('POST', '/__emulator/reset', state);
    await admin('PATCH', `/__emulator/zones/${ZONE}/organization`, { actor: { email: 'carol@example.com' }, set: { name: 'Renamed again' } });
    expect(target(await planJson(), ZONE).attribution).toEqual({ status: 'unavailable', reason: 'the API did not say which account owns this zone, whose audit log holds its changes' });
  });

  it('a saved plan with attribution is applied like any other: attribution is a note for people, never authority', async () => {
    await inSync();
    await dashboard(PRODUCTION, 'alice@example.com', { session_duration: '6h' });
    const dir = await mkdtemp(join(tmpdir(), 'ztsync-attr-'));
    const saved = join(dir, 'plan.json');
    expect((await ztsync(em!, ['plan', EXAMPLES, '--attribute', '--format', 'json', '--out', saved])).code).toBe(0);
    expect(JSON.parse(await readFile(saved, 'utf8')).targets.some((t: { attribution?: unknown }) => t.attribution)).toBe(true);
    const applied = await ztsync(em!, ['apply', '--plan', saved, EXAMPLES, '--auto-approve']);
    expect(applied.code, applied.stderr).toBe(0);
    expect((await planJson()).summary).toMatchObject({ create: 0, update: 0 });
  });

  it('a later write that left the drifted field alone does not take the blame (when the log has request bodies)', async () => {
    await inSync();
    await dashboard(STAGING, 'bob@example.com', { login_design: { background_color: '#000000' } });
    await dashboard(STAGING, 'carol@example.com', { is_ui_read_only: true });
    const plan = await planJson();
    expect(target(plan, STAGING).attribution.changes.map((c: AttributedChange) => c.email)).toEqual(['bob@example.com']);
  });

  it('says it in text, markdown and the HTML report, in words', async () => {
    await inSync();
    await dashboard(PRODUCTION, 'alice@example.com', { session_duration: '6h' });
    await apiWrite(SCRIPT_TOKEN, STAGING, { session_duration: '48h' });
    const text = (await ztsync(em!, ['plan', EXAMPLES, '--attribute'])).stdout;
    expect(text).toMatch(/↳ organization changed by alice@example\.com in the dashboard, \d{4}-\d\d-\d\d \d\d:\d\d UTC \(ray [0-9a-f]+-DASH\)/);
    expect(text).toMatch(/↳ organization changed by token "cleanup script" with an API token, \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    const markdown = (await ztsync(em!, ['plan', EXAMPLES, '--attribute', '--format', 'markdown'])).stdout;
    // No mention of anyone on GitHub: the @ is followed by a zero-width space.
    expect(markdown).toContain('changed by alice\\@&#8203;example\\.com in the dashboard\\,');
    const dir = await mkdtemp(join(tmpdir(), 'ztsync-attr-'));
    const report = await ztsync(em!, ['report', EXAMPLES, '--attribute', '--out', join(dir, 'r.html')]);
    expect(report.code, report.stderr).toBe(0);
    const html = await readFile(join(dir, 'r.html'), 'utf8');
    expect(html).toMatch(/<b>organization<\/b> changed by alice@example\.com in the dashboard, \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    // Each run asked once per drifted target.
    expect(auditQueries()).toBe(2 * 3);
  });

  it('without Account Settings Read: "attribution unavailable" and why, and the plan is made all the same', async () => {
    await inSync([ORG_WRITE]);
    await dashboard(PRODUCTION, 'alice@example.com', { session_duration: '6h' });
    const out = await ztsync(em!, ['plan', EXAMPLES, '--attribute', '--detailed-exitcode']);
    expect(out.code).toBe(2);
    expect(out.stdout).toContain('? attribution unavailable: the credential lacks the Account Settings Read permission the audit log needs (403)');
    expect(out.stdout).toContain('session_duration');
    expect(auditQueries()).toBe(1);
  });

  it('a change older than the audit log (18 months) is not looked up; nothing in the log since the window start says so', async () => {
    // Research is seeded already drifted, with an organization last changed two years ago (no query for it).
    const seed = await loadSeedFile(DEMO_SEED);
    em = await demoEmulator({ tokens: tokens() });
    await ztsync(em, ['apply', EXAMPLES, '--auto-approve']);
    const state = em.state.toSeed();
    const research = state.accounts.find((a) => a.id === RESEARCH)!;
    research.organization = { ...research.organization!, session_duration: '3h', updated_at: new Date(Date.now() - 2 * 365 * 86_400_000).toISOString() };
    const production = state.accounts.find((a) => a.id === PRODUCTION)!;
    production.organization = { ...production.organization!, session_duration: '3h' };
    await admin('POST', '/__emulator/reset', state);
    expect(seed.accounts?.length).toBeGreaterThan(0);
    const plan = await planJson();
    expect(target(plan, RESEARCH).attribution).toEqual({ status: 'unavailable', reason: "the last change is older than the audit log's 18 months of history" });
    expect(target(plan, PRODUCTION).attribution).toEqual({ status: 'unavailable', reason: expect.stringMatching(/^no change to this account's organization settings in the audit log since \d{4}-\d\d-\d\d$/) });
    expect(auditQueries()).toBe(1);
  });

  it('plan without --attribute asks nothing; an error reading the log degrades to unavailable', async () => {
    await inSync();
    await dashboard(PRODUCTION, 'alice@example.com', { session_duration: '6h' });
    const plain = await ztsync(em!, ['plan', EXAMPLES, '--format', 'json']);
    expect(JSON.parse(plain.stdout).targets.every((t: { attribution?: unknown }) => t.attribution === undefined)).toBe(true);
    expect(auditQueries()).toBe(0);
    // A drifted target whose account the API does not know: its audit query fails (404), and that is said.
    const client = new CloudflareClient({ apiBase: em!.url, credentials: { kind: 'token', token: SECRET_TOKEN }, retryBudgetMs: 0 });
    const drifted: TargetPlan = {
      scope: 'account', id: 'ffffffffffffffffffffffffffffffff', description: null, source: { file: 'x.yaml', line: 1, col: 1 }, error: null,
      resources: [{ type: 'organization', action: 'update', changes: [{ path: 'session_duration', before: '1h', after: '2h', source: null }], managed: ['session_duration'], desired: {}, live: {} }],
    };
    const attributed = await attributePlan(makePlan(em!.url, [drifted]), client, { now: new Date() });
    expect(attributed.targets[0].attribution).toEqual({ status: 'unavailable', reason: 'the audit log is not available for this account (404)' });
  });
});

describe('describeAttributedChange', () => {
  const base: AttributedChange = { resource: 'organization', at: '2026-12-01T14:03:27.000Z', actor_type: 'user', email: 'alice@example.com', token: null, context: 'dash', method: 'PATCH', ray_id: 'r', by_ztsync: false };
  it('says who, how and when', () => {
    expect(describeAttributedChange(base)).toBe('changed by alice@example.com in the dashboard, 2026-12-01 14:03 UTC');
    expect(describeAttributedChange({ ...base, actor_type: 'account', email: null, token: 'cleanup script', context: 'api_token' })).toBe('changed by token "cleanup script" with an API token, 2026-12-01 14:03 UTC');
    expect(describeAttributedChange({ ...base, actor_type: 'account', email: null, token: 'ztsync deploy', context: 'api_token', by_ztsync: true })).toBe('changed with ztsync\'s own token "ztsync deploy", 2026-12-01 14:03 UTC');
    expect(describeAttributedChange({ ...base, context: 'api_key' })).toBe('changed by alice@example.com with a Global API key, 2026-12-01 14:03 UTC');
    expect(describeAttributedChange({ ...base, actor_type: 'system', email: null, context: null })).toBe('changed by Cloudflare (system), 2026-12-01 14:03 UTC');
    // Text from the log cannot act on a terminal.
    expect(describeAttributedChange({ ...base, email: 'eve\u001b[2J@example.com' })).not.toContain('\u001b');
  });
});
