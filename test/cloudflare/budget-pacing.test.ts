// The paced rate budget (src/cloudflare/budget.ts): what the server's Ratelimit answers make it do, and a real
// process living with it. The emulator's lockout limit is the judge: a request over it is a 429 it counts.
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { answer, forward, startServer, type TestServer } from '../helpers/http.js';
import { cliProcess } from '../helpers/process.js';
import { run } from '../helpers/io.js';
import { EXAMPLES, PRODUCTION, SECRET_TOKEN, demoEmulator } from '../helpers/reconcile.js';
import { FLEET_TOKEN, fleetRun, startFleet, type Fleet } from '../helpers/scale.js';

let em: RunningEmulator | undefined;
let gateway: TestServer | undefined;
let fleet: Fleet | undefined;
afterEach(async () => {
  await gateway?.close();
  await em?.close();
  await fleet?.em.close();
  em = gateway = fleet = undefined;
});

// 9 accounts: 15 reads (DoH is unmanaged on every third). A 2-second window keeps each test to a few seconds.
const LOCKOUT = { windowSeconds: 2, lockoutSeconds: 60 };

describe('the server\'s Ratelimit answers bound what is sent', () => {
  it('a server limit lower than --rate-limit (the default 1000/300) is not gone over at concurrency 4', async () => {
    fleet = await startFleet(9, { rateLimit: { requests: 6, ...LOCKOUT } });
    const result = await fleetRun(fleet, ['plan', fleet.dir, '--format', 'json', '-q', '--concurrency', '4']);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout).summary.error).toBe(0);
    expect(fleet.em.state.snapshot().counters.rateLimited).toBe(0);
  }, 20_000);

  it('someone else spending from the same credential is not gone over either', async () => {
    fleet = await startFleet(9, { rateLimit: { requests: 10, ...LOCKOUT } });
    // The dashboard spends 5 of the token's 10 just before the plan starts.
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${fleet.em.url}/accounts/${fleet.ids[0]}/access/organizations`, { headers: { authorization: `Bearer ${FLEET_TOKEN}` } });
      expect(res.status).toBe(200);
    }
    const result = await fleetRun(fleet, ['plan', fleet.dir, '--format', 'json', '-q', '--concurrency', '3', '--rate-limit', '10/2']);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout).summary.error).toBe(0);
    expect(fleet.em.state.snapshot().counters.rateLimited).toBe(0);
  }, 20_000);
});

// One test starting a process with tsx (a few seconds): the event loop only empties in a real process.
it('a plan waiting for its rate budget keeps the process alive until it is done', async () => {
  em = await demoEmulator();
  // A gateway that closes every connection after its answer: while the plan waits for the budget, no idle
  // keep-alive socket holds the process open (a timer that does not hold it lets Node exit in the middle, code 13).
  gateway = await startServer(async (request, res) => {
    const forwarded = await forward(request, em!.url);
    answer(res, forwarded.status, forwarded.body, { ...forwarded.headers, connection: 'close' });
  });
  const { code, stdout, stderr } = await cliProcess(['plan', EXAMPLES, '--format', 'json', '-q', '--rate-limit', '1/0.3'], {
    CLOUDFLARE_API_TOKEN: SECRET_TOKEN,
    CLOUDFLARE_BASE_URL: gateway.url,
  }).exited;
  expect(stderr).toBe('');
  expect([0, 2]).toContain(code);
  const plan = JSON.parse(stdout);
  expect(plan.summary.error).toBe(0);
  // Every read went through the gateway, one at a time, each after the budget's wait.
  expect(gateway.requests.length).toBeGreaterThan(2);
}, 30_000);

describe('a Ratelimit answer asking for an absurd wait', () => {
  it('fails the requests waiting at once, naming the wait: no timer above 2^31 − 1 ms, no flood of warnings', async () => {
    // Every answer says: no request left for ~317 years.
    gateway = await startServer((req, res) =>
      answer(res, 200, { success: true, errors: [], messages: [], result: { name: 'Widget Corps', auth_domain: 'widgetcorps.cloudflareaccess.com' } }, { ratelimit: 'r=0, t=9999999999' }),
    );
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const result = await run(['plan', EXAMPLES, '--account', PRODUCTION, '--format', 'json', '--concurrency', '1', '-q'], { env: { CLOUDFLARE_API_TOKEN: SECRET_TOKEN, CLOUDFLARE_BASE_URL: gateway.url } });
      expect(result.code).toBe(1);
      const [target] = JSON.parse(result.stdout).targets;
      expect(target.error.message).toContain('not sent: the API\'s Ratelimit answer asks for no request for 9999999999 s, longer than ztsync waits (300 s: the longer of --retry-budget and the --rate-limit window)');
      // The first read was answered; the second was never sent.
      expect(gateway.requests).toHaveLength(1);
      expect(result.stderr).not.toContain('TimeoutOverflowWarning');
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).not.toContain('TimeoutOverflowWarning');
  });
});
