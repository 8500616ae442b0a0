// From parsed files to the desired state: collect the accounts and zones, lay the defaults under each of them
// field by field, and remember where every value was written.

import { sentValue } from '../resources/normalize.js';
import { getPath, isPlainObject, pathKeys, RESOURCES, writableFields, type ResourceSpec, type ResourceType, type Scope } from '../resources/index.js';
import { formatPosition, type DesiredResource, type DesiredTarget, type Diagnostic, type SourcePosition } from './model.js';
import { describePath, keyPosition, valuePosition, type ConfigFile, type PathSegment } from './positions.js';
import { readLabels, type Labels } from './labels.js';
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
}

/** The defaults of every file, as leaf values per resource; a leaf given twice is an error. */
interface Defaults {
  leaves: Map<ResourceType, Map<string, Placed>>;
  sections: Map<ResourceType, SourcePosition>;
  credentialsEnv?: Placed;
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
  defaults: { credentialsEnv?: Placed; sections: Map<ResourceType, PlacedSection> };
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
  const section = data.defaults;
  const defaults: PlacedFile['defaults'] = { sections: new Map() };
  if (isPlainObject(section)) {
    if (typeof section.credentials_env === 'string') defaults.credentialsEnv = placed(f, ['defaults', 'credentials_env'], section.credentials_env);
    // Anything but a mapping is a schema error already.
    for (const spec of RESOURCES) placeSection(f, ['defaults'], section, spec, 'account', defaults.sections);
  }
  return { entries, defaults };
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
    const value = getPath(section, field.path);
    if (value === undefined) continue;
    leafPath.length = path.length;
    leafPath.push(...pathKeys(field.path));
    leaves.set(field.path, placed(f, leafPath, value));
  }
  into.set(spec.type, { position: keyPosition(f, path), leaves });
}

export function mergeTargets(files: readonly PlacedFile[]): { targets: MergedTarget[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const defaults = collectDefaults(files, diagnostics);
  const targets: MergedTarget[] = [];
  const firstSeen = new Map<string, SourcePosition>();
  // Accounts first, then zones; each in file order.
  for (const { scope } of SCOPE_LISTS) {
    for (const entry of files.flatMap((f) => f.entries.filter((e) => e.scope === scope))) {
      const merged = mergeTarget(entry, defaults);
      const earlier = firstSeen.get(`${scope}:${entry.id}`);
      if (earlier) {
        diagnostics.push({ ...entry.source, message: `${scope} ${entry.id} is defined twice: also at ${formatPosition(earlier)}`, path: describePath(entry.path) });
      } else {
        firstSeen.set(`${scope}:${entry.id}`, entry.source);
      }
      targets.push(merged);
    }
  }
  return { targets, diagnostics };
}

function collectDefaults(files: readonly PlacedFile[], diagnostics: Diagnostic[]): Defaults {
  const defaults: Defaults = { leaves: new Map(), sections: new Map() };
  for (const { defaults: given } of files) {
    if (given.credentialsEnv) {
      if (defaults.credentialsEnv) {
        diagnostics.push({ ...given.credentialsEnv.position, message: `a default credentials_env is given twice: also at ${formatPosition(defaults.credentialsEnv.position)}`, path: 'defaults.credentials_env' });
      } else {
        defaults.credentialsEnv = given.credentialsEnv;
      }
    }
    for (const [type, section] of given.sections) {
      if (!defaults.sections.has(type)) defaults.sections.set(type, section.position);
      const leaves = defaults.leaves.get(type) ?? new Map<string, Placed>();
      defaults.leaves.set(type, leaves);
      for (const [path, placedValue] of section.leaves) {
        const earlier = leaves.get(path);
        if (earlier) {
          diagnostics.push({ ...placedValue.position, message: `a default for ${type}.${path} is given twice: also at ${formatPosition(earlier.position)}`, path: describePath(['defaults', type, ...path.split('.')]) });
        } else {
          leaves.set(path, placedValue);
        }
      }
    }
  }
  return defaults;
}

function mergeTarget(entry: PlacedEntry, defaults: Defaults): MergedTarget {
  const { scope, id, path } = entry;
  const target: DesiredTarget = { scope, id, source: entry.source, resources: [] };
  if (entry.description !== undefined) target.description = entry.description;
  if (entry.labels) target.labels = entry.labels;
  const credentials = entry.credentialsEnv ?? defaults.credentialsEnv;
  if (credentials) target.credentialsEnv = { name: credentials.value as string, position: credentials.position };
  const merged: MergedTarget = { target, path, own: new Map(), sections: new Map() };
  for (const spec of RESOURCES) {
    if (!spec.scopes.includes(scope)) continue;
    const section = entry.sections.get(spec.type);
    const own = section?.leaves ?? new Map<string, Placed>();
    const takesDefaults = section !== undefined || !spec.defaultsNeedOwnSection;
    const inherited = (takesDefaults && defaults.leaves.get(spec.type)) || new Map<string, Placed>();
    const resource: DesiredResource = { type: spec.type, values: {}, positions: {}, via: {} };
    for (const field of writableFields(spec, scope)) {
      // Zones inherit only the fields they accept: writableFields(spec, 'zone') leaves out the rest.
      const ownValue = own.get(field.path);
      const placedValue = ownValue ?? inherited.get(field.path);
      if (!placedValue) continue;
      resource.values[field.path] = sentValue(field, placedValue.value);
      resource.positions[field.path] = placedValue.position;
      resource.via[field.path] = ownValue ? scope : 'defaults';
    }
    merged.own.set(spec.type, new Set(own.keys()));
    // A section that is not a mapping (e.g. `doh:` with no value) is a schema error already, not a given section.
    if (section) merged.sections.set(spec.type, { position: section.position, fromDefaults: false });
    else if (takesDefaults && defaults.sections.has(spec.type)) merged.sections.set(spec.type, { position: defaults.sections.get(spec.type)!, fromDefaults: true });
    if (Object.keys(resource.values).length > 0) target.resources.push(resource);
  }
  return merged;
}
