// Fleet rows (issue #10): plan against an emulator with latency, measured against the latency bound and against a
// sequential script using the official `cloudflare` SDK; and plan under the emulator's lockout rate limit, measured
// against the rate-limit bound. The emulator runs as a user runs it (`node dist/bin.js emulator …`), in a process
// of its own: a real API's work is not done on the client's CPU, so here it must not share the client's thread
// either (in-process, each answer's JSON and routing would be charged to ztsync's event loop, and to the SDK's).
// Every request is counted at the emulator (GET /__emulator/state), not only by the client that sent it.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import Cloudflare from 'cloudflare';
import { VERSION as SDK_VERSION } from 'cloudflare/version';
import { apiSettings } from '../../dist/commands/shared/options/api.js';
import { makeClients } from '../../dist/cloudflare/settings.js';
import { buildPlan } from '../../dist/plan/build.js';
import { desiredFromSnapshot, planChecked, summaryText } from './scenarios.js';
import { check, measure } from './measure.js';

const BIN = fileURLToPath(new URL('../../dist/bin.js', import.meta.url));
const TOKEN = 'bench';

/** `node dist/bin.js emulator --port 0 …args` until `fn` returns; `fn` gets { url, origin, state() }. */
async function withEmulatorProcess(args, fn) {
  const proc = spawn(process.execPath, [BIN, 'emulator', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr += d));
  const exited = once(proc, 'exit');
  try {
    const url = await new Promise((resolve, reject) => {
      let out = '';
      proc.stdout.on('data', (d) => {
        out += d;
        const match = /listening on (\S+)/.exec(out);
        if (match) resolve(match[1]);
      });
      exited.then(([code]) => reject(new Error(`the emulator exited with ${code}: ${stderr.trim()}`)));
    });
    const origin = new URL(url).origin;
    const state = async () => (await fetch(`${origin}/__emulator/state`)).json();
    return await fn({ url, origin, state });
  } finally {
    if (proc.exitCode === null) proc.kill('SIGTERM');
    await exited;
  }
}

/** Requests the emulator has answered (every route, 429s included), and its 429s from the rate limit. */
function emulatorCounts(snapshot) {
  const { requests, rateLimited } = snapshot.counters;
  return { requests: Object.values(requests).reduce((a, b) => a + b, 0), rateLimited };
}

/** The CLI's own clients (`plan --rate-limit … --max-retries …`) for a token in the environment. */
function cliClients(url, rateLimit, token = TOKEN) {
  const env = { CLOUDFLARE_API_TOKEN: token, CLOUDFLARE_BASE_URL: url };
  return makeClients(apiSettings({ rateLimit }, { env }, { readOnly: true }), env);
}

/** Process CPU (user + system) spent while `fn` runs, in ms. */
async function withCpu(fn) {
  const start = process.cpuUsage();
  const value = await fn();
  const { user, system } = process.cpuUsage(start);
  return { value, cpuMs: (user + system) / 1000 };
}

const x = (ratio) => `${ratio.toFixed(2)} ×`;

/**
 * Two rows from one emulator: ztsync's plan at concurrency `concurrency`, against the latency bound
 * (2 requests × accounts × latency / concurrency), and the same reads done one after another with the official SDK.
 */
export async function latencyBound({ accounts, latencyMs, concurrency, maxBoundRatio, minSdkRatio, tmp }) {
  return withEmulatorProcess(['--accounts', String(accounts), '--latency', String(latencyMs)], async ({ url, state }) => {
    const snapshot = await state();
    const { desired, expected } = await desiredFromSnapshot(snapshot, accounts, tmp);
    const requests = 2 * accounts;
    // A budget that does not bind (this row is about latency), so its bookkeeping is measured with the rest.
    const rateLimit = `${10 * requests}/300`;
    // Warm-up on a few targets (got's lazy import, JIT), with clients of their own.
    await buildPlan({ ...desired, targets: desired.targets.slice(0, 10) }, cliClients(url, rateLimit), { concurrency });
    const before = emulatorCounts(await state());
    const clients = cliClients(url, rateLimit);
    const m = await measure(() => withCpu(() => planChecked(desired, clients, concurrency, expected.summary)));
    const sent = emulatorCounts(await state()).requests - before.requests;
    const [client] = clients.clients;
    check(sent === requests && client.stats.requests === requests, `plan sent ${client.stats.requests} requests, the emulator answered ${sent}, expected 2 per target (${requests})`);
    check(client.stats.retries === 0, `plan needed ${client.stats.retries} retries`);
    const boundMs = (requests * latencyMs) / concurrency;
    const boundRatio = m.ms / boundMs;
    const plan = {
      size: `${accounts} accounts, c=${concurrency}, ${latencyMs} ms latency`,
      ms: m.ms,
      throughput: { value: requests / (m.ms / 1000), unit: 'req/s' },
      extra: { value: boundRatio, unit: '× latency bound' },
      target: { ok: boundRatio <= maxBoundRatio, text: `${x(boundRatio)} the latency bound ${(boundMs / 1000).toFixed(2)} s (target ≤ ${maxBoundRatio})` },
      notes: `client CPU ${(m.value.cpuMs / 1000).toFixed(2)} s (${(m.value.cpuMs / requests).toFixed(2)} ms/request); summary ${summaryText(m.value.value.summary)}`,
      memory: m.memory,
    };

    const sdk = new Cloudflare({ apiToken: TOKEN, baseURL: url, maxRetries: 0 });
    await readSequentially(sdk, snapshot.accounts.slice(0, 10)); // warm-up, as above
    const beforeSdk = emulatorCounts(await state());
    const s = await measure(() => withCpu(() => readSequentially(sdk, snapshot.accounts)));
    const sdkSent = emulatorCounts(await state()).requests - beforeSdk.requests;
    check(sdkSent === requests, `the SDK script made ${sdkSent} requests at the emulator, expected ${requests} (no retries, nothing extra)`);
    const found = s.value.value;
    const live = { organizations: snapshot.accounts.filter((a) => a.organization).length, doh: snapshot.accounts.filter((a) => a.doh).length };
    check(found.organizations === live.organizations && found.doh === live.doh, `the SDK read ${JSON.stringify(found)}, the emulator holds ${JSON.stringify(live)}`);
    const speedup = s.ms / m.ms;
    const sdkRow = {
      name: `cloudflare SDK ${SDK_VERSION}, sequential`,
      size: `${accounts} accounts, sequential, ${latencyMs} ms latency`,
      ms: s.ms,
      throughput: { value: requests / (s.ms / 1000), unit: 'req/s' },
      extra: { value: speedup, unit: '× slower than ztsync c=' + concurrency },
      target: { ok: speedup >= minSdkRatio, text: `ztsync c=${concurrency} is ${x(speedup)} faster (target ≥ ${minSdkRatio}, ideal ${concurrency})` },
      notes: `client CPU ${(s.value.cpuMs / 1000).toFixed(2)} s (${(s.value.cpuMs / requests).toFixed(2)} ms/request); read ${found.organizations} organizations, ${found.doh} DoH settings`,
      memory: s.memory,
    };
    return [plan, sdkRow];
  });
}

