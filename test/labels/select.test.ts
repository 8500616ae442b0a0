// Labels and --select: a target carries labels, --select picks the targets carrying them (intersected with the
// other filters), a selector matching nothing is an error, and the saved plan records the selection.
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { EXAMPLES, PRODUCTION, RESEARCH, STAGING, ZONE, demoEmulator, ztsync } from '../helpers/reconcile.js';

let em: RunningEmulator;
afterEach(async () => {
  await em?.close();
});

const planned = (stdout: string): string[] => JSON.parse(stdout).targets.map((t: { id: string }) => t.id);

describe('--select key=value', () => {
  it('plans only the targets carrying the labels, with the other filters as an intersection, and records it', async () => {
    em = await demoEmulator();
    const prod = await ztsync(em, ['plan', EXAMPLES, '--select', 'env=prod', '--format', 'json']);
    expect(prod.stderr).toBe('');
    expect(planned(prod.stdout)).toEqual([PRODUCTION, ZONE]);
    const plan = JSON.parse(prod.stdout);
    expect(plan.coverage.select).toEqual({ env: 'prod' });
    expect(plan.targets[0].labels).toEqual({ env: 'prod' });

    const zoneOnly = await ztsync(em, ['plan', EXAMPLES, '--select', 'env=prod', '--zone', ZONE, '--format', 'json']);
    expect(planned(zoneOnly.stdout)).toEqual([ZONE]);
    // Without --select, no select in the coverage.
    const all = await ztsync(em, ['plan', EXAMPLES, '--format', 'json']);
    expect(planned(all.stdout)).toEqual([PRODUCTION, RESEARCH, STAGING, ZONE]);
    expect(JSON.parse(all.stdout).coverage.select).toBeNull();
  });

  it('repeated, every label must match', async () => {
    em = await demoEmulator();
    const dir = await mkdtemp(join(tmpdir(), 'ztsync-select-'));
    await cp(EXAMPLES, dir, { recursive: true });
    const production = await readFile(join(EXAMPLES, 'production.yaml'), 'utf8');
    await writeFile(join(dir, 'production.yaml'), production.replace('      env: prod\n', '      env: prod\n      region: eu\n'));
    const both = await ztsync(em, ['plan', dir, '--select', 'env=prod', '--select', 'region=eu', '--format', 'json']);
    expect(both.stderr).toBe('');
    expect(planned(both.stdout)).toEqual([PRODUCTION]);
    expect(JSON.parse(both.stdout).coverage.select).toEqual({ env: 'prod', region: 'eu' });
  });

  it('a selector that matches nothing is an error naming the labels in use; nothing is read', async () => {
    em = await demoEmulator();
    const none = await ztsync(em, ['plan', EXAMPLES, '--select', 'env=prdo']);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('--select env=prdo matches no target in the config; the labels in the config are env=prod, env=research, env=staging, tier=nonprod');
    const disjoint = await ztsync(em, ['plan', EXAMPLES, '--select', 'env=prod', '--account', STAGING]);
    expect(disjoint.code).toBe(1);
    expect(disjoint.stderr).toContain('--select env=prod matches none of the targets --account / --zone pick');
    const contradiction = await ztsync(em, ['plan', EXAMPLES, '--select', 'env=prod', '--select', 'env=staging']);
    expect(contradiction.code).toBe(1);
    expect(contradiction.stderr).toContain('together they match nothing');
    const malformed = await ztsync(em, ['plan', EXAMPLES, '--select', 'env']);
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toContain('--select takes a label as key=value');
    expect(em.state.snapshot().counters.requests).toEqual({});
  });
});

describe('labels in the config', () => {
  it('are strings of a plain spelling: anything else is refused at file:line:col', async () => {
    em = await demoEmulator();
    const dir = await mkdtemp(join(tmpdir(), 'ztsync-labels-'));
    await writeFile(
      join(dir, 'a.yaml'),
      `accounts:\n  - account_id: "${PRODUCTION}"\n    labels:\n      env: prod\n      "bad key": x\n      tier: 1\n      region: e u\n`,
    );
    const result = await ztsync(em, ['validate', dir]);
    expect(result.code).toBe(1);
    const file = join(dir, 'a.yaml');
    expect(result.stderr).toContain(`${file}:5:7: label key "bad key": write label keys with letters and digits (and - _ . / inside), at most 63 characters`);
    expect(result.stderr).toContain(`${file}:6:13: must be a string, and YAML reads 1 as a number; quote it: "1"`);
    expect(result.stderr).toContain(`${file}:7:15: label value "e u": write label values with letters and digits (and - _ . inside), at most 63 characters`);
    expect(result.stderr).not.toContain('property name');
  });
});
