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

process.exitCode = await runCli(process.argv.slice(2), io);
