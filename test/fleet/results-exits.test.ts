// --results is true however a run ends: blocked, invalid, refused, not confirmed, a usage error — each replaces
// a file an earlier run left with a record of why it stopped, so that --only-failed never trusts a stale one; and
// an --only-failed that would retry nothing is an error, not a green run. The real CLI in-process against the
// emulator. (Ctrl-C while reading: test/reconcile/writes.test.ts.)
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FLEET_TOKEN, fleetRun, requestsTo, startFleet, type Fleet } from '../helpers/scale.js';

let fleet: Fleet | undefined;
afterEach(async () => {
  await fleet?.em.close();
  fleet = undefined;
});

interface Results {
  complete: boolean;
  stopped?: { reason: string; message: string };
  targets: { scope: string; id: string; outcome: string }[];
}

/** What an earlier run left: one failed target, which --only-failed would retry. */
async function staleResults(dir: string, id: string): Promise<string> {
  const file = join(dir, 'results.json');
  const stale = { ztsync_results: 1, command: 'apply', complete: true, updated_at: '2026-01-01T00:00:00.000Z', summary: { failed: 1 }, targets: [{ scope: 'account', id, outcome: 'failed', error: 'old' }] };
  await writeFile(file, JSON.stringify(stale));
  return file;
}

const read = async (file: string): Promise<Results> => JSON.parse(await readFile(file, 'utf8'));

describe('--results on every exit path', () => {
  it('blocked: each target apply would have written is skipped (so --only-failed picks it up), the others unchanged', async () => {
    fleet = await startFleet(8);
    const file = await staleResults(fleet.dir, fleet.ids[1]);
    const result = await fleetRun(fleet, ['apply', fleet.dir, '--auto-approve', '--max-changed-targets', '0', '--results', file, '-q']);
    expect(result.code).toBe(3);
    const written = await read(file);
    expect(written).toMatchObject({ complete: true, stopped: { reason: 'blocked', message: 'the plan is blocked (max-changed-targets): nothing was applied' } });
    expect(written.targets).toHaveLength(8);
    const skipped = written.targets.filter((t) => t.outcome === 'skipped').map((t) => t.id);
    expect(skipped.length).toBeGreaterThan(0);
    expect(written.targets.every((t) => t.outcome === 'skipped' || t.outcome === 'unchanged')).toBe(true);
    // Those are exactly what --only-failed takes up.
    const retry = await fleetRun(fleet, ['plan', fleet.dir, '--format', 'json', '--only-failed', file, '-q']);
    expect(retry.code).toBe(0);
    expect(JSON.parse(retry.stdout).targets.map((t: { id: string }) => t.id).sort()).toEqual(skipped.sort());
  });

  it('invalid config: a record with no targets, and --only-failed on it says why there is nothing to retry', async () => {
    fleet = await startFleet(2);
    const file = await staleResults(fleet.dir, fleet.ids[0]);
    const broken = join(await mkdtemp(join(tmpdir(), 'ztsync-broken-')), 'broken.yaml');
    await writeFile(broken, 'accounts:\n  - account_id: nope\n');
    for (const command of ['plan', 'apply']) {
      const result = await fleetRun(fleet, [command, fleet.dir, broken, '--auto-approve', '--results', file].filter((a) => command === 'apply' || a !== '--auto-approve'));
      expect(result.code).toBe(1);
      const written = await read(file);
      expect(written).toMatchObject({ complete: true, targets: [], stopped: { reason: 'invalid', message: expect.stringMatching(/^the config is not valid \(\d+ errors?, said on stderr\): nothing was read or changed$/) } });
    }
    const retry = await fleetRun(fleet, ['apply', fleet.dir, '--auto-approve', '--only-failed', file]);
    expect(retry.code).toBe(1);
    expect(retry.stderr).toBe(`ztsync: --only-failed: ${file} records a run that stopped (invalid) before it tried any target: nothing to retry; run again without --only-failed\n`);
    expect(requestsTo(fleet.em, /./)).toBe(0);
  });

  it('refused credentials, no confirmation and a usage error each leave a record of why', async () => {
    fleet = await startFleet(3, { token: FLEET_TOKEN });
    const file = await staleResults(fleet.dir, fleet.ids[0]);

    const refused = await fleetRun(fleet, ['apply', fleet.dir, '--auto-approve', '--results', file, '-q'], {}, { CLOUDFLARE_API_TOKEN: 'not-the-fleet-token' });
    expect(refused.code).toBe(1);
    const afterRefusal = await read(file);
    expect(afterRefusal.stopped).toEqual({ reason: 'refused', message: 'the API refused the credentials (said on stderr): nothing was changed' });
    expect(afterRefusal.targets.every((t) => t.outcome === 'failed')).toBe(true);
    expect(JSON.stringify(afterRefusal)).not.toContain('not-the-fleet-token');

    await staleResults(fleet.dir, fleet.ids[0]);
    const cancelled = await fleetRun(fleet, ['apply', fleet.dir, '--results', file, '-q']);
    expect(cancelled.code).toBe(1);
    expect((await read(file)).stopped).toEqual({ reason: 'cancelled', message: 'the changes were not confirmed: nothing was applied' });

    await staleResults(fleet.dir, fleet.ids[0]);
    const usage = await fleetRun(fleet, ['apply', fleet.dir, '--auto-approve', '--shard', '9/2', '--results', file]);
    expect(usage.code).toBe(1);
    expect(await read(file)).toMatchObject({ targets: [], stopped: { reason: 'error', message: '--shard takes K/N with 1 ≤ K ≤ N (shard K of N, e.g. 2/4), not "9/2"' } });
  });
});

describe('--only-failed that would retry nothing is an error', () => {
  it('a file whose targets to retry are none of the config\'s, and a file with nothing to retry: exit 1, nothing read', async () => {
    fleet = await startFleet(2);
    const gone = await staleResults(fleet.dir, 'ffffffffffffffffffffffffffffffff');
    const result = await fleetRun(fleet, ['apply', fleet.dir, '--auto-approve', '--only-failed', gone]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('ztsync: --only-failed: none of the 1 target the results file lists to retry is in the config: nothing to retry\n');

    const done = join(fleet.dir, 'done.json');
    expect((await fleetRun(fleet, ['apply', fleet.dir, '--auto-approve', '--results', done, '-q'])).code).toBe(0);
    expect(requestsTo(fleet.em, /^(PUT|POST) /)).toBeGreaterThan(0);
    const before = requestsTo(fleet.em, /./);
    const nothing = await fleetRun(fleet, ['apply', fleet.dir, '--auto-approve', '--only-failed', done]);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toBe(`ztsync: --only-failed: ${done} lists no failed, skipped or pending target: nothing to retry\n`);
    expect(requestsTo(fleet.em, /./)).toBe(before);
  });
});
