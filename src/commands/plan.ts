import { Command } from 'commander';
import type { Io } from '../io.js';

// Placeholder until the command lands; registered so the CLI shape is fixed.
export function planCommand(io: Io, setExit: (code: number) => void): Command {
  return new Command('plan').action(() => {
    io.stderr.write('ztsync plan: not implemented yet\n');
    setExit(1);
  });
}
