// From live objects to config values: pure, driven by the resource tables. Only writable fields are taken, in
// table order; what the API reports as a server default (false, "", {}, []) is left out, because the config
// compares absent and empty alike; a field reported under another key (DoH's token `id`) is read from there.

import { liveValue } from '../plan/diff.js';
import { groupFields, RESOURCES, writableFields, type FieldSpec, type ResourceSpec, type ResourceType, type Scope } from '../resources/index.js';
import { normalize, sameValue } from '../resources/normalize.js';
import type { LiveObject } from '../cloudflare/endpoints.js';
import type { ImportTarget } from './targets.js';
import { descriptionFrom } from './description.js';

/** A resource's imported leaf values keyed by dotted path, in the order of its table. */
export type Leaves = Record<string, unknown>;

export interface ImportedTarget extends ImportTarget {
  /** Written as the target's `description`: the live organization's name, else the account's (see description.ts). */
  description?: string;
  /** The resources with something set, in the order of RESOURCES. */
  resources: { type: ResourceType; values: Leaves }[];
  /** The resources this scope has that are not set up yet. */
  notSet: ResourceType[];
}

export interface ImportModel {
  /** Values lifted into a `defaults` section, per resource (empty without --defaults). */
  defaults: { type: ResourceType; values: Leaves }[];
  targets: ImportedTarget[];
  /** Targets with nothing set at all: listed in a comment, not imported. */
  skipped: ImportTarget[];
  /** With --defaults: what went to `defaults`, and what stayed with each target (see liftDefaults). */
  lifted?: Lifted[];
  left?: Left[];
}

/** The config values of one live object: writable fields set to something other than a server default. */
export function importedValues(spec: ResourceSpec, scope: Scope, live: LiveObject): Leaves {
  const values: Leaves = {};
  for (const field of writableFields(spec, scope)) {
    const reported = liveValue(field, live);
    const canonical = normalize(field, reported);
    if (canonical === undefined || canonical === false) continue;
    // Sets are written sorted and without repeats, so that a re-import does not churn; the rest as reported
    // (a value that is not a valid value of its field is kept as it is, for validation to name).
    values[field.path] = field.type.kind === 'set' && Array.isArray(canonical) ? canonical : reported;
  }
  // A group the API takes only whole is imported whole (its false booleans too), as the config must write it.
  for (const group of spec.groups.filter((g) => g.whole)) {
    const members = groupFields(spec, group.path, scope);
    if (!members.some((f) => f.path in values)) continue;
    for (const field of members) values[field.path] ??= liveValue(field, live) ?? (field.type.kind === 'boolean' ? false : undefined);
  }
  return orderedAsTable(spec, scope, values);
}

/** The values in the order of the table (whole groups fill theirs in after the others). */
function orderedAsTable(spec: ResourceSpec, scope: Scope, values: Leaves): Leaves {
  const ordered: Leaves = {};
  for (const field of writableFields(spec, scope)) if (values[field.path] !== undefined) ordered[field.path] = values[field.path];
  return ordered;
}

export function importTarget(target: ImportTarget, live: Partial<Record<ResourceType, LiveObject | null>>): ImportedTarget {
  const description = descriptionFrom(live.organization?.name) ?? descriptionFrom(target.name);
  const imported: ImportedTarget = { scope: target.scope, id: target.id, ...(description ? { description } : {}), resources: [], notSet: [] };
  for (const spec of RESOURCES) {
    if (!spec.scopes.includes(target.scope)) continue;
    const object = live[spec.type];
    const values = object ? importedValues(spec, target.scope, object) : {};
    if (Object.keys(values).length > 0) imported.resources.push({ type: spec.type, values });
    else imported.notSet.push(spec.type);
  }
  return imported;
}

export function buildImportModel(targets: readonly { target: ImportTarget; live: Partial<Record<ResourceType, LiveObject | null>> }[], options: { defaults: boolean }): ImportModel {
  const imported = targets.map(({ target, live }) => importTarget(target, live));
  const model: ImportModel = {
    defaults: [],
    targets: imported.filter((t) => t.resources.length > 0),
    skipped: imported.filter((t) => t.resources.length === 0).map(({ scope, id }) => ({ scope, id })),
  };
  return options.defaults ? liftDefaults(model) : model;
}

/** A field --defaults lifted: its value went to `defaults`, the targets with another value keep theirs. */
export interface Lifted {
  type: ResourceType;
  path: string;
  value: unknown;
  /** Targets the default reaches, and how many of them share the value. */
  reached: number;
  shared: number;
  /** Targets that keep a value of their own (another value, or unset: written `false` or `null`). */
  overrides: number;
}

/** A field set on at least two targets that --defaults left with each of them, and why. */
export interface Left {
  type: ResourceType;
  path: string;
  reached: number;
  /** Targets that set it, and how many different values (in meaning) they hold. */
  set: number;
  distinct: number;
  reason: 'no-shared-value' | 'mostly-unset' | 'a-target-lacks-the-resource';
}

