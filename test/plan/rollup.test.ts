// The markdown plan at fleet scale, against the emulator: identical changes rolled up to one line, introduced before
// drift, every changed field of every target listed before any details, what the pull request stops managing
// listed, and anything left out for size said loudly at the top — a 73 KB description cannot hide other targets.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator, type Seed } from '../../src/emulator/index.js';
import { makePlan, type TargetPlan } from '../../src/plan/model.js';
import { GITHUB_COMMENT_LIMIT, renderMarkdown } from '../../src/plan/render-markdown.js';
import { SECRET_TOKEN, ztsync } from '../helpers/reconcile.js';

let em: RunningEmulator | undefined;
afterEach(async () => {
  await em?.close();
  em = undefined;
});

const id = (i: number) => `c${i.toString(16).padStart(31, '0')}`;

function fleetSeed(n: number): Seed {
  return {
    accounts: Array.from({ length: n }, (_, i) => ({
      id: id(i),
      organization: { name: `Org ${i}`, auth_domain: `org${i}.cloudflareaccess.com`, session_duration: '24h', deny_unmatched_requests: true },
    })),
  };
}

async function configDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ztsync-rollup-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

const accounts = (n: number, extra: (i: number) => string = () => '') =>
  `accounts:\n${Array.from({ length: n }, (_, i) => `  - account_id: "${id(i)}"\n    description: Team ${i}\n${extra(i)}`).join('')}`;

