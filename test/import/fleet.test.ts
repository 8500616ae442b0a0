// Import of a fleet: the shared, paced rate budget (judged by the emulator's lockout-faithful limit), and what it
// writes for each target.
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { DESCRIPTION_MAX_LENGTH } from '../../src/import/description.js';
import { SECRET_TOKEN, ztsync } from '../helpers/reconcile.js';
import { fleetRun, startFleet, type Fleet } from '../helpers/scale.js';

let fleet: Fleet | undefined;
let em: RunningEmulator | undefined;
afterEach(async () => {
  await fleet?.em.close();
  await em?.close();
  fleet = em = undefined;
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

describe("import writes each target's description from its live organization's name", () => {
  it('a long name with line breaks and bidi controls becomes one clean line within the cap, and the import verifies', async () => {
    const id = '0123456789abcdef0123456789abcdef';
    const name = `Widget\u202e Corps\n${'Research and Development '.repeat(12)}`;
    em = await startEmulator({ port: 0, token: SECRET_TOKEN, seed: { accounts: [{ id, organization: { name, auth_domain: 'rd.cloudflareaccess.com' } }] } });
    const out = join(await tempDir(), 'rd.yaml');
    const result = await ztsync(em, ['import', '--account', id, '--out', out, '--verify']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const entry = parse(await readFile(out, 'utf8')).accounts[0];
    expect(entry.organization.name).toBe(name);
    expect([...entry.description].length).toBeLessThanOrEqual(DESCRIPTION_MAX_LENGTH);
    expect(entry.description).toMatch(/^Widget Corps Research and Development Research .*…$/);
    // Plans name the target by it.
    const plan = JSON.parse((await ztsync(em, ['plan', out, '--format', 'json'])).stdout);
    expect(plan.targets[0].description).toBe(entry.description);
  });
});
