// Saved plans: plan --format json --out FILE, then apply --plan FILE — applied exactly as reviewed when the
// live state is still the recorded snapshot, refused when it moved, refused whole when the file was edited.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { checksumOf } from '../../src/plan/saved.js';
import { movedPaths } from '../../src/apply/snapshot.js';
import { EXAMPLES, PRODUCTION, SECRET_TOKEN, STAGING, demoEmulator, liveAccount, writes, ztsync } from '../helpers/reconcile.js';

let em: RunningEmulator;
afterEach(async () => {
  await em?.close();
  em = undefined as unknown as RunningEmulator;
});

async function savePlan(args: string[] = []): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ztsync-saved-'));
  const file = join(dir, 'plan.json');
  const result = await ztsync(em, ['plan', EXAMPLES, '--format', 'json', '--out', file, ...args]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return file;
}

/** A change made behind ztsync's back, through the emulator's own API. */
async function outOfBand(method: string, path: string, body: unknown): Promise<void> {
  const res = await fetch(em.url + path, { method, headers: { authorization: `Bearer ${SECRET_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.ok).toBe(true);
}

const stagingOrg = `/accounts/${STAGING}/access/organizations`;

/** A plan changed by a tool that recomputes the checksum: it passes the checksum, not the shape check. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function forge(text: string, change: (plan: any) => void): string {
  const plan = JSON.parse(text);
  change(plan);
  return JSON.stringify({ ...plan, checksum: checksumOf(plan) });
}

describe('a saved plan', () => {
  it('is self-contained: versions, api_base, created_at, checksum, desired values and the full live snapshot; no credential', async () => {
    em = await demoEmulator();
    const file = await savePlan();
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain(SECRET_TOKEN);
    const plan = JSON.parse(text);
    expect(Object.keys(plan)).toEqual(['format_version', 'ztsync_version', 'api_base', 'created_at', 'targets', 'blocked', 'allowed', 'change_budget', 'coverage', 'summary', 'checksum']);
    expect(plan).toMatchObject({ format_version: '1', ztsync_version: '0.1.0', api_base: em.url });
    expect(Date.parse(plan.created_at)).not.toBeNaN();
    expect(plan.checksum).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(checksumOf(plan)).toBe(plan.checksum);

    const production = plan.targets.find((t: { id: string }) => t.id === PRODUCTION);
    const [org, doh] = production.resources;
    // The live snapshot is the API's answer as it was, every field: read-only ones and those the config leaves alone.
    const answer = (await (await fetch(`${em.url}/accounts/${PRODUCTION}/access/organizations`, { headers: { authorization: `Bearer ${SECRET_TOKEN}` } })).json()) as { result: unknown };
    expect(org.live).toEqual(answer.result);
    expect(org.live.custom_pages).toEqual({ forbidden: '699d98642c564d2e855e9661899b7252' });
    expect(doh.live).toMatchObject({ id: expect.any(String), doh_jwt_duration: '24h' });
    expect(org.desired).toMatchObject({ name: 'Widget Corps Internal Applications', session_duration: '12h', 'login_design.footer_text': 'Widget Corps — authorised use only' });
    expect(Object.keys(org.desired).sort()).toEqual([...org.managed].sort());
    // A target whose organization does not exist yet records that as null.
    expect(plan.targets.find((t: { description: string }) => t.description === 'Research (new)').resources[0].live).toBeNull();
  });

  it('is neither shown nor saved when the API credential appears in it as text', async () => {
    em = await demoEmulator();
    const dir = await mkdtemp(join(tmpdir(), 'ztsync-leak-'));
    await writeFile(join(dir, 'a.yaml'), `accounts:\n  - account_id: ${STAGING}\n    organization: { login_design: { footer_text: "token ${SECRET_TOKEN}" } }\n`);
    const file = join(dir, 'plan.json');
    for (const format of ['json', 'text', 'markdown']) {
      const result = await ztsync(em, ['plan', dir, '--format', format, '--out', file]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`refusing to show or save the plan: the API credential appears in it as text (in account ${STAGING}`);
      expect(result.stdout + result.stderr).not.toContain(SECRET_TOKEN);
    }
    await expect(readFile(file, 'utf8')).rejects.toThrow(/ENOENT/);
  });

  it('is applied when fresh, with the config it was made from, and the result converges', async () => {
    em = await demoEmulator();
    const file = await savePlan();
    const apply = await ztsync(em, ['apply', '--plan', file, EXAMPLES, '--auto-approve']);
    expect(apply.stderr).toBe('');
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain('Apply: 3 applied, 1 unchanged, 0 failed.');
    expect(writes(em)).toBe(4);
    const again = await ztsync(em, ['plan', EXAMPLES, '--detailed-exitcode']);
    expect(again.code).toBe(0);
  });

  it('costs no extra request: the snapshot check is each write\'s fresh read', async () => {
    em = await demoEmulator();
    const file = await savePlan();
    const plan = JSON.parse(await readFile(file, 'utf8')) as { targets: { resources: { action: string }[] }[] };
    const changed = plan.targets.filter((t) => t.resources.some((r) => r.action !== 'noop'));
    // Per target with changes: one read of each resource (the snapshot, then the body), one read-back per changed resource.
    const expectedReads = changed.reduce((n, t) => n + t.resources.length + t.resources.filter((r) => r.action !== 'noop').length, 0);
    const readsSoFar = () => Object.entries(em.state.snapshot().counters.requests).reduce((n, [route, count]) => (route.startsWith('GET ') ? n + count : n), 0);
    const before = readsSoFar();
    const apply = await ztsync(em, ['apply', '--plan', file, EXAMPLES, '--auto-approve']);
    expect(apply.code).toBe(0);
    expect(readsSoFar() - before).toBe(expectedReads);
  });

  it('is refused for a target whose live state moved, naming each moved path with both values; nothing is written for it', async () => {
    em = await demoEmulator();
    const file = await savePlan(['--account', STAGING]);
    // A dashboard edit: a field the config manages and one it does not (the read-only lock) both move.
    const live = liveAccount(em, STAGING).organization!;
    await outOfBand('PUT', stagingOrg, { ...live, created_at: undefined, updated_at: undefined, login_design: { ...(live.login_design as object), header_text: 'Edited in the dashboard' }, is_ui_read_only: false });
    const writesBefore = writes(em);

    const apply = await ztsync(em, ['apply', '--plan', file, EXAMPLES, '--auto-approve']);
    expect(apply.code).toBe(1);
    expect(apply.stdout).toContain('refused: the live state moved since the plan, nothing was written');
    expect(apply.stdout).toContain('organization.login_design.header_text: "Widget Corps — staging" when planned, now "Edited in the dashboard"');
    expect(apply.stdout).toContain('organization.is_ui_read_only: true when planned, now (absent)');
    // updated_at moves on every write: the refusal names the settings that moved instead.
    expect(apply.stdout).not.toContain('updated_at');
    expect(apply.stdout).toContain('Apply: 0 applied, 0 unchanged, 1 failed.');
    expect(writes(em)).toBe(writesBefore);
    expect(liveAccount(em, STAGING).organization?.login_design).toMatchObject({ header_text: 'Edited in the dashboard', background_color: '#000000' });
  });

  it('refuses only the moved target; the others are applied', async () => {
    em = await demoEmulator();
    const file = await savePlan();
    const live = liveAccount(em, STAGING).organization!;
    await outOfBand('PUT', stagingOrg, { name: live.name, auth_domain: live.auth_domain, session_duration: '1h' });
    const apply = await ztsync(em, ['apply', '--plan', file, EXAMPLES, '--auto-approve']);
    expect(apply.code).toBe(1);
    expect(apply.stdout).toContain('Apply: 2 applied, 1 unchanged, 1 failed.');
    expect(apply.stdout).toContain(`Failed: account ${STAGING}`);
    expect(liveAccount(em, STAGING).organization?.session_duration).toBe('1h');
  });

  it("does not count a volatile field as the live state moving (the DoH token's last use), but any other field of it", async () => {
    em = await demoEmulator();
    const file = await savePlan(['--account', PRODUCTION]);
    const retouch = (change: (token: Record<string, unknown>) => void) => {
      const state = em.state.snapshot();
      const account = state.accounts!.find((a) => a.id === PRODUCTION)!;
      const token = account.service_tokens!.find((t) => t.id === account.doh!.service_token_id)!;
      change(token as unknown as Record<string, unknown>);
      em.state.reset(state);
    };
    retouch((token) => (token.last_seen_at = '2026-11-25T09:00:00Z'));
    retouch((token) => (token.name = 'Renamed in the dashboard'));
    const renamed = await ztsync(em, ['apply', '--plan', file, EXAMPLES, '--auto-approve']);
    expect(renamed.code).toBe(1);
    expect(renamed.stdout).toContain('doh.name: "DoH token 2025" when planned, now "Renamed in the dashboard"');
    expect(renamed.stdout).not.toContain('last_seen_at');
    expect(writes(em)).toBe(0);

    retouch((token) => (token.name = 'DoH token 2025'));
    retouch((token) => (token.last_seen_at = '2026-11-25T10:00:00Z'));
    const used = await ztsync(em, ['apply', '--plan', file, EXAMPLES, '--auto-approve']);
    expect(used.stdout).toContain('Apply: 1 applied, 0 unchanged, 0 failed.');
    expect(used.code).toBe(0);
  });

  it('is refused whole when edited by hand, made for another api_base, or of an unknown format_version', async () => {
    em = await demoEmulator();
    const file = await savePlan();
    const text = await readFile(file, 'utf8');
    const variants: Array<[string, string, RegExp]> = [
      ['edited', text.replace('"#1b5ec5"', '"#ff0000"'), /was changed after it was saved \(its checksum does not match its content\)/],
      ['no checksum', JSON.stringify({ ...JSON.parse(text), checksum: undefined }), /has no checksum/],
      ['future format', text.replace('"format_version": "1"', '"format_version": "2"'), /format_version "2", which this ztsync cannot read/],
      ['not JSON', '### ztsync plan\n', /is not a ztsync plan: it is not JSON/],
      ['not a plan', '{"hello": 1}', /is not a ztsync plan/],
      ['forged', forge(text, (p) => (p.targets[0].resources[0].action = 'destroy')), /is not a plan this ztsync wrote: targets\[0\]\.resources\[0\] has no known type and action/],
      ['forged field', forge(text, (p) => (p.targets[0].resources[0].changes[0].path = 'no_such_field')), /targets\[0\]\.resources\[0\]\.changes is not a list of changes of known fields/],
    ];
    for (const [name, content, message] of variants) {
      const edited = join(tmpdir(), `ztsync-edited-${process.pid}-${name.replace(/ /g, '-')}.json`);
      await writeFile(edited, content);
      const apply = await ztsync(em, ['apply', '--plan', edited, '--auto-approve']);
      expect(apply.code, name).toBe(1);
      expect(apply.stderr, name).toMatch(message);
      expect(apply.stderr, name).toContain('nothing was changed');
    }
    const elsewhere = await ztsync(em, ['apply', '--plan', file, '--auto-approve', '--api-base', em.url.replace('127.0.0.1', 'localhost')]);
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toContain(`was made against ${em.url}, not ${em.url.replace('127.0.0.1', 'localhost')}`);
    expect(em.state.snapshot().counters.requests).toEqual(expect.not.objectContaining({ 'PUT /accounts/:id/access/organizations': expect.anything() }));
    expect(writes(em)).toBe(0);
  });

  it('a blocked saved plan is refused with exit 3 and nothing written; allowances are those given now', async () => {
    em = await demoEmulator();
    const dir = await mkdtemp(join(tmpdir(), 'ztsync-blocked-'));
    // The read-only lock is on in Staging: turning it off is blocked by ui-read-only-off.
    await writeFile(join(dir, 'a.yaml'), `accounts:\n  - account_id: ${STAGING}\n    organization: { is_ui_read_only: false }\n`);
    const file = join(dir, 'plan.json');
    const plan = await ztsync(em, ['plan', dir, '--format', 'json', '--out', file]);
    expect(plan.code).toBe(3);
    expect(plan.stdout).toContain('Blocked by ui-read-only-off.');
    const apply = await ztsync(em, ['apply', '--plan', file, '--auto-approve']);
    expect(apply.code).toBe(3);
    expect(apply.stdout).toContain(`✗ ui-read-only-off: account ${STAGING} (Widget Corps Staging) organization.is_ui_read_only: the read-only dashboard lock is turned off (true → false)`);
    expect(writes(em)).toBe(0);
    // The rules are judged again at apply time, with the allowances given then.
    const late = await ztsync(em, ['apply', '--plan', file, '--auto-approve', '--allow', 'ui-read-only-off']);
    expect(late.stderr).toBe('');
    expect(late.code).toBe(0);
    expect(liveAccount(em, STAGING).organization?.is_ui_read_only).toBe(false);
  });

  it('apply --plan takes no target filters; apply needs config paths or a plan', async () => {
    em = await demoEmulator();
    const file = await savePlan();
    const filtered = await ztsync(em, ['apply', '--plan', file, '--account', STAGING]);
    expect(filtered.code).toBe(1);
    expect(filtered.stderr).toContain('a saved plan is applied whole');
    const neither = await ztsync(em, ['apply']);
    expect(neither.code).toBe(1);
    expect(neither.stderr).toContain('apply needs config paths, or --plan FILE');
    expect(writes(em)).toBe(0);
  });
});

describe('snapshot comparison', () => {
  it('names added, removed, changed and retyped paths, nested too', () => {
    const moved = movedPaths(
      { organization: { name: 'A', login_design: { header_text: 'x' }, gone: true, mixed: 'a' }, doh: null },
      { organization: { name: 'B', login_design: { header_text: 'x', footer_text: 'new' }, mixed: ['a'] }, doh: { id: 't' } },
    );
    const byPath = Object.fromEntries(moved.map((m) => [m.path, [m.recorded, m.current]]));
    expect(byPath).toEqual({
      'organization.name': ['A', 'B'],
      'organization.login_design.footer_text': [undefined, 'new'],
      'organization.gone': [true, undefined],
      'organization.mixed': ['a', ['a']],
      doh: [null, { id: 't' }],
    });
    expect(movedPaths({ organization: { a: [1, 2] } }, { organization: { a: [1, 2] } })).toEqual([]);
    // Declared volatile in the resource table: when the DoH token was last used.
    expect(movedPaths({ doh: { id: 't', last_seen_at: '1' } }, { doh: { id: 't', last_seen_at: '2' } })).toEqual([]);
    expect(movedPaths({ organization: { last_seen_at: '1' } }, { organization: { last_seen_at: '2' } })).toHaveLength(1);
  });
});
