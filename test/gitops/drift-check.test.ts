// The drift check over the shards' saved plans (report --plan … --issue-out FILE), against the emulator: one fleet
// page, an issue body whose wording is decided here, and an exit code that says "no drift" only when every shard's
// plan is there and every target in it was read.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JSDOM } from 'jsdom';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { DRIFT_ISSUE_MARKER } from '../../src/plan/render-issue.js';
import { GITHUB_COMMENT_LIMIT } from '../../src/plan/render-markdown.js';
import { DEMO_SEED, EXAMPLES, PRODUCTION, RESEARCH, STAGING, ZONE, demoEmulator, ztsync } from '../helpers/reconcile.js';
import { loadSeedFile, startEmulator } from '../../src/emulator/index.js';

let em: RunningEmulator | undefined;
afterEach(async () => {
  await em?.close();
  em = undefined;
});

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'ztsync-drift-'));
}

/** Each shard's saved plan, as the drift workflow's plan jobs make them; the exit codes too. */
async function planShards(dir: string, config: string, count: number, extra: string[] = []): Promise<{ files: string[]; codes: number[] }> {
  const files: string[] = [];
  const codes: number[] = [];
  for (let k = 1; k <= count; k++) {
    const file = join(dir, `shard-${k}`, 'plan.json');
    await import('node:fs/promises').then((fs) => fs.mkdir(join(dir, `shard-${k}`), { recursive: true }));
    const run = await ztsync(em!, ['plan', config, '--shard', `${k}/${count}`, '--detailed-exitcode', '--format', 'json', '--out', file, ...extra]);
    files.push(file);
    codes.push(run.code);
  }
  return { files, codes };
}

const planArgs = (files: string[]) => files.flatMap((f) => ['--plan', f]);

