// From parsed files to the desired state: collect the accounts and zones, lay the defaults under each of them
// field by field — the unscoped layer, then the scoped layers whose selector matches the target, then the
// target's own values — and remember where every value was written.

import { sentValue } from '../resources/normalize.js';
import { fieldByPath, getPath, isPlainObject, pathKeys, RESOURCES, resourceSpec, writableFields, type ResourceSpec, type ResourceType, type Scope } from '../resources/index.js';
import { formatPosition, type DesiredResource, type DesiredTarget, type Diagnostic, type SourcePosition } from './model.js';
import { describePath, keyPosition, valuePosition, type ConfigFile, type PathSegment } from './positions.js';
import { describeSelector, matchesSelector, readLabels, type Labels } from './labels.js';
import { idKey } from './schema.js';

/** A value as written, and where. */
interface Placed {
  value: unknown;
  position: SourcePosition;
}

/** A target while it is being merged: the model plus what the cross-field rules need to blame the right place. */
export interface MergedTarget {
  target: DesiredTarget;
  /** Where the entry is in its document, e.g. ['accounts', 2]. */
  path: PathSegment[];
  /** Per resource, the managed fields written in the target's own entry (the rest came from defaults). */
  own: Map<ResourceType, Set<string>>;
  /** Per resource whose section was given (own or in the defaults), where that section starts. */
  sections: Map<ResourceType, { position: SourcePosition; fromDefaults: boolean }>;
  /** Per resource, the fields taken from a layer of defaults, and where that layer is (['defaults'] or ['defaults', 2]). */
  inherited: Map<ResourceType, Map<string, readonly PathSegment[]>>;
}

/**
 * One layer of defaults as merged: the unscoped layer (every file's mapping-form `defaults` and list entries
 * without `select`, merged field by field; a field given twice is an error), or one scoped entry.
 */
interface Layer {
  /** Where it is written: ['defaults'] for the unscoped layer (whatever file), ['defaults', i] for an entry. */
  path: readonly PathSegment[];
  select?: Labels;
  selectPosition?: SourcePosition;
  credentialsEnv?: Placed;
  leaves: Map<ResourceType, Map<string, Placed>>;
  sections: Map<ResourceType, SourcePosition>;
}

/** The layers of defaults: the unscoped one under the scoped ones, which apply in file order. */
interface Defaults {
  unscoped: Layer;
  scoped: Layer[];
}

/** What the merge notices across targets: the defaults some target took, and clashes between scoped layers. */
interface MergeWatch {
  received: Set<Placed>;
  clashes: Map<string, Diagnostic>;
}

const SCOPE_LISTS: readonly { scope: Scope; key: 'accounts' | 'zones' }[] = [
  { scope: 'account', key: 'accounts' },
  { scope: 'zone', key: 'zones' },
];

/** A resource section written as a mapping: where it starts, and its managed leaves in table order. */
interface PlacedSection {
  position: SourcePosition;
  leaves: Map<string, Placed>;
}

/** A target entry as written in its file, each value with its position: the merge needs no document. */
export interface PlacedEntry {
  scope: Scope;
  id: string;
  /** Where the entry is in its document, e.g. ['accounts', 2]. */
  path: PathSegment[];
  source: SourcePosition;
  description?: string;
  labels?: Labels;
  credentialsEnv?: Placed;
  sections: Map<ResourceType, PlacedSection>;
}

/** What one file gives the merge: its accounts, then its zones, in order, and its defaults section. */
export interface PlacedFile {
  entries: PlacedEntry[];
  /** Its `defaults`: the mapping form as one layer, or each entry of the list form, in order. */
  defaults: PlacedDefaults[];
}

/** One layer of defaults as written in a file. */
export interface PlacedDefaults {
  /** ['defaults'] (the mapping form) or ['defaults', i] (an entry of the list form). */
  path: PathSegment[];
  /** Only targets whose labels match; absent: every target. */
  select?: Labels;
  selectPosition?: SourcePosition;
  credentialsEnv?: Placed;
  sections: Map<ResourceType, PlacedSection>;
}

/**
 * One file's targets and defaults with the position of every value the desired state keeps. Computed while the
 * file's reading is at hand (yaml's document or the block reader's positions), so that it can be dropped before
 * the next file is read.
 */
