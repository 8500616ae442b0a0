// Every validation rule, with the exact place it reports.
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../src/config/index.js';
import { ACCOUNT, accountWithOrg, load, problems, TOKEN, ZONE } from './helpers.js';

describe('YAML syntax', () => {
  it('reports yaml errors at their position and nothing else for that file', async () => {
    const text = ['accounts:', `  - account_id: ${ACCOUNT}`, '    organization: { name: x', 'zones: []', ''].join('\n');
    const shown = await problems(text);
    expect(shown.length).toBeGreaterThan(0);
    expect(shown[0]).toMatch(/^c\.yaml:4:1: /);
    expect(shown.join('\n')).not.toMatch(/unknown key|\(accounts/);
  });

  it('rejects duplicate keys, pointing at the second one', async () => {
    const text = ['accounts:', `  - account_id: ${ACCOUNT}`, '    description: one', '    description: two', ''].join('\n');
    expect(await problems(text)).toEqual(['c.yaml:4:5: duplicate key "description": keys must be unique']);
  });

  it('names a quoted duplicate key without its quotes', async () => {
    expect(await problems('defaults: {}\n"defaults": {}\n')).toEqual(['c.yaml:2:1: duplicate key "defaults": keys must be unique']);
  });

  it('rejects keys that are not strings', async () => {
    const text = [...accountWithOrg('1: x', 'true: y').split('\n'), '? [a, b]', ': c', ''].join('\n');
    expect(await problems(text)).toEqual([
      'c.yaml:4:7: keys must be strings, and YAML reads 1 as a number',
      'c.yaml:5:7: keys must be strings, and YAML reads true as a boolean',
      'c.yaml:7:3: keys must be plain strings, not lists, mappings or aliases',
    ]);
  });

  it('treats yaml warnings such as unknown tags as errors', async () => {
    expect(await problems(accountWithOrg('name: !secret x'))).toEqual(['c.yaml:4:13: Unresolved tag: !secret']);
  });

  it('rejects several documents in one file', async () => {
    const shown = await problems('accounts: []\n---\nzones: []\n');
    expect(shown).toHaveLength(1);
    expect(shown).toEqual(['c.yaml:2:1: a second YAML document starts here (---): a file holds one document; split it into two files']);
  });

  it('rejects an alias to an anchor that does not exist', async () => {
    expect(await problems(accountWithOrg('name: *nothing'))).toEqual(['c.yaml:4:13: unknown alias *nothing: no anchor &nothing before it']);
  });

  it('follows aliases that are fine, reporting problems where the anchor is', async () => {
    const text = ['defaults:', '  organization: &org { session_duration: 1d }', 'accounts:', `  - account_id: ${ACCOUNT}`, '    organization: *org', ''].join('\n');
    // The defaults and the account hold the same node: one problem, reported once, where the anchor is.
    expect(await problems(text)).toEqual(['c.yaml:2:42: "1d" is not a Go duration (units: ns, us, µs, ms, s, m, h) (defaults.organization.session_duration)']);
  });

  it('refuses more aliases than are ever expanded, at the first one too many', async () => {
    const lines = ['x: &v 1', ...Array.from({ length: 101 }, (_, i) => `k${i}: *v`)];
    expect(await problems(lines.join('\n') + '\n')).toEqual(['c.yaml:102:7: aliases expand to too much data (more than 100 alias expansions); write the values out']);
  });

  it('reads a file that starts with a byte order mark, counting columns of line 1 without it', async () => {
    expect(await problems('\ufeffacounts: []\n')).toEqual(['c.yaml:1:1: unknown key "acounts"; did you mean "accounts"? (acounts)']);
    const { state } = await load({ 'c.yaml': `\ufeffaccounts: [{account_id: ${ACCOUNT}, description: d}]\n` });
    expect(state!.targets[0].source).toMatchObject({ line: 1, col: 12 });
  });

  it('points at what to fix, not where yaml noticed the problem', async () => {
    // An unclosed quote: at the quote that opens it, not where the file ends.
    expect(await problems(accountWithOrg('name: x', 'login_design:', '  header_text: "Unclosed', '  text_color: "#000"', 'auth_domain: a.example'))).toEqual([
      'c.yaml:6:22: this quoted value has no closing ": a quoted value runs on, over line ends, to its closing quote',
    ]);
    // A key indented one space less than the others: at the key, not at column 1.
    expect(await problems(accountWithOrg('name: x').replace('      name: x', '      name: x\n     auth_domain: a.example'))).toEqual([
      'c.yaml:5:6: not lined up with the entries before it: indent it with as many spaces as they have',
    ]);
    // A # that starts a comment inside { … }: at the #, on its line, not on the next one.
    expect(await problems(accountWithOrg('login_design: {background_color: #fff, text_color: "#000"}', 'name: x'))).toEqual([
      'c.yaml:4:40: a { … } or [ … ] is cut short by a comment: # starts a comment in YAML, so quote values that hold it ("#c5ed1b")',
    ]);
    expect(await problems(accountWithOrg('login_design:', '  background_color: "#fff" text_color', 'name: x'))).toEqual([
      'c.yaml:5:34: more text after a value on the same line: give each key a line of its own, or quote the whole value',
    ]);
  });

  it('names a space YAML does not read as one, where it breaks a line: after a colon, in the indentation', async () => {
    expect(await problems(accountWithOrg('name: x', 'auth_domain:\u00a0a.example'))).toEqual([
      'c.yaml:5:19: a no-break space (U+00A0) here, which YAML does not read as a space: retype it as an ordinary space',
    ]);
    expect(await problems(accountWithOrg('name: x', '\u3000auth_domain: a.example'))).toEqual([
      'c.yaml:5:7: unknown key "\u3000auth_domain": it holds an ideographic space (U+3000), which YAML does not read as a space; retype it as an ordinary space (accounts[0].organization.\u3000auth_domain)',
    ]);
    expect(await problems(accountWithOrg('name: x', 'login_design:', '  header_text: x').replace('        header_text', '\u00a0       header_text'))).toContain(
      'c.yaml:6:1: unknown key "\u00a0       header_text": it holds a no-break space (U+00A0), which YAML does not read as a space; retype it as an ordinary space (\u00a0       header_text)',
    );
  });

  it('warns of such a space in a value, and names it in the message about a value refused', async () => {
    const { warnings } = await load({ 'c.yaml': accountWithOrg('name: Widget\u00a0Corps', 'auth_domain: a.example') });
    expect(warnings.map(formatDiagnostic)).toEqual([
      expect.stringMatching(/:4:13: warning: "Widget\u00a0Corps" holds a no-break space \(U\+00A0\), which is kept as written: retype it as an ordinary space if a space was meant \(accounts\[0\]\.organization\.name\)$/),
    ]);
    const refused = await load({ 'c.yaml': accountWithOrg('name: x', 'auth_domain: a.example', 'session_duration: "12h\u200b"') });
    expect(refused.shown).toEqual([
      'c.yaml:6:25: "12h\\u200b" is not a Go duration (units: ns, us, µs, ms, s, m, h) (it holds a zero-width space (U+200B), which is not an ordinary space) (accounts[0].organization.session_duration)',
    ]);
    expect(refused.warnings).toEqual([]); // refused already: no advice besides
  });

  it('reports each empty list item at its dash', async () => {
    const text = accountWithOrg('name: x', 'mfa_config:', '  allowed_authenticators:', '    - totp', '    -', 'deny_unmatched_requests_exempted_zone_names:', '  -', '  - a.example');
    expect(await problems(text)).toEqual([
      'c.yaml:8:11: empty list item (accounts[0].organization.mfa_config.allowed_authenticators[1])',
      'c.yaml:10:9: empty list item (accounts[0].organization.deny_unmatched_requests_exempted_zone_names[0])',
    ]);
  });

  it('rejects an alias bomb, with a message', async () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const shown = await problems(levels.join('\n') + '\n');
    expect(shown).toEqual(['c.yaml:2:8: aliases expand to too much data (more than 100 alias expansions); write the values out']);
  });
});

