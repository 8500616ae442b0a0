// Offline validate + diff (issue #10): a fleet's config loaded and validated as `ztsync validate` does, then diffed
// by the plan builder against live state read from a JSON file, with no network. Target: ≤ 2 s wall and ≤ 300 MB
// peak RSS (the child's maxRSS) for 10,000 accounts; a miss fails the full run (run.js), its figures shown.

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { buildPlanFrom } from '../../dist/plan/build.js';
import { DEFAULTS, realisticAccount, writeConfig } from './fixtures.js';
import { check, measure } from './measure.js';
import { loadOrFail } from './load.js';

export const MAX_MS = 2000;
export const MAX_RSS_MB = 300;

/** Go's own spelling of a duration, as the API answers it: 12h → 12h0m0s, 2h45m → 2h45m0s, 30m → 30m0s. */
const goSpelling = (d) => (d.endsWith('h') ? `${d}0m0s` : d.endsWith('m') ? `${d}0s` : d);

/**
 * Account i's live organization as the API reports it: the config's values (defaults laid under) in the API's
 * spellings (Go durations, upper-case colours, sets in another order, false booleans left out, fields ztsync does
 * not manage), with drift on a known share. Returns it with the number of changes a diff must find.
 */
function liveOrganization(i, organization) {
  const d = { ...DEFAULTS.defaults.organization, ...organization, login_design: { ...DEFAULTS.defaults.organization.login_design, ...organization.login_design } };
  if (i % 10 === 0) {
    // Not set up yet: a create, with every managed value a change except the false booleans (absent means false).
    const falses = [d.auto_redirect_to_identity, d.mfa_required_for_all_apps].filter((v) => v === false).length;
    return { live: null, changes: managedCount(d) - falses };
  }
  let changes = 0;
  const drift = (condition, value, spelled) => (condition ? (changes++, value) : spelled);
  const live = {
    name: d.name,
    auth_domain: d.auth_domain,
    session_duration: drift(i % 10 <= 3, '6h0m0s', goSpelling(d.session_duration)),
    login_design: {
      background_color: d.login_design.background_color.toUpperCase(),
      text_color: drift(i % 7 === 0, '#000000', d.login_design.text_color),
      header_text: d.login_design.header_text,
      logo_path: d.login_design.logo_path,
      footer_text: d.login_design.footer_text,
    },
    mfa_config: { allowed_authenticators: [...d.mfa_config.allowed_authenticators].reverse(), session_duration: d.mfa_config.session_duration },
    deny_unmatched_requests: true,
    deny_unmatched_requests_exempted_zone_names: drift(i % 11 === 0, d.deny_unmatched_requests_exempted_zone_names.slice(1), [...d.deny_unmatched_requests_exempted_zone_names].reverse()),
    user_seat_expiration_inactive_time: drift(i % 4 === 1, '1460h0m0s', goSpelling(d.user_seat_expiration_inactive_time)),
    is_ui_read_only: false,
    custom_pages: { forbidden: '', identity_denied: '' },
    created_at: '2025-03-01T09:00:00Z',
    updated_at: '2026-10-12T16:20:00Z',
  };
  if (d.mfa_required_for_all_apps) live.mfa_required_for_all_apps = true;
  if (d.allow_authenticate_via_warp) Object.assign(live, { allow_authenticate_via_warp: true, warp_auth_session_duration: d.warp_auth_session_duration });
  return { live, changes };
}

/** The managed leaves of an organization section (lists are leaves). */
function managedCount(section) {
  return Object.values(section).reduce((n, v) => n + (v && typeof v === 'object' && !Array.isArray(v) ? managedCount(v) : 1), 0);
}

