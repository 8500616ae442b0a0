import { Command, Option } from 'commander';
import { revokeUser, type RevokeUserRequest } from '../cloudflare/endpoints.js';
import { CloudflareApiError } from '../cloudflare/errors.js';
import { idProblem } from '../import/targets.js';
import { EXIT, UsageError, type Io } from '../io.js';
import type { Scope } from '../resources/fields.js';
import { isEmail } from '../resources/revoke-user.js';
import { makeClient } from '../cloudflare/settings.js';
import { addApiOptions, apiSettings, type ApiFlags } from './shared/options/api.js';
import { visible } from '../util/terminal.js';

interface RevokeOptions extends ApiFlags {
  account?: string;
  zone?: string;
  email: string;
  userUid?: string;
  devices?: boolean;
  warpSessionReauth?: boolean;
  yes?: boolean;
}

const HELP = `
Calls POST /{accounts|zones}/{id}/access/organizations/revoke_user. --devices is sent as the devices query
parameter and in the body, as the API reference documents it; the other flags go in the body. Only what is
given is sent.

It asks for confirmation on a terminal (only "yes" is accepted); without one it refuses unless --yes is given.
A malformed email or id is refused before anything is sent; an id may be given in any case, and is sent in
lowercase.

Exit codes: 0 the API answered true (tokens revoked); 1 the API answered false ("nothing revoked": no such
user, or nothing to revoke), the API refused the call, or the confirmation was refused.
`;

export function revokeUserCommand(io: Io, setExit: (code: number) => void): Command {
  const command = new Command('revoke-user')
    .summary("Revoke all of a user's Access tokens in an account or zone.")
    .description("Revoke a user's access across all applications of an account's or zone's Zero Trust organization.")
    .addOption(new Option('--account <id>', 'the account (32 hex digits, any case)').conflicts('zone'))
    .option('--zone <id>', 'the zone (32 hex digits, any case)')
    .requiredOption('--email <address>', 'the email of the user to revoke')
    .option('--user-uid <uid>', 'the uid of the user to revoke')
    .option('--devices', "revoke the user's devices too")
    .option('--warp-session-reauth', 'make the user re-authenticate to WARP for Gateway policies that enforce a WARP session duration')
    .option('--yes', 'revoke without asking');
  return addApiOptions(command, { concurrency: false })
    .addHelpText('after', HELP)
    .action(async (options: RevokeOptions) => setExit(await runRevoke(options, io)));
}

async function runRevoke(options: RevokeOptions, io: Io): Promise<number> {
  const { scope, id } = target(options);
  if (!isEmail(options.email)) throw new UsageError(`--email ${JSON.stringify(options.email)} is not an email address; nothing was sent`);
  if (options.userUid !== undefined && options.userUid.trim() === '') throw new UsageError('--user-uid is empty; nothing was sent');
  const request: RevokeUserRequest = {
    email: options.email,
    ...(options.userUid !== undefined && { userUid: options.userUid }),
    ...(options.devices && { devices: true }),
    ...(options.warpSessionReauth && { warpSessionReauth: true }),
  };
  const client = makeClient(apiSettings(options, io, { readOnly: false }), io.env);
  const what = describe(request, scope, id);
  if (!(await confirmed(io, options, what))) return EXIT.error;

  let answer: unknown;
  try {
    answer = await revokeUser(client, scope, id, request);
  } catch (err) {
    if (!(err instanceof CloudflareApiError)) throw err;
    io.stderr.write(`ztsync revoke-user: ${err.kind === 'http' ? 'the API refused' : 'the call failed'}: ${visible(err.message)}\n`);
    return EXIT.error;
  }
  if (answer === true) {
    io.stdout.write(`Revoked ${what}: the API answered true.\n`);
    return EXIT.ok;
  }
  if (answer === false) {
    io.stderr.write(`ztsync revoke-user: nothing revoked: the API answered false for ${options.email} in ${scope} ${id} (no such user, or nothing left to revoke).\n`);
    return EXIT.error;
  }
  io.stderr.write(`ztsync revoke-user: the API answered ${JSON.stringify(answer) ?? 'nothing'}, not true or false: whether anything was revoked is unknown.\n`);
  return EXIT.error;
}

function target(options: RevokeOptions): { scope: Scope; id: string } {
  const given = options.account !== undefined ? { scope: 'account' as const, id: options.account } : options.zone !== undefined ? { scope: 'zone' as const, id: options.zone } : undefined;
  if (!given) throw new UsageError('revoke-user needs a target: --account ID or --zone ID');
  const problem = idProblem(given.id);
  if (problem) throw new UsageError(`--${given.scope} ${problem}; nothing was sent`);
  // Any case, as --account and --zone take on plan and apply; sent as Cloudflare writes ids (the emulator, like
  // the config's schema, knows them only in lowercase).
  return { scope: given.scope, id: given.id.toLowerCase() };
}

function describe(request: RevokeUserRequest, scope: Scope, id: string): string {
  const extras = [request.userUid !== undefined && `user uid ${request.userUid}`, request.devices && 'and their devices', request.warpSessionReauth && 'WARP sessions must re-authenticate'].filter(Boolean);
  return `all Access tokens of ${request.email} in ${scope} ${id}${extras.length ? ` (${extras.join('; ')})` : ''}`;
}

async function confirmed(io: Io, options: RevokeOptions, what: string): Promise<boolean> {
  if (options.yes) return true;
  if (!io.stdinIsTTY) {
    io.stderr.write('ztsync revoke-user: refusing to revoke without confirmation: no terminal to ask on; pass --yes. Nothing was sent.\n');
    return false;
  }
  const answer = await io.prompt(`Revoke ${what}? Only "yes" is accepted: `);
  if (answer.trim() === 'yes') return true;
  io.stderr.write('Revoke cancelled; nothing was sent.\n');
  return false;
}
