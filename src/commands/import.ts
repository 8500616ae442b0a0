import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { Command, Option } from 'commander';
import { formatDiagnostic } from '../config/index.js';
import { buildImportModel, type ImportModel, type Left } from '../import/model.js';
import { show } from '../plan/model.js';
import { readTargets } from '../import/read.js';
import { listAccounts, type Discovered } from '../import/discover.js';
import { planError } from '../plan/build.js';
import { filePerTarget, singleFile, type SchemaRef } from '../import/render.js';
import { idProblem, orderTargets, parseTargetsFile, type ImportTarget } from '../import/targets.js';
import { checkImportFiles, roundTripProblems } from '../import/verify.js';
import { EXIT, UsageError, type Io } from '../io.js';
import { existingPaths, writeFilesAtomicSync } from '../util/atomic-write.js';
import { makeClients } from '../cloudflare/settings.js';
import { addApiOptions, addRateLimitOption, apiSettings, type ApiFlags } from './shared/options/api.js';
import { visible } from '../util/terminal.js';
import { Progress } from './shared/progress.js';
import { refuseSecrets } from './shared/output.js';

interface ImportOptions extends ApiFlags {
  account?: string[];
  zone?: string[];
  targets?: string;
  out?: string;
  outDir?: string;
  defaults?: boolean;
  verify?: boolean;
  force?: boolean;
  schema?: string;
  allAccounts?: boolean;
  quiet?: boolean;
}

const HELP = `
Reads the live organization (and, for accounts, the DoH settings) of each target and writes config that
plans with no changes: writable fields only, in the order of the schema; values the API reports as its
defaults (false, empty strings, lists and login_design) left out; doh.service_token_id from the token's id.
Targets with nothing set yet are listed in a comment and not imported.

  --targets FILE   one target a line, "account <id>" or "zone <id>"; blank lines and # comments ignored
  --all-accounts   every account the token can see (Cloudflare's GET /accounts, paged), with the targets given
  --out FILE       one .yaml file with every target
  --out-dir DIR    one file per target: DIR/accounts/<id>.yaml, DIR/zones/<id>.yaml (and DIR/defaults.yaml)
                   with neither, the config is printed to stdout
  --defaults       per field, the value most targets share goes into a defaults section; targets with
                   another value (or none) keep theirs as overrides; what was lifted and left is reported
  --verify         plan the imported config against live state before writing: any change is an error

Before anything is written, the config is checked as \`ztsync validate\` would; any failure (a target that
cannot be read — but an account only --all-accounts found that answers 403 is left out and named —, a live value the schema refuses, a change under --verify, a file that exists without
--force) writes nothing at all. Exit codes: 0 imported, 1 anything else.
`;

export function importCommand(io: Io, setExit: (code: number) => void): Command {
  const command = new Command('import')
    .summary('Write config from the live settings of accounts and zones.')
    .description('Bring existing accounts and zones under management: read their live settings and write config YAML.')
    .option('--account <id...>', 'accounts to import (repeatable)')
    .option('--zone <id...>', 'zones to import (repeatable)')
    .option('--targets <file>', 'a file listing the targets, one "account <id>" or "zone <id>" a line')
    .option('--all-accounts', 'also every account the token can see (GET /accounts)')
    .addOption(new Option('--out <file>', 'write one config file (.yaml or .yml)').conflicts('outDir'))
    .option('--out-dir <dir>', 'write one config file per target under this directory')
    .option('--defaults', 'lift, per field, the value most targets share into a defaults section (the others become overrides)')
    .option('--verify', 'plan the imported config against live state before writing; fail unless it shows no changes')
    .option('--force', 'overwrite files that exist')
    .option('-q, --quiet', 'no progress line on stderr')
    .option('--schema <path-or-url>', 'write a yaml-language-server modeline pointing at this schema file (relative to each written file) or URL (default: no modeline; the header names the schema by its $id)')
    .addHelpText('after', HELP);
  return addRateLimitOption(addApiOptions(command)).action(async (options: ImportOptions) => setExit(await runImport(options, io)));
}

