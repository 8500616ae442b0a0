// What the config does not manage, as live: compared before and after an apply, it must not have moved.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { StateSnapshot } from '../../src/emulator/index.js';

/** The account entries of a fleet's config files (test/helpers/scale.ts writes them). */
export async function desiredEntries(dir: string): Promise<Record<string, unknown>[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort();
  return (await Promise.all(files.map(async (f) => parse(await readFile(join(dir, f), 'utf8')).accounts as Record<string, unknown>[]))).flat();
}

const TIMESTAMPS = new Set(['created_at', 'updated_at']);

/**
 * Per account id: every live organization and DoH field (flattened to dotted paths, timestamps left out) that the
 * account's config entry does not set. Resources that do not exist yet have nothing unmanaged to keep.
 */
export function unmanagedFields(snapshot: StateSnapshot, entries: Record<string, unknown>[]): Map<string, Record<string, unknown>> {
  const byId = new Map(entries.map((e) => [String(e.account_id), e]));
  const out = new Map<string, Record<string, unknown>>();
  for (const account of snapshot.accounts) {
    const entry = byId.get(account.id) ?? {};
    const fields: Record<string, unknown> = {};
    for (const type of ['organization', 'doh'] as const) {
      const live = account[type] as Record<string, unknown> | undefined;
      if (!live) continue;
      const managed = new Set(Object.keys(flatten((entry[type] as Record<string, unknown> | undefined) ?? {})));
      for (const [path, value] of Object.entries(flatten(live))) {
        if (!managed.has(path) && !TIMESTAMPS.has(path)) fields[`${type}.${path}`] = value;
      }
    }
    out.set(account.id, fields);
  }
  return out;
}

function flatten(value: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (v && typeof v === 'object' && !Array.isArray(v)) Object.assign(out, flatten(v as Record<string, unknown>, `${prefix}${key}.`));
    else out[prefix + key] = v;
  }
  return out;
}
