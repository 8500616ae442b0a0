// With GITHUB_ACTIONS=true: annotations for config problems, plan and apply failures; the markdown plan in
// the step summary; log output from the config unable to issue workflow commands. Elsewhere: none of it.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { annotationCommand, defuseCommands, githubActions } from '../../src/commands/shared/github.js';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { makePlan } from '../../src/plan/model.js';
import { MARKDOWN_MARKER } from '../../src/plan/render-markdown.js';
import { captureIo, run } from '../helpers/io.js';
import { parseMarkdown, tables } from '../helpers/markdown.js';
import { EXAMPLES, RESEARCH, SECRET_TOKEN, STAGING, demoEmulator, envFor, writes, ztsync } from '../helpers/reconcile.js';

let em: RunningEmulator | undefined;
afterEach(async () => {
  await em?.close();
  em = undefined;
});

/** What the runner reads as workflow commands: lines starting (after blanks) with `::`, and `##[` anywhere. */
function commandsIn(output: string): string[] {
  return output.split('\n').filter((line) => /^\s*::/.test(line) || line.includes('##['));
}

async function workspace(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ztsync-gh-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

function actionsEnv(dir: string, extra: Record<string, string | undefined> = {}) {
  return {
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: dir,
    GITHUB_STEP_SUMMARY: join(dir, 'summary.md'),
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY: 'widgetcorps/zt-config',
    GITHUB_RUN_ID: '4242',
    ...extra,
  };
}

describe('workflow command syntax', () => {
  it('escapes data and properties the way GitHub reads them back', () => {
    expect(annotationCommand({ level: 'error', message: '100% sure\r\nsecond line', title: 'a: b, c', file: 'x,y:z.yaml', line: 3, col: 7 })).toBe(
      '::error file=x%2Cy%3Az.yaml,line=3,col=7,title=a%3A b%2C c::100%25 sure%0D%0Asecond line',
    );
    expect(annotationCommand({ level: 'warning', message: 'plain' })).toBe('::warning::plain');
  });

  it('makes files relative to the workspace, and leaves those outside it alone', () => {
    expect(annotationCommand({ level: 'error', message: 'm', file: '/w/config/a.yaml', line: 1, col: 1 }, '/w')).toBe('::error file=config/a.yaml,line=1,col=1::m');
    expect(annotationCommand({ level: 'error', message: 'm', file: '/elsewhere/a.yaml' }, '/w')).toBe('::error file=/elsewhere/a.yaml::m');
  });

  it('defuses commands in log text and nothing else', () => {
    expect(defuseCommands('a\n::set-output name=x::y\n  ::error::z\nb ##[error]c\nkeep :: this\n')).toBe(
      'a\n:\u200b:set-output name=x::y\n  :\u200b:error::z\nb #\u200b#[error]c\nkeep :: this\n',
    );
    expect(commandsIn(defuseCommands('::add-mask::x\n##[set-output name=a;]b'))).toEqual([]);
  });
});

describe('validate in GitHub Actions', () => {
  const bad = 'accounts:\n  - account_id: 023e105f4ecef8ad9ca31a8372d0c353\n    organization:\n      session_duration: 12 hours\n      nmae: x\n';

  it('each problem is an annotation at its file, line and column', async () => {
    const dir = await workspace({ 'a.yaml': bad });
    const result = await run(['validate', join(dir, 'a.yaml')], { env: actionsEnv(dir) });
    expect(result.code).toBe(1);
    const annotations = result.stderr.split('\n').filter((l) => l.startsWith('::error '));
    expect(annotations).toHaveLength(2);
    expect(annotations[0]).toMatch(/^::error file=a\.yaml,line=4,col=25,title=ztsync%3A invalid config::.+ \(accounts\[0\]\.organization\.session_duration\)$/);
    expect(annotations[1]).toMatch(/^::error file=a\.yaml,line=5,col=7,title=ztsync%3A invalid config::unknown key/);
    // The plain lines are still there for the log.
    expect(result.stderr).toContain(`${join(dir, 'a.yaml')}:4:25: `);
  });

  it('prints no workflow commands outside GitHub Actions', async () => {
    const dir = await workspace({ 'a.yaml': bad });
    const result = await run(['validate', dir], { env: { GITHUB_STEP_SUMMARY: join(dir, 'summary.md') } });
    expect(result.code).toBe(1);
    expect(commandsIn(result.stderr + result.stdout)).toEqual([]);
    await expect(readFile(join(dir, 'summary.md'), 'utf8')).rejects.toThrow(/ENOENT/);
  });
});

describe('plan in GitHub Actions', () => {
  it('appends the markdown plan to the step summary, whatever the format asked for', async () => {
    em = await demoEmulator();
    const dir = await workspace({});
    await writeFile(join(dir, 'summary.md'), '# earlier step\n');
    const result = await ztsync(em, ['plan', EXAMPLES, '--format', 'json', '--detailed-exitcode'], { env: envFor(em, actionsEnv(dir)) });
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout).summary).toEqual({ create: 1, update: 3, noop: 2, error: 0, weakens: 8 }); // stdout is still just the plan
    const summary = await readFile(join(dir, 'summary.md'), 'utf8');
    expect(summary.startsWith(`# earlier step\n${MARKDOWN_MARKER}\n### ztsync plan\n`)).toBe(true);
    expect(tables(parseMarkdown(summary))[0]).toEqual([['create', 'update', 'unchanged', 'errors'], ['1', '3', '2', '0']]);
    expect(summary).not.toContain(SECRET_TOKEN);
    expect(result.stderr).toBe('');
  });

  it('a target that cannot be planned is an annotation where the target is written', async () => {
    em = await demoEmulator();
    const missing = 'abcdefabcdefabcdefabcdefabcdef12';
    const dir = await workspace({ 'a.yaml': `accounts:\n  - account_id: ${STAGING}\n    organization: { name: x }\n  - account_id: ${missing}\n    description: Gone\n    organization: { name: y }\n` });
    const result = await ztsync(em, ['plan', join(dir, 'a.yaml')], { env: envFor(em, actionsEnv(dir)) });
    expect(result.code).toBe(1);
    const annotations = result.stderr.split('\n').filter((l) => l.startsWith('::'));
    expect(annotations).toHaveLength(1);
    expect(annotations[0]).toMatch(new RegExp(`^::error file=a\\.yaml,line=4,col=5,title=ztsync%3A account ${missing} could not be planned::account ${missing} \\(Gone\\): .+`));
    expect(await readFile(join(dir, 'summary.md'), 'utf8')).toContain('| 0 | 1 | 0 | 1 |');
  });

  it('text from the config cannot issue workflow commands through the log', async () => {
    em = await demoEmulator();
    const dir = await workspace({
      'a.yaml': `accounts:\n  - account_id: ${STAGING}\n    description: "x\\n::set-output name=approved::true\\n##[add-mask]y"\n    organization: { name: x }\n`,
    });
    const result = await ztsync(em, ['plan', join(dir, 'a.yaml')], { env: envFor(em, actionsEnv(dir)) });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('set-output name=approved::true');
    expect(commandsIn(result.stdout + result.stderr)).toEqual([]);
    // The markdown in the step summary keeps it on one line, as text.
    const summary = await readFile(join(dir, 'summary.md'), 'utf8');
    expect(commandsIn(summary).filter((l) => l !== MARKDOWN_MARKER)).toEqual([]);
  });

  it('a plan cut to fit links to the run that holds the full plan', async () => {
    em = await demoEmulator();
    const dir = await workspace({});
    await ztsync(em, ['plan', EXAMPLES, '--format', 'markdown', '--out', join(dir, 'plan.md')], { env: envFor(em, actionsEnv(dir)) });
    // Not cut here, so no pointer: the pointer itself is checked in test/plan/markdown.test.ts.
    expect(await readFile(join(dir, 'plan.md'), 'utf8')).not.toContain('actions/runs/4242');
  });
});

