// Values of a format: uuids and hostnames are checked strictly; colours and the logo path (no format in the API)
// are accepted as people write them, with a warning for what ztsync does not recognise.
import { describe, expect, it } from 'vitest';
import { organization } from '../../src/resources/organization.js';
import { doh } from '../../src/resources/doh.js';
import { fieldByPath } from '../../src/resources/fields.js';
import { sameValue } from '../../src/resources/normalize.js';
import { run } from '../helpers/io.js';
import { ACCOUNT, accountWithOrg, load, problems, writeConfig } from './helpers.js';

const field = (path: string) => (fieldByPath(organization, path) ?? fieldByPath(doh, path))!;

describe('comparison by meaning, driven by the declared format', () => {
  it('uuids, hostnames and colours compare without regard to case', () => {
    expect(sameValue(field('service_token_id'), 'F174E90A-FAFE-4643-BBBC-4A0ED4FC8415', 'f174e90a-fafe-4643-bbbc-4a0ed4fc8415')).toBe(true);
    expect(sameValue(field('mfa_config.required_aaguids'), 'CB69481E-8FF7-4039-93EC-0A2729A154A8', 'cb69481e-8ff7-4039-93ec-0a2729a154a8')).toBe(true);
    expect(sameValue(field('auth_domain'), 'WidgetCorps.CloudflareAccess.com', 'widgetcorps.cloudflareaccess.com')).toBe(true);
    expect(sameValue(field('auth_domain'), 'widgetcorps.cloudflareaccess.com.', 'widgetcorps.cloudflareaccess.com')).toBe(true);
    expect(sameValue(field('login_design.background_color'), '#C5ED1B', '#c5ed1b')).toBe(true);
    expect(sameValue(field('login_design.background_color'), '#c5ed1bff', '#c5ed1b')).toBe(true);
    expect(sameValue(field('login_design.text_color'), 'White', '#FFF')).toBe(true);
  });

  it('still tells different values apart', () => {
    expect(sameValue(field('service_token_id'), 'f174e90a-fafe-4643-bbbc-4a0ed4fc8415', '5d2e8b1c-7a4f-4c3e-9b8d-1f0a2e3c4d5e')).toBe(false);
    expect(sameValue(field('login_design.background_color'), '#c5ed1b80', '#c5ed1b')).toBe(false);
    expect(sameValue(field('login_design.logo_path'), '/Logo.png', '/logo.png')).toBe(false);
    expect(sameValue(field('name'), 'Widget', 'widget')).toBe(false);
  });

  it('sends uuids in lowercase: the desired state holds them so', async () => {
    const { state } = await load({
      'c.yaml': [`accounts:`, `  - account_id: ${ACCOUNT}`, '    organization: { mfa_config: { required_aaguids: CB69481E-8FF7-4039-93EC-0A2729A154A8 } }', '    doh: { service_token_id: F174E90A-FAFE-4643-BBBC-4A0ED4FC8415 }', ''].join('\n'),
    });
    const values = Object.assign({}, ...state!.targets[0].resources.map((r) => r.values));
    expect(values).toEqual({ 'mfa_config.required_aaguids': 'cb69481e-8ff7-4039-93ec-0a2729a154a8', service_token_id: 'f174e90a-fafe-4643-bbbc-4a0ed4fc8415' });
  });
});

describe('uuids', () => {
  it('refuses a urn:uuid: prefix, saying so', async () => {
    const text = ['accounts:', `  - account_id: ${ACCOUNT}`, '    doh: { service_token_id: "urn:uuid:f174e90a-fafe-4643-bbbc-4a0ed4fc8415" }', ''].join('\n');
    expect(await problems(text)).toEqual([
      'c.yaml:3:30: "urn:uuid:f174e90a-fafe-4643-bbbc-4a0ed4fc8415" has a urn:uuid: prefix, which the API does not take; write the uuid alone (accounts[0].doh.service_token_id)',
    ]);
  });
});