export function placeFile(f: ConfigFile): PlacedFile {
  const data = isPlainObject(f.data) ? f.data : {};
  const entries: PlacedEntry[] = [];
  for (const { scope, key } of SCOPE_LISTS) {
    const list = data[key];
    if (!Array.isArray(list)) continue;
    list.forEach((entry, index) => {
      const id = isPlainObject(entry) ? entry[idKey(scope)] : undefined;
      if (isPlainObject(entry) && typeof id === 'string') entries.push(placeEntry(f, scope, [key, index], entry, id));
    });
  }
  // A mapping is the unscoped layer; a list holds layers, scoped by `select` or not. Anything else is a schema error already.
  const given = data.defaults;
  const defaults: PlacedDefaults[] = [];
  if (isPlainObject(given)) defaults.push(placeDefaults(f, ['defaults'], given));
  else if (Array.isArray(given)) given.forEach((layer, index) => isPlainObject(layer) && defaults.push(placeDefaults(f, ['defaults', index], layer)));
  return { entries, defaults };
}

function placeDefaults(f: ConfigFile, path: PathSegment[], layer: Record<string, unknown>): PlacedDefaults {
  const placedLayer: PlacedDefaults = { path, sections: new Map() };
  const select = readLabels(layer.select);
  if (select) {
    placedLayer.select = select;
    placedLayer.selectPosition = keyPosition(f, [...path, 'select']);
  }
  if (typeof layer.credentials_env === 'string') placedLayer.credentialsEnv = placed(f, [...path, 'credentials_env'], layer.credentials_env);
  for (const spec of RESOURCES) placeSection(f, path, layer, spec, 'account', placedLayer.sections);
  return placedLayer;
}

function placeEntry(f: ConfigFile, scope: Scope, path: PathSegment[], entry: Record<string, unknown>, id: string): PlacedEntry {
  const placedEntry: PlacedEntry = { scope, id, path, source: valuePosition(f, path), sections: new Map() };
  if (typeof entry.description === 'string') placedEntry.description = entry.description;
  const labels = readLabels(entry.labels);
  if (labels && Object.keys(labels).length > 0) placedEntry.labels = labels;
  if (typeof entry.credentials_env === 'string') placedEntry.credentialsEnv = placed(f, [...path, 'credentials_env'], entry.credentials_env);
  for (const spec of RESOURCES) if (spec.scopes.includes(scope)) placeSection(f, path, entry, spec, scope, placedEntry.sections);
  return placedEntry;
}

/**
 * Kept strings are slices of their file's text and keep it alive: together at most the config's size on disk,
 * which costs less than copying every value (a quarter of a second for 10,000 accounts).
 */
function placed(f: ConfigFile, path: readonly PathSegment[], value: unknown): Placed {
  return { value, position: valuePosition(f, path) };
}

/** The resource section `spec.type` of `parent` (at `base`), if it is a mapping: its key's position and managed leaves. */
function placeSection(f: ConfigFile, base: PathSegment[], parent: Record<string, unknown>, spec: ResourceSpec, scope: Scope, into: Map<ResourceType, PlacedSection>): void {
  const section = parent[spec.type];
  if (!isPlainObject(section)) return;
  const path = [...base, spec.type];
  const leaves = new Map<string, Placed>();
  const leafPath = [...path]; // one array for every leaf: locators do not keep the paths they are given
  for (const field of writableFields(spec, scope)) {
    const keys = pathKeys(field.path);
    let value = getPath(section, field.path);
    leafPath.length = path.length;
    // A group given as null unsets each of its fields: each is placed as null, where the group's null was written.
    if (value === undefined && keys.length > 1 && section[keys[0]] === null) {
      value = null;
      leafPath.push(keys[0]);
    } else {
      if (value === undefined) continue;
      leafPath.push(...keys);
    }
    leaves.set(field.path, placed(f, leafPath, value));
  }
  into.set(spec.type, { position: keyPosition(f, path), leaves });
}

export function mergeTargets(files: readonly PlacedFile[]): { targets: MergedTarget[]; diagnostics: Diagnostic[]; warnings: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const defaults = collectDefaults(files, diagnostics);
  const watch: MergeWatch = { received: new Set(), clashes: new Map() };
  const targets: MergedTarget[] = [];
  const entries: PlacedEntry[] = [];
  const firstSeen = new Map<string, SourcePosition>();
  // Accounts first, then zones; each in file order.
  for (const { scope } of SCOPE_LISTS) {
    for (const entry of files.flatMap((f) => f.entries.filter((e) => e.scope === scope))) {
      const merged = mergeTarget(entry, defaults, watch);
      const earlier = firstSeen.get(`${scope}:${entry.id}`);
      if (earlier) {
        diagnostics.push({ ...entry.source, message: `${scope} ${entry.id} is defined twice: also at ${formatPosition(earlier)}`, path: describePath(entry.path) });
      } else {
        firstSeen.set(`${scope}:${entry.id}`, entry.source);
      }
      targets.push(merged);
      entries.push(entry);
    }
  }
  diagnostics.push(...watch.clashes.values());
  return { targets, diagnostics, warnings: unreceivedDefaults(defaults, entries, watch.received) };
}

