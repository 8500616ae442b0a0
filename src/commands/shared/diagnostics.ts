// Config problems and warnings as a command prints them: on stderr as `file:line:col: message (path)`, and as
// annotations on their lines when run in GitHub Actions.

import { formatDiagnostic, type Diagnostic } from '../../config/model.js';
import type { Io } from '../../io.js';
import { githubActions } from './github.js';

export function printDiagnostics(io: Io, diagnostics: readonly Diagnostic[]): void {
  const github = githubActions(io);
  for (const d of diagnostics) io.stderr.write(github.guard(formatDiagnostic(d) + '\n'));
}

/** An invalid config: every problem, annotated and printed, and that nothing was read. */
export function reportInvalidConfig(io: Io, diagnostics: readonly Diagnostic[]): void {
  githubActions(io).annotateDiagnostics(diagnostics);
  printDiagnostics(io, diagnostics);
  io.stderr.write(`${diagnostics.length} ${diagnostics.length === 1 ? 'error' : 'errors'} in the config; nothing was read or changed\n`);
}
