import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { editConfigText, type OverrideEdit, type ValueEdit } from '../config/edit.js';
import { EXIT, type Io } from '../io.js';
import { show, targetLabel, type Plan } from '../plan/model.js';
import { writeFilesAtomicSync } from '../util/atomic-write.js';
import { visible } from '../util/terminal.js';
import { addApiOptions, apiSettings, type ApiFlags } from './shared/options/api.js';
import { addEnvironmentOptions, environmentSettings, type EnvironmentFlags } from './shared/options/environment.js';
import { selectionSettings } from './shared/options/selection.js';
import type { ReconcileSettings } from './shared/options/reconcile.js';
import { planFromConfig } from './shared/plan-run.js';

interface CodifyFlags extends ApiFlags, EnvironmentFlags {
  account?: string[];
  zone?: string[];
  select?: string[];
  field?: string[];
  dryRun?: boolean;
}

const HELP = `
Reads live state like plan, and writes the live value of each drifted managed field into the config, where
the config wrote it: a value from the target's own entry is changed there; a value from the defaults gets an
override in the target's entry (the defaults are never edited). Only those bytes change: comments, order,
quoting and blank lines stay. Unmanaged fields stay unmanaged. A value read through \${…} interpolation, an
anchor or alias, a block scalar or block list, or a flow mapping an override would go into, is left alone and
named with file:line:col. Files are written atomically, all or none; then the targets are planned again, and
codify says whether any change is left. Exit codes: 0 codified and the plan is clean; 1 an error, a value left
alone, or changes left.
`;

export function codifyCommand(io: Io, setExit: (code: number) => void): Command {
  const command = new Command('codify')
    .summary('Write live values of drifted managed fields into the config (accepting drift), changing only those values.')
    .description('Accept drift: write the live value of each drifted managed field into the config files, editing only those values.')
    .argument('<paths...>', 'YAML config files or directories')
    .option('--account <id...>', 'only these accounts')
    .option('--zone <id...>', 'only these zones')
    .option('--select <key=value>', 'only the targets carrying this label (repeatable: all must match)', (v: string, all: string[] = []) => [...all, v])
    .option('--field <path...>', 'only these fields, e.g. organization.session_duration (or session_duration)')
    .option('--dry-run', 'say what would be written, write nothing')
    .addHelpText('after', HELP);
  addEnvironmentOptions(command);
  addApiOptions(command);
  return command.action(async (paths: string[], flags: CodifyFlags) => setExit(await codify(paths, flags, io)));
}

async function codify(paths: string[], flags: CodifyFlags, io: Io): Promise<number> {
  const environment = environmentSettings(flags, io.env);
  const settings: ReconcileSettings = {
    paths,
    selection: await selectionSettings({ account: flags.account, zone: flags.zone, select: flags.select }),
    safety: {},
    environment,
    api: { ...apiSettings(flags, io, { readOnly: true }), credentialVariables: environment.credentials },
    quiet: true,
  };
  const planned = await planFromConfig(settings, io);
  if (!planned) return EXIT.error;
  const { values, overrides, notes } = editsOf(planned.plan, flags.field ?? []);
  for (const note of notes) io.stderr.write(`ztsync codify: ${visible(note)}\n`);
  const files = new Set([...values.keys(), ...overrides.keys()]);
  if (files.size === 0) {
    io.stdout.write('Nothing to codify: no managed field has drifted.\n');
    return notes.length > 0 ? EXIT.error : EXIT.ok;
  }
  const written: { path: string; text: string }[] = [];
  let refusedCount = 0;
  for (const file of [...files].sort()) {
    const before = readFileSync(file, 'utf8');
    const result = editConfigText(before, values.get(file) ?? [], overrides.get(file) ?? []);
    for (const d of result.done) io.stdout.write(`${visible(`${file}:${d.line}:${d.col}`)}: ${visible(d.label)}${d.kind === 'override' ? ' (from the defaults: an override added in the entry)' : ''}\n`);
    for (const r of result.refused) io.stderr.write(`${visible(`${file}:${r.line}:${r.col}`)}: ${visible(r.label)}: left alone: ${r.why}\n`);
    refusedCount += result.refused.length;
    if (result.text !== before) written.push({ path: file, text: result.text });
  }
  if (flags.dryRun) {
    io.stdout.write(`Dry run: ${written.length} ${written.length === 1 ? 'file' : 'files'} would change; nothing was written.\n`);
    return refusedCount > 0 ? EXIT.error : EXIT.ok;
  }
  writeFilesAtomicSync(written, { overwrite: true });
  io.stdout.write(`Wrote ${written.length} ${written.length === 1 ? 'file' : 'files'}.\n`);
  // Codify checks its own work: planned again, the targets it edited have no change left but the ones it refused.
  const again = await planFromConfig(settings, io);
  if (!again) return EXIT.error;
  const left = again.plan.targets.flatMap((t) => t.resources.flatMap((r) => r.changes.filter((c) => wanted(flags.field ?? [], r.type, c.path)).map((c) => `${targetLabel(t)} ${r.type}.${c.path}`)));
  if (left.length === 0) {
    io.stdout.write('Planned again: no changes left.\n');
    return refusedCount > 0 ? EXIT.error : EXIT.ok;
  }
  io.stdout.write(`Planned again: ${left.length} ${left.length === 1 ? 'change' : 'changes'} left: ${left.join(', ')}\n`);
  return EXIT.error;
}

/** A --field PATH matches "organization.session_duration" or "session_duration"; none given: every field. */
function wanted(fields: readonly string[], type: string, path: string): boolean {
  return fields.length === 0 || fields.includes(path) || fields.includes(`${type}.${path}`);
}

/** Per file, the value edits (own entries) and overrides (values from the defaults) the plan's drift asks for. */
function editsOf(plan: Plan, fields: readonly string[]): { values: Map<string, ValueEdit[]>; overrides: Map<string, OverrideEdit[]>; notes: string[] } {
  const values = new Map<string, ValueEdit[]>();
  const overrides = new Map<string, OverrideEdit[]>();
  const notes: string[] = [];
  const add = <T>(map: Map<string, T[]>, file: string, edit: T) => map.set(file, [...(map.get(file) ?? []), edit]);
  for (const target of plan.targets) {
    if (target.error) {
      notes.push(`${targetLabel(target)}: not codified: ${target.error.message}`);
      continue;
    }
    for (const resource of target.resources) {
      if (resource.action === 'create') {
        notes.push(`${targetLabel(target)}: ${resource.type} does not exist live: nothing to codify (apply creates it)`);
        continue;
      }
      for (const change of resource.changes) {
        if (!wanted(fields, resource.type, change.path) || !change.source) continue;
        const label = `${target.scope} ${target.id} ${resource.type}.${change.path}: ${show(change.after)} → ${show(change.before)}`;
        if (change.source.via === 'defaults') {
          add(overrides, target.source.file, { entry: target.source, keys: [resource.type, ...change.path.split('.')], value: change.before, label });
        } else {
          add(values, change.source.file, { at: change.source, value: change.before, label });
        }
      }
    }
  }
  return { values, overrides, notes };
}
