// The change budget in the config: set once, with a reason, shown in every plan format whether or not it blocks,
// and lifted by a reviewed config change; with --baseline it counts what the config under review introduces, and
// drift blocks only the run without a baseline (the drift correction).
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator, type Seed } from '../../src/emulator/index.js';
import { SECRET_TOKEN, ztsync } from '../helpers/reconcile.js';

let em: RunningEmulator;
afterEach(async () => {
  await em?.close();
});

const id = (n: number) => `c${String(n).padStart(31, '0')}`;
const COUNT = 10;

/** Ten organizations; the first `drifted` have a session the config does not want (changed in the dashboard). */
function seed(drifted: number): Seed {
  return {
    accounts: Array.from({ length: COUNT }, (_, n) => ({
      id: id(n),
      organization: { name: `Org ${n}`, auth_domain: `org${n}.cloudflareaccess.com`, session_duration: n < drifted ? '48h' : '24h' },
    })),
  };
}

/** The config: every account at 24h; `header` gives the first `header` accounts a login header (a new change). */
function accounts(header = 0): string {
  const lines = ['accounts:'];
  for (let n = 0; n < COUNT; n++) {
    lines.push(`  - account_id: "${id(n)}"`, `    organization:`, `      name: Org ${n}`, `      auth_domain: org${n}.cloudflareaccess.com`, '      session_duration: 24h');
    if (n < header) lines.push('      login_design: { header_text: Welcome }');
  }
  return `${lines.join('\n')}\n`;
}

async function configDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ztsync-budget-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

const POLICY = 'budget:\n  max_changed_targets: "40%"\n  reason: "Q3: the login header goes out in two waves"\n';

describe('the change budget', () => {
  it('by default: shown in every format though it does not block', async () => {
    em = await startEmulator({ port: 0, seed: seed(1), token: SECRET_TOKEN });
    const dir = await configDir({ 'a.yaml': accounts() });
    const text = await ztsync(em, ['plan', dir]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Change budget: 1 of 10 targets change; at most 2 may (25% of 10 targets, the default).');
    const markdown = await ztsync(em, ['plan', dir, '--format', 'markdown']);
    expect(markdown.stdout).toContain('Change budget: 1 of 10 targets change; at most 2 may (25% of 10 targets, the default).');
    const json = JSON.parse((await ztsync(em, ['plan', dir, '--format', 'json'])).stdout);
    expect(json.change_budget).toEqual({ max: '25%', limit: 2, changed: 1, targets: 10, shard: null, set_by: 'default', reason: null, source: null, counts: 'all', drift_only: null });
  });

  it('set in the config: blocks past it naming the place, the reason and how to lift it; a reviewed raise lets it through', async () => {
    em = await startEmulator({ port: 0, seed: seed(0), token: SECRET_TOKEN });
    const dir = await configDir({ 'a.yaml': accounts(5), 'policy.yaml': POLICY });
    const policy = join(dir, 'policy.yaml');
    const text = await ztsync(em, ['plan', dir]);
    expect(text.code).toBe(3);
    expect(text.stdout).toContain(`Change budget: 5 of 10 targets change; at most 4 may (40% of 10 targets, set at ${policy}:1:1: "Q3: the login header goes out in two waves").`);
    expect(text.stdout).toContain(
      `✗ max-changed-targets: the plan: 5 of 10 targets would change, more than the change budget (40% of 10 targets, so at most 4, set at ${policy}:1:1: "Q3: the login header goes out in two waves"); if that is intended, raise it in the config, where the pull request shows it to reviewers — budget: { max_changed_targets: "N%", reason: "why" } — or for one run with --max-changed-targets N or N%`,
    );
    const json = JSON.parse((await ztsync(em, ['plan', dir, '--format', 'json'])).stdout);
    expect(json.change_budget).toMatchObject({ max: '40%', limit: 4, changed: 5, set_by: 'config', reason: 'Q3: the login header goes out in two waves', source: { file: policy, line: 1, col: 1 } });
    const markdown = await ztsync(em, ['plan', dir, '--format', 'markdown']);
    expect(markdown.stdout).toContain(`Change budget: 5 of 10 targets change; at most 4 may (40% of 10 targets, set at \`${policy}:1:1\`: Q3\\: the login header goes out in two waves).`);
    expect((await ztsync(em, ['apply', dir, '--auto-approve'])).code).toBe(3);
    expect(em.state.snapshot().counters.writes).toBe(0);

    // The flag wins for one run.
    const flag = JSON.parse((await ztsync(em, ['plan', dir, '--format', 'json', '--max-changed-targets', '5'])).stdout);
    expect(flag.change_budget).toMatchObject({ max: '5', limit: 5, set_by: 'flag', reason: null, source: null });
    // The reviewed raise.
    await writeFile(policy, POLICY.replace('40%', '50%'));
    expect((await ztsync(em, ['apply', dir, '--auto-approve'])).code).toBe(0);
  });

  it('is set once: a second budget is an error naming both places', async () => {
    em = await startEmulator({ port: 0, seed: seed(0), token: SECRET_TOKEN });
    const dir = await configDir({ 'a.yaml': `${accounts()}${POLICY}`, 'policy.yaml': POLICY });
    const result = await ztsync(em, ['validate', dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${join(dir, 'policy.yaml')}:1:1: the change budget is set twice: also at ${join(dir, 'a.yaml')}:${COUNT * 5 + 2}:1; set it once for the whole config`);
    await writeFile(join(dir, 'policy.yaml'), 'budget: { max_changed_targets: 140%, reason: x }\n');
    await writeFile(join(dir, 'a.yaml'), accounts());
    const bad = await ztsync(em, ['validate', dir]);
    expect(bad.stderr).toContain('max_changed_targets takes a number of targets (12) or a percentage up to 100% ("40%"), not 140%');
  });

  it('with --baseline it counts what the config introduces: drift is reported beside it and blocks only the run without a baseline', async () => {
    // Five accounts drifted in the dashboard; the pull request adds a header to one.
    em = await startEmulator({ port: 0, seed: seed(5), token: SECRET_TOKEN });
    const base = await configDir({ 'a.yaml': accounts() });
    const pr = await configDir({ 'a.yaml': accounts(1) });
    const reviewed = await ztsync(em, ['plan', pr, '--baseline', base, '--detailed-exitcode']);
    expect(reviewed.code).toBe(2);
    expect(reviewed.stdout).toContain('Change budget: 1 of 10 targets change by what this config introduces (4 more by drift alone, not counted); at most 2 may (25% of 10 targets, the default).');
    const json = JSON.parse((await ztsync(em, ['plan', pr, '--baseline', base, '--format', 'json'])).stdout);
    expect(json.blocked).toEqual([]);
    expect(json.change_budget).toMatchObject({ changed: 1, counts: 'introduced', drift_only: 4 });
    // The drift correction (no baseline) counts every change: blocked.
    const correction = await ztsync(em, ['plan', pr, '--format', 'json']);
    expect(correction.code).toBe(3);
    expect(JSON.parse(correction.stdout).change_budget).toMatchObject({ changed: 5, counts: 'all', drift_only: null });
  });
});
