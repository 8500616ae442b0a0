// --baseline: the base branch's config planned against the same live read (no extra API calls), each change
// marked introduced (the pull request brings it) or drift (the base config would make it too).
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { EXAMPLES, PRODUCTION, RESEARCH, STAGING, demoEmulator, ztsync } from '../helpers/reconcile.js';

let em: RunningEmulator;
afterEach(async () => {
  await em?.close();
  em = undefined as unknown as RunningEmulator;
});

/** A pull request's config: the examples with Staging's colour changed and a header added to Research. */
async function pullRequestConfig(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ztsync-pr-'));
  await cp(EXAMPLES, dir, { recursive: true });
  const staging = join(dir, 'staging.yaml');
  await writeFile(staging, (await readFile(staging, 'utf8')).replace('background_color: "#1b5ec5"', 'background_color: "#123456"'));
  const research = join(dir, 'research.yaml');
  await writeFile(research, (await readFile(research, 'utf8')).replace('      deny_unmatched_requests: true\n', '      deny_unmatched_requests: true\n      login_design: { header_text: Research }\n'));
  return dir;
}

interface Change {
  path: string;
  origin?: string;
}
const changesOf = (plan: { targets: Array<{ id: string; resources: Array<{ type: string; changes: Change[] }> }> }, id: string, type = 'organization') =>
  plan.targets.find((t) => t.id === id)!.resources.find((r) => r.type === type)!.changes;
const origins = (changes: Change[]) => Object.fromEntries(changes.map((c) => [c.path, c.origin]));

describe('plan --baseline', () => {
  it('marks each change introduced or drift, from the same live read (no extra API calls)', async () => {
    em = await demoEmulator();
    const pr = await pullRequestConfig();
    const without = await ztsync(em, ['plan', pr, '--format', 'json']);
    const requestsWithout = em.state.snapshot().counters.requests;
    em.state.reset(em.state.snapshot()); // the same state, counters back to zero
    const result = await ztsync(em, ['plan', pr, '--format', 'json', '--baseline', EXAMPLES]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(em.state.snapshot().counters.requests).toEqual(requestsWithout);

    const plan = JSON.parse(result.stdout);
    expect(JSON.parse(without.stdout).targets[0].resources[0].changes[0].origin).toBeUndefined();
    // Production's changes are in the base config too: the live state had drifted from main already.
    expect(new Set(Object.values(origins(changesOf(plan, PRODUCTION))))).toEqual(new Set(['drift']));
    expect(new Set(Object.values(origins(changesOf(plan, PRODUCTION, 'doh'))))).toEqual(new Set(['drift']));
    // Staging: main wanted #1b5ec5, the pull request wants #123456: a new change, not the pending one.
    expect(origins(changesOf(plan, STAGING))).toEqual({ 'login_design.background_color': 'introduced' });
    // Research (no organization yet): main creates it too; the header is the pull request's.
    const research = origins(changesOf(plan, RESEARCH));
    expect(research['login_design.header_text']).toBe('introduced');
    expect(research.name).toBe('drift');
    expect(plan.baseline).toEqual({ paths: [EXAMPLES], introduced: 2, drift: 20 });
  });

  it('text and markdown show introduced and drift apart', async () => {
    em = await demoEmulator();
    const pr = await pullRequestConfig();
    const text = await ztsync(em, ['plan', pr, '--baseline', EXAMPLES]);
    expect(text.stdout).toMatch(/~ login_design\.background_color: "#000000" → "#123456" {2}# \S+staging\.yaml:10 \[introduced\]\n/);
    expect(text.stdout).toMatch(/~ session_duration: "1440m" → "12h" {2}# \S+production\.yaml:9 \[drift\] \[weakens: session-lengthened\]\n/);
    expect(text.stdout).toContain(`Against the baseline (${EXAMPLES}): 2 changes introduced, 20 changes already pending (drift).`);
    const markdown = await ztsync(em, ['plan', pr, '--baseline', EXAMPLES, '--format', 'markdown']);
    expect(markdown.stdout).toMatch(/\| `login_design\.background_color` \| `"#000000"` \| `"#123456"` \| `[^`]+:\d+` \| introduced \|/);
    expect(markdown.stdout).toMatch(/\| ⚠️ `session_duration` \(weakens: `session-lengthened`\) \| `"1440m"` \| `"12h"` \| `[^`]+:\d+`( \(defaults\))? \| drift \|/);
    expect(markdown.stdout).toContain(`Against the baseline \`${EXAMPLES}\`: **2 changes introduced**, 20 changes already pending (_drift_).`);
  });

  it('a base path that does not exist is an empty base (everything introduced); an invalid base marks nothing', async () => {
    em = await demoEmulator();
    const missing = join(tmpdir(), 'ztsync-no-such-base');
    const empty = await ztsync(em, ['plan', EXAMPLES, '--format', 'json', '--baseline', missing]);
    expect(empty.code).toBe(0);
    expect(empty.stderr).toContain(`--baseline ${missing} does not exist: taken as an empty base config`);
    expect(JSON.parse(empty.stdout).baseline).toEqual({ paths: [missing], introduced: 21, drift: 0 });

    const broken = await mkdtemp(join(tmpdir(), 'ztsync-broken-base-'));
    await writeFile(join(broken, 'a.yaml'), 'accounts: [ { account_id: nope } ]\n');
    const invalid = await ztsync(em, ['plan', EXAMPLES, '--format', 'json', '--baseline', broken]);
    expect(invalid.code).toBe(0);
    expect(invalid.stderr).toContain('--baseline: the base config is not valid (1 error; the first: ');
    expect(JSON.parse(invalid.stdout).baseline).toBeUndefined();
  });
});
