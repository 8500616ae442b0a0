// Names and security drift, against the emulator: every target is named (its description, else the live
// organization's name) next to its id in every output; a live value weaker than the config, the way a safety rule
// guards, is marked `weakens` on the change, counted apart, and shown first in text, markdown and the HTML report.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JSDOM } from 'jsdom';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator, type Seed } from '../../src/emulator/index.js';
import { SAFETY_RULES } from '../../src/resources/safety.js';
import { SECRET_TOKEN, ztsync } from '../helpers/reconcile.js';

let em: RunningEmulator | undefined;
afterEach(async () => {
  await em?.close();
  em = undefined;
});

const NAMED = 'b0000000000000000000000000000001';
const UNNAMED = 'b0000000000000000000000000000002';
const TOKEN_A = 'f174e90a-fafe-4643-bbbc-4a0ed4fc8415';
const TOKEN_B = '5d2e8b1c-7a4f-4c3e-9b8d-1f0a2e3c4d5e';

/** Every protection off (or other) live: what someone turned off in the dashboard. */
function weakSeed(): Seed {
  const account = (id: string, name: string) => ({
    id,
    organization: {
      name,
      auth_domain: `${id.slice(-1)}-moved.cloudflareaccess.com`,
      deny_unmatched_requests: false,
      is_ui_read_only: false,
      allow_authenticate_via_warp: false,
      mfa_config: { allowed_authenticators: ['totp'], session_duration: '24h' },
      mfa_required_for_all_apps: false,
      login_design: { background_color: '#000000' },
      strict_service_token_auth: false,
      service_token_inactivity: { action: 'delete', enabled: true, inactivity_threshold_days: 30 },
    },
    service_tokens: [
      { id: TOKEN_A, client_id: `a${id.slice(-1)}.access`, name: 'A' },
      { id: TOKEN_B, client_id: `b${id.slice(-1)}.access`, name: 'B' },
    ],
    doh: { service_token_id: TOKEN_B, doh_jwt_duration: '24h' },
  });
  return { accounts: [account(NAMED, 'Live name of the first'), account(UNNAMED, 'Dashboard Name')] };
}

/** Per rule: config that is stronger than the weak live state, the field, and the rule that field's drift weakens. */
const STRONG: Array<{ rule: string; settings: string; resource: string; path: string }> = [
  { rule: 'auth-domain-change', settings: 'organization: { auth_domain: kept.cloudflareaccess.com }', resource: 'organization', path: 'auth_domain' },
  { rule: 'deny-unmatched-requests-off', settings: 'organization: { deny_unmatched_requests: true }', resource: 'organization', path: 'deny_unmatched_requests' },
  { rule: 'ui-read-only-off', settings: 'organization: { is_ui_read_only: true, ui_read_only_toggle_reason: locked }', resource: 'organization', path: 'is_ui_read_only' },
  { rule: 'mfa-weakened', settings: 'organization: { mfa_config: { allowed_authenticators: [totp, security_key], session_duration: 12h } }', resource: 'organization', path: 'mfa_config.allowed_authenticators' },
  { rule: 'warp-auth-off', settings: 'organization: { allow_authenticate_via_warp: true, warp_auth_session_duration: 8h }', resource: 'organization', path: 'allow_authenticate_via_warp' },
  { rule: 'strict-service-token-auth-off', settings: 'organization: { strict_service_token_auth: true }', resource: 'organization', path: 'strict_service_token_auth' },
  { rule: 'service-token-cleanup-delete', settings: 'organization: { service_token_inactivity: { action: disable, enabled: true, inactivity_threshold_days: 30 } }', resource: 'organization', path: 'service_token_inactivity.action' },
  { rule: 'doh-token-replaced', settings: `doh: { service_token_id: ${TOKEN_A} }`, resource: 'doh', path: 'service_token_id' },
];

async function configDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ztsync-weakens-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

const env = () => ({ CLOUDFLARE_API_TOKEN: SECRET_TOKEN, CLOUDFLARE_BASE_URL: em!.url });

