// The command line: one file per command under commands/, wired here.

import { Command, CommanderError } from 'commander';
import { EXIT, Interrupted, UsageError, type Io } from './io.js';
import { applyCommand } from './commands/apply.js';
import { codifyCommand } from './commands/codify.js';
import { emulatorCommand } from './commands/emulator.js';
import { importCommand } from './commands/import.js';
import { revokeUserCommand } from './commands/revoke-user.js';
import { planCommand } from './commands/plan.js';
import { reportCommand } from './commands/report.js';
import { schemaCommand } from './commands/schema.js';
import { validateCommand } from './commands/validate.js';
import { VERSION } from './version.js';
import { outputIo } from './commands/shared/output.js';

export { VERSION };

export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('ztsync')
    .description('Cloudflare Zero Trust organization and DoH settings as code: validate, plan, apply.')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError('(run with --help for usage)');
  for (const make of [validateCommand, planCommand, reportCommand, applyCommand, codifyCommand, importCommand, revokeUserCommand, emulatorCommand, schemaCommand]) {
    program.addCommand(make(io, setExit).exitOverride().configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) }));
  }
  return program;
}

/** Run the CLI with the given arguments (without node and script); resolves to the exit code. */
export async function runCli(argv: string[], rawIo: Io): Promise<number> {
  // Credentials are masked out of everything printed, whatever its source; stderr's control characters are made visible.
  const io = outputIo(rawIo);
  let exitCode: number = EXIT.ok;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here with exit code 0; usage errors were already printed.
      return err.exitCode === 0 ? EXIT.ok : EXIT.error;
    }
    io.stderr.write(`ztsync: ${err instanceof UsageError || err instanceof Interrupted ? err.message : describeUnexpected(err)}\n`);
    return err instanceof Interrupted ? EXIT.interrupted : EXIT.error;
  }
}

function describeUnexpected(err: unknown): string {
  // Only the message: stacks and inspected objects may carry request options (and so credentials).
  return err instanceof Error ? err.message : String(err);
}