describe('colours and the logo path', () => {
  it('accepts what people write: 8-digit hex, colour words, rgb(), relative paths', async () => {
    const text = accountWithOrg('login_design:', '  background_color: "#c5ed1bff"', '  text_color: rebeccapurple', '  header_text: x', '  logo_path: /static/logo.png');
    const { shown, warnings } = await load({ 'c.yaml': text });
    expect(shown).toEqual([]);
    expect(warnings).toEqual([]);
    expect((await load({ 'c.yaml': accountWithOrg('login_design: { text_color: "rgb(34, 34, 34)", logo_path: logo.png }') })).warnings).toEqual([]);
  });

  it('refuses a colour or a scheme it does not know, once where it is written, at file:line:col (#18 item 14)', async () => {
    const dir = writeConfig({
      'c.yaml': [
        'defaults:',
        '  organization: { login_design: { background_color: reddish } }',
        'accounts:',
        `  - account_id: ${ACCOUNT}`,
        '    organization: { login_design: { logo_path: "javascript:alert(1)" } }',
        '  - account_id: 1a2b3c4d5e6f708192a3b4c5d6e7f801',
        '',
      ].join('\n'),
    });
    const { code, stdout, stderr } = await run(['validate', dir]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    const why = '(the login page shows it to everyone who signs in; tag the value !unchecked to send it as it is)';
    expect(stderr.replaceAll(`${dir}/`, '')).toBe(
      [
        `c.yaml:2:53: "reddish" is not a CSS colour (#rgb, #rrggbb, #rrggbbaa, rgb(), hsl() or a colour name) ${why} (defaults.organization.login_design.background_color)`,
        `c.yaml:5:48: "javascript:alert(1)" is neither an https: URL nor a relative path ${why} (accounts[0].organization.login_design.logo_path)`,
        '2 problems found',
        '',
      ].join('\n'),
    );
  });
});

describe('login-page values (#18 item 14)', () => {
  const design = (...lines: string[]) => load({ 'c.yaml': accountWithOrg('login_design:', ...lines.map((l) => `  ${l}`)) });

  it('takes CSS colours, https: URLs, relative paths and plain text', async () => {
    const { shown } = await design('background_color: "hsl(80 80% 50%)"', 'text_color: rebeccapurple', 'logo_path: https://cdn.example.com/logo.png', 'header_text: "Sign in: a < b & c > d"', 'footer_text: Widget Corps');
    expect(shown).toEqual([]);
    expect((await design('logo_path: img/logo.png')).shown).toEqual([]);
  });

  it.each([
    ['logo_path: http://cdn.example.com/logo.png', 'is neither an https: URL nor a relative path'],
    ['logo_path: "data:image/svg+xml,<svg/onload=alert(1)>"', 'is neither an https: URL nor a relative path'],
    ['logo_path: //evil.example/logo.png', 'leads to another host (no scheme): write an https: URL'],
    ['logo_path: https://user:pw@cdn.example.com/logo.png', 'carries a user name or password'],
    ['text_color: "url(https://evil.example/x)"', 'is not a CSS colour'],
    ['header_text: "<script>alert(1)</script>"', 'holds HTML (<script…): the login page shows plain text'],
    ['footer_text: "Call us <!-- hidden -->"', 'holds HTML (<!--…)'],
  ])('%s is an error at its value', async (line, message) => {
    const { shown } = await design(line);
    expect(shown).toHaveLength(1);
    expect(shown[0]).toMatch(/^c\.yaml:5:\d+: /);
    expect(shown[0]).toContain(message);
  });

  it('a value tagged !unchecked is sent as it is, and only that value', async () => {
    const { state, shown } = await design('header_text: !unchecked "<b>Welcome</b>"', 'logo_path: !unchecked http://intranet.example/logo.png');
    expect(shown).toEqual([]);
    expect(state!.targets[0].resources[0].values).toMatchObject({ 'login_design.header_text': '<b>Welcome</b>', 'login_design.logo_path': 'http://intranet.example/logo.png' });
    const other = await design('header_text: !unchecked "<b>Welcome</b>"', 'footer_text: "<i>x</i>"');
    expect(other.shown).toEqual([expect.stringMatching(/^c\.yaml:6:\d+: "<i>x<\/i>" holds HTML/)]);
  });
});