describe('report --plan … --issue-out (the drift check)', () => {
  it('drift in any shard: one fleet page of every target, the issue says drift found, security drift first; exit 2', async () => {
    em = await demoEmulator();
    const dir = await tempDir();
    const { files } = await planShards(dir, EXAMPLES, 2);
    const issue = join(dir, 'issue.md');
    const out = join(dir, 'report.html');
    const run = await ztsync(em, ['report', ...planArgs(files), '--out', out, '--issue-out', issue]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(2);
    expect(run.stdout.split('\n')[0]).toBe('Drift check: drift found — 2 targets drifted, 8 changes weaken security, 1 target with a setting to create, among 4 targets in 2 plans.');
    const body = await readFile(issue, 'utf8');
    expect(body.split('\n').slice(0, 3)).toEqual([DRIFT_ISSUE_MARKER, '<!-- ztsync-drift-verdict: drift -->', '### ztsync drift check: drift found']);
    expect(body).toContain('**Drift found**: 2 targets drifted, **8 changes weaken security**, 1 target with a setting to create, among 4 targets in 2 plans (shards 1/2, 2/2).');
    expect(body).not.toMatch(/no drift/i);
    expect(body.indexOf('Security drift')).toBeLessThan(body.indexOf('<details>'));
    expect(body).toContain('(Production)');
    const doc = new JSDOM(await readFile(out, 'utf8')).window.document;
    expect([...doc.querySelectorAll('#matrix tbody tr')].map((tr) => tr.querySelector('code')!.textContent).sort()).toEqual([PRODUCTION, RESEARCH, STAGING, ZONE].sort());
    expect(doc.getElementById('check-title')!.textContent).toContain('drift found');
  });

  it('no drift only when every shard is there and clean: exit 0', async () => {
    em = await demoEmulator();
    expect((await ztsync(em, ['apply', EXAMPLES, '--auto-approve'])).code).toBe(0);
    const dir = await tempDir();
    const { files, codes } = await planShards(dir, EXAMPLES, 2);
    expect(codes).toEqual([0, 0]);
    const issue = join(dir, 'issue.md');
    const run = await ztsync(em, ['report', ...planArgs(files), '--issue-out', issue]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`Drift check: no drift — all 4 targets in 2 plans match the config.\nWrote the drift issue to ${issue}\n`);
    expect(await readFile(issue, 'utf8')).toContain('**No drift**: all 4 targets in 2 plans (shards 1/2, 2/2) match the config.');
  });

  it('a shard whose plan file is missing (it failed, e.g. an expired token) makes the check FAIL, never "no drift": exit 1', async () => {
    em = await demoEmulator();
    expect((await ztsync(em, ['apply', EXAMPLES, '--auto-approve'])).code).toBe(0);
    const dir = await tempDir();
    const { files } = await planShards(dir, EXAMPLES, 3);
    // Shard 2 failed before it saved anything: as with a token refused, the plan step wrote no plan.
    await import('node:fs/promises').then((fs) => fs.rm(files[1]!));
    const issue = join(dir, 'issue.md');
    const out = join(dir, 'report.html');
    const run = await ztsync(em, ['report', ...planArgs(files), '--out', out, '--issue-out', issue]);
    expect(run.code).toBe(1);
    expect(run.stdout.split('\n')[0]).toBe('Drift check FAILED: 1 part of the fleet could not be checked; this is not a "no drift".');
    expect(run.stderr).toContain(`ztsync report: ${files[1]}: cannot read the plan ${files[1]}: no such file`);
    const body = await readFile(issue, 'utf8');
    expect(body.split('\n').slice(0, 3)).toEqual([DRIFT_ISSUE_MARKER, '<!-- ztsync-drift-verdict: failed -->', '### ztsync drift check: FAILED']);
    expect(body).toContain('> **The drift check FAILED**: 1 part of the fleet could not be checked');
    expect(body).not.toMatch(/no drift/i);
    const doc = new JSDOM(await readFile(out, 'utf8')).window.document;
    expect(doc.querySelector('section[data-verdict]')!.getAttribute('data-verdict')).toBe('failed');
  });

  it('every shard failing (no plan at all) FAILS too', async () => {
    const dir = await tempDir();
    const issue = join(dir, 'issue.md');
    const run = await ztsync((em = await demoEmulator()), ['report', '--plan', join(dir, 'a.json'), '--plan', join(dir, 'b.json'), '--issue-out', issue]);
    expect(run.code).toBe(1);
    expect(await readFile(issue, 'utf8')).toContain('The drift check FAILED**: 2 parts of the fleet could not be checked');
  });

  it('a shard left out of the set (plans of 1/3 and 3/3 only) FAILS, naming it', async () => {
    em = await demoEmulator();
    expect((await ztsync(em, ['apply', EXAMPLES, '--auto-approve'])).code).toBe(0);
    const dir = await tempDir();
    const { files } = await planShards(dir, EXAMPLES, 3);
    const issue = join(dir, 'issue.md');
    const run = await ztsync(em, ['report', '--plan', files[0]!, '--plan', files[2]!, '--issue-out', issue]);
    expect(run.code).toBe(1);
    expect(await readFile(issue, 'utf8')).toContain('- shard 2/3 has no plan\\: the shard did not finish planning \\(see its job log\\)');
  });

  it('a target that could not be read FAILS the check, even when every other target is clean', async () => {
    em = await startEmulator({ port: 0, token: 'ztsync-test-SECRET-7f3a9c1e5b2d4f6a8c0e', seed: await loadSeedFile(DEMO_SEED) });
    const dir = await tempDir();
    const missing = 'ffffffffffffffffffffffffffffffff';
    const config = join(dir, 'c.yaml');
    await writeFile(config, `accounts:\n  - account_id: ${STAGING}\n    organization: { login_design: { background_color: "#000000" } }\n  - account_id: ${missing}\n    description: Gone\n    organization: { session_duration: 12h }\n`);
    const plan = join(dir, 'plan.json');
    expect((await ztsync(em, ['plan', config, '--format', 'json', '--out', plan])).code).toBe(1);
    const issue = join(dir, 'issue.md');
    const run = await ztsync(em, ['report', '--plan', plan, '--issue-out', issue]);
    expect(run.code).toBe(1);
    const body = await readFile(issue, 'utf8');
    expect(body).toContain(`- account \`${missing}\` (Gone) could not be read\\:`);
    expect(body).not.toMatch(/no drift/i);
  });

  it('drift that a safety rule blocks is drift: counted, never "no drift"', async () => {
    em = await demoEmulator();
    const dir = await tempDir();
    const config = join(dir, 'c.yaml');
    // Live deny_unmatched_requests is on for staging; a config that says off is blocked by deny-unmatched-requests-off.
    await writeFile(config, `accounts:\n  - account_id: ${STAGING}\n    organization: { is_ui_read_only: false }\n`);
    const seeded = JSON.parse((await ztsync(em, ['plan', config, '--format', 'json'])).stdout);
    expect(seeded.blocked).toHaveLength(1);
    const { files, codes } = await planShards(dir, config, 1);
    expect(codes).toEqual([3]);
    const issue = join(dir, 'issue.md');
    const run = await ztsync(em, ['report', ...planArgs(files), '--issue-out', issue]);
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('Drift check: drift found — 1 target drifted, 1 target with drift a safety rule blocks');
    const body = await readFile(issue, 'utf8');
    expect(body).toContain('**Drift found**: 1 target drifted, 1 target with drift a safety rule blocks');
  });

  it('a plan edited after it was saved is a failed part, not a plan', async () => {
    em = await demoEmulator();
    const dir = await tempDir();
    const { files } = await planShards(dir, EXAMPLES, 1);
    const text = await readFile(files[0]!, 'utf8');
    await writeFile(files[0]!, text.replace('"update"', '"noop"'));
    const issue = join(dir, 'issue.md');
    const run = await ztsync(em, ['report', ...planArgs(files), '--issue-out', issue]);
    expect(run.code).toBe(1);
    expect(await readFile(issue, 'utf8')).toContain('was changed after it was saved');
  });

  it('fits the issue limit, and refuses stdout and filters', async () => {
    em = await demoEmulator();
    const dir = await tempDir();
    const { files } = await planShards(dir, EXAMPLES, 2);
    const issue = join(dir, 'issue.md');
    await ztsync(em, ['report', ...planArgs(files), '--issue-out', issue]);
    expect((await readFile(issue, 'utf8')).length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    const dash = await ztsync(em, ['report', ...planArgs(files), '--issue-out', '-']);
    expect(dash.code).toBe(1);
    expect(dash.stderr).toContain('give --out FILE and --issue-out FILE');
    const filtered = await ztsync(em, ['report', ...planArgs(files), '--issue-out', join(dir, 'x.md'), '--account', STAGING]);
    expect(filtered.code).toBe(1);
    expect(existsSync(join(dir, 'x.md'))).toBe(false);
  });
});
