// Issue #6, items 1–7: what the client sends, when it stops, and what it prints — against the emulator where it
// can play the part, and against small purpose-built servers (test/helpers/http.ts) where it cannot.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CloudflareClient, type RetryEvent } from '../../src/cloudflare/client.js';
import { maskSecrets } from '../../src/cloudflare/credentials.js';
import { CredentialRefusedError } from '../../src/cloudflare/errors.js';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { answer, startProxy, startServer, type TestServer } from '../helpers/http.js';
import { run } from '../helpers/io.js';
import { EXAMPLES, PRODUCTION, RESEARCH, SECRET_TOKEN, ZONE, demoEmulator, envFor, liveAccount, writes, ztsync } from '../helpers/reconcile.js';

let em: RunningEmulator | undefined;
let server: TestServer | undefined;
afterEach(async () => {
  await em?.close();
  await server?.close();
  em = server = undefined;
});

const ORG = `/accounts/${PRODUCTION}/access/organizations`;
const envelope = (result: unknown) => ({ success: true, errors: [], messages: [], result });
const failure = (code: number, message: string) => ({ success: false, errors: [{ code, message }], messages: [], result: null });

/** ztsync against a purpose-built server (or proxy) with the test token. */
const against = (base: string, argv: string[], extra: Record<string, string> = {}) => run(argv, { env: { CLOUDFLARE_API_TOKEN: SECRET_TOKEN, CLOUDFLARE_BASE_URL: base, ...extra } });

const clientFor = (apiBase: string, extra: Partial<ConstructorParameters<typeof CloudflareClient>[0]> = {}) =>
  new CloudflareClient({ apiBase, credentials: { kind: 'token', token: SECRET_TOKEN }, minBackoffMs: 1, maxBackoffMs: 2, ...extra });

