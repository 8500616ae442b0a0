// ztsync import off the happy path, and what it writes: quoting, layout, key order, comments, no overwrite,
// nothing partial on any failure, --verify catching what does not round-trip.
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { organization, writableFields } from '../../src/resources/index.js';
import { SCHEMA_ID } from '../../src/config/schema.js';
import { answer, startServer, type TestServer } from '../helpers/http.js';
import { run } from '../helpers/io.js';
import { SECRET_TOKEN, ztsync } from '../helpers/reconcile.js';
import { DIGITS_ACCOUNT, DOH_ONLY_ACCOUNT, EMPTY_ACCOUNT, EMPTY_ZONE, everyFieldSeed, FULL_ACCOUNT, FULL_ZONE } from './seeds.js';

let em: RunningEmulator | undefined;
let server: TestServer | undefined;
afterEach(async () => {
  await em?.close();
  em = undefined;
  await server?.close();
  server = undefined;
});

const tempDir = () => mkdtemp(join(tmpdir(), 'ztsync-import-'));
const ALL = ['--account', FULL_ACCOUNT, DIGITS_ACCOUNT, DOH_ONLY_ACCOUNT, EMPTY_ACCOUNT, '--zone', FULL_ZONE, EMPTY_ZONE];

async function everyField(): Promise<RunningEmulator> {
  em = await startEmulator({ port: 0, token: SECRET_TOKEN, seed: everyFieldSeed() });
  return em;
}

/** Every file under dir, relative, sorted. */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1)).sort();
}

