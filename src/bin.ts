#!/usr/bin/env node
import { createInterface } from 'node:readline/promises';
import { runCli } from './cli.js';
import type { Io } from './io.js';

const io: Io = {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  stdoutIsTTY: Boolean(process.stdout.isTTY),
  stdinIsTTY: Boolean(process.stdin.isTTY),
  stderrIsTTY: Boolean(process.stderr.isTTY),
  async prompt(question) {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      return await rl.question(question);
    } finally {
      rl.close();
    }
  },
  stopSignal: () =>
    new Promise((resolve) => {
      const stop = (signal: string) => resolve(signal);
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    }),
};

// A reader that went away (`ztsync plan … | head`) is not a failure of ours: stop writing to it, but finish the
// work (an apply in flight must still complete and read back), and end with the command's own exit code.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
}

process.exitCode = await runCli(process.argv.slice(2), io);
