// The import model: pure, from live objects to config values, and lifting shared values into defaults.
import { describe, expect, it } from 'vitest';
import { buildImportModel, type ImportModel } from '../../src/import/model.js';
import type { ImportTarget } from '../../src/import/targets.js';
import { orderTargets, parseTargetsFile } from '../../src/import/targets.js';
import { DESCRIPTION_MAX_LENGTH, descriptionFrom } from '../../src/import/description.js';

const A = 'a'.repeat(32);
const B = 'b'.repeat(32);
const C = 'c'.repeat(32);
const Z = 'f'.repeat(32);
const TOKEN = { id: 'f174e90a-fafe-4643-bbbc-4a0ed4fc8415', client_id: 'x.access', name: 'DoH', expires_at: '2030-01-01T00:00:00Z', doh_jwt_duration: '24h' };

type Live = Parameters<typeof buildImportModel>[0][number]['live'];
const target = (scope: ImportTarget['scope'], id: string, live: Live) => ({ target: { scope, id }, live });
const org = (n: number, extra: Record<string, unknown> = {}) => ({ name: `Org ${n}`, auth_domain: `org-${n}.cloudflareaccess.com`, ...extra });
const defaultsOf = (model: ImportModel) => Object.fromEntries(model.defaults.map((d) => [d.type, d.values]));
const valuesOf = (model: ImportModel, id: string, type: string) => model.targets.find((t) => t.id === id)?.resources.find((r) => r.type === type)?.values;

describe('import values', () => {
  it('takes writable fields only, drops server defaults, reads service_token_id from the token id', () => {
    const model = buildImportModel(
      [
        target('account', A, {
          organization: org(1, { created_at: 'x', updated_at: 'y', is_ui_read_only: false, auto_redirect_to_identity: true, login_design: { background_color: '' }, custom_pages: {}, deny_unmatched_requests_exempted_zone_names: [], mfa_config: { allowed_authenticators: ['totp', 'totp', 'biometrics'] }, unknown_field: 1 }),
          doh: TOKEN,
        }),
        // A zone takes only the zone subset, even when the API reports more.
        target('zone', Z, { organization: org(2, { session_duration: '24h', deny_unmatched_requests: true }) }),
      ],
      { defaults: false },
    );
    expect(valuesOf(model, A, 'organization')).toEqual({ name: 'Org 1', auth_domain: 'org-1.cloudflareaccess.com', auto_redirect_to_identity: true, 'mfa_config.allowed_authenticators': ['biometrics', 'totp'] });
    expect(valuesOf(model, A, 'doh')).toEqual({ service_token_id: TOKEN.id, doh_jwt_duration: '24h' });
    expect(valuesOf(model, Z, 'organization')).toEqual({ name: 'Org 2', auth_domain: 'org-2.cloudflareaccess.com', deny_unmatched_requests: true });
    expect(Object.keys(valuesOf(model, A, 'organization')!)).toEqual(['name', 'auth_domain', 'auto_redirect_to_identity', 'mfa_config.allowed_authenticators']);
  });

  it('skips targets with nothing set, and notes the resources a target does not have yet', () => {
    const model = buildImportModel(
      [target('account', A, { organization: null, doh: TOKEN }), target('account', B, { organization: { created_at: 'x' }, doh: null }), target('zone', Z, { organization: null })],
      { defaults: false },
    );
    expect(model.targets.map((t) => [t.id, t.notSet])).toEqual([[A, ['organization']]]);
    expect(model.skipped).toEqual([{ scope: 'account', id: B }, { scope: 'zone', id: Z }]);
  });
});

