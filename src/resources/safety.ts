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
/** A boolean that was off is turned on. */
const turnedOn: Trip = (before, after) => before !== true && after === true;
/** A list gains an item, or a list that was set is unset (no list: anything goes). */
const itemAdded: Trip = (before, after) => {
  if (!isSet(after)) return isSet(before);
  return Array.isArray(after) && after.some((item) => !(Array.isArray(before) && before.includes(item)));
};
/** A value that was set is changed or unset. */
const changedOrUnset: Trip = (before, after) => isSet(before) && before !== after;

const durationOf = (value: unknown) => (typeof value === 'string' && value !== '' ? parseDuration(value) : undefined);

/**
 * A duration grows. `unsetMeans`: what the API does when the field is absent — a default duration (compared as
 * that), or undefined: no bound, so unsetting a duration that was set lengthens it, and setting one where none was
 * is judged by `fromUnset`.
 */
function lengthens({ unsetMeans, fromUnset = false }: { unsetMeans?: string; fromUnset?: boolean } = {}): Trip {
  const fallback = unsetMeans === undefined ? undefined : parseDuration(unsetMeans);
  return (before, after) => {
    const was = durationOf(before) ?? fallback;
    const now = durationOf(after) ?? fallback;
    if (was === undefined) return fromUnset && now !== undefined;
    return now === undefined || now > was;
  };
}
/** A duration grows, or is unset. */
const longer: Trip = lengthens();
/** An MFA session grows, is unset, or is set where there was none (the IdP's MFA was asked for every time). */
const mfaSessionLonger: Trip = lengthens({ fromUnset: true });

/** An enum moves down its order of strictness (strictest first), or is unset. */
function weaker(order: readonly string[]): Trip {
  return (before, after) => {
    const was = order.indexOf(String(before));
    if (was < 0) return false;
    const now = order.indexOf(String(after));
    return now < 0 || now > was;
  };
}

/** The host an absolute http(s) URL names, lowercased; '' for a relative path (served from the login page's own host). */
function hostOf(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  try {
    return new URL(value).host.toLowerCase();
  } catch {
    return '';
  }
}
/** A URL that was set moves to another host. */
const otherHost: Trip = (before, after) => {
  const was = hostOf(before);
  const now = hostOf(after);
  return was !== undefined && now !== undefined && now !== was;
};

