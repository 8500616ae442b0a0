import { doh } from './doh.js';
import { organization } from './organization.js';
import type { ResourceSpec, ResourceType } from './fields.js';

export * from './fields.js';
export { organization } from './organization.js';
export { doh } from './doh.js';

/** Every managed resource, in the order plans list them. */
export const RESOURCES: readonly ResourceSpec[] = [organization, doh];

export function resourceSpec(type: ResourceType): ResourceSpec {
  const spec = RESOURCES.find((r) => r.type === type);
  if (!spec) throw new Error(`unknown resource type ${type}`);
  return spec;
}
