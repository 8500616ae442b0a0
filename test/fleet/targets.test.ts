// Picking and resuming targets across a fleet: --shard, --results / --only-failed, credentials_env, progress,
// and only the requests a plan needs. The real CLI in-process against the real emulator.
import { readFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { shardOf } from '../../src/plan/build.js';
import { FLEET_TOKEN, fleetRun, requestsTo, startFleet, type Fleet } from '../helpers/scale.js';

let fleet: Fleet | undefined;
let proxy: Server | undefined;
afterEach(async () => {
  await fleet?.em.close();
  await new Promise((resolve) => (proxy ? proxy.close(resolve) : resolve(undefined)));
  fleet = undefined;
  proxy = undefined;
});

const planIds = (stdout: string): string[] => JSON.parse(stdout).targets.map((t: { id: string }) => t.id);

describe('--shard K/N', () => {
  it('partitions the fleet exactly: every target in one shard, the same one every run, whatever the file order', async () => {
    fleet = await startFleet(30);
    const shards: string[][] = [];
    for (const k of [1, 2, 3]) {
      const result = await fleetRun(fleet, ['plan', fleet.dir, '--format', 'json', '--shard', `${k}/3`, '-q']);
      expect(result.code).toBe(0);
      shards.push(planIds(result.stdout));
    }
    expect(shards.flat().sort()).toEqual([...fleet.ids].sort());
    expect(new Set(shards.flat()).size).toBe(fleet.ids.length);
    for (const shard of shards) expect(shard.length).toBeGreaterThan(0);
    // The same shard again: the same targets (a hash of the id, not of the position).
    const again = await fleetRun(fleet, ['plan', fleet.dir, '--format', 'json', '--shard', '2/3', '-q']);
    expect(planIds(again.stdout)).toEqual(shards[1]);
    for (const id of shards[1]) expect(shardOf({ scope: 'account', id }, 3)).toBe(2);
    // Reads only its own targets.
    expect(requestsTo(fleet.em, /organizations$/)).toBe(30 + shards[1].length);
  });

  it('refuses a shard that does not exist, before any request', async () => {
    fleet = await startFleet(2);
    for (const shard of ['0/3', '4/3', '2', 'a/b', '1/0']) {
      const result = await fleetRun(fleet, ['plan', fleet.dir, '--shard', shard]);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(`ztsync: --shard takes K/N with 1 ≤ K ≤ N (shard K of N, e.g. 2/4), not "${shard}"\n`);
    }
    expect(requestsTo(fleet.em, /./)).toBe(0);
  });
});

describe('only the requests a plan needs', () => {
  it('reads DoH only for accounts whose config manages it', async () => {
    fleet = await startFleet(12);
    const result = await fleetRun(fleet, ['plan', fleet.dir, '-q']);
    expect(result.code).toBe(0);
    // startFleet leaves DoH unmanaged for every third account (i % 3 === 1): 4 of 12.
    expect(requestsTo(fleet.em, /^GET .*\/doh$/)).toBe(8);
    expect(requestsTo(fleet.em, /^GET .*organizations$/)).toBe(12);
  });
});

describe('credentials_env', () => {
  /** A proxy in front of the emulator that notes which token each path was read with. */
  async function recordingProxy(target: Fleet): Promise<{ url: string; seen: Map<string, Set<string>> }> {
    const seen = new Map<string, Set<string>>();
    const upstream = new URL(target.em.origin);
    proxy = createServer((req, res) => {
      const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      const id = /\/accounts\/([0-9a-f]{32})\//.exec(req.url ?? '')?.[1] ?? '?';
      seen.set(id, (seen.get(id) ?? new Set()).add(token));
      const forward = httpRequest({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      req.pipe(forward);
    });
    await new Promise<void>((resolve) => proxy!.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(proxy!.address() as AddressInfo).port}/client/v4`, seen };
  }

  it('each target is read with its own token, from its own entry or the defaults; each token has its own budget', async () => {
    // A budget of 12 requests per minute per token at the emulator (with lockout): 24 accounts need about 40
    // reads, so the plan passes without a 429 only if the two tokens' budgets are really separate.
    fleet = await startFleet(24, { rateLimit: { requests: 24, windowSeconds: 60 } }, { credentialsEnv: (i) => (i % 2 === 0 ? 'CLOUDFLARE_API_TOKEN_EU' : undefined) });
    const { url, seen } = await recordingProxy(fleet);
    const result = await fleetRun(fleet, ['plan', fleet.dir, '--format', 'json', '-q', '--rate-limit', '24/60'], {}, { CLOUDFLARE_API_TOKEN_EU: 'eu-SECRET-token', CLOUDFLARE_BASE_URL: url });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    fleet.ids.forEach((id, i) => expect([...seen.get(id)!], id).toEqual([i % 2 === 0 ? 'eu-SECRET-token' : FLEET_TOKEN]));
    expect(fleet.em.state.snapshot().counters.rateLimited).toBe(0);
    // The plan names the variable, never the token.
    const plan = JSON.parse(result.stdout);
    expect(plan.targets.filter((t: { credentials_env?: string }) => t.credentials_env === 'CLOUDFLARE_API_TOKEN_EU')).toHaveLength(12);
    expect(result.stdout).not.toContain('eu-SECRET-token');
  });

  it('an unset variable is a config error at its position, naming the variable and not any token; nothing is read', async () => {
    fleet = await startFleet(4, {}, { credentialsEnv: (i) => (i === 2 ? 'CLOUDFLARE_API_TOKEN_APAC' : undefined), files: 1 });
    const result = await fleetRun(fleet, ['plan', fleet.dir], {}, { CLOUDFLARE_API_TOKEN_APAC: '  ' });
    expect(result.code).toBe(1);
    const text = await readFile(join(fleet.dir, 'fleet-0.yaml'), 'utf8');
    const line = text.split('\n').findIndex((l) => l.includes('credentials_env')) + 1;
    expect(result.stderr).toContain(`${join(fleet.dir, 'fleet-0.yaml')}:${line}:`);
    expect(result.stderr).toContain('credentials_env names the environment variable CLOUDFLARE_API_TOKEN_APAC, which is not set');
    expect(result.stderr).not.toContain(FLEET_TOKEN);
    expect(requestsTo(fleet.em, /./)).toBe(0);
  });

  it('the variable of a target outside the shard need not be set', async () => {
    fleet = await startFleet(12, {}, { credentialsEnv: (i) => (i % 2 === 0 ? 'CLOUDFLARE_API_TOKEN_EU' : undefined) });
    // Every target of this shard uses the default token: --account picks one.
    const result = await fleetRun(fleet, ['plan', fleet.dir, '--account', fleet.ids[1], '-q']);
    expect(result.code).toBe(0);
  });
});

describe('--results and --only-failed', () => {
  it('a plan writes each target outcome; apply --only-failed retries just the failed and never-reached ones', async () => {
    fleet = await startFleet(20, { faultSeed: 11 });
    const results = join(fleet.dir, 'results.json');
    // 500s on a third of requests and no retries: some targets fail.
    fleet.em.reconfigure({ faultRate: 0.35, faultKinds: ['500'] });
    const first = await fleetRun(fleet, ['apply', fleet.dir, '--auto-approve', '--max-retries', '0', '--concurrency', '1', '--results', results, '-q']);
    expect(first.code).toBe(1);
    const written = JSON.parse(await readFile(results, 'utf8'));
    expect(written).toMatchObject({ ztsync_results: 1, command: 'apply', complete: true });
    expect(written.targets).toHaveLength(20);
    const failed = written.targets.filter((t: { outcome: string }) => t.outcome === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.length).toBeLessThan(20);
    for (const t of failed) expect(t.error).toMatch(/500/);
    expect(first.stdout).toContain(`Retry just those with --only-failed ${results}`);

    fleet.em.reconfigure({ faultRate: 0 });
    const retried = join(fleet.dir, 'retried.json');
    const second = await fleetRun(fleet, ['apply', fleet.dir, '--auto-approve', '--only-failed', results, '--results', retried, '-q']);
    expect(second.code).toBe(0);
    const again = JSON.parse(await readFile(retried, 'utf8'));
    expect(again.targets.map((t: { id: string }) => t.id).sort()).toEqual(failed.map((t: { id: string }) => t.id).sort());
    expect(again.targets.every((t: { outcome: string }) => t.outcome === 'applied' || t.outcome === 'unchanged')).toBe(true);

    const after = await fleetRun(fleet, ['plan', fleet.dir, '--format', 'json', '-q', '--results', join(fleet.dir, 'plan.json')]);
    expect(JSON.parse(after.stdout).summary).toMatchObject({ create: 0, update: 0, error: 0 });
    const planResults = JSON.parse(await readFile(join(fleet.dir, 'plan.json'), 'utf8'));
    expect(planResults.summary).toEqual({ 'no-changes': 20 });
  });

  it('a file that is not a results file is a clear error, before any request', async () => {
    fleet = await startFleet(2);
    const bad = join(fleet.dir, 'fleet-0.yaml');
    for (const [file, message] of [
      [join(fleet.dir, 'missing.json'), `--only-failed: cannot read ${join(fleet.dir, 'missing.json')}: ENOENT`],
      [bad, `--only-failed: ${bad} is not JSON`],
    ]) {
      const result = await fleetRun(fleet, ['apply', fleet.dir, '--auto-approve', '--only-failed', file]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(message);
    }
    expect(requestsTo(fleet.em, /./)).toBe(0);
  });
});

describe('progress', () => {
  it('goes to stderr only: stdout stays the plan, byte for byte', async () => {
    fleet = await startFleet(10);
    const quiet = await fleetRun(fleet, ['plan', fleet.dir, '--format', 'json', '-q']);
    const loud = await fleetRun(fleet, ['plan', fleet.dir, '--format', 'json'], {}, { ZTSYNC_PROGRESS_INTERVAL: '0' });
    expect(quiet.stderr).toBe('');
    const withoutTimes = (s: string) => s.replace(/"(created_at|checksum)": "[^"]*"/g, '');
    expect(withoutTimes(loud.stdout)).toBe(withoutTimes(quiet.stdout));
    const lines = loud.stderr.trim().split('\n');
    expect(lines).toHaveLength(10);
    expect(lines[9]).toMatch(/^plan: 10\/10 targets, \d+ requests, 0 retries, [\d.]+ s held by the rate budget, [\d.]+ s elapsed$/);
    expect(lines[4]).toMatch(/^plan: 5\/10 targets, .*, ETA [\d.]+ s$/);
  });

  it('on a terminal, one line redrawn in place and cleared at the end', async () => {
    fleet = await startFleet(10, { latencyMs: 150 });
    const result = await fleetRun(fleet, ['plan', fleet.dir, '--concurrency', '2'], { stderrIsTTY: true });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^(\r\x1b\[2Kplan: \d+\/10 targets[^\n\r]*)+\r\x1b\[2K$/);
    expect(result.stdout).not.toMatch(/plan: \d+\/\d+ targets/);
  });
});

describe('the paced rate budget', () => {
  it('a plan under the emulator\'s lockout limit sends no request over it, and waits instead', async () => {
    // 40 accounts need about 67 reads; the emulator allows 20 per second per token, then locks out for 30 s.
    fleet = await startFleet(40, { rateLimit: { requests: 20, windowSeconds: 1, lockoutSeconds: 30 } });
    const result = await fleetRun(fleet, ['plan', fleet.dir, '--format', 'json', '--rate-limit', '20/1'], {}, { ZTSYNC_PROGRESS_INTERVAL: '0' });
    expect(result.code).toBe(0);
    expect(fleet.em.state.snapshot().counters.rateLimited).toBe(0);
    expect(JSON.parse(result.stdout).summary.error).toBe(0);
    // Progress shows the time spent waiting for the budget (over 20 requests in 1 s means waiting).
    const last = result.stderr.trim().split('\n').pop()!;
    expect(last).toMatch(/^plan: 40\/40 targets, \d+ requests, 0 retries, [\d.]+ s held by the rate budget/);
    expect(Number(/([\d.]+) s held by/.exec(last)![1])).toBeGreaterThan(0);
  });

  it('refuses a malformed --rate-limit before any request', async () => {
    fleet = await startFleet(2);
    const result = await fleetRun(fleet, ['plan', fleet.dir, '--rate-limit', '1000']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--rate-limit takes N/SECONDS such as 1000/300, not "1000"');
    expect(requestsTo(fleet.em, /./)).toBe(0);
  });
});
