// The plan: the one thing that flows from the diff to every renderer and to apply. It is plain JSON data
// (versioned; fields may be added, never renamed), so it can be saved, compared and fingerprinted.

import type { SourcePosition } from '../config/model.js';
import type { ResourceType, Scope } from '../resources/fields.js';

export const PLAN_FORMAT_VERSION = '1';

export type Action = 'create' | 'update' | 'noop';

export interface FieldChange {
  /** Dotted field path, e.g. "login_design.background_color". */
  path: string;
  /** The live value as the API reported it; null when absent (false for an absent boolean). */
  before: unknown;
  /** The desired value as written in the config. */
  after: unknown;
}

export interface ResourcePlan {
  type: ResourceType;
  action: Action;
  changes: FieldChange[];
  /** Fields the config manages for this resource (changed or not). */
  managed: string[];
}

export interface PlanError {
  message: string;
  status?: number;
  codes?: number[];
}

export interface TargetPlan {
  scope: Scope;
  id: string;
  description: string | null;
  source: SourcePosition;
  resources: ResourcePlan[];
  error: PlanError | null;
}

export interface PlanSummary {
  create: number;
  update: number;
  noop: number;
  error: number;
}

export interface Plan {
  format_version: typeof PLAN_FORMAT_VERSION;
  /** The API the live state was read from (never credentials). */
  api_base: string;
  targets: TargetPlan[];
  summary: PlanSummary;
}

/** Resource actions are counted per resource; errors per target. */
export function summarize(targets: TargetPlan[]): PlanSummary {
  const summary: PlanSummary = { create: 0, update: 0, noop: 0, error: 0 };
  for (const target of targets) {
    if (target.error) summary.error++;
    for (const resource of target.resources) summary[resource.action]++;
  }
  return summary;
}

export function makePlan(apiBase: string, targets: TargetPlan[]): Plan {
  return { format_version: PLAN_FORMAT_VERSION, api_base: apiBase, targets, summary: summarize(targets) };
}

export function hasChanges(plan: Plan): boolean {
  return plan.summary.create + plan.summary.update > 0;
}

export function targetLabel(target: Pick<TargetPlan, 'scope' | 'id' | 'description'>): string {
  return `${target.scope} ${target.id}${target.description ? ` (${target.description})` : ''}`;
}

/** A field value as plans print it: JSON, so strings are quoted and lists are visible as lists. */
export function show(value: unknown): string {
  return JSON.stringify(value) ?? 'null';
}
