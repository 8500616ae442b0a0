// Safety rails: each named rule blocks its change (exit 3, nothing written) unless allowed with --allow or with
// a config allow entry (whose reason the plan shows); the change budget blocks plans that touch too many targets.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator, type Seed } from '../../src/emulator/index.js';
import { SAFETY_RULE_NAMES } from '../../src/resources/safety.js';
import { shardOf } from '../../src/plan/build.js';
import { shares } from '../../src/plan/safety.js';
import { SECRET_TOKEN, liveAccount, writes, ztsync } from '../helpers/reconcile.js';

let em: RunningEmulator;
afterEach(async () => {
  await em?.close();
  em = undefined as unknown as RunningEmulator;
});

const ACCOUNT = 'a0000000000000000000000000000001';
const OTHER = 'a0000000000000000000000000000002';
const TOKEN_A = 'f174e90a-fafe-4643-bbbc-4a0ed4fc8415';
const TOKEN_B = '5d2e8b1c-7a4f-4c3e-9b8d-1f0a2e3c4d5e';

/** An organization with every protection on, so each rule has something to weaken (`live`: fields set otherwise). */
function strongSeed(live: Record<string, unknown> = {}): Seed {
  const account = (id: string) => ({
    id,
    organization: {
      login_design: { logo_path: 'https://widgetcorps.example/logo.png' },
      mfa_config: { allowed_authenticators: ['totp', 'security_key'], session_duration: '12h', required_aaguids: '2fc0579f-8113-47ea-b116-bb5a8db9202a' },
      mfa_piv_key_requirements: { pin_policy: 'always', touch_policy: 'always', require_fips_device: true, ssh_key_size: [384], ssh_key_type: ['ecdsa'] },
      name: `Org ${id.slice(-1)}`,
      auth_domain: `org${id.slice(-1)}.cloudflareaccess.com`,
      deny_unmatched_requests: true,
      is_ui_read_only: true,
      ui_read_only_toggle_reason: 'locked',
      allow_authenticate_via_warp: true,
      warp_auth_session_duration: '8h',
      mfa_required_for_all_apps: true,
      // Created before 2026-10-05, so strict service-token authentication may still be turned off.
      created_at: '2026-01-01T00:00:00.000Z',
      strict_service_token_auth: true,
      service_token_inactivity: { action: 'disable', enabled: true, inactivity_threshold_days: 90 },
      ...live,
    },
    service_tokens: [
      { id: TOKEN_A, client_id: `a${id.slice(-1)}.access`, name: 'A' },
      { id: TOKEN_B, client_id: `b${id.slice(-1)}.access`, name: 'B' },
    ],
    doh: { service_token_id: TOKEN_A, doh_jwt_duration: '24h' },
  });
  return { accounts: [account(ACCOUNT), account(OTHER)] };
}

async function configDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ztsync-rails-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

const account = (settings: string, id = ACCOUNT) => `  - account_id: "${id}"\n${settings}`;

