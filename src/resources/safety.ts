// Safety rules: changes that can lock people out or weaken security. Each rule is declared once, as the
// fields it watches and the kind of change that trips it; plans block them unless allowed (--allow RULE, or
// an `allow` entry of the config with a reason). Adding a rule is a line in this table.

import { parseDuration } from './duration.js';
import type { ResourceType } from './fields.js';

/** Whether a change from `before` (the live value as the plan shows it) to `after` (the config's) trips a rule. */
export type Trip = (before: unknown, after: unknown) => boolean;

const isSet = (value: unknown) => value !== null && value !== undefined && value !== '' && !(Array.isArray(value) && value.length === 0);

/** A value that was set is changed (a change exists whenever the plan lists one). */
const replaced: Trip = (before) => isSet(before);
/** A boolean that was on is turned off (or unset). */
const turnedOff: Trip = (before, after) => before === true && after !== true;
/** A list loses an item. */
const itemRemoved: Trip = (before, after) => Array.isArray(before) && before.some((item) => !(Array.isArray(after) && after.includes(item)));
/** A duration grows, or is unset. */
const longer: Trip = (before, after) => {
  const was = typeof before === 'string' ? parseDuration(before) : undefined;
  if (was === undefined) return false;
  const now = typeof after === 'string' && after !== '' ? parseDuration(after) : undefined;
  return now === undefined || now > was;
};

export interface RuleTrigger {
  readonly resource: ResourceType;
  /** Dotted field path, as in the resource tables. */
  readonly path: string;
  readonly when: Trip;
  /** What happened, for messages: "an authenticator is removed". */
  readonly what: string;
}

export interface SafetyRule {
  readonly name: string;
  readonly description: string;
  readonly triggers: readonly RuleTrigger[];
}

export const SAFETY_RULES: readonly SafetyRule[] = [
  {
    name: 'auth-domain-change',
    description: "An existing organization's login domain changes: every Access login URL, bookmark and IdP callback points at the old one.",
    triggers: [{ resource: 'organization', path: 'auth_domain', when: replaced, what: 'the login domain changes' }],
  },
  {
    name: 'deny-unmatched-requests-off',
    description: 'Requests to Cloudflare-protected resources without an Access application are let through again.',
    triggers: [{ resource: 'organization', path: 'deny_unmatched_requests', when: turnedOff, what: 'deny_unmatched_requests is turned off' }],
  },
  {
    name: 'ui-read-only-off',
    description: 'The dashboard lock is lifted: settings can again be changed outside the config.',
    triggers: [{ resource: 'organization', path: 'is_ui_read_only', when: turnedOff, what: 'the read-only dashboard lock is turned off' }],
  },
  {
    name: 'mfa-weakened',
    description: 'Multi-factor authentication gets weaker: an authenticator removed, MFA no longer required for all apps, or a longer MFA session.',
    triggers: [
      { resource: 'organization', path: 'mfa_config.allowed_authenticators', when: itemRemoved, what: 'an authenticator is removed' },
      { resource: 'organization', path: 'mfa_required_for_all_apps', when: turnedOff, what: 'MFA is no longer required for all apps' },
      { resource: 'organization', path: 'mfa_config.session_duration', when: longer, what: 'the MFA session gets longer' },
    ],
  },
  {
    name: 'warp-auth-off',
    description: 'Authentication through WARP is turned off: users who sign in with their device must log in again, or cannot.',
    triggers: [{ resource: 'organization', path: 'allow_authenticate_via_warp', when: turnedOff, what: 'WARP authentication is turned off' }],
  },
  {
    name: 'doh-token-replaced',
    description: 'Another service token issues DoH JWTs: clients holding JWTs of the current token stop resolving until they get new ones.',
    triggers: [{ resource: 'doh', path: 'service_token_id', when: replaced, what: 'the DoH service token is replaced' }],
  },
];

export const SAFETY_RULE_NAMES: readonly string[] = SAFETY_RULES.map((r) => r.name);

/** The change budget is not a rule one allows: it is set with --max-changed-targets. Its name in `blocked`. */
export const CHANGE_BUDGET_RULE = 'max-changed-targets';
