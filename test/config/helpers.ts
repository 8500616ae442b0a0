// Small YAML fixtures written to a fresh temp directory, loaded through the real config stage.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { formatDiagnostic, loadDesiredState } from '../../src/config/index.js';

export const ACCOUNT = '023e105f4ecef8ad9ca31a8372d0c353';
export const ACCOUNT2 = '1a2b3c4d5e6f708192a3b4c5d6e7f801';
export const ZONE = '699d98642c564d2e855e9661899b7252';
export const TOKEN = 'f174e90a-fafe-4643-bbbc-4a0ed4fc8415';

/** Write files (name → text) into a new temp directory; returns the directory. */
export function writeConfig(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ztsync-config-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/** Load the given files (or the whole directory) and return the state and the diagnostics as printed, with paths relative to the directory. */
export async function load(files: Record<string, string>, paths?: string[]) {
  const dir = writeConfig(files);
  const result = await loadDesiredState((paths ?? ['.']).map((p) => join(dir, p)));
  const shown = result.diagnostics.map((d) => formatDiagnostic({ ...d, file: relative(dir, d.file) || d.file }));
  return { ...result, dir, shown };
}

/** The printed diagnostics of one file, `c.yaml`, with the given text. */
export async function problems(text: string): Promise<string[]> {
  return (await load({ 'c.yaml': text })).shown;
}

/** An account entry with an organization written with the given lines (indented under organization:). */
export function accountWithOrg(...orgLines: string[]): string {
  return ['accounts:', `  - account_id: ${ACCOUNT}`, '    organization:', ...orgLines.map((l) => `      ${l}`), ''].join('\n');
}
