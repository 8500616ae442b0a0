// Fault, latency and rate-limit injection, each made deterministic (injected random, clock and sleep).
import { afterEach, describe, expect, it } from 'vitest';
import { FAULT_KINDS, type RunningEmulator } from '../../src/emulator/index.js';
import { call, codes, EMPTY_ORG_PATH, ORG_PATH, startTestEmulator } from '../helpers/emulator.js';

let em: RunningEmulator;
afterEach(async () => {
  await em?.close();
});

/** What a request that gets no answer rejects with. */
async function dropped(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    () => undefined,
    (err: Error) => err,
  );
  expect(outcome, 'the request should have lost its connection').toBeInstanceOf(Error);
  expect(outcome!.message).toBe('fetch failed');
  return outcome!;
}

describe('faults', () => {
  for (const status of [500, 502, 503] as const) {
    it(`${status}: the failure envelope with that status, nothing written`, async () => {
      em = await startTestEmulator({ faultRate: 1, faultKinds: [String(status) as '500'], random: () => 0 });
      const reply = await call(em, 'PUT', ORG_PATH, { body: { name: 'Changed', auth_domain: 'widget.cloudflareaccess.com' } });
      expect(reply.status).toBe(status);
      expect(reply.body).toMatchObject({ success: false, messages: [], result: null });
      expect(codes(reply)).toEqual([10000 + status]);
      expect(em.state.toSeed().accounts[0].organization!.name).toBe('Widget Corps');
      expect(em.state.counters).toMatchObject({ writes: 0, faults: 1, faultsByKind: { [String(status)]: 1 } });
    });
  }

  it('429: the envelope with Retry-After in seconds', async () => {
    em = await startTestEmulator({ faultRate: 1, faultKinds: ['429'], random: () => 0 });
    const reply = await call(em, 'GET', ORG_PATH);
    expect(reply.status).toBe(429);
    expect(reply.headers.get('retry-after')).toBe('1');
    expect(codes(reply)).toEqual([10429]);
  });

  it('reset: the connection drops and nothing happens', async () => {
    em = await startTestEmulator({ faultRate: 1, faultKinds: ['reset'], random: () => 0 });
    await dropped(call(em, 'POST', EMPTY_ORG_PATH, { body: { name: 'New', auth_domain: 'new.cloudflareaccess.com' } }));
    expect(em.state.toSeed().accounts[1].organization).toBeUndefined();
    expect(em.state.counters).toMatchObject({ writes: 0, faultsByKind: { reset: 1 } });
  });

  it('lost-answer: the write is applied, then the connection drops; a naive retry of the POST then fails', async () => {
    em = await startTestEmulator({ faultRate: 1, faultKinds: ['lost-answer'], random: () => 0 });
    const body = { name: 'New', auth_domain: 'new.cloudflareaccess.com' };
    await dropped(call(em, 'POST', EMPTY_ORG_PATH, { body }));
    expect(em.state.toSeed().accounts[1].organization).toMatchObject(body);
    expect(em.state.counters).toMatchObject({ writes: 1, faultsByKind: { 'lost-answer': 1 } });
    em.reconfigure({ faultRate: 0 });
    const retry = await call(em, 'POST', EMPTY_ORG_PATH, { body });
    expect(retry.status).toBe(400);
    expect(codes(retry)).toEqual([12002]);
  });

  it('lost-answer applies to writes only: reads pass untouched', async () => {
    em = await startTestEmulator({ faultRate: 1, faultKinds: ['lost-answer'], random: () => 0 });
    expect((await call(em, 'GET', ORG_PATH)).status).toBe(200);
    expect(em.state.counters.faults).toBe(0);
  });

  it('the rate decides which requests fail, and the second draw picks the kind from the mix', async () => {
    // Draws: 0.9 (≥ the rate: no fault), then 0.1 (< the rate: a fault) and 0.5 (which kind).
    const draws = [0.9, 0.1, 0.5];
    em = await startTestEmulator({ faultRate: 0.5, random: () => draws.shift() ?? 0.9 });
    expect((await call(em, 'GET', ORG_PATH)).status).toBe(200);
    const faulted = await call(em, 'GET', ORG_PATH);
    // GET mix is 500, 502, 503, 429, reset: 0.5 × 5 → index 2 → 503.
    expect(faulted.status).toBe(503);
    expect(em.state.counters.faults).toBe(1);
    expect(FAULT_KINDS).toEqual(['500', '502', '503', '429', 'reset', 'lost-answer']);
  });

  it('faultSeed makes the fault draws repeat exactly, and another seed draws differently', async () => {
    em = await startTestEmulator(); // for afterEach; each run below has an emulator of its own
    const statuses = async (faultSeed: number) => {
      const own = await startTestEmulator({ faultRate: 0.5, faultKinds: ['500', '503'], faultSeed });
      const seen: number[] = [];
      for (let i = 0; i < 24; i++) seen.push((await call(own, 'GET', ORG_PATH)).status);
      await own.close();
      return seen;
    };
    const first = await statuses(7);
    expect(await statuses(7)).toEqual(first);
    expect(await statuses(8)).not.toEqual(first);
    expect(new Set(first)).toEqual(new Set([200, 500, 503]));
  });

  it('the emulator keeps serving after every kind of fault', async () => {
    em = await startTestEmulator({ faultRate: 1, random: () => 0 });
    for (const kind of FAULT_KINDS) {
      em.reconfigure({ faultRate: 1, faultKinds: [kind] });
      await call(em, 'PUT', ORG_PATH, { body: { name: 'W', auth_domain: 'widget.cloudflareaccess.com' } }).catch(() => undefined);
    }
    em.reconfigure({ faultRate: 0 });
    expect((await call(em, 'GET', ORG_PATH)).status).toBe(200);
    expect(em.state.counters.faults).toBe(FAULT_KINDS.length);
  });
});

