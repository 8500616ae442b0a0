// Answer styles: sparse (false booleans and empty groups left out) and explicit (every field of the scope, false as
// false, empty groups {}, empty lists [], unset top-level text ""), chosen by option, admin endpoint or command line.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { run } from '../helpers/io.js';
import { ACCOUNT, call, DOH_PATH, EMPTY_ORG_PATH, ORG_PATH, startTestEmulator, TOKEN_ID, ZONE_ORG_PATH } from '../helpers/emulator.js';

let em: RunningEmulator | undefined;
afterEach(async () => {
  await em?.close();
  em = undefined;
});

/** The seeded account organization (name, auth_domain, session_duration) in the explicit style. */
const EXPLICIT_ACCOUNT = {
  name: 'Widget Corps',
  auth_domain: 'widget.cloudflareaccess.com',
  session_duration: '24h',
  allow_authenticate_via_warp: false,
  auto_redirect_to_identity: false,
  custom_pages: {},
  deny_unmatched_requests: false,
  deny_unmatched_requests_exempted_zone_names: [],
  is_ui_read_only: false,
  ui_read_only_toggle_reason: '',
  login_design: {},
  mfa_config: { allowed_authenticators: [] },
  mfa_required_for_all_apps: false,
  mfa_piv_key_requirements: { require_fips_device: false, ssh_key_size: [], ssh_key_type: [] },
  // service_token_inactivity is taken only whole, so it has no empty spelling: unset, it is left out.
  strict_service_token_auth: false,
  warp_auth_non_browser_401: false,
};

/** The seeded zone organization in the explicit style: the zone's fields only. */
const EXPLICIT_ZONE = {
  name: 'Zone org',
  auth_domain: 'zone.cloudflareaccess.com',
  deny_unmatched_requests: false,
  deny_unmatched_requests_exempted_zone_names: [],
  is_ui_read_only: false,
  ui_read_only_toggle_reason: '',
  login_design: {},
};

function withoutTimestamps(result: Record<string, unknown>): Record<string, unknown> {
  const { created_at, updated_at, ...rest } = result;
  expect([typeof created_at, typeof updated_at]).toEqual(['string', 'string']);
  return rest;
}

describe('answer styles', () => {
  it('sparse (the default) leaves out false booleans and empty groups', async () => {
    em = await startTestEmulator();
    await call(em, 'PUT', ORG_PATH, { body: { name: 'Widget Corps', auth_domain: 'widget.cloudflareaccess.com', is_ui_read_only: false, login_design: {}, deny_unmatched_requests_exempted_zone_names: [] } });
    const result = (await call(em, 'GET', ORG_PATH)).body.result;
    expect(withoutTimestamps(result)).toEqual({ name: 'Widget Corps', auth_domain: 'widget.cloudflareaccess.com', deny_unmatched_requests_exempted_zone_names: [] });
  });

  it('explicit sends every field of the scope: false, {}, [] and "" for what is unset; durations and enums stay out', async () => {
    em = await startTestEmulator({ answerStyle: 'explicit' });
    expect(withoutTimestamps((await call(em, 'GET', ORG_PATH)).body.result)).toEqual(EXPLICIT_ACCOUNT);
    expect(withoutTimestamps((await call(em, 'GET', ZONE_ORG_PATH)).body.result)).toEqual(EXPLICIT_ZONE);
    // Set values come through as they are; create and update answer in the style too.
    const created = await call(em, 'POST', EMPTY_ORG_PATH, { body: { name: 'New', auth_domain: 'new.cloudflareaccess.com', is_ui_read_only: true, login_design: { header_text: 'Hi' } } });
    expect(created.body.result).toMatchObject({ is_ui_read_only: true, deny_unmatched_requests: false, login_design: { header_text: 'Hi' }, custom_pages: {} });
    const updated = await call(em, 'PUT', ORG_PATH, { body: { name: 'Widget Corps', auth_domain: 'widget.cloudflareaccess.com', mfa_piv_key_requirements: { pin_policy: 'once' } } });
    expect(updated.body.result.mfa_piv_key_requirements).toEqual({ pin_policy: 'once', require_fips_device: false, ssh_key_size: [], ssh_key_type: [] });
    // The stored state is the same whatever the style: only answers differ.
    expect(em.state.toSeed().accounts[0].organization).not.toHaveProperty('is_ui_read_only');
  });

  it('an explicit answer sent back as a PUT is accepted and changes nothing, under both PUT semantics', async () => {
    for (const putSemantics of ['replace', 'merge'] as const) {
      em = await startTestEmulator({ answerStyle: 'explicit', putSemantics });
      for (const path of [ORG_PATH, ZONE_ORG_PATH]) {
        const before = withoutTimestamps((await call(em, 'GET', path)).body.result);
        const put = await call(em, 'PUT', path, { body: before });
        expect(put.status, `${putSemantics} ${path}: ${JSON.stringify(put.body.errors)}`).toBe(200);
        expect(withoutTimestamps(put.body.result)).toEqual(before);
      }
      await em.close();
      em = undefined;
    }
  });

  it('DoH answers carry enabled in both styles', async () => {
    for (const answerStyle of ['sparse', 'explicit'] as const) {
      em = await startTestEmulator({ answerStyle });
      expect((await call(em, 'GET', DOH_PATH)).body.result).toMatchObject({ id: TOKEN_ID, enabled: true });
      await em.close();
      em = undefined;
    }
  });

  it('POST /__emulator/config switches the style while running, and refuses an unknown one', async () => {
    em = await startTestEmulator();
    expect((await call(em, 'GET', ORG_PATH)).body.result).not.toHaveProperty('is_ui_read_only');
    expect((await call(em, 'POST', '/__emulator/config', { body: { answerStyle: 'explicit' } })).body.answerStyle).toBe('explicit');
    expect((await call(em, 'GET', ORG_PATH)).body.result.is_ui_read_only).toBe(false);
    const bad = await call(em, 'POST', '/__emulator/config', { body: { answerStyle: 'verbose' } });
    expect([bad.status, bad.body.errors[0].message]).toEqual([400, 'answerStyle: must be one of sparse, explicit, not "verbose"']);
    expect((await call(em, 'GET', '/__emulator/config')).body.answerStyle).toBe('explicit');
  });
});

describe('ztsync emulator --answer-style', () => {
  it('explicit is served; a value that is not a style is refused before listening', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ztsync-style-'));
    try {
      const seed = join(dir, 'seed.yaml');
      await writeFile(seed, `accounts:\n  - id: ${ACCOUNT}\n    organization: { name: Widget Corps, auth_domain: widget.cloudflareaccess.com }\n`);
      let stop!: (signal: string) => void;
      let listening!: (url: string) => void;
      const url = new Promise<string>((resolve) => (listening = resolve));
      const finished = run(['emulator', '--port', '0', '--seed', seed, '--answer-style', 'explicit'], {
        stdout: { write: (s: string) => void (/listening on (\S+)/.exec(s) && listening(/listening on (\S+)/.exec(s)![1])) },
        stopSignal: () => new Promise<string>((resolve) => (stop = resolve)),
      });
      const reply = await fetch(`${await url}/accounts/${ACCOUNT}/access/organizations`, { headers: { authorization: 'Bearer t' } });
      expect(((await reply.json()) as { result: Record<string, unknown> }).result).toMatchObject({ is_ui_read_only: false, login_design: {} });
      stop('SIGTERM');
      expect((await finished).code).toBe(0);

      const bad = await run(['emulator', '--port', '0', '--answer-style', 'verbose']);
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toContain("argument 'verbose' is invalid. Allowed choices are sparse, explicit.");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