describe('--defaults', () => {
  it('lifts what every target the default reaches shares, equal in meaning, but never names, domains or tokens', () => {
    const model = buildImportModel(
      [
        target('account', A, { organization: org(1, { name: 'Same', session_duration: '24h', is_ui_read_only: true, warp_auth_session_duration: '1h' }), doh: TOKEN }),
        target('account', B, { organization: org(2, { name: 'Same', session_duration: '1440m', is_ui_read_only: true, warp_auth_session_duration: '2h' }), doh: { ...TOKEN, doh_jwt_duration: '1440m' } }),
        target('account', C, { organization: org(3, { name: 'Same', session_duration: '24h0m0s', is_ui_read_only: true, warp_auth_session_duration: '1h' }), doh: null }),
        // The zone does not take session_duration, so it does not stop that one; it does take is_ui_read_only.
        target('zone', Z, { organization: org(4, { name: 'Same', is_ui_read_only: true }) }),
      ],
      { defaults: true },
    );
    // warp_auth_session_duration: 1h on A and C, 2h on B, which keeps its own.
    expect(defaultsOf(model)).toEqual({ organization: { is_ui_read_only: true, session_duration: '24h', warp_auth_session_duration: '1h' }, doh: { doh_jwt_duration: '24h' } });
    expect(valuesOf(model, A, 'organization')).toEqual({ name: 'Same', auth_domain: 'org-1.cloudflareaccess.com' });
    expect(valuesOf(model, B, 'organization')).toEqual({ name: 'Same', auth_domain: 'org-2.cloudflareaccess.com', warp_auth_session_duration: '2h' });
    expect(valuesOf(model, Z, 'organization')).toEqual({ name: 'Same', auth_domain: 'org-4.cloudflareaccess.com' });
    // DoH defaults reach only accounts with a doh section of their own: A and B keep theirs, with the token.
    expect(valuesOf(model, A, 'doh')).toEqual({ service_token_id: TOKEN.id });
    expect(valuesOf(model, C, 'doh')).toBeUndefined();
  });

  it('lifts nothing a target without the resource would then receive, and nothing only one target has', () => {
    const model = buildImportModel(
      [
        target('account', A, { organization: org(1, { session_duration: '24h' }), doh: TOKEN }),
        target('account', B, { organization: org(2, { session_duration: '24h' }), doh: null }),
        // No organization: organization defaults do not reach it (defaults reach only targets with the resource).
        target('account', C, { organization: null, doh: { ...TOKEN, id: '0b1c9a52-6a77-4e09-9d0e-0d9c3e6a1d2f' } }),
      ],
      { defaults: true },
    );
    expect(model.defaults).toEqual([
      { type: 'organization', values: { session_duration: '24h' } },
      { type: 'doh', values: { doh_jwt_duration: '24h' } },
    ]);
    expect(valuesOf(model, B, 'organization')).toEqual(org(2));
    expect(model.targets.find((t) => t.id === C)!.resources.map((r) => r.type)).toEqual(['doh']);
    const alone = buildImportModel([target('account', A, { organization: org(1, { session_duration: '24h' }), doh: null })], { defaults: true });
    expect(alone.defaults).toEqual([]);
  });
});

describe('--defaults on a fleet that does not agree', () => {
  const fleet = (sessions: (string | undefined)[], extra: (i: number) => Record<string, unknown> = () => ({})) =>
    buildImportModel(
      sessions.map((session, i) => target('account', i.toString(16).padStart(32, '0'), { organization: org(i, { ...(session ? { session_duration: session } : {}), ...extra(i) }), doh: null })),
      { defaults: true },
    );
  const i = (n: number) => n.toString(16).padStart(32, '0');

  it('lifts the value most targets share, in meaning, written in its most common spelling; the others keep theirs', () => {
    const model = fleet(['24h', '1440m', '24h', '12h', '24h0m0s', '8h', '24h']);
    expect(defaultsOf(model)).toEqual({ organization: { session_duration: '24h' } });
    expect([0, 1, 2, 3, 4, 5, 6].map((n) => valuesOf(model, i(n), 'organization')!.session_duration)).toEqual([undefined, undefined, undefined, '12h', undefined, '8h', undefined]);
    expect(model.lifted).toEqual([{ type: 'organization', path: 'session_duration', value: '24h', reached: 7, shared: 5, overrides: 2 }]);
    expect(model.left).toEqual([]);
  });

  it('breaks a tie by the canonical spelling, the same whatever the order of the targets', () => {
    const one = fleet(['8h', '12h', '8h', '12h']);
    const other = fleet(['12h', '8h', '12h', '8h']);
    // Canonical spellings 12h0m0s and 8h0m0s: "1" sorts before "8".
    expect(defaultsOf(one)).toEqual({ organization: { session_duration: '12h' } });
    expect(defaultsOf(other)).toEqual(defaultsOf(one));
  });

  it('writes targets that leave the field unset as overrides (false or null) in table order, and lifts nothing that as many leave unset', () => {
    const model = fleet(['24h', '24h', undefined], (n) => (n < 2 ? { allow_authenticate_via_warp: true } : { auto_redirect_to_identity: true }));
    expect(defaultsOf(model)).toEqual({ organization: { allow_authenticate_via_warp: true, session_duration: '24h' } });
    expect(Object.entries(valuesOf(model, i(2), 'organization')!)).toEqual([
      ['name', 'Org 2'],
      ['auth_domain', 'org-2.cloudflareaccess.com'],
      ['allow_authenticate_via_warp', false],
      ['auto_redirect_to_identity', true],
      ['session_duration', null],
    ]);
    const half = fleet(['24h', '24h', undefined, undefined]);
    expect(half.defaults).toEqual([]);
    expect(half.left).toEqual([{ type: 'organization', path: 'session_duration', reached: 4, set: 2, distinct: 1, reason: 'mostly-unset' }]);
    const scattered = fleet(['1h', '2h', '3h']);
    expect(scattered.left).toEqual([{ type: 'organization', path: 'session_duration', reached: 3, set: 3, distinct: 3, reason: 'no-shared-value' }]);
  });
});

