// Allow entries that name several targets (a list of ids, or a selector), pin the change they allow (`to:`) and
// expire (`expires:`), against the emulator. An entry is judged unused as one, whichever of its targets used it.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator, type Seed } from '../../src/emulator/index.js';
import { SECRET_TOKEN, ztsync } from '../helpers/reconcile.js';

let em: RunningEmulator;
afterEach(async () => {
  await em?.close();
});

const A = 'e0000000000000000000000000000001';
const B = 'e0000000000000000000000000000002';
const C = 'e0000000000000000000000000000003';
const TOKEN_2025 = 'a174e90a-fafe-4643-bbbc-4a0ed4fc2025';
const TOKEN_2026 = 'b174e90a-fafe-4643-bbbc-4a0ed4fc2026';

function seed(liveToken = TOKEN_2025): Seed {
  const org = (n: number) => ({ name: `Org ${n}`, auth_domain: `org${n}.cloudflareaccess.com`, allow_authenticate_via_warp: false, warp_auth_session_duration: '8h' });
  return {
    accounts: [
      { id: A, organization: org(1) },
      { id: B, organization: org(2) },
      {
        id: C,
        service_tokens: [
          { id: TOKEN_2025, client_id: 'a.access', name: 'DoH 2025' },
          { id: TOKEN_2026, client_id: 'b.access', name: 'DoH 2026' },
        ],
        doh: { service_token_id: liveToken, doh_jwt_duration: '24h' },
      },
    ],
  };
}

async function configDir(text: string): Promise<{ dir: string; file: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'ztsync-allow-entries-'));
  await writeFile(join(dir, 'a.yaml'), text);
  return { dir, file: join(dir, 'a.yaml') };
}

// Line 1 accounts:, A at 2-4, B at 5-7, C at 8-9; `allow:` on line 10, its first entry on line 11.
const accounts = (token = TOKEN_2026) =>
  `accounts:\n  - account_id: "${A}"\n    labels: { env: staging }\n    organization: { allow_authenticate_via_warp: true }\n  - account_id: "${B}"\n    labels: { env: staging }\n    organization: { allow_authenticate_via_warp: true }\n  - account_id: "${C}"\n    doh: { service_token_id: ${token} }\nallow:\n`;

