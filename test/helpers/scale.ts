// A fleet: N generated accounts in the emulator (with unmanaged settings the config must never touch) and a
// config for them spread over a few files, with creates, updates and no-ops mixed.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { generateAccounts, startEmulator, type EmulatorOptions, type RunningEmulator, type Seed } from '../../src/emulator/index.js';
import type { Io } from '../../src/io.js';
import { run, type CapturedRun } from './io.js';

export const FLEET_TOKEN = 'fleet-default-SECRET-0d1e2f3a4b5c';

/** What every existing organization carries besides what the config manages. */
export const UNMANAGED = { ui_read_only_toggle_reason: 'set in the dashboard', deny_unmatched_requests: true, login_design: { footer_text: 'Unmanaged footer' } };

export interface Fleet {
  em: RunningEmulator;
  dir: string;
  ids: string[];
}

export interface FleetOptions {
  /** The credentials_env of account i (absent: the default token). */
  credentialsEnv?: (i: number) => string | undefined;
  files?: number;
}

export function fleetSeed(count: number): Seed {
  const seed = generateAccounts(count);
  for (const account of seed.accounts ?? []) {
    if (account.organization) Object.assign(account.organization, structuredClone(UNMANAGED));
  }
  return seed;
}

export async function startFleet(count: number, emulator: EmulatorOptions = {}, options: FleetOptions = {}): Promise<Fleet> {
  const em = await startEmulator({ port: 0, seed: fleetSeed(count), ...emulator });
  const accounts = em.state.snapshot().accounts.map((account, i) => {
    const entry: Record<string, unknown> = {
      account_id: account.id,
      organization: {
        name: account.organization?.name ?? `Fleet org ${i}`,
        auth_domain: account.organization?.auth_domain ?? `fleet-${i}.cloudflareaccess.com`,
        session_duration: i % 4 === 0 ? '12h' : '1440m',
        ...(i % 5 === 0 ? { login_design: { header_text: `Fleet unit ${i}` } } : {}),
      },
    };
    // Every third account leaves DoH unmanaged: no DoH request may be sent for it.
    if (i % 3 !== 1) entry.doh = { service_token_id: account.service_tokens![0].id, doh_jwt_duration: i % 4 === 0 ? '12h' : '24h' };
    const env = options.credentialsEnv?.(i);
    if (env) entry.credentials_env = env;
    return entry;
  });
  const dir = await mkdtemp(join(tmpdir(), 'ztsync-fleet-'));
  const files = options.files ?? 3;
  const per = Math.ceil(accounts.length / files);
  for (let f = 0; f * per < accounts.length; f++) {
    await writeFile(join(dir, `fleet-${f}.yaml`), stringify({ accounts: accounts.slice(f * per, (f + 1) * per) }));
  }
  return { em, dir, ids: accounts.map((a) => a.account_id as string) };
}

export function fleetEnv(fleet: Fleet, extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return { CLOUDFLARE_API_TOKEN: FLEET_TOKEN, CLOUDFLARE_BASE_URL: fleet.em.url, ...extra };
}

/**
 * `ztsync ARGS` in-process against the fleet's emulator. A fleet changes most of its targets on purpose, so plan and
 * apply get `--max-changed-targets 100%` unless the test gives its own.
 */
export function fleetRun(fleet: Fleet, argv: string[], io: Partial<Io> = {}, env: Record<string, string | undefined> = {}): Promise<CapturedRun> {
  const budget = ['plan', 'apply'].includes(argv[0]) && !argv.includes('--max-changed-targets') ? ['--max-changed-targets', '100%'] : [];
  return run([...argv, ...budget], { env: fleetEnv(fleet, env), ...io });
}

/** Requests the emulator counted for routes matching `pattern`. */
export function requestsTo(em: RunningEmulator, pattern: RegExp): number {
  return Object.entries(em.state.snapshot().counters.requests)
    .filter(([route]) => pattern.test(route))
    .reduce((n, [, count]) => n + count, 0);
}