describe('what import writes', () => {
  it('quotes what a YAML 1.1 or 1.2 reader would misread, and a 1.1 reader reads the same values back', async () => {
    const em = await everyField();
    const dir = await tempDir();
    const out = join(dir, 'all.yaml');
    expect((await ztsync(em, ['import', ...ALL, '--out', out])).code).toBe(0);
    const text = await readFile(out, 'utf8');
    for (const line of [
      `account_id: "${DIGITS_ACCOUNT}"`,
      'name: "0777"',
      'header_text: "yes"',
      'name: "on"',
      'ui_read_only_toggle_reason: "2001-12-14"',
      'background_color: "#c5ed1b"',
      'background_color: "#000"',
    ]) {
      expect(text).toContain(line);
    }
    for (const version of ['1.1', '1.2'] as const) {
      const data = parse(text, { version });
      expect(data.accounts[1]).toMatchObject({ account_id: DIGITS_ACCOUNT, organization: { name: '0777' } });
      expect(data.zones[0].organization).toMatchObject({ name: 'on', ui_read_only_toggle_reason: '2001-12-14', login_design: { header_text: '  padded  ', footer_text: 'a: b' } });
      expect(data.accounts[0].organization.login_design.header_text).toBe('yes');
    }
  });

  it('writes writable fields only, in table order, leaves server defaults out, and takes doh.service_token_id from the token id', async () => {
    const em = await everyField();
    const dir = await tempDir();
    const out = join(dir, 'all.yaml');
    expect((await ztsync(em, ['import', ...ALL, '--out', out])).code).toBe(0);
    const text = await readFile(out, 'utf8');
    expect(text.startsWith(`# Config schema ${SCHEMA_ID} (`)).toBe(true);
    for (const readOnly of ['created_at', 'updated_at', 'client_id', 'expires_at', 'duration: 8760h', 'name: DoH']) expect(text).not.toContain(readOnly);
    const data = parse(text);
    const full = data.accounts[0].organization;
    const leafOrder = writableFields(organization, 'account').map((f) => f.path.split('.')[0]).filter((k, i, all) => all.indexOf(k) === i);
    expect(Object.keys(full)).toEqual(leafOrder);
    expect(full.mfa_config.allowed_authenticators).toEqual(['biometrics', 'piv_key', 'security_key', 'ssh_fido2_key', 'totp']);
    expect(full.mfa_piv_key_requirements.ssh_key_size).toEqual([256, 4096]);
    // Live text is literal: ${ is written $${, so nothing is read from the environment.
    expect(full.ui_read_only_toggle_reason).toBe('Managed from git: $${ZTSYNC_REASON} and $$${literal}');
    expect(data.accounts[0].doh).toEqual({ service_token_id: 'f174e90a-fafe-4643-bbbc-4a0ed4fc8415', doh_jwt_duration: '800h' });
    // The all-digit account: login_design {} and an empty list are server defaults, so they are left out.
    // Each target's description is its live organization's name.
    expect(data.accounts[1]).toEqual({ account_id: DIGITS_ACCOUNT, description: '0777', organization: { name: '0777', auth_domain: 'digits.cloudflareaccess.com', session_duration: '24h' } });
    // The DoH-only account says what is not set; the targets with nothing set are listed, not imported.
    expect(data.accounts[2]).toEqual({ account_id: DOH_ONLY_ACCOUNT, doh: { service_token_id: '0b1c9a52-6a77-4e09-9d0e-0d9c3e6a1d2f', doh_jwt_duration: '24h' } });
    expect(text).toMatch(new RegExp(`# not set yet: organization\\n  - account_id: ${DOH_ONLY_ACCOUNT}`));
    expect(data.accounts).toHaveLength(3);
    expect(data.zones).toHaveLength(1);
    expect(text).toContain(`#   account ${EMPTY_ACCOUNT}\n#   zone ${EMPTY_ZONE}\n`);
  });

  it("writes the same config whichever shape the API answers in (explicit: false, {} and [] spelled out)", async () => {
    const texts: string[] = [];
    for (const answerStyle of ['sparse', 'explicit'] as const) {
      em = await startEmulator({ port: 0, token: SECRET_TOKEN, seed: everyFieldSeed(), answerStyle });
      const out = join(await tempDir(), 'all.yaml');
      expect((await ztsync(em, ['import', ...ALL, '--out', out])).code).toBe(0);
      texts.push(await readFile(out, 'utf8'));
      await em.close();
      em = undefined;
    }
    expect(texts[1]).toBe(texts[0]);
    expect(texts[0]).not.toMatch(/: false$|: \{\}$|: \[\]$|: ""$/m);
  });

  it('--out-dir writes one file per target, a commented file for a target with nothing set, and defaults.yaml', async () => {
    const em = await everyField();
    const dir = await tempDir();
    const out = join(dir, 'config');
    const targets = ['--account', FULL_ACCOUNT, DIGITS_ACCOUNT, EMPTY_ACCOUNT, '--zone', FULL_ZONE, EMPTY_ZONE];
    const imported = await ztsync(em, ['import', ...targets, '--out-dir', out, '--defaults']);
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    expect(imported.stdout).toBe(
      `Imported 2 accounts and 1 zone to 6 files under ${out}.\n` +
        '--defaults lifted 4 values into defaults (the value most targets share; the others keep their own as overrides):\n' +
        '  organization.deny_unmatched_requests: true, shared by 2 of 3 targets, 1 override\n' +
        '  organization.is_ui_read_only: true, shared by 2 of 3 targets, 1 override\n' +
        '  organization.session_duration: "24h0m0s", shared by 2 of 2 targets, 0 overrides\n' +
        '  organization.user_seat_expiration_inactive_time: "43800m", shared by 2 of 3 targets, 1 override\n' +
        'Left with each target, 7 fields:\n' +
        '  organization.deny_unmatched_requests_exempted_zone_names: set on 2 of 3 targets, 2 different values, none shared by two targets\n' +
        '  organization.ui_read_only_toggle_reason: set on 2 of 3 targets, 2 different values, none shared by two targets\n' +
        ['background_color', 'footer_text', 'header_text', 'logo_path', 'text_color'].map((f) => `  organization.login_design.${f}: set on 2 of 3 targets, 2 different values, none shared by two targets\n`).join('') +
        `Skipped 2 targets with nothing set yet: account ${EMPTY_ACCOUNT}, zone ${EMPTY_ZONE}.\n`,
    );
    expect(await listFiles(out)).toEqual(
      ['defaults.yaml', ...[FULL_ACCOUNT, DIGITS_ACCOUNT, EMPTY_ACCOUNT].map((id) => `accounts/${id}.yaml`), ...[FULL_ZONE, EMPTY_ZONE].map((id) => `zones/${id}.yaml`)].sort(),
    );
    expect(await readFile(join(out, 'zones', `${EMPTY_ZONE}.yaml`), 'utf8')).toMatch(/^# Config schema urn:ztsync:schema:config:v1 .*\n# zone 3{32} has nothing set yet \(no Zero Trust organization\): nothing to import\.\n$/);
    // Both accounts have a 24h session (spelled 24h0m0s and 24h, so the first spelling is written); zones do not
    // take the field. The full account and the zone share three more values: the all-digit account, which leaves
    // them unset, keeps that as overrides (false, or null: unset), so that it plans no change.
    expect(parse(await readFile(join(out, 'defaults.yaml'), 'utf8'))).toEqual({
      defaults: { organization: { deny_unmatched_requests: true, is_ui_read_only: true, session_duration: '24h0m0s', user_seat_expiration_inactive_time: '43800m' } },
    });
    const digits = parse(await readFile(join(out, 'accounts', `${DIGITS_ACCOUNT}.yaml`), 'utf8'));
    expect(digits).toEqual({
      accounts: [
        {
          account_id: DIGITS_ACCOUNT,
          description: '0777',
          organization: { name: '0777', auth_domain: 'digits.cloudflareaccess.com', deny_unmatched_requests: false, is_ui_read_only: false, user_seat_expiration_inactive_time: null },
        },
      ],
    });
    expect((await ztsync(em, ['plan', out])).stdout).toMatch(/^No changes\./);
  });

  it('names the schema by its $id, wherever ztsync is installed; --schema FILE writes a modeline relative to each file', async () => {
    const em = await everyField();
    const dir = await tempDir();
    const out = join(dir, 'config');
    expect((await ztsync(em, ['import', ...ALL, '--out-dir', out, '--defaults'])).code).toBe(0);
    for (const file of await listFiles(out)) {
      const text = await readFile(join(out, file), 'utf8');
      expect(text.split('\n')[0]).toBe(`# Config schema ${SCHEMA_ID} (\`ztsync schema\` prints it; \`ztsync import --schema FILE\` writes an editor modeline).`);
      // Nothing in the files depends on where this ztsync is (its clone, a global install, a temporary prefix).
      expect(text).not.toContain('yaml-language-server');
      expect(text).not.toContain(resolve(__dirname, '../..'));
    }
    // The schema's $id is in the schema itself, so an editor or a validator can tell the format from either side.
    expect(JSON.parse(await readFile(resolve(__dirname, '../../schema/ztsync.schema.json'), 'utf8')).$id).toBe(SCHEMA_ID);

    // --schema FILE: the file as yaml-language-server resolves it (relative to the YAML file's directory).
    const schemaFile = join(dir, 'schema', 'ztsync.schema.json');
    await mkdir(dirname(schemaFile), { recursive: true });
    await writeFile(schemaFile, (await run(['schema'])).stdout);
    expect((await ztsync(em, ['import', ...ALL, '--out-dir', out, '--defaults', '--force', '--schema', schemaFile])).code).toBe(0);
    for (const file of await listFiles(out)) {
      const modeline = (await readFile(join(out, file), 'utf8')).split('\n')[0];
      const ref = /^# yaml-language-server: \$schema=(\S+)$/.exec(modeline)![1];
      expect(ref.startsWith('../')).toBe(true);
      expect(resolve(out, dirname(file), ref)).toBe(schemaFile);
    }
    // A URL as given; a path that does not exist is refused before anything is read.
    const url = 'https://example.com/ztsync.schema.json';
    expect((await ztsync(em, ['import', '--zone', FULL_ZONE, '--schema', url])).stdout.split('\n')[0]).toBe(`# yaml-language-server: $schema=${url}`);
    const missing = await ztsync(em, ['import', '--zone', FULL_ZONE, '--schema', join(dir, 'nope.json')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no such file; write it first (ztsync schema > ');
  });

  it('a re-import is byte for byte the same (it diffs cleanly in git)', async () => {
    const em = await everyField();
    const dir = await tempDir();
    const out = join(dir, 'config');
    expect((await ztsync(em, ['import', ...ALL, '--out-dir', out, '--defaults'])).code).toBe(0);
    const first = await Promise.all((await listFiles(out)).map((f) => readFile(join(out, f), 'utf8')));
    expect((await ztsync(em, ['import', ...ALL, '--out-dir', out, '--defaults', '--force'])).code).toBe(0);
    const second = await Promise.all((await listFiles(out)).map((f) => readFile(join(out, f), 'utf8')));
    expect(second).toEqual(first);
  });

  it('prints to stdout without --out or --out-dir, with the report on stderr', async () => {
    const em = await everyField();
    const result = await ztsync(em, ['import', '--zone', FULL_ZONE]);
    expect(result.code).toBe(0);
    expect(parse(result.stdout).zones[0].zone_id).toBe(FULL_ZONE);
    expect(result.stderr).toBe('Imported 0 accounts and 1 zone to stdout.\n');
  });
});

describe('nothing is written on any failure', () => {
  it('refuses to overwrite without --force, before reading anything; --force overwrites', async () => {
    const em = await everyField();
    const dir = await tempDir();
    const out = join(dir, 'config');
    await mkdir(join(out, 'zones'), { recursive: true });
    await writeFile(join(out, 'zones', `${FULL_ZONE}.yaml`), 'keep me\n');
    const refused = await ztsync(em, ['import', ...ALL, '--out-dir', out]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(`ztsync import: ${join(out, 'zones', `${FULL_ZONE}.yaml`)} already exists; pass --force to overwrite. Nothing was read or written.\n`);
    expect(em.state.snapshot().counters.requests).toEqual({});
    expect(await listFiles(out)).toEqual([`zones/${FULL_ZONE}.yaml`]);
    expect(await readFile(join(out, 'zones', `${FULL_ZONE}.yaml`), 'utf8')).toBe('keep me\n');

    const forced = await ztsync(em, ['import', ...ALL, '--out-dir', out, '--force']);
    expect(forced.code).toBe(0);
    expect(parse(await readFile(join(out, 'zones', `${FULL_ZONE}.yaml`), 'utf8')).zones[0].zone_id).toBe(FULL_ZONE);
  });

  it('a target that cannot be read fails the import, naming it', async () => {
    const em = await everyField();
    const dir = await tempDir();
    const unknown = '44444444444444444444444444444444';
    const result = await ztsync(em, ['import', '--account', FULL_ACCOUNT, unknown, '--out-dir', join(dir, 'config')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`account ${unknown}: GET /accounts/${unknown}/access/organizations → 404: [7003]`);
    expect(result.stderr).toContain('ztsync import: 1 target could not be read; nothing was written.\n');
    expect(await readdir(dir)).toEqual([]);
  });

  it('a live value the schema refuses fails the import at the place it would have been written, with or without --verify', async () => {
    const seed = everyFieldSeed();
    // The emulator stores any string here; the config schema wants a uuid.
    seed.accounts![0].organization!.mfa_config = { ...(seed.accounts![0].organization!.mfa_config as object), required_aaguids: 'not-a-uuid' };
    em = await startEmulator({ port: 0, token: SECRET_TOKEN, seed });
    const dir = await tempDir();
    const out = join(dir, 'all.yaml');
    for (const verify of [[], ['--verify']]) {
      const result = await ztsync(em, ['import', '--account', FULL_ACCOUNT, '--out', out, ...verify]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`^${out}:\\d+:\\d+: .*\\(accounts\\[0\\]\\.organization\\.mfa_config\\.required_aaguids\\)\\n`));
      expect(result.stderr).toContain('ztsync import: the live state cannot be written as valid config (1 problem above); nothing was written.\n');
      expect(await readdir(dir)).toEqual([]);
    }
  });

  it('--verify fails loudly when planning the imported config against live state shows a change', async () => {
    // A purpose-built API whose organization moves between import's read and the verifying plan.
    let reads = 0;
    server = await startServer((req, res) => {
      if (req.url === `/client/v4/accounts/${FULL_ACCOUNT}/access/organizations`) {
        reads++;
        const result = { name: 'Moving', auth_domain: 'moving.cloudflareaccess.com', session_duration: reads === 1 ? '24h' : '12h', is_ui_read_only: reads === 1 };
        answer(res, 200, { success: true, errors: [], messages: [], result });
      } else {
        answer(res, 404, { success: false, errors: [{ code: 12004, message: 'not set' }], messages: [], result: null });
      }
    });
    const base = `${server.url}/client/v4`;
    const dir = await tempDir();
    const out = join(dir, 'moving.yaml');
    const env = { CLOUDFLARE_API_TOKEN: SECRET_TOKEN, CLOUDFLARE_BASE_URL: base };
    const result = await run(['import', '--account', FULL_ACCOUNT, '--out', out, '--verify'], { env });
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `account ${FULL_ACCOUNT} (Moving): organization.is_ui_read_only: live false, imported true\n` +
        `account ${FULL_ACCOUNT} (Moving): organization.session_duration: live "12h", imported "24h"\n` +
        'ztsync import: --verify: the imported config does not round-trip (2 differences above); nothing was written.\n',
    );
    expect(result.code).toBe(1);
    expect(await readdir(dir)).toEqual([]);
    expect(reads).toBe(2);
    // Without --verify the same state is written as it was first read.
    reads = 0;
    expect((await run(['import', '--account', FULL_ACCOUNT, '--out', out], { env })).code).toBe(0);
    expect(parse(await readFile(out, 'utf8')).accounts[0].organization.session_duration).toBe('24h');
  });

  it('a write that fails half way leaves nothing behind: no files, no temporary files, no directories', async () => {
    const em = await everyField();
    const dir = await tempDir();
    const out = join(dir, 'config');
    // zones/ cannot be made: a file is in the way (and it is not one import would write).
    await mkdir(out);
    await writeFile(join(out, 'zones'), 'in the way\n');
    const result = await ztsync(em, ['import', ...ALL, '--out-dir', out]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`ztsync import: cannot write ${join(out, 'zones', `${FULL_ZONE}.yaml`)}: ${join(out, 'zones')} is not a directory; nothing was written.\n`);
    expect(await listFiles(out)).toEqual(['zones']);
    expect(await readdir(out)).toEqual(['zones']);
  });

  it('reports bad ids and bad targets files at file:line:col before reading anything', async () => {
    const em = await everyField();
    const dir = await tempDir();
    const targets = join(dir, 'targets.txt');
    await writeFile(targets, `# the fleet\naccount ${FULL_ACCOUNT}   # full\n\n  acount ${DIGITS_ACCOUNT}\nzone 123\naccount\naccount ${FULL_ACCOUNT}\n`);
    const result = await ztsync(em, ['import', '--targets', targets, '--account', 'ABC']);
    expect(result.stderr).toBe(
      'ztsync import: --account "ABC" is not a Cloudflare id (32 hex digits)\n' +
        `${targets}:4:3: expected "account" or "zone", not "acount"\n` +
        `${targets}:5:6: "123" is not a Cloudflare id (32 hex digits)\n` +
        `${targets}:6:1: expected "account <id>" or "zone <id>"\n`,
    );
    expect(result.code).toBe(1);
    expect(em.state.snapshot().counters.requests).toEqual({});

    // Ids in any case (as plan, apply and revoke-user take them), written to the config in lowercase.
    await writeFile(targets, `account ${FULL_ACCOUNT.toUpperCase()}\nzone ${FULL_ZONE} # twice is once\nzone ${FULL_ZONE.toUpperCase()}\n`);
    const ok = await ztsync(em, ['import', '--targets', targets]);
    expect(ok.stderr).toBe('Imported 1 account and 1 zone to stdout.\n');
    expect(parse(ok.stdout).zones).toHaveLength(1);
    expect([parse(ok.stdout).accounts[0].account_id, parse(ok.stdout).zones[0].zone_id]).toEqual([FULL_ACCOUNT, FULL_ZONE]);
    const upper = await ztsync(em, ['import', '--account', FULL_ACCOUNT.toUpperCase()]);
    expect([upper.code, parse(upper.stdout).accounts[0].account_id]).toEqual([0, FULL_ACCOUNT]);
    for (const [args, message] of [
      [['--targets', join(dir, 'missing.txt')], `${join(dir, 'missing.txt')}: no such file\n`],
      [[], 'ztsync: import needs targets: --account ID, --zone ID, --targets FILE or --all-accounts\n'],
      [['--account', FULL_ACCOUNT, '--out', join(dir, 'x.json')], `ztsync: --out ${join(dir, 'x.json')}: config files end in .yaml or .yml\n`],
    ] as const) {
      const bad = await ztsync(em, ['import', ...args]);
      expect(bad.stderr).toBe(message);
      expect(bad.code).toBe(1);
    }
    // Import plans nothing to apply: the safety options of plan and apply are not its own.
    const help = await ztsync(em, ['import', '--help']);
    expect(help.stdout).toContain('--targets <file>');
    expect(help.stdout).not.toMatch(/--allow|--max-changed-targets|--baseline/);
    const both = await ztsync(em, ['import', '--account', FULL_ACCOUNT, '--out', join(dir, 'a.yaml'), '--out-dir', dir]);
    expect(both.code).toBe(1);
    expect(both.stderr).toContain("option '--out <file>' cannot be used with option '--out-dir <dir>'");
  });

  it('never shows the credentials', async () => {
    const em = await everyField();
    const dir = await tempDir();
    const results = [
      await ztsync(em, ['import', ...ALL, '--out-dir', join(dir, 'c'), '--defaults', '--verify']),
      await ztsync(em, ['import', '--account', '55555555555555555555555555555555']),
      await run(['import', '--account', FULL_ACCOUNT], { env: { CLOUDFLARE_API_TOKEN: 'wrong-' + SECRET_TOKEN, CLOUDFLARE_BASE_URL: em.url } }),
    ];
    expect(results.map((r) => r.code)).toEqual([0, 1, 1]);
    const files = await Promise.all((await listFiles(join(dir, 'c'))).map((f) => readFile(join(dir, 'c', f), 'utf8')));
    for (const text of [...results.flatMap((r) => [r.stdout, r.stderr]), ...files]) expect(text).not.toContain(SECRET_TOKEN);
  });
});