describe('targets', () => {
  it('parses a targets file; accounts come first, each once, in the order given', () => {
    const parsed = parseTargetsFile('t.txt', `zone ${Z}\n# comment\naccount ${B} # trailing\r\n\naccount ${A}\naccount ${B}\n`);
    expect(parsed.diagnostics).toEqual([]);
    expect(orderTargets(parsed.targets)).toEqual([{ scope: 'account', id: B }, { scope: 'account', id: A }, { scope: 'zone', id: Z }]);
  });
});

describe('description', () => {
  it("is the live organization's name, else the account's listed name, else absent", () => {
    const model = buildImportModel(
      [
        { target: { scope: 'account', id: A, name: 'Account A' }, live: { organization: org(1), doh: null } },
        { target: { scope: 'account', id: B, name: 'Account B' }, live: { organization: null, doh: TOKEN } },
        target('account', C, { organization: null, doh: TOKEN }),
        target('zone', Z, { organization: org(2) }),
      ],
      { defaults: false },
    );
    expect(model.targets.map((t) => [t.id, t.description])).toEqual([[A, 'Org 1'], [B, 'Account B'], [C, undefined], [Z, 'Org 2']]);
  });

  it('is one clean line: controls and line breaks become spaces, bidi and zero-width characters go', () => {
    expect(descriptionFrom('  Widget\nCorps\t\u0007(EU)\u202e\u200b  ')).toBe('Widget Corps (EU)');
    expect(descriptionFrom(' \u200b\n ')).toBeUndefined();
    expect(descriptionFrom(42)).toBeUndefined();
  });

  it('longer than the cap, is cut between graphemes and ends in "…", within the cap in code points', () => {
    expect(descriptionFrom('x'.repeat(DESCRIPTION_MAX_LENGTH))).toBe('x'.repeat(DESCRIPTION_MAX_LENGTH));
    const cut = descriptionFrom('x'.repeat(DESCRIPTION_MAX_LENGTH + 1))!;
    expect(cut).toBe(`${'x'.repeat(DESCRIPTION_MAX_LENGTH - 1)}…`);
    // An e with a combining accent (2 code points) and a thumb with a skin tone (2) are never split.
    const accent = 'e\u0301';
    const thumb = '\u{1F44D}\u{1F3FD}';
    expect(descriptionFrom(accent.repeat(5), 8)).toBe(`${accent.repeat(3)}…`);
    expect(descriptionFrom(`a${thumb.repeat(3)}`, 6)).toBe(`a${thumb.repeat(2)}…`);
    expect(descriptionFrom(`ab${thumb}${thumb}`, 4)).toBe('ab…');
    for (const name of [accent.repeat(150), thumb.repeat(150), `${'a'.repeat(199)}${accent}`]) {
      const d = descriptionFrom(name)!;
      expect([...d].length).toBeLessThanOrEqual(DESCRIPTION_MAX_LENGTH);
      expect(d.endsWith('…')).toBe(true);
      // Never half a character: what is kept is a whole-grapheme prefix of the name.
      const kept = d.slice(0, -1);
      expect(name.startsWith(kept)).toBe(true);
      expect(name.slice(kept.length)).toMatch(/^(e\u0301|\u{1F44D}\u{1F3FD})/u);
    }
  });
});
