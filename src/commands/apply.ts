import { Command } from 'commander';
import type { Io } from '../io.js';

// Placeholder until the command lands; registered so the CLI shape is fixed.
export function applyCommand(io: Io, setExit: (code: number) => void): Command {
  return new Command('apply').action(() => {
    io.stderr.write('ztsync apply: not implemented yet\n');
    setExit(1);
  });
}
