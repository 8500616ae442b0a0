// ztsync revoke-user against the emulator (revocations recorded in its state, seeded users answering true or
// false) and against a purpose-built server that shows the exact request.
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator, type Seed } from '../../src/emulator/index.js';
import { answer, startServer, type Exchange, type TestServer } from '../helpers/http.js';
import { run } from '../helpers/io.js';
import { SECRET_TOKEN, ztsync } from '../helpers/reconcile.js';

const ACCOUNT = '0123456789abcdef0123456789abcdef';
const NO_ORG_ACCOUNT = '22222222222222222222222222222222';
const ZONE = 'fedcba9876543210fedcba9876543210';
const UID = '699d98642c564d2e855e9661899b7252';

function seed(): Seed {
  return {
    accounts: [
      { id: ACCOUNT, organization: { name: 'Org', auth_domain: 'org.cloudflareaccess.com' }, users: [{ email: 'bob@example.com', uid: UID }] },
      { id: NO_ORG_ACCOUNT },
    ],
    zones: [{ id: ZONE, organization: { name: 'Zone', auth_domain: 'zone.cloudflareaccess.com' } }],
  };
}

let em: RunningEmulator | undefined;
let server: TestServer | undefined;
afterEach(async () => {
  await em?.close();
  em = undefined;
  await server?.close();
  server = undefined;
});

async function emulator(): Promise<RunningEmulator> {
  em = await startEmulator({ port: 0, token: SECRET_TOKEN, seed: seed() });
  return em;
}

const revocations = (em: RunningEmulator, scope: 'accounts' | 'zones', id: string) =>
  (em.state.snapshot()[scope] as { id: string; revocations?: unknown[] }[]).find((o) => o.id === id)?.revocations ?? [];
const requests = (em: RunningEmulator) => em.state.snapshot().counters.requests;

describe('revoke-user against the emulator', () => {
  it('sends the email, user uid, devices (query and body) and WARP re-authentication, and reports true', async () => {
    const em = await emulator();
    const result = await ztsync(em, ['revoke-user', '--account', ACCOUNT, '--email', 'bob@example.com', '--user-uid', UID, '--devices', '--warp-session-reauth', '--yes']);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(`Revoked all Access tokens of bob@example.com in account ${ACCOUNT} (user uid ${UID}; and their devices; WARP sessions must re-authenticate): the API answered true.\n`);
    expect(result.code).toBe(0);
    expect(revocations(em, 'accounts', ACCOUNT)).toEqual([
      { email: 'bob@example.com', user_uid: UID, devices: true, query_devices: true, warp_session_reauth: true, revoked: true, at: expect.any(String) },
    ]);
  });

  it('sends only what was asked for, to a zone too', async () => {
    const em = await emulator();
    const result = await ztsync(em, ['revoke-user', '--zone', ZONE, '--email', 'carol@example.com', '--yes']);
    expect(result.code).toBe(0);
    expect(revocations(em, 'zones', ZONE)).toEqual([{ email: 'carol@example.com', revoked: true, at: expect.any(String) }]);
  });

  it('takes an id in any case, as plan and apply do, and sends it in lowercase', async () => {
    const em = await emulator();
    const result = await ztsync(em, ['revoke-user', '--account', ACCOUNT.toUpperCase(), '--email', 'bob@example.com', '--yes']);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(`Revoked all Access tokens of bob@example.com in account ${ACCOUNT}: the API answered true.\n`);
    expect(result.code).toBe(0);
    expect(revocations(em, 'accounts', ACCOUNT)).toEqual([{ email: 'bob@example.com', revoked: true, at: expect.any(String) }]);
    const mixed = ZONE.slice(0, 16).toUpperCase() + ZONE.slice(16);
    expect((await ztsync(em, ['revoke-user', '--zone', mixed, '--email', 'carol@example.com', '--yes'])).code).toBe(0);
    expect(revocations(em, 'zones', ZONE)).toEqual([{ email: 'carol@example.com', revoked: true, at: expect.any(String) }]);
  });

  it('reports false plainly as "nothing revoked" and exits 1', async () => {
    const em = await emulator();
    const result = await ztsync(em, ['revoke-user', '--account', ACCOUNT, '--email', 'alice@example.com', '--yes']);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`ztsync revoke-user: nothing revoked: the API answered false for alice@example.com in account ${ACCOUNT} (no such user, or nothing left to revoke).\n`);
    expect(result.code).toBe(1);
    expect(revocations(em, 'accounts', ACCOUNT)).toEqual([{ email: 'alice@example.com', revoked: false, at: expect.any(String) }]);
  });

  it('reports API errors with their status and code, and exits 1', async () => {
    const em = await emulator();
    const noOrg = await ztsync(em, ['revoke-user', '--account', NO_ORG_ACCOUNT, '--email', 'bob@example.com', '--yes']);
    expect(noOrg.stderr).toMatch(new RegExp(`^ztsync revoke-user: the API refused: POST /accounts/${NO_ORG_ACCOUNT}/access/organizations/revoke_user → 404: \\[12001\\] `));
    expect(noOrg.code).toBe(1);
    const unknown = await ztsync(em, ['revoke-user', '--account', '33333333333333333333333333333333', '--email', 'bob@example.com', '--yes']);
    expect(unknown.stderr).toContain('→ 404: [7003] ');
    expect(unknown.code).toBe(1);
    const denied = await run(['revoke-user', '--account', ACCOUNT, '--email', 'bob@example.com', '--yes'], { env: { CLOUDFLARE_API_TOKEN: 'not-the-token', CLOUDFLARE_BASE_URL: em.url } });
    expect(denied.stderr).toContain('→ 401: [10000] Authentication error');
    expect(denied.code).toBe(1);
    for (const r of [noOrg, unknown, denied]) expect(r.stdout + r.stderr).not.toContain(SECRET_TOKEN);
    expect(revocations(em, 'accounts', ACCOUNT)).toEqual([]);
  });
});

