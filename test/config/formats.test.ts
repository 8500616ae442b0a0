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

  it('warns, without failing, about a colour or a scheme it does not know, once where it is written', async () => {
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
    expect(code).toBe(0);
    expect(stdout).toBe('ok: 1 file, 2 accounts, 0 zones\n');
    expect(stderr.replaceAll(`${dir}/`, '')).toBe(
      [
        'c.yaml:2:53: warning: "reddish" is not a colour ztsync knows (#rgb, #rrggbb, #rrggbbaa, rgb(), hsl() or a CSS colour name); the API may refuse it (defaults.organization.login_design.background_color)',
        'c.yaml:5:48: warning: "javascript:alert(1)" is neither an http(s) URL nor a path; the API may refuse it (accounts[0].organization.login_design.logo_path)',
        '',
      ].join('\n'),
    );
  });
});
