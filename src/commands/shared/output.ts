// Everything a command prints or writes passes through here, so that no credential reaches a terminal, a log or
// a file, whatever produced the text (a server echoing the request, an error from a library, a config value),
// and no control character from such text reaches a terminal through stderr. One list of secrets
// (secretsFromEnv) serves both: what is printed is masked; what is saved or posted (a plan, a report, an import,
// the step summary) is refused rather than altered, since a masked value would be applied, or trusted, as `***`.

import { holdsSecret, maskSecrets, secretsFromEnv } from '../../cloudflare/credentials.js';
import { UsageError, type Io } from '../../io.js';
import { writeFileAtomicSync } from '../../util/atomic-write.js';
import { visibleLines } from '../../util/terminal.js';

/** The variables each run declared to hold per-target tokens (--credentials-env), by the Io the run prints through. */
const declaredByRun = new WeakMap<Io, string[]>();

/** The run's secret values: the credential variables of its environment, those it declared included. */
export function runSecrets(io: Io): string[] {
  return secretsFromEnv(io.env, declaredByRun.get(io) ?? []);
}

/** The run declared these variables to hold tokens (parsed from its options): their values are secrets too. */
export function declareCredentialVariables(io: Io, names: readonly string[]): void {
  const declared = declaredByRun.get(io);
  if (declared) declared.push(...names);
}

/**
 * The same Io, with the credentials of its environment masked out of stdout and stderr, and stderr made safe for
 * a terminal: it carries only messages (errors, warnings, progress), which quote config values, file names and API
 * answers, so every control character in it is made visible there, at one place (stdout carries exact outputs —
 * JSON, YAML, HTML — and coloured text plans, whose renderers escape what they show).
 */
export function outputIo(io: Io): Io {
  const declared: string[] = [];
  const mask = (text: unknown) => {
    const secrets = secretsFromEnv(io.env, declared);
    return secrets.length === 0 ? String(text) : maskSecrets(String(text), secrets);
  };
  const wrapped: Io = {
    ...io,
    stdout: { write: (text: string) => io.stdout.write(mask(text)) },
    stderr: { write: (text: string) => io.stderr.write(visibleLines(mask(text))), control: (sequence: string) => io.stderr.write(sequence) },
  };
  declaredByRun.set(wrapped, declared);
  return wrapped;
}

/** Write an output file atomically (a reader never sees half of it); one that would hold a credential is refused. */
export function writeOutputFile(io: Io, path: string, text: string): void {
  if (holdsSecret(text, runSecrets(io))) throw new UsageError(`${secretRefusal(path)}; nothing was written`);
  writeFileAtomicSync(path, text);
}

/** A UsageError when `text`, about to be saved as `what`, holds a credential (in any form holdsSecret knows). */
export function refuseSecrets(io: Io, what: string, text: string): void {
  if (holdsSecret(text, runSecrets(io))) throw new UsageError(secretRefusal(what));
}

function secretRefusal(what: string): string {
  return `refusing to write ${what}: an API credential appears in it (a config value or an API answer holds it)`;
}

/** Colour only on a terminal, and never when NO_COLOR is set (to anything). */
export function useColor(io: Io): boolean {
  return io.stdoutIsTTY && io.env.NO_COLOR === undefined && io.env.TERM !== 'dumb';
}
