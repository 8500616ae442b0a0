// From parsed files to the desired state: collect the accounts and zones, lay the defaults under each of them
// field by field, and remember where every value was written.

import { sentValue } from '../resources/normalize.js';
import { getPath, isPlainObject, RESOURCES, writableFields, type ResourceSpec, type ResourceType, type Scope } from '../resources/index.js';
import type { DesiredResource, DesiredTarget, Diagnostic, SourcePosition } from './model.js';
import { describePath, keyPosition, valuePosition, type PathSegment, type YamlFile } from './positions.js';
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

export function mergeTargets(files: readonly YamlFile[]): { targets: MergedTarget[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const defaults = collectDefaults(files, diagnostics);
  const targets: MergedTarget[] = [];
  const firstSeen = new Map<string, SourcePosition>();
  // Accounts first, then zones; each in file order.
  for (const { scope, key } of SCOPE_LISTS) {
    for (const f of files) {
      const list = isPlainObject(f.data) ? f.data[key] : undefined;
      if (!Array.isArray(list)) continue;
      list.forEach((entry, index) => {
        const id = isPlainObject(entry) ? entry[idKey(scope)] : undefined;
        if (!isPlainObject(entry) || typeof id !== 'string') return;
        const merged = mergeTarget(f, scope, [key, index], entry, id, defaults);
        const earlier = firstSeen.get(`${scope}:${id}`);
        if (earlier) {
          const { file, line, col } = earlier;
          diagnostics.push({ ...merged.target.source, message: `${scope} ${id} is defined twice: also at ${file}:${line}:${col}`, path: describePath(merged.path) });
        } else {
          firstSeen.set(`${scope}:${id}`, merged.target.source);
        }
        targets.push(merged);
      });
    }
  }
  return { targets, diagnostics };
}

function collectDefaults(files: readonly YamlFile[], diagnostics: Diagnostic[]): Defaults {
  const defaults: Defaults = { leaves: new Map(), sections: new Map() };
  for (const f of files) {
    const section = isPlainObject(f.data) ? f.data.defaults : undefined;
    if (!isPlainObject(section)) continue;
    if (typeof section.credentials_env === 'string') {
      const placed = { value: section.credentials_env, position: valuePosition(f, ['defaults', 'credentials_env']) };
      if (defaults.credentialsEnv) {
        const { file, line, col } = defaults.credentialsEnv.position;
        diagnostics.push({ ...placed.position, message: `a default credentials_env is given twice: also at ${file}:${line}:${col}`, path: 'defaults.credentials_env' });
      } else {
        defaults.credentialsEnv = placed;
      }
    }
    for (const spec of RESOURCES) {
      if (!isPlainObject(section[spec.type])) continue; // anything else is a schema error already
      if (!defaults.sections.has(spec.type)) defaults.sections.set(spec.type, keyPosition(f, ['defaults', spec.type]));
      const leaves = defaults.leaves.get(spec.type) ?? new Map<string, Placed>();
      defaults.leaves.set(spec.type, leaves);
      for (const [path, placed] of leafValues(f, ['defaults', spec.type], section[spec.type], spec, 'account')) {
        const earlier = leaves.get(path);
        if (earlier) {
          const { file, line, col } = earlier.position;
          diagnostics.push({ ...placed.position, message: `a default for ${spec.type}.${path} is given twice: also at ${file}:${line}:${col}`, path: describePath(['defaults', spec.type, ...path.split('.')]) });
        } else {
          leaves.set(path, placed);
        }
      }
    }
  }
  return defaults;
}

/** The managed leaves of one resource section, in table order, keyed by dotted path. */
function leafValues(f: YamlFile, base: PathSegment[], section: unknown, spec: ResourceSpec, scope: Scope): Map<string, Placed> {
  const leaves = new Map<string, Placed>();
  if (!isPlainObject(section)) return leaves;
  for (const field of writableFields(spec, scope)) {
    const value = getPath(section, field.path);
    if (value !== undefined) leaves.set(field.path, { value, position: valuePosition(f, [...base, ...field.path.split('.')]) });
  }
  return leaves;
}

function mergeTarget(f: YamlFile, scope: Scope, path: PathSegment[], entry: Record<string, unknown>, id: string, defaults: Defaults): MergedTarget {
  const target: DesiredTarget = { scope, id, source: valuePosition(f, path), resources: [] };
  if (typeof entry.description === 'string') target.description = entry.description;
  const credentials: Placed | undefined =
    typeof entry.credentials_env === 'string' ? { value: entry.credentials_env, position: valuePosition(f, [...path, 'credentials_env']) } : defaults.credentialsEnv;
  if (credentials) target.credentialsEnv = { name: credentials.value as string, position: credentials.position };
  const merged: MergedTarget = { target, path, own: new Map(), sections: new Map() };
  for (const spec of RESOURCES) {
    if (!spec.scopes.includes(scope)) continue;
    const own = leafValues(f, [...path, spec.type], entry[spec.type], spec, scope);
    const hasOwnSection = isPlainObject(entry[spec.type]);
    const takesDefaults = hasOwnSection || !spec.defaultsNeedOwnSection;
    const inherited = (takesDefaults && defaults.leaves.get(spec.type)) || new Map<string, Placed>();
    const resource: DesiredResource = { type: spec.type, values: {}, positions: {}, via: {} };
    for (const field of writableFields(spec, scope)) {
      // Zones inherit only the fields they accept: writableFields(spec, 'zone') leaves out the rest.
      const ownValue = own.get(field.path);
      const placed = ownValue ?? inherited.get(field.path);
      if (!placed) continue;
      resource.values[field.path] = sentValue(field, placed.value);
      resource.positions[field.path] = placed.position;
      resource.via[field.path] = ownValue ? scope : 'defaults';
    }
    merged.own.set(spec.type, new Set(own.keys()));
    // A section that is not a mapping (e.g. `doh:` with no value) is a schema error already, not a given section.
    if (hasOwnSection) merged.sections.set(spec.type, { position: keyPosition(f, [...path, spec.type]), fromDefaults: false });
    else if (takesDefaults && defaults.sections.has(spec.type)) merged.sections.set(spec.type, { position: defaults.sections.get(spec.type)!, fromDefaults: true });
    if (Object.keys(resource.values).length > 0) target.resources.push(resource);
  }
  return merged;
}
