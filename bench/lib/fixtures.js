// Config fixtures: realistic accounts for validation, and a desired state matching the emulator's generated
// accounts (src/emulator/seed.ts generateAccounts) with changes on a known fraction, plus the plan it must give.

import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';

const hex = (text) => createHash('md5').update(`ztsync-bench:${text}`).digest('hex');
const uuid = (h) => `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
const AUTHENTICATORS = [['totp'], ['totp', 'security_key'], ['security_key', 'biometrics'], ['totp', 'biometrics', 'security_key']];

/** Account i of the validate scenario: a full organization, and a DoH section for every other account. */
export function realisticAccount(i) {
  const id = hex(`account-${i}`);
  const mfa = AUTHENTICATORS[i % AUTHENTICATORS.length];
  const organization = {
    name: `Widget Corps unit ${i}`,
    auth_domain: `widget-unit-${i}.cloudflareaccess.com`,
    session_duration: ['12h', '24h', '30m', '2h45m'][i % 4],
    login_design: {
      background_color: `#${id.slice(0, 6)}`,
      text_color: '#222222',
      header_text: `Widget Corps unit ${i}`,
      logo_path: `https://unit-${i}.widgetcorps.example/logo.png`,
    },
    mfa_config: { allowed_authenticators: [...mfa], session_duration: `${(i % 48) + 1}h` },
    mfa_required_for_all_apps: i % 5 === 0,
    deny_unmatched_requests: true,
    deny_unmatched_requests_exempted_zone_names: [`status.unit-${i}.example`, `unit-${i}.example`, `cdn.unit-${i}.example`],
  };
  if (i % 3 === 0) Object.assign(organization, { allow_authenticate_via_warp: true, warp_auth_session_duration: '8h' });
  const account = { account_id: id, description: `Business unit ${i}`, organization };
  if (i % 2 === 0) account.doh = { service_token_id: uuid(hex(`token-${i}`)), doh_jwt_duration: '800h' };
  return account;
}

export const DEFAULTS = {
  defaults: { organization: { user_seat_expiration_inactive_time: '730h', auto_redirect_to_identity: false, login_design: { footer_text: 'Authorised use only' } } },
};

// Written out in full, as people write configs: no anchors and aliases for repeated values.
const YAML_OPTIONS = { aliasDuplicateObjects: false };

/** Write `accounts` spread over `fileCount` YAML files (plus a defaults file) under `dir`; returns `dir`. */
export async function writeConfig(dir, accounts, { fileCount = 20, defaults = true } = {}) {
  await mkdir(dir, { recursive: true });
  const perFile = Math.ceil(accounts.length / fileCount);
  const writes = [];
  for (let f = 0; f * perFile < accounts.length; f++) {
    const slice = accounts.slice(f * perFile, (f + 1) * perFile);
    writes.push(writeFile(join(dir, `accounts-${String(f).padStart(3, '0')}.yaml`), stringify({ accounts: slice }, YAML_OPTIONS)));
  }
  if (defaults) writes.push(writeFile(join(dir, 'defaults.yaml'), stringify(DEFAULTS, YAML_OPTIONS)));
  await Promise.all(writes);
  return dir;
}

/** Every `CHANGE_EVERY`-th generated account gets a changed session_duration and doh_jwt_duration. */
export const CHANGE_EVERY = 4;

/**
 * Desired accounts for the emulator's state (`em.state.snapshot()`): each organization and DoH setting is
 * managed; the unchanged ones are written in other spellings of the live values (1440m for 24h, 24h0m0s),
 * so a plan only comes out right if comparison is by meaning.
 */
export function desiredFor(snapshot) {
  return snapshot.accounts.map((account, i) => {
    const changed = i % CHANGE_EVERY === 0;
    return {
      account_id: account.id,
      description: `Benchmark account ${i}`,
      organization: {
        name: account.organization?.name ?? `Benchmark org ${i}`,
        auth_domain: account.organization?.auth_domain ?? `bench-${i}.cloudflareaccess.com`,
        session_duration: changed ? '12h' : '1440m',
        deny_unmatched_requests: false,
      },
      doh: { service_token_id: account.service_tokens[0].id, doh_jwt_duration: changed ? '48h' : '24h0m0s' },
    };
  });
}

/** The plan summary `desiredFor(snapshot)` must give, and how many targets have something to do. */
export function expectedPlan(snapshot) {
  const summary = { create: 0, update: 0, noop: 0, error: 0 };
  let changedTargets = 0;
  snapshot.accounts.forEach((account, i) => {
    const changed = i % CHANGE_EVERY === 0;
    const actions = [account.organization, account.doh].map((live) => (!live ? 'create' : changed ? 'update' : 'noop'));
    for (const action of actions) summary[action]++;
    if (actions.some((a) => a !== 'noop')) changedTargets++;
  });
  return { summary, changedTargets, changedResources: summary.create + summary.update };
}
