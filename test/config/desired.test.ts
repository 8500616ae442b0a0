// The desired state: defaults merged field by field, positions, ordering.
import { describe, expect, it } from 'vitest';
import { ACCOUNT, ACCOUNT2, load, TOKEN, ZONE } from './helpers.js';

const DEFAULTS = [
  'defaults:',
  '  organization:',
  '    session_duration: 24h',
  '    user_seat_expiration_inactive_time: 730h',
  '    login_design: { footer_text: Authorised use only, text_color: "#000000" }',
  '    mfa_config: { allowed_authenticators: [totp] }',
  '  doh: { doh_jwt_duration: 800h }',
  '',
].join('\n');

const ACCOUNTS = [
  '# accounts',
  'accounts:',
  `  - account_id: ${ACCOUNT}`,
  '    description: Production',
  '    organization:',
  '      name: Prod',
  '      session_duration: 12h',
  '      login_design: { text_color: "#ffffff" }',
  `    doh: { service_token_id: ${TOKEN} }`,
  '',
].join('\n');

const ZONES = ['zones:', `  - zone_id: ${ZONE}`, '    organization: { name: Zone org }', ''].join('\n');

describe('defaults merging', () => {
  it('lays defaults under each account field by field; the account wins', async () => {
    const { state, diagnostics, dir } = await load({ 'defaults.yaml': DEFAULTS, 'accounts.yaml': ACCOUNTS });
    expect(diagnostics).toEqual([]);
    const [account] = state!.targets;
    expect(account).toMatchObject({ scope: 'account', id: ACCOUNT, description: 'Production', source: { file: `${dir}/accounts.yaml`, line: 3, col: 5 } });
    const [org, doh] = account.resources;
    expect(org.type).toBe('organization');
    expect(org.values).toEqual({
      name: 'Prod',
      'login_design.footer_text': 'Authorised use only',
      'login_design.text_color': '#ffffff',
      'mfa_config.allowed_authenticators': ['totp'],
      session_duration: '12h',
      user_seat_expiration_inactive_time: '730h',
    });
    expect(doh).toEqual({
      type: 'doh',
      values: { service_token_id: TOKEN, doh_jwt_duration: '800h' },
      positions: { service_token_id: { file: `${dir}/accounts.yaml`, line: 9, col: 30 }, doh_jwt_duration: { file: `${dir}/defaults.yaml`, line: 7, col: 28 } },
      via: { service_token_id: 'account', doh_jwt_duration: 'defaults' },
    });
  });

  it('records where each value was written: the own file or the defaults', async () => {
    const { state, dir } = await load({ 'defaults.yaml': DEFAULTS, 'accounts.yaml': ACCOUNTS });
    const positions = state!.targets[0].resources[0].positions;
    expect(positions.session_duration).toEqual({ file: `${dir}/accounts.yaml`, line: 7, col: 25 });
    expect(positions.user_seat_expiration_inactive_time).toEqual({ file: `${dir}/defaults.yaml`, line: 4, col: 41 });
    expect(positions['login_design.footer_text']).toEqual({ file: `${dir}/defaults.yaml`, line: 5, col: 34 });
    expect(positions['login_design.text_color']).toEqual({ file: `${dir}/accounts.yaml`, line: 8, col: 35 });
    expect(Object.keys(positions).sort()).toEqual(Object.keys(state!.targets[0].resources[0].values).sort());
  });

  it('gives zones only the defaults zones accept, and no doh', async () => {
    const { state, diagnostics, dir } = await load({ 'defaults.yaml': DEFAULTS, 'zones.yaml': ZONES });
    expect(diagnostics).toEqual([]);
    const [zone] = state!.targets;
    expect(zone.scope).toBe('zone');
    expect(zone.resources.map((r) => r.type)).toEqual(['organization']);
    expect(zone.resources[0].values).toEqual({
      name: 'Zone org',
      'login_design.footer_text': 'Authorised use only',
      'login_design.text_color': '#000000',
      user_seat_expiration_inactive_time: '730h',
    });
    expect(zone.resources[0].positions.name).toEqual({ file: `${dir}/zones.yaml`, line: 3, col: 27 });
  });

  it('keeps values as written: durations as strings, sets as lists', async () => {
    const text = ['accounts:', `  - account_id: ${ACCOUNT}`, '    organization:', '      session_duration: 1440m', '      deny_unmatched_requests_exempted_zone_names: [b.example, A.example]', '      deny_unmatched_requests: false', ''].join('\n');
    const { state } = await load({ 'c.yaml': text });
    expect(state!.targets[0].resources[0].values).toEqual({
      deny_unmatched_requests: false,
      deny_unmatched_requests_exempted_zone_names: ['b.example', 'A.example'],
      session_duration: '1440m',
    });
  });

  it('leaves out resources with no managed field', async () => {
    const text = ['accounts:', `  - account_id: ${ACCOUNT}`, '    organization: { login_design: {}, mfa_config: {} }', `  - account_id: ${ACCOUNT2}`, '    description: Nothing managed yet', ''].join('\n');
    const { state, diagnostics } = await load({ 'c.yaml': text });
    expect(diagnostics).toEqual([]);
    expect(state!.targets.map((t) => [t.id, t.resources.length, t.description])).toEqual([
      [ACCOUNT, 0, undefined],
      [ACCOUNT2, 0, 'Nothing managed yet'],
    ]);
  });
});

describe('ordering', () => {
  it('lists accounts then zones, files sorted, directories read recursively', async () => {
    const account = (id: string) => `accounts:\n  - account_id: ${id}\n`;
    const zone = (id: string) => `zones:\n  - zone_id: ${id}\n`;
    const ids = Array.from({ length: 6 }, (_, i) => String(i + 1).repeat(31) + 'a');
    const { state, diagnostics, dir } = await load({
      'b.yaml': account(ids[1]) + zone(ids[4]),
      'a/z.yml': account(ids[0]),
      'c/d/e.yaml': `${account(ids[2])}  - account_id: "${ids[3]}"\n`,
      'c/notes.txt': 'not config',
      'a.yaml': zone(ids[5]),
    });
    expect(diagnostics).toEqual([]);
    expect(state!.files.map((f) => f.slice(dir.length + 1))).toEqual(['a.yaml', 'a/z.yml', 'b.yaml', 'c/d/e.yaml']);
    expect(state!.targets.map((t) => `${t.scope}:${t.id[0]}`)).toEqual(['account:1', 'account:2', 'account:3', 'account:4', 'zone:6', 'zone:5']);
  });

  it('does not depend on how the paths are given', async () => {
    const files = { 'x.yaml': `accounts:\n  - account_id: ${ACCOUNT}\n`, 'y.yaml': `accounts:\n  - account_id: ${ACCOUNT2}\n` };
    const forward = await load(files, ['x.yaml', 'y.yaml']);
    const backward = await load(files, ['y.yaml', '.', 'x.yaml']);
    expect(forward.state!.targets.map((t) => t.id)).toEqual([ACCOUNT, ACCOUNT2]);
    expect(backward.state!.targets.map((t) => t.id)).toEqual([ACCOUNT, ACCOUNT2]);
    expect(backward.state!.files).toHaveLength(2);
  });
});