describe('confirmation', () => {
  it('without a terminal it refuses unless --yes is given, and sends nothing', async () => {
    const em = await emulator();
    const result = await ztsync(em, ['revoke-user', '--account', ACCOUNT, '--email', 'bob@example.com']);
    expect(result.stderr).toBe('ztsync revoke-user: refusing to revoke without confirmation: no terminal to ask on; pass --yes. Nothing was sent.\n');
    expect(result.code).toBe(1);
    expect(requests(em)).toEqual({});
  });

  it('on a terminal it asks, and only "yes" goes ahead', async () => {
    const em = await emulator();
    const questions: string[] = [];
    const ask = (answer: string) => ({ stdinIsTTY: true, prompt: async (q: string) => (questions.push(q), answer) });
    const refused = await ztsync(em, ['revoke-user', '--account', ACCOUNT, '--email', 'bob@example.com', '--devices'], ask('y'));
    expect(refused.stderr).toBe('Revoke cancelled; nothing was sent.\n');
    expect(refused.code).toBe(1);
    expect(requests(em)).toEqual({});
    const accepted = await ztsync(em, ['revoke-user', '--account', ACCOUNT, '--email', 'bob@example.com', '--devices'], ask(' yes\n'));
    expect(accepted.code).toBe(0);
    expect(questions).toEqual(Array(2).fill(`Revoke all Access tokens of bob@example.com in account ${ACCOUNT} (and their devices)? Only "yes" is accepted: `));
    expect(revocations(em, 'accounts', ACCOUNT)).toHaveLength(1);
  });
});

describe('refused before any call', () => {
  it.each([
    [['--account', ACCOUNT, '--email', 'bob'], 'ztsync: --email "bob" is not an email address; nothing was sent\n'],
    [['--account', ACCOUNT, '--email', 'bob smith@example.com'], 'ztsync: --email "bob smith@example.com" is not an email address; nothing was sent\n'],
    [['--account', ACCOUNT, '--email', 'bob@example'], 'ztsync: --email "bob@example" is not an email address; nothing was sent\n'],
    [['--account', ACCOUNT, '--email', ''], 'ztsync: --email "" is not an email address; nothing was sent\n'],
    [['--account', 'ABC', '--email', 'bob@example.com'], 'ztsync: --account "ABC" is not a Cloudflare id (32 hex digits); nothing was sent\n'],
    [['--zone', `${ZONE}0`, '--email', 'bob@example.com'], `ztsync: --zone "${ZONE}0" is not a Cloudflare id (32 hex digits); nothing was sent\n`],
    [['--account', ACCOUNT, '--email', 'bob@example.com', '--user-uid', ' '], 'ztsync: --user-uid is empty; nothing was sent\n'],
    [['--email', 'bob@example.com'], 'ztsync: revoke-user needs a target: --account ID or --zone ID\n'],
    [['--account', ACCOUNT], "error: required option '--email <address>' not specified\n"],
    [['--account', ACCOUNT, '--zone', ZONE, '--email', 'bob@example.com'], "error: option '--account <id>' cannot be used with option '--zone <id>'\n"],
  ])('%j', async (args, message) => {
    const em = await emulator();
    const result = await ztsync(em, ['revoke-user', ...args, '--yes']);
    expect(result.stderr).toContain(message);
    expect(result.code).toBe(1);
    expect(requests(em)).toEqual({});
  });
});

describe('the request on the wire', () => {
  /** A server answering every request with `result`, recording what it was sent. */
  async function recordingServer(result: unknown): Promise<{ base: string; seen: Exchange[] }> {
    server = await startServer((_, res) => answer(res, 200, { success: true, errors: [], messages: [], result }));
    return { base: `${server.url}/client/v4`, seen: server.requests };
  }

  it('is one POST with a JSON body and the devices query parameter', async () => {
    const { base, seen } = await recordingServer(true);
    const env = { CLOUDFLARE_API_TOKEN: SECRET_TOKEN, CLOUDFLARE_BASE_URL: base };
    expect((await run(['revoke-user', '--zone', ZONE, '--email', 'bob@example.com', '--devices', '--yes'], { env })).code).toBe(0);
    expect((await run(['revoke-user', '--account', ACCOUNT, '--email', 'bob@example.com', '--user-uid', UID, '--yes'], { env })).code).toBe(0);
    expect(seen.map(({ method, url, body }) => ({ method, url, body: JSON.parse(body) }))).toEqual([
      { method: 'POST', url: `/client/v4/zones/${ZONE}/access/organizations/revoke_user?devices=true`, body: { email: 'bob@example.com', devices: true } },
      { method: 'POST', url: `/client/v4/accounts/${ACCOUNT}/access/organizations/revoke_user`, body: { email: 'bob@example.com', user_uid: UID } },
    ]);
    expect(seen[0].headers['content-type']).toBe('application/json');
    expect(seen[0].headers.authorization).toBe(`Bearer ${SECRET_TOKEN}`);
  });

  it('an answer that is neither true nor false is not taken for success', async () => {
    const { base } = await recordingServer(null);
    const result = await run(['revoke-user', '--account', ACCOUNT, '--email', 'bob@example.com', '--yes'], { env: { CLOUDFLARE_API_TOKEN: SECRET_TOKEN, CLOUDFLARE_BASE_URL: base } });
    expect(result.stderr).toBe('ztsync revoke-user: the API answered null, not true or false: whether anything was revoked is unknown.\n');
    expect(result.code).toBe(1);
  });
});
