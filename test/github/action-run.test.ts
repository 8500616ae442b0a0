// The action as GitHub's runner runs a JavaScript action: `node <action folder>/<runs.main>` with the workspace as
// the working directory, every input in INPUT_<NAME> (defaults from action.yml filled in, as the runner does),
// GITHUB_OUTPUT, GITHUB_STEP_SUMMARY and GITHUB_ACTION_PATH set. The action's folder holds only action.yml and the
// committed bundle, outside the workspace, with no node_modules in it or anywhere above it: what runs is the
// bundle alone, against the emulator.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, parse as parsePath } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { ROOT, action, installAction } from '../helpers/action.js';
import { EXAMPLES, SECRET_TOKEN, demoEmulator, writes } from '../helpers/reconcile.js';


let em: RunningEmulator;
let actionPath: string;
beforeAll(async () => {
  em = await demoEmulator();
  actionPath = await installAction();
});
afterAll(async () => {
  await em?.close();
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** What the step wrote to $GITHUB_OUTPUT and $GITHUB_STEP_SUMMARY. */
  output: string;
  summary: string;
  workspace: string;
}

/** A fresh workspace with the example config in config/ (or under `configUnder`). */
async function workspace(configUnder = ''): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ztsync-workspace-'));
  cpSync(EXAMPLES, join(dir, configUnder, 'config'), { recursive: true });
  return dir;
}

async function runAction(inputs: Record<string, string>, options: { emulator?: RunningEmulator; workspace?: string } = {}): Promise<Run> {
  const ws = options.workspace ?? (await workspace());
  const runner = await mkdtemp(join(tmpdir(), 'ztsync-runner-'));
  const outputFile = join(runner, 'github-output');
  const summaryFile = join(runner, 'step-summary');
  await writeFile(outputFile, '');
  await writeFile(summaryFile, '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: ws,
    GITHUB_ACTION_PATH: actionPath,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    CLOUDFLARE_API_TOKEN: SECRET_TOKEN,
    CLOUDFLARE_BASE_URL: (options.emulator ?? em).url,
  };
  // The runner passes every input, a default where the workflow gave none: upper-cased, hyphens kept.
  for (const [name, input] of Object.entries(action.inputs)) {
    const value = inputs[name] ?? input.default;
    if (value !== undefined) env[`INPUT_${name.toUpperCase()}`] = value;
  }
  return new Promise((resolve) => {
    execFile(process.execPath, [join(actionPath, action.runs.main)], { env, cwd: ws }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr, output: readFileSync(outputFile, 'utf8'), summary: readFileSync(summaryFile, 'utf8'), workspace: ws });
    });
  });
}