describe('markdown roll-up', () => {
  it('one line for a defaults change on 25 targets, with where it was written; the targets below', async () => {
    em = await startEmulator({ port: 0, seed: fleetSeed(26), token: SECRET_TOKEN });
    const dir = await configDir({
      'defaults.yaml': 'defaults:\n  organization:\n    session_duration: 12h\n',
      // Defaults reach only targets that manage the resource: each account names one setting it keeps.
      'accounts.yaml': accounts(25, () => '    organization: { deny_unmatched_requests: true }\n'),
      'other.yaml': `accounts:\n  - account_id: "${id(25)}"\n    organization: { session_duration: 24h, deny_unmatched_requests: false }\n`,
    });
    const run = await ztsync(em, ['plan', dir, '--format', 'markdown', '--max-changed-targets', '100%', '--allow', 'deny-unmatched-requests-off']);
    expect(run.code).toBe(0);
    const md = run.stdout;
    const defaults = join(dir, 'defaults.yaml');
    expect(md).toContain(`- \`organization.session_duration\`: \`"24h"\` → \`"12h"\` on 25 targets, via \`${defaults}:3\` (defaults)`);
    expect(md).toContain(`- \`organization.deny_unmatched_requests\`: \`true\` → \`false\` on account \`${id(25)}\` (Org 25), via \`${join(dir, 'other.yaml')}:3\``);
    // One line per field and change: the 25 identical changes are not listed 25 times before the details.
    const changes = md.slice(md.indexOf('#### Changes'), md.indexOf('#### Targets'));
    expect(changes.match(/session_duration/g)).toHaveLength(1);
    expect(md.match(/<details>/g)).toHaveLength(26);
    expect(md.indexOf('#### Changes')).toBeLessThan(md.indexOf('<details>'));
  });

  it('with --baseline, introduced changes come before drift, each under its heading', async () => {
    em = await startEmulator({ port: 0, seed: fleetSeed(2), token: SECRET_TOKEN });
    const base = await configDir({ 'a.yaml': accounts(2, () => '    organization: { session_duration: 12h }\n') });
    const pr = await configDir({ 'a.yaml': accounts(2, (i) => `    organization: { session_duration: 12h${i === 1 ? ', login_design: { background_color: "#123456" }' : ''} }\n`) });
    const md = (await ztsync(em, ['plan', pr, '--format', 'markdown', '--baseline', base])).stdout;
    const introduced = md.indexOf("**Introduced by this pull request:**");
    const drift = md.indexOf('**Drift**');
    expect(introduced).toBeGreaterThan(0);
    expect(drift).toBeGreaterThan(introduced);
    expect(md.slice(introduced, drift)).toContain(`\`organization.login_design.background_color\`: \`null\` → \`"#123456"\` on account \`${id(1)}\` (Team 1)`);
    expect(md.slice(drift)).toContain('`organization.session_duration`: `"24h"` → `"12h"` on account');
  });

  it('a 73 KB description does not hide other targets: every changed field of every target is listed first, and the cut is said at the top', () => {
    const huge = 'D'.repeat(73 * 1024);
    const target = (i: number, description: string | null, changes: { path: string; before: unknown; after: unknown }[]): TargetPlan => ({
      scope: 'account',
      id: id(i),
      description,
      name: description,
      source: { file: `config/a${i}.yaml`, line: 3, col: 5 },
      resources: [
        {
          type: 'organization',
          action: 'update',
          changes: changes.map((c) => ({ ...c, source: { file: `config/a${i}.yaml`, line: 4, col: 7, via: 'account' as const } })),
          managed: changes.map((c) => c.path),
          desired: Object.fromEntries(changes.map((c) => [c.path, c.after])),
          live: {},
        },
      ],
      error: null,
    });
    const plan = makePlan('https://api.cloudflare.com/client/v4', [
      target(0, huge, [{ path: 'login_design.footer_text', before: 'x', after: huge }]),
      ...Array.from({ length: 40 }, (_, i) => target(i + 1, `Team ${i + 1}`, [{ path: 'login_design.header_text', before: `old ${i}`, after: `new ${'H'.repeat(2000)} ${i}` }])),
      target(41, 'Quiet one', [{ path: 'deny_unmatched_requests', before: true, after: false }]),
    ]);
    const md = renderMarkdown(plan);
    expect(md.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    // Loud, and at the top.
    const warning = md.indexOf('[!WARNING]');
    expect(warning).toBeGreaterThan(0);
    expect(warning).toBeLessThan(200);
    expect(md).toContain('**Not everything fits in this comment.**');
    // Every target's changed field is named before any details.
    const head = md.slice(0, md.indexOf('<details>') === -1 ? md.length : md.indexOf('<details>'));
    expect(head).toContain(`\`organization.deny_unmatched_requests\`: \`true\` → \`false\` on account \`${id(41)}\` (Quiet one)`);
    expect(head).toContain('`organization.login_design.footer_text`');
    expect(head).toContain('`organization.login_design.header_text`');
    // The huge text is never shown whole.
    expect(md).not.toContain('D'.repeat(200));
  });
});

describe('--baseline: what the pull request stops managing', () => {
  it('a field dropped from the config and a target that left it are listed in JSON, text and markdown', async () => {
    em = await startEmulator({ port: 0, seed: fleetSeed(3), token: SECRET_TOKEN });
    const base = await configDir({
      'defaults.yaml': 'defaults:\n  organization:\n    deny_unmatched_requests: true\n',
      'a.yaml': accounts(3, () => '    organization: { session_duration: 24h }\n'),
    });
    const pr = await configDir({ 'a.yaml': accounts(2, () => '    organization: { session_duration: 24h }\n') });
    const json = await ztsync(em, ['plan', pr, '--format', 'json', '--baseline', base]);
    expect(json.code).toBe(0);
    const plan = JSON.parse(json.stdout);
    expect(plan.summary).toMatchObject({ update: 0, create: 0 });
    expect(plan.unmanaged).toEqual([
      { scope: 'account', id: id(0), name: 'Team 0', resource: 'organization', path: 'deny_unmatched_requests', target_removed: false },
      { scope: 'account', id: id(1), name: 'Team 1', resource: 'organization', path: 'deny_unmatched_requests', target_removed: false },
      { scope: 'account', id: id(2), name: 'Team 2', resource: 'organization', path: 'deny_unmatched_requests', target_removed: true },
      { scope: 'account', id: id(2), name: 'Team 2', resource: 'organization', path: 'session_duration', target_removed: true },
    ]);
    const text = (await ztsync(em, ['plan', pr, '--baseline', base])).stdout;
    expect(text).toContain('No longer managed (the base branch manages these; after this change nothing will):');
    expect(text).toContain(`  - account ${id(0)} (Team 0) organization.deny_unmatched_requests`);
    expect(text).toContain(`  - account ${id(2)} (Team 2): left the config (organization.deny_unmatched_requests, organization.session_duration)`);
    const md = (await ztsync(em, ['plan', pr, '--format', 'markdown', '--baseline', base])).stdout;
    expect(md).toContain('**No longer managed**');
    expect(md).toContain(`- account \`${id(2)}\` (Team 2) left the config: \`organization.deny_unmatched_requests\`, \`organization.session_duration\``);
    expect(md).toContain(`- \`organization.deny_unmatched_requests\` on 2 targets: account \`${id(0)}\` (Team 0), account \`${id(1)}\` (Team 1)`);
  });

  it('is empty when the pull request keeps managing everything, and absent without --baseline', async () => {
    em = await startEmulator({ port: 0, seed: fleetSeed(1), token: SECRET_TOKEN });
    const dir = await configDir({ 'a.yaml': accounts(1, () => '    organization: { session_duration: 24h }\n') });
    expect(JSON.parse((await ztsync(em, ['plan', dir, '--format', 'json', '--baseline', dir])).stdout).unmanaged).toEqual([]);
    expect(JSON.parse((await ztsync(em, ['plan', dir, '--format', 'json'])).stdout).unmanaged).toBeUndefined();
  });
});
