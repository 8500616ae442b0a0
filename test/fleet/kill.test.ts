// A real ztsync process stopped in the middle of an apply: SIGKILL (nothing to clean up, a write's answer lost),
// then a rerun converges; Ctrl-C while a call waits to retry ends the run at once. Started with tsx, as the SIGINT
// test in test/reconcile/writes.test.ts: each process takes a few seconds to start on this machine.
import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EmulatorWrite, RunningEmulator } from '../../src/emulator/index.js';
import { writesRateLimited, type TestServer } from '../helpers/http.js';
import { cliProcess, eventually } from '../helpers/process.js';
import { EXAMPLES, PRODUCTION, SECRET_TOKEN, demoEmulator } from '../helpers/reconcile.js';
import { fleetEnv, fleetRun, startFleet, type Fleet } from '../helpers/scale.js';
import { desiredEntries, unmanagedFields } from '../helpers/unmanaged.js';

let fleet: Fleet | undefined;
let em: RunningEmulator | undefined;
let server: TestServer | undefined;
let child: ChildProcess | undefined;
afterEach(async () => {
  child?.kill('SIGKILL');
  await server?.close();
  await fleet?.em.close();
  await em?.close();
  fleet = em = server = child = undefined;
});

/** `ztsync ARGS` as a process of its own, killed after the test if it is still running. */
function ztsyncProcess(args: string[], env: Record<string, string | undefined>) {
  const started = cliProcess(args, env);
  child = started.process;
  return started;
}

describe('SIGKILL in the middle of an apply', () => {
  it('a rerun (--only-failed on the killed run\'s results) converges: every target applied once, no organization created twice', async () => {
    const writes: EmulatorWrite[] = [];
    let killed = false;
    // The kill lands at a known point, not after a sleep: when the emulator has carried out (and saved) the
    // first organization create after ten writes — before its answer goes out, so that answer is lost.
    fleet = await startFleet(60, {
      onWrite: (w) => {
        writes.push(w);
        if (!killed && writes.length > 10 && w.route.startsWith('POST')) {
          killed = true;
          child!.kill('SIGKILL');
        }
      },
    });
    const entries = await desiredEntries(fleet.dir);
    const before = unmanagedFields(fleet.em.state.snapshot(), entries);
    const lacking = fleet.em.state.snapshot().accounts.filter((a) => !a.organization).map((a) => a.id);
    const results = join(fleet.dir, 'results.json');

    const first = await ztsyncProcess(['apply', fleet.dir, '--auto-approve', '-q', '--max-changed-targets', '100%', '--results', results], fleetEnv(fleet)).exited;
    expect(first.signal).toBe('SIGKILL');
    const killedAt = writes.length;
    expect(killedAt).toBeGreaterThan(10);
    // The killed run left its results: what it finished, the rest pending.
    const left = JSON.parse(await readFile(results, 'utf8'));
    expect(left.complete).toBe(false);
    expect(left.targets.filter((t: { outcome: string }) => t.outcome === 'pending').length).toBeGreaterThan(0);

    const rerun = await fleetRun(fleet, ['apply', fleet.dir, '--auto-approve', '-q', '--only-failed', results, '--results', results]);
    expect(rerun.stderr).toBe('');
    expect(rerun.code).toBe(0);
    expect(writes.length).toBeGreaterThan(killedAt);
    expect(JSON.parse(await readFile(results, 'utf8')).complete).toBe(true);

    // Converged: nothing left to do anywhere, every missing organization created exactly once (the one whose
    // answer the kill lost included), and nothing the config does not manage changed.
    const plan = await fleetRun(fleet, ['plan', fleet.dir, '-q', '--detailed-exitcode']);
    expect(plan.stdout).toMatch(/^No changes\./);
    expect(plan.code).toBe(0);
    expect(writes.filter((w) => w.route.startsWith('POST')).map((w) => w.id).sort()).toEqual([...lacking].sort());
    const after = unmanagedFields(fleet.em.state.snapshot(), entries);
    for (const [id, fields] of before) expect(after.get(id), id).toEqual(fields);
  }, 60_000);
});

describe('Ctrl-C while a call waits to retry', () => {
  it('a real process ends at once with exit 130 and its report, not when the 60 s Retry-After is over', async () => {
    em = await demoEmulator();
    server = await writesRateLimited(em.url, 60);
    const run = ztsyncProcess(['apply', EXAMPLES, '--auto-approve', '--concurrency', '1'], { CLOUDFLARE_API_TOKEN: SECRET_TOKEN, CLOUDFLARE_BASE_URL: server.url });
    await eventually(() => server!.requests.some((r) => r.method !== 'GET'));
    run.process.kill('SIGINT');
    const result = await run.exited;
    expect(result.code).toBe(130);
    expect(result.stderr).toContain('SIGINT: starting no new target and no new retry');
    expect(result.stdout).toMatch(new RegExp(`✗ account ${PRODUCTION} \\(Production\\): .*429`));
  }, 20_000);
});
