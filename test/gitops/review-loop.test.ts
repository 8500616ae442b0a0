// The GitOps loop tried as a new user would, in a config repository of their own, with the emulator as Cloudflare:
// the example workflows' own steps (their args and inline scripts as written, `${{ … }}` filled in as the runner
// would) run as GitHub's runner runs them — the committed action bundle from a folder outside the workspace, inputs
// in INPUT_*, GITHUB_ACTIONS=true — with a dashboard edit between the pull request's plan and the merge.
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { ROOT, action, installAction } from '../helpers/action.js';
import { EXAMPLES, PRODUCTION, SECRET_TOKEN, demoEmulator, liveAccount, writes } from '../helpers/reconcile.js';

const WORKFLOWS = join(ROOT, 'examples/github/workflows');

interface Step {
  name: string;
  uses?: string;
  with?: Record<string, string>;
  env?: Record<string, string>;
}
interface Workflow {
  jobs: Record<string, { steps: Step[] }>;
}
const workflow = (file: string) => parse(readFileSync(join(WORKFLOWS, file), 'utf8')) as Workflow;
const step = (file: string, job: string, name: RegExp): Step => {
  const found = workflow(file).jobs[job]!.steps.find((s) => name.test(s.name));
  if (!found) throw new Error(`${file} ${job}: no step ${name}`);
  return found;
};

/** `${{ expr }}` as the runner would fill it in for this run; an expression the test does not know fails it. */
function fill(text: string, context: Record<string, string>): string {
  return text.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expr: string) => {
    if (!(expr in context)) throw new Error(`the test does not know \${{ ${expr} }}`);
    return context[expr]!;
  });
}

let em: RunningEmulator;
let actionPath: string;
beforeAll(async () => {
  em = await demoEmulator();
  actionPath = await installAction();
});
afterAll(async () => {
  await em?.close();
});

interface StepRun {
  code: number;
  stdout: string;
  stderr: string;
  exitCode: string;
  summary: string;
}

/** A ztsync step of a workflow, run as the runner runs the action, in `workspace`, with a fresh RUNNER_TEMP of the job. */
async function runStep(s: Step, workspace: string, context: Record<string, string>, token = SECRET_TOKEN): Promise<StepRun> {
  const runner = await mkdtemp(join(tmpdir(), 'ztsync-runner-'));
  const [output, summary] = [join(runner, 'output'), join(runner, 'summary')];
  await writeFile(output, '');
  await writeFile(summary, '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_ACTION_PATH: actionPath,
    GITHUB_OUTPUT: output,
    GITHUB_STEP_SUMMARY: summary,
    RUNNER_TEMP: context['runner.temp']!,
    CLOUDFLARE_BASE_URL: em.url,
  };
  // The step's env as written: the secret it names is the token of this run.
  for (const [name, value] of Object.entries(s.env ?? {})) env[name] = /secrets\./.test(value) ? token : fill(value, context);
  for (const [name, input] of Object.entries(action.inputs)) {
    const value = s.with?.[name] ?? input.default;
    if (value !== undefined) env[`INPUT_${name.toUpperCase()}`] = fill(String(value), context);
  }
  return new Promise((resolve) => {
    execFile(process.execPath, [join(actionPath, action.runs.main)], { env, cwd: workspace }, (error, stdout, stderr) => {
      const exitCode = /exit-code=(\d+)/.exec(readFileSync(output, 'utf8'))?.[1] ?? '';
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr, exitCode, summary: readFileSync(summary, 'utf8') });
    });
  });
}

/** A github-script step's script, run with its env (filled in) and stand-ins for `github` and `context` that record the calls. */
async function runScript(s: Step, context: Record<string, string>, listed: Array<{ id?: number; number?: number; user: { login: string }; body: string }> = []) {
  const calls: Array<{ method: string; args: Record<string, unknown> }> = [];
  const record = (method: string) => async (args: Record<string, unknown>) => void calls.push({ method, args });
  const github = {
    // Comments of a pull request, or open issues: what the test lists.
    paginate: async () => listed,
    rest: {
      issues: {
        listComments: () => undefined,
        listForRepo: () => undefined,
        createComment: record('createComment'),
        updateComment: record('updateComment'),
        create: record('create'),
        update: record('update'),
      },
    },
  };
  const core = { setOutput: () => undefined, setFailed: (message: string) => void calls.push({ method: 'setFailed', args: { message } }) };
  const saved = { ...process.env };
  Object.assign(process.env, Object.fromEntries(Object.entries(s.env ?? {}).map(([k, v]) => [k, fill(v, context)])));
  try {
    const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...args: string[]) => (...values: unknown[]) => Promise<void>;
    await new AsyncFunction('require', 'github', 'context', 'core', s.with!.script!)(
      (await import('node:module')).createRequire(import.meta.url),
      github,
      { repo: { owner: 'widgetcorps', repo: 'zt-config' }, issue: { number: 7 } },
      core,
    );
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
  return calls;
}

