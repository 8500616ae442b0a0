// Import of a fleet: the shared, paced rate budget (judged by the emulator's lockout-faithful limit).
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fleetRun, startFleet, type Fleet } from '../helpers/scale.js';

let fleet: Fleet | undefined;
afterEach(async () => {
  await fleet?.em.close();
  fleet = undefined;
});

const tempDir = () => mkdtemp(join(tmpdir(), 'ztsync-import-fleet-'));
/** A short window keeps the test to seconds; going over it locks the token out for a minute, as Cloudflare would for five. */
const LOCKOUT = { windowSeconds: 2, lockoutSeconds: 60 };

describe('import spends the same paced rate budget as plan and apply', () => {
  it('a fleet imported under a server limit lower than --rate-limit sees no 429', async () => {
    fleet = await startFleet(9, { rateLimit: { requests: 8, ...LOCKOUT } });
    const out = join(await tempDir(), 'fleet.yaml');
    // 18 reads, and 18 more for --verify: four and a half times the server's limit. (Concurrency 4: until the first answer
    // says how much is left, the budget knows only --rate-limit, as for plan.)
    const result = await fleetRun(fleet, ['import', '--account', ...fleet.ids, '--out', out, '--verify', '--concurrency', '4', '--retry-budget', '0']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(fleet.em.state.snapshot().counters.rateLimited).toBe(0);
  }, 30_000);

  it('--rate-limit paces import by itself, when the server says nothing until it refuses', async () => {
    fleet = await startFleet(6, { rateLimit: { requests: 5, ...LOCKOUT } });
    const out = join(await tempDir(), 'fleet.yaml');
    const result = await fleetRun(fleet, ['import', '--account', ...fleet.ids, '--out', out, '--rate-limit', '5/2', '--concurrency', '8', '--retry-budget', '0']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(fleet.em.state.snapshot().counters.rateLimited).toBe(0);
  }, 30_000);
});
