// Rules that span fields, checked on the organization a write would leave behind (body laid over what is stored).
// The rules themselves are declared with the resource (src/resources/organization.ts).

import { getPath, missingRequirements } from '../resources/fields.js';
import { organization as organizationSpec } from '../resources/organization.js';
import { CODES, type FieldIssue } from './errors.js';
import type { JsonObject } from './field-checks.js';

export function organizationRuleIssues(organization: JsonObject): FieldIssue[] {
  return (organizationSpec.rules ?? []).flatMap((rule) => {
    const missing = missingRequirements(rule, (path) => getPath(organization, path));
    if (missing.length === 0) return [];
    return [{ path: rule.when, detail: `needs ${missing.join(' and ')} to be set first`, code: rule.apiError?.code ?? CODES.requirementMissing, message: rule.apiError?.message }];
  });
}
