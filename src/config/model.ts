// The desired state, as loaded from YAML and merged with defaults: what the plan compares with live state.

import type { ResourceType, Scope } from '../resources/fields.js';
import type { AllowEntry } from './allow.js';
import type { Labels } from './labels.js';
import type { ConfigBudget } from './budget.js';
import { visible } from '../util/terminal.js';

/** A place in a config file, 1-based. */
export interface SourcePosition {
  file: string;
  line: number;
  col: number;
}

/** Where a managed value came from: the target's own entry (an account or a zone) or the defaults. */
export type Via = 'account' | 'zone' | 'defaults';

/** One managed resource of a target: its leaf field values keyed by dotted path, defaults already laid under. */
export interface DesiredResource {
  type: ResourceType;
  values: Record<string, unknown>;
  /** Where each managed field was written (its own file or the defaults), for messages. */
  positions: Record<string, SourcePosition>;
  /** Per managed field, whether the target's own entry or the defaults gave it (for provenance in plans). */
  via: Record<string, Via>;
}

export interface DesiredTarget {
  scope: Scope;
  id: string;
  description?: string;
  /** The target's labels (`env: prod`), which selectors match; absent when it has none. */
  labels?: Labels;
  source: SourcePosition;
  resources: DesiredResource[];
  /** The environment variable holding this target's API token (its own, or from the defaults); absent: the default credentials. */
  credentialsEnv?: { name: string; position: SourcePosition };
}

export interface DesiredState {
  files: string[];
  targets: DesiredTarget[];
  /** The config's allow entries (safety rules allowed on one target, with a reason). */
  allow: AllowEntry[];
  /** The config's change budget (`budget:`), when a file sets one. */
  budget?: ConfigBudget;
}

/**
 * A problem with the config, reported as `file:line:col: message (path)`. Line and col are 0 when the problem
 * is the file itself (a path that does not exist, a file that is not YAML): then it reads `file: message`.
 */
export interface Diagnostic extends SourcePosition {
  message: string;
  /** JSON-pointer-like path inside the document, e.g. accounts[0].organization.session_duration. */
  path: string;
  /** A warning does not make the config invalid (a value of a format the API does not define). */
  severity?: 'warning';
}

/** `file:line:col`, as messages name a place. */
export function formatPosition({ file, line, col }: SourcePosition): string {
  return `${file}:${line}:${col}`;
}

/** One line: file names, keys and values it quotes are made visible (util/terminal.ts). */
export function formatDiagnostic(d: Diagnostic): string {
  const place = d.line > 0 ? formatPosition(d) : d.file;
  return visible(`${place}: ${d.severity === 'warning' ? 'warning: ' : ''}${d.message}${d.path ? ` (${d.path})` : ''}`);
}
