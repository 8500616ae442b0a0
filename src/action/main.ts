// The GitHub Action's entry (action.yml: runs.using node24, main action/dist/index.mjs, a bundle of this file and
// the whole CLI made by `npm run bundle`). The runner starts it with node in the workspace, the inputs in INPUT_*
// variables; it runs one ztsync command in this process, appends `exit-code=N` to $GITHUB_OUTPUT and leaves the
// step green only for the accepted exit codes. Nothing is installed or compiled when it runs.

import { appendFileSync, statSync } from 'node:fs';
import { runCli } from '../cli.js';
import { annotationCommand } from '../commands/shared/github.js';
import { EXIT } from '../io.js';
import { ignoreGoneReaders, processIo } from '../process-io.js';
import { readInputs } from './inputs.js';

const MEANINGS = '0 ok, 1 error, 2 changes, 3 blocked';

function fail(title: string, message: string): void {
  process.stdout.write(annotationCommand({ level: 'error', title, message }) + '\n');
}

/** The exit code as the step's output, for a later step to decide on (after posting the plan, say). */
function recordExitCode(code: number): void {
  const file = process.env.GITHUB_OUTPUT;
  if (file) appendFileSync(file, `exit-code=${code}\n`);
}

async function main(): Promise<number> {
  const read = readInputs(process.env);
  if (!read.ok) {
    fail('ztsync action', read.problem);
    return EXIT.error;
  }
  const { command, args, okExitCodes, workingDirectory } = read.inputs;
  try {
    if (!statSync(workingDirectory).isDirectory()) throw new Error('not a directory');
    process.chdir(workingDirectory);
  } catch {
    fail('ztsync action', `the working-directory input "${workingDirectory}" is not a directory`);
    return EXIT.error;
  }
  ignoreGoneReaders();
  const io = processIo((code) => {
    // A second cancel from the runner ends the run at once: the code is still recorded.
    recordExitCode(code);
    process.exit(code);
  });
  const code = await runCli([command, ...args], io);
  recordExitCode(code);
  if (okExitCodes.includes(code)) return EXIT.ok;
  fail('ztsync', `ztsync ${command} exited with code ${code} (${MEANINGS})`);
  return code;
}

process.exitCode = await main();
