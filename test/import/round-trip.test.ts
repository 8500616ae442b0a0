// import → validate → plan: the imported config plans with no changes, for every seeded state, written as one
// file or one file per target, with and without defaults — against the emulator.
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBlockYaml } from '../../src/config/block-yaml.js';
import { loadSeedFile, startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { organization, writableFields } from '../../src/resources/index.js';
import { run } from '../helpers/io.js';
import { DEMO_SEED, SECRET_TOKEN, ztsync } from '../helpers/reconcile.js';
import { everyFieldSeed, FULL_ACCOUNT, FULL_ZONE } from './seeds.js';

interface Case {
  name: string;
  start: () => Promise<RunningEmulator>;
  /** --verify plans once more: on the small states (the fleet plans right after anyway). */
  verify: boolean;
}

const CASES: Case[] = [
  { name: "the examples' seed", start: async () => startEmulator({ port: 0, token: SECRET_TOKEN, seed: await loadSeedFile(DEMO_SEED) }), verify: true },
  { name: 'a generated fleet of 200 accounts', start: () => startEmulator({ port: 0, token: SECRET_TOKEN, accounts: 200 }), verify: false },
  { name: 'every writable field, zones, DoH set and unset', start: () => startEmulator({ port: 0, token: SECRET_TOKEN, seed: everyFieldSeed() }), verify: true },
  // Cloudflare's other answer shape: false booleans, {} and [] spelled out. Import must leave them out all the same.
  { name: "the examples' seed, explicit answers", start: async () => startEmulator({ port: 0, token: SECRET_TOKEN, seed: await loadSeedFile(DEMO_SEED), answerStyle: 'explicit' }), verify: true },
  { name: 'every writable field, explicit answers', start: () => startEmulator({ port: 0, token: SECRET_TOKEN, seed: everyFieldSeed(), answerStyle: 'explicit' }), verify: true },
];

const MODES = [
  { layout: 'out', defaults: false },
  { layout: 'out', defaults: true },
  { layout: 'out-dir', defaults: false },
  { layout: 'out-dir', defaults: true },
] as const;

/** Every target of the emulator in a targets file, and how many resources are set live (what plan must count). */
async function targetsOf(em: RunningEmulator, dir: string): Promise<{ file: string; setResources: number; skipped: number }> {
  const { accounts, zones } = em.state.snapshot();
  const lines = ['# every target the emulator knows', ...accounts.map((a) => `account ${a.id}`), ...zones.map((z) => `zone ${z.id}   # a zone`)];
  const file = join(dir, 'targets.txt');
  await writeFile(file, lines.join('\n') + '\n');
  const owners = [...accounts, ...zones];
  const setResources = owners.reduce((n, o) => n + (o.organization ? 1 : 0) + ('doh' in o && o.doh ? 1 : 0), 0);
  const skipped = owners.filter((o) => !o.organization && !('doh' in o && o.doh)).length;
  return { file, setResources, skipped };
}

describe.each(CASES)('import round-trips $name', ({ start, verify }) => {
  let em: RunningEmulator;
  beforeAll(async () => {
    em = await start();
  });
  afterAll(() => em.close());

  it.each(MODES)('--$layout, defaults: $defaults', async ({ layout, defaults }) => {
    const dir = await mkdtemp(join(tmpdir(), 'ztsync-import-'));
    const targets = await targetsOf(em, dir);
    const config = layout === 'out' ? join(dir, 'imported.yaml') : join(dir, 'config');
    const args = ['import', '--targets', targets.file, `--${layout}`, config, '--concurrency', '16', ...(verify ? ['--verify'] : []), ...(defaults ? ['--defaults'] : [])];
    const before = em.state.snapshot().counters.writes;

    const imported = await ztsync(em, args);
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    if (verify) expect(imported.stdout).toContain('Verified: a plan of the imported config against live state shows no changes.');
    if (targets.skipped > 0) expect(imported.stdout).toContain(`Skipped ${targets.skipped} target`);

    // Imported files are in the plain block style the config stage's fast reader takes (src/config/block-yaml.ts).
    const files = layout === 'out' ? [config] : (await readdir(config, { recursive: true })).filter((name) => name.endsWith('.yaml')).map((name) => join(config, name));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect(readBlockYaml(await readFile(file, 'utf8')), file).toBeDefined();

    const validated = await run(['validate', config]);
    expect(validated.stderr).toBe('');
    expect(validated.code).toBe(0);

    const plan = await ztsync(em, ['plan', config, '--detailed-exitcode', '--concurrency', '16']);
    expect(plan.stderr).toBe('');
    // A fleet's plan also says which change budget was in force: 0 targets change under it.
    expect(plan.stdout).toMatch(new RegExp(`^No changes\\. ${targets.setResources} resources are up to date\\.\\n(Change budget: 0 of \\d+ targets change; .*\\n)?$`));
    expect(plan.code).toBe(0);
    // Import and plan only read.
    expect(em.state.snapshot().counters.writes).toBe(before);
  });
});

describe('coverage', () => {
  it('an organization with every writable field set is imported with every one of them managed', async () => {
    const em = await startEmulator({ port: 0, token: SECRET_TOKEN, seed: everyFieldSeed() });
    try {
      const dir = await mkdtemp(join(tmpdir(), 'ztsync-import-'));
      const out = join(dir, 'all.yaml');
      expect((await ztsync(em, ['import', '--account', FULL_ACCOUNT, '--zone', FULL_ZONE, '--out', out])).code).toBe(0);
      const plan = await ztsync(em, ['plan', out, '--format', 'json']);
      const parsed = JSON.parse(plan.stdout);
      const managed = (scope: string, type: string) =>
        parsed.targets.find((t: { scope: string }) => t.scope === scope).resources.find((r: { type: string }) => r.type === type).managed.sort();
      expect(managed('account', 'organization')).toEqual(writableFields(organization, 'account').map((f) => f.path).sort());
      expect(managed('zone', 'organization')).toEqual(writableFields(organization, 'zone').map((f) => f.path).sort());
      expect(managed('account', 'doh')).toEqual(['doh_jwt_duration', 'service_token_id']);
      expect(parsed.summary).toEqual({ create: 0, update: 0, noop: 3, error: 0, weakens: 0 });
    } finally {
      await em.close();
    }
  });
});