/**
 * Move into `defaults`, per field, the value most targets the default would reach share, and write it as an
 * override on each reached target that holds another value or none (`false` for a boolean, else `null`, which
 * means "unset" and plans no change where the field is not set live), so that merging the defaults back gives
 * each target exactly what it had. Values are grouped by meaning (`24h` and `1440m` are one); the largest group
 * wins, a tie going to the group whose canonical spelling sorts first; the value is written as the group's most
 * common spelling. Nothing is lifted that fewer than two targets share, nor when as many targets leave the field
 * unset as share the value (the `null` overrides would cost as many lines as the default saves).
 * A default reaches every target whose scope takes the field (zones take only their subset), and, for resources
 * whose defaults need a section of their own, only targets that have one; a reached target without the resource
 * could not hold an override, so it stops the field. Fields that name a target's own thing (name, auth_domain,
 * the DoH token) stay with it.
 */
export function liftDefaults(model: ImportModel): ImportModel {
  const targets = model.targets.map((t) => ({ ...t, resources: t.resources.map((r) => ({ type: r.type, values: { ...r.values } })) }));
  const defaults: ImportModel['defaults'] = [];
  const lifted: Lifted[] = [];
  const left: Left[] = [];
  for (const spec of RESOURCES) {
    const values: Leaves = {};
    for (const field of writableFields(spec, 'account')) {
      if (field.requiredOnCreate || field.perTarget) continue;
      const reached = targets.filter(
        (t) => spec.scopes.includes(t.scope) && field.scopes.includes(t.scope) && (!spec.defaultsNeedOwnSection || t.resources.some((r) => r.type === spec.type)),
      );
      const sections = reached.map((t) => t.resources.find((r) => r.type === spec.type)?.values);
      const given = sections.filter((v) => v !== undefined && field.path in v).map((v) => v![field.path]);
      if (given.length < 2) continue;
      const groups = groupByMeaning(field, given);
      const winner = groups[0];
      const at = { type: spec.type, path: field.path, reached: reached.length };
      const unset = reached.length - given.length;
      if (sections.some((v) => v === undefined)) {
        left.push({ ...at, set: given.length, distinct: groups.length, reason: 'a-target-lacks-the-resource' });
        continue;
      }
      if (winner.members.length < 2 || unset >= winner.members.length) {
        left.push({ ...at, set: given.length, distinct: groups.length, reason: winner.members.length < 2 ? 'no-shared-value' : 'mostly-unset' });
        continue;
      }
      values[field.path] = winner.spelling;
      for (const v of sections as Leaves[]) {
        if (field.path in v && sameValue(field, v[field.path], winner.spelling)) delete v[field.path];
        else if (!(field.path in v)) v[field.path] = field.type.kind === 'boolean' ? false : null;
      }
      lifted.push({ ...at, value: winner.spelling, shared: winner.members.length, overrides: reached.length - winner.members.length });
    }
    if (Object.keys(values).length > 0) defaults.push({ type: spec.type, values });
  }
  // A section whose every value went to the defaults is left out, unless the defaults only reach targets that
  // have one (then an empty section keeps them reaching it).
  for (const t of targets) {
    t.resources = t.resources.filter((r) => Object.keys(r.values).length > 0 || RESOURCES.find((s) => s.type === r.type)!.defaultsNeedOwnSection);
  }
  // Overrides were appended: put each section back in table order, so that files diff cleanly.
  for (const t of targets) for (const r of t.resources) r.values = inTableOrder(r.type, t.scope, r.values);
  return { ...model, defaults, targets, lifted, left };
}

interface Group {
  members: unknown[];
  /** The members' most common spelling (the first such in target order on a tie). */
  spelling: unknown;
  canonical: string;
}

/** The values grouped by meaning, largest group first; groups of one size in the order of their canonical spelling. */
function groupByMeaning(field: FieldSpec, values: readonly unknown[]): Group[] {
  const groups: Group[] = [];
  for (const value of values) {
    const group = groups.find((g) => sameValue(field, g.members[0], value));
    if (group) group.members.push(value);
    else groups.push({ members: [value], spelling: value, canonical: JSON.stringify(normalize(field, value)) ?? '' });
  }
  for (const group of groups) {
    const counts = new Map<string, { value: unknown; n: number }>();
    for (const member of group.members) {
      const key = JSON.stringify(member);
      const entry = counts.get(key) ?? { value: member, n: 0 };
      entry.n++;
      counts.set(key, entry);
    }
    group.spelling = [...counts.values()].reduce((best, c) => (c.n > best.n ? c : best)).value;
  }
  return groups.sort((a, b) => b.members.length - a.members.length || (a.canonical < b.canonical ? -1 : a.canonical > b.canonical ? 1 : 0));
}

function inTableOrder(type: ResourceType, scope: Scope, values: Leaves): Leaves {
  const spec = RESOURCES.find((s) => s.type === type)!;
  const ordered: Leaves = {};
  for (const field of writableFields(spec, scope)) if (field.path in values) ordered[field.path] = values[field.path];
  return ordered;
}
