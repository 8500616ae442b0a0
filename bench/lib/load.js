// Loading a generated config as the CLI does, for the rows that need a desired state.

import { formatDiagnostic, loadDesiredState } from '../../dist/config/index.js';
import { check } from './measure.js';

/** loadDesiredState, failing loudly on any diagnostic. */
export async function loadOrFail(dir, targets) {
  const { state, diagnostics } = await loadDesiredState([dir]);
  check(diagnostics.length === 0, `the generated config has ${diagnostics.length} diagnostics:\n  ${diagnostics.slice(0, 5).map(formatDiagnostic).join('\n  ')}`);
  check(state.targets.length === targets, `expected ${targets} targets, loaded ${state.targets.length}`);
  return state;
}
