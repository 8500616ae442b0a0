// The action as the runner installs it: action.yml and the committed bundle copied into a fresh folder outside the
// workspace (and outside this repository, so no node_modules sits anywhere above it).
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ActionMetadata {
  inputs: Record<string, { default?: string }>;
  runs: { using: string; main: string };
}

export const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as ActionMetadata;

/** A new folder holding only action.yml and the bundle at runs.main; returns its path (GITHUB_ACTION_PATH). */
export async function installAction(): Promise<string> {
  const actionPath = await mkdtemp(join(tmpdir(), 'ztsync-action-'));
  await copyFile(join(ROOT, 'action.yml'), join(actionPath, 'action.yml'));
  await mkdir(dirname(join(actionPath, action.runs.main)), { recursive: true });
  await copyFile(join(ROOT, action.runs.main), join(actionPath, action.runs.main));
  return actionPath;
}
