// `ztsync validate` and `ztsync schema`, run in-process.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../helpers/io.js';
import { ACCOUNT, writeConfig } from './helpers.js';

const STACK = /\n\s+at |Error:|node_modules/;

describe('ztsync validate', () => {
  it('exits 0 with a summary on stdout when the config is valid', async () => {
    const result = await run(['validate', 'examples/config']);
    expect(result).toEqual({ code: 0, stdout: 'ok: 6 files, 3 accounts, 1 zone\n', stderr: '' });
  });

  it('uses singular and plural in the summary', async () => {
    const dir = writeConfig({ 'one.yaml': `accounts:\n  - account_id: ${ACCOUNT}\n` });
    expect((await run(['validate', join(dir, 'one.yaml')])).stdout).toBe('ok: 1 file, 1 account, 0 zones\n');
  });

  it('exits 1 and prints every diagnostic to stderr, then a count', async () => {
    const dir = writeConfig({
      'bad.yaml': `accounts:\n  - account_id: ${ACCOUNT}\n    organization: { sesion_duration: 24h, session_duration: 1d }\n`,
    });
    const result = await run(['validate', dir]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      [
        `${dir}/bad.yaml:3:21: unknown key "sesion_duration"; did you mean "session_duration"? (accounts[0].organization.sesion_duration)`,
        `${dir}/bad.yaml:3:61: "1d" is not a Go duration (units: ns, us, µs, ms, s, m, h) (accounts[0].organization.session_duration)`,
        '2 problems found',
        '',
      ].join('\n'),
    );
  });

  it('is a usage error without paths', async () => {
    const result = await run(['validate']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/missing required argument 'paths'/);
  });

  it('explains what it checks in --help', async () => {
    const result = await run(['validate', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Usage: ztsync validate \[options\] <paths\.\.\.>/);
    expect(result.stdout).toMatch(/unknown keys/);
    expect(result.stdout).toMatch(/warp_auth_session_duration/);
  });

  it('never prints a stack trace, whatever the input', async () => {
    const dir = writeConfig({
      'syntax.yaml': 'accounts: [\n',
      'keys.yaml': '1: x\n',
      'bomb.yaml': 'a: &a [1,1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n',
      'list.yaml': '- 1\n',
      'scalar.yaml': 'just text\n',
      'types.yaml': 'accounts: {}\nzones: [null, 3, {zone_id: null}]\ndefaults: []\n',
      'notes.txt': 'x',
    });
    const result = await run(['validate', dir, join(dir, 'notes.txt'), join(dir, 'missing')]);
    expect(result.code).toBe(1);
    expect(result.stderr).not.toMatch(STACK);
    expect(result.stderr.trim().split('\n').length).toBeGreaterThanOrEqual(9);
  });
});

describe('ztsync schema', () => {
  it('prints the committed schema', async () => {
    const result = await run(['schema']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(readFileSync('schema/ztsync.schema.json', 'utf8'));
    expect(JSON.parse(result.stdout).title).toBe('ztsync configuration');
  });
});