/** Each rule, with the config that trips it and the field that then changes. */
const CASES: Array<{ rule: string; name: string; settings: string; path: string; resource: string; after: unknown; live?: Record<string, unknown> }> = [
  { rule: 'auth-domain-change', name: 'auth_domain changes', settings: '    organization: { auth_domain: moved.cloudflareaccess.com }\n', resource: 'organization', path: 'auth_domain', after: 'moved.cloudflareaccess.com' },
  { rule: 'deny-unmatched-requests-off', name: 'deny_unmatched_requests off', settings: '    organization: { deny_unmatched_requests: false }\n', resource: 'organization', path: 'deny_unmatched_requests', after: false },
  { rule: 'ui-read-only-off', name: 'is_ui_read_only off', settings: '    organization: { is_ui_read_only: false }\n', resource: 'organization', path: 'is_ui_read_only', after: false },
  { rule: 'mfa-weakened', name: 'an authenticator removed', settings: '    organization: { mfa_config: { allowed_authenticators: [totp] } }\n', resource: 'organization', path: 'mfa_config.allowed_authenticators', after: ['totp'] },
  { rule: 'mfa-weakened', name: 'mfa_required_for_all_apps off', settings: '    organization: { mfa_required_for_all_apps: false }\n', resource: 'organization', path: 'mfa_required_for_all_apps', after: false },
  { rule: 'mfa-weakened', name: 'a longer MFA session', settings: '    organization: { mfa_config: { session_duration: 24h } }\n', resource: 'organization', path: 'mfa_config.session_duration', after: '24h' },
  { rule: 'warp-auth-off', name: 'WARP authentication off', settings: '    organization: { allow_authenticate_via_warp: false }\n', resource: 'organization', path: 'allow_authenticate_via_warp', after: false },
  { rule: 'strict-service-token-auth-off', name: 'strict service-token auth off', settings: '    organization: { strict_service_token_auth: false }\n', resource: 'organization', path: 'strict_service_token_auth', after: false },
  {
    rule: 'service-token-cleanup-delete',
    name: 'inactive service tokens deleted',
    settings: '    organization: { service_token_inactivity: { action: delete, enabled: true, inactivity_threshold_days: 90 } }\n',
    resource: 'organization',
    path: 'service_token_inactivity.action',
    after: 'delete',
  },
  { rule: 'doh-token-replaced', name: 'another DoH token', settings: `    doh: { service_token_id: ${TOKEN_B} }\n`, resource: 'doh', path: 'service_token_id', after: TOKEN_B },
  { rule: 'deny-unmatched-requests-on', name: 'deny_unmatched_requests on', settings: '    organization: { deny_unmatched_requests: true }\n', resource: 'organization', path: 'deny_unmatched_requests', after: true, live: { deny_unmatched_requests: false } },
  { rule: 'deny-unmatched-exemption-added', name: 'a zone exempted', settings: '    organization: { deny_unmatched_requests_exempted_zone_names: [status.example.com] }\n', resource: 'organization', path: 'deny_unmatched_requests_exempted_zone_names', after: ['status.example.com'] },
  { rule: 'mfa-weakened', name: 'MFA skipped on the IdP\'s word', settings: '    organization: { mfa_config: { amr_matching_session_duration: 720h } }\n', resource: 'organization', path: 'mfa_config.amr_matching_session_duration', after: '720h' },
  { rule: 'mfa-weakened', name: 'the required AAGUIDs dropped', settings: '    organization: { mfa_config: { required_aaguids: null } }\n', resource: 'organization', path: 'mfa_config.required_aaguids', after: null },
  { rule: 'mfa-weakened', name: 'the PIV PIN asked once', settings: '    organization: { mfa_piv_key_requirements: { pin_policy: once } }\n', resource: 'organization', path: 'mfa_piv_key_requirements.pin_policy', after: 'once' },
  { rule: 'mfa-weakened', name: 'an MFA session where there was none', settings: '    organization: { mfa_config: { session_duration: 1h } }\n', resource: 'organization', path: 'mfa_config.session_duration', after: '1h', live: { mfa_config: { allowed_authenticators: ['totp', 'security_key'] }, mfa_required_for_all_apps: false } },
  { rule: 'session-lengthened', name: 'a year-long application session', settings: '    organization: { session_duration: 8760h }\n', resource: 'organization', path: 'session_duration', after: '8760h', live: { session_duration: '8h' } },
  { rule: 'session-lengthened', name: 'a session set where the default was shorter', settings: '    organization: { session_duration: 48h }\n', resource: 'organization', path: 'session_duration', after: '48h' },
  { rule: 'session-lengthened', name: 'longer WARP sessions', settings: '    organization: { warp_auth_session_duration: 720h }\n', resource: 'organization', path: 'warp_auth_session_duration', after: '720h' },
  { rule: 'session-lengthened', name: 'month-long DoH JWTs', settings: `    doh: { service_token_id: ${TOKEN_A}, doh_jwt_duration: 720h }\n`, resource: 'doh', path: 'doh_jwt_duration', after: '720h' },
  { rule: 'warp-auth-on', name: 'WARP authentication on', settings: '    organization: { allow_authenticate_via_warp: true }\n', resource: 'organization', path: 'allow_authenticate_via_warp', after: true, live: { allow_authenticate_via_warp: false } },
  { rule: 'logo-host-changed', name: 'the logo from another host', settings: '    organization: { login_design: { logo_path: "https://cdn.elsewhere.example/logo.png" } }\n', resource: 'organization', path: 'login_design.logo_path', after: 'https://cdn.elsewhere.example/logo.png' },
];