describe('latency', () => {
  it('waits the configured time before each answer (observed through the injected sleep)', async () => {
    const waits: number[] = [];
    em = await startTestEmulator({ latencyMs: 250, sleep: async (ms) => void waits.push(ms) });
    await call(em, 'GET', ORG_PATH);
    em.reconfigure({ latencyMs: 10 });
    await call(em, 'GET', ORG_PATH);
    em.reconfigure({ latencyMs: 0 });
    await call(em, 'GET', ORG_PATH);
    expect(waits).toEqual([250, 10]);
  });
});

describe('rate limit', () => {
  it('lockout 0: a plain sliding window per credential: 429 with retry-after and the envelope, then room again as the window slides', async () => {
    let t = Date.parse('2025-01-01T00:00:00Z');
    em = await startTestEmulator({ rateLimit: { requests: 3, windowSeconds: 60, lockoutSeconds: 0 }, now: () => new Date(t) });
    for (let i = 0; i < 3; i++) {
      expect((await call(em, 'GET', ORG_PATH)).status).toBe(200);
      t += 10_000;
    }
    // t = +30 s; the first request leaves the window at +60 s.
    const limited = await call(em, 'GET', ORG_PATH);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('30');
    expect(limited.headers.get('ratelimit-policy')).toBe('"burst";q=3;w=60');
    expect(limited.headers.get('ratelimit')).toBe('"default";r=0;t=30');
    expect(limited.body).toMatchObject({ success: false, result: null, errors: [{ code: 10429 }] });

    // Another credential has its own window.
    expect((await call(em, 'GET', ORG_PATH, { headers: { authorization: 'Bearer someone-else' } })).status).toBe(200);

    t += 30_000; // +60 s: the first request has left the window
    expect((await call(em, 'GET', ORG_PATH)).status).toBe(200);
    expect((await call(em, 'GET', ORG_PATH)).status).toBe(429);
    expect(em.state.counters.rateLimited).toBe(2);
    expect(em.state.counters.writes).toBe(0);
  });

  it('every answer carries Ratelimit (remaining, seconds to reset) and Ratelimit-Policy, failures included', async () => {
    let t = Date.parse('2025-01-01T00:00:00Z');
    em = await startTestEmulator({ rateLimit: { requests: 5, windowSeconds: 30 }, now: () => new Date(t) });
    const first = await call(em, 'GET', ORG_PATH);
    expect(first.headers.get('ratelimit')).toBe('"default";r=4;t=30');
    expect(first.headers.get('ratelimit-policy')).toBe('"burst";q=5;w=30');
    expect(first.headers.get('retry-after')).toBeNull();
    t += 12_500;
    const notFound = await call(em, 'GET', '/accounts/ffffffffffffffffffffffffffffffff/access/organizations');
    expect(notFound.status).toBe(404);
    // The oldest request leaves the window 17.5 s from now: rounded up.
    expect(notFound.headers.get('ratelimit')).toBe('"default";r=3;t=18');
    const invalid = await call(em, 'PUT', ORG_PATH, { body: { session_duration: 'soon' } });
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get('ratelimit')).toBe('"default";r=2;t=18');
  });

  it('going over starts a lockout: every call of that credential is refused until it ends, even once the window has room', async () => {
    let t = Date.parse('2025-01-01T00:00:00Z');
    em = await startTestEmulator({ rateLimit: { requests: 2, windowSeconds: 10, lockoutSeconds: 60 }, now: () => new Date(t) });
    expect((await call(em, 'GET', ORG_PATH)).status).toBe(200);
    expect((await call(em, 'GET', ORG_PATH)).status).toBe(200);
    const over = await call(em, 'GET', ORG_PATH);
    expect(over.status).toBe(429);
    expect(over.headers.get('retry-after')).toBe('60');
    expect(over.headers.get('ratelimit')).toBe('"default";r=0;t=60');
    t += 20_000; // the window is empty again, but the lockout holds
    const locked = await call(em, 'PUT', ORG_PATH, { body: { name: 'x' } });
    expect(locked.status).toBe(429);
    expect(locked.headers.get('retry-after')).toBe('40');
    // Another credential is not locked out.
    expect((await call(em, 'GET', ORG_PATH, { headers: { authorization: 'Bearer someone-else' } })).status).toBe(200);
    t += 40_000;
    const after = await call(em, 'GET', ORG_PATH);
    expect(after.status).toBe(200);
    expect(after.headers.get('ratelimit')).toBe('"default";r=1;t=10');
    expect(em.state.counters.rateLimited).toBe(2);
    expect(em.state.counters.writes).toBe(0);
  });

  it('the lockout defaults to the window, as Cloudflare (1200 per 300 s, then 5 minutes refused)', async () => {
    let t = Date.parse('2025-01-01T00:00:00Z');
    em = await startTestEmulator({ rateLimit: { requests: 1, windowSeconds: 300 }, now: () => new Date(t) });
    expect((await call(em, 'GET', ORG_PATH)).status).toBe(200);
    t += 299_000;
    expect((await call(em, 'GET', ORG_PATH)).headers.get('retry-after')).toBe('300');
    t += 299_000;
    expect((await call(em, 'GET', ORG_PATH)).status).toBe(429);
    t += 1_000;
    expect((await call(em, 'GET', ORG_PATH)).status).toBe(200);
  });

  it('POST /__emulator/config takes the lockout and checks it', async () => {
    em = await startTestEmulator();
    const ok = await call(em, 'POST', '/__emulator/config', { body: { rateLimit: { requests: 1, windowSeconds: 5, lockoutSeconds: 0 } } });
    expect(ok.body.rateLimit).toEqual({ requests: 1, windowSeconds: 5, lockoutSeconds: 0 });
    expect((await call(em, 'GET', ORG_PATH)).status).toBe(200);
    expect((await call(em, 'GET', ORG_PATH)).status).toBe(429);
    for (const rateLimit of [{ requests: 1, windowSeconds: 5, lockoutSeconds: -1 }, { requests: 1, windowSeconds: 5, lockout: 3 }]) {
      const bad = await call(em, 'POST', '/__emulator/config', { body: { rateLimit } });
      expect(bad.status).toBe(400);
      expect(bad.body.errors[0].message).toContain('lockoutSeconds');
    }
  });

  it('can be turned on and off while running', async () => {
    em = await startTestEmulator();
    em.reconfigure({ rateLimit: { requests: 1, windowSeconds: 300 } });
    expect((await call(em, 'GET', ORG_PATH)).status).toBe(200);
    expect((await call(em, 'GET', ORG_PATH)).status).toBe(429);
    em.reconfigure({ rateLimit: undefined });
    expect((await call(em, 'GET', ORG_PATH)).status).toBe(200);
  });
});
