// Is a saved plan still fresh? Per target, the live state is read again and compared, whole, with the
// snapshot the plan recorded: any moved field counts, known to ztsync or not, so a generic deep JSON diff
// (json-diff-ts) is the right tool here, where the plan's own diff is table-driven and by meaning.

import { atomizeChangeset, diff } from 'json-diff-ts';
import type { CloudflareClient } from '../cloudflare/client.js';
import { readLive } from '../cloudflare/endpoints.js';
import { show, type LiveObject, type TargetPlan } from '../plan/model.js';
import { RESOURCES } from '../resources/index.js';

/** A path whose live value is not the one the plan recorded. `undefined` stands for "absent". */
export interface MovedPath {
  path: string;
  recorded: unknown;
  current: unknown;
}

/** The target's live objects keyed by resource type, as the plan recorded them and as they are now. */
export type Snapshot = Record<string, LiveObject | null>;

export function recordedSnapshot(target: TargetPlan): Snapshot {
  return Object.fromEntries(target.resources.map((r) => [r.type, r.live]));
}

export async function currentSnapshot(client: CloudflareClient, target: TargetPlan): Promise<Snapshot> {
  const snapshot: Snapshot = {};
  for (const resource of target.resources) snapshot[resource.type] = await readLive(client, resource.type, target.scope, target.id);
  return snapshot;
}

/** Fields that move by themselves (declared `volatile` in the resource tables), as snapshot paths: "doh.last_seen_at". */
const VOLATILE_PATHS = new Set(RESOURCES.flatMap((spec) => spec.fields.filter((f) => f.volatile).map((f) => `${spec.type}.${f.liveKey ?? f.path}`)));

/**
 * Every path that moved between the two snapshots (in json-diff-ts order), e.g. "organization.login_design.header_text".
 * Any field counts, known to ztsync or not, except those declared volatile.
 */
export function movedPaths(recorded: Snapshot, current: Snapshot): MovedPath[] {
  const moved = new Map<string, MovedPath>();
  for (const change of atomizeChangeset(diff(recorded, current))) {
    const path = change.path.replace(/^\$\./, '');
    if (VOLATILE_PATHS.has(path)) continue;
    // A type change (or null ↔ object) arrives as a REMOVE and an ADD of the same path: one move.
    const entry = moved.get(path) ?? { path, recorded: undefined, current: undefined };
    if (change.type === 'UPDATE') Object.assign(entry, { recorded: change.oldValue, current: change.value });
    else if (change.type === 'REMOVE') entry.recorded = change.value;
    else entry.current = change.value;
    moved.set(path, entry);
  }
  return [...moved.values()];
}

/** Fields the API sets on every write (updated_at): named only when nothing else moved. */
const STAMP_PATHS = new Set(RESOURCES.flatMap((spec) => spec.fields.filter((f) => f.stamp).map((f) => `${spec.type}.${f.liveKey ?? f.path}`)));

export function describeMoved(moved: readonly MovedPath[]): string[] {
  const shown = (value: unknown) => (value === undefined ? '(absent)' : show(value));
  const settings = moved.filter((m) => !STAMP_PATHS.has(m.path));
  return (settings.length > 0 ? settings : moved).map((m) => `${m.path}: ${shown(m.recorded)} when planned, now ${shown(m.current)}`);
}
