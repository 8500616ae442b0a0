// Rules that span fields, checked on each target after the defaults are merged: the API refuses these
// combinations, so they are caught before any request.

import { malformation } from '../cloudflare/credentials.js';
import { describeRequirement, fieldByPath, groupFields, missingRequirements, RESOURCES, resourceSpec, type ResourceType } from '../resources/index.js';
import { formatProblem, normalize } from '../resources/normalize.js';
import type { FieldSpec } from '../resources/fields.js';
import { formatPosition, type DesiredTarget, type Diagnostic, type SourcePosition } from './model.js';
import type { MergedTarget } from './desired.js';
import { oddSpaceAdvice } from './odd-spaces.js';
import { describePath } from './positions.js';

export function crossFieldDiagnostics(targets: readonly MergedTarget[]): Diagnostic[] {
  return [...targets.flatMap((t) => [...requirementRules(t), ...wholeGroups(t), ...dohRule(t)]), ...perTargetClashes(targets)];
}

/**
 * A group the API takes only whole (service_token_inactivity) is managed whole: a target that sets one of its
 * fields (itself or through the defaults) sets them all, or unsets the group with null.
 */
function wholeGroups(t: MergedTarget): Diagnostic[] {
  return RESOURCES.flatMap((spec) => {
    const resource = t.target.resources.find((r) => r.type === spec.type);
    if (!resource) return [];
    return spec.groups.filter((g) => g.whole).flatMap((group) => {
      const members = groupFields(spec, group.path, t.target.scope).map((f) => f.path);
      const given = members.filter((path) => path in resource.values);
      if (given.length === 0) return [];
      // (A field of it given as null alone is refused by the schema; the group's null sets every field null.)
      const missing = members.filter((path) => !(path in resource.values));
      if (missing.length === 0) return [];
      const { at, from } = blame(t, spec.type, given[0]);
      const leaf = (path: string) => path.slice(group.path.length + 1);
      const message = `${group.path} is taken only whole (${members.map(leaf).join(', ')} together): add ${missing.map(leaf).join(' and ')}, or write ${group.path}: null to unset it${from}`;
      return [{ ...at, message, path: describePath([...t.path, spec.type, ...group.path.split('.')]) }];
    });
  });
}

/**
 * A field that names one target's own thing (perTarget: the login domain is globally unique, a DoH token
 * belongs to one account) written with the same value, in meaning, on two targets: apply would change one
 * organization and fail on the rest, so it is refused here, naming both places.
 */
function perTargetClashes(targets: readonly MergedTarget[]): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const spec of RESOURCES) {
    for (const field of spec.fields.filter((f) => f.perTarget)) {
      const firstSeen = new Map<string, { t: MergedTarget; at: SourcePosition }>();
      for (const t of targets) {
        const value = valuesOf(t, spec.type)[field.path];
        if (typeof value !== 'string' || value === '') continue;
        const key = JSON.stringify(normalize(field, value));
        const at = t.target.resources.find((r) => r.type === spec.type)!.positions[field.path];
        const earlier = firstSeen.get(key);
        if (!earlier) {
          firstSeen.set(key, { t, at });
          continue;
        }
        const other = `${earlier.t.target.scope} ${earlier.t.target.id} at ${formatPosition(earlier.at)}`;
        diagnostics.push({ ...at, message: `${spec.type}.${field.path} ${JSON.stringify(value)} is also set for ${other}: each target needs its own`, path: describePath([...t.path, spec.type, ...field.path.split('.')]) });
      }
    }
  }
  return diagnostics;
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
  return { at: t.target.source, from: ` (${field}: ${JSON.stringify(resource.values[field])} comes from the defaults at ${formatPosition(position)})` };
}

/**
 * The rules each resource declares (a field that needs others), where the config alone decides them: the `when`
 * field is true and a field it needs is cleared (null, "" or []). A field the config leaves out may be set live,
 * so those are judged at plan time, on the config laid over the live state (plan/rules.ts).
 */
