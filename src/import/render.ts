// The import model as config files: pure. One file (--out, or stdout) or one file per target (--out-dir).
// Keys follow the resource tables, so that a re-import diffs cleanly in git; a string is quoted wherever a YAML
// reader, 1.1 or 1.2, would take it for something else.

import { posix } from 'node:path';
import { Document, isPair, isScalar, Scalar, visit } from 'yaml';
import { UNCHECKED } from '../config/load.js';
import { fieldByPath } from '../resources/fields.js';
import { formatProblem } from '../resources/normalize.js';
import { organization } from '../resources/organization.js';
import { idKey, SCHEMA_ID } from '../config/schema.js';
import { setPath, type ResourceType } from '../resources/index.js';
import type { ImportModel, ImportedTarget, Leaves } from './model.js';
import type { ImportTarget } from './targets.js';
import { visible, visibleLines } from '../util/terminal.js';

export interface ImportFile {
  /** Where it goes, as given (relative to the working directory or absolute); null for stdout. */
  path: string | null;
  text: string;
}

/**
 * The `$schema` reference the modeline of a file at `path` (null: stdout, read from the working directory) carries;
 * null: no modeline.
 */
export type SchemaRef = (path: string | null) => string | null;

const HEADER = 'Written by `ztsync import` from the live state. Only the fields written here are managed.';

/**
 * Without --schema, the file names its schema by its $id instead of a modeline: yaml-language-server takes a
 * modeline that is not an http(s) or file URL for a path next to the file, and a modeline overrides the editor's
 * own schema settings, so a modeline of the $id would break editors rather than help them.
 */
const NAMED_SCHEMA = `Config schema ${SCHEMA_ID} (\`ztsync schema\` prints it; \`ztsync import --schema FILE\` writes an editor modeline).`;

/** The first comment lines of a file at `path`: the modeline, or the schema's name. */
function head(schemaRef: SchemaRef, path: string | null): string[] {
  const ref = schemaRef(path);
  return ref === null ? [NAMED_SCHEMA] : [modeline(ref)];
}

export function singleFile(model: ImportModel, path: string | null, schemaRef: SchemaRef): ImportFile {
  const data: Record<string, unknown> = {};
  if (model.defaults.length > 0) data.defaults = sections(model.defaults);
  const accounts = model.targets.filter((t) => t.scope === 'account');
  const zones = model.targets.filter((t) => t.scope === 'zone');
  if (accounts.length > 0) data.accounts = accounts.map(entry);
  if (zones.length > 0) data.zones = zones.map(entry);
  const trailer = model.skipped.length > 0 ? skippedComment(model.skipped) : [];
  return { path, text: yamlText(data, [...head(schemaRef, path), HEADER], trailer, model.targets) };
}

/** One file per target under `dir`: accounts/<id>.yaml and zones/<id>.yaml, and defaults.yaml when there are defaults. */
export function filePerTarget(model: ImportModel, dir: string, schemaRef: SchemaRef): ImportFile[] {
  const files: ImportFile[] = [];
  const join = (...parts: string[]) => posix.join(dir.split('\\').join('/'), ...parts);
  if (model.defaults.length > 0) {
    const path = join('defaults.yaml');
    const text = yamlText({ defaults: sections(model.defaults) }, [...head(schemaRef, path), HEADER, 'Laid under every target: the value most imported targets share; the others override it.'], [], []);
    files.push({ path, text });
  }
  for (const target of model.targets) {
    const path = join(`${target.scope}s`, `${target.id}.yaml`);
    files.push({ path, text: yamlText({ [`${target.scope}s`]: [entry(target)] }, [...head(schemaRef, path), HEADER], [], [target]) });
  }
  for (const target of model.skipped) {
    const path = join(`${target.scope}s`, `${target.id}.yaml`);
    files.push({ path, text: commentLines([...head(schemaRef, path), `${target.scope} ${target.id} has nothing set yet (${nothingSet(target)}): nothing to import.`]) });
  }
  return files;
}

function modeline(ref: string): string {
  return `yaml-language-server: $schema=${ref}`;
}

function nothingSet(target: ImportTarget): string {
  return target.scope === 'account' ? 'no Zero Trust organization or DoH settings' : 'no Zero Trust organization';
}

function skippedComment(skipped: readonly ImportTarget[]): string[] {
  return ['Not imported, nothing set yet (no Zero Trust organization, and for accounts no DoH settings):', ...skipped.map((t) => `  ${t.scope} ${t.id}`)];
}

