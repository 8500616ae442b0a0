// The reconciler's tests run the real CLI in-process against the real emulator, seeded like the demo.
import { fileURLToPath } from 'node:url';
import { loadSeedFile, startEmulator, type AnswerStyle, type EmulatorOptions, type PutSemantics, type RunningEmulator } from '../../src/emulator/index.js';
import type { Io } from '../../src/io.js';
import { run, type CapturedRun } from './io.js';

export const EXAMPLES = fileURLToPath(new URL('../../examples/config', import.meta.url));
export const DEMO_SEED = fileURLToPath(new URL('../../examples/emulator-seed.yaml', import.meta.url));

export const PRODUCTION = '023e105f4ecef8ad9ca31a8372d0c353';
export const STAGING = '1a2b3c4d5e6f708192a3b4c5d6e7f801';
export const RESEARCH = '9f8e7d6c5b4a39281706f5e4d3c2b1a0';
export const ZONE = '699d98642c564d2e855e9661899b7252';

/** A token distinctive enough that finding it anywhere in output is certainly a leak. */
export const SECRET_TOKEN = 'ztsync-test-SECRET-7f3a9c1e5b2d4f6a8c0e';

/**
 * The emulator mode this end-to-end run plays. vitest.config.ts runs test/reconcile under every combination of PUT
 * semantics and answer style (one project each), so every e2e test meets both shapes of answers and both PUTs.
 */
export const E2E_MODE: Pick<EmulatorOptions, 'putSemantics' | 'answerStyle'> = {
  putSemantics: (process.env.ZTSYNC_E2E_PUT_SEMANTICS as PutSemantics | undefined) ?? 'replace',
  answerStyle: (process.env.ZTSYNC_E2E_ANSWER_STYLE as AnswerStyle | undefined) ?? 'sparse',
};

/**
 * An emulator in this run's mode, accepting SECRET_TOKEN, in strict mode (a write carrying a read-only field is
 * refused: ztsync must never send one); options win over the mode.
 */
export function e2eEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  return startEmulator({ port: 0, token: SECRET_TOKEN, strict: true, ...E2E_MODE, ...options });
}

/** The demo's seed, in this run's mode. */
export async function demoEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  return e2eEmulator({ seed: await loadSeedFile(DEMO_SEED), ...options });
}

export function envFor(em: RunningEmulator, extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return { CLOUDFLARE_API_TOKEN: SECRET_TOKEN, CLOUDFLARE_BASE_URL: em.url, ...extra };
}

/** `ztsync ARGS` against this emulator. */
export function ztsync(em: RunningEmulator, argv: string[], io: Partial<Io> = {}): Promise<CapturedRun> {
  return run(argv, { env: envFor(em), ...io });
}

export function writes(em: RunningEmulator): number {
  return em.state.snapshot().counters.writes;
}

export function liveAccount(em: RunningEmulator, id: string) {
  const account = em.state.snapshot().accounts?.find((a) => a.id === id);
  if (!account) throw new Error(`no account ${id} in the emulator`);
  return account;
}

export function liveZone(em: RunningEmulator, id: string) {
  const zone = em.state.snapshot().zones?.find((z) => z.id === id);
  if (!zone) throw new Error(`no zone ${id} in the emulator`);
  return zone;
}
