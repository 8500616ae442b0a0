import { Command } from 'commander';
import { configCommit } from '../config/commit.js';
import { formatDiagnostic, loadDesiredState, type DesiredState } from '../config/index.js';
import { EXIT, UsageError, type Io } from '../io.js';
import { validationMarkdown } from '../plan/render-validation.js';
import { checkWritable } from '../util/atomic-write.js';
import { visible } from '../util/terminal.js';
import { githubActions } from './shared/github.js';
import { addEnvironmentOptions, environmentSettings, type EnvironmentFlags } from './shared/options/environment.js';
import { declareCredentialVariables, writeOutputFile } from './shared/output.js';

interface ValidateFlags extends EnvironmentFlags {
  markdownOut?: string;
  commit?: string;
}

const HELP = `
Checks, and reports every problem at once as file:line:col: message (path):
  - UTF-8 and YAML syntax (one document per file; duplicate keys included; keys must be strings; alias
    expansion is bounded)
  - the schema (schema/ztsync.schema.json): unknown keys (with the closest valid key), types, enums,
    ids (32 lowercase hex digits, quoted if all digits), uuids (no urn:uuid: prefix), hostnames;
    login-page values: CSS colours, an https: URL or relative logo path, text without HTML (a value
    tagged !unchecked is sent as it is)
  - null unsets an optional field (not name or auth_domain); a key with no value is an error
  - Go durations, with each field's units and bounds (e.g. user_seat_expiration_inactive_time >= 730h)
    and Go's own limit (2562047h47m16.854775807s); name and auth_domain must not be empty
  - after laying the defaults under each target: allow_authenticate_via_warp needs
    warp_auth_session_duration; mfa_required_for_all_apps needs MFA authenticators and a session duration;
    a doh section needs service_token_id; zones take only zone settings and no doh
  - an account or zone defined twice, across all files
  - \${ZTSYNC_NAME} in string values: only variables the run allows (--env-allow, ZTSYNC_ENV_ALLOW) are
    read, never a credential, and they must be set
  - credentials_env names only CLOUDFLARE_API_TOKEN_… or a variable declared with --credentials-env

--markdown-out FILE writes the outcome as markdown for the pull request's sticky plan comment (it starts with
the plan comment's marker, <!-- ztsync-plan -->, so it replaces the plan shown there): "validation failed at
<commit>: see the annotations", with the problems, or "validation passed at <commit>". --commit SHA names the
commit (default: the git HEAD of the config's work tree).

Directories are searched recursively for *.yaml and *.yml, skipping dot-directories (.github, .git)
and node_modules unless named. Exit code 0 when valid, 1 otherwise.
It reads no live state: nothing is sent to Cloudflare.
`;

export function validateCommand(io: Io, setExit: (code: number) => void): Command {
  const command = new Command('validate')
    .description('Validate config files without contacting Cloudflare.')
    .argument('<paths...>', 'config files or directories')
    .option('--markdown-out <file>', 'also write the outcome as markdown for the pull-request comment (replacing the plan comment)')
    .option('--commit <sha>', 'the commit the outcome names (default: the git HEAD of the config)')
    .addHelpText('after', HELP);
  return addEnvironmentOptions(command).action(async (paths: string[], options: ValidateFlags) => {
    if (options.markdownOut === '-') throw new UsageError('--markdown-out takes a file');
    if (options.commit !== undefined && !/^[0-9a-f]{7,64}$/i.test(options.commit)) {
      throw new UsageError(`--commit takes a git commit id (7 to 64 hex digits), not ${JSON.stringify(visible(options.commit))}`);
    }
    if (options.markdownOut !== undefined) checkWritable(options.markdownOut);
    const policy = environmentSettings(options, io.env);
    declareCredentialVariables(io, policy.credentials);
    const { state, diagnostics, warnings } = await loadDesiredState(paths, { env: io.env, policy });
    if (options.markdownOut !== undefined) {
      const commit = options.commit?.toLowerCase() ?? (await configCommit(paths)).commit;
      writeOutputFile(io, options.markdownOut, validationMarkdown({ commit, diagnostics: state ? [] : diagnostics, summary: state ? summary(state) : null }));
    }
    for (const w of warnings) io.stderr.write(githubActions(io).guard(`${formatDiagnostic(w)}\n`));
    if (!state) {
      const github = githubActions(io);
      github.annotateDiagnostics(diagnostics);
      for (const d of diagnostics) io.stderr.write(github.guard(`${formatDiagnostic(d)}\n`));
      const n = diagnostics.length;
      io.stderr.write(`${n} ${n === 1 ? 'problem' : 'problems'} found\n`);
      setExit(EXIT.error);
      return;
    }
    io.stdout.write(`ok: ${summary(state)}\n`);
    setExit(EXIT.ok);
  });
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** "2 files, 3 accounts, 1 zone". */
export function summary(state: DesiredState): string {
  const accounts = state.targets.filter((t) => t.scope === 'account').length;
  return [count(state.files.length, 'file'), count(accounts, 'account'), count(state.targets.length - accounts, 'zone')].join(', ');
}