describe('each safety rule', () => {
  it('covers every declared rule', () => {
    expect([...new Set(CASES.map((c) => c.rule))].sort()).toEqual([...SAFETY_RULE_NAMES].sort());
  });

  for (const c of CASES) {
    it(`${c.rule} (${c.name}): blocks with exit 3 and no write; passes with --allow and with a config allow entry`, async () => {
      em = await startEmulator({ port: 0, seed: strongSeed(c.live), token: SECRET_TOKEN });
      const config = `accounts:\n${account(c.settings)}`;
      const dir = await configDir({ 'a.yaml': config });

      const plan = await ztsync(em, ['plan', dir, '--format', 'json']);
      expect(plan.code).toBe(3);
      expect(JSON.parse(plan.stdout).blocked).toEqual([expect.objectContaining({ rule: c.rule, scope: 'account', id: ACCOUNT, resource: c.resource, path: c.path, after: c.after })]);
      expect((await ztsync(em, ['plan', dir, '--detailed-exitcode'])).code).toBe(3);
      const text = await ztsync(em, ['plan', dir]);
      // Named by the live organization's name (the config gives no description); a DoH-only target reads none.
      const named = c.resource === 'organization' ? ' (Org 1)' : '';
      const label = `${ACCOUNT}${named}`;
      expect(text.stdout).toContain(`✗ ${c.rule}: account ${label} ${c.resource}.${c.path}: `);
      expect(text.stdout).toContain(`[blocked: ${c.rule}]`);
      const markdown = await ztsync(em, ['plan', dir, '--format', 'markdown']);
      expect(markdown.code).toBe(3);
      expect(markdown.stdout).toContain(`- \`${c.rule}\`: account \`${ACCOUNT}\`${named} \`${c.resource}.${c.path}\``);

      const blockedApply = await ztsync(em, ['apply', dir, '--auto-approve']);
      expect(blockedApply.code).toBe(3);
      expect(blockedApply.stderr).toContain('Nothing was applied');
      expect(writes(em)).toBe(0);

      // Allowing another rule, or this rule on another target, does not help.
      const other = SAFETY_RULE_NAMES.find((r) => r !== c.rule)!;
      expect((await ztsync(em, ['apply', dir, '--auto-approve', '--allow', other])).code).toBe(3);
      const elsewhere = await configDir({ 'a.yaml': `accounts:\n${account(c.settings)}${account('', OTHER)}    description: other\nallow:\n  - { rule: ${c.rule}, account_id: "${OTHER}", reason: not this one }\n` });
      expect((await ztsync(em, ['apply', elsewhere, '--auto-approve'])).code).toBe(3);
      expect(writes(em)).toBe(0);

      const allowedByFlag = await ztsync(em, ['apply', dir, '--auto-approve', '--allow', c.rule]);
      expect(allowedByFlag.code).toBe(0);
      expect(allowedByFlag.stdout).toContain(`✓ ${c.rule}: account ${label} ${c.resource}.${c.path} — --allow`);
      expect(writes(em)).toBeGreaterThan(0);

      em.state.reset(strongSeed(c.live));
      const reason = `Reviewed in CHANGE-42 (${c.name})`;
      const withEntry = await configDir({ 'a.yaml': `${config}allow:\n  - rule: ${c.rule}\n    account_id: "${ACCOUNT}"\n    reason: ${reason}\n` });
      const reviewed = await ztsync(em, ['plan', withEntry, '--format', 'json']);
      expect(reviewed.code).toBe(0);
      expect(JSON.parse(reviewed.stdout)).toMatchObject({
        blocked: [],
        allowed: [{ rule: c.rule, scope: 'account', id: ACCOUNT, resource: c.resource, path: c.path, via: 'config', reason, source: { file: join(withEntry, 'a.yaml'), line: 5 } }],
      });
      expect((await ztsync(em, ['plan', withEntry, '--format', 'markdown'])).stdout).toContain('Reviewed in CHANGE');
      const allowedByConfig = await ztsync(em, ['apply', withEntry, '--auto-approve']);
      expect(allowedByConfig.code).toBe(0);
      expect(allowedByConfig.stdout).toContain(`✓ ${c.rule}: account ${label} ${c.resource}.${c.path} — ${JSON.stringify(reason)}`);
      expect(writes(em)).toBeGreaterThan(0);
    });
  }

  it('does not trip on changes that do not weaken: an authenticator added, a shorter MFA session, a DoH token set for the first time', async () => {
    const seed = strongSeed();
    delete seed.accounts![0].doh;
    em = await startEmulator({ port: 0, seed, token: SECRET_TOKEN });
    const dir = await configDir({
      'a.yaml': `accounts:\n${account(`    organization: { mfa_config: { allowed_authenticators: [totp, security_key, biometrics], session_duration: 1h }, deny_unmatched_requests: true }\n    doh: { service_token_id: ${TOKEN_B} }\n`)}`,
    });
    const plan = await ztsync(em, ['plan', dir, '--format', 'json', '--detailed-exitcode']);
    expect(plan.code).toBe(2);
    expect(JSON.parse(plan.stdout).blocked).toEqual([]);
  });

  it('refuses an unknown rule name in --allow with a suggestion, before reading anything', async () => {
    em = await startEmulator({ port: 0, seed: strongSeed(), token: SECRET_TOKEN });
    const dir = await configDir({ 'a.yaml': `accounts:\n${account('    organization: { is_ui_read_only: false }\n')}` });
    const typo = await ztsync(em, ['plan', dir, '--allow', 'ui-readonly-off']);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toBe('ztsync: --allow: unknown safety rule "ui-readonly-off"; did you mean "ui-read-only-off"?\n');
    const budget = await ztsync(em, ['apply', dir, '--allow', 'max-changed-targets']);
    expect(budget.stderr).toContain('the change budget is not a rule: raise it in the config (budget: { max_changed_targets: "N%", reason: "why" }) or for one run with --max-changed-targets');
    expect(em.state.snapshot().counters.requests).toEqual({});
  });
});

