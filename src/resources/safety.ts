// Safety rules: changes that can lock people out or weaken security. Each rule is declared once, as the
// fields it watches and the kind of change that trips it; plans block them unless allowed (--allow RULE, or
// an `allow` entry of the config with a reason). Adding a rule is a line in this table.

import { parseDuration } from './duration.js';
import type { ResourceType } from './fields.js';

/** The object around a change: any field's value as it is live (`before`) and as the write would leave it (`after`). */
export interface Around {
  before(path: string): unknown;
  after(path: string): unknown;
}

/**
 * Whether a change from `before` (the live value as the plan shows it) to `after` (the config's) trips a rule;
 * `around` gives the other fields, for rules that depend on them.
 */
export type Trip = (before: unknown, after: unknown, around: Around) => boolean;

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

/** Automatic deletion of inactive service tokens, on after the write (a delete cannot be undone). */
const deletesAfter = (around: Around) => around.after('service_token_inactivity.action') === 'delete' && around.after('service_token_inactivity.enabled') === true;
const deletedBefore = (around: Around) => around.before('service_token_inactivity.action') === 'delete' && around.before('service_token_inactivity.enabled') === true;
/** Deletion of inactive service tokens turned on by the action (the enabled trigger below covers an action already delete, so one change trips once). */
const deletionTurnedOn: Trip = (_before, _after, around) => deletesAfter(around) && !deletedBefore(around);
const deletionEnabled: Trip = (before, after, around) => deletionTurnedOn(before, after, around) && around.before('service_token_inactivity.action') === 'delete';
/** The inactivity threshold lowered while deletion is on: more tokens qualify for deletion, at once. */
const thresholdLowered: Trip = (before, after, around) =>
  deletesAfter(around) && deletedBefore(around) && typeof before === 'number' && (typeof after !== 'number' || after < before);

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
    name: 'strict-service-token-auth-off',
    description:
      'Strict service-token authentication is turned off: failed service-token requests are redirected to the login page again instead of answering 401/403, go unlogged, and successful ones get a CF_Authorization cookie that outlives the token.',
    triggers: [{ resource: 'organization', path: 'strict_service_token_auth', when: turnedOff, what: 'strict service-token authentication is turned off' }],
  },
  {
    name: 'service-token-cleanup-delete',
    description:
      'Inactive service tokens get deleted automatically, or more of them at once (the threshold lowered while deletion is on): a deleted token cannot be restored, and every client still holding it loses access.',
    triggers: [
      { resource: 'organization', path: 'service_token_inactivity.action', when: deletionTurnedOn, what: 'inactive service tokens are deleted automatically' },
      { resource: 'organization', path: 'service_token_inactivity.enabled', when: deletionEnabled, what: 'inactive service tokens are deleted automatically' },
      { resource: 'organization', path: 'service_token_inactivity.inactivity_threshold_days', when: thresholdLowered, what: 'the inactivity threshold is lowered while deletion is on' },
    ],
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
