// Files written to break the parser or to be misread, kept under test/fixtures/hostile: each is refused with a
// message in ztsync's own words at file:line:col, never a stack trace.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic, loadDesiredState } from '../../src/config/index.js';
import { loadSeedFile } from '../../src/emulator/index.js';
import { call, ORG_PATH, startTestEmulator } from '../helpers/emulator.js';
import { run } from '../helpers/io.js';
import { ACCOUNT, load, problems } from './helpers.js';

const HOSTILE = fileURLToPath(new URL('../fixtures/hostile/', import.meta.url));
const at = (name: string) => `${HOSTILE}${name}`;

async function shown(name: string): Promise<string[]> {
  const { state, diagnostics } = await loadDesiredState([at(name)]);
  expect(state).toBeNull();
  return diagnostics.map((d) => formatDiagnostic({ ...d, file: d.file.slice(HOSTILE.length) }));
}

describe('hostile config files', () => {
  it('refuses bytes that are not UTF-8, at the first bad byte', async () => {
    // Line 4 holds a valid é (two bytes); line 5 a Latin-1 é (0xe9), which would otherwise be sent as U+FFFD.
    expect(await shown('invalid-utf8.yaml')).toEqual(['invalid-utf8.yaml:5:40: not UTF-8: byte 0xe9 at byte offset 146 is not valid UTF-8; save the file as UTF-8']);
    expect(await shown('utf16.yaml')).toEqual(['utf16.yaml:1:1: not UTF-8: the file looks like UTF-16; save it as UTF-8']);
  });

  it('accepts a U+FFFD written on purpose', async () => {
    const { shown: problems } = await load({ 'c.yaml': `accounts:\n  - account_id: ${ACCOUNT}\n    description: "\uFFFD ok"\n` });
    expect(problems).toEqual([]);
  });

  it('says in its own words that a file holds one document', async () => {
    expect(await shown('multi-document.yaml')).toEqual(['multi-document.yaml:4:1: a second YAML document starts here (---): a file holds one document; split it into two files']);
  });

  it('says that YAML indents with spaces', async () => {
    expect(await shown('tab-indent.yaml')).toEqual(['tab-indent.yaml:2:1: a tab is used for indentation: YAML indents with spaces only']);
  });

  it('explains an unquoted # colour: YAML read it as a comment', async () => {
    expect(await shown('unquoted-hash-colour.yaml')).toEqual([
      'unquoted-hash-colour.yaml:5:9: "background_color" has no value: in YAML, # starts a comment; quote the value: background_color: "#c5ed1b" (accounts[0].organization.login_design.background_color)',
    ]);
  });

  it('says a duration needs a unit, with examples for the field', async () => {
    expect(await shown('duration-without-unit.yaml')).toEqual([
      'duration-without-unit.yaml:4:25: 5400 has no unit: a duration needs one, such as "90s", "30m", "12h" or "2h45m" (units: ns, us, µs, ms, s, m, h) (accounts[0].organization.session_duration)',
    ]);
  });

  it("refuses durations beyond Go's range in every duration field", async () => {
    expect(await shown('duration-beyond-go.yaml')).toEqual([
      'duration-beyond-go.yaml:4:25: "2562048h" is longer than the longest Go duration (2562047h47m16.854775807s) (accounts[0].organization.session_duration)',
      'duration-beyond-go.yaml:5:35: "99999999999999999999h" is longer than the longest Go duration (2562047h47m16.854775807s) (accounts[0].organization.warp_auth_session_duration)',
    ]);
  });

  it('refuses an empty name or auth_domain (a create would go without one, an update would clear it)', async () => {
    expect(await shown('empty-name.yaml')).toEqual([
      'empty-name.yaml:4:13: "name" cannot be empty: the API requires one, so it can be changed but not cleared (accounts[0].organization.name)',
      'empty-name.yaml:5:20: "auth_domain" cannot be empty: the API requires one, so it can be changed but not cleared (accounts[0].organization.auth_domain)',
    ]);
  });

  it('prints no stack trace for any of them through the CLI, and exits 1', async () => {
    for (const name of ['invalid-utf8.yaml', 'utf16.yaml', 'multi-document.yaml', 'unquoted-hash-colour.yaml', 'duration-beyond-go.yaml', 'empty-name.yaml']) {
      const result = await run(['validate', at(name)]);
      expect(result.code, name).toBe(1);
      expect(result.stderr, name).toMatch(new RegExp(`^${at(name).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: `));
      expect(result.stderr, name).not.toMatch(/\n\s+at |YAML\.|parseAllDocuments/);
    }
  });
});

describe('hostile seed files (the emulator)', () => {
  it('refuses a seed that is not UTF-8, and words YAML errors the same way', async () => {
    await expect(loadSeedFile(at('invalid-utf8.yaml'))).rejects.toThrow(`${at('invalid-utf8.yaml')}:5:40: not UTF-8: byte 0xe9`);
    await expect(loadSeedFile(at('multi-document.yaml'))).rejects.toThrow(`${at('multi-document.yaml')}:4:1: a second YAML document starts here (---)`);
  });

  it("refuses durations beyond Go's range in API bodies", async () => {
    const em = await startTestEmulator();
    try {
      for (const body of [{ session_duration: '2562048h' }, { warp_auth_session_duration: '99999999999999999999h' }]) {
        const reply = await call(em, 'PUT', ORG_PATH, { body: { name: 'Widget Corps', auth_domain: 'widget.cloudflareaccess.com', ...body } });
        expect(reply.status).toBe(400);
        expect(reply.body.errors[0].message).toMatch(/is longer than the longest duration \(2562047h47m16\.854775807s\)/);
      }
    } finally {
      await em.close();
    }
  });
});

describe('reading directories', () => {
  it('skips dot-directories and node_modules, but reads a dot-directory given by name', async () => {
    const { dir, state, shown: problems } = await load({
      'accounts/prod.yaml': `accounts:\n  - account_id: ${ACCOUNT}\n`,
      '.github/workflows/ci.yml': 'on: push\njobs: {}\n',
      '.git/config.yaml': 'not: config\n',
      'node_modules/pkg/.eslintrc.yaml': 'rules: {}\n',
    });
    expect(problems).toEqual([]);
    expect(state!.files.map((f) => f.slice(dir.length + 1))).toEqual(['accounts/prod.yaml']);
    const explicit = await loadDesiredState([`${dir}/.github`]);
    expect(explicit.diagnostics.map((d) => d.message)).toContain('unknown key "on"; expected one of: defaults, accounts, zones, allow, budget');
  });
});

describe('a colour left unquoted inside { … }', () => {
  it('says once that # starts a comment, in ztsync\'s words', async () => {
    const shown = await problems(
      ['accounts:', '  - account_id: 023e105f4ecef8ad9ca31a8372d0c353', '    organization: { login_design: { background_color: #c5ed1b } }', ''].join('\n'),
    );
    expect(shown).toHaveLength(1);
    expect(shown[0]).toMatch(/^c\.yaml:\d+:\d+: a \{ … \} or \[ … \] is cut short by a comment: # starts a comment in YAML, so quote values that hold it/);
  });
});
