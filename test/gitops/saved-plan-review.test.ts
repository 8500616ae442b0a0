// apply --plan re-derives and re-checks a saved plan before writing anything: a plan is a record of what was
// reviewed, never a source of authority. Forged plans (their checksum recomputed, as anyone can) are refused whole
// with zero writes, counted at the emulator.
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { checksumOf } from '../../src/plan/saved.js';
import { formatAge } from '../../src/apply/review.js';
import { parseMaxPlanAge } from '../../src/commands/apply.js';
import { EXAMPLES, PRODUCTION, RESEARCH, SECRET_TOKEN, STAGING, demoEmulator, liveAccount, writes, ztsync } from '../helpers/reconcile.js';
import { run } from '../helpers/io.js';

let em: RunningEmulator;
afterEach(async () => {
  await em?.close();
  em = undefined as unknown as RunningEmulator;
});

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'ztsync-review-'));
}

async function savePlan(paths: string[] = [EXAMPLES], args: string[] = []): Promise<{ file: string; text: string }> {
  const file = join(await tempDir(), 'plan.json');
  const result = await ztsync(em, ['plan', ...paths, '--format', 'json', '--out', file, ...args]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return { file, text: await readFile(file, 'utf8') };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyPlan = any;

/** A plan changed by a tool that recomputes the checksum, as anyone can. */
async function forged(text: string, change: (plan: AnyPlan) => void): Promise<string> {
  const plan = JSON.parse(text);
  change(plan);
  const { checksum: _ignored, ...content } = plan;
  const file = join(await tempDir(), 'forged.json');
  await writeFile(file, JSON.stringify({ ...content, checksum: checksumOf(content) }, null, 2));
  return file;
}

const target = (plan: AnyPlan, id: string) => plan.targets.find((t: { id: string }) => t.id === id);

async function expectRefusedWhole(file: string, reason: RegExp | string, paths: string[] = [EXAMPLES], extra: string[] = []): Promise<string> {
  const before = writes(em);
  const apply = await ztsync(em, ['apply', '--plan', file, ...paths, '--auto-approve', ...extra]);
  expect(apply.code).toBe(1);
  expect(apply.stderr).toContain('refusing the saved plan');
  if (typeof reason === 'string') expect(apply.stderr).toContain(reason);
  else expect(apply.stderr).toMatch(reason);
  expect(apply.stderr).toContain('nothing was changed');
  // One readable message: no literal \n, no stack, no credential.
  expect(apply.stderr).not.toContain('\\n');
  expect(apply.stderr.trim().split('\n')).toHaveLength(1);
  expect(apply.stdout + apply.stderr).not.toContain(SECRET_TOKEN);
  expect(writes(em)).toBe(before);
  return apply.stderr;
}

describe('apply --plan: a forged plan is refused whole, nothing written', () => {
  it('desired values other than the changes it shows (a colour change that would write a new auth_domain)', async () => {
    em = await demoEmulator();
    const { text } = await savePlan();
    const file = await forged(text, (p) => (target(p, STAGING).resources[0].desired.auth_domain = 'attacker.cloudflareaccess.com'));
    const message = await expectRefusedWhole(file, `account ${STAGING} organization.auth_domain: it shows no change, its desired values make "widgetcorps-staging.cloudflareaccess.com" → "attacker.cloudflareaccess.com"`, []);
    expect(message).toContain('its changes are not what its desired values make against its recorded live state');
    // With the config given, the config check names it first: the plan is not what the config asks for.
    await expectRefusedWhole(file, `account ${STAGING} organization.auth_domain: the plan has "attacker.cloudflareaccess.com", the config "widgetcorps-staging.cloudflareaccess.com"`);
    expect(liveAccount(em, STAGING).organization?.auth_domain).toBe('widgetcorps-staging.cloudflareaccess.com');
  });

  it('a change shown that its desired values do not make', async () => {
    em = await demoEmulator();
    const { text } = await savePlan();
    const file = await forged(text, (p) => {
      const org = target(p, STAGING).resources[0];
      expect(org.changes[0]).toMatchObject({ path: 'login_design.background_color', before: '#000000' });
      org.changes.shift();
    });
    await expectRefusedWhole(file, new RegExp(`account ${STAGING} organization\\.login_design\\.background_color: it shows no change, its desired values make "#000000" → "#\\w+"`), []);
  });

  it('retargeted at another account: refused against the config', async () => {
    em = await demoEmulator();
    const { text } = await savePlan([EXAMPLES], ['--account', STAGING]);
    const file = await forged(text, (p) => {
      p.targets[0].id = RESEARCH;
      p.coverage.accounts = [RESEARCH];
    });
    await expectRefusedWhole(file, /it is not what the config asks for.*: account 9f8e7d6c5b4a39281706f5e4d3c2b1a0 organization\.name: the plan has "Widget Corps Staging", the config "Widget Corps Research"/);
  });

  it('safety rules skipped: blocked and allowed are judged again, never read from the file', async () => {
    em = await demoEmulator();
    const dir = await tempDir();
    // The read-only lock is on in Staging: turning it off is blocked by ui-read-only-off.
    await writeFile(join(dir, 'a.yaml'), `accounts:\n  - account_id: ${STAGING}\n    organization: { is_ui_read_only: false }\n`);
    const file = join(dir, 'plan.json');
    expect((await ztsync(em, ['plan', dir, '--format', 'json', '--out', file])).code).toBe(3);
    const skipped = await forged(await readFile(file, 'utf8'), (p) => {
      p.allowed = [{ rule: 'ui-read-only-off', scope: 'account', id: STAGING, resource: 'organization', path: 'is_ui_read_only', via: 'config', reason: 'forged', source: null }];
      p.blocked = [];
    });
    for (const paths of [[], [dir]]) {
      const apply = await ztsync(em, ['apply', '--plan', skipped, ...paths, '--auto-approve']);
      expect(apply.code).toBe(3);
      expect(apply.stdout).toContain(`✗ ui-read-only-off: account ${STAGING} (Widget Corps Staging) organization.is_ui_read_only: the read-only dashboard lock is turned off (true → false)`);
      expect(apply.stdout).not.toContain('forged');
    }
    // The change budget too: a budget the file claims is not the one judged.
    expect(writes(em)).toBe(0);
    // Allowed now, by a flag given now: applied.
    const allowed = await ztsync(em, ['apply', '--plan', skipped, '--auto-approve', '--allow', 'ui-read-only-off']);
    expect(allowed.stderr).toBe('');
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toContain('Apply: 1 applied');
  });

  it('a foreign credentials_env: never taken from the file', async () => {
    em = await demoEmulator();
    const { text } = await savePlan();
    const file = await forged(text, (p) => (target(p, STAGING).credentials_env = 'GITHUB_TOKEN'));
    const env = { GITHUB_TOKEN: 'ghs_not-a-cloudflare-token-0123456789' };
    const before = writes(em);
    const bare = await run(['apply', '--plan', file, '--auto-approve'], { env: { CLOUDFLARE_API_TOKEN: SECRET_TOKEN, CLOUDFLARE_BASE_URL: em.url, ...env } });
    expect(bare.code).toBe(1);
    expect(bare.stderr).toContain(`account ${STAGING} names credentials_env "GITHUB_TOKEN": which token writes a target is taken from the config, never from a plan file`);
    const withConfig = await run(['apply', '--plan', file, EXAMPLES, '--auto-approve'], { env: { CLOUDFLARE_API_TOKEN: SECRET_TOKEN, CLOUDFLARE_BASE_URL: em.url, ...env } });
    expect(withConfig.code).toBe(1);
    expect(withConfig.stderr).toContain(`account ${STAGING}: the plan names credentials_env "GITHUB_TOKEN", the config null`);
    expect(bare.stderr + withConfig.stderr).not.toContain(env.GITHUB_TOKEN);
    expect(writes(em)).toBe(before);
  });

  it('an unknown key: top level, target, change, or a desired key or value the tables do not take for the scope', async () => {
    em = await demoEmulator();
    const { text } = await savePlan();
    const cases: Array<[string, (p: AnyPlan) => void, string]> = [
      ['top level', (p) => (p.post_apply_hook = 'curl evil'), 'it has a field this ztsync does not know: post_apply_hook'],
      ['target', (p) => (target(p, STAGING).write_as = 'x'), 'it has a field this ztsync does not know: targets[2].write_as'],
      ['change', (p) => (target(p, STAGING).resources[0].changes[0].force = true), 'targets[2].resources[0].changes[0].force'],
      ['desired key', (p) => (target(p, STAGING).resources[0].desired.no_such_setting = true), `account ${STAGING} organization: desired no_such_setting is not a field ztsync writes for a account`],
      ['read-only key', (p) => (target(p, STAGING).resources[0].desired.created_at = 'x'), 'desired created_at is not a field ztsync writes'],
      ['desired type', (p) => (target(p, STAGING).resources[0].desired.session_duration = 12), 'desired session_duration must be a duration string'],
      ['a target twice', (p) => p.targets.push(structuredClone(target(p, STAGING))), `account ${STAGING} is there twice`],
      ['DoH on a zone', (p) => p.targets.find((t: { scope: string }) => t.scope === 'zone').resources.push({ ...target(p, STAGING).resources[1] }), 'a zone has no doh'],
    ];
    for (const [name, change, reason] of cases) {
      const file = await forged(text, change);
      const stderr = await expectRefusedWhole(file, reason, []);
      expect(stderr, name).toContain(reason);
    }
  });

  it('another ztsync version, or too old (--max-plan-age, default 7 days), or dated in the future', async () => {
    em = await demoEmulator();
    const { text } = await savePlan();
    await expectRefusedWhole(await forged(text, (p) => (p.ztsync_version = '0.0.9')), 'it was made by ztsync "0.0.9", and this is ztsync 0.1.0: a plan is applied only by the version that made it');
    const eightDays = new Date(Date.now() - 8 * 86_400_000).toISOString();
    const old = await forged(text, (p) => (p.created_at = eightDays));
    await expectRefusedWhole(old, `it was made at ${eightDays}, 8d ago, longer ago than --max-plan-age (7d); plan again`);
    await expectRefusedWhole(await savePlan().then((s) => s.file), 'longer ago than --max-plan-age (0s)', [EXAMPLES], ['--max-plan-age', '1ms']);
    await expectRefusedWhole(await forged(text, (p) => (p.created_at = '2099-01-01T00:00:00.000Z')), 'which is in the future');
    // A longer age given now lets the old one through (the live check still guards it).
    const accepted = await ztsync(em, ['apply', '--plan', old, EXAMPLES, '--auto-approve', '--max-plan-age', '9d']);
    expect(accepted.stderr).toBe('');
    expect(accepted.code).toBe(0);
  });
});

describe('apply --plan FILE <config paths>', () => {
  it('applies a plan that is exactly what the config asks for', async () => {
    em = await demoEmulator();
    const { file } = await savePlan();
    const apply = await ztsync(em, ['apply', '--plan', file, EXAMPLES, '--auto-approve']);
    expect(apply.stderr).toBe('');
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain('Apply: 3 applied, 1 unchanged, 0 failed.');
    expect((await ztsync(em, ['plan', EXAMPLES, '--detailed-exitcode'])).code).toBe(0);
  });

  it('a plan of one shard or account is checked against those targets of the config only', async () => {
    em = await demoEmulator();
    const { file } = await savePlan([EXAMPLES], ['--account', STAGING]);
    const apply = await ztsync(em, ['apply', '--plan', file, EXAMPLES, '--auto-approve']);
    expect(apply.stderr).toBe('');
    expect(apply.stdout).toContain('Apply: 1 applied, 0 unchanged, 0 failed.');
    const sharded = await savePlan([EXAMPLES], ['--shard', '1/2']);
    const shard = await ztsync(em, ['apply', '--plan', sharded.file, EXAMPLES, '--auto-approve']);
    expect(shard.stderr).toBe('');
    expect(shard.code).toBe(0);
  });

  it('refuses a plan made from another config (another commit), naming the first differences', async () => {
    em = await demoEmulator();
    const changed = await tempDir();
    await cp(EXAMPLES, changed, { recursive: true });
    const staging = join(changed, 'staging.yaml');
    await writeFile(staging, (await readFile(staging, 'utf8')).replace('description: Staging', 'description: Staging\n    credentials_env: CLOUDFLARE_API_TOKEN_STAGING'));
    await writeFile(join(changed, 'research.yaml'), '# gone\n');
    const { file } = await savePlan();
    const before = writes(em);
    const apply = await run(['apply', '--plan', file, changed, '--auto-approve'], { env: { CLOUDFLARE_API_TOKEN: SECRET_TOKEN, CLOUDFLARE_BASE_URL: em.url, CLOUDFLARE_API_TOKEN_STAGING: SECRET_TOKEN } });
    expect(apply.code).toBe(1);
    expect(apply.stderr).toContain(`account ${STAGING}: the plan names credentials_env null, the config "CLOUDFLARE_API_TOKEN_STAGING"`);
    expect(apply.stderr).toContain(`account ${RESEARCH} is in the plan, not in the config`);
    expect(apply.stderr).toContain('plan again from this config; nothing was changed');
    expect(writes(em)).toBe(before);
  });

  it('refuses a stale target in one readable line that names the moved setting, not updated_at; the others are applied', async () => {
    em = await demoEmulator();
    const { file } = await savePlan();
    const live = liveAccount(em, STAGING).organization!;
    const res = await fetch(`${em.url}/accounts/${STAGING}/access/organizations`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${SECRET_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: live.name, auth_domain: live.auth_domain, session_duration: '6h' }),
    });
    expect(res.ok).toBe(true);
    const apply = await ztsync(em, ['apply', '--plan', file, EXAMPLES, '--auto-approve']);
    expect(apply.code).toBe(1);
    const line = apply.stdout.split('\n').find((l) => l.includes(`account ${STAGING}`) && l.includes('refused'))!;
    expect(line).toMatch(/refused: the live state moved since the plan, nothing was written: organization\.session_duration: "\w+" when planned, now "6h"/);
    expect(line).toContain('plan again');
    expect(apply.stdout).not.toContain('\\n');
    expect(apply.stdout).not.toContain('updated_at');
    expect(apply.stdout).toContain('Apply: 2 applied, 1 unchanged, 1 failed.');
    expect(liveAccount(em, STAGING).organization?.session_duration).toBe('6h');
  });

  it('an invalid config given with the plan is reported as any invalid config, and nothing is read or written', async () => {
    em = await demoEmulator();
    const { file } = await savePlan();
    const dir = await tempDir();
    await writeFile(join(dir, 'a.yaml'), `accounts:\n  - account_id: ${STAGING}\n    organization: { session_duration: soon }\n`);
    const apply = await ztsync(em, ['apply', '--plan', file, dir, '--auto-approve']);
    expect(apply.code).toBe(1);
    expect(apply.stderr).toContain('a.yaml:3:');
    expect(writes(em)).toBe(0);
  });
});

describe('--max-plan-age and ages', () => {
  it('parses days and Go durations; refuses the rest', () => {
    expect(parseMaxPlanAge('7d')).toBe(7 * 86_400_000);
    expect(parseMaxPlanAge('36h')).toBe(36 * 3_600_000);
    expect(parseMaxPlanAge('1h30m')).toBe(90 * 60_000);
    for (const bad of ['', 'week', '-1d', '0s', '7 days']) expect(() => parseMaxPlanAge(bad), bad).toThrow(/--max-plan-age takes a duration such as 7d/);
    expect(formatAge(8 * 86_400_000 + 3 * 3_600_000 + 60_000)).toBe('8d 3h');
    expect(formatAge(125 * 60_000)).toBe('2h 5m');
    expect(formatAge(1)).toBe('0s');
    expect(formatAge(20_000)).toBe('20s');
  });
});
