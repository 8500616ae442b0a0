// Retries within a time budget (--retry-budget), and the paced rate budget shared by a credential's workers —
// against small purpose-built servers, on a fake clock: every wait is recorded and moves time, nothing sleeps.
import { afterEach, describe, expect, it } from 'vitest';
import { RateBudget } from '../../src/cloudflare/budget.js';
import { backoffMs, CloudflareClient, DEFAULT_MAX_BACKOFF_MS, DEFAULT_MIN_BACKOFF_MS, DEFAULT_RETRY_BUDGET_MS, type ClientOptions, type RetryEvent } from '../../src/cloudflare/client.js';
import { FakeClock, until } from '../helpers/clock.js';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { answer, startServer, writesRateLimited, type TestServer } from '../helpers/http.js';
import { interruptible, run } from '../helpers/io.js';
import { EXAMPLES, PRODUCTION, SECRET_TOKEN, demoEmulator } from '../helpers/reconcile.js';
import { FLEET_TOKEN, fleetRun, requestsTo, startFleet, type Fleet } from '../helpers/scale.js';

let server: TestServer | undefined;
let fleet: Fleet | undefined;
let em: RunningEmulator | undefined;
afterEach(async () => {
  await server?.close();
  await fleet?.em.close();
  await em?.close();
  server = fleet = em = undefined;
});

const PATH = '/accounts/023e105f4ecef8ad9ca31a8372d0c353/access/organizations';
const ok = { success: true, errors: [], messages: [], result: { name: 'Org' } };
const failure = (code: number) => ({ success: false, errors: [{ code, message: 'failed' }], messages: [], result: null });

/** A server that answers each request with the next scripted status (the last one repeats). */
function scripted(...statuses: (number | [number, string])[]): Promise<TestServer> {
  let i = 0;
  return startServer((req, res) => {
    const next = statuses[Math.min(i++, statuses.length - 1)];
    const [status, retryAfter] = Array.isArray(next) ? next : [next, undefined];
    answer(res, status, status === 200 ? ok : failure(10000 + status), retryAfter ? { 'retry-after': retryAfter } : {});
  });
}