/** What `plan` reads, with the official SDK, one request at a time: each account's organization, then its DoH setting. */
async function readSequentially(sdk, accounts) {
  const found = { organizations: 0, doh: 0 };
  const orNone = (err) => {
    if (err instanceof Cloudflare.NotFoundError) return undefined;
    throw err;
  };
  for (const { id } of accounts) {
    if (await sdk.zeroTrust.organizations.list({ account_id: id }).catch(orNone)) found.organizations++;
    if (await sdk.zeroTrust.organizations.doh.get({ account_id: id }).catch(orNone)) found.doh++;
  }
  return found;
}

/** Cloudflare's documented limit, of which ztsync's default budget (DEFAULT_RATE_LIMIT) leaves some to the dashboard. */
const CLOUDFLARE_LIMIT = { requests: 1200, windowSeconds: 300 };

/**
 * Plan `accounts` (2 requests each) against the emulator's lockout limit `limit` ({ requests, windowSeconds }),
 * with ztsync's --rate-limit the same share of it as its default is of Cloudflare's. Measured against the
 * rate-limit bound: the R-th request may not be sent before floor((R − 1) / N) × S, for N per S seconds.
 */
export async function rateLimited({ accounts, limit, latencyMs, concurrency, maxBoundRatio, tmp }) {
  const { DEFAULT_RATE_LIMIT } = await import('../../dist/cloudflare/budget.js');
  const budget = Math.floor((limit.requests * DEFAULT_RATE_LIMIT.requests) / CLOUDFLARE_LIMIT.requests);
  const rateLimit = `${budget}/${limit.windowSeconds}`;
  const args = ['--accounts', String(accounts), '--latency', String(latencyMs), '--rate-limit', `${limit.requests}/${limit.windowSeconds}`, '--rate-limit-lockout', String(limit.windowSeconds)];
  return withEmulatorProcess(args, async ({ url, state }) => {
    const snapshot = await state();
    const { desired, expected } = await desiredFromSnapshot(snapshot, accounts, tmp);
    const requests = 2 * accounts;
    // Warm-up (got's lazy import, JIT) with another token: the emulator's limit is per credential, so it spends
    // from a window of its own; few enough targets to fit in one window of the budget (no waiting).
    const warmUp = desired.targets.slice(0, Math.min(10, Math.floor(budget / 2)));
    await buildPlan({ ...desired, targets: warmUp }, cliClients(url, rateLimit, `${TOKEN}-warm-up`), { concurrency });
    const before = emulatorCounts(await state());
    const clients = cliClients(url, rateLimit);
    const m = await measure(() => planChecked(desired, clients, concurrency, expected.summary));
    const after = emulatorCounts(await state());
    const counts = { requests: after.requests - before.requests, rateLimited: after.rateLimited };
    const [client] = clients.clients;
    check(counts.rateLimited === 0, `the emulator answered ${counts.rateLimited} requests with 429 (over its limit)`);
    check(counts.requests === requests && client.stats.requests === requests, `plan sent ${client.stats.requests} requests, the emulator answered ${counts.requests}, expected ${requests}`);
    check(client.stats.retries === 0, `plan needed ${client.stats.retries} retries`);
    const boundMs = Math.floor((requests - 1) / budget) * limit.windowSeconds * 1000;
    const ratio = m.ms / boundMs;
    return {
      size: `${accounts} accounts, c=${concurrency}, ${latencyMs} ms latency, emulator ${limit.requests}/${limit.windowSeconds} s lockout`,
      ms: m.ms,
      throughput: { value: requests / (m.ms / 1000), unit: 'req/s' },
      extra: { value: ratio, unit: '× rate-limit bound' },
      target: { ok: ratio <= maxBoundRatio, text: `0 × 429; ${x(ratio)} the rate-limit bound ${(boundMs / 1000).toFixed(0)} s for ${requests} requests at --rate-limit ${rateLimit} (target ≤ ${maxBoundRatio})` },
      notes: `${(client.stats.waitMs / 1000).toFixed(1)} s waited for the budget, summed over requests`,
      memory: m.memory,
    };
  });
}