async function runImport(options: ImportOptions, io: Io): Promise<number> {
  const fail = (lines: string[]) => {
    for (const line of lines) io.stderr.write(`${line}\n`);
    return EXIT.error;
  };
  const chosen = await chosenTargets(options);
  if ('problems' in chosen) return fail(chosen.problems);
  if (options.out !== undefined && !['.yaml', '.yml'].includes(extname(options.out).toLowerCase())) {
    throw new UsageError(`--out ${options.out}: config files end in .yaml or .yml`);
  }
  if (options.schema !== undefined && !isUrl(options.schema) && !existsSync(options.schema)) {
    throw new UsageError(`--schema ${options.schema}: no such file; write it first (ztsync schema > ${options.schema}) or give a URL`);
  }
  const schemaRef = schemaReference(options.schema);
  const inTheWay = (targets: readonly ImportTarget[], read: boolean) => {
    const existing = options.force ? [] : existingPaths(plannedPaths(targets, options));
    return existing.length === 0 ? null : fail([`ztsync import: ${existing.join(', ')} already ${existing.length === 1 ? 'exists' : 'exist'}; pass --force to overwrite. Nothing was ${read ? '' : 'read or '}written.`]);
  };
  const refused = inTheWay(chosen.targets, false);
  if (refused !== null) return refused;

  const api = apiSettings(options, io, { readOnly: true });
  // The same paced budget as plan and apply (--rate-limit, the server's Ratelimit answers, a 429 pausing every
  // worker): a fleet's import must not lock the token, and everyone in the dashboard, out.
  const client = makeClients(api, io.env).for();
  let targets = chosen.targets;
  let found: Discovered | undefined;
  if (options.allAccounts) {
    try {
      found = await listAccounts(client);
    } catch (err) {
      return fail([visible(`GET /accounts: ${planError(err).message}`), 'ztsync import: --all-accounts: the accounts the token can see could not be listed; nothing was written.']);
    }
    targets = withDiscovered(targets, found.accounts);
    const refusedNow = inTheWay(targets, true);
    if (refusedNow !== null) return refusedNow;
    if (targets.length === 0) return fail(['ztsync import: --all-accounts: the token sees no account, and no other target was given; nothing was written.']);
  }
  const concurrency = api.concurrency ?? 8;
  // Progress on stderr as plan shows it: a fleet's reads may wait minutes for the rate budget.
  const counts = () => ({ requests: client.stats.requests, retries: client.stats.retries, heldMs: client.stats.heldMs });
  const progress = (label: string, total: number) => new Progress(io, { label, total, quiet: Boolean(options.quiet), counts });
  const reading = progress('import', targets.length);
  const read = await readTargets(client, targets, concurrency, () => reading.targetDone()).finally(() => reading.stop());
  // An account --all-accounts found that the token may not read (403: its Access permission is scoped to other
  // accounts, routine on a fleet) is left out and reported; a target the user named still fails the import.
  const forbidden = read.filter((t) => t.error !== null && t.status === 403 && t.discovered);
  const live = read.filter((t) => !forbidden.includes(t));
  const unreadable = live.filter((t) => t.error !== null);
  if (unreadable.length > 0) {
    return fail([...unreadable.map((t) => visible(`${t.scope} ${t.id}: ${t.error}`)), `ztsync import: ${count(unreadable.length, 'target')} could not be read; nothing was written.`]);
  }

  const model = buildImportModel(live.map((t) => ({ target: t, live: t.live })), { defaults: Boolean(options.defaults) });
  const files = options.outDir !== undefined ? filePerTarget(model, options.outDir, schemaRef) : [singleFile(model, options.out ?? null, schemaRef)];
  const checked = await checkImportFiles(files);
  if (!checked.state) {
    return fail([...checked.problems, `ztsync import: the live state cannot be written as valid config (${count(checked.problems.length, 'problem')} above); nothing was written.`]);
  }
  if (options.verify) {
    const verifying = progress('import --verify', checked.state.targets.length);
    const problems = await roundTripProblems(checked.state, client, concurrency, () => verifying.targetDone()).finally(() => verifying.stop());
    if (problems.length > 0) {
      return fail([...problems, `ztsync import: --verify: the imported config does not round-trip (${count(problems.length, 'difference')} above); nothing was written.`]);
    }
  }

  const where = visible(options.outDir !== undefined ? `${count(files.length, 'file')} under ${options.outDir}` : (options.out ?? 'stdout'));
  const zonesGiven = targets.some((t) => t.scope === 'zone');
  const report = (found ? discoveredLine(found, forbidden, zonesGiven) : '') + summary(model, where, Boolean(options.verify));
  if (files.length === 1 && files[0].path === null) {
    io.stdout.write(files[0].text);
    io.stderr.write(report);
    return EXIT.ok;
  }
  try {
    for (const file of files) refuseSecrets(io, file.path!, file.text);
    writeFilesAtomicSync(files.map((f) => ({ path: f.path!, text: f.text })), { overwrite: Boolean(options.force) });
  } catch (err) {
    return fail([`ztsync import: ${err instanceof Error ? err.message : String(err)}; nothing was written.`]);
  }
  io.stdout.write(report);
  return EXIT.ok;
}

/** The targets given, with the accounts GET /accounts listed (each with its name: the description of last resort). */
function withDiscovered(given: readonly ImportTarget[], discovered: readonly ImportTarget[]): ImportTarget[] {
  const names = new Map(discovered.map((t) => [t.id, t.name]));
  const named = given.map((t) => (t.scope === 'account' && names.get(t.id) !== undefined ? { ...t, name: names.get(t.id) } : t));
  return orderTargets([...named, ...discovered]);
}

