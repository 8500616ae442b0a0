// Saved plans: sealing a plan with a checksum of its content, and reading one back for apply --plan. A saved
// plan is applied exactly as reviewed, so anything that makes it mean something else is refused whole: an
// edit (the checksum no longer matches), a format this ztsync does not know, a file that is not a plan.

import { holdsSecret } from '../cloudflare/credentials.js';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import canonicalize from 'canonicalize';
import { fieldByPath, isPlainObject, SCOPES } from '../resources/fields.js';
import { RESOURCES, resourceSpec } from '../resources/index.js';
import { READABLE_FORMAT_VERSIONS, type Plan } from './model.js';

/** sha256 of the plan's canonical JSON (RFC 8785: sorted keys, no spaces), leaving out the checksum itself. */
export function checksumOf(plan: Plan): string {
  const { checksum: _ignored, ...content } = plan;
  return `sha256:${createHash('sha256').update(canonicalize(content) ?? '').digest('hex')}`;
}

/** The plan with its checksum, as the last field; call it once the plan is complete. */
export function sealPlan(plan: Plan): Plan {
  const { checksum: _ignored, ...content } = plan;
  return { ...content, checksum: checksumOf(content) };
}

export class PlanFileError extends Error {
  override name = 'PlanFileError';
}

/** Parse and check a saved plan; throws PlanFileError saying why it cannot be applied. */
export function readSavedPlan(text: string, file: string): Plan {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new PlanFileError(`${file} is not a ztsync plan: it is not JSON (save plans with plan --format json --out FILE)`);
  }
  if (!isPlainObject(data) || !('format_version' in data) || !Array.isArray(data.targets)) {
    throw new PlanFileError(`${file} is not a ztsync plan: it has no format_version and targets`);
  }
  const version = data.format_version;
  if (typeof version !== 'string' || !READABLE_FORMAT_VERSIONS.includes(version)) {
    throw new PlanFileError(
      `${file} has plan format_version ${JSON.stringify(version)}, which this ztsync cannot read (it reads ${READABLE_FORMAT_VERSIONS.join(', ')}); plan again with this version`,
    );
  }
  const plan = data as unknown as Plan;
  if (typeof plan.checksum !== 'string') throw new PlanFileError(`${file} has no checksum: it was not saved by ztsync plan, or was cut short`);
  const expected = checksumOf(plan);
  if (plan.checksum !== expected) {
    throw new PlanFileError(`${file} was changed after it was saved (its checksum does not match its content): a saved plan is applied only as it was reviewed; plan again`);
  }
  const malformed = shapeProblem(plan);
  if (malformed) throw new PlanFileError(`${file} is not a plan this ztsync wrote: ${malformed}`);
  return plan;
}

const ACTIONS: readonly unknown[] = ['create', 'update', 'noop'];

/**
 * The first thing in a checksummed plan that is not shaped as ztsync writes it (a plan forged with a recomputed
 * checksum, or made by a broken tool), so that apply never stumbles on it halfway.
 */
function shapeProblem(plan: Plan): string | undefined {
  if (typeof plan.api_base !== 'string') return 'api_base is not a string';
  if (!Array.isArray(plan.blocked) || !Array.isArray(plan.allowed)) return 'blocked and allowed are not lists';
  for (const [i, target] of plan.targets.entries()) {
    const at = `targets[${i}]`;
    if (!isPlainObject(target) || !SCOPES.includes(target.scope) || typeof target.id !== 'string') return `${at} has no scope and id`;
    if (!Array.isArray(target.resources)) return `${at}.resources is not a list`;
    if (!isPlainObject(target.source) || (target.error !== null && !isPlainObject(target.error))) return `${at} has no source or error`;
    for (const [j, resource] of target.resources.entries()) {
      const rat = `${at}.resources[${j}]`;
      if (!isPlainObject(resource) || !RESOURCES.some((r) => r.type === resource.type) || !ACTIONS.includes(resource.action)) return `${rat} has no known type and action`;
      if (!Array.isArray(resource.changes) || !resource.changes.every((c) => isPlainObject(c) && typeof c.path === 'string' && fieldByPath(resourceSpec(resource.type), c.path))) {
        return `${rat}.changes is not a list of changes of known fields`;
      }
      if (!isPlainObject(resource.desired) || (resource.live !== null && !isPlainObject(resource.live))) return `${rat} has no desired values or live snapshot`;
    }
  }
  return undefined;
}

/**
 * The targets whose part of the plan holds one of the secrets (the API credential) as text — echoed by an API,
 * or written into the config. Such a plan must be neither shown nor saved: a plan is posted where everyone reads
 * it. Masking is no way out, since a masked desired value would be applied as the mask.
 */
export function targetsHoldingSecrets(plan: Plan, secrets: readonly string[]): string[] {
  const holds = (value: unknown) => holdsSecret(JSON.stringify(value), secrets);
  const found = plan.targets.filter(holds).map((t) => `${t.scope} ${t.id}`);
  const { targets: _targets, ...rest } = plan;
  if (holds(rest)) found.push('the plan header');
  return found;
}

/** Read and check a saved plan file (apply --plan, report --plan); throws PlanFileError saying why it cannot be used. */
export async function loadSavedPlan(file: string): Promise<Plan> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new PlanFileError(`cannot read the plan ${file}: ${code === 'ENOENT' ? 'no such file' : err instanceof Error ? err.message : String(err)}`);
  }
  return readSavedPlan(text, file);
}
