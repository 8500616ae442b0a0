// import --all-accounts: every account the token can see, from GET /accounts (paged), against the emulator; and a
// server whose account list is hostile (junk entries, a list that never ends, a result that is not a list).
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { answer, startServer, type TestServer } from '../helpers/http.js';
import { run } from '../helpers/io.js';
import { SECRET_TOKEN, ztsync } from '../helpers/reconcile.js';
import { disagreeingFleetSeed, fleetId } from './seeds.js';

let em: RunningEmulator | undefined;
let server: TestServer | undefined;
afterEach(async () => {
  await em?.close();
  await server?.close();
  em = server = undefined;
});

const tempDir = () => mkdtemp(join(tmpdir(), 'ztsync-import-all-'));

describe('import --all-accounts', () => {
  it('imports every account GET /accounts lists, page by page, with the given zones; the config plans zero changes', async () => {
    // 55 accounts: two pages of 50; the last has DoH and no organization. Every account has a name of its own.
    const seed = disagreeingFleetSeed(55, { dohOnly: true });
    seed.accounts!.forEach((a, i) => (a.name = `Business unit ${i}`));
    em = await startEmulator({ port: 0, token: SECRET_TOKEN, seed });
    const dir = join(await tempDir(), 'config');
    const imported = await ztsync(em, ['import', '--all-accounts', '--zone', `${'f'.repeat(31)}0`, '--out-dir', dir, '--defaults', '--verify']);
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    expect(imported.stdout).toMatch(/^--all-accounts: the token sees 55 accounts \(GET \/accounts, 2 pages\)\.\nImported 55 accounts and 1 zone to 57 files under /);
    expect(em.state.snapshot().counters.requests['GET /accounts']).toBe(2);
    const files = await readdir(join(dir, 'accounts'));
    expect(files.sort()).toEqual(Array.from({ length: 55 }, (_, i) => `${fleetId(i)}.yaml`).sort());
    // With an organization, the description is its name; the DoH-only account takes the account's name.
    const read = async (i: number) => parse(await readFile(join(dir, 'accounts', `${fleetId(i)}.yaml`), 'utf8')).accounts[0];
    expect((await read(0)).description).toBe('Widget Corps unit 0');
    expect(await read(54)).toMatchObject({ description: 'Business unit 54', doh: { service_token_id: expect.any(String) } });
    expect((await ztsync(em, ['validate', dir])).code).toBe(0);
    const plan = await ztsync(em, ['plan', dir, '--detailed-exitcode']);
    expect(plan.stdout).toMatch(/^No changes\./);
    expect(plan.code).toBe(0);
  });

  it('checks for files in the way once it knows the accounts, and writes nothing then', async () => {
    em = await startEmulator({ port: 0, token: SECRET_TOKEN, seed: disagreeingFleetSeed(3) });
    const dir = join(await tempDir(), 'config');
    expect((await ztsync(em, ['import', '--all-accounts', '--out-dir', dir])).code).toBe(0);
    const again = await ztsync(em, ['import', '--all-accounts', '--out-dir', dir]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exist; pass --force to overwrite\. Nothing was written\.\n$/);
  });

  it('leaves out an account the token sees but may not read (403), and says so; a named one still fails the import', async () => {
    em = await startEmulator({ port: 0, token: SECRET_TOKEN, seed: disagreeingFleetSeed(4) });
    em.reconfigure({ forbidden: [fleetId(2)] });
    const dir = join(await tempDir(), 'config');
    const imported = await ztsync(em, ['import', '--all-accounts', '--out-dir', dir]);
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain(
      `Left out 1 account the token sees but may not read (403: give it "Access: Organizations, Identity Providers, and Groups Read" there to import it): ${fleetId(2)}.\n` +
        // No zone was given: the report says that --all-accounts does not list them, rather than let "0 zones" pass for all.
        'Zones are not listed by --all-accounts: give them with --zone or --targets.\nImported 3 accounts and 0 zones to 3 files',
    );
    expect((await readdir(join(dir, 'accounts'))).sort()).toEqual([0, 1, 3].map((i) => `${fleetId(i)}.yaml`));
    const named = await ztsync(em, ['import', '--all-accounts', '--account', fleetId(2), '--out-dir', join(dir, 'again')]);
    expect(named.code).toBe(1);
    expect(named.stderr).toContain(`account ${fleetId(2)}: GET /accounts/${fleetId(2)}/access/organizations → 403`);
  });

  it('reads a hostile account list safely: junk entries ignored, a list that repeats itself ends, a non-list refused', async () => {
    const good = (i: number) => ({ id: fleetId(i).toUpperCase(), name: `Unit ${i}` });
    const junk = [null, 'x', { id: '../../zones' }, { id: 42 }, { name: 'no id' }];
    let mode: 'repeat' | 'not-a-list' = 'repeat';
    server = await startServer((req, res) => {
      const ok = (result: unknown, extra: Record<string, unknown> = {}) => answer(res, 200, { success: true, errors: [], messages: [], result, ...extra });
      if (req.url.startsWith('/client/v4/accounts?')) {
        // Every page is the same (no total_pages): the list would never end.
        return mode === 'repeat' ? ok([good(0), ...junk, good(1)], { result_info: { page: 1, per_page: 50 } }) : ok({ accounts: [] });
      }
      if (/\/access\/organizations$/.test(req.url)) return ok({ name: 'Org', auth_domain: `org-${req.url.split('/')[4]}.cloudflareaccess.com` });
      answer(res, 404, { success: false, errors: [{ code: 12004, message: 'not set' }], messages: [], result: null });
    });
    const env = { CLOUDFLARE_API_TOKEN: SECRET_TOKEN, CLOUDFLARE_BASE_URL: `${server.url}/client/v4` };
    const result = await run(['import', '--all-accounts'], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/^--all-accounts: the token sees 2 accounts \(GET \/accounts, 2 pages\) \(10 entries without a Cloudflare id ignored\)\.\n/);
    expect(parse(result.stdout).accounts.map((a: { account_id: string }) => a.account_id)).toEqual([fleetId(0), fleetId(1)]);
    expect(server.requests.filter((r) => r.url.startsWith('/client/v4/accounts?'))).toHaveLength(2);

    mode = 'not-a-list';
    const refused = await run(['import', '--all-accounts'], { env });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain('GET /accounts: ');
    expect(refused.stderr).toContain('the accounts the token can see could not be listed; nothing was written.');
  });
});