function discoveredLine(found: Discovered, forbidden: readonly ImportTarget[], zonesGiven: boolean): string {
  const ignored = found.ignored > 0 ? ` (${count(found.ignored, 'entry', 'entries')} without a Cloudflare id ignored)` : '';
  const lines = [`--all-accounts: the token sees ${count(found.accounts.length, 'account')} (GET /accounts, ${count(found.pages, 'page')})${ignored}.`];
  if (forbidden.length > 0) {
    lines.push(`Left out ${count(forbidden.length, 'account')} the token sees but may not read (403: give it "Access: Organizations, Identity Providers, and Groups Read" there to import ${forbidden.length === 1 ? 'it' : 'them'}): ${forbidden.map((t) => t.id).join(', ')}.`);
  }
  // Cloudflare has no list of the zones with a Zero Trust organization: say so, rather than let "0 zones" pass for all.
  if (!zonesGiven) lines.push('Zones are not listed by --all-accounts: give them with --zone or --targets.');
  return lines.map((l) => `${l}\n`).join('');
}

async function chosenTargets(options: ImportOptions): Promise<{ targets: ImportTarget[] } | { problems: string[] }> {
  const given: ImportTarget[] = [];
  const problems: string[] = [];
  for (const [scope, ids] of [['account', options.account ?? []], ['zone', options.zone ?? []]] as const) {
    for (const id of ids) {
      const problem = idProblem(id);
      if (problem) problems.push(`ztsync import: --${scope} ${problem}`);
      else given.push({ scope, id: id.toLowerCase() }); // as the config writes it
    }
  }
  if (options.targets !== undefined) {
    let text: string;
    try {
      text = await readFile(options.targets, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return { problems: [`${options.targets}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a targets file' : (err as Error).message}`] };
    }
    const parsed = parseTargetsFile(options.targets, text);
    problems.push(...parsed.diagnostics.map(formatDiagnostic));
    given.push(...parsed.targets);
  }
  if (problems.length > 0) return { problems };
  if (given.length === 0 && !options.allAccounts) throw new UsageError('import needs targets: --account ID, --zone ID, --targets FILE or --all-accounts');
  return { targets: orderTargets(given) };
}

/** Every file import could write for these targets, known before anything is read. */
function plannedPaths(targets: readonly ImportTarget[], options: ImportOptions): string[] {
  if (options.out !== undefined) return [options.out];
  if (options.outDir === undefined) return [];
  const files = filePerTarget({ defaults: [], targets: [], skipped: [...targets] }, options.outDir, () => '').map((f) => f.path!);
  return options.defaults ? [...files, join(options.outDir, 'defaults.yaml')] : files;
}

/**
 * Where each file's modeline points: a URL as given; a path made relative to each file's directory (as
 * yaml-language-server resolves it); without --schema, nowhere (see render.ts: the header names the schema's $id).
 */
function schemaReference(given: string | undefined): SchemaRef {
  if (given === undefined) return () => null;
  if (isUrl(given)) return () => given;
  const schema = resolve(given);
  return (path) => {
    const from = path === null ? process.cwd() : dirname(resolve(path));
    const ref = relative(from, schema).split(sep).join('/');
    return ref.startsWith('.') ? ref : `./${ref}`;
  };
}

function isUrl(text: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
}

function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}

function summary(model: ImportModel, where: string, verified: boolean): string {
  const accounts = model.targets.filter((t) => t.scope === 'account').length;
  const lines = [`Imported ${count(accounts, 'account')} and ${count(model.targets.length - accounts, 'zone')} to ${where}.`];
  lines.push(...defaultsReport(model));
  if (model.skipped.length > 0) lines.push(`Skipped ${count(model.skipped.length, 'target')} with nothing set yet: ${model.skipped.map((t) => `${t.scope} ${t.id}`).join(', ')}.`);
  if (verified) lines.push('Verified: a plan of the imported config against live state shows no changes.');
  return lines.join('\n') + '\n';
}

const LEFT_BECAUSE: Record<Left['reason'], (left: Left) => string> = {
  'no-shared-value': (l) => `${l.distinct} different values, none shared by two targets`,
  'mostly-unset': (l) => `${l.reached - l.set} of ${l.reached} targets leave it unset`,
  'a-target-lacks-the-resource': (l) => `a target the default would reach has no ${l.type}`,
};

/** With --defaults: each field lifted (its value, how many targets share it, how many keep their own), and each left. */
function defaultsReport(model: ImportModel): string[] {
  if (!model.lifted || !model.left) return [];
  const lines: string[] = [];
  if (model.lifted.length === 0) lines.push('--defaults lifted nothing: no value is shared by most of the targets a default would reach.');
  else {
    lines.push(`--defaults lifted ${count(model.lifted.length, 'value')} into defaults (the value most targets share; the others keep their own as overrides):`);
    for (const l of model.lifted) lines.push(visible(`  ${l.type}.${l.path}: ${show(l.value)}, shared by ${l.shared} of ${l.reached} targets, ${count(l.overrides, 'override')}`));
  }
  if (model.left.length > 0) {
    lines.push(`Left with each target, ${count(model.left.length, 'field')}:`);
    for (const l of model.left) lines.push(`  ${l.type}.${l.path}: set on ${l.set} of ${l.reached} targets, ${LEFT_BECAUSE[l.reason](l)}`);
  }
  return lines;
}