function entry(target: ImportedTarget): Record<string, unknown> {
  return { [idKey(target.scope)]: target.id, ...(target.description ? { description: target.description } : {}), ...sections(target.resources) };
}

function sections(resources: readonly { type: ResourceType; values: Leaves }[]): Record<string, unknown> {
  return Object.fromEntries(resources.map((r) => [r.type, nest(r.values)]));
}

/** Dotted leaves back into nested groups, in the leaves' (table) order. */
function nest(values: Leaves): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [path, value] of Object.entries(values)) setPath(out, path, value);
  return out;
}

function commentLines(lines: readonly string[]): string {
  return lines.flatMap((l) => l.split('\n')).map((l) => `# ${l}`.trimEnd()).join('\n') + '\n';
}

function yamlText(data: Record<string, unknown>, header: string[], trailer: string[], targets: readonly ImportedTarget[]): string {
  if (Object.keys(data).length === 0) return commentLines([...header, ...trailer]);
  const doc = new Document(data);
  doc.commentBefore = header.map((l) => ` ${l}`).join('\n');
  if (trailer.length > 0) doc.comment = trailer.map((l) => ` ${l}`).join('\n');
  // Targets with a resource not set yet say so, right above their entry.
  for (const key of ['accounts', 'zones'] as const) {
    const list = doc.get(key) as { items: { commentBefore?: string }[] } | undefined;
    const scoped = targets.filter((t) => `${t.scope}s` === key);
    list?.items.forEach((item, i) => {
      const notSet = scoped[i]?.notSet ?? [];
      if (notSet.length > 0) item.commentBefore = ` not set yet: ${notSet.join(', ')}`;
    });
  }
  visit(doc, {
    Seq(_, seq) {
      // Lists of plain values on one line, as people write them: [totp, security_key].
      if (seq.items.every((item) => isScalar(item))) seq.flow = true;
    },
    Scalar(_, scalar, path) {
      if (typeof scalar.value !== 'string') return;
      // A live login-page value ztsync would refuse (a colour, logo path or text set in the dashboard) is kept as
      // it is, marked for reviewers: the config describes the live state.
      if (refusedLoginValue(path, scalar)) scalar.tag = UNCHECKED;
      // Config strings read ${ZTSYNC_…} from the environment: live text is kept literal ($${ is a literal ${).
      const text = scalar.value.replaceAll('${', () => '$${');
      scalar.value = text;
      if (misread(text) || visible(text) !== text || text.includes('##[')) scalar.type = Scalar.QUOTE_DOUBLE;
    },
  });
  // Live text with control, bidi or invisible characters is double-quoted (above), where yaml escapes C0 but writes
  // the others as they are: escaped here, so the file is safe to print and to review (still the same value).
  // `##[` (an old-style workflow command when printed in a GitHub Actions log) only occurs in double-quoted
  // scalars (above), where `#\u0023[` is the same text.
  return visibleLines(doc.toString({ lineWidth: 0, flowCollectionPadding: false })).replace(/##\[/g, '#\\u0023[');
}

/** Whether `scalar`, the value at the end of `path` (yaml's ancestors of the scalar), is a login_design value ztsync refuses. */
function refusedLoginValue(path: readonly unknown[], scalar: Scalar): boolean {
  const [design, pair] = path.slice(-3).filter((node) => isPair(node)) as { key: unknown; value: unknown }[];
  const keyOf = (p: { key: unknown } | undefined) => (isScalar(p?.key) ? String(p.key.value) : undefined);
  if (keyOf(design) !== 'login_design' || pair?.value !== scalar) return false;
  const field = fieldByPath(organization, `login_design.${keyOf(pair)}`);
  return field !== undefined && formatProblem(field, scalar.value) !== undefined;
}

/**
 * The patterns by which a YAML 1.1 or 1.2 reader resolves a plain scalar to something other than a string
 * (yes/no, on/off, 0777, 1:20, dates, ~…). yaml quotes what 1.2 would misread on its own; 1.1 readers are still
 * common (PyYAML, older editors), so their patterns count too. Indicators and spaces yaml handles itself.
 */
const NOT_A_STRING: readonly RegExp[] = (['1.1', '1.2'] as const).flatMap((version) =>
  new Document(null, { version }).schema!.tags.flatMap((tag) => ('test' in tag && tag.test instanceof RegExp ? [tag.test] : [])),
);

function misread(text: string): boolean {
  return text.includes('\n') || NOT_A_STRING.some((pattern) => pattern.test(text));
}
