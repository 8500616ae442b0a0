// A saved plan records what it covers: the run's selection of targets, and the git commit of the config it was
// made from (null outside a git work tree), so that apply can check it is given the same config and selection.
import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { EXAMPLES, PRODUCTION, ZONE, demoEmulator, ztsync } from '../helpers/reconcile.js';

let em: RunningEmulator;
afterEach(async () => {
  await em?.close();
});

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'init.defaultBranch=main', ...args], { cwd, encoding: 'utf8' }).trim();

async function coverage(args: string[]) {
  const out = join(await mkdtemp(join(tmpdir(), 'ztsync-coverage-')), 'plan.json');
  const result = await ztsync(em, ['plan', ...args, '--format', 'json', '--out', out]);
  expect(result.stderr).toBe('');
  return JSON.parse(await readFile(out, 'utf8')).coverage;
}

describe('plan coverage', () => {
  it('outside git: the selection as given (ids lowercased), no commit', async () => {
    em = await demoEmulator();
    const config = await mkdtemp(join(tmpdir(), 'ztsync-nogit-'));
    await cp(EXAMPLES, config, { recursive: true });
    expect(await coverage([config])).toEqual({ shard: null, accounts: [], zones: [], select: null, only: null, config_commit: null, config_dirty: false });
    expect(await coverage([config, '--account', PRODUCTION.toUpperCase(), '--zone', ZONE, '--shard', '1/1'])).toEqual({
      shard: '1/1',
      accounts: [PRODUCTION],
      zones: [ZONE],
      select: null,
      only: null,
      config_commit: null,
      config_dirty: false,
    });
  });

  it('in a git work tree: HEAD, and whether the config paths hold changes it does not', async () => {
    em = await demoEmulator();
    const repo = await mkdtemp(join(tmpdir(), 'ztsync-git-'));
    git(repo, 'init', '-q');
    await cp(EXAMPLES, join(repo, 'config'), { recursive: true });
    await writeFile(join(repo, 'notes.txt'), 'not config\n');
    git(repo, 'add', 'config');
    git(repo, 'commit', '-qm', 'config');
    const head = git(repo, 'rev-parse', 'HEAD');
    // An untracked file outside the config paths does not make the config dirty.
    expect(await coverage([join(repo, 'config')])).toMatchObject({ config_commit: head, config_dirty: false });
    await writeFile(join(repo, 'config', 'extra.yaml'), '# nothing yet\n');
    expect(await coverage([join(repo, 'config')])).toMatchObject({ config_commit: head, config_dirty: true });
  });
});
