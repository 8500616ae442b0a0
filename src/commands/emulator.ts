// `ztsync emulator`: run the local Cloudflare API emulator until SIGINT/SIGTERM.

import { Command, Option } from 'commander';
import type { Io } from '../io.js';
import {
  ANSWER_STYLES,
  DEFAULT_HOST,
  DEFAULT_PORT,
  FAULT_KINDS,
  loadSeedFile,
  loadTokensFile,
  parseRateLimit,
  startEmulator,
  type AnswerStyle,
  type EmulatorOptions,
  type FaultKind,
  type PutSemantics,
} from '../emulator/index.js';

const TOKEN_ENV = 'ZTSYNC_EMULATOR_TOKEN';

const HELP_AFTER = `
The emulator serves Cloudflare's Zero Trust organization and DoH API under http://HOST:PORT/client/v4:
  GET|POST|PUT /{accounts|zones}/{id}/access/organizations, POST .../access/organizations/revoke_user,
  GET|PUT /accounts/{id}/access/organizations/doh.
Point ztsync (or any Cloudflare client) at it with CLOUDFLARE_BASE_URL=http://127.0.0.1:8787/client/v4 and any
CLOUDFLARE_API_TOKEN (only the --token one, when given). Accounts and zones exist only when seeded.

Seed file (YAML or JSON):
  accounts:
    - id: 023e105f4ecef8ad9ca31a8372d0c353          # at most 32 characters; quote all-digit ids
      organization: { name: Widget Corps, auth_domain: widget.cloudflareaccess.com, session_duration: 24h }
      key_rotation_interval_days: 365              # 21-365 (absent: 365); doh_jwt_duration may not be longer
      service_tokens:
        - { id: f174e90a-fafe-4643-bbbc-4a0ed4fc8415, client_id: 88bf3b6d86161464f6509f7219099e57.access, name: CI token, duration: 8760h, enabled: true }
      doh: { service_token_id: f174e90a-fafe-4643-bbbc-4a0ed4fc8415, doh_jwt_duration: 24h }
      users: [{ email: alice@example.com, uid: 699d98642c564d2e855e9661899b7252 }]   # who revoke_user knows
  zones:
    - id: 699d98642c564d2e855e9661899b7252
      account_id: 023e105f4ecef8ad9ca31a8372d0c353   # optional: the owning account (GET /zones/{id}, its audit log)
      organization: { name: Zone org, auth_domain: zone.cloudflareaccess.com }
  Leave out organization (or doh) for "none yet". A state file has the same format.
  revoke_user answers true for a listed user (or anyone, when none are listed), false otherwise, and appends
  each call it answers to the owner's revocations (GET /__emulator/state).

Admin endpoints (successes in plain JSON, failures in Cloudflare's envelope; with --token they need it too; for
local tools only: bodies as application/json, no Origin header, a loopback Host while listening on loopback):
  GET  /__emulator/state    the whole state in the seed format, plus counters (requests by route, writes, rateLimited, faults)
  POST /__emulator/reset    body: a seed in JSON; replaces the state and zeroes the counters
  GET  /__emulator/config   the running settings (no rateLimit key when there is no limit)
  POST /__emulator/config   change settings while running, e.g. {"latencyMs":50,"faultRate":0.1,"rateLimit":{"requests":1200,"windowSeconds":300}}
                            (also faultKinds, putSemantics, answerStyle, newerApi, strict; "rateLimit": null turns the limit off)

Dashboard edits (a change made in the Cloudflare dashboard, by the person named; checked like an API write,
merged into what is there, and recorded in the audit log):
  PATCH /__emulator/accounts/{id}/organization, /__emulator/zones/{id}/organization, /__emulator/accounts/{id}/doh
        body: {"actor":{"email":"alice@example.com"},"set":{"session_duration":"12h"}}
  GET   /__emulator/audit   every audit log entry, oldest first

Audit log (Audit Logs v2): GET /client/v4/accounts/{id}/logs/audit?since=…&before=… records every write, API and
dashboard; --tokens names the tokens (their label is the actor). tokens/verify: GET /user/tokens/verify (user-owned
tokens), GET /accounts/{id}/tokens/verify (account-owned tokens); GET /zones/{id} names the zone's account_id.

Fault kinds: 500, 502, 503, 429 (with Retry-After), reset (connection dropped), lost-answer (a write is applied,
then the connection drops without an answer).

Rate limit (--rate-limit N/SECONDS), as Cloudflare documents it: at most N requests of a credential in any SECONDS;
the request over it starts a lockout (SECONDS long unless --rate-limit-lockout says otherwise) in which every call
of that credential gets 429 with retry-after. Every answer of the credential carries
  Ratelimit: "default";r=REMAINING;t=SECONDS_UNTIL_RESET   and   Ratelimit-Policy: "burst";q=N;w=SECONDS
In POST /__emulator/config: "rateLimit": {"requests":120,"windowSeconds":30,"lockoutSeconds":30}.
`;