/** Let every pending promise callback run (none of them waits for real time or I/O here). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

function fakeClient(clock: FakeClock, options: Partial<ClientOptions> = {}): CloudflareClient {
  return new CloudflareClient({ apiBase: server!.url, credentials: { kind: 'token', token: FLEET_TOKEN }, now: clock.now, sleep: clock.sleep, ...options });
}

describe('--retry-budget: transient failures are retried until the time budget is spent', () => {
  it('with the longest jitter, a 30 s budget is backoff 1, 2, 4, 8 s, then 10 s (the cap), then what is left: 7 attempts', async () => {
    server = await scripted(503);
    const clock = new FakeClock();
    const events: RetryEvent[] = [];
    const error = await fakeClient(clock, { retryBudgetMs: 30_000, random: () => 1, onRetry: (e) => events.push(e) }).get(PATH).catch((e) => e);
    expect(error.status).toBe(503);
    expect(clock.slept).toEqual([1_000, 2_000, 4_000, 8_000, 10_000, 5_000]);
    expect(server.requests).toHaveLength(7);
    expect(events.map((e) => e.attempt)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('with the shortest jitter the waits halve and the same budget holds more attempts; a recovery ends the retries', async () => {
    server = await scripted(503);
    const clock = new FakeClock();
    await fakeClient(clock, { retryBudgetMs: 30_000, random: () => 0 }).get(PATH).catch(() => undefined);
    expect(clock.slept).toEqual([500, 1_000, 2_000, 4_000, 5_000, 5_000, 5_000, 5_000, 2_500]);
    expect(server.requests).toHaveLength(10);

    await server.close();
    server = await scripted(502, [429, '3'], 500, 200);
    const again = new FakeClock();
    const { status } = await fakeClient(again, { random: () => 0 }).get(PATH);
    expect(status).toBe(200);
    // The 429's Retry-After (3 s) is longer than its backoff (1 s): the longer wait wins.
    expect(again.slept).toEqual([500, 3_000, 2_000]);
    expect(server.requests).toHaveLength(4);
  });

  it('the default budget (2 minutes) holds at least 15 attempts even when every wait is the longest', () => {
    // Why a budget converges where 4 retries did not: at a fault rate of 0.2, five failures in a row happen to
    // one request in 0.2^5 = 1/3125 — a few times in an apply of 300 accounts (~1,500 requests). Within two
    // minutes there are at least 15 attempts, and 0.2^15 ≈ 3·10⁻¹¹ per request.
    const policy = { minBackoffMs: DEFAULT_MIN_BACKOFF_MS, maxBackoffMs: DEFAULT_MAX_BACKOFF_MS };
    let spent = 0;
    let attempts = 1;
    while (spent < DEFAULT_RETRY_BUDGET_MS) spent += backoffMs(attempts++ - 1, policy, () => 1);
    expect(attempts).toBeGreaterThanOrEqual(15);
    for (let n = 0; n < 40; n++) {
      expect(backoffMs(n, policy, () => 1)).toBeLessThanOrEqual(10_000);
      expect(backoffMs(n, policy, () => 0)).toBeGreaterThanOrEqual(500);
    }
    // Jittered at the cap too: workers that fail together do not retry in lockstep.
    expect(backoffMs(20, policy, () => 0)).toBe(5_000);
  });

  it('a Retry-After longer than the budget left fails at once: no wait, no further attempt', async () => {
    server = await scripted([429, '20']);
    const clock = new FakeClock();
    const error = await fakeClient(clock, { retryBudgetMs: 10_000 }).get(PATH).catch((e) => e);
    expect(error.status).toBe(429);
    expect(clock.slept).toEqual([]);
    expect(server.requests).toHaveLength(1);

    // 30 s cover one wait of 20 s; the second 429 finds 10 s left: it fails without waiting.
    const second = new FakeClock();
    await fakeClient(second, { retryBudgetMs: 30_000 }).get(PATH).catch(() => undefined);
    expect(second.slept).toEqual([20_000]);
    expect(server.requests).toHaveLength(3);
  });

  it('--max-retries caps the count within the budget; a budget of 0 never retries', async () => {
    server = await scripted(500);
    const clock = new FakeClock();
    await fakeClient(clock, { retries: 2 }).get(PATH).catch(() => undefined);
    expect(server.requests).toHaveLength(3);
    await fakeClient(clock, { retryBudgetMs: 0 }).get(PATH).catch(() => undefined);
    expect(server.requests).toHaveLength(4);
  });

  it('time spent queued for the rate budget is not spent from the retry budget', async () => {
    server = await scripted(503);
    const clock = new FakeClock();
    const budget = new RateBudget({ requests: 100, windowSeconds: 1 }, clock);
    budget.pause(60_000);
    const request = fakeClient(clock, { retryBudgetMs: 30_000, random: () => 1, budget }).get(PATH).catch((e) => e);
    await until(() => budget.waiting === 1);
    // A minute in the queue: more than the whole retry budget.
    clock.advance(60_000);
    expect((await request).status).toBe(503);
    expect(server.requests).toHaveLength(7);
    expect(budget.waitMs).toBe(60_000);
  });
});

describe('--retry-budget on the command line', () => {
  it('takes a Go duration or seconds; anything else is exit 1 with a clear message, before any request', async () => {
    fleet = await startFleet(2);
    for (const good of ['30s', '2m', '1m30s', '90', '0', '0.5']) {
      const result = await fleetRun(fleet, ['plan', fleet.dir, '-q', '--retry-budget', good]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
    }
    const before = requestsTo(fleet.em, /./);
    for (const bad of ['2 minutes', '30sec', '-1s', '1d', '', 'abc', '-5']) {
      const result = await fleetRun(fleet, ['apply', fleet.dir, '--auto-approve', '--retry-budget', bad]);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(`ztsync: --retry-budget takes a duration such as 2m, 90s or 1m30s (or a number of seconds, 0 for no retry), not "${bad}"\n`);
    }
    expect(requestsTo(fleet.em, /./)).toBe(before);
  });
});

describe('the paced rate budget (RateBudget)', () => {
  it('paces to N per window: a request counts from its send until a window after its answer', async () => {
    const clock = new FakeClock();
    const budget = new RateBudget({ requests: 3, windowSeconds: 10 }, clock);
    const granted: number[] = [];
    const requests = Array.from({ length: 7 }, () => budget.acquire().then((release) => (granted.push(clock.now()), release)));
    await until(() => granted.length === 3);
    expect(budget.waiting).toBe(4);
    // In flight for 2 s: the window starts at the answer, not at the send.
    clock.advance(2_000);
    for (const release of await Promise.all(requests.slice(0, 3))) release();
    clock.advance(9_999);
    await settle();
    expect(granted).toHaveLength(3);
    clock.advance(1);
    await until(() => granted.length === 6);
    expect(granted.slice(3)).toEqual([12_000, 12_000, 12_000]);
    for (const release of await Promise.all(requests.slice(3, 6))) release();
    clock.advance(10_000);
    await until(() => granted.length === 7);
    expect(granted[6]).toBe(22_000);
  });

  it('is shared by every worker: however many, never more than N in any window', async () => {
    const clock = new FakeClock();
    const budget = new RateBudget({ requests: 5, windowSeconds: 1 }, clock);
    const sent: number[] = [];
    // Six workers of one credential, 10 requests each, each answered at once.
    const workers = Array.from({ length: 6 }, async () => {
      for (let i = 0; i < 10; i++) {
        const release = await budget.acquire();
        sent.push(clock.now());
        release();
      }
    });
    const all = Promise.all(workers);
    while (sent.length < 60) {
      await settle();
      clock.advance(250);
    }
    await all;
    for (const t of sent) expect(sent.filter((u) => u >= t && u < t + 1_000).length).toBeLessThanOrEqual(5);
    // Full use of the budget: 60 requests at 5 per second take 11 windows after the first.
    expect(Math.max(...sent)).toBe(11_000);
  });

  it('slows down when a Ratelimit answer says the quota is used up (someone else spends it)', async () => {
    const clock = new FakeClock();
    const budget = new RateBudget({ requests: 100, windowSeconds: 60 }, clock);
    (await budget.acquire())({ ratelimit: '"default";r=4;t=30' });
    // Quota left: no pause.
    const next = await budget.acquire();
    expect(clock.now()).toBe(0);
    next({ ratelimit: '"default";r=0;t=30' });
    let granted = false;
    const waiting = budget.acquire().then((release) => ((granted = true), release));
    await until(() => budget.waiting === 1);
    clock.advance(29_999);
    await settle();
    expect(granted).toBe(false);
    clock.advance(1);
    (await waiting)();
    expect(budget.waitMs).toBe(30_000);
  });

  it('reports how long it held the run back (wall time some request waited) apart from the waits summed over requests', async () => {
    const clock = new FakeClock();
    const budget = new RateBudget({ requests: 100, windowSeconds: 60 }, clock);
    budget.pause(10_000);
    const eight = Array.from({ length: 8 }, () => budget.acquire());
    await until(() => budget.waiting === 8);
    clock.advance(4_000);
    expect(budget.heldMs).toBe(4_000); // while still held
    clock.advance(6_000);
    for (const release of await Promise.all(eight)) release();
    expect(budget.waitMs).toBe(80_000);
    expect(budget.heldMs).toBe(10_000);
    // Room at once: nothing more held.
    (await budget.acquire())();
    clock.advance(5_000);
    expect(budget.heldMs).toBe(10_000);
  });

  it('a request still waiting when the run is stopped (Ctrl-C) leaves the queue uncounted, and no timer is left', async () => {
    const clock = new FakeClock();
    const budget = new RateBudget({ requests: 1, windowSeconds: 10 }, clock);
    (await budget.acquire())();
    const stop = new AbortController();
    const waiting = budget.acquire(stop.signal).catch((reason) => reason);
    await settle();
    expect(budget.waiting).toBe(1);
    expect(clock.pending).toBe(1);
    stop.abort('SIGINT');
    expect(await waiting).toBe('SIGINT');
    expect(budget.waiting).toBe(0);
    // Nothing left to hold a process open.
    expect(clock.pending).toBe(0);
    await expect(budget.acquire(stop.signal)).rejects.toBe('SIGINT');
    // Once there is room, a request of a stopped run still goes (a write in flight reads back).
    clock.advance(10_000);
    (await budget.acquire(stop.signal))();
  });

  it('a 429 pauses every worker of the credential until its retry-after', async () => {
    // The first request is rate limited (retry-after 7 s); the second, sent by another worker while the first
    // waits, is held by the budget until the 7 s are over, and so is the first one's retry.
    let seen = 0;
    server = await startServer((req, res) => (seen++ === 0 ? answer(res, 429, failure(10429), { 'retry-after': '7' }) : answer(res, 200, ok)));
    const clock = new FakeClock();
    const budget = new RateBudget({ requests: 100, windowSeconds: 1 }, clock);
    const sleeps: number[] = [];
    const client = fakeClient(clock, { budget, sleep: (ms) => (sleeps.push(ms), new Promise<void>((resolve) => clock.setTimeout(resolve, ms))) });
    const first = client.get(PATH);
    await until(() => sleeps.length === 1);
    expect(sleeps).toEqual([7_000]);
    const second = client.get(PATH);
    await until(() => budget.waiting === 1);
    clock.advance(6_999);
    await settle();
    expect(server.requests).toHaveLength(1);
    clock.advance(1);
    await Promise.all([first, second]);
    expect(server.requests).toHaveLength(3);
    expect(budget.waitMs).toBe(7_000);
  });
});

describe('Ctrl-C while a call is retrying', () => {
  it('while reading live state (plan): no new retry either; exit 130 at once, not after the 2-minute budget', async () => {
    // Every read fails (503): each would be retried for two minutes, with real backoff.
    server = await scripted(503);
    const { stopSignal, interrupt } = interruptible();
    const running = run(['plan', EXAMPLES, '--concurrency', '1'], { env: { CLOUDFLARE_API_TOKEN: SECRET_TOKEN, CLOUDFLARE_BASE_URL: server.url }, stopSignal });
    await until(() => server!.requests.length >= 1);
    interrupt('SIGINT');
    const result = await running;
    expect(result.code).toBe(130);
    expect(result.stderr).toContain('nothing was changed');
    // The one read in flight, perhaps one retry already under way; no target after it.
    expect(server.requests.length).toBeLessThanOrEqual(2);
  });

  it('starts no new retry and ends the wait at once: the run reports and exits 130, not after the budget', async () => {
    em = await demoEmulator();
    // Every write is rate limited for a minute, which the default 2-minute budget would wait out.
    server = await writesRateLimited(em.url, 60);
    const { stopSignal, interrupt } = interruptible();
    const running = run(['apply', EXAMPLES, '--auto-approve', '--concurrency', '1'], { env: { CLOUDFLARE_API_TOKEN: SECRET_TOKEN, CLOUDFLARE_BASE_URL: server.url }, stopSignal });
    await until(() => server!.requests.some((r) => r.method !== 'GET'));
    interrupt('SIGINT');
    const result = await running;
    expect(result.code).toBe(130);
    expect(result.stderr).toContain('SIGINT: starting no new target and no new retry');
    // The target whose write was waiting is reported with its error (not as "not started"); the rest were not started.
    expect(result.stdout).toMatch(new RegExp(`✗ account ${PRODUCTION} \\(Production\\): .*429`));
    expect(result.stdout).toContain('not started: stopped (SIGINT)');
    // No retry: production's organization written once; its DoH (the target's other resource) at most once — not at
    // all when the stop came after the 429 had paused the credential (a request waiting for the budget is not sent).
    const writes = server.requests.filter((r) => r.method !== 'GET').map((r) => r.url);
    expect([
      [`/accounts/${PRODUCTION}/access/organizations`],
      [`/accounts/${PRODUCTION}/access/organizations`, `/accounts/${PRODUCTION}/access/organizations/doh`],
    ]).toContainEqual(writes);
  });
});
