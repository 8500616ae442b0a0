// Rules that span fields, checked on each target after the defaults are merged: the API refuses these
// combinations, so they are caught before any request.

import type { ResourceType } from '../resources/index.js';
import type { Diagnostic, SourcePosition } from './model.js';
import type { MergedTarget } from './desired.js';
import { describePath } from './positions.js';

export function crossFieldDiagnostics(targets: readonly MergedTarget[]): Diagnostic[] {
  return targets.flatMap((t) => [...warpRule(t), ...mfaRule(t), ...dohRule(t)]);
}

function valuesOf(t: MergedTarget, type: ResourceType): Record<string, unknown> {
  return t.target.resources.find((r) => r.type === type)?.values ?? {};
}

/**
 * Where to report a problem caused by `field`: at the value when the target wrote it itself, otherwise at the
 * target's entry, naming the default it inherited.
 */
function blame(t: MergedTarget, type: ResourceType, field: string): { at: SourcePosition; from: string } {
  const resource = t.target.resources.find((r) => r.type === type)!;
  const position = resource.positions[field];
  if (t.own.get(type)?.has(field)) return { at: position, from: '' };
  return { at: t.target.source, from: ` (${field}: ${JSON.stringify(resource.values[field])} comes from the defaults at ${position.file}:${position.line}:${position.col})` };
}

function organizationDiagnostic(t: MergedTarget, at: SourcePosition, message: string, field: string): Diagnostic {
  return { ...at, message, path: describePath([...t.path, 'organization', ...field.split('.')]) };
}

function warpRule(t: MergedTarget): Diagnostic[] {
  const org = valuesOf(t, 'organization');
  if (org.allow_authenticate_via_warp !== true || org.warp_auth_session_duration !== undefined) return [];
  const { at, from } = blame(t, 'organization', 'allow_authenticate_via_warp');
  return [
    organizationDiagnostic(t, at, `allow_authenticate_via_warp: true needs warp_auth_session_duration; without it the API refuses the change (error 12130)${from}`, 'allow_authenticate_via_warp'),
  ];
}

function mfaRule(t: MergedTarget): Diagnostic[] {
  const org = valuesOf(t, 'organization');
  if (org.mfa_required_for_all_apps !== true) return [];
  const authenticators = org['mfa_config.allowed_authenticators'];
  const missing = [
    ...(Array.isArray(authenticators) && authenticators.length > 0 ? [] : ['at least one mfa_config.allowed_authenticators']),
    ...(org['mfa_config.session_duration'] === undefined ? ['mfa_config.session_duration'] : []),
  ];
  if (missing.length === 0) return [];
  const { at, from } = blame(t, 'organization', 'mfa_required_for_all_apps');
  return [organizationDiagnostic(t, at, `mfa_required_for_all_apps: true needs ${missing.join(' and ')}${from}`, 'mfa_required_for_all_apps')];
}

function dohRule(t: MergedTarget): Diagnostic[] {
  const section = t.sections.get('doh');
  if (!section || valuesOf(t, 'doh').service_token_id !== undefined) return [];
  const at = section.fromDefaults ? t.target.source : section.position;
  const from = section.fromDefaults ? ` (the doh section comes from the defaults at ${section.position.file}:${section.position.line}:${section.position.col})` : '';
  const message = `doh needs service_token_id: the API sets DoH settings only together with the service token${from}`;
  return [{ ...at, message, path: describePath([...t.path, 'doh']) }];
}
