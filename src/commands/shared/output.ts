// Everything a command prints or writes passes through here, so that no credential reaches a terminal, a log or
// a file, whatever produced the text (a server echoing the request, an error from a library, a config value),
// and no control character from such text reaches a terminal through stderr.

import { maskSecrets, secretsFromEnv } from '../../cloudflare/credentials.js';
import type { Io } from '../../io.js';
import { writeFileAtomicSync } from '../../util/atomic-write.js';
import { visibleLines } from '../../util/terminal.js';

/**
 * The same Io, with the credentials of its environment masked out of stdout and stderr, and stderr made safe for
 * a terminal: it carries only messages (errors, warnings, progress), which quote config values, file names and API
 * answers, so every control character in it is made visible there, at one place (stdout carries exact outputs —
 * JSON, YAML, HTML — and coloured text plans, whose renderers escape what they show).
 */
export function outputIo(io: Io): Io {
  const secrets = secretsFromEnv(io.env);
  const mask = (text: unknown) => (secrets.length === 0 ? String(text) : maskSecrets(String(text), secrets));
  return {
    ...io,
    stdout: { write: (text: string) => io.stdout.write(mask(text)) },
    stderr: { write: (text: string) => io.stderr.write(visibleLines(mask(text))), control: (sequence: string) => io.stderr.write(sequence) },
  };
}

/** Write an output file atomically (a reader never sees half of it), credentials masked. */
export function writeOutputFile(io: Io, path: string, text: string): void {
  writeFileAtomicSync(path, maskSecrets(text, secretsFromEnv(io.env)));
}

/** Colour only on a terminal, and never when NO_COLOR is set (to anything). */
export function useColor(io: Io): boolean {
  return io.stdoutIsTTY && io.env.NO_COLOR === undefined && io.env.TERM !== 'dumb';
}