export function emulatorCommand(io: Io, setExit: (code: number) => void): Command {
  return new Command('emulator')
    .description('Run a local, stateful emulator of the Cloudflare API (organization and DoH), with latency, fault and rate-limit injection.')
    .option('--host <host>', `address to bind (default ${DEFAULT_HOST}); any other than a loopback address needs a token`, DEFAULT_HOST)
    .option('--port <port>', 'port to listen on; 0 picks a free port', String(DEFAULT_PORT))
    .option('--state <file>', 'state file: loaded at start if it exists (it wins over --seed), rewritten atomically after every write')
    .option('--seed <file>', 'initial state, YAML or JSON (format below)')
    .option('--accounts <n>', 'generate N accounts with deterministic ids instead of a seed (with and without organization and DoH token)')
    .option('--latency <ms>', 'wait this many milliseconds before each answer', '0')
    .option('--fault-rate <p>', 'fraction of requests (0 to 1) that fail with an injected fault', '0')
    .option('--fault-kinds <list>', `comma-separated fault kinds to inject (default all: ${FAULT_KINDS.join(',')})`)
    .option('--fault-seed <n>', 'seed the fault draws (a whole number), so that a run with faults repeats exactly')
    .option('--rate-limit <n/seconds>', 'limit per credential, e.g. 1200/300 like Cloudflare: over it, every call of that credential gets 429 with Retry-After for the lockout')
    .option('--rate-limit-lockout <seconds>', 'how long a credential over the limit is refused (default: the window; 0: a plain sliding window that refuses only the requests over it)')
    .option('--forbidden <ids>', 'comma-separated account or zone ids that answer 403 to every credential, as to a token scoped away from them')
    .option('--token <token>', `accept only this bearer token; better set ${TOKEN_ENV}, which no process listing shows; otherwise any token or email+key is accepted`)
    .option('--tokens <file>', 'named API tokens, a JSON list of {token, name, id?, owner?, email?, permissions?}: writes are audited under their name; only they (and --token) are accepted')
    .addOption(new Option('--put-semantics <mode>', 'PUT without a field: replace unsets it, merge keeps it').choices(['replace', 'merge']).default('replace'))
    .addOption(
      new Option('--answer-style <style>', 'how answers spell unset fields: sparse leaves out false booleans and empty groups; explicit sends false, {}, [] and ""')
        .choices([...ANSWER_STYLES])
        .default('sparse'),
    )
    .option('--newer-api', 'play a newer API: create and update also take session_binding, login_design.font_family and mfa_config.passkey_autofill, which ztsync does not know')
    .option('--strict', 'refuse (400) a write that carries a read-only field (trusted_accounts, created_at, …) instead of ignoring it')
    .addHelpText('after', HELP_AFTER)
    .action(async (opts: Record<string, string | undefined>) => {
      let options: EmulatorOptions;
      let emulator;
      try {
        options = await toEmulatorOptions(opts, io.env);
        emulator = await startEmulator(options);
      } catch (err) {
        io.stderr.write(`ztsync emulator: ${describeStartError(err)}\n`);
        return setExit(1);
      }
      io.stdout.write(`ztsync emulator listening on ${emulator.url}\n`);
      if (!emulator.loopbackOnly) {
        io.stderr.write(`ztsync emulator: warning: listening on ${emulator.address}, which other machines can reach; only requests with the token are served\n`);
      }
      const signal = await io.stopSignal();
      await emulator.close();
      io.stdout.write(`ztsync emulator stopped (${signal})\n`);
      setExit(0);
    });
}

