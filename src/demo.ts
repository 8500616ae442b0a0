// `npm run demo`: the whole cycle against the emulator, in-process, seeded from examples/ —
// validate, plan (changes), apply, plan again (no changes). No Cloudflare account needed.

import { randomBytes } from 'node:crypto';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import pc from 'picocolors';
import { runCli } from './cli.js';
import { loadSeedFile, startEmulator } from './emulator/index.js';
import { EXIT, type Io } from './io.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const configDir = relative(process.cwd(), `${root}examples/config`) || '.';
const seedFile = `${root}examples/emulator-seed.yaml`;

const color = Boolean(process.stdout.isTTY) && process.env.NO_COLOR === undefined;
const c = pc.createColors(color);
// A throwaway token that only this emulator accepts: the demo never holds a real credential.
const token = randomBytes(16).toString('hex');

const emulator = await startEmulator({ port: 0, seed: await loadSeedFile(seedFile), token });
const io: Io = {
  stdout: process.stdout,
  stderr: process.stderr,
  env: { ...process.env, CLOUDFLARE_API_TOKEN: token, CLOUDFLARE_BASE_URL: emulator.url, CLOUDFLARE_API_KEY: undefined, CLOUDFLARE_EMAIL: undefined },
  stdoutIsTTY: color,
  stdinIsTTY: false,
  prompt: async () => '',
  stopSignal: () => new Promise(() => {}),
  exit: (code) => process.exit(code),
};

const steps: Array<{ title: string; argv: string[]; expect: number }> = [
  { title: 'Validate the config against the schema and the API rules', argv: ['validate', configDir], expect: EXIT.ok },
  { title: 'Plan: read live state and diff (exit 2 = changes)', argv: ['plan', configDir, '--detailed-exitcode'], expect: EXIT.changes },
  { title: 'Apply the plan', argv: ['apply', configDir, '--auto-approve'], expect: EXIT.ok },
  { title: 'Plan again: nothing left to do (exit 0)', argv: ['plan', configDir, '--detailed-exitcode'], expect: EXIT.ok },
];

let failed = false;
try {
  process.stdout.write(c.dim(`Emulated Cloudflare API at ${emulator.url} (seeded from examples/emulator-seed.yaml)\n`));
  for (const step of steps) {
    process.stdout.write(`\n${c.bold(c.cyan(`== ${step.title}`))}\n${c.dim(`$ ztsync ${step.argv.join(' ')}`)}\n\n`);
    const code = await runCli(step.argv, io);
    const ok = code === step.expect;
    process.stdout.write(c.dim(`\n(exit ${code})`) + (ok ? '' : c.red(` — expected ${step.expect}`)) + '\n');
    if (!ok) {
      failed = true;
      break;
    }
  }
  const { counters } = emulator.state.snapshot();
  process.stdout.write(`\n${c.bold(failed ? c.red('Demo failed.') : c.green('Demo complete.'))} The emulator answered ${totalRequests(counters.requests)} requests, ${counters.writes} of them writes.\n`);
} finally {
  await emulator.close();
}
process.exitCode = failed ? 1 : 0;

function totalRequests(requests: Record<string, number>): number {
  return Object.values(requests).reduce((sum, n) => sum + n, 0);
}
