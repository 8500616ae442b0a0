import { afterEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { E2E_MODE, EXAMPLES, PRODUCTION, RESEARCH, STAGING, ZONE, demoEmulator, liveAccount, liveZone, writes, ztsync } from '../helpers/reconcile.js';

// Runs once per emulator mode (PUT semantics × answer style): see vitest.config.ts.
{
  describe(`the full cycle (PUT ${E2E_MODE.putSemantics}, ${E2E_MODE.answerStyle} answers)`, () => {
    let em: RunningEmulator;
    afterEach(async () => {
      await em?.close();
      em = undefined as unknown as RunningEmulator;
    });

    it('validate → plan exits 2 → apply → plan exits 0', async () => {
      em = await demoEmulator();
      expect((await ztsync(em, ['validate', EXAMPLES])).code).toBe(0);

      const first = await ztsync(em, ['plan', EXAMPLES, '--detailed-exitcode']);
      expect(first.stderr).toBe('');
      expect(first.code).toBe(2);
      expect(first.stdout).toContain('Plan: 1 to create, 3 to update, 2 unchanged, 0 errors.');
      expect(writes(em)).toBe(0);

      const apply = await ztsync(em, ['apply', EXAMPLES, '--auto-approve']);
      expect(apply.code).toBe(0);
      expect(apply.stdout).toContain('Apply: 3 applied, 1 unchanged, 0 failed.');

      const second = await ztsync(em, ['plan', EXAMPLES, '--detailed-exitcode']);
      expect(second.code).toBe(0);
      expect(second.stdout).toContain('No changes. 6 resources are up to date.');
    });

    it('leaves every field the config does not manage as it was', async () => {
      em = await demoEmulator();
      const before = em.state.snapshot();
      expect((await ztsync(em, ['apply', EXAMPLES, '--auto-approve'])).code).toBe(0);

      // Production's custom page and Staging's dashboard lock are live but not in the config.
      expect(liveAccount(em, PRODUCTION).organization?.custom_pages).toEqual({ forbidden: '699d98642c564d2e855e9661899b7252' });
      expect(liveAccount(em, STAGING).organization?.is_ui_read_only).toBe(true);
      // Spelled differently but equal: never rewritten.
      expect(liveAccount(em, STAGING).organization?.session_duration).toBe('24h0m0s');
      expect(liveAccount(em, STAGING).doh?.doh_jwt_duration).toBe('1440m');
      // Service tokens are not ztsync's to touch.
      expect(liveAccount(em, PRODUCTION).service_tokens).toEqual(before.accounts?.find((a) => a.id === PRODUCTION)?.service_tokens);
      // The zone was already as configured: not written at all.
      expect(liveZone(em, ZONE)).toEqual(before.zones?.find((z) => z.id === ZONE));
    });

    it('creates a missing organization with what the config says', async () => {
      em = await demoEmulator();
      expect(liveAccount(em, RESEARCH).organization).toBeUndefined();
      expect((await ztsync(em, ['apply', EXAMPLES, '--auto-approve', '--account', RESEARCH])).code).toBe(0);
      const created = liveAccount(em, RESEARCH).organization!;
      expect(created).toMatchObject({
        name: 'Widget Corps Research',
        auth_domain: 'widgetcorps-research.cloudflareaccess.com',
        deny_unmatched_requests: true,
        session_duration: '24h',
        user_seat_expiration_inactive_time: '730h',
        login_design: { footer_text: 'Widget Corps — authorised use only' },
      });
      expect(created.created_at).toEqual(expect.any(String));
      expect(writes(em)).toBe(1);
    });

    it('replaces the DoH service token', async () => {
      em = await demoEmulator();
      expect(liveAccount(em, PRODUCTION).doh?.service_token_id).toBe('5d2e8b1c-7a4f-4c3e-9b8d-1f0a2e3c4d5e');
      const plan = await ztsync(em, ['plan', EXAMPLES, '--account', PRODUCTION, '--format', 'json']);
      const doh = JSON.parse(plan.stdout).targets[0].resources.find((r: { type: string }) => r.type === 'doh');
      expect(doh.changes).toContainEqual(expect.objectContaining({ path: 'service_token_id', before: '5d2e8b1c-7a4f-4c3e-9b8d-1f0a2e3c4d5e', after: 'f174e90a-fafe-4643-bbbc-4a0ed4fc8415' }));

      expect((await ztsync(em, ['apply', EXAMPLES, '--auto-approve', '--account', PRODUCTION])).code).toBe(0);
      expect(liveAccount(em, PRODUCTION).doh).toEqual({ service_token_id: 'f174e90a-fafe-4643-bbbc-4a0ed4fc8415', doh_jwt_duration: '800h' });
    });

    it('plan never writes, in any format', async () => {
      em = await demoEmulator();
      for (const format of ['text', 'json', 'markdown']) {
        const result = await ztsync(em, ['plan', EXAMPLES, '--format', format, '--detailed-exitcode']);
        expect(result.code).toBe(2);
      }
      const { counters } = em.state.snapshot();
      expect(counters.writes).toBe(0);
      expect(Object.keys(counters.requests).every((route) => route.startsWith('GET '))).toBe(true);
    });
  });
}
