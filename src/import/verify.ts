// Checking what import is about to write, before anything is written: the files must pass ztsync's own
// validation, and (--verify) planning them against the live state must show no change at all.

import { checkConfigTexts, formatDiagnostic, type DesiredState } from '../config/index.js';
import type { CloudflareClient } from '../cloudflare/client.js';
import { buildPlan } from '../plan/build.js';
import { show, targetLabel } from '../plan/model.js';
import type { ImportFile } from './render.js';

/** What the config stage calls a file import prints to stdout. */
export const STDOUT_NAME = '<stdout>';

/** The files as config: their bytes as they will be on disk (UTF-8), validated like `ztsync validate` does. */
export async function checkImportFiles(files: readonly ImportFile[]): Promise<{ state: DesiredState | null; problems: string[] }> {
  const sources = files.map((f) => ({ path: f.path ?? STDOUT_NAME, text: Buffer.from(f.text, 'utf8').toString('utf8') }));
  // Imported strings hold no references (a live ${ is written $${), so the environment plays no part.
  const { state, diagnostics } = await checkConfigTexts(sources, { env: {} });
  return { state, problems: diagnostics.map(formatDiagnostic) };
}

/** Every change or error a plan of the imported config shows against live state: empty when it round-trips. */
export async function roundTripProblems(state: DesiredState, client: CloudflareClient, concurrency: number, onTarget: () => void = () => {}): Promise<string[]> {
  const plan = await buildPlan(state, client, { concurrency, onTarget });
  const problems: string[] = [];
  for (const target of plan.targets) {
    const label = targetLabel(target);
    if (target.error) problems.push(`${label}: ${target.error.message}`);
    for (const resource of target.resources) {
      if (resource.action === 'create') problems.push(`${label}: ${resource.type} would be created: it is not set live`);
      for (const change of resource.changes) {
        if (resource.action === 'update') problems.push(`${label}: ${resource.type}.${change.path}: live ${show(change.before)}, imported ${show(change.after)}`);
      }
    }
  }
  return problems;
}
