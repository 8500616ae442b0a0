// A local, stateful emulator of Cloudflare's Zero Trust organization and DoH API, for tests, demos, benchmarks
// and users without a Cloudflare account. See src/commands/emulator.ts for the command line.

import { existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { isLoopbackName } from './admin.js';
import { checkConfigChange, DEFAULT_CONFIG, type AnswerStyle, type AuditCursorStyle, type PutSemantics, type RuntimeConfig } from './config.js';
import type { FaultKind } from './faults.js';
import { seededRandom } from './random.js';
import { SlidingWindow, type RateLimit } from './rate-limit.js';
import { generateAccounts, loadSeedFile, parseSeed, type Seed } from './seed.js';
import { API_PREFIX, createRequestHandler, type EmulatorWrite, type ServerContext } from './server.js';
import { EmulatorState } from './state.js';
import type { NamedToken } from './identities.js';

export type { AnswerStyle, PutSemantics, RuntimeConfig } from './config.js';
export { ANSWER_STYLES, PUT_SEMANTICS } from './config.js';
export { FAULT_KINDS, type FaultKind } from './faults.js';
export type { RateLimit } from './rate-limit.js';
export { parseRateLimit } from './rate-limit.js';
export { seededRandom } from './random.js';
export { generateAccounts, loadSeedFile, parseSeed, SeedError, type DohSetting, type Organization, type Seed, type Revocation, type SeedAccount, type SeedUser, type SeedZone, type ServiceToken } from './seed.js';
export { EmulatorState, type Counters, type StateSnapshot } from './state.js';
export { CODES, WARP_MESSAGE } from './errors.js';
export type { EmulatorWrite } from './server.js';
export { loadTokensFile, parseTokens, tokenId, TokensError, type NamedToken, type AuditActor } from './identities.js';
export { RETENTION_MONTHS, type AuditEntry } from './audit.js';
export { AUDIT_CURSOR_STYLES, type AuditCursorStyle } from './config.js';

export interface EmulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 8787; 0 picks a free port. */
  port?: number;
  /** Initial state (the seed format). */
  seed?: Seed;
  /** Generate N deterministic accounts instead of a seed. */
  accounts?: number;
  /** Loaded at start if it exists (it wins over seed and accounts); rewritten atomically after every write. */
  statePath?: string;
  latencyMs?: number;
  /** 0..1 */
  faultRate?: number;
  /** Restrict the mix of injected faults (default: all kinds). */
  faultKinds?: FaultKind[];
  rateLimit?: RateLimit;
  /** Only this bearer token is accepted (with `tokens`, if given). */
  token?: string;
  /** Tokens known by name (their label is the audit log's actor); when given, only they (and `token`) are accepted. */
  tokens?: NamedToken[];
  /** Default 'replace'. */
  putSemantics?: PutSemantics;
  /** Play a newer API (see src/emulator/newer-api.ts); default false. */
  newerApi?: boolean;
  /** Refuse (400) a write that carries a read-only field, instead of ignoring it; default false. */
  strict?: boolean;
  /** Default 'sparse'. */
  answerStyle?: AnswerStyle;
  /** Account and zone ids that answer 403 to every credential (a token scoped away from them). */
  forbidden?: string[];
  /** Where audit log answers put the next cursor; default 'cursors' (result_info.cursors.after). */
  auditCursorStyle?: AuditCursorStyle;
  /** Injectable for deterministic fault draws; default Math.random (or seeded by faultSeed). */
  random?: () => number;
  /** Seed the fault draws, so that a run with faults repeats exactly. */
  faultSeed?: number;
  /** Injectable clock for timestamps and the rate-limit window; default the system clock. */
  now?: () => Date;
  /** Injectable wait for the latency (tests observe it instead of timing answers); default a timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Told of every write carried out and saved, before its answer goes out (tests: a write log, a kill at the N-th write). */
  onWrite?: (write: EmulatorWrite) => void;
}

