import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { EXAMPLES, PRODUCTION, STAGING, demoEmulator, writes, ztsync } from '../helpers/reconcile.js';

let em: RunningEmulator;
afterEach(async () => {
  await em?.close();
  em = undefined as unknown as RunningEmulator;
});

const ESC = '\u001b[';

describe('plan output', () => {
  it('text: one terraform-like line per changed field, unchanged targets left out', async () => {
    em = await demoEmulator();
    const { stdout } = await ztsync(em, ['plan', EXAMPLES]);
    expect(stdout).toContain(`account ${STAGING} (Staging)  ${join(EXAMPLES, 'staging.yaml')}:4\n  ~ organization (update)\n      ~ login_design.background_color: "#000000" → "#1b5ec5"  # ${join(EXAMPLES, 'staging.yaml')}:10\n`);
    expect(stdout).toContain(`      ~ session_duration: "1440m" → "12h"  # ${join(EXAMPLES, 'production.yaml')}:9 [weakens: session-lengthened]\n`);
    expect(stdout).toContain(`  + organization (create)\n      + name: "Widget Corps Research"  # ${join(EXAMPLES, 'research.yaml')}:8\n`);
    expect(stdout).not.toContain('zone 699d98642c564d2e855e9661899b7252');
    expect(stdout).not.toContain(ESC);
  });

  it('text is coloured on a terminal, and not when NO_COLOR is set', async () => {
    em = await demoEmulator();
    const tty = await ztsync(em, ['plan', EXAMPLES], { stdoutIsTTY: true });
    expect(tty.stdout).toContain(ESC);
    const noColor = await ztsync(em, ['plan', EXAMPLES], { stdoutIsTTY: true, env: { ...(await import('../helpers/reconcile.js')).envFor(em), NO_COLOR: '' } });
    expect(noColor.stdout).not.toContain(ESC);
  });

  it('json: versioned, stable shape, summary per resource and per target error', async () => {
    em = await demoEmulator();
    const { stdout, code } = await ztsync(em, ['plan', EXAMPLES, '--format', 'json', '--detailed-exitcode']);
    expect(code).toBe(2);
    const plan = JSON.parse(stdout);
    expect(Object.keys(plan)).toEqual(['format_version', 'ztsync_version', 'api_base', 'created_at', 'targets', 'blocked', 'allowed', 'change_budget', 'coverage', 'summary', 'checksum']);
    expect(plan.format_version).toBe('1');
    expect(plan.api_base).toBe(em.url);
    expect(plan.summary).toEqual({ create: 1, update: 3, noop: 2, error: 0, weakens: 8 });
    const production = plan.targets.find((t: { id: string }) => t.id === PRODUCTION);
    expect(Object.keys(production)).toEqual(['scope', 'id', 'description', 'name', 'labels', 'source', 'resources', 'error']);
    expect(production).toMatchObject({ scope: 'account', description: 'Production', name: 'Production', error: null, source: { file: join(EXAMPLES, 'production.yaml'), line: 4, col: 5 } });
    expect(production.resources.map((r: { type: string; action: string }) => `${r.type}:${r.action}`)).toEqual(['organization:update', 'doh:update']);
    expect(production.resources[0].changes).toContainEqual(expect.objectContaining({ path: 'mfa_config.allowed_authenticators', before: ['totp'], after: ['totp', 'security_key'] }));
    expect(production.resources[0].changes).toContainEqual(expect.objectContaining({ path: 'allow_authenticate_via_warp', before: false, after: true }));
    expect(plan.targets.map((t: { scope: string }) => t.scope)).toEqual(['account', 'account', 'account', 'zone']);
  });

  it('markdown: a summary table and one collapsible section per changed target', async () => {
    em = await demoEmulator();
    const { stdout } = await ztsync(em, ['plan', EXAMPLES, '--format', 'markdown']);
    expect(stdout.startsWith('<!-- ztsync-plan -->\n### ztsync plan\n\nPlan: 1 to create, 3 to update, 2 unchanged, 0 errors. 8 changes weaken security (security drift).\n\n| create | update | unchanged | errors |\n')).toBe(true);
    expect(stdout).toContain('| 1 | 3 | 2 | 0 |');
    expect(stdout.match(/<details>/g)).toHaveLength(3);
    expect(stdout).toContain(`<details><summary><b>account ${STAGING} (Staging)</b> — organization: update</summary>`);
    expect(stdout).toContain('| `login_design.background_color` | `"#000000"` | `"#1b5ec5"` |');
  });

  it('markdown escapes what would break a table or inject HTML', async () => {
    em = await demoEmulator();
    const dir = await mkdtemp(join(tmpdir(), 'ztsync-md-'));
    await writeFile(join(dir, 'a.yaml'), `accounts:\n  - account_id: ${STAGING}\n    description: "<script>x</script>"\n    organization:\n      login_design: { footer_text: "a | b" }\n`);
    const { stdout } = await ztsync(em, ['plan', dir, '--format', 'markdown']);
    expect(stdout).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(stdout).not.toContain('<script>');
    expect(stdout).toContain('`"a \\| b"`');
  });

  it('--out writes the rendered plan atomically and prints the summary', async () => {
    em = await demoEmulator();
    const dir = await mkdtemp(join(tmpdir(), 'ztsync-out-'));
    const out = join(dir, 'plan.json');
    const result = await ztsync(em, ['plan', EXAMPLES, '--format', 'json', '--out', out]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`Plan: 1 to create, 3 to update, 2 unchanged, 0 errors. 8 changes weaken security (security drift).\nWrote the json plan to ${out}\n`);
    expect(JSON.parse(await readFile(out, 'utf8')).summary.update).toBe(3);
    expect(writes(em)).toBe(0);
  });

  it('--account and --zone pick targets', async () => {
    em = await demoEmulator();
    const { stdout } = await ztsync(em, ['plan', EXAMPLES, '--format', 'json', '--account', STAGING, '--zone', '699d98642c564d2e855e9661899b7252']);
    expect(JSON.parse(stdout).targets.map((t: { id: string }) => t.id)).toEqual([STAGING, '699d98642c564d2e855e9661899b7252']);
  });
});

describe('rate limits', () => {
  it('a plan over the rate limit waits out the 429s and completes', async () => {
    em = await demoEmulator({ rateLimit: { requests: 3, windowSeconds: 1 } });
    const { code, stdout } = await ztsync(em, ['plan', EXAMPLES, '--format', 'json', '--concurrency', '4']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).summary).toEqual({ create: 1, update: 3, noop: 2, error: 0, weakens: 8 });
    expect(em.state.snapshot().counters.rateLimited).toBeGreaterThan(0);
  });
});