describe('allow entries', () => {
  it('a list of account ids allows the rule on each, and is one entry when unused', async () => {
    em = await startEmulator({ port: 0, seed: seed(TOKEN_2026), token: SECRET_TOKEN });
    const { dir, file } = await configDir(`${accounts()}  - rule: warp-auth-on\n    account_id: ["${A}", "${B}"]\n    reason: SEC-88\n`);
    const out = await ztsync(em, ['plan', dir, '--format', 'json']);
    expect(out.code).toBe(0);
    const plan = JSON.parse(out.stdout);
    expect(plan.blocked).toEqual([]);
    expect(plan.allowed.map((a: { id: string; reason: string; source: unknown }) => [a.id, a.reason, a.source])).toEqual([
      [A, 'SEC-88', { file, line: 11, col: 5 }],
      [B, 'SEC-88', { file, line: 11, col: 5 }],
    ]);
    expect(plan.unused_allowances).toBeUndefined();
    // Without the second id, B's change is blocked.
    const one = await configDir(`${accounts()}  - rule: warp-auth-on\n    account_id: ["${A}"]\n    reason: SEC-88\n`);
    const blocked = JSON.parse((await ztsync(em, ['plan', one.dir, '--format', 'json'])).stdout).blocked;
    expect(blocked.map((b: { rule: string; id: string }) => [b.rule, b.id])).toEqual([['warp-auth-on', B]]);
    // Nothing to let through on either account: one unused entry, one warning.
    const idle = await configDir(`${accounts().replace(/allow_authenticate_via_warp: true/g, 'allow_authenticate_via_warp: false')}  - rule: warp-auth-on\n    account_id: ["${A}", "${B}"]\n    reason: SEC-88\n`);
    const unused = await ztsync(em, ['plan', idle.dir, '--format', 'json']);
    expect(JSON.parse(unused.stdout).unused_allowances).toEqual([{ rule: 'warp-auth-on', scope: 'account', id: A, reason: 'SEC-88', source: { file: idle.file, line: 11, col: 5 } }]);
    expect(unused.stderr.match(/lets nothing through in this plan/g)).toHaveLength(1);
  });

  it('a select entry allows the rule on every target whose labels match; one matching nothing is an error at the selector', async () => {
    em = await startEmulator({ port: 0, seed: seed(TOKEN_2026), token: SECRET_TOKEN });
    const { dir } = await configDir(`${accounts()}  - rule: warp-auth-on\n    select: { env: staging }\n    reason: Staging first\n`);
    const plan = JSON.parse((await ztsync(em, ['plan', dir, '--format', 'json'])).stdout);
    expect(plan.blocked).toEqual([]);
    expect(plan.allowed.map((a: { id: string }) => a.id)).toEqual([A, B]);
    const none = await configDir(`${accounts()}  - rule: warp-auth-on\n    select: { env: prod }\n    reason: Staging first\n`);
    const out = await ztsync(em, ['plan', none.dir]);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain(`${none.file}:12:13: allow warp-auth-on: no account or zone matches select env=prod`);
  });

  it('to: lets the pinned value through and blocks a switch to any other (the DoH token rotation)', async () => {
    const entry = `  - rule: doh-token-replaced\n    account_id: "${C}"\n    to: ${TOKEN_2026}\n    reason: Rotate to the 2026 token\n`;
    // Live 2025 → 2026: the pinned change.
    em = await startEmulator({ port: 0, seed: seed(TOKEN_2025), token: SECRET_TOKEN });
    const rotate = await configDir(`${accounts(TOKEN_2026).replace(/allow_authenticate_via_warp: true/g, 'allow_authenticate_via_warp: false')}${entry}`);
    const rotated = await ztsync(em, ['plan', rotate.dir, '--format', 'json']);
    expect(rotated.code).toBe(0);
    expect(JSON.parse(rotated.stdout).allowed.map((a: { rule: string; id: string }) => [a.rule, a.id])).toEqual([['doh-token-replaced', C]]);
    await em.close();
    // Live 2026 → back to 2025, the same entry left in place: blocked.
    em = await startEmulator({ port: 0, seed: seed(TOKEN_2026), token: SECRET_TOKEN });
    const back = await configDir(`${accounts(TOKEN_2025).replace(/allow_authenticate_via_warp: true/g, 'allow_authenticate_via_warp: false')}${entry}`);
    const out = await ztsync(em, ['plan', back.dir, '--format', 'json']);
    expect(out.code).toBe(3);
    const plan = JSON.parse(out.stdout);
    expect(plan.allowed).toEqual([]);
    expect(plan.blocked.map((b: { rule: string; id: string; after: unknown }) => [b.rule, b.id, b.after])).toEqual([['doh-token-replaced', C, TOKEN_2025]]);
  });

  it('an expired entry lets nothing through and is a warning at the entry; one not yet expired still allows', async () => {
    em = await startEmulator({ port: 0, seed: seed(TOKEN_2026), token: SECRET_TOKEN });
    const { dir, file } = await configDir(`${accounts()}  - rule: warp-auth-on\n    select: { env: staging }\n    expires: 2020-01-31\n    reason: SEC-88\n`);
    const out = await ztsync(em, ['plan', dir, '--format', 'json']);
    expect(out.code).toBe(3);
    expect(JSON.parse(out.stdout).blocked.map((b: { id: string }) => b.id)).toEqual([A, B]);
    expect(out.stderr).toContain(`${file}:11:5: warning: allow warp-auth-on entry expired on 2020-01-31: remove it`);
    expect(out.stderr).not.toContain('lets nothing through in this plan');
    const later = await configDir(`${accounts()}  - rule: warp-auth-on\n    select: { env: staging }\n    expires: 2999-12-31\n    reason: SEC-88\n`);
    const ok = await ztsync(em, ['plan', later.dir]);
    expect(ok.code).toBe(0);
    expect(ok.stderr).not.toContain('expired');
  });

  it('schema errors: an empty or repeated id list, a non-mapping select, two ways of naming targets, a bad date', async () => {
    em = await startEmulator({ port: 0, seed: seed(TOKEN_2026), token: SECRET_TOKEN });
    const bad: [string, string][] = [
      [`  - rule: warp-auth-on\n    account_id: []\n    reason: x\n`, ':12:17: "account_id" lists nothing'],
      [`  - rule: warp-auth-on\n    account_id: ["${A}", "${A}"]\n    reason: x\n`, `:12:17: "account_id" lists "${A}" twice`],
      [`  - rule: warp-auth-on\n    zone_id: { a: b }\n    reason: x\n`, ':12:14: must be a string or a list, not a mapping'],
      [`  - rule: warp-auth-on\n    select: staging\n    reason: x\n`, ':12:13: must be a mapping (key: value), not string "staging"'],
      [`  - rule: warp-auth-on\n    select: {}\n    reason: x\n`, ':12:13: allow warp-auth-on: select is empty, which would allow the rule on every target: name at least one label'],
      [`  - rule: warp-auth-on\n    account_id: "${A}"\n    select: { env: staging }\n    reason: x\n`, ':13:5: an allow entry names its targets one way: give one of account_id, zone_id or select, not account_id and select'],
      [`  - rule: warp-auth-on\n    account_id: "${A}"\n    expires: 31/01/2027\n    reason: x\n`, ':13:14: "31/01/2027" does not match'],
    ];
    for (const [entry, message] of bad) {
      const { dir, file } = await configDir(`${accounts()}${entry}`);
      const out = await ztsync(em, ['validate', dir]);
      expect(out.code, entry).toBe(1);
      expect(out.stderr, entry).toContain(`${file}${message}`);
      expect(out.stderr, entry).toContain('1 problem found');
    }
  });
});