describe('1. base URL and path are joined with one slash', () => {
  it('a mock at the root URL gets /accounts/…, with or without a trailing slash', async () => {
    server = await startServer((req, res) => answer(res, 200, envelope({ name: 'Root mock', auth_domain: 'root.cloudflareaccess.com' })));
    for (const base of [server.url, server.url + '/', server.url + '//']) await clientFor(base).get(ORG);
    expect(server.requests.map((r) => r.url)).toEqual([ORG, ORG, ORG]);
  });

  it('a base with a path keeps it, with or without a trailing slash', async () => {
    server = await startServer((req, res) => answer(res, 200, envelope({ name: 'x' })));
    for (const base of [`${server.url}/client/v4`, `${server.url}/client/v4/`]) await clientFor(base).get(ORG);
    expect(server.requests.map((r) => r.url)).toEqual([`/client/v4${ORG}`, `/client/v4${ORG}`]);
  });

  it('plan and apply work through a gateway that serves the API at its root', async () => {
    em = await demoEmulator();
    server = await startProxy(em.url);
    const applied = await against(server.url, ['apply', EXAMPLES, '--auto-approve']);
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    expect(server.requests.every((r) => r.url.startsWith('/accounts/') || r.url.startsWith('/zones/'))).toBe(true);
    expect((await against(server.url, ['plan', EXAMPLES, '--detailed-exitcode'])).code).toBe(0);
  });

  it('a base URL with a query string is refused before any call', async () => {
    const result = await run(['plan', EXAMPLES], { env: { CLOUDFLARE_API_TOKEN: SECRET_TOKEN, CLOUDFLARE_BASE_URL: 'http://127.0.0.1:9/client/v4?x=1' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('must not carry a query');
  });
});

describe('2. only a 404 in Cloudflare\'s envelope means "not set up yet"', () => {
  it('HTML 404 pages are an error naming the base URL, not a plan of creates', async () => {
    server = await startServer((req, res) => answer(res, 404, '<html><body><h1>404 Not Found</h1></body></html>'));
    const result = await against(server.url + '/api', ['plan', EXAMPLES, '--format', 'json']);
    expect(result.code).toBe(1);
    const plan = JSON.parse(result.stdout);
    expect(plan.summary).toMatchObject({ create: 0, error: 4 });
    for (const target of plan.targets) {
      expect(target.error.message).toContain('does not look like the Cloudflare API (text/html');
      expect(target.error.message).toContain(`${server.url}/api`);
    }
  });

  it('a 404 envelope with 7003 (no route) is an error; one without is "absent"', async () => {
    server = await startServer((req, res) =>
      req.url.includes(RESEARCH) ? answer(res, 404, failure(12001, 'no organization')) : answer(res, 404, failure(7003, 'No route for that URI')),
    );
    const api = clientFor(server.url);
    const { readLive } = await import('../../src/cloudflare/endpoints.js');
    expect(await readLive(api, 'organization', 'account', RESEARCH)).toBeNull();
    await expect(readLive(api, 'organization', 'account', PRODUCTION)).rejects.toThrow('[7003] No route for that URI');
  });
});

describe('3. credentials are masked in everything printed or written', () => {
  const echoing = (req: { headers: Record<string, unknown>; method: string; url: string }) =>
    `request was ${req.method} ${req.url} with headers ${JSON.stringify(req.headers)}`;

  it('an API echoing the request headers in its error: not in stdout, stderr or the --out file', async () => {
    server = await startServer((req, res) =>
      req.url.includes(PRODUCTION) ? answer(res, 400, failure(10000, echoing(req))) : answer(res, 502, `<pre>${echoing(req)}</pre>`, { 'cf-ray': `ray ${SECRET_TOKEN}` }),
    );
    const dir = await mkdtemp(join(tmpdir(), 'ztsync-mask-'));
    const out = join(dir, 'plan.json');
    const shown = await against(server.url, ['plan', EXAMPLES, '--max-retries', '0']);
    const written = await against(server.url, ['plan', EXAMPLES, '--max-retries', '0', '--format', 'json', '--out', out]);
    const file = await readFile(out, 'utf8');
    expect(shown.stdout).toContain('Bearer ***');
    expect(JSON.parse(file).targets[0].error.message).toContain('Bearer ***');
    for (const text of [shown.stdout, shown.stderr, written.stdout, written.stderr, file]) expect(text).not.toContain(SECRET_TOKEN);
  });

  it('the key of the legacy pair, echoed by the API (the email is no secret, #18 item 4: shown as it is)', async () => {
    const key = 'c2547eb745079dac9320b638f5e225cf483cc5cfdda41';
    const email = 'ops-admin@widgetcorps.example';
    server = await startServer((req, res) => answer(res, 400, failure(10000, echoing(req))));
    const result = await run(['plan', EXAMPLES, '--format', 'markdown'], { env: { CLOUDFLARE_API_KEY: key, CLOUDFLARE_EMAIL: email, CLOUDFLARE_BASE_URL: server.url } });
    const unescaped = result.stdout.replace(/\\/g, '');
    expect(unescaped).toContain('"x-auth-key":"***"');
    // Shown as it is (markdown keeps the @ from mentioning anyone).
    expect(unescaped.replaceAll('&#8203;', '')).toContain(`"x-auth-email":"${email}"`);
    expect(unescaped + result.stderr).not.toContain(key);
  });

  it('text from any other source: a config value quoted in a validation message', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ztsync-mask-'));
    await writeFile(join(dir, 'a.yaml'), `accounts:\n  - account_id: ${PRODUCTION}\n    organization: { session_duration: "${SECRET_TOKEN}" }\n`);
    const result = await run(['validate', dir], { env: { CLOUDFLARE_API_TOKEN: SECRET_TOKEN } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('***');
    expect(result.stdout + result.stderr).not.toContain(SECRET_TOKEN);
  });

  it('as it is, escaped by a renderer (a backslash before any character), URL-encoded, or line by line', () => {
    const secrets = ['ztsync-test-SECRET-7f3a', 'a+b/c=d?e', 'first-line\nsecond-line'];
    expect(maskSecrets('x ztsync\\-test\\-SECRET\\-7f3a y ztsync-test-SECRET-7f3a', secrets)).toBe('x *** y ***');
    expect(maskSecrets(`q=${encodeURIComponent('a+b/c=d?e')}`, secrets)).toBe('q=***');
    expect(maskSecrets('echo: first-line / second-line', secrets)).toBe('echo: *** / ***');
    expect(maskSecrets('a bc d', ['bc'])).toBe('a bc d');
  });
});

describe('4. Retry-After is waited out only when another attempt follows', () => {
  const rateLimited = () => startServer((req, res) => answer(res, 429, failure(10429, 'rate limited'), { 'retry-after': '20' }));

  it('no wait when no attempt is left', async () => {
    server = await rateLimited();
    const waits: number[] = [];
    const events: RetryEvent[] = [];
    const error = await clientFor(server.url, { retries: 0, sleep: async (ms) => void waits.push(ms), onRetry: (e) => events.push(e) }).get(ORG).catch((e) => e);
    expect(error.status).toBe(429);
    expect(waits).toEqual([]);
    expect(events).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });

  it('with one retry: one wait of Retry-After, before the second and last attempt only', async () => {
    server = await rateLimited();
    const waits: number[] = [];
    await clientFor(server.url, { retries: 1, sleep: async (ms) => void waits.push(ms) }).get(ORG).catch((e) => e);
    expect(waits).toEqual([20_000]);
    expect(server.requests).toHaveLength(2);
  });

  it('ztsync plan --max-retries 0 fails at once (within the test timeout, not after 20 s)', async () => {
    server = await rateLimited();
    const result = await against(server.url, ['plan', EXAMPLES, '--max-retries', '0', '--concurrency', '1']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('429');
    expect(server.requests).toHaveLength(4);
  });
});

describe('5. a POST answered 5xx is not resent before a read', () => {
  /** A gateway that answers the first POST with 502: after forwarding it (the create happened) or not. */
  async function gateway(forwardFirst: boolean) {
    em = await demoEmulator();
    const target = em.url;
    let posts = 0;
    server = await startProxy(target, async (req, res) => {
      if (req.method !== 'POST' || posts++ > 0) return false;
      if (forwardFirst) await fetch(target + req.url, { method: 'POST', headers: { authorization: `Bearer ${SECRET_TOKEN}`, 'content-type': 'application/json' }, body: req.body });
      answer(res, 502, failure(10502, 'Bad gateway'));
      return true;
    });
    return server;
  }
  const sequence = (s: TestServer) => s.requests.map((r) => r.method).join(' ');

  it('the create went through behind the 502: a read shows it, no second POST', async () => {
    const proxy = await gateway(true);
    const result = await against(proxy.url, ['apply', EXAMPLES, '--account', RESEARCH, '--auto-approve']);
    expect(result.code).toBe(0);
    expect(sequence(proxy)).toBe('GET GET POST GET GET');
    expect(liveAccount(em!, RESEARCH).organization?.name).toBe('Widget Corps Research');
    expect(writes(em!)).toBe(1);
  });

  it('the create did not go through: read, then POST again', async () => {
    const proxy = await gateway(false);
    const result = await against(proxy.url, ['apply', EXAMPLES, '--account', RESEARCH, '--auto-approve']);
    expect(result.code).toBe(0);
    expect(sequence(proxy)).toBe('GET GET POST GET POST GET');
    expect(writes(em!)).toBe(1);
  });

  it('a PUT answered 5xx is still retried (it is idempotent)', async () => {
    em = await demoEmulator();
    let puts = 0;
    server = await startProxy(em.url, (req, res) => (req.method === 'PUT' && puts++ === 0 ? (answer(res, 503, failure(10503, 'busy')), true) : false));
    const result = await clientFor(server.url).put(ORG, { name: 'Renamed', auth_domain: 'widgetcorps.cloudflareaccess.com' });
    expect(result.status).toBe(200);
    expect(sequence(server)).toBe('PUT PUT');
  });
});

describe('6. a refused credential (401) is said once, with what to check, and the run stops; a 403 fails one target', () => {
  it('plan: one message, no per-target repeats, no retries; with --concurrency 1 exactly one request', async () => {
    em = await demoEmulator();
    const env = envFor(em, { CLOUDFLARE_API_TOKEN: 'a-token-that-was-revoked' });
    const result = await run(['plan', EXAMPLES, '--concurrency', '1'], { env });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.match(/refused the credential/g)).toHaveLength(1);
    expect(result.stderr).toContain('check that CLOUDFLARE_API_TOKEN is the right API token');
    expect(result.stderr).toContain('Access: Organizations, Identity Providers, and Groups');
    expect(em.state.snapshot().counters.requests).toEqual({ 'GET /accounts/:id/access/organizations': 1 });
    const parallel = await run(['plan', EXAMPLES], { env });
    expect(parallel.stderr.match(/refused the credential/g)).toHaveLength(1);
  });

  it('apply with a read-only token: each write answered 403 fails its own target, naming it and Write; the credential is not refused', async () => {
    em = await demoEmulator();
    server = await startProxy(em.url, (req, res) => (req.method !== 'GET' ? (answer(res, 403, failure(10000, 'Authentication error')), true) : false));
    const result = await against(server.url, ['apply', EXAMPLES, '--auto-approve', '--concurrency', '1']);
    expect(result.code).toBe(1);
    const writesSent = server.requests.filter((r) => r.method !== 'GET');
    // Every change was tried (a 403 is about one account, not the token: Production's organization and DoH and
    // two more targets), none twice (no retry).
    expect(writesSent).toHaveLength(4);
    expect(new Set(writesSent.map((r) => r.url)).size).toBe(4);
    expect(result.stderr).not.toContain('refused the credential');
    expect(result.stdout).toContain('Apply: 0 applied, 1 unchanged, 3 failed.');
    expect(result.stdout).toContain(`; the token may not reach account ${PRODUCTION}: check that it has "Access: Organizations, Identity Providers, and Groups Write" on account ${PRODUCTION}`);
    expect(result.stdout).toContain(`= zone ${ZONE} (intranet.widgetcorps.example): unchanged`);
    expect(writes(em)).toBe(0);
  });

  it('a key pair refused: the advice names the email and key', async () => {
    em = await demoEmulator();
    const result = await run(['plan', EXAMPLES], { env: { CLOUDFLARE_BASE_URL: em.url, CLOUDFLARE_EMAIL: 'a@b.example', CLOUDFLARE_API_KEY: 'some-global-key' } });
    expect(result.stderr).toContain('CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY');
  });

  for (const [what, token] of [
    ['a line break', 'first-half\nsecond-half'],
    ['a space', 'Bearer realtoken'],
    ['the character U+201C', '\u201Cquoted-token\u201D'],
  ] as const) {
    it(`a token containing ${what} fails before any call, without printing it`, async () => {
      em = await demoEmulator();
      const result = await ztsync(em, ['plan', EXAMPLES], { env: envFor(em, { CLOUDFLARE_API_TOKEN: token }) });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`CLOUDFLARE_API_TOKEN is malformed: it contains ${what}`);
      expect(result.stderr).not.toContain('half');
      expect(result.stderr).not.toContain('token\u201D');
      expect(em.state.snapshot().counters.requests).toEqual({});
    });
  }

  it('the client makes no request after a refusal', async () => {
    em = await demoEmulator();
    const api = new CloudflareClient({ apiBase: em.url, credentials: { kind: 'token', token: 'wrong-token' } });
    const first = await api.get(ORG).catch((e) => e);
    const second = await api.get(ORG).catch((e) => e);
    expect(first).toBeInstanceOf(CredentialRefusedError);
    expect(second).toBe(first);
    expect(api.stats.requests).toBe(1);
  });
});

describe('15. apply honours --concurrency', () => {
  /** A gateway that holds each write until `release` writes are in flight (or a moment has passed), counting the most at once. */
  async function holdingGateway(release: number) {
    em = await demoEmulator();
    const target = em.url;
    let inFlight = 0;
    let most = 0;
    let waiting: (() => void)[] = [];
    server = await startProxy(target, async (req) => {
      if (req.method === 'GET') return false;
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise<void>((resolve) => {
        waiting.push(resolve);
        if (waiting.length >= release) (waiting.forEach((go) => go()), (waiting = []));
        // Only a limit that is not honoured could need a release this way; then it would also overlap.
        else setTimeout(resolve, 200);
      });
      inFlight--;
      return false;
    });
    return { most: () => most };
  }

  for (const concurrency of [1, 2]) {
    it(`--concurrency ${concurrency}: at most ${concurrency} targets written at once`, async () => {
      const gateway = await holdingGateway(concurrency);
      const result = await against(server!.url, ['apply', EXAMPLES, '--auto-approve', '--concurrency', String(concurrency)]);
      expect(result.code).toBe(0);
      expect(gateway.most()).toBe(concurrency);
    });
  }
});