describe('apply in GitHub Actions', () => {
  it('records each target\'s outcome in the step summary (the failed one with its reason, first), not the plan again, and annotates a failed target', async () => {
    em = await demoEmulator();
    // Research has no organization yet; creating it with Staging's auth_domain fails (auth_domain is unique).
    const dir = await workspace({
      'a.yaml': `accounts:\n  - account_id: ${RESEARCH}\n    organization:\n      name: Research\n      auth_domain: widgetcorps-staging.cloudflareaccess.com\n  - account_id: ${STAGING}\n    organization: { name: Staging renamed }\n`,
    });
    const result = await ztsync(em, ['apply', join(dir, 'a.yaml'), '--auto-approve'], { env: envFor(em, actionsEnv(dir)) });
    expect(result.code).toBe(1);
    expect(writes(em)).toBe(1);
    const annotations = result.stderr.split('\n').filter((l) => l.startsWith('::'));
    expect(annotations).toHaveLength(1);
    expect(annotations[0]).toMatch(new RegExp(`^::error file=a\\.yaml,line=2,col=5,title=ztsync%3A account ${RESEARCH} could not be applied::account ${RESEARCH}: organization failed: .*auth_domain`));
    const summary = await readFile(join(dir, 'summary.md'), 'utf8');
    expect(summary.startsWith('### ztsync apply\n\nApply: 1 applied, 0 unchanged, 1 failed.\n\n| Target | Outcome | Reason |\n| --- | --- | --- |\n')).toBe(true);
    const rows = summary.split('\n').filter((l) => l.startsWith('| account'));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(new RegExp(`^\\| account ${RESEARCH} \\| ✗ failed \\| \`organization: .*auth_domain.*\` \\|$`));
    expect(rows[1]).toBe(`| account ${STAGING} \\(Widget Corps Staging\\) | ✓ applied |  |`);
    // The plan is in the log and in the plan run's summary, not repeated here.
    expect(summary).not.toContain(MARKDOWN_MARKER);
  });
});