function emptyLayer(path: readonly PathSegment[]): Layer {
  return { path, leaves: new Map(), sections: new Map() };
}

function collectDefaults(files: readonly PlacedFile[], diagnostics: Diagnostic[]): Defaults {
  const unscoped = emptyLayer(['defaults']);
  const scoped: Layer[] = [];
  for (const file of files) {
    for (const given of file.defaults) {
      if (given.select) {
        const layer: Layer = { ...emptyLayer(given.path), select: given.select, selectPosition: given.selectPosition };
        if (given.credentialsEnv) layer.credentialsEnv = given.credentialsEnv;
        for (const [type, section] of given.sections) {
          layer.sections.set(type, section.position);
          layer.leaves.set(type, section.leaves);
        }
        scoped.push(layer);
        continue;
      }
      if (given.credentialsEnv) {
        if (unscoped.credentialsEnv) {
          diagnostics.push({ ...given.credentialsEnv.position, message: `a default credentials_env is given twice: also at ${formatPosition(unscoped.credentialsEnv.position)}`, path: describePath([...given.path, 'credentials_env']) });
        } else {
          unscoped.credentialsEnv = given.credentialsEnv;
        }
      }
      for (const [type, section] of given.sections) {
        if (!unscoped.sections.has(type)) unscoped.sections.set(type, section.position);
        const leaves = unscoped.leaves.get(type) ?? new Map<string, Placed>();
        unscoped.leaves.set(type, leaves);
        for (const [path, placedValue] of section.leaves) {
          const earlier = leaves.get(path);
          if (earlier) {
            diagnostics.push({ ...placedValue.position, message: `a default for ${type}.${path} is given twice: also at ${formatPosition(earlier.position)}`, path: describePath([...given.path, type, ...path.split('.')]) });
          } else {
            leaves.set(path, placedValue);
          }
        }
      }
    }
  }
  return { unscoped, scoped };
}

/**
 * The value a target takes from the defaults for one field (or credentials_env): from the one scoped layer that
 * sets it, else from the unscoped layer. Two scoped layers setting it for the same target is an error naming both
 * (reported once per pair of places, however many targets both reach).
 */
function fromLayers(layers: readonly Layer[], unscoped: Layer, give: (layer: Layer) => Placed | undefined, entry: PlacedEntry, what: string, watch: MergeWatch): { placed: Placed; layer: Layer } | undefined {
  let found: { placed: Placed; layer: Layer } | undefined;
  for (const layer of layers) {
    const placedValue = give(layer);
    if (!placedValue) continue;
    if (!found) {
      found = { placed: placedValue, layer };
      continue;
    }
    const key = `${formatPosition(found.placed.position)}|${formatPosition(placedValue.position)}`;
    if (!watch.clashes.has(key)) {
      const message =
        `${what} is set by two scoped defaults for ${entry.scope} ${entry.id}: here (select ${describeSelector(layer.select!)}) and at ` +
        `${formatPosition(found.placed.position)} (select ${describeSelector(found.layer.select!)}); set it in one of them, or on the ${entry.scope}`;
      watch.clashes.set(key, { ...placedValue.position, message, path: describePath([...layer.path, ...what.split('.')]) });
    }
  }
  if (found) return found;
  const placedValue = give(unscoped);
  return placedValue ? { placed: placedValue, layer: unscoped } : undefined;
}