/** Account i's live DoH settings, when its config manages them: absent on a third, drifted on a third, respelled on the rest. */
function liveDoh(i, doh) {
  if (i % 6 === 0) return { live: null, changes: 2 };
  const token = { client_id: `${doh.service_token_id.slice(0, 8)}.access`, name: `unit-${i} DoH`, duration: '8760h', enabled: true, expires_at: '2027-03-01T09:00:00Z', last_seen_at: '2026-11-24T08:00:00Z', created_at: '2025-03-01T09:00:00Z', updated_at: '2025-03-01T09:00:00Z' };
  if (i % 6 === 2) return { live: { id: doh.service_token_id, ...token, doh_jwt_duration: '24h0m0s' }, changes: 1 };
  return { live: { id: doh.service_token_id.toUpperCase(), ...token, doh_jwt_duration: goSpelling(doh.doh_jwt_duration) }, changes: 0 };
}

/**
 * The config of `accounts` realistic accounts over `files` files plus defaults under `dir`, and `dir/live.json`
 * (outside the config: it is not YAML) with each account's live organization and DoH settings, and
 * `dir/expected.json`: the plan that must come out (its summary and the number of field changes).
 */
export async function writeOfflineFixture(dir, accounts, files) {
  const config = Array.from({ length: accounts }, (_, i) => realisticAccount(i));
  await writeConfig(join(dir, 'config'), config, { fileCount: files });
  const summary = { create: 0, update: 0, noop: 0, error: 0 };
  let changes = 0;
  const live = {};
  config.forEach((account, i) => {
    const resources = [liveOrganization(i, account.organization), ...(account.doh ? [liveDoh(i, account.doh)] : [])];
    live[account.account_id] = { organization: resources[0].live, doh: resources[1]?.live ?? null };
    for (const r of resources) {
      summary[r.live === null ? 'create' : r.changes > 0 ? 'update' : 'noop']++;
      changes += r.changes;
    }
  });
  await writeFile(join(dir, 'live.json'), JSON.stringify({ accounts: live }));
  await writeFile(join(dir, 'expected.json'), JSON.stringify({ summary, changes }));
}

/** Validate the config and diff it against live.json: the measured region is all of it, file reads included. */
export async function offline({ dir, accounts, files }) {
  const expected = JSON.parse(await readFile(join(dir, 'expected.json'), 'utf8'));
  let cpu;
  const m = await measure(async () => {
    const start = process.cpuUsage();
    const desired = await loadOrFail(join(dir, 'config'), accounts);
    const live = JSON.parse(await readFile(join(dir, 'live.json'), 'utf8')).accounts;
    const plan = await buildPlanFrom(desired, 'offline:', (target) => async (type) => live[target.id]?.[type] ?? null);
    cpu = process.cpuUsage(start); // on a shared machine, less swayed by the load than wall time
    return plan;
  });
  const plan = m.value;
  const changes = plan.targets.reduce((n, t) => n + t.resources.reduce((k, r) => k + r.changes.length, 0), 0);
  const error = plan.targets.find((t) => t.error)?.error?.message;
  check(error === undefined, `a target failed to plan: ${error}`);
  check(isDeepStrictEqual(plan.summary, expected.summary), `plan summary ${JSON.stringify(plan.summary)}, expected ${JSON.stringify(expected.summary)}`);
  check(changes === expected.changes, `the diff found ${changes} field changes, expected ${expected.changes}`);
  const peakMb = m.memory.processPeakMb;
  const s = plan.summary;
  return {
    size: `${accounts} accounts / ${files} files`,
    ms: m.ms,
    throughput: { value: accounts / (m.ms / 1000), unit: 'accounts/s' },
    target: { ok: m.ms <= MAX_MS && peakMb <= MAX_RSS_MB, text: `${(m.ms / 1000).toFixed(2)} s, peak RSS ${peakMb.toFixed(0)} MB (target ≤ ${MAX_MS / 1000} s, ≤ ${MAX_RSS_MB} MB)` },
    notes: `CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s; summary ${s.create} create, ${s.update} update, ${s.noop} noop, ${s.error} error; ${changes} field changes`,
    memory: m.memory,
  };
}
