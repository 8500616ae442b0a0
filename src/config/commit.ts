// Which git commit the config comes from, for the record a saved plan keeps of what it covers. Asked of git
// itself (a repository's HEAD can be a ref, a packed ref, a worktree's or a submodule's; no npm package reads all
// of them as git does). Outside a git work tree, or without git, the answer is null: the record is a fact when
// given, never a guess.

import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

export interface ConfigCommit {
  commit: string | null;
  /** The config paths hold changes the commit does not (uncommitted or untracked files). */
  dirty: boolean;
}

const NONE: ConfigCommit = { commit: null, dirty: false };

export async function configCommit(paths: readonly string[]): Promise<ConfigCommit> {
  const first = paths[0];
  if (first === undefined) return NONE;
  const absolute = paths.map((p) => resolve(p));
  const info = await stat(absolute[0]).catch(() => null);
  if (!info) return NONE;
  const dir = info.isDirectory() ? absolute[0] : dirname(absolute[0]);
  const commit = await git(dir, ['rev-parse', '--verify', '--quiet', 'HEAD']);
  if (!commit || !/^[0-9a-f]{40,64}$/.test(commit)) return NONE;
  const status = await git(dir, ['status', '--porcelain', '--untracked-files=all', '--', ...absolute]);
  return { commit, dirty: status === undefined || status !== '' };
}

/** git's trimmed output, or undefined when it fails (not a work tree, no git). */
function git(cwd: string, args: string[]): Promise<string | undefined> {
  return new Promise((done) => {
    execFile('git', args, { cwd, timeout: 10_000, env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' } }, (error, stdout) => done(error ? undefined : stdout.trim()));
  });
}
