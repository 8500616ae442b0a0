// The paced rate budget (src/cloudflare/budget.ts) as a real process lives with it.
import { spawn } from 'node:child_process';
import { afterEach, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { answer, forward, startServer, type TestServer } from '../helpers/http.js';
import { EXAMPLES, SECRET_TOKEN, demoEmulator } from '../helpers/reconcile.js';

let em: RunningEmulator | undefined;
let gateway: TestServer | undefined;
afterEach(async () => {
  await gateway?.close();
  await em?.close();
  em = gateway = undefined;
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
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/bin.ts', 'plan', EXAMPLES, '--format', 'json', '-q', '--rate-limit', '1/0.3'], {
    env: { ...process.env, CLOUDFLARE_API_TOKEN: SECRET_TOKEN, CLOUDFLARE_BASE_URL: gateway.url, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect(stderr).toBe('');
  expect([0, 2]).toContain(code);
  const plan = JSON.parse(stdout);
  expect(plan.summary.error).toBe(0);
  // Every read went through the gateway, one at a time, each after the budget's wait.
  expect(gateway.requests.length).toBeGreaterThan(2);
}, 30_000);
