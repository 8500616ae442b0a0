// A fleet: the emulator's generated accounts (startEmulator({ accounts: N })) and a config for them in which a
// known share drifts, so a report of it has every state with counts the tests can know in advance.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { RunningEmulator } from '../../src/emulator/index.js';

/** Account i drifts when i % DRIFT_EVERY === 0 (session_duration and doh_jwt_duration differ from live). */
export const DRIFT_EVERY = 4;
/** Accounts in the config that the emulator does not have: each one is an error in the plan. */
export const MISSING_ACCOUNTS = ['0000000000000000000000000000dead', '0000000000000000000000000000beef'];
/** One account's description tries to be markup. */
export const HOSTILE_DESCRIPTION = '<script>alert("pwned")</script><img src=x onerror=alert(1)>';

export interface Fleet {
  dir: string;
  accounts: number;
  /** Accounts that drift (an existing organization or DoH setting with a different value). */
  drifted: string[];
  /** Accounts whose organization or DoH setting does not exist yet. */
  creating: string[];
}

/**
 * Write the config of `em`'s generated accounts under `dir`, in files of 50 accounts. The generated accounts lack
 * an organization on every 3rd (i % 3 === 2) and DoH on every other one (odd i): those are creates.
 */
export async function writeFleetConfig(em: RunningEmulator, dir: string): Promise<Fleet> {
  const snapshot = em.state.snapshot();
  const accounts = (snapshot.accounts ?? []).map((account, i) => {
    const drifts = i % DRIFT_EVERY === 0;
    return {
      account_id: account.id,
      description: i === 7 ? HOSTILE_DESCRIPTION : `Business unit ${i}`,
      organization: {
        name: account.organization?.name ?? `Fleet org ${i}`,
        auth_domain: account.organization?.auth_domain ?? `fleet-${i}.cloudflareaccess.com`,
        session_duration: drifts ? '12h' : '24h',
      },
      doh: { service_token_id: account.service_tokens![0]!.id, doh_jwt_duration: drifts ? '12h' : '24h' },
    };
  });
  await mkdir(dir, { recursive: true });
  for (let f = 0; f * 50 < accounts.length; f++) {
    await writeFile(join(dir, `fleet-${String(f).padStart(2, '0')}.yaml`), stringify({ accounts: accounts.slice(f * 50, (f + 1) * 50) }));
  }
  const missing = MISSING_ACCOUNTS.map((id) => ({ account_id: id, description: 'Removed from Cloudflare', organization: { session_duration: '12h' } }));
  await writeFile(join(dir, 'zz-missing.yaml'), stringify({ accounts: missing }));
  const live = snapshot.accounts ?? [];
  return {
    dir,
    accounts: live.length + MISSING_ACCOUNTS.length,
    // Every account with i % 4 === 0 has DoH (i is even), so its doh_jwt_duration drifts even without an organization.
    drifted: live.filter((_, i) => i % DRIFT_EVERY === 0).map((a) => a.id),
    creating: live.filter((a) => !a.organization || !a.doh).map((a) => a.id),
  };
}