describe('config allow entries are validated with positions', () => {
  it('reports an unknown rule, a missing or doubled target, a target not in the config and an empty reason', async () => {
    em = await startEmulator({ port: 0, seed: strongSeed(), token: SECRET_TOKEN });
    const dir = await configDir({
      'a.yaml': `accounts:\n${account('    organization: { is_ui_read_only: false }\n')}`,
      'b.yaml': [
        'allow:',
        `  - { rule: ui-readonly-off, account_id: "${ACCOUNT}", reason: typo }`,
        '  - { rule: ui-read-only-off, reason: nowhere }',
        `  - { rule: ui-read-only-off, account_id: "${ACCOUNT}", zone_id: "699d98642c564d2e855e9661899b7252", reason: both }`,
        `  - { rule: ui-read-only-off, account_id: "${OTHER}", reason: not in the config }`,
        `  - { rule: ui-read-only-off, account_id: "${ACCOUNT}", reason: "  " }`,
        `  - { rule: ui-read-only-off, account_id: "${ACCOUNT}" }`,
        '',
      ].join('\n'),
    });
    const result = await ztsync(em, ['validate', dir]);
    expect(result.code).toBe(1);
    const b = join(dir, 'b.yaml');
    expect(result.stderr).toContain(`${b}:2:13: "ui-readonly-off" is not one of: ${SAFETY_RULE_NAMES.join(', ')}; did you mean "ui-read-only-off"? (allow[0].rule)`);
    expect(result.stderr).toContain(`${b}:3:5: allow ui-read-only-off: give the account_id, zone_id or select it is allowed on (allow[1])`);
    expect(result.stderr).toContain(`${b}:4:`);
    expect(result.stderr).toContain('an allow entry names its targets one way: give one of account_id, zone_id or select, not account_id and zone_id (allow[2].zone_id)');
    expect(result.stderr).toContain(`${b}:5:43: allow ui-read-only-off: no account ${OTHER} in the config (allow[3].account_id)`);
    expect(result.stderr).toContain('allow ui-read-only-off: the reason must say why the change is allowed (reviewers read it in the plan) (allow[4].reason)');
    expect(result.stderr).toContain(`${b}:7:5: missing reason (allow[5])`);
    // An invalid config reads nothing.
    expect((await ztsync(em, ['plan', dir])).code).toBe(1);
    expect(em.state.snapshot().counters.requests).toEqual({});
  });
});

