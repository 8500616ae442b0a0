import { Command } from 'commander';
import { buildSchema } from '../config/index.js';
import type { Io } from '../io.js';

// Prints the JSON Schema of config files; schema/ztsync.schema.json is this output, committed.
export function schemaCommand(io: Io, _setExit: (code: number) => void): Command {
  return new Command('schema')
    .description('Print the JSON Schema of ztsync config files (the same as schema/ztsync.schema.json).')
    .addHelpText(
      'after',
      '\nEditors that use yaml-language-server check config files against it when a file starts with\n  # yaml-language-server: $schema=<path to>/schema/ztsync.schema.json\n',
    )
    .action(() => {
      io.stdout.write(schemaText());
    });
}

/** The schema as committed: 2-space JSON and a final newline. */
export function schemaText(): string {
  return `${JSON.stringify(buildSchema(), null, 2)}\n`;
}
