// Provenance: every change says where its desired value was written — the file, line and column, and whether
// the target's own entry or the defaults gave it — in JSON, text and markdown.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { EXAMPLES, RESEARCH, STAGING, ZONE, demoEmulator, ztsync } from '../helpers/reconcile.js';

let em: RunningEmulator;
afterEach(async () => {
  await em?.close();
  em = undefined as unknown as RunningEmulator;
});

interface Change {
  path: string;
  source: { file: string; line: number; col: number; via: string };
}

describe('provenance of each change', () => {
  it('JSON: source {file, line, col, via} from the account, the zone or the defaults', async () => {
    em = await demoEmulator();
    const dir = await mkdtemp(join(tmpdir(), 'ztsync-prov-'));
    await writeFile(join(dir, 'defaults.yaml'), 'defaults:\n  organization:\n    login_design: { footer_text: From the defaults }\n');
    await writeFile(join(dir, 'zones.yaml'), `zones:\n  - zone_id: ${ZONE}\n    organization:\n      name: Zone renamed\n`);
    const plan = JSON.parse((await ztsync(em, ['plan', dir, join(EXAMPLES, 'staging.yaml'), '--format', 'json'])).stdout);
    const staging = plan.targets.find((t: { id: string }) => t.id === STAGING).resources[0].changes as Change[];
    expect(staging.find((c) => c.path === 'login_design.background_color')!.source).toEqual({ file: join(EXAMPLES, 'staging.yaml'), line: 10, col: 27, via: 'account' });
    expect(staging.find((c) => c.path === 'login_design.footer_text')!.source).toEqual({ file: join(dir, 'defaults.yaml'), line: 3, col: 34, via: 'defaults' });
    const zone = plan.targets.find((t: { id: string }) => t.id === ZONE).resources[0].changes as Change[];
    expect(zone.find((c) => c.path === 'name')!.source).toEqual({ file: join(dir, 'zones.yaml'), line: 4, col: 13, via: 'zone' });
    expect(zone.find((c) => c.path === 'login_design.footer_text')!.source.via).toBe('defaults');
  });

  it('text shows file:line after each change (and "(defaults)"); markdown in a source column', async () => {
    em = await demoEmulator();
    const text = await ztsync(em, ['plan', EXAMPLES]);
    expect(text.stdout).toContain(`      ~ login_design.background_color: "#000000" → "#1b5ec5"  # ${join(EXAMPLES, 'staging.yaml')}:10\n`);
    expect(text.stdout).toContain(`      + session_duration: "24h"  # ${join(EXAMPLES, 'defaults.yaml')}:6 (defaults)\n`);
    const markdown = await ztsync(em, ['plan', EXAMPLES, '--account', RESEARCH, '--format', 'markdown']);
    expect(markdown.stdout).toContain(`| \`name\` |  | \`"Widget Corps Research"\` | \`${join(EXAMPLES, 'research.yaml')}:8\` |`);
    expect(markdown.stdout).toContain(`| \`session_duration\` |  | \`"24h"\` | \`${join(EXAMPLES, 'defaults.yaml')}:6\` (defaults) |`);
  });
});