const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'user.email=ci@example.com', '-c', 'user.name=ci', ...args], { cwd, encoding: 'utf8' }).trim();

describe('the review loop in a config repository of its own', () => {
  it('plan on the PR, a dashboard edit, merge: the stale target is refused, nothing written, the PR is told how to go on; the manual run applies', async () => {
    // The repository: config/ on main, in sync with live; a pull request changes Production's sessions.
    const repo = await mkdtemp(join(tmpdir(), 'ztsync-config-repo-'));
    cpSync(EXAMPLES, join(repo, 'config'), { recursive: true });
    git(repo, 'init', '-q', '-b', 'main');
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'config');
    const sync = await runStep({ name: 'sync', with: { command: 'apply', args: 'config --auto-approve' }, env: { CLOUDFLARE_API_TOKEN: '${{ secrets.X }}' } }, repo, { 'runner.temp': repo });
    expect(sync.code).toBe(0);
    const base = git(repo, 'rev-parse', 'HEAD');
    git(repo, 'checkout', '-qb', 'pr-7');
    const production = join(repo, 'config/production.yaml');
    await writeFile(production, (await readFile(production, 'utf8')).replace(/session_duration: 12h.*\n/, 'session_duration: 8h\n'));
    // A plan.json committed by the pull request is never what gets uploaded.
    await writeFile(join(repo, 'plan.json'), '{"forged": true}\n');
    git(repo, 'commit', '-qam', 'Production sessions 8h');
    const head = git(repo, 'rev-parse', 'HEAD');
    git(repo, 'worktree', 'add', '-q', '.ztsync-baseline', base);

    // ztsync-plan.yml, job plan: validate, then plan into $RUNNER_TEMP.
    const prTemp = await mkdtemp(join(tmpdir(), 'ztsync-runner-temp-'));
    const prContext = { 'runner.temp': prTemp, 'github.event.pull_request.head.sha': head };
    expect((await runStep(step('ztsync-plan.yml', 'plan', /^Validate/), repo, prContext)).code).toBe(0);
    const planned = await runStep(step('ztsync-plan.yml', 'plan', /^Plan$/), repo, prContext);
    expect(planned.stderr).not.toContain('cannot write');
    expect([planned.code, planned.exitCode]).toEqual([0, '2']);
    const saved = JSON.parse(await readFile(join(prTemp, 'plan.json'), 'utf8'));
    expect(saved.coverage.config_commit).toBe(head);
    const planMd = await readFile(join(prTemp, 'plan.md'), 'utf8');
    expect(planMd).toContain('`session_duration` | `"12h"` | `"8h"`');
    // The files the upload step names are the ones ztsync wrote in this run.
    const upload = step('ztsync-plan.yml', 'plan', /^Upload the saved plan/);
    expect(fill(upload.with!.path!, prContext).trim().split('\n')).toEqual([join(prTemp, 'plan.json'), join(prTemp, 'plan.md')]);
    expect(fill(upload.with!.name!, { 'github.event.pull_request.number': '7', 'github.event.pull_request.head.sha': head })).toBe(`ztsync-plan-pr7-${head}`);

    // job comment: the sticky comment (found by the bot's login) is replaced by the plan; a person's comment with the marker is left alone.
    const commentTemp = await mkdtemp(join(tmpdir(), 'ztsync-runner-temp-'));
    await mkdir(join(commentTemp, 'pr-plan'));
    await copyFile(join(prTemp, 'plan.md'), join(commentTemp, 'pr-plan/plan.md'));
    const commentContext = {
      'runner.temp': commentTemp,
      'needs.plan.outputs.validated': 'success',
      'needs.plan.outputs.exit-code': '2',
      'github.event.pull_request.head.sha': head,
      'github.server_url': 'https://github.com',
      'github.repository': 'widgetcorps/zt-config',
      'github.run_id': '42',
    };
    const sticky = step('ztsync-plan.yml', 'comment', /sticky comment/);
    const existing = [
      { id: 1, user: { login: 'mallory' }, body: '<!-- ztsync-plan -->\nall good, approve' },
      { id: 2, user: { login: 'github-actions[bot]' }, body: '<!-- ztsync-plan -->\nan older plan' },
    ];
    const posted = await runScript(sticky, commentContext, existing);
    expect(posted).toEqual([{ method: 'updateComment', args: { owner: 'widgetcorps', repo: 'zt-config', comment_id: 2, body: planMd } }]);
    // Validation failed on a later push: the sticky comment says so instead of keeping the outdated plan up.
    const failed = await runScript(sticky, { ...commentContext, 'needs.plan.outputs.validated': 'failure', 'needs.plan.outputs.exit-code': '' }, existing);
    expect(failed[0]!.args.body).toContain(`validation failed at ${head}: see the annotations`);
    expect(failed[0]!.args.comment_id).toBe(2);

    // A colleague sets Production's sessions to 6h in the dashboard before the merge.
    const edit = await fetch(`${em.url.replace(/\/client\/v4$/, '')}/__emulator/accounts/${PRODUCTION}/organization`, {
      method: 'PATCH',
      // The emulator's admin routes take its token like its API.
      headers: { authorization: `Bearer ${SECRET_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ actor: { email: 'colleague@example.com' }, set: { session_duration: '6h' } }),
    });
    expect(edit.ok, await edit.clone().text()).toBe(true);

    // Merged. ztsync-apply.yml, job apply-reviewed: the downloaded artifact, applied against the merged config.
    git(repo, 'checkout', '-q', 'main');
    git(repo, 'merge', '-q', '--no-ff', 'pr-7', '-m', 'Merge pull request #7');
    const applyTemp = await mkdtemp(join(tmpdir(), 'ztsync-runner-temp-'));
    await mkdir(join(applyTemp, 'reviewed'));
    await copyFile(join(prTemp, 'plan.json'), join(applyTemp, 'reviewed/plan.json'));
    const writesBefore = writes(em);
    const applied = await runStep(step('ztsync-apply.yml', 'apply-reviewed', /^Apply exactly the reviewed plan/), repo, { 'runner.temp': applyTemp });
    expect(applied.code).toBe(1);
    expect(writes(em)).toBe(writesBefore);
    expect(liveAccount(em, PRODUCTION).organization?.session_duration).toBe('6h');
    const refusal = `account ${PRODUCTION} (Production): refused: the live state moved since the plan, nothing was written: organization.session_duration: "12h" when planned, now "6h"; plan again`;
    expect(applied.stdout).toContain(refusal);
    expect(applied.stdout).toContain('Plan just those again, to review before applying');
    expect(applied.stdout + applied.stderr).not.toContain('\\n');
    expect(applied.summary).toContain('| ✗ failed |');
    expect(applied.summary).not.toContain('<!-- ztsync-plan -->');

    // The comment on the merged pull request: what moved, and how to go on.
    const say = step('ztsync-apply.yml', 'apply-reviewed', /^Say on the pull request/);
    const said = await runScript(say, {
      'steps.find.outputs.pr': '7',
      'steps.find.outcome': 'success',
      'runner.temp': applyTemp,
      'github.sha': git(repo, 'rev-parse', 'HEAD'),
      'github.server_url': 'https://github.com',
      'github.repository': 'widgetcorps/zt-config',
      'github.run_id': '43',
    });
    expect(said).toHaveLength(1);
    expect(said[0]!.args.issue_number).toBe(7);
    const body = String(said[0]!.args.body);
    expect(body).toContain(`- account \`${PRODUCTION}\`: failed — \`refused: the live state moved since the plan, nothing was written: organization.session_duration: "12h" when planned, now "6h"`);
    expect(body).toContain('run the apply workflow by hand');
    expect(body).not.toContain(SECRET_TOKEN);

    // How to go on: the manual run plans (the summary shows 6h → 8h), its reviewers approve, that saved plan is applied.
    const manualTemp = await mkdtemp(join(tmpdir(), 'ztsync-runner-temp-'));
    const manualPlan = await runStep(step('ztsync-apply.yml', 'plan', /^Plan/), repo, { 'runner.temp': manualTemp });
    expect([manualPlan.code, manualPlan.exitCode]).toEqual([0, '2']);
    expect(manualPlan.summary).toContain('`session_duration` | `"6h"` | `"8h"`');
    const approvedTemp = await mkdtemp(join(tmpdir(), 'ztsync-runner-temp-'));
    await mkdir(join(approvedTemp, 'approved'));
    await copyFile(join(manualTemp, 'plan.json'), join(approvedTemp, 'approved/plan.json'));
    const manualApply = await runStep(step('ztsync-apply.yml', 'apply', /^Apply exactly the approved plan/), repo, { 'runner.temp': approvedTemp });
    expect(manualApply.stderr).not.toMatch(/refus/);
    expect(manualApply.code).toBe(0);
    expect(liveAccount(em, PRODUCTION).organization?.session_duration).toBe('8h');
  }, 60_000);
  it('drift: the shards save their plans, ztsync gives the verdict, the issue is never closed on a failure; correction skips what is blocked', async () => {
    const repo = await mkdtemp(join(tmpdir(), 'ztsync-config-repo-'));
    cpSync(EXAMPLES, join(repo, 'config'), { recursive: true });
    const file = 'ztsync-drift.yml';
    const shardPlan = step(file, 'plan', /^Plan$/);
    const reportTemp = await mkdtemp(join(tmpdir(), 'ztsync-runner-temp-'));
    /** The matrix's shards, each on its own runner; the artifact of each that saved a plan lands in shards/<name>/. */
    const shards = async (tokenOf: (shard: number) => string) => {
      for (const shard of [1, 2, 3, 4]) {
        const temp = await mkdtemp(join(tmpdir(), 'ztsync-runner-temp-'));
        const ran = await runStep(shardPlan, repo, { 'runner.temp': temp, 'matrix.shard': String(shard) }, tokenOf(shard));
        const into = join(reportTemp, 'shards', `ztsync-drift-shard-${shard}`);
        await mkdir(into, { recursive: true });
        await copyFile(join(temp, 'plan.json'), join(into, 'plan.json')).catch(() => expect(ran.code).toBe(1));
      }
    };
    const check = async () => {
      const ran = await runStep(step(file, 'report', /^Drift check/), repo, { 'runner.temp': reportTemp });
      expect(ran.code).toBe(0); // 0, 1 and 2 are all ok-exit-codes: the issue step decides
      return ran.exitCode;
    };
    const issueStep = step(file, 'report', /drift issue/);
    const context = (verdict: string) => ({
      'steps.check.outputs.exit-code': verdict,
      'runner.temp': reportTemp,
      'github.server_url': 'https://github.com',
      'github.repository': 'widgetcorps/zt-config',
      'github.run_id': '44',
    });
    const openIssue = [{ number: 3, user: { login: 'github-actions[bot]' }, body: '<!-- ztsync-drift -->\nolder' }];

    // Live is in sync. One shard's token has expired: no plan from it, so the check FAILED, never "no drift".
    expect((await runStep({ name: 'sync', with: { command: 'apply', args: 'config --auto-approve' }, env: { CLOUDFLARE_API_TOKEN: '${{ secrets.X }}' } }, repo, { 'runner.temp': repo })).code).toBe(0);
    await shards((shard) => (shard === 2 ? 'expired-token-0123456789' : SECRET_TOKEN));
    expect(await check()).toBe('1');
    const failed = await runScript(issueStep, context('1'), openIssue);
    expect(failed.map((c) => c.method)).toEqual(['update', 'setFailed']);
    expect(String(failed[0]!.args.body)).toContain('FAILED');
    expect(failed[0]!.args).toMatchObject({ issue_number: 3, title: 'ztsync: the drift check failed' });

    // Drift: a dashboard edit turns deny_unmatched_requests off in Production.
    await rm(join(reportTemp, 'shards'), { recursive: true });
    const edit = await fetch(`${em.url.replace(/\/client\/v4$/, '')}/__emulator/accounts/${PRODUCTION}/organization`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${SECRET_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ actor: { email: 'colleague@example.com' }, set: { deny_unmatched_requests: false } }),
    });
    expect(edit.ok, await edit.clone().text()).toBe(true);
    await shards(() => SECRET_TOKEN);
    expect(await check()).toBe('2');
    const drift = await runScript(issueStep, context('2'), []);
    expect(drift.map((c) => c.method)).toEqual(['create']);
    expect(drift[0]!.args).toMatchObject({ title: 'ztsync: live settings drifted from the config', labels: ['ztsync-drift'] });
    expect(String(drift[0]!.args.body)).toContain('deny_unmatched_requests');

    // The opt-in correction, then the next check: no drift, and only then is the issue closed.
    const corrected = await runStep(step(file, 'apply', /^Correct the drift/), repo, { 'runner.temp': reportTemp });
    expect(corrected.code).toBe(0);
    expect(liveAccount(em, PRODUCTION).organization?.deny_unmatched_requests).toBe(true);
    await rm(join(reportTemp, 'shards'), { recursive: true });
    await shards(() => SECRET_TOKEN);
    expect(await check()).toBe('0');
    const clean = await runScript(issueStep, context('0'), openIssue);
    expect(clean.map((c) => c.method)).toEqual(['createComment', 'update']);
    expect(clean[1]!.args).toMatchObject({ issue_number: 3, state: 'closed' });
  }, 120_000);
});
