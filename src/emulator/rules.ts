// Rules that span fields, checked on the organization a write would leave behind (body laid over what is stored).

import { CODES, WARP_MESSAGE, type FieldIssue } from './errors.js';
import type { JsonObject } from './field-checks.js';
import { getPath } from '../resources/fields.js';

export function organizationRuleIssues(organization: JsonObject): FieldIssue[] {
  const issues: FieldIssue[] = [];
  // Cloudflare's own rule and message (terraform-provider-cloudflare#3144).
  if (organization.allow_authenticate_via_warp === true && !organization.warp_auth_session_duration) {
    issues.push({
      path: 'allow_authenticate_via_warp',
      detail: 'cannot be set if the Warp Auth Session Duration is not set for the account',
      code: CODES.warpSessionMissing,
      message: WARP_MESSAGE,
    });
  }
  // Documented on the field: MFA must be set up (an authenticator and a session duration) first.
  if (organization.mfa_required_for_all_apps === true) {
    const authenticators = getPath(organization, 'mfa_config.allowed_authenticators');
    if (!Array.isArray(authenticators) || authenticators.length === 0 || !getPath(organization, 'mfa_config.session_duration')) {
      issues.push({
        path: 'mfa_required_for_all_apps',
        detail: 'needs MFA set up first: at least one mfa_config.allowed_authenticators and an mfa_config.session_duration',
        code: CODES.mfaNotConfigured,
      });
    }
  }
  return issues;
}
