// The I/O edge of import: read every resource of every target. A target whose read fails carries its error;
// the others are read all the same, so that one run reports every failure.

import type { CloudflareClient } from '../cloudflare/client.js';
import { readLive, type LiveObject } from '../cloudflare/endpoints.js';
import { planError } from '../plan/build.js';
import { RESOURCES, type ResourceType } from '../resources/index.js';
import { mapLimit } from '../util/map-limit.js';
import type { ImportTarget } from './targets.js';

export interface LiveTarget extends ImportTarget {
  /** Each resource the scope has, as the API reported it; null when it is not set up. */
  live: Partial<Record<ResourceType, LiveObject | null>>;
  error: string | null;
  /** The HTTP status of the failed read, when it got one (403: the token may not reach this target). */
  status?: number;
}

export async function readTargets(client: CloudflareClient, targets: readonly ImportTarget[], concurrency: number, onDone: () => void = () => {}): Promise<LiveTarget[]> {
  return mapLimit(targets, concurrency, async (target) => {
    try {
      return await readTarget(client, target);
    } finally {
      onDone();
    }
  });
}

async function readTarget(client: CloudflareClient, target: ImportTarget): Promise<LiveTarget> {
  const live: LiveTarget['live'] = {};
  try {
    for (const spec of RESOURCES) {
      if (spec.scopes.includes(target.scope)) live[spec.type] = await readLive(client, spec.type, target.scope, target.id);
    }
    return { ...target, live, error: null };
  } catch (err) {
    const failure = planError(err);
    return { ...target, live, error: failure.message, ...(failure.status === undefined ? {} : { status: failure.status }) };
  }
}
