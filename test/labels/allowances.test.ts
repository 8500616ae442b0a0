// Allow entries that let nothing through: in the JSON plan, listed in the markdown plan ("unused allowances:
// remove them") and, under GitHub Actions, a ::warning annotation at the entry. A block's hint prints the entries
// to paste, with the rule and the target's id filled in.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator, type Seed } from '../../src/emulator/index.js';
import { SECRET_TOKEN, envFor, ztsync } from '../helpers/reconcile.js';

let em: RunningEmulator;
afterEach(async () => {
  await em?.close();
});

const A = 'd0000000000000000000000000000001';
const B = 'd0000000000000000000000000000002';

function seed(): Seed {
  const org = (n: number) => ({ name: `Org ${n}`, auth_domain: `org${n}.cloudflareaccess.com`, allow_authenticate_via_warp: false, warp_auth_session_duration: '8h' });
  return { accounts: [{ id: A, organization: org(1) }, { id: B, organization: org(2) }] };
}

async function configDir(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ztsync-allow-'));
  await writeFile(join(dir, 'a.yaml'), text);
  return dir;
}

const accounts = (warp: boolean) => `accounts:\n  - account_id: "${A}"\n    organization: { allow_authenticate_via_warp: ${warp} }\n  - account_id: "${B}"\n    organization: { allow_authenticate_via_warp: ${warp} }\n`;

describe('allowances', () => {
  it('an entry that lets nothing through: in the JSON, the markdown, and a ::warning annotation at the entry', async () => {
    em = await startEmulator({ port: 0, seed: seed(), token: SECRET_TOKEN });
    const dir = await configDir(`${accounts(false)}allow:\n  - rule: warp-auth-on\n    account_id: "${A}"\n    reason: Rolled out last week\n`);
    const file = join(dir, 'a.yaml');
    const json = await ztsync(em, ['plan', dir, '--format', 'json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).unused_allowances).toEqual([{ rule: 'warp-auth-on', scope: 'account', id: A, reason: 'Rolled out last week', source: { file, line: 7, col: 5 } }]);
    expect(json.stderr).toContain(`${file}:7:5: warning: allow warp-auth-on on account ${A} lets nothing through in this plan`);
    const markdown = await ztsync(em, ['plan', dir, '--format', 'markdown']);
    expect(markdown.stdout).toContain('**Unused allowances: remove them**');
    expect(markdown.stdout).toContain(`- \`warp-auth-on\`: account \`${A}\` at \`${file}:7\`: Rolled out last week`);
    const actions = await ztsync(em, ['plan', dir], { env: envFor(em, { GITHUB_ACTIONS: 'true', GITHUB_WORKSPACE: dir }) });
    expect(actions.stderr).toMatch(/^::warning file=a\.yaml,line=7,col=5,title=ztsync%3A unused allowance::allow warp-auth-on on account d0+1 lets nothing through in this plan/m);
    // A used entry is not listed.
    const used = await configDir(`${accounts(true)}allow:\n  - rule: warp-auth-on\n    account_id: "${A}"\n    reason: SEC-88\n  - rule: warp-auth-on\n    account_id: "${B}"\n    reason: SEC-88\n`);
    const plan = JSON.parse((await ztsync(em, ['plan', used, '--format', 'json'])).stdout);
    expect(plan.blocked).toEqual([]);
    expect(plan.unused_allowances).toBeUndefined();
  });

  it('a block prints the entries to paste, the rule and each target id filled in', async () => {
    em = await startEmulator({ port: 0, seed: seed(), token: SECRET_TOKEN });
    const dir = await configDir(accounts(true));
    const text = await ztsync(em, ['plan', dir]);
    expect(text.code).toBe(3);
    expect(text.stdout).toContain(
      `  To go ahead once reviewed, allow each in the config with the reason (or for one run: --allow RULE):\n    allow:\n      - { rule: warp-auth-on, account_id: "${A}", reason: "why" }\n      - { rule: warp-auth-on, account_id: "${B}", reason: "why" }\n`,
    );
    // Pasted with a reason, it lets the change through.
    const pasted = await configDir(`${accounts(true)}allow:\n  - { rule: warp-auth-on, account_id: "${A}", reason: "SEC-88" }\n  - { rule: warp-auth-on, account_id: "${B}", reason: "SEC-88" }\n`);
    expect((await ztsync(em, ['plan', pasted])).code).toBe(0);
  });
});
