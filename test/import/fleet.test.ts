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
import { disagreeingFleetSeed, fleetId } from './seeds.js';

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

describe('import shows its progress, as plan does', () => {
  it('a line per target read and verified (held by the rate budget counted), and none with --quiet', async () => {
    fleet = await startFleet(4, { rateLimit: { requests: 4, ...LOCKOUT } });
    const dir = await tempDir();
    const args = ['import', '--account', ...fleet.ids, '--verify', '--rate-limit', '4/2', '--retry-budget', '0'];
    const shown = await fleetRun(fleet, [...args, '--out', join(dir, 'a.yaml')], {}, { ZTSYNC_PROGRESS_INTERVAL: '0' });
    expect(shown.code).toBe(0);
    const lines = shown.stderr.trimEnd().split('\n');
    expect(lines.filter((l) => l.startsWith('import: '))).toHaveLength(4);
    expect(lines.filter((l) => l.startsWith('import --verify: '))).toHaveLength(4);
    expect(lines).toContainEqual(expect.stringMatching(/^import: 4\/4 targets, 8 requests, 0 retries, [1-9][\d.]* s held by the rate budget, /));
    // A new process knows nothing of the last one's spending until the server's first answer: let the window pass.
    await new Promise((resolve) => setTimeout(resolve, LOCKOUT.windowSeconds * 1000 + 100));
    const quiet = await fleetRun(fleet, [...args, '--out', join(dir, 'b.yaml'), '-q'], {}, { ZTSYNC_PROGRESS_INTERVAL: '0' });
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe('');
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

describe('--defaults on a fleet that does not agree', () => {
  it('lifts the value most targets share, reports what it lifted and left, and the config plans zero changes', async () => {
    em = await startEmulator({ port: 0, token: SECRET_TOKEN, seed: disagreeingFleetSeed(20) });
    const dir = join(await tempDir(), 'config');
    const imported = await ztsync(em, ['import', '--account', ...Array.from({ length: 20 }, (_, i) => fleetId(i)), '--zone', `${'f'.repeat(31)}0`, `${'f'.repeat(31)}1`, '--out-dir', dir, '--defaults', '--verify']);
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    const defaults = parse(await readFile(join(dir, 'defaults.yaml'), 'utf8')).defaults;
    expect(defaults.organization).toMatchObject({ session_duration: '24h', login_design: { footer_text: 'Widget Corps — authorised use only' } });
    expect(defaults.doh).toEqual({ doh_jwt_duration: '24h' });
    // 20 accounts: 12h on 4 (i % 5 === 4), none on 2 (i % 7 === 6); 24h, spelled 24h or 1440m, on the other 14.
    expect(imported.stdout).toContain('  organization.session_duration: "24h", shared by 14 of 20 targets, 6 overrides\n');
    expect(imported.stdout).toContain('  doh.doh_jwt_duration: "24h", shared by 17 of 20 targets, 3 overrides\n');
    // WARP authentication is on for 6 of the 20 accounts (zones do not take it): left with each of them.
    expect(imported.stdout).toContain('  organization.allow_authenticate_via_warp: set on 6 of 20 targets, 14 of 20 targets leave it unset\n');
    const unit6 = parse(await readFile(join(dir, 'accounts', `${fleetId(6)}.yaml`), 'utf8')).accounts[0];
    expect(unit6.organization.session_duration).toBeNull();
    const plan = await ztsync(em, ['plan', dir, '--detailed-exitcode']);
    expect(plan.stdout).toMatch(/^No changes\./);
    expect(plan.code).toBe(0);
  });
});
