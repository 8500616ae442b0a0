import { Command } from 'commander';
import type { Io } from '../io.js';

// Placeholder until the command lands; registered so the CLI shape is fixed.
export function validateCommand(io: Io, setExit: (code: number) => void): Command {
  return new Command('validate').action(() => {
    io.stderr.write('ztsync validate: not implemented yet\n');
    setExit(1);
  });
}