function requirementRules(t: MergedTarget): Diagnostic[] {
  return RESOURCES.flatMap((spec) => {
    const values = valuesOf(t, spec.type);
    return (spec.rules ?? []).flatMap((rule) => {
      const cleared = missingRequirements(rule, (path) => values[path]).filter((path) => path in values);
      if (cleared.length === 0) return [];
      const refusal = rule.apiError ? `; without it the API refuses the change (error ${rule.apiError.code})` : '';
      const { at, from } = blame(t, spec.type, rule.when);
      const where = cleared.map((path) => `${path}: ${JSON.stringify(values[path])} at ${formatPosition(t.target.resources.find((r) => r.type === spec.type)!.positions[path])}`).join(', ');
      return [{ ...at, message: `${describeRequirement(spec, rule, cleared)}, but the config clears ${cleared.length > 1 ? 'them' : 'it'} (${where})${refusal}${from}`, path: describePath([...t.path, spec.type, ...rule.when.split('.')]) }];
    });
  });
}

function dohRule(t: MergedTarget): Diagnostic[] {
  const section = t.sections.get('doh');
  if (!section || valuesOf(t, 'doh').service_token_id !== undefined) return [];
  const at = section.fromDefaults ? t.target.source : section.position;
  const from = section.fromDefaults ? ` (the doh section comes from the defaults at ${formatPosition(section.position)})` : '';
  const message = `doh needs service_token_id: the API sets DoH settings only together with the service token${from}`;
  return [{ ...at, message, path: describePath([...t.path, 'doh']) }];
}

/**
 * Warnings, not errors: values holding a space that is not an ordinary one. Each is reported once where it was
 * written, though defaults reach many targets.
 */
export function adviceDiagnostics(targets: readonly MergedTarget[]): Diagnostic[] {
  return eachValue(targets, (_field, value) => oddSpaceAdvice(value)).map((d) => ({ ...d, severity: 'warning' as const }));
}

/**
 * Errors: login-page values the page would show to everyone who signs in that are not what ztsync takes (a CSS
 * colour, an https: URL or a relative path, text without HTML), unless the value is tagged !unchecked (`unchecked`:
 * the positions of such values). Each is reported once where it was written.
 */
export function loginPageDiagnostics(targets: readonly MergedTarget[], unchecked: ReadonlySet<string>): Diagnostic[] {
  return eachValue(targets, (field, value, at) => {
    if (unchecked.has(formatPosition(at))) return undefined;
    const problem = formatProblem(field, value);
    return problem && `${problem} (the login page shows it to everyone who signs in; tag the value !unchecked to send it as it is)`;
  });
}

/** `check` on every value of every target, reported (when it says something) once per place it was written. */
function eachValue(targets: readonly MergedTarget[], check: (field: FieldSpec, value: unknown, at: SourcePosition) => string | undefined): Diagnostic[] {
  const seen = new Map<string, Diagnostic>();
  for (const t of targets) {
    for (const resource of t.target.resources) {
      const spec = resourceSpec(resource.type);
      for (const [path, value] of Object.entries(resource.values)) {
        const at = resource.positions[path];
        const message = check(fieldByPath(spec, path)!, value, at);
        if (!message) continue;
        const layer = t.inherited.get(resource.type)?.get(path) ?? t.path;
        const from = [...layer, resource.type, ...path.split('.')];
        seen.set(formatPosition(at), { ...at, message, path: describePath(from) });
      }
    }
  }
  return [...seen.values()];
}

/**
 * A credentials_env that names an unset (or empty) variable, reported once where it is written. The message
 * names the variable, never a value.
 */
export function credentialDiagnostics(targets: readonly DesiredTarget[], env: Record<string, string | undefined>): Diagnostic[] {
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const { credentialsEnv } of targets) {
    if (!credentialsEnv) continue;
    const value = env[credentialsEnv.name]?.trim();
    const wrong = value ? malformation(value) : undefined;
    if (value && !wrong) continue;
    const key = formatPosition(credentialsEnv.position);
    if (seen.has(key)) continue;
    seen.add(key);
    const message = wrong
      ? `credentials_env names the environment variable ${credentialsEnv.name}, which is malformed: ${wrong}`
      : `credentials_env names the environment variable ${credentialsEnv.name}, which is not set (it should hold an API token)`;
    out.push({ ...credentialsEnv.position, message, path: '' });
  }
  return out;
}