describe('an allow entry that lets nothing through', () => {
  it('is a warning at its place once its change has landed, and only for targets the plan covers', async () => {
    em = await startEmulator({ port: 0, token: SECRET_TOKEN, seed: strongSeed() });
    const dir = await configDir({
      'a.yaml': `accounts:\n${account('    organization: { is_ui_read_only: false }\n')}${account('    organization: { name: Org 2 }\n', OTHER)}`,
      'b.yaml': ['allow:', `  - { rule: ui-read-only-off, account_id: "${ACCOUNT}", reason: unlocking for the migration }`, `  - { rule: warp-auth-off, account_id: "${OTHER}", reason: left over }`, ''].join('\n'),
    });
    const b = join(dir, 'b.yaml');
    const warning = (line: number, rule: string, id: string) =>
      `${b}:${line}:5: warning: allow ${rule} on account ${id} lets nothing through in this plan: remove it once its change has landed, or it will let a later change of that kind through unreviewed`;

    const first = await ztsync(em, ['plan', dir]);
    expect(first.code).toBe(0);
    expect(first.stderr).toBe(`${warning(3, 'warp-auth-off', OTHER)}\n`);
    // Filtered out: not judged.
    expect((await ztsync(em, ['plan', dir, '--account', ACCOUNT])).stderr).toBe('');

    expect((await ztsync(em, ['apply', dir, '--auto-approve'])).code).toBe(0);
    const after = await ztsync(em, ['plan', dir, '--detailed-exitcode']);
    expect(after.code).toBe(0);
    expect(after.stderr).toBe(`${warning(2, 'ui-read-only-off', ACCOUNT)}\n${warning(3, 'warp-auth-off', OTHER)}\n`);
  });
});

