// The Zero Trust organization (one per account or zone): every field of Cloudflare's reference pages and
// published spec, declared once. Zones accept only the subset marked ALL.

import { ACCOUNT, ALL, bool, duration, int, oneOf, setOf, str, type ResourceSpec } from './fields.js';

/** Cloudflare's error for allow_authenticate_via_warp without a WARP session duration (terraform-provider-cloudflare#3144). */
export const WARP_SESSION_REQUIRED = {
  code: 12130,
  message: 'access.api.error.invalid_request: allow_authenticate_via_warp cannot be set if the Warp Auth Session Duration is not set for the account',
} as const;

/**
 * strict_service_token_auth cannot be turned off on organizations created on or after 2026-10-05 (the SDK 7.3.0's
 * description). Cloudflare's error for it is not published: code and message are the emulator's pick.
 */
export const STRICT_SERVICE_TOKEN_AUTH_LOCKED = {
  code: 12132,
  message: 'access.api.error.invalid_request: strict_service_token_auth cannot be disabled for organizations created on or after 2026-10-05',
} as const;

const AUTHENTICATORS = ['totp', 'biometrics', 'security_key', 'piv_key', 'ssh_fido2_key'];

export const organization: ResourceSpec = {
  type: 'organization',
  description: 'Zero Trust organization settings: login design, sessions, MFA, WARP authentication, unmatched-request policy and the dashboard lock.',
  scopes: ALL,
  defaultsNeedOwnSection: true,
  keepsUnknownLiveFields: true,
  groups: [
    { path: 'login_design', description: 'How the Access login page looks.' },
    { path: 'custom_pages', description: 'Custom pages shown when access is denied (update only: the create call does not take them).' },
    { path: 'mfa_config', description: 'Configures multi-factor authentication (MFA) settings for an organization.' },
    { path: 'mfa_piv_key_requirements', description: 'Configures PIV key requirements for MFA using hardware security keys.' },
    {
      path: 'service_token_inactivity',
      whole: true,
      description: 'What happens to service tokens no policy references and that have not authenticated for inactivity_threshold_days (every service token of the account). The API takes the three fields only together.',
    },
  ],
  rules: [
    { when: 'allow_authenticate_via_warp', requires: ['warp_auth_session_duration'], apiError: WARP_SESSION_REQUIRED },
    // Documented on the field: MFA must be set up first.
    { when: 'mfa_required_for_all_apps', requires: ['mfa_config.allowed_authenticators', 'mfa_config.session_duration'] },
  ],
  removed: [
    { path: 'mfa_configuration_allowed', removedOn: '2026-03-05', note: 'it was in the spec from 2026-02-20 and left the official SDK on 2026-03-05; the Terraform provider still carries it' },
  ],
  locked: [
    {
      name: 'strict-service-token-auth-required',
      field: 'strict_service_token_auth',
      refused: false,
      lockedAs: true,
      createdOnOrAfter: '2026-10-05',
      createdAt: 'created_at',
      why: 'organizations created on or after 2026-10-05 have strict_service_token_auth on and cannot turn it off',
      apiError: STRICT_SERVICE_TOKEN_AUTH_LOCKED,
    },
  ],
  fields: [
    { path: 'name', type: str(), scopes: ALL, requiredOnCreate: true, description: 'The name of your Zero Trust organization.', example: 'Widget Corps Internal Applications' },
    { path: 'auth_domain', type: str('hostname'), scopes: ALL, requiredOnCreate: true, perTarget: true, description: 'The unique subdomain assigned to your Zero Trust organization.', example: 'widgetcorps.cloudflareaccess.com' },
    { path: 'allow_authenticate_via_warp', type: bool(), scopes: ACCOUNT, description: 'When set to true, users can authenticate via WARP for any application in your organization. Application settings will take precedence over this value. Needs warp_auth_session_duration.' },
    { path: 'auto_redirect_to_identity', type: bool(), scopes: ACCOUNT, description: 'When set to true, users skip the identity provider selection step during login.' },
    { path: 'custom_pages.forbidden', type: str(), scopes: ACCOUNT, onCreate: false, description: 'The uid of the custom page to use when a user is denied access after failing a non-identity rule.' },
    { path: 'custom_pages.identity_denied', type: str(), scopes: ACCOUNT, onCreate: false, description: 'The uid of the custom page to use when a user is denied access.' },
    { path: 'deny_unmatched_requests', type: bool(), scopes: ALL, description: 'Deny all requests to Cloudflare-protected resources that lack an associated Access application.' },
    { path: 'deny_unmatched_requests_exempted_zone_names', type: setOf('string', 'hostname'), scopes: ALL, description: 'Zone names exempt from deny_unmatched_requests (compared as a set, without regard to case).', example: ['example.com'] },
    { path: 'is_ui_read_only', type: bool(), scopes: ALL, description: 'Lock all settings as read-only in the dashboard, regardless of user permission; changes then come only through the API.' },
    { path: 'ui_read_only_toggle_reason', type: str(), scopes: ALL, description: 'Why the dashboard read-only lock is being toggled.' },
    { path: 'login_design.background_color', type: str('color'), scopes: ALL, description: 'The background color on your login page.', example: '#c5ed1b' },
    { path: 'login_design.footer_text', type: str('text'), scopes: ALL, description: 'The text at the bottom of your login page.' },
    { path: 'login_design.header_text', type: str('text'), scopes: ALL, description: 'The text at the top of your login page.' },
    { path: 'login_design.logo_path', type: str('uri'), scopes: ALL, description: 'The URL of the logo on your login page.' },
    { path: 'login_design.text_color', type: str('color'), scopes: ALL, description: 'The text color on your login page.', example: '#c5ed1b' },
    { path: 'mfa_config.allowed_authenticators', type: setOf(AUTHENTICATORS), scopes: ACCOUNT, description: 'The MFA methods users can authenticate with (compared as a set). piv_key and ssh_fido2_key apply to infrastructure applications only.', example: ['totp', 'security_key'] },
    { path: 'mfa_config.session_duration', type: duration('minutes-hours', { min: '0m', max: '720h' }), scopes: ACCOUNT, description: 'How long an MFA session lasts: minutes or hours, 0m to 720h.', example: '12h' },
    { path: 'mfa_config.amr_matching_session_duration', type: duration('minutes-hours', { min: '0m', max: '720h' }), scopes: ACCOUNT, description: 'Lets a user skip MFA when the IdP AMR claim contains "mfa": minutes or hours, 0m to 720h.' },
    { path: 'mfa_config.required_aaguids', type: str('uuid'), scopes: ACCOUNT, description: 'A Cloudflare List of required FIDO2 authenticator device AAGUIDs.' },
    { path: 'mfa_required_for_all_apps', type: bool(), scopes: ACCOUNT, description: 'Apply the global MFA settings to applications by default. Needs at least one authenticator and an MFA session duration.' },
    { path: 'mfa_piv_key_requirements.pin_policy', type: oneOf('never', 'once', 'always'), scopes: ACCOUNT, description: 'When a PIN is required to use the SSH key.' },
    { path: 'mfa_piv_key_requirements.require_fips_device', type: bool(), scopes: ACCOUNT, description: 'Require the PIV key to be on a FIPS 140-2 Level 1 or higher validated device.' },
    { path: 'mfa_piv_key_requirements.ssh_key_size', type: setOf([256, 384, 521, 2048, 3072, 4096]), scopes: ACCOUNT, description: 'Allowed SSH key sizes in bits (compared as a set).' },
    { path: 'mfa_piv_key_requirements.ssh_key_type', type: setOf(['ecdsa', 'ed25519', 'rsa']), scopes: ACCOUNT, description: 'Allowed SSH key types (compared as a set).' },
    { path: 'mfa_piv_key_requirements.touch_policy', type: oneOf('never', 'always', 'cached'), scopes: ACCOUNT, description: 'When physical touch is required to use the SSH key.' },
    { path: 'session_duration', type: duration('go'), scopes: ACCOUNT, description: 'How long tokens issued for applications stay valid: a Go duration such as 300ms or 2h45m.', example: '24h' },
    { path: 'user_seat_expiration_inactive_time', type: duration('go', { min: '730h', max: '8760h' }), scopes: ALL, description: 'How long a user seat may be inactive before it expires: at least 730h (one month), at most 8760h (one year).', example: '730h' },
    { path: 'warp_auth_session_duration', type: duration('minutes-hours'), scopes: ACCOUNT, description: 'How long WARP authentication sessions last: minutes or hours, e.g. 30m or 2h45m.', example: '24h' },
    { path: 'strict_service_token_auth', type: bool(), scopes: ACCOUNT, description: 'Service-token failures answer 401 or 403 (and are logged) instead of redirecting to the login page, and no CF_Authorization cookie is issued. Organizations created on or after 2026-10-05 have it on and cannot turn it off.' },
    { path: 'service_token_inactivity.action', type: oneOf('disable', 'delete'), scopes: ACCOUNT, description: 'What happens to an inactive service token: disable, or delete (which cannot be undone).', example: 'disable' },
    { path: 'service_token_inactivity.enabled', type: bool(), scopes: ACCOUNT, description: 'Whether inactive service tokens are disabled or deleted automatically.' },
    { path: 'service_token_inactivity.inactivity_threshold_days', type: int({ min: 30, max: 365 }), scopes: ACCOUNT, description: 'How many days a service token must be inactive before the action applies: a whole number from 30 to 365.', example: 90 },
    { path: 'warp_auth_non_browser_401', type: bool(), scopes: ACCOUNT, description: 'Answer failed WARP authentication of non-HTML requests with 401 instead of a redirect to the login page.' },
    { path: 'trusted_accounts', type: setOf('string'), scopes: [], readOnly: true, description: 'The account tags of organizations trusted by this organization for policy and device posture sharing (only in the GET answer).' },
    { path: 'created_at', type: str(), scopes: [], readOnly: true, description: 'When the organization was created.' },
    { path: 'updated_at', type: str(), scopes: [], readOnly: true, stamp: true, description: 'When the organization was last changed.' },
  ],
};
