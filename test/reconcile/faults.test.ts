// The client and apply under the faults the emulator injects: retried where safe, never where not.
import { afterEach, describe, expect, it } from 'vitest';
import { applyPlan } from '../../src/apply/apply.js';
import { CloudflareClient, parseRetryAfter, type RetryEvent } from '../../src/cloudflare/client.js';
import { CloudflareApiError } from '../../src/cloudflare/errors.js';
import { loadDesiredState } from '../../src/config/index.js';
import type { FaultKind, RunningEmulator } from '../../src/emulator/index.js';
import { buildPlan } from '../../src/plan/build.js';
import { EXAMPLES, PRODUCTION, RESEARCH, SECRET_TOKEN, demoEmulator, liveAccount, writes, ztsync } from '../helpers/reconcile.js';

let em: RunningEmulator;
afterEach(async () => {
  await em?.close();
  em = undefined as unknown as RunningEmulator;
});

function client(options: { retries?: number; events?: RetryEvent[] } = {}) {
  return new CloudflareClient({
    apiBase: em.url,
    credentials: { kind: 'token', token: SECRET_TOKEN },
    retries: options.retries ?? 4,
    minBackoffMs: 1,
    maxBackoffMs: 4,
    maxRetryAfterMs: 5,
    onRetry: (e) => options.events?.push(e),
  });
}

/** A deterministic fault source: the first `failures` draws fail, then none. */
function failFirst(failures: number): () => number {
  let draws = 0;
  // drawFault draws once for "does it fail" and once for "which kind"; count only the first of each pair.
  let pickingKind = false;
  return () => {
    if (pickingKind) {
      pickingKind = false;
      return 0;
    }
    draws++;
    if (draws <= failures) {
      pickingKind = true;
      return 0;
    }
    return 0.999;
  };
}

const ORG = `/accounts/${PRODUCTION}/access/organizations`;

describe('the client retries what is safe to retry', () => {
  for (const kind of ['500', '502', '503', '429', 'reset'] as FaultKind[]) {
    it(`a GET recovers from ${kind}`, async () => {
      em = await demoEmulator({ faultRate: 0.5, faultKinds: [kind], random: failFirst(2) });
      const events: RetryEvent[] = [];
      const { status, result } = await client({ events }).get<{ name: string }>(ORG);
      expect(status).toBe(200);
      expect(result.name).toBe('Widget Corps Internal Applications');
      expect(events.map((e) => e.attempt)).toEqual([1, 2]);
      expect(em.state.snapshot().counters.faults).toBe(2);
    });
  }

  it('honours Retry-After (capped by maxRetryAfterMs) on a 429', async () => {
    em = await demoEmulator({ faultRate: 0.5, faultKinds: ['429'], random: failFirst(1) });
    const events: RetryEvent[] = [];
    await client({ events }).get(ORG);
    expect(events).toHaveLength(1);
    expect(events[0].error.status).toBe(429);
    expect(events[0].error.retryAfterMs).toBe(1000);
    expect(events[0].waitMs).toBe(5);
  });

  it('gives up after its retries with the last error', async () => {
    em = await demoEmulator({ faultRate: 1, faultKinds: ['503'] });
    const error = await client({ retries: 2 }).get(ORG).catch((e) => e);
    expect(error).toBeInstanceOf(CloudflareApiError);
    expect(error.status).toBe(503);
    expect(em.state.snapshot().counters.faults).toBe(3);
  });

  it('never retries another 4xx', async () => {
    em = await demoEmulator();
    const api = client();
    const error = await api.put(ORG, { allow_authenticate_via_warp: true }).catch((e) => e);
    expect(error.status).toBe(400);
    expect(error.codes).toEqual([12130]);
    expect(api.stats.requests).toBe(1);
  });

  it('does not resend a create whose answer was lost', async () => {
    em = await demoEmulator({ faultRate: 1, faultKinds: ['lost-answer'] });
    const api = client();
    const error = await api.post(`/accounts/${RESEARCH}/access/organizations`, { name: 'R', auth_domain: 'r.cloudflareaccess.com' }).catch((e) => e);
    expect(error.kind).toBe('network');
    expect(api.stats.requests).toBe(1);
    // The create went through: the answer was lost after the state changed.
    expect(liveAccount(em, RESEARCH).organization?.name).toBe('R');
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-11-24T00:00:00Z');
    expect(parseRetryAfter('30', now)).toBe(30_000);
    expect(parseRetryAfter('Tue, 24 Nov 2026 00:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Mon, 23 Nov 2026 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe('apply under faults', () => {
  async function desired() {
    const { state } = await loadDesiredState([EXAMPLES]);
    return state!;
  }

  it('a create whose answer was lost is recognised, not made twice', async () => {
    em = await demoEmulator();
    const api = client();
    const plan = await buildPlan(await desired(), api, { accounts: [RESEARCH] });
    em.reconfigure({ faultRate: 1, faultKinds: ['lost-answer'] });
    const result = await applyPlan(plan, api);
    em.reconfigure({ faultRate: 0 });
    expect(result.summary).toEqual({ applied: 1, unchanged: 0, failed: 0, skipped: 0, unconfirmed: 0, blocked: 0 });
    expect(writes(em)).toBe(1);
  });

  it('a create refused by a connection reset is sent again once a read shows nothing was created', async () => {
    const script: number[] = [];
    em = await demoEmulator({ faultRate: 0.5, faultKinds: ['reset'], random: () => script.shift() ?? 0.999 });
    const api = client();
    const plan = await buildPlan(await desired(), api, { accounts: [RESEARCH] });
    // The read before writing passes; the POST draws a fault (0) of the only kind (0); everything after passes.
    script.push(0.999, 0, 0);
    const result = await applyPlan(plan, api);
    expect(result.summary).toEqual({ applied: 1, unchanged: 0, failed: 0, skipped: 0, unconfirmed: 0, blocked: 0 });
    expect(em.state.snapshot().counters.faults).toBe(1);
    expect(em.state.snapshot().counters.requests).toMatchObject({ 'POST /accounts/:id/access/organizations': 2 });
    expect(writes(em)).toBe(1);
  });

  // Under every emulator mode (vitest.config.ts runs this file once per PUT semantics × answer style).
  {
    it('converges through a mix of every fault kind', async () => {
      let seed = 42;
      // A small deterministic PRNG (mulberry32), so the run is the same every time.
      const random = () => {
        seed |= 0;
        seed = (seed + 0x6d2b79f5) | 0;
        let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      };
      em = await demoEmulator({ faultRate: 0.3, random });
      const api = client({ retries: 8 });
      const plan = await buildPlan(await desired(), api, { concurrency: 1 });
      expect(plan.summary).toEqual({ create: 1, update: 3, noop: 2, error: 0, weakens: 0 }); // buildPlan alone: security drift is marked by the pipeline
      expect(plan.targets.map((t) => t.name)).toEqual(['Production', 'Research (new)', 'Staging', 'intranet.widgetcorps.example']);
      const result = await applyPlan(plan, api, { concurrency: 1 });
      expect(result.summary).toEqual({ applied: 3, unchanged: 1, failed: 0, skipped: 0, unconfirmed: 0, blocked: 0 });
      em.reconfigure({ faultRate: 0 });
      const again = await ztsync(em, ['plan', EXAMPLES, '--detailed-exitcode']);
      expect(again.code).toBe(0);
      expect(em.state.snapshot().counters.faults).toBeGreaterThan(3);
    });
  }
});