describe('blocked changes in GitHub Actions', () => {
  it('each is an annotation at the value that makes it; the change budget has no place', () => {
    const io = captureIo({ env: { GITHUB_ACTIONS: 'true', GITHUB_WORKSPACE: '/w' } });
    const plan = makePlan('https://x', [
      {
        scope: 'account',
        id: STAGING,
        description: null,
        source: { file: '/w/config/staging.yaml', line: 2, col: 5 },
        resources: [
          {
            type: 'organization',
            action: 'update',
            changes: [{ path: 'auth_domain', before: 'a.example', after: 'b.example', source: { file: '/w/config/staging.yaml', line: 6, col: 20, via: 'account' } }],
            managed: ['auth_domain'],
            desired: { auth_domain: 'b.example' },
            live: { auth_domain: 'a.example' },
          },
        ],
        error: null,
      },
    ]);
    plan.blocked.push(
      { rule: 'auth-domain-change', scope: 'account', id: STAGING, resource: 'organization', path: 'auth_domain', before: 'a.example', after: 'b.example', message: 'changing auth_domain signs everyone out' },
      { rule: 'max-changed-targets', scope: null, id: null, resource: null, path: null, before: null, after: null, message: '1 of 1 targets, over the budget of 0' },
    );
    githubActions(io).annotatePlan(plan);
    expect(io.err.join('').split('\n').filter(Boolean)).toEqual([
      `::error file=config/staging.yaml,line=6,col=20,title=ztsync%3A blocked by auth-domain-change::changing auth_domain signs everyone out (account ${STAGING}, auth_domain)`,
      '::error title=ztsync%3A blocked by max-changed-targets::1 of 1 targets, over the budget of 0',
    ]);
    expect(io.out).toEqual([]);
  });
});

describe('plan --markdown-out', () => {
  it('writes the markdown next to the JSON plan, from the same live read', async () => {
    em = await demoEmulator();
    const dir = await workspace({});
    const before = em.state.snapshot().counters.requests;
    const result = await ztsync(em, ['plan', EXAMPLES, '--format', 'json', '--out', join(dir, 'plan.json'), '--markdown-out', join(dir, 'plan.md')]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      `Plan: 1 to create, 3 to update, 2 unchanged, 0 errors. 8 changes weaken security (security drift).\nWrote the json plan to ${join(dir, 'plan.json')}\nWrote the markdown plan to ${join(dir, 'plan.md')}\n`,
    );
    const once = Object.values(em.state.snapshot().counters.requests).reduce((a, b) => a + b, 0) - Object.values(before).reduce((a, b) => a + b, 0);
    expect(once).toBe(6); // one GET per resource in the plan (1 create + 3 update + 2 unchanged): read once for both files
    const markdown = await readFile(join(dir, 'plan.md'), 'utf8');
    expect(markdown.startsWith(MARKDOWN_MARKER)).toBe(true);
    expect(JSON.parse(await readFile(join(dir, 'plan.json'), 'utf8')).summary).toEqual({ create: 1, update: 3, noop: 2, error: 0, weakens: 8 });
  });

  it('- is refused (it would be a file named -, or mix with the summary on stdout)', async () => {
    em = await demoEmulator();
    const result = await ztsync(em, ['plan', EXAMPLES, '--markdown-out', '-']);
    expect(result).toMatchObject({ code: 1, stdout: '', stderr: 'ztsync: --markdown-out takes a file; for the markdown plan on stdout use --format markdown\n' });
    expect(Object.keys(em.state.snapshot().counters.requests)).toEqual([]);
  });

  it('a directory that does not exist is refused before anything is read', async () => {
    em = await demoEmulator();
    const result = await ztsync(em, ['plan', EXAMPLES, '--markdown-out', '/nonexistent-dir/plan.md']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cannot write /nonexistent-dir/plan.md: the directory /nonexistent-dir does not exist');
    expect(Object.keys(em.state.snapshot().counters.requests)).toEqual([]);
  });
});
