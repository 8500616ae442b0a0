// The composite action's run step (action/run.sh) as GitHub runs it: bash, the inputs in env, the CLI at
// $GITHUB_ACTION_PATH/dist/bin.js (here a launcher of the sources), its exit code in $GITHUB_OUTPUT.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { EXAMPLES, SECRET_TOKEN, demoEmulator, writes } from '../helpers/reconcile.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCRIPT = join(ROOT, 'action/run.sh');

let em: RunningEmulator;
let actionPath: string;
beforeAll(async () => {
  em = await demoEmulator();
  actionPath = await mkdtemp(join(tmpdir(), 'ztsync-action-'));
  await mkdir(join(actionPath, 'dist'));
  const tsx = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/esm/api/index.mjs')).href;
  const bin = pathToFileURL(join(ROOT, 'src/bin.ts')).href;
  await writeFile(join(actionPath, 'dist/bin.js'), `import { register } from ${JSON.stringify(tsx)};\nregister();\nawait import(${JSON.stringify(bin)});\n`);
});
afterAll(async () => {
  await em?.close();
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  output: string;
  dir: string;
}

async function runAction(inputs: { command: string; args?: string; ok?: string }): Promise<Run> {
  const dir = await mkdtemp(join(tmpdir(), 'ztsync-action-run-'));
  const outputFile = join(dir, 'github-output');
  await writeFile(outputFile, '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    GITHUB_ACTION_PATH: actionPath,
    GITHUB_OUTPUT: outputFile,
    INPUT_COMMAND: inputs.command,
    INPUT_ARGS: inputs.args ?? '',
    CLOUDFLARE_API_TOKEN: SECRET_TOKEN,
    CLOUDFLARE_BASE_URL: em.url,
  };
  if (inputs.ok !== undefined) env.INPUT_OK_EXIT_CODES = inputs.ok;
  return new Promise((resolve) => {
    execFile('bash', [SCRIPT], { env, cwd: dir }, (error, stdout, stderr) => {
      void readFile(outputFile, 'utf8').then((output) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr, output, dir }));
    });
  });
}

describe('the action run step', () => {
  it('runs the command with the args, records the exit code, and keeps the step green on an accepted code', async () => {
    const run = await runAction({ command: 'plan', args: `${EXAMPLES}\n  --format json --out plan.json --markdown-out plan.md --detailed-exitcode`, ok: '0 2' });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.output).toBe('exit-code=2\n');
    expect(JSON.parse(await readFile(join(run.dir, 'plan.json'), 'utf8')).summary.update).toBe(3);
    expect((await readFile(join(run.dir, 'plan.md'), 'utf8')).startsWith('<!-- ztsync-plan -->')).toBe(true);
    expect(writes(em)).toBe(0);
  });

  it('fails the step with ztsync exit code when it is not accepted, and says so', async () => {
    const run = await runAction({ command: 'plan', args: `${EXAMPLES} --detailed-exitcode` });
    expect(run.code).toBe(2);
    expect(run.output).toBe('exit-code=2\n');
    expect(run.stdout).toContain('::error title=ztsync::ztsync plan exited with code 2 (0 ok, 1 error, 2 changes, 3 blocked)');
    expect(run.stdout + run.stderr).not.toContain(SECRET_TOKEN);
  });

  it('passes args as words, never through a shell, and refuses an unknown command', async () => {
    const run = await runAction({ command: 'validate', args: '$(touch pwned) `touch pwned2` ; touch pwned3 *' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('$(touch: no such file or directory');
    for (const name of ['pwned', 'pwned2', 'pwned3', ')']) expect(existsSync(join(run.dir, name))).toBe(false);

    const unknown = await runAction({ command: 'rm -rf /' });
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toBe('::error title=ztsync action::the command input must be validate, plan, apply or report\n');
    expect(unknown.output).toBe('');
  });
});