export interface RuleTrigger {
  readonly resource: ResourceType;
  /** Dotted field path, as in the resource tables. */
  readonly path: string;
  readonly when: Trip;
  /** What happened, for messages: "an authenticator is removed". */
  readonly what: string;
  /** Judged only on a resource that exists: a create turns nothing on for anyone who relied on it being off. */
  readonly existingOnly?: boolean;
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
    name: 'deny-unmatched-requests-on',
    description:
      'Requests to Cloudflare-protected resources without an Access application are denied: turned on for an existing organization, it locks users out of every such resource until each has an application (or its zone is exempted).',
    triggers: [{ resource: 'organization', path: 'deny_unmatched_requests', when: turnedOn, what: 'deny_unmatched_requests is turned on', existingOnly: true }],
  },
  {
    name: 'deny-unmatched-exemption-added',
    description: 'A zone is added to the exemptions from deny_unmatched_requests (or the list is cleared): requests to it without an Access application are let through.',
    triggers: [{ resource: 'organization', path: 'deny_unmatched_requests_exempted_zone_names', when: itemAdded, what: 'a zone is exempted from deny_unmatched_requests' }],
  },
  {
    name: 'ui-read-only-off',
    description: 'The dashboard lock is lifted: settings can again be changed outside the config.',
    triggers: [{ resource: 'organization', path: 'is_ui_read_only', when: turnedOff, what: 'the read-only dashboard lock is turned off' }],
  },
  {
    name: 'mfa-weakened',
    description:
      'Multi-factor authentication gets weaker: an authenticator removed, MFA no longer required for all apps, a longer MFA session (or one where MFA was asked every time), users let skip MFA when the IdP says "mfa" (or for longer), the required FIDO2 authenticators changed or dropped, or weaker PIV key requirements (PIN or touch asked less, FIPS no longer required, more key sizes or types).',
    triggers: [
      { resource: 'organization', path: 'mfa_config.allowed_authenticators', when: itemRemoved, what: 'an authenticator is removed' },
      { resource: 'organization', path: 'mfa_required_for_all_apps', when: turnedOff, what: 'MFA is no longer required for all apps' },
      { resource: 'organization', path: 'mfa_config.session_duration', when: mfaSessionLonger, what: 'the MFA session gets longer' },
      { resource: 'organization', path: 'mfa_config.amr_matching_session_duration', when: mfaSessionLonger, what: 'users may skip MFA when the IdP says "mfa", or for longer' },
      { resource: 'organization', path: 'mfa_config.required_aaguids', when: changedOrUnset, what: 'the required FIDO2 authenticators change or are dropped' },
      { resource: 'organization', path: 'mfa_piv_key_requirements.pin_policy', when: weaker(['always', 'once', 'never']), what: 'the PIV key asks for its PIN less often' },
      { resource: 'organization', path: 'mfa_piv_key_requirements.touch_policy', when: weaker(['always', 'cached', 'never']), what: 'the PIV key asks for a touch less often' },
      { resource: 'organization', path: 'mfa_piv_key_requirements.require_fips_device', when: turnedOff, what: 'a FIPS-validated PIV device is no longer required' },
      { resource: 'organization', path: 'mfa_piv_key_requirements.ssh_key_size', when: itemAdded, what: 'more SSH key sizes are allowed' },
      { resource: 'organization', path: 'mfa_piv_key_requirements.ssh_key_type', when: itemAdded, what: 'more SSH key types are allowed' },
    ],
  },
  {
    name: 'session-lengthened',
    description:
      'A session gets longer: application tokens (session_duration), WARP authentication sessions or DoH JWTs stay valid longer, or one is set where the API\'s absence meant a shorter default (24h) — a stolen token or a departed user keeps access for longer.',
    triggers: [
      { resource: 'organization', path: 'session_duration', when: lengthens({ unsetMeans: '24h' }), what: 'application sessions get longer' },
      { resource: 'organization', path: 'warp_auth_session_duration', when: longer, what: 'WARP authentication sessions get longer' },
      { resource: 'doh', path: 'doh_jwt_duration', when: lengthens({ unsetMeans: '24h' }), what: 'DoH JWTs stay valid longer' },
    ],
  },
  {
    name: 'warp-auth-on',
    description: 'Authentication through WARP is turned on for an existing organization: a device\'s WARP session then signs its user in to every application, for warp_auth_session_duration, without the identity provider.',
    triggers: [{ resource: 'organization', path: 'allow_authenticate_via_warp', when: turnedOn, what: 'WARP authentication is turned on', existingOnly: true }],
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
  {
    name: 'logo-host-changed',
    description: 'The login page loads its logo from another host: whoever controls that host controls an image on the page where users enter their credentials (a look-alike, or a tracking pixel).',
    triggers: [{ resource: 'organization', path: 'login_design.logo_path', when: otherHost, what: 'the logo moves to another host' }],
  },
];

/**
 * Whether a change of `path` from `before` to `after` weakens security by a rule: the same predicates plans
 * judge, for any pair of values — e.g. the config's value against the live one, to tell security drift.
 */
export function weakenings(resource: ResourceType, path: string, before: unknown, after: unknown, existing = true, around: Around = NOTHING_AROUND): { rule: string; what: string }[] {
  return SAFETY_RULES.flatMap((rule) =>
    rule.triggers.filter((t) => t.resource === resource && t.path === path && (existing || !t.existingOnly) && t.when(before, after, around)).map((t) => ({ rule: rule.name, what: t.what })),
  );
}

/** No other field known (rules that depend on other fields then do not trip). */
const NOTHING_AROUND: Around = { before: () => undefined, after: () => undefined };

export const SAFETY_RULE_NAMES: readonly string[] = SAFETY_RULES.map((r) => r.name);

/** The change budget is not a rule one allows: it is set in the config (budget:) or with --max-changed-targets. Its name in `blocked`. */
export const CHANGE_BUDGET_RULE = 'max-changed-targets';
