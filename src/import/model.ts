// From live objects to config values: pure, driven by the resource tables. Only writable fields are taken, in
// table order; what the API reports as a server default (false, "", {}, []) is left out, because the config
// compares absent and empty alike; a field reported under another key (DoH's token `id`) is read from there.

import { liveValue } from '../plan/diff.js';
import { RESOURCES, writableFields, type ResourceSpec, type ResourceType, type Scope } from '../resources/index.js';
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
  return values;
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

/**
 * Move into `defaults` every value that all the targets the default would reach share, so that merging the
 * defaults back gives each target exactly what it had. A default reaches every target whose scope takes the
 * field (zones take only their subset), and, for resources whose defaults need a section of their own (DoH),
 * only targets that have one. Fields a resource needs to be created (name, auth_domain, the DoH token) name a
 * target's own thing and stay with it; a value shared by fewer than two targets stays too.
 */
export function liftDefaults(model: ImportModel): ImportModel {
  const targets = model.targets.map((t) => ({ ...t, resources: t.resources.map((r) => ({ type: r.type, values: { ...r.values } })) }));
  const defaults: ImportModel['defaults'] = [];
  for (const spec of RESOURCES) {
    const lifted: Leaves = {};
    for (const field of writableFields(spec, 'account')) {
      if (field.requiredOnCreate) continue;
      const reached = targets.filter(
        (t) => spec.scopes.includes(t.scope) && field.scopes.includes(t.scope) && (!spec.defaultsNeedOwnSection || t.resources.some((r) => r.type === spec.type)),
      );
      if (reached.length < 2) continue;
      const values = reached.map((t) => t.resources.find((r) => r.type === spec.type)?.values);
      const first = values[0]?.[field.path];
      if (first === undefined || !values.every((v) => v !== undefined && field.path in v && sameValue(field, v[field.path], first))) continue;
      lifted[field.path] = first;
      for (const v of values) delete v![field.path];
    }
    if (Object.keys(lifted).length > 0) defaults.push({ type: spec.type, values: lifted });
  }
  // A section whose every value went to the defaults is left out, unless the defaults only reach targets that
  // have one (then an empty section keeps them reaching it).
  for (const t of targets) {
    t.resources = t.resources.filter((r) => Object.keys(r.values).length > 0 || RESOURCES.find((s) => s.type === r.type)!.defaultsNeedOwnSection);
  }
  return { ...model, defaults, targets };
}
