// The official `cloudflare` SDK (pinned devDependency), pointed at the emulator, runs all six operations unchanged.
import Cloudflare from 'cloudflare';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { ACCOUNT, EMPTY_ACCOUNT, OTHER_TOKEN_ID, startTestEmulator, testSeed, TOKEN_ID, ZONE } from '../helpers/emulator.js';

let em: RunningEmulator;
let client: Cloudflare;
beforeAll(async () => {
  em = await startTestEmulator({ token: 'sdk-token' });
  client = new Cloudflare({ apiToken: 'sdk-token', baseURL: em.url, maxRetries: 0 });
});
afterAll(async () => {
  await em.close();
});
beforeEach(() => {
  em.state.reset(testSeed());
});

describe('official cloudflare SDK against the emulator', () => {
  it('organizations.list / create / update / revokeUsers, for accounts and zones', async () => {
    const org = await client.zeroTrust.organizations.list({ account_id: ACCOUNT });
    expect(org).toMatchObject({ name: 'Widget Corps', auth_domain: 'widget.cloudflareaccess.com', session_duration: '24h' });
    expect(org.auto_redirect_to_identity).toBeUndefined();

    const created = await client.zeroTrust.organizations.create({ account_id: EMPTY_ACCOUNT, name: 'New', auth_domain: 'new.cloudflareaccess.com', is_ui_read_only: true });
    expect(created).toMatchObject({ name: 'New', is_ui_read_only: true });
    // The SDK's types leave the timestamps out (x-stainless-skip), but the API sends them.
    const stamps = created as unknown as { created_at: string; updated_at: string };
    expect(stamps.created_at).toBe(stamps.updated_at);

    const updated = await client.zeroTrust.organizations.update({
      account_id: ACCOUNT,
      name: 'Widget Corps',
      auth_domain: 'widget.cloudflareaccess.com',
      warp_auth_session_duration: '8h',
      allow_authenticate_via_warp: true,
      custom_pages: { forbidden: 'abc' },
      mfa_config: { allowed_authenticators: ['totp'], session_duration: '12h' },
    });
    expect(updated).toMatchObject({ allow_authenticate_via_warp: true, custom_pages: { forbidden: 'abc' }, mfa_config: { session_duration: '12h' } });
    expect(updated.session_duration).toBeUndefined(); // replace semantics: left out, so unset

    const zoneOrg = await client.zeroTrust.organizations.update({ zone_id: ZONE, name: 'Zone org', auth_domain: 'zone.cloudflareaccess.com', is_ui_read_only: true });
    expect(zoneOrg.is_ui_read_only).toBe(true);

    expect(await client.zeroTrust.organizations.revokeUsers({ account_id: ACCOUNT, email: 'test@example.com', query_devices: true })).toBe(true);
    expect(await client.zeroTrust.organizations.revokeUsers({ zone_id: ZONE, email: 'test@example.com' })).toBe(true);
  });

  it('organizations.doh.get / update', async () => {
    const current = await client.zeroTrust.organizations.doh.get({ account_id: ACCOUNT });
    expect(current).toMatchObject({ id: TOKEN_ID, doh_jwt_duration: '24h', duration: '8760h' });
    const updated = await client.zeroTrust.organizations.doh.update({ account_id: ACCOUNT, service_token_id: OTHER_TOKEN_ID, doh_jwt_duration: '800h' });
    expect(updated).toMatchObject({ id: OTHER_TOKEN_ID, doh_jwt_duration: '800h' });
    expect((await client.zeroTrust.organizations.doh.get({ account_id: ACCOUNT })).id).toBe(OTHER_TOKEN_ID);
  });

  it('typed errors: BadRequestError for a 400, NotFoundError for a 404, AuthenticationError / PermissionDeniedError', async () => {
    const bad = await client.zeroTrust.organizations.update({ account_id: ACCOUNT, session_duration: '1d' }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(Cloudflare.BadRequestError);
    expect((bad as InstanceType<typeof Cloudflare.BadRequestError>).status).toBe(400);
    expect((bad as InstanceType<typeof Cloudflare.BadRequestError>).errors[0]).toMatchObject({ code: 12000, source: { pointer: '/session_duration' } });

    const missing = await client.zeroTrust.organizations.doh.get({ account_id: EMPTY_ACCOUNT }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(Cloudflare.NotFoundError);

    const noOrganization = await client.zeroTrust.organizations.update({ account_id: EMPTY_ACCOUNT, name: 'x' }).catch((e: unknown) => e);
    expect(noOrganization).toBeInstanceOf(Cloudflare.NotFoundError);

    const stranger = new Cloudflare({ apiToken: 'not-the-token', baseURL: em.url, maxRetries: 0 });
    await expect(stranger.zeroTrust.organizations.list({ account_id: ACCOUNT })).rejects.toBeInstanceOf(Cloudflare.AuthenticationError);
    em.reconfigure({ forbidden: [ACCOUNT] });
    await expect(client.zeroTrust.organizations.list({ account_id: ACCOUNT })).rejects.toBeInstanceOf(Cloudflare.PermissionDeniedError);
    em.reconfigure({ forbidden: [] });
  });

  it('the SDK\'s own retry recovers from an injected 503 and counts it', async () => {
    // Draws: 0 (fault) and 0 (the only kind, 503) for the first attempt; 0.99 (no fault) for the retry.
    const draws = [0, 0];
    const flaky = await startTestEmulator({ faultRate: 0.5, faultKinds: ['503'], random: () => draws.shift() ?? 0.99 });
    try {
      const retrying = new Cloudflare({ apiToken: 'any', baseURL: flaky.url, maxRetries: 2 });
      expect((await retrying.zeroTrust.organizations.list({ account_id: ACCOUNT })).name).toBe('Widget Corps');
      expect(flaky.state.counters).toMatchObject({ faults: 1, faultsByKind: { '503': 1 }, requests: { 'GET /accounts/:id/access/organizations': 2 } });
    } finally {
      await flaky.close();
    }
  });
});
