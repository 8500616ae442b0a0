// apply --skip-blocked: one blocked target does not freeze the correction of the others. The targets no safety rule
// blocks are applied, the blocked ones end `blocked` (printed, in --results and in the step summary) and apply
// exits 3; the change budget, which is about the whole plan, still stops everything.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { RESEARCH, STAGING, demoEmulator, envFor, liveAccount, writes, ztsync } from '../helpers/reconcile.js';

let em: RunningEmulator;
afterEach(async () => {
  await em?.close();
  em = undefined as unknown as RunningEmulator;
});

/** Staging's change is blocked (its read-only lock turned off); Research's organization is created. */
async function mixedConfig(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ztsync-skip-'));
  await writeFile(
    join(dir, 'a.yaml'),
    `accounts:\n  - account_id: ${STAGING}\n    organization: { is_ui_read_only: false }\n  - account_id: ${RESEARCH}\n    organization: { name: Research, auth_domain: research.cloudflareaccess.com }\n`,
  );
  return dir;
}

describe('apply --skip-blocked', () => {
  it('without it, one blocked target stops every write (exit 3)', async () => {
    em = await demoEmulator();
    const apply = await ztsync(em, ['apply', await mixedConfig(), '--auto-approve']);
    expect(apply.code).toBe(3);
    expect(apply.stderr).toContain('Nothing was applied: the plan is blocked');
    expect(writes(em)).toBe(0);
  });

  it('applies every target no rule blocks, reports the blocked one, and exits 3', async () => {
    em = await demoEmulator();
    const dir = await mixedConfig();
    const results = join(dir, 'results.json');
    const summaryFile = join(dir, 'summary.md');
    const apply = await ztsync(em, ['apply', dir, '--auto-approve', '--skip-blocked', '--results', results], {
      env: envFor(em, { GITHUB_ACTIONS: 'true', GITHUB_WORKSPACE: dir, GITHUB_STEP_SUMMARY: summaryFile }),
    });
    expect(apply.code).toBe(3);
    expect(apply.stderr).toContain(`--skip-blocked: not applying 1 blocked target (account ${STAGING} (Widget Corps Staging)); applying the others.`);
    expect(apply.stdout).toContain(`⛔ account ${STAGING} (Widget Corps Staging): not applied: blocked by ui-read-only-off (organization.is_ui_read_only)`);
    expect(apply.stdout).toContain(`✓ account ${RESEARCH}: organization created`);
    expect(apply.stdout).toContain('Apply: 1 applied, 0 unchanged, 0 failed, 1 blocked.');
    expect(liveAccount(em, RESEARCH).organization?.name).toBe('Research');
    expect(liveAccount(em, STAGING).organization?.is_ui_read_only).toBe(true);

    const file = JSON.parse(await readFile(results, 'utf8'));
    expect(file.complete).toBe(true);
    expect(file.summary).toEqual({ blocked: 1, applied: 1 });
    expect(file.targets).toContainEqual({ scope: 'account', id: STAGING, outcome: 'blocked', error: 'not applied: blocked by ui-read-only-off (organization.is_ui_read_only)' });

    const summary = await readFile(summaryFile, 'utf8');
    expect(summary).toContain(`| account ${STAGING} \\(Widget Corps Staging\\) | ⛔ blocked | \`not applied: blocked by ui-read-only-off (organization.is_ui_read_only)\` |`);
    expect(summary).toContain(`| account ${RESEARCH} | ✓ applied |  |`);
    // Blocked before applied: what needs a person comes first.
    expect(summary.indexOf(STAGING)).toBeLessThan(summary.indexOf(RESEARCH));

    // --only-failed does not pick a blocked target up again: retrying cannot unblock it.
    const before = writes(em);
    const retry = await ztsync(em, ['apply', dir, '--auto-approve', '--only-failed', results]);
    expect(retry.code).toBe(1);
    expect(retry.stderr).toMatch(/--only-failed.*nothing/);
    expect(writes(em)).toBe(before);
  });

  it('exits 3 with nothing written when every change is in a blocked target (no prompt needed)', async () => {
    em = await demoEmulator();
    const dir = await mkdtemp(join(tmpdir(), 'ztsync-skip-'));
    await writeFile(join(dir, 'a.yaml'), `accounts:\n  - account_id: ${STAGING}\n    organization: { is_ui_read_only: false }\n`);
    const apply = await ztsync(em, ['apply', dir, '--skip-blocked']);
    expect(apply.code).toBe(3);
    expect(apply.stdout).toContain('Apply: 0 applied, 0 unchanged, 0 failed, 1 blocked.');
    expect(writes(em)).toBe(0);
  });

  it('the change budget still stops the whole plan', async () => {
    em = await demoEmulator();
    const apply = await ztsync(em, ['apply', await mixedConfig(), '--auto-approve', '--skip-blocked', '--max-changed-targets', '0']);
    expect(apply.code).toBe(3);
    expect(apply.stderr).toContain('Nothing was applied: the plan is blocked (see above): the change budget blocks the plan as a whole (--skip-blocked skips only targets a safety rule blocks).');
    expect(writes(em)).toBe(0);
  });

  it('works on a saved plan too, judged with the allowances given now', async () => {
    em = await demoEmulator();
    const dir = await mixedConfig();
    const file = join(dir, 'plan.json');
    expect((await ztsync(em, ['plan', dir, '--format', 'json', '--out', file])).code).toBe(3);
    const apply = await ztsync(em, ['apply', '--plan', file, dir, '--auto-approve', '--skip-blocked']);
    expect(apply.code).toBe(3);
    expect(apply.stdout).toContain('Apply: 1 applied, 0 unchanged, 0 failed, 1 blocked.');
    expect(liveAccount(em, STAGING).organization?.is_ui_read_only).toBe(true);
  });
});
