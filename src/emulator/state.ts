// The emulator's store: accounts and zones as in the seed format, request counters, and the state file
// (rewritten atomically after every write, so that what was acknowledged survives a kill).

import type { Scope } from '../resources/fields.js';
import { writeFileAtomicSync } from '../util/atomic-write.js';
import { AuditLog } from './audit.js';
import type { FaultKind } from './faults.js';
import { parseSeed, type Organization, type Seed, type SeedAccount, type SeedZone } from './seed.js';

export interface Counters {
  /** Requests under /client/v4 by route template, e.g. "GET /accounts/:id/access/organizations"; unknown routes as "GET (no route)". */
  requests: Record<string, number>;
  /** Successful POST and PUT requests (create, update, revoke_user, DoH update), whether or not they changed anything. */
  writes: number;
  /** 429 answers sent by the rate limit (injected 429s are counted under faults). */
  rateLimited: number;
  /** Injected faults, all kinds together. */
  faults: number;
  faultsByKind: Partial<Record<FaultKind, number>>;
}

export interface StateSnapshot extends Required<Seed> {
  counters: Counters;
}

/** Whoever can own an organization: an account or a zone. */
export type Owner = SeedAccount | SeedZone;

function emptyCounters(): Counters {
  return { requests: {}, writes: 0, rateLimited: 0, faults: 0, faultsByKind: {} };
}

export class EmulatorState {
  counters: Counters = emptyCounters();
  /** Every write's audit entry (in memory only: not in the state file). */
  readonly audit = new AuditLog();
  private accounts = new Map<string, SeedAccount>();
  private zones = new Map<string, SeedZone>();

  constructor(
    seed: Seed,
    private readonly statePath?: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.load(seed);
  }

  /** Replace everything with a seed (checked like a seed file), zero the counters and empty the audit log. */
  reset(seed: unknown = {}): void {
    this.load(parseSeed(seed, this.now));
    this.counters = emptyCounters();
    this.audit.clear();
    this.persist();
  }

  private load(seed: Seed): void {
    this.accounts = new Map((seed.accounts ?? []).map((a) => [a.id, structuredClone(a)]));
    this.zones = new Map((seed.zones ?? []).map((z) => [z.id, structuredClone(z)]));
  }

  account(id: string): SeedAccount | undefined {
    return this.accounts.get(id);
  }

  /** The account a zone belongs to, when the seed says (account_id). */
  zoneAccount(zoneId: string): string | undefined {
    return this.zones.get(zoneId)?.account_id;
  }

  owner(scope: Scope, id: string): Owner | undefined {
    return scope === 'account' ? this.accounts.get(id) : this.zones.get(id);
  }

  /** Every stored organization with its owner. */
  *organizations(): Generator<[Owner, Organization]> {
    for (const owner of [...this.accounts.values(), ...this.zones.values()]) if (owner.organization) yield [owner, owner.organization];
  }

  /** The state in the seed format (a valid seed and state file). */
  toSeed(): Required<Seed> {
    return structuredClone({ accounts: [...this.accounts.values()], zones: [...this.zones.values()] });
  }

  snapshot(): StateSnapshot {
    return { ...this.toSeed(), counters: structuredClone(this.counters) };
  }

  countRequest(routeKey: string): void {
    this.counters.requests[routeKey] = (this.counters.requests[routeKey] ?? 0) + 1;
  }

  countFault(kind: FaultKind): void {
    this.counters.faults++;
    this.counters.faultsByKind[kind] = (this.counters.faultsByKind[kind] ?? 0) + 1;
  }

  /** A write succeeded: count it and save the state file before the answer goes out. */
  recordWrite(): void {
    this.counters.writes++;
    this.persist();
  }

  /** Atomically: a reader (or a restart after a kill) sees the old file or the new one, never half of one. */
  persist(): void {
    if (this.statePath) writeFileAtomicSync(this.statePath, JSON.stringify(this.toSeed(), null, 2) + '\n', { mode: 0o600 });
  }
}