/** Command-line strings to startEmulator options; a bad value is an error naming its option. */
async function toEmulatorOptions(opts: Record<string, string | undefined>, env: Record<string, string | undefined>): Promise<EmulatorOptions> {
  if (opts.seed !== undefined && opts.accounts !== undefined) throw new Error('give either --seed or --accounts, not both');
  if (opts.state === '-') throw new Error('--state needs a file name: the state is read back from it at start, so - (stdout) cannot be used');
  const options: EmulatorOptions = {
    host: opts.host,
    port: wholeNumber('--port', opts.port!, 65535),
    latencyMs: number('--latency', opts.latency!, 0, 600_000),
    faultRate: number('--fault-rate', opts.faultRate!, 0, 1),
    putSemantics: opts.putSemantics as PutSemantics,
    answerStyle: opts.answerStyle as AnswerStyle,
    newerApi: Boolean(opts.newerApi),
    strict: Boolean(opts.strict),
    statePath: opts.state,
    token: opts.token ?? (env[TOKEN_ENV] || undefined),
  };
  if (opts.accounts !== undefined) options.accounts = wholeNumber('--accounts', opts.accounts, 100_000);
  if (opts.faultKinds !== undefined) options.faultKinds = faultKinds(opts.faultKinds);
  if (opts.faultSeed !== undefined) options.faultSeed = wholeNumber('--fault-seed', opts.faultSeed, 2 ** 32 - 1);
  if (opts.rateLimit !== undefined) {
    options.rateLimit = parseRateLimit(opts.rateLimit);
    if (!options.rateLimit) throw new Error(`--rate-limit: expected N/SECONDS such as 1200/300, not "${opts.rateLimit}"`);
  }
  if (opts.rateLimitLockout !== undefined) {
    if (!options.rateLimit) throw new Error('--rate-limit-lockout needs --rate-limit');
    options.rateLimit.lockoutSeconds = number('--rate-limit-lockout', opts.rateLimitLockout, 0, 86_400);
  }
  if (opts.forbidden !== undefined) options.forbidden = opts.forbidden.split(',').map((id) => id.trim()).filter(Boolean);
  if (opts.seed !== undefined) options.seed = await loadSeedFile(opts.seed);
  if (opts.tokens !== undefined) options.tokens = loadTokensFile(opts.tokens);
  return options;
}

function number(option: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < min || value > max) throw new Error(`${option}: expected a number from ${min} to ${max}, not "${text}"`);
  return value;
}

function wholeNumber(option: string, text: string, max: number): number {
  const value = number(option, text, 0, max);
  if (!Number.isInteger(value)) throw new Error(`${option}: expected a whole number from 0 to ${max}, not "${text}"`);
  return value;
}

function faultKinds(text: string): FaultKind[] {
  const kinds = text.split(',').map((k) => k.trim());
  const unknown = kinds.find((k) => !(FAULT_KINDS as readonly string[]).includes(k));
  if (unknown !== undefined) throw new Error(`--fault-kinds: "${unknown}" is not one of ${FAULT_KINDS.join(', ')}`);
  return kinds as FaultKind[];
}

function describeStartError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'EADDRINUSE') return `cannot listen: the address is already in use (${e.message.replace(/^listen /, '')})`;
  if (e?.code === 'EACCES' || e?.code === 'EADDRNOTAVAIL') return `cannot listen: ${e.message}`;
  return e instanceof Error ? e.message : String(err);
}