function mergeTarget(entry: PlacedEntry, defaults: Defaults, watch: MergeWatch): MergedTarget {
  const { scope, id, path } = entry;
  const target: DesiredTarget = { scope, id, source: entry.source, resources: [] };
  if (entry.description !== undefined) target.description = entry.description;
  if (entry.labels) target.labels = entry.labels;
  // The scoped layers that reach this target, in file order.
  const layers = defaults.scoped.length === 0 ? [] : defaults.scoped.filter((l) => matchesSelector(entry.labels, l.select!));
  const credentials = entry.credentialsEnv ?? fromLayers(layers, defaults.unscoped, (l) => l.credentialsEnv, entry, 'credentials_env', watch)?.placed;
  if (credentials) {
    target.credentialsEnv = { name: credentials.value as string, position: credentials.position };
    watch.received.add(credentials);
  }
  const merged: MergedTarget = { target, path, own: new Map(), sections: new Map(), inherited: new Map() };
  for (const spec of RESOURCES) {
    if (!spec.scopes.includes(scope)) continue;
    const section = entry.sections.get(spec.type);
    const own = section?.leaves ?? new Map<string, Placed>();
    // Defaults reach only targets that have the resource, when the resource says so (resources/fields.ts).
    const takesDefaults = section !== undefined || !spec.defaultsNeedOwnSection;
    const resource: DesiredResource = { type: spec.type, values: {}, positions: {}, via: {} };
    const inherited = new Map<string, readonly PathSegment[]>();
    for (const field of writableFields(spec, scope)) {
      // Zones inherit only the fields they accept: writableFields(spec, 'zone') leaves out the rest.
      const ownValue = own.get(field.path);
      const fromDefaults = ownValue || !takesDefaults ? undefined : fromLayers(layers, defaults.unscoped, (l) => l.leaves.get(spec.type)?.get(field.path), entry, `${spec.type}.${field.path}`, watch);
      const placedValue = ownValue ?? fromDefaults?.placed;
      if (!placedValue) continue;
      resource.values[field.path] = sentValue(field, placedValue.value);
      resource.positions[field.path] = placedValue.position;
      resource.via[field.path] = ownValue ? scope : 'defaults';
      if (fromDefaults) {
        watch.received.add(fromDefaults.placed);
        inherited.set(field.path, fromDefaults.layer.path);
      }
    }
    merged.own.set(spec.type, new Set(own.keys()));
    if (inherited.size > 0) merged.inherited.set(spec.type, inherited);
    // A section that is not a mapping (e.g. `doh:` with no value) is a schema error already, not a given section.
    const defaultsSection = takesDefaults ? (layers.find((l) => l.sections.has(spec.type)) ?? defaults.unscoped).sections.get(spec.type) : undefined;
    if (section) merged.sections.set(spec.type, { position: section.position, fromDefaults: false });
    else if (defaultsSection) merged.sections.set(spec.type, { position: defaultsSection, fromDefaults: true });
    if (Object.keys(resource.values).length > 0) target.resources.push(resource);
  }
  return merged;
}

/**
 * Warnings for defaults no target takes: a scoped layer whose selector matches no target (once, at its select),
 * and each other default value no target receives, saying why (no target has the section, every one it reaches
 * sets its own value). Such a default changes nothing, which its author did not mean.
 */
function unreceivedDefaults(defaults: Defaults, entries: readonly PlacedEntry[], received: ReadonlySet<Placed>): Diagnostic[] {
  const warnings: Diagnostic[] = [];
  for (const layer of [defaults.unscoped, ...defaults.scoped]) {
    const reached = layer.select ? entries.filter((e) => matchesSelector(e.labels, layer.select!)) : entries;
    if (layer.select && reached.length === 0) {
      const known = [...new Set(entries.flatMap((e) => Object.entries(e.labels ?? {}).map(([k, v]) => `${k}=${v}`)))].sort();
      const labels = known.length > 0 ? `the labels in the config are ${known.join(', ')}` : 'no target has labels';
      warnings.push({ ...layer.selectPosition!, message: `these defaults reach no target: no account or zone matches select ${describeSelector(layer.select)} (${labels})`, path: describePath([...layer.path, 'select']), severity: 'warning' });
      continue;
    }
    const unused = (placedValue: Placed | undefined) => placedValue !== undefined && !received.has(placedValue);
    if (unused(layer.credentialsEnv)) {
      warnings.push({ ...layer.credentialsEnv!.position, message: 'this default credentials_env reaches no target: every target it applies to names its own', path: describePath([...layer.path, 'credentials_env']), severity: 'warning' });
    }
    for (const [type, leaves] of layer.leaves) {
      const spec = resourceSpec(type);
      for (const [fieldPath, placedValue] of leaves) {
        const field = fieldByPath(spec, fieldPath)!;
        // A per-target field in the defaults is refused already.
        if (!unused(placedValue) || field.perTarget) continue;
        const accepting = reached.filter((e) => spec.scopes.includes(e.scope) && field.scopes.includes(e.scope));
        const withSection = spec.defaultsNeedOwnSection ? accepting.filter((e) => e.sections.has(type)) : accepting;
        const why =
          accepting.length === 0
            ? `no target it applies to takes ${type}.${fieldPath}`
            : withSection.length === 0
              ? `no target it applies to has ${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type} section (defaults reach only targets that have the resource)`
              : `every target it reaches sets its own ${type}.${fieldPath}`;
        warnings.push({ ...placedValue.position, message: `this default reaches no target: ${why}`, path: describePath([...layer.path, type, ...fieldPath.split('.')]), severity: 'warning' });
      }
    }
  }
  return warnings;
}
