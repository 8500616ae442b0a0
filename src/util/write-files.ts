// Writing a set of files all or nothing: each goes to a temporary file next to it first (same directory, so the
// rename is atomic), and only when every one is written are they renamed into place. A failure on the way
// removes the temporary files and the directories made for them, so nothing partial is left behind.

import { lstat, mkdir, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

export interface FileToWrite {
  path: string;
  text: string;
}

/** The paths among these that already exist (as anything: a file, a directory, a dangling link). */
export async function existingPaths(paths: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const path of paths) if (await lstat(path).then(() => true, () => false)) found.push(path);
  return found;
}

export async function writeFilesAtomically(files: readonly FileToWrite[], { overwrite }: { overwrite: boolean }): Promise<void> {
  if (!overwrite) {
    const existing = await existingPaths(files.map((f) => f.path));
    if (existing.length > 0) throw new Error(`${existing.join(', ')} already ${existing.length === 1 ? 'exists' : 'exist'}`);
  }
  const madeDirs: string[] = [];
  const temporaries: string[] = [];
  try {
    for (const file of files) {
      await makeDirs(dirname(resolve(file.path)), madeDirs);
      const temporary = `${file.path}.${process.pid}.tmp`;
      temporaries.push(temporary);
      await writeFile(temporary, file.text, { flag: 'wx' });
    }
    for (const [i, file] of files.entries()) await rename(temporaries[i], file.path);
  } catch (err) {
    await Promise.all(temporaries.map((t) => rm(t, { force: true }).catch(() => undefined)));
    for (const dir of madeDirs.reverse()) await rmdir(dir).catch(() => undefined);
    throw err;
  }
}

/** mkdir -p, remembering the directories it made (outermost first). */
async function makeDirs(dir: string, made: string[]): Promise<void> {
  if (await lstat(dir).then(() => true, () => false)) return;
  await makeDirs(dirname(dir), made);
  try {
    await mkdir(dir);
    made.push(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}
