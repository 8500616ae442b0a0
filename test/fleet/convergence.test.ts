// Retries that converge (issue #10): 300 accounts through the emulator at a 20 % fault rate, every fault kind,
// for several fault seeds — the real CLI in-process against the real emulator, with backoff and Retry-After waits
// shortened (io.retryTiming) so that the faults cost no real time.
//
// Why a time budget converges where 4 retries did not: at a fault rate of 0.2 a call fails five times in a row
// with probability 0.2^5 = 1/3125, and an apply of 300 accounts makes about 1,500 calls: with 4 retries a few runs
// in ten lost a target (seeds 1, 2 and 5 below, at concurrency 1, each lose one or two). The default budget of two
// minutes holds at least 15 attempts with the longest backoff (test/fleet/retry-budget.test.ts): 0.2^15 ≈ 3·10⁻¹¹
// per call. Here the waits are a few milliseconds, so the budget allows far more attempts than that.
import { afterEach, describe, expect, it } from 'vitest';
import type { EmulatorWrite } from '../../src/emulator/index.js';
import { fleetRun, startFleet, type Fleet } from '../helpers/scale.js';
import { desiredEntries, unmanagedFields } from '../helpers/unmanaged.js';

let fleet: Fleet | undefined;
afterEach(async () => {
  await fleet?.em.close();
  fleet = undefined;
});

/** Backoff of 1–2 ms and Retry-After cut to 1 ms: the retry logic runs as in production, the waits cost nothing. */
const FAST = { minBackoffMs: 1, maxBackoffMs: 2, maxRetryAfterMs: 1 };
/** The rate budget out of the way (the default paces 1000 requests per 5 minutes). */
const UNPACED = ['--rate-limit', '1000000/1'];
const ALL_KINDS = { faultRate: 0.2 } as const; // the emulator's default mix is every kind

interface Run {
  code: number;
  stdout: string;
  creates: EmulatorWrite[];
  lacking: string[];
  before: Map<string, unknown>;
}

async function applyUnderFaults(seed: number, args: string[]): Promise<Run> {
  const creates: EmulatorWrite[] = [];
  fleet = await startFleet(300, { ...ALL_KINDS, faultSeed: seed, onWrite: (w) => void (w.route.startsWith('POST') && creates.push(w)) });
  const desired = await desiredEntries(fleet.dir);
  const before = unmanagedFields(fleet.em.state.snapshot(), desired);
  const lacking = fleet.em.state.snapshot().accounts.filter((a) => !a.organization).map((a) => a.id);
  const result = await fleetRun(fleet, ['apply', fleet.dir, '--auto-approve', '-q', ...UNPACED, ...args], { retryTiming: FAST });
  return { code: result.code, stdout: result.stdout, creates, lacking, before };
}

async function expectConverged(run: Run): Promise<void> {
  expect(run.code, run.stdout.split('\n').filter((l) => l.startsWith('✗')).join('\n')).toBe(0);
  expect(run.stdout).toMatch(/Apply: \d+ applied, \d+ unchanged, 0 failed\./);
  const counters = fleet!.em.state.snapshot().counters;
  // Every kind was injected, many times.
  for (const kind of ['500', '502', '503', '429', 'reset', 'lost-answer'] as const) expect(counters.faultsByKind[kind], kind).toBeGreaterThan(5);
  // Every missing organization created exactly once, none other (a second create of one would also be refused).
  expect(run.creates.map((w) => w.id).sort()).toEqual([...run.lacking].sort());
  // Nothing the config does not manage was changed (the dashboard's settings on every existing organization among them).
  expect([...run.before.values()].filter((f) => (f as Record<string, unknown>)['organization.login_design.footer_text'] === 'Unmanaged footer').length).toBe(200);
  const after = unmanagedFields(fleet!.em.state.snapshot(), await desiredEntries(fleet!.dir));
  for (const [id, fields] of run.before) expect(after.get(id), id).toEqual(fields);
  // And the plan afterwards is empty.
  fleet!.em.reconfigure({ faultRate: 0 });
  const plan = await fleetRun(fleet!, ['plan', fleet!.dir, '-q', '--detailed-exitcode', ...UNPACED]);
  expect(plan.stdout).toMatch(/^No changes. 500 resources are up to date/);
  expect(plan.code).toBe(0);
}


describe('apply of 300 accounts at a 20 % fault rate converges', () => {
  // Each run is about 1,500 calls and 300 faults, one call at a time: 5–10 s on this 2-core machine. At
  // concurrency 1 the emulator draws its faults in the same order every run, so the seed fixes the run exactly.
  for (const seed of [1, 2, 5]) {
    it(`fault seed ${seed}, one call at a time (a seed where 4 fixed retries lost a target)`, async () => {
      await expectConverged(await applyUnderFaults(seed, ['--concurrency', '1']));
    }, 60_000);
  }

  it('fault seed 3, at the default concurrency (calls interleaved as the machine schedules them)', async () => {
    await expectConverged(await applyUnderFaults(3, []));
  }, 60_000);

  // The fault sequence of a seed depends on the requests apply makes: should a change to apply's requests make seed 1
  // pass with 4 retries, pick the seeds anew (run the apply below for seeds 1–10; at 0.2, about a third lose a target).
  it('the defect it fixes, reproduced: fault seed 1 with 4 fixed retries (--max-retries 4) loses a target', async () => {
    const run = await applyUnderFaults(1, ['--concurrency', '1', '--max-retries', '4']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/Apply: \d+ applied, \d+ unchanged, [1-9]\d* failed\./);
    // The lost call failed five times in a row with a transient fault.
    expect(run.stdout).toMatch(/✗ account [0-9a-f]{32}: not applied: GET \S+ → (429|50[023])/);
  }, 60_000);
});