describe('security drift', () => {
  it('cases name declared rules (every row is judged by the same code; rules added later need a case here)', () => {
    expect(SAFETY_RULES.map((r) => r.name)).toEqual(expect.arrayContaining([...new Set(STRONG.map((c) => c.rule))]));
  });

  for (const c of STRONG) {
    it(`${c.rule}: a live value weaker than the config is marked weakens, counted, and said first`, async () => {
      em = await startEmulator({ port: 0, seed: weakSeed(), token: SECRET_TOKEN });
      const dir = await configDir({ 'a.yaml': `accounts:\n  - account_id: "${NAMED}"\n    ${c.settings}\n` });
      const json = await ztsync(em, ['plan', dir, '--format', 'json']);
      const plan = JSON.parse(json.stdout);
      const change = plan.targets[0].resources.find((r: { type: string }) => r.type === c.resource).changes.find((ch: { path: string }) => ch.path === c.path);
      expect(change.weakens).toBe(c.rule);
      expect(plan.summary.weakens).toBeGreaterThanOrEqual(1);
      const text = (await ztsync(em, ['plan', dir])).stdout;
      expect(text.split('\n')[0]).toMatch(/^Security drift: \d+ live values? (is|are) weaker than the config\.$/);
      expect(text.split('\n')[1]).toContain(`! ${c.rule}: account ${NAMED}`);
      expect(text).toContain(`[weakens: ${c.rule}]`);
      expect(text).toMatch(/changes? weakens? security \(security drift\)\./);
    });
  }

  it('does not mark a change the config makes weaker, one it introduces, or a colour change', async () => {
    em = await startEmulator({ port: 0, seed: weakSeed(), token: SECRET_TOKEN });
    const pr = await configDir({
      'a.yaml': `accounts:\n  - account_id: "${NAMED}"\n    organization: { deny_unmatched_requests: true, login_design: { background_color: "#ffffff" } }\n`,
    });
    const base = await configDir({ 'a.yaml': `accounts:\n  - account_id: "${NAMED}"\n    organization: { login_design: { background_color: "#ffffff" } }\n` });
    const plan = JSON.parse((await ztsync(em, ['plan', pr, '--format', 'json', '--baseline', base])).stdout);
    const changes = plan.targets[0].resources[0].changes;
    // The pull request turns deny_unmatched_requests on: introduced, not drift. The colour drifted, but weakens nothing.
    expect(changes.map((ch: { path: string; origin: string; weakens?: string }) => [ch.path, ch.origin, ch.weakens])).toEqual([
      ['deny_unmatched_requests', 'introduced', undefined],
      ['login_design.background_color', 'drift', undefined],
    ]);
    expect(plan.summary.weakens).toBe(0);
    // The same change already in the base config is drift: the live value weakens it.
    const same = JSON.parse((await ztsync(em, ['plan', pr, '--format', 'json', '--baseline', pr])).stdout);
    expect(same.targets[0].resources[0].changes[0]).toMatchObject({ path: 'deny_unmatched_requests', origin: 'drift', weakens: 'deny-unmatched-requests-off' });
  });

  it('is shown first in markdown and in the HTML report, and counted apart', async () => {
    em = await startEmulator({ port: 0, seed: weakSeed(), token: SECRET_TOKEN });
    const dir = await configDir({
      'a.yaml': `accounts:\n  - account_id: "${NAMED}"\n    organization: { deny_unmatched_requests: true, login_design: { background_color: "#ffffff" } }\n`,
    });
    const md = (await ztsync(em, ['plan', dir, '--format', 'markdown'])).stdout;
    const warning = md.indexOf('**Security drift: 1 live value is weaker than the config.**');
    expect(warning).toBeGreaterThan(0);
    expect(md.indexOf('<details>')).toBeGreaterThan(warning);
    expect(md).toContain(`- \`deny-unmatched-requests-off\`: account \`${NAMED}\` (Live name of the first) \`organization.deny_unmatched_requests\`: live \`false\`, config \`true\``);

    const out = join(dir, 'report.html');
    expect((await ztsync(em, ['report', dir, '--out', out, '--allow', 'deny-unmatched-requests-on'])).code).toBe(0);
    const doc = new JSDOM(await readFile(out, 'utf8')).window.document;
    const sections = [...doc.querySelectorAll('body > section')].map((s) => s.getAttribute('aria-labelledby'));
    expect(sections[0]).toBe('weakens-title');
    expect(doc.getElementById('weakens-title')!.parentElement!.textContent).toContain(`deny-unmatched-requests-off — account ${NAMED} (Live name of the first), organization.deny_unmatched_requests: live false, config true`);
    expect(doc.querySelector('.counts li[data-count=weakens] b')!.textContent).toBe('1');
    expect(doc.querySelector('tbody tr')!.getAttribute('data-states')).toBe('weakens drift');
  });
});

describe('target names', () => {
  it('are the description, else the live organization name, in JSON, text, markdown, the report and the prompt', async () => {
    em = await startEmulator({ port: 0, seed: weakSeed(), token: SECRET_TOKEN });
    const dir = await configDir({
      'a.yaml':
        `accounts:\n  - account_id: "${NAMED}"\n    description: Production EU\n    organization: { login_design: { background_color: "#ffffff" } }\n` +
        `  - account_id: "${UNNAMED}"\n    organization: { login_design: { background_color: "#ffffff" } }\n`,
    });
    const plan = JSON.parse((await ztsync(em, ['plan', dir, '--format', 'json'])).stdout);
    expect(plan.targets.map((t: { id: string; name: string }) => [t.id, t.name])).toEqual([
      [NAMED, 'Production EU'],
      [UNNAMED, 'Dashboard Name'],
    ]);
    const text = (await ztsync(em, ['plan', dir])).stdout;
    expect(text).toContain(`account ${NAMED} (Production EU)`);
    expect(text).toContain(`account ${UNNAMED} (Dashboard Name)`);
    const md = (await ztsync(em, ['plan', dir, '--format', 'markdown'])).stdout;
    expect(md).toContain(`<b>account ${UNNAMED} (Dashboard Name)</b>`);
    const out = join(dir, 'r.html');
    await ztsync(em, ['report', dir, '--out', out]);
    const doc = new JSDOM(await readFile(out, 'utf8')).window.document;
    expect([...doc.querySelectorAll('#matrix tbody td.d')].map((td) => td.textContent)).toEqual(['Production EU', 'Dashboard Name']);

    const questions: string[] = [];
    const declined = await ztsync(em, ['apply', dir], { env: env(), stdinIsTTY: true, prompt: async (q: string) => (questions.push(q), 'no') });
    expect(declined.code).toBe(1);
    expect(questions).toEqual([`\nApply these changes to 2 targets: account ${NAMED} (Production EU) and account ${UNNAMED} (Dashboard Name)? Only "yes" is accepted: `]);
  });

  it('are cut short next to the id, however long the description', async () => {
    em = await startEmulator({ port: 0, seed: weakSeed(), token: SECRET_TOKEN });
    const long = 'N'.repeat(200);
    const dir = await configDir({ 'a.yaml': `accounts:\n  - account_id: "${NAMED}"\n    description: ${long}\n    organization: { login_design: { background_color: "#ffffff" } }\n` });
    const text = (await ztsync(em, ['plan', dir])).stdout;
    expect(text).toContain(`account ${NAMED} (${'N'.repeat(79)}…)`);
    expect(text).not.toContain('N'.repeat(81));
  });
});