export interface RunningEmulator {
  /** e.g. http://127.0.0.1:PORT/client/v4 */
  url: string;
  /** e.g. http://127.0.0.1:PORT */
  origin: string;
  /** The address listened on, as bound (http://0.0.0.0:PORT for every interface). */
  address: string;
  /** Whether it listens on loopback only. */
  loopbackOnly: boolean;
  state: EmulatorState;
  /** The running settings (changed by POST /__emulator/config or reconfigure). */
  config: RuntimeConfig;
  reconfigure(change: Partial<RuntimeConfig>): void;
  close(): Promise<void>;
}

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8787;

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const now = options.now ?? (() => new Date());
  const config: RuntimeConfig = { ...DEFAULT_CONFIG, ...checkConfigChange(runtimeOptions(options)) };
  const state = new EmulatorState(await initialSeed(options, now), options.statePath, now);
  state.persist();
  const ctx: ServerContext = {
    state,
    config,
    limiter: config.rateLimit && new SlidingWindow(config.rateLimit, () => now().getTime()),
    token: options.token,
    tokens: options.tokens,
    random: options.random ?? (options.faultSeed !== undefined ? seededRandom(options.faultSeed) : Math.random),
    now,
    sleep: options.sleep ?? ((ms) => sleep(ms)),
    onWrite: options.onWrite,
    reconfigure(change) {
      Object.assign(config, change);
      if ('rateLimit' in change) {
        if (change.rateLimit === undefined) delete config.rateLimit;
        // A new limit starts with empty windows.
        ctx.limiter = config.rateLimit && new SlidingWindow(config.rateLimit, () => now().getTime());
      }
    },
  };
  const host = options.host ?? DEFAULT_HOST;
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  ctx.loopbackOnly = isLoopbackName(bare);
  // Beyond this machine, anyone who can reach the port could rewrite what the emulator answers: only with a token.
  if (!ctx.loopbackOnly && options.token === undefined && (options.tokens?.length ?? 0) === 0) {
    throw new Error(`listening on ${host} reaches beyond this machine: give a token (ZTSYNC_EMULATOR_TOKEN, --token or --tokens), or listen on 127.0.0.1`);
  }
  const server = createServer(createRequestHandler(ctx));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_PORT, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  // Listening on every interface (0.0.0.0, ::) is not an address to connect to: hand out the loopback one.
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' || host === '[::]' ? '::1' : host.replace(/^\[|\]$/g, '');
  const origin = `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
  return {
    url: origin + API_PREFIX,
    origin,
    address: `http://${bare.includes(':') ? `[${bare}]` : bare}:${port}`,
    loopbackOnly: ctx.loopbackOnly,
    state,
    config,
    reconfigure: (change) => ctx.reconfigure(checkConfigChange(change)),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** The options that are runtime settings, without the ones left unset. */
function runtimeOptions(options: EmulatorOptions): Partial<RuntimeConfig> {
  const picked = { latencyMs: options.latencyMs, faultRate: options.faultRate, faultKinds: options.faultKinds, rateLimit: options.rateLimit, putSemantics: options.putSemantics, answerStyle: options.answerStyle, newerApi: options.newerApi, forbidden: options.forbidden, auditCursorStyle: options.auditCursorStyle, strict: options.strict };
  return Object.fromEntries(Object.entries(picked).filter(([, v]) => v !== undefined));
}

/** The state file if it exists, else the seed, else generated accounts, else nothing. */
async function initialSeed(options: EmulatorOptions, now: () => Date): Promise<Seed> {
  if (options.statePath && existsSync(options.statePath)) {
    if (statSync(options.statePath).isDirectory()) throw new Error(`cannot use ${options.statePath} as the state file: it is a directory`);
    return loadSeedFile(options.statePath);
  }
  if (options.seed && options.accounts !== undefined) throw new Error('give either a seed or a number of accounts, not both');
  if (options.accounts !== undefined) {
    if (!Number.isInteger(options.accounts) || options.accounts < 0 || options.accounts > 100_000) throw new Error('accounts must be a whole number from 0 to 100000');
    return generateAccounts(options.accounts);
  }
  return parseSeed(options.seed ?? {}, now);
}