describe('the action as the runner runs it', () => {
  it('has nothing to lean on: its folder holds action.yml and the bundle, no node_modules in it or above it', () => {
    const files = readdirSync(actionPath, { recursive: true, encoding: 'utf8' }).filter((path) => statSync(join(actionPath, path)).isFile());
    expect(files.sort()).toEqual(['action.yml', action.runs.main].sort());
    for (let dir = actionPath; ; dir = dirname(dir)) {
      expect(existsSync(join(dir, 'node_modules')), dir).toBe(false);
      if (dir === parsePath(dir).root) break;
    }
  });

  it('runs the command with the args, records the exit code, writes the step summary, and keeps the step green on an accepted code', async () => {
    const run = await runAction({ command: 'plan', args: 'config\n  --format json --out plan.json --markdown-out plan.md --detailed-exitcode', 'ok-exit-codes': '0 2' });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.output).toBe('exit-code=2\n');
    expect(JSON.parse(await readFile(join(run.workspace, 'plan.json'), 'utf8')).summary.update).toBe(3);
    expect((await readFile(join(run.workspace, 'plan.md'), 'utf8')).startsWith('<!-- ztsync-plan -->')).toBe(true);
    expect(run.summary).toContain('session_duration');
    expect(run.stdout + run.stderr + run.summary).not.toContain(SECRET_TOKEN);
    expect(writes(em)).toBe(0);

    // The next step of the job: the HTML report from that plan (the report's assets are in the bundle too).
    const report = await runAction({ command: 'report', args: '--plan plan.json --out report.html' }, { workspace: run.workspace });
    expect(report.code).toBe(0);
    expect(report.output).toBe('exit-code=0\n');
    expect(await readFile(join(run.workspace, 'report.html'), 'utf8')).toMatch(/^<!doctype html>/i);
  });

  it('fails the step with ztsync exit code when it is not accepted, and says so', async () => {
    const run = await runAction({ command: 'plan', args: 'config --detailed-exitcode' });
    expect(run.code).toBe(2);
    expect(run.output).toBe('exit-code=2\n');
    expect(run.stdout).toContain('::error title=ztsync::ztsync plan exited with code 2 (0 ok, 1 error, 2 changes, 3 blocked)');
    expect(run.stdout + run.stderr).not.toContain(SECRET_TOKEN);
  });

  it('runs in the working-directory input, where the args are relative to it', async () => {
    const ws = await workspace('infra/cloudflare');
    const run = await runAction({ command: 'plan', args: 'config --format json --out plan.json', 'working-directory': 'infra/cloudflare' }, { workspace: ws });
    expect(run.code).toBe(0);
    expect(run.output).toBe('exit-code=0\n');
    expect(existsSync(join(ws, 'infra/cloudflare/plan.json'))).toBe(true);

    const missing = await runAction({ command: 'plan', args: 'config', 'working-directory': 'nowhere' }, { workspace: ws });
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe('::error title=ztsync action::the working-directory input "nowhere" is not a directory\n');
    expect(missing.output).toBe('');
  });

  it('applies, with its outcome in the step summary', async () => {
    const own = await demoEmulator();
    try {
      const run = await runAction({ command: 'apply', args: 'config --auto-approve' }, { emulator: own });
      expect(run.code).toBe(0);
      expect(run.output).toBe('exit-code=0\n');
      expect(writes(own)).toBeGreaterThan(0);
      expect(run.summary).toContain('### ztsync apply');
      expect(run.stdout + run.stderr + run.summary).not.toContain(SECRET_TOKEN);
      // Nothing left to do afterwards: the default ok-exit-codes (0) keep the step green.
      const again = await runAction({ command: 'plan', args: 'config --detailed-exitcode' }, { emulator: own });
      expect([again.code, again.output]).toEqual([0, 'exit-code=0\n']);
    } finally {
      await own.close();
    }
  });

  it('passes args as words, never through a shell, and refuses an unknown command or exit code', async () => {
    const run = await runAction({ command: 'validate', args: '$(touch pwned) `touch pwned2` ; touch pwned3 * config' });
    expect(run.code).toBe(1);
    expect(run.output).toBe('exit-code=1\n');
    expect(run.stderr).toContain('$(touch: no such file or directory');
    for (const name of ['pwned', 'pwned2', 'pwned3', ')']) expect(existsSync(join(run.workspace, name))).toBe(false);

    const unknown = await runAction({ command: 'rm -rf /' });
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toBe('::error title=ztsync action::the command input must be validate, plan, apply or report\n');
    expect(unknown.output).toBe('');

    // Not a command ztsync has, but not one for a workflow either (it starts a server).
    expect((await runAction({ command: 'emulator' })).stdout).toContain('the command input must be');

    const badCodes = await runAction({ command: 'validate', args: 'config', 'ok-exit-codes': '0 $(id)%0A' });
    expect(badCodes.code).toBe(1);
    expect(badCodes.stdout).toBe('::error title=ztsync action::ok-exit-codes must be exit codes (0 to 255) separated by spaces, not "$(id)%250A"\n');
    expect(badCodes.output).toBe('');
  });
});
