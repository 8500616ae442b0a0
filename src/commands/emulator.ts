import { Command } from 'commander';
import type { Io } from '../io.js';

// Placeholder until the command lands; registered so the CLI shape is fixed.
export function emulatorCommand(io: Io, setExit: (code: number) => void): Command {
  return new Command('emulator').action(() => {
    io.stderr.write('ztsync emulator: not implemented yet\n');
    setExit(1);
  });
}
