// Credentials the API refused while planning, each said once (the client stopped at its first refusal), with
// what to check.

import { formatPosition, type DesiredTarget } from '../../config/model.js';
import { explainRefusal, type Refusal } from '../../cloudflare/pool.js';
import { refusedToken } from '../../cloudflare/errors.js';
import type { Io } from '../../io.js';
import type { Plan } from '../../plan/model.js';
import { visible } from '../../util/terminal.js';

/**
 * `stopped`: the default credentials were refused, the run stops. Otherwise a credentials_env token was: only its
 * targets failed (the plan names the variable on each), the others are planned.
 */
export function reportRefusals(io: Io, refusals: readonly Refusal[], { plan, targets, stopped }: { plan: Plan; targets: readonly DesiredTarget[]; stopped: boolean }): void {
  const where = (name: string) => {
    const named = targets.find((t) => t.credentialsEnv?.name === name)?.credentialsEnv;
    return named && formatPosition(named.position);
  };
  for (const refusal of refusals) {
    const failed = plan.targets.filter((t) => t.credentials_env !== undefined && refusal.variables.includes(t.credentials_env) && t.error?.message.startsWith(refusedToken([{ name: t.credentials_env }])));
    const outcome = stopped ? 'Stopped: nothing was changed' : `${failed.length} ${failed.length === 1 ? 'target' : 'targets'} using it could not be planned; the other targets were`;
    io.stderr.write(`ztsync: ${visible(explainRefusal(refusal, where))}. ${outcome}.\n`);
  }
}
