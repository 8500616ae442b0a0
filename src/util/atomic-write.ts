// The one way ztsync writes a file (plan --out, the emulator's --state): a temporary file next to it, flushed,
// then renamed over it, so that a reader or a restart sees the old file or the new one, never half of one.
// Whatever fails, the temporary file is removed and the message names the path the user gave.

import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

export class FileWriteError extends Error {
  override name = 'FileWriteError';
}

/** Fail early, with the message a write would give, when `path` obviously cannot be written (a directory, a missing directory). */
export function checkWritable(path: string): void {
  if (isDirectory(path)) throw new FileWriteError(`cannot write ${path}: it is a directory`);
  const dir = dirname(path);
  if (!isDirectory(dir)) {
    const missing = !exists(dir);
    throw new FileWriteError(`cannot write ${path}: ${missing ? `the directory ${dir} does not exist` : `${dir} is not a directory`}`);
  }
}

export function writeFileAtomicSync(path: string, text: string, { mode = 0o644 }: { mode?: number } = {}): void {
  if (isDirectory(path)) throw new FileWriteError(`cannot write ${path}: it is a directory`);
  const dir = dirname(path);
  // Not derived from the file's name, so that a name near the length limit still gets a temporary file.
  const temporary = join(dir, `.ztsync-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(temporary, 'wx', mode);
    writeSync(fd, text);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temporary, path);
  } catch (err) {
    if (fd !== undefined) ignoreErrors(() => closeSync(fd!));
    ignoreErrors(() => unlinkSync(temporary));
    throw new FileWriteError(`cannot write ${path}: ${reason(err as NodeJS.ErrnoException, dir)}`);
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

function ignoreErrors(action: () => void): void {
  try {
    action();
  } catch {
    // Already failing: the first error is the one to report.
  }
}

/** Why, in words, without the temporary file's name that Node puts in its messages. */
function reason(err: NodeJS.ErrnoException, dir: string): string {
  switch (err.code) {
    case 'ENOENT':
      return `the directory ${dir} does not exist`;
    case 'ENOTDIR':
      return `${dir} is not a directory`;
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EROFS':
      return 'the file system is read-only';
    default:
      return err.code ?? 'the write failed';
  }
}