describe('hostile YAML', () => {
  it('refuses nesting too deep to read', async () => {
    const shown = await problems(`a: ${'['.repeat(20000)}${']'.repeat(20000)}\n`);
    expect(shown).toHaveLength(1);
    expect(shown[0]).toMatch(/^c\.yaml:1:\d+: nested too deeply to read/);
    expect(await problems(`a: ${'['.repeat(65)}${']'.repeat(65)}\n`)).toEqual(['c.yaml:1:67: nested too deeply to read (more than 64 levels)']);
    expect(await problems(`a: ${'['.repeat(63)}${']'.repeat(63)}\n`)).toEqual(['c.yaml:1:1: unknown key "a"; expected one of: defaults, accounts, zones, allow, budget (a)']);
  });

  it('rejects __proto__ and merge keys as unknown keys without touching prototypes', async () => {
    const text = ['accounts:', `  - account_id: ${ACCOUNT}`, '    __proto__: { polluted: true }', '    organization:', '      <<: { name: x }', ''].join('\n');
    expect(await problems(text)).toEqual([
      'c.yaml:3:5: unknown key "__proto__"; expected one of: account_id, description, labels, credentials_env, organization, doh (accounts[0].__proto__)',
      'c.yaml:5:7: merge keys (<<) are not supported: use defaults, or write the values out (accounts[0].organization.<<)',
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('unknown keys', () => {
  it('points at the key and suggests the closest valid one', async () => {
    expect(await problems(accountWithOrg('sesion_duration: 24h'))).toEqual([
      'c.yaml:4:7: unknown key "sesion_duration"; did you mean "session_duration"? (accounts[0].organization.sesion_duration)',
    ]);
  });

  it('checks the top level, accounts, groups and defaults', async () => {
    const text = [
      'acounts: []',
      'defaults:',
      '  organisation: {}',
      'accounts:',
      `  - account_id: ${ACCOUNT}`,
      '    colour: blue',
      '    organization:',
      '      login_design: { backgound_color: "#ffffff" }',
      '',
    ].join('\n');
    expect(await problems(text)).toEqual([
      'c.yaml:1:1: unknown key "acounts"; did you mean "accounts"? (acounts)',
      'c.yaml:3:3: unknown key "organisation"; did you mean "organization"? (defaults.organisation)',
      'c.yaml:6:5: unknown key "colour"; expected one of: account_id, description, labels, credentials_env, organization, doh (accounts[0].colour)',
      'c.yaml:8:23: unknown key "backgound_color"; did you mean "background_color"? (accounts[0].organization.login_design.backgound_color)',
    ]);
  });

  it('explains read-only fields, dotted keys and fields in the wrong group', async () => {
    expect(await problems(accountWithOrg('created_at: "2024-01-01"', 'login_design.text_color: "#fff"', 'allowed_authenticators: [totp]'))).toEqual([
      'c.yaml:4:7: "created_at" is read-only: the API sets it, so it cannot be configured (accounts[0].organization.created_at)',
      'c.yaml:5:7: unknown key "login_design.text_color": write it nested, as login_design: { text_color: … } (accounts[0].organization.login_design.text_color)',
      'c.yaml:6:7: unknown key "allowed_authenticators": it belongs under "mfa_config" (accounts[0].organization.allowed_authenticators)',
    ]);
  });
});

describe('durations', () => {
  it('rejects what is not a Go duration, once', async () => {
    expect(await problems(accountWithOrg('session_duration: 1d'))).toEqual([
      'c.yaml:4:25: "1d" is not a Go duration (units: ns, us, µs, ms, s, m, h) (accounts[0].organization.session_duration)',
    ]);
  });

  it('restricts units to minutes and hours where the API does', async () => {
    expect(await problems(accountWithOrg('warp_auth_session_duration: 90s'))).toEqual([
      'c.yaml:4:35: "90s" is not a duration in minutes or hours (units: m, h; e.g. 30m, 2h45m) (accounts[0].organization.warp_auth_session_duration)',
    ]);
  });

  it('checks each field\'s bounds', async () => {
    const text = accountWithOrg(
      'user_seat_expiration_inactive_time: 700h',
      'mfa_config: { session_duration: 721h }',
      'session_duration: -1h',
    );
    expect(await problems(text)).toEqual([
      'c.yaml:4:43: must be at least 730h (accounts[0].organization.user_seat_expiration_inactive_time)',
      'c.yaml:5:39: must be at most 720h (accounts[0].organization.mfa_config.session_duration)',
      'c.yaml:6:25: "-1h" is negative (accounts[0].organization.session_duration)',
    ]);
    expect(await problems(accountWithOrg('user_seat_expiration_inactive_time: 8761h'))).toEqual([
      'c.yaml:4:43: must be at most 8760h (accounts[0].organization.user_seat_expiration_inactive_time)',
    ]);
  });

  it('compares bounds by value, whatever the units', async () => {
    expect(await problems(accountWithOrg('user_seat_expiration_inactive_time: 43800m', 'mfa_config: { session_duration: 43200m }'))).toEqual([]);
    expect(await problems(accountWithOrg('user_seat_expiration_inactive_time: 43799m'))).toEqual([
      'c.yaml:4:43: must be at least 730h (accounts[0].organization.user_seat_expiration_inactive_time)',
    ]);
  });

  it('accepts every Go spelling', async () => {
    for (const d of ['300ms', '2h45m', '1.5h', '0', '24h0m0s', '1µs', '90m']) {
      expect(await problems(accountWithOrg(`session_duration: "${d}"`)), d).toEqual([]);
    }
  });

  it('explains a number given as a duration', async () => {
    const text = ['accounts:', `  - account_id: ${ACCOUNT}`, `    doh: { service_token_id: ${TOKEN}, doh_jwt_duration: 24 }`, ''].join('\n');
    expect(await problems(text)).toEqual([
      'c.yaml:3:86: 24 has no unit: a duration needs one, such as "90s", "30m", "12h" or "2h45m" (units: ns, us, µs, ms, s, m, h) (accounts[0].doh.doh_jwt_duration)',
    ]);
  });
});

describe('types, enums and formats', () => {
  it('says binary data (!!binary) is not a string', async () => {
    expect(await problems(accountWithOrg('ui_read_only_toggle_reason: !!binary aGVsbG8='))).toEqual([
      'c.yaml:4:44: must be a string, not binary data (!!binary) (accounts[0].organization.ui_read_only_toggle_reason)',
    ]);
  });

  it('gives one clear message per wrong value', async () => {
    const text = accountWithOrg(
      'is_ui_read_only: yes',
      'name: 3',
      'mfa_config: { allowed_authenticators: [totp, sms, securty_key] }',
      'login_design: { background_color: red, logo_path: "relative/logo.png" }',
      'auth_domain: "not a host!"',
      'mfa_piv_key_requirements: { pin_policy: sometimes, ssh_key_size: [256, 1024] }',
      'deny_unmatched_requests_exempted_zone_names: example.com',
    );
    expect(await problems(text)).toEqual([
      'c.yaml:4:24: must be true or false, not the string "yes" (accounts[0].organization.is_ui_read_only)',
      'c.yaml:5:13: must be a string, and YAML reads 3 as a number; quote it: "3" (accounts[0].organization.name)',
      'c.yaml:6:52: "sms" is not one of: totp, biometrics, security_key, piv_key, ssh_fido2_key (accounts[0].organization.mfa_config.allowed_authenticators[1])',
      'c.yaml:6:57: "securty_key" is not one of: totp, biometrics, security_key, piv_key, ssh_fido2_key; did you mean "security_key"? (accounts[0].organization.mfa_config.allowed_authenticators[2])',
      'c.yaml:8:20: "not a host!" is not a hostname (like widgetcorps.cloudflareaccess.com) (accounts[0].organization.auth_domain)',
      'c.yaml:9:47: "sometimes" is not one of: never, once, always (accounts[0].organization.mfa_piv_key_requirements.pin_policy)',
      'c.yaml:9:78: 1024 is not one of: 256, 384, 521, 2048, 3072, 4096 (accounts[0].organization.mfa_piv_key_requirements.ssh_key_size[1])',
      'c.yaml:10:52: must be a list, e.g. ["example.com"] (accounts[0].organization.deny_unmatched_requests_exempted_zone_names)',
    ]);
  });

  it('recognises a client_id given instead of the service token id', async () => {
    const text = ['accounts:', `  - account_id: ${ACCOUNT}`, '    doh: { service_token_id: 88bf3b6d86161464f6509f7219099e57.access }', ''].join('\n');
    expect(await problems(text)).toEqual([
      'c.yaml:3:30: "88bf3b6d86161464f6509f7219099e57.access" looks like a service token\'s client_id; give the token\'s id (a uuid) (accounts[0].doh.service_token_id)',
    ]);
  });

  it('says so when a key has no value', async () => {
    const text = ['accounts:', `  - account_id: ${ACCOUNT}`, '    organization:', '    doh:', 'zones:', ''].join('\n');
    expect(await problems(text)).toEqual([
      'c.yaml:3:5: "organization" has no value: give it settings or remove the key (accounts[0].organization)',
      'c.yaml:4:5: "doh" has no value: give it settings or remove the key (accounts[0].doh)',
      'c.yaml:5:1: "zones" has no value: give it a list or remove the key (zones)',
    ]);
  });

  it('wants a mapping at the top and for each entry', async () => {
    expect(await problems('- a\n- b\n')).toEqual(['c.yaml:1:1: a config file must be a mapping with the keys defaults, accounts, zones, allow and budget']);
    expect(await problems('accounts:\n  - just a string\n')).toEqual([
      'c.yaml:2:5: each entry of accounts must be a mapping starting with account_id (accounts[0])',
    ]);
  });
});

describe('ids', () => {
  it('tells to quote an id that YAML reads as a number', async () => {
    const text = ['accounts:', '  - account_id: 12345678901234567890123456789012', ''].join('\n');
    expect(await problems(text)).toEqual([
      'c.yaml:2:17: account_id must be a quoted string: YAML reads 12345678901234567890123456789012 as a number (and may lose digits); write account_id: "12345678901234567890123456789012" (accounts[0].account_id)',
    ]);
  });

  it('accepts ids quoted or not, and wants 32 lowercase hex digits', async () => {
    const ok = ['accounts:', '  - account_id: "12345678901234567890123456789012"', `  - account_id: '${ACCOUNT.replace('0', '1')}'`, ''].join('\n');
    expect(await problems(ok)).toEqual([]);
    const bad = ['accounts:', `  - account_id: ${ACCOUNT.toUpperCase()}`, 'zones:', '  - zone_id: abc', '  - description: no id', ''].join('\n');
    expect(await problems(bad)).toEqual([
      `c.yaml:2:17: account_id must be 32 lowercase hex digits, not "${ACCOUNT.toUpperCase()}" (write it in lowercase) (accounts[0].account_id)`,
      'c.yaml:4:14: zone_id must be 32 lowercase hex digits, not "abc" (zones[0].zone_id)',
      'c.yaml:5:5: missing zone_id (zones[1])',
    ]);
  });

  it('reports an account defined twice across files, naming both places', async () => {
    const a = ['accounts:', `  - account_id: ${ACCOUNT}`, ''].join('\n');
    const b = ['# another file', 'accounts:', '  - description: other', `    account_id: ${ACCOUNT}`, ''].join('\n');
    const { shown, dir } = await load({ 'a.yaml': a, 'b.yaml': b });
    expect(shown).toEqual([`b.yaml:3:5: account ${ACCOUNT} is defined twice: also at ${dir}/a.yaml:2:5 (accounts[0])`]);
  });

  it('reports a zone defined twice in one file; an account and a zone may share an id', async () => {
    const text = ['accounts:', `  - account_id: ${ZONE}`, 'zones:', `  - zone_id: ${ZONE}`, `  - zone_id: ${ZONE}`, ''].join('\n');
    const { shown, dir } = await load({ 'c.yaml': text });
    expect(shown).toEqual([`c.yaml:5:5: zone ${ZONE} is defined twice: also at ${dir}/c.yaml:4:5 (zones[1])`]);
  });
});

describe('zones', () => {
  it('accept only the zone subset of the organization, and no doh', async () => {
    const text = [
      'zones:',
      `  - zone_id: ${ZONE}`,
      '    organization:',
      '      name: Zone org',
      '      session_duration: 24h',
      '      mfa_config: { session_duration: 1h }',
      `    doh: { service_token_id: ${TOKEN} }`,
      '    organization.login_design.text_color: "#fff"',
      '',
    ].join('\n');
    expect(await problems(text)).toEqual([
      'c.yaml:5:7: zones do not accept "session_duration": it is an account-only setting (zones[0].organization.session_duration)',
      'c.yaml:6:7: zones do not accept "mfa_config": it is an account-only setting (zones[0].organization.mfa_config)',
      'c.yaml:7:5: zones do not accept "doh": DoH settings belong to an account (zones[0].doh)',
      'c.yaml:8:5: unknown key "organization.login_design.text_color"; expected one of: zone_id, description, labels, credentials_env, organization (zones[0].organization.login_design.text_color)',
    ]);
    const zoneField = ['zones:', `  - zone_id: ${ZONE}`, '    organization:', '      login_design.text_color: "#fff"', ''].join('\n');
    expect(await problems(zoneField)).toEqual([
      'c.yaml:4:7: unknown key "login_design.text_color": write it nested, as login_design: { text_color: … } (zones[0].organization.login_design.text_color)',
    ]);
  });
});

describe('cross-field rules (after defaults): offline, only what the config alone decides', () => {
  // A needed field the config leaves out may be set live: that is judged at plan time (test/reconcile/rules.test.ts).
  /** The printed problems of c.yaml, with the temp directory left out of the places named inside messages too. */
  const shownWithin = async (text: string) => {
    const { shown, dir } = await load({ 'c.yaml': text });
    return shown.map((line) => line.replaceAll(`${dir}/`, ''));
  };

  it('allow_authenticate_via_warp needs warp_auth_session_duration (API error 12130): refused when the config clears it', async () => {
    expect(await shownWithin(accountWithOrg('allow_authenticate_via_warp: true', 'warp_auth_session_duration: null'))).toEqual([
      'c.yaml:4:36: allow_authenticate_via_warp: true needs warp_auth_session_duration, but the config clears it (warp_auth_session_duration: null at c.yaml:5:35); without it the API refuses the change (error 12130) (accounts[0].organization.allow_authenticate_via_warp)',
    ]);
    expect(await shownWithin(accountWithOrg('allow_authenticate_via_warp: true'))).toEqual([]);
    expect(await shownWithin(accountWithOrg('allow_authenticate_via_warp: true', 'warp_auth_session_duration: 30m'))).toEqual([]);
    expect(await shownWithin(accountWithOrg('allow_authenticate_via_warp: false', 'warp_auth_session_duration: null'))).toEqual([]);
  });

  it('blames the account entry and names the default when the value comes from defaults', async () => {
    const d = ['defaults:', '  organization: { allow_authenticate_via_warp: true }', ''].join('\n');
    const a = ['accounts:', `  - account_id: ${ACCOUNT}`, '    organization: { warp_auth_session_duration: 1h }', `  - account_id: ${ACCOUNT.replace('0', '9')}`, '    organization: { warp_auth_session_duration: null }', `  - account_id: ${ACCOUNT.replace('0', '8')}`, ''].join('\n');
    const { shown, dir } = await load({ 'a.yaml': a, 'd.yaml': d });
    expect(shown).toEqual([
      `a.yaml:4:5: allow_authenticate_via_warp: true needs warp_auth_session_duration, but the config clears it (warp_auth_session_duration: null at ${dir}/a.yaml:5:49); without it the API refuses the change (error 12130) (allow_authenticate_via_warp: true comes from the defaults at ${dir}/d.yaml:2:48) (accounts[1].organization.allow_authenticate_via_warp)`,
    ]);
  });

  it('mfa_required_for_all_apps needs authenticators and an MFA session duration: refused when the config empties them', async () => {
    expect(await shownWithin(accountWithOrg('mfa_required_for_all_apps: true', 'mfa_config: { allowed_authenticators: [], session_duration: null }'))).toEqual([
      'c.yaml:4:34: mfa_required_for_all_apps: true needs at least one mfa_config.allowed_authenticators and mfa_config.session_duration, but the config clears them (mfa_config.allowed_authenticators: [] at c.yaml:5:45, mfa_config.session_duration: null at c.yaml:5:67) (accounts[0].organization.mfa_required_for_all_apps)',
    ]);
    expect(await shownWithin(accountWithOrg('mfa_required_for_all_apps: true', 'mfa_config: { allowed_authenticators: [], session_duration: 1h }'))).toEqual([
      'c.yaml:4:34: mfa_required_for_all_apps: true needs at least one mfa_config.allowed_authenticators, but the config clears it (mfa_config.allowed_authenticators: [] at c.yaml:5:45) (accounts[0].organization.mfa_required_for_all_apps)',
    ]);
    // Left out, or cleared without the config saying mfa_required_for_all_apps: true — the live organization decides.
    expect(await shownWithin(accountWithOrg('mfa_required_for_all_apps: true'))).toEqual([]);
    expect(await shownWithin(accountWithOrg('mfa_config: { allowed_authenticators: [] }'))).toEqual([]);
    expect(await shownWithin(accountWithOrg('mfa_required_for_all_apps: true', 'mfa_config: { allowed_authenticators: [totp], session_duration: 1h }'))).toEqual([]);
  });

  it('a doh section needs service_token_id; doh defaults reach only accounts with a doh section', async () => {
    const own = ['accounts:', `  - account_id: ${ACCOUNT}`, '    doh: { doh_jwt_duration: 800h }', ''].join('\n');
    expect(await problems(own)).toEqual([
      'c.yaml:3:5: doh needs service_token_id: the API sets DoH settings only together with the service token (accounts[0].doh)',
    ]);
    const other = ACCOUNT.replace('0', '9');
    const withDefaults = ['defaults:', '  doh: { doh_jwt_duration: 800h }', 'accounts:', `  - account_id: ${ACCOUNT}`, `    doh: { service_token_id: ${TOKEN} }`, `  - account_id: ${other}`, ''].join('\n');
    const { shown, state } = await load({ 'c.yaml': withDefaults });
    expect(shown).toEqual([]);
    expect(state!.targets.map((t) => t.resources.map((r) => r.values))).toEqual([[{ service_token_id: TOKEN, doh_jwt_duration: '800h' }], []]);
  });

  it('a default given twice is an error', async () => {
    const { shown, dir } = await load({
      'a.yaml': 'defaults:\n  organization: { session_duration: 24h }\n',
      'b.yaml': 'defaults:\n  organization:\n    session_duration: 12h\n',
    });
    expect(shown).toEqual([`b.yaml:3:23: a default for organization.session_duration is given twice: also at ${dir}/a.yaml:2:37 (defaults.organization.session_duration)`]);
  });
});

describe('files and paths', () => {
  it('reports a missing path, a non-YAML file and a directory without YAML, by path', async () => {
    const { shown } = await load({ 'notes.txt': 'hi', 'empty/README.md': '# none' }, ['missing.yaml', 'notes.txt', 'empty']);
    expect(shown).toEqual([
      'empty: no .yaml or .yml files in this directory',
      'missing.yaml: no such file or directory',
      'notes.txt: not a YAML file: config files end in .yaml or .yml',
    ]);
  });

  it('accepts empty files and files without accounts', async () => {
    const { state, diagnostics } = await load({ 'empty.yaml': '', 'comment.yml': '# nothing yet\n', 'defaults.yaml': 'defaults: {}\n' });
    expect(diagnostics).toEqual([]);
    expect(state?.files).toHaveLength(3);
    expect(state?.targets).toEqual([]);
  });

  it('reports every problem of every file at once, sorted by file, line and column', async () => {
    const { shown, state } = await load({
      'b.yaml': accountWithOrg('session_duration: 1d', 'sesion_duration: 2h'),
      'a.yaml': 'zones:\n  - zone_id: 1\n',
      'c.yaml': 'x: [\n',
    });
    expect(state).toBeNull();
    expect(shown.map((l) => l.split(': ')[0])).toEqual(['a.yaml:2:14', 'b.yaml:4:25', 'b.yaml:5:7', 'c.yaml:2:1']);
  });
});