describe('the change budget', () => {
  const many = (n: number) => Array.from({ length: n }, (_, i) => `b${String(i).padStart(31, '0')}`);
  function seedOf(ids: string[]): Seed {
    return { accounts: ids.map((id) => ({ id, organization: { name: `Org ${id}`, auth_domain: `o${id}.cloudflareaccess.com` } })) };
  }
  /** A config of all the accounts, renaming the first `changed` of them. */
  function configOf(ids: string[], changed: number): string {
    return `accounts:\n${ids.map((id, i) => `  - account_id: "${id}"\n    organization: { name: ${i < changed ? 'Renamed' : `Org ${id}`} }\n`).join('')}`;
  }

  it('defaults to 25 % of the targets once there are at least 8, and can be raised with N or N%', async () => {
    const ids = many(8);
    em = await startEmulator({ port: 0, seed: seedOf(ids), token: SECRET_TOKEN });
    const two = await configDir({ 'a.yaml': configOf(ids, 2) });
    const three = await configDir({ 'a.yaml': configOf(ids, 3) });

    const withinDefault = await ztsync(em, ['plan', two, '--format', 'json']);
    expect(withinDefault.code).toBe(0);
    expect(JSON.parse(withinDefault.stdout).change_budget).toEqual({ max: '25%', limit: 2, changed: 2, targets: 8, shard: null, set_by: 'default', reason: null, source: null, counts: 'all', drift_only: null });

    const over = await ztsync(em, ['plan', three, '--format', 'json', '--detailed-exitcode']);
    expect(over.code).toBe(3);
    const plan = JSON.parse(over.stdout);
    expect(plan.blocked).toEqual([
      expect.objectContaining({ rule: 'max-changed-targets', scope: null, id: null, path: null, message: expect.stringContaining('3 of 8 targets would change, more than the change budget (25% of 8 targets, so at most 2, the default)') }),
    ]);
    const text = await ztsync(em, ['plan', three]);
    expect(text.stdout).toContain('✗ max-changed-targets: the plan: 3 of 8 targets would change');
    const apply = await ztsync(em, ['apply', three, '--auto-approve']);
    expect(apply.code).toBe(3);
    expect(writes(em)).toBe(0);

    expect((await ztsync(em, ['plan', three, '--max-changed-targets', '3'])).code).toBe(0);
    expect((await ztsync(em, ['plan', three, '--max-changed-targets', '40%'])).code).toBe(0);
    expect((await ztsync(em, ['plan', two, '--max-changed-targets', '1'])).code).toBe(3);
    const bad = await ztsync(em, ['plan', three, '--max-changed-targets', 'lots']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--max-changed-targets takes a whole number of targets (5) or a percentage up to 100% (25%), not "lots"');
    const raised = await ztsync(em, ['apply', three, '--auto-approve', '--max-changed-targets', '50%']);
    expect(raised.code).toBe(0);
    expect(liveAccount(em, ids[2]).organization?.name).toBe('Renamed');
  });

  it('has no default below 8 targets; an explicit budget applies to any plan', async () => {
    const ids = many(7);
    em = await startEmulator({ port: 0, seed: seedOf(ids), token: SECRET_TOKEN });
    const all = await configDir({ 'a.yaml': configOf(ids, 7) });
    const plan = await ztsync(em, ['plan', all, '--format', 'json']);
    expect(plan.code).toBe(0);
    expect(JSON.parse(plan.stdout).change_budget).toBeNull();
    expect((await ztsync(em, ['plan', all, '--max-changed-targets', '6'])).code).toBe(3);
  });

  it('is judged on the whole selected fleet before --shard: each shard takes its share of the fleet\'s limit', async () => {
    const ids = many(8);
    em = await startEmulator({ port: 0, seed: seedOf(ids), token: SECRET_TOKEN });
    const all = await configDir({ 'a.yaml': configOf(ids, 8) });
    const sizes = [1, 2].map((k) => ids.filter((id) => shardOf({ scope: 'account', id }, 2) === k).length);
    expect(Math.min(...sizes)).toBeGreaterThan(0);
    const limits: number[] = [];
    for (const k of [1, 2]) {
      // Each shard holds fewer than 8 targets: counted after sharding, it had no budget and changed every one.
      const result = await ztsync(em, ['plan', all, '--shard', `${k}/2`, '--format', 'json', '--detailed-exitcode']);
      expect(result.code).toBe(3);
      const plan = JSON.parse(result.stdout);
      expect(plan.change_budget).toEqual({ max: '25%', limit: expect.any(Number), changed: sizes[k - 1], targets: sizes[k - 1], shard: { index: k, count: 2, fleet_targets: 8, fleet_limit: 2 }, set_by: 'default', reason: null, source: null, counts: 'all', drift_only: null });
      expect(plan.blocked[0].message).toContain(`(25% of 8 targets, so at most 2, the default across 2 shards, of which shard ${k}/2 may change ${plan.change_budget.limit})`);
      limits.push(plan.change_budget.limit);
    }
    expect(limits[0] + limits[1]).toBe(2);
    expect(await ztsync(em, ['apply', all, '--shard', '1/2', '--auto-approve']).then((r) => r.code)).toBe(3);
    expect(writes(em)).toBe(0);
    // The fleet is the selection: four accounts picked by --account are below the default's 8 targets.
    const picked = await ztsync(em, ['plan', all, '--shard', '1/2', '--format', 'json', ...ids.slice(0, 4).flatMap((id) => ['--account', id])]);
    expect(picked.code).toBe(0);
    expect(JSON.parse(picked.stdout).change_budget).toBeNull();
  });
});

describe('shares of a sharded budget', () => {
  it('add up to the limit, in proportion to the shards\' sizes', () => {
    expect(shares(2, [4, 4])).toEqual([1, 1]);
    expect(shares(5, [7, 7, 6])).toEqual([2, 2, 1]);
    expect(shares(1, [3, 5])).toEqual([0, 1]);
    expect(shares(3, [0, 0])).toEqual([0, 0]);
    expect(shares(10, [1, 1])).toEqual([5, 5]);
  });
});
