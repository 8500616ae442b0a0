// The one way ztsync writes a file (plan --out, the emulator's --state, import): a temporary file next to it,
// flushed, then renamed over it, so that a reader or a restart sees the old file or the new one, never half of
// one. Whatever fails, the temporary file is removed and the message names the path the user gave. A set of
// files (import --out-dir) is written all or nothing: every temporary file first, then the renames; a rename that
// fails puts back the files renamed before it (from hard links to the old ones). Only a crash between two renames
// can leave some files new and some old: no journal guards against that.

import { randomBytes } from 'node:crypto';
import { closeSync, copyFileSync, fsyncSync, linkSync, lstatSync, mkdirSync, openSync, renameSync, rmdirSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

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
  const temporary = writeTemporary(path, text, mode);
  try {
    renameSync(temporary, path);
  } catch (err) {
    ignoreErrors(() => unlinkSync(temporary));
    throw new FileWriteError(`cannot write ${path}: ${reason(err as NodeJS.ErrnoException, dirname(path))}`);
  }
}

/** The paths among these that exist (as anything: a file, a directory, a dangling link). */
export function existingPaths(paths: readonly string[]): string[] {
  return paths.filter((path) => {
    try {
      lstatSync(path);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Write every file or none: directories are made as needed, each file goes to a temporary file next to it, and
 * only when all are written are they renamed into place. A failure removes the temporary files and the
 * directories made for them, and puts back the files already renamed over (or removes the ones that were new).
 * Without `overwrite`, a file that exists is refused before anything is written.
 */
export function writeFilesAtomicSync(files: readonly { path: string; text: string }[], { overwrite, mode = 0o644 }: { overwrite: boolean; mode?: number }): void {
  if (!overwrite) {
    const existing = existingPaths(files.map((f) => f.path));
    if (existing.length > 0) throw new FileWriteError(`${existing.join(', ')} already ${existing.length === 1 ? 'exists' : 'exist'}`);
  }
  const madeDirs: string[] = [];
  const temporaries: string[] = [];
  // Each file renamed into place, with the old file kept aside (undefined: there was none).
  const renamed: { path: string; old: string | undefined }[] = [];
  try {
    for (const file of files) {
      makeDirs(dirname(resolve(file.path)), madeDirs, file.path);
      temporaries.push(writeTemporary(file.path, file.text, mode));
    }
    for (const [i, file] of files.entries()) {
      const old = keepAside(file.path);
      try {
        renameSync(temporaries[i], file.path);
      } catch (err) {
        if (old !== undefined) ignoreErrors(() => unlinkSync(old));
        throw new FileWriteError(`cannot write ${file.path}: ${reason(err as NodeJS.ErrnoException, dirname(file.path))}`);
      }
      renamed.push({ path: file.path, old });
    }
  } catch (err) {
    // Newest first, so that a path given twice ends as it began.
    for (const { path, old } of renamed.reverse()) ignoreErrors(() => (old === undefined ? unlinkSync(path) : renameSync(old, path)));
    for (const temporary of temporaries) ignoreErrors(() => unlinkSync(temporary));
    for (const dir of madeDirs.reverse()) ignoreErrors(() => rmdirSync(dir));
    throw err;
  }
  for (const { old } of renamed) if (old !== undefined) ignoreErrors(() => unlinkSync(old));
}

/** A second name (a hard link, or a copy where links are not possible) for the regular file at `path`; undefined when there is none. */
function keepAside(path: string): string | undefined {
  let isFile: boolean;
  try {
    isFile = lstatSync(path).isFile();
  } catch {
    return undefined;
  }
  if (!isFile) return undefined;
  const aside = join(dirname(path), `.ztsync-${process.pid}-${randomBytes(4).toString('hex')}.old`);
  try {
    linkSync(path, aside);
  } catch {
    try {
      copyFileSync(path, aside);
    } catch (err) {
      throw new FileWriteError(`cannot write ${path}: ${reason(err as NodeJS.ErrnoException, dirname(path))}`);
    }
  }
  return aside;
}

/** The text in a new temporary file next to `path`, flushed; its name. */
function writeTemporary(path: string, text: string, mode: number): string {
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
    return temporary;
  } catch (err) {
    if (fd !== undefined) ignoreErrors(() => closeSync(fd!));
    ignoreErrors(() => unlinkSync(temporary));
    throw new FileWriteError(`cannot write ${path}: ${reason(err as NodeJS.ErrnoException, dir)}`);
  }
}

/** mkdir -p, remembering the directories it made (outermost first). */
function makeDirs(dir: string, made: string[], forPath: string): void {
  if (exists(dir)) return;
  makeDirs(dirname(dir), made, forPath);
  try {
    mkdirSync(dir);
    made.push(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new FileWriteError(`cannot write ${forPath}: ${reason(err as NodeJS.ErrnoException, dirname(dir))}`);
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
