import { Command } from 'commander';
import type { Io } from '../io.js';

// Placeholder until the command lands; registered so the CLI shape is fixed.
export function schemaCommand(io: Io, setExit: (code: number) => void): Command {
  return new Command('schema').action(() => {
    io.stderr.write('ztsync schema: not implemented yet\n');
    setExit(1);
  });
}
