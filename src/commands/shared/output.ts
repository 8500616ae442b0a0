// Everything a command prints or writes passes through here, so that no credential reaches a terminal, a log or
// a file, whatever produced the text (a server echoing the request, an error from a library, a config value).

import { maskSecrets, secretsFromEnv } from '../../cloudflare/credentials.js';
import type { Io } from '../../io.js';
import { writeFileAtomicSync } from '../../util/atomic-write.js';

/** The same Io, with the credentials of its environment masked out of stdout and stderr. */
export function maskedIo(io: Io): Io {
  const secrets = secretsFromEnv(io.env);
  if (secrets.length === 0) return io;
  const mask = (text: unknown) => maskSecrets(String(text), secrets);
  return {
    ...io,
    stdout: { write: (text: string) => io.stdout.write(mask(text)) },
    stderr: { write: (text: string) => io.stderr.write(mask(text)) },
  };
}

/** Write an output file atomically (a reader never sees half of it), credentials masked. */
export function writeOutputFile(io: Io, path: string, text: string): void {
  writeFileAtomicSync(path, maskSecrets(text, secretsFromEnv(io.env)));
}
