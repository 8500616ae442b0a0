// `ztsync emulator`: in-process with a stop signal the test controls, and once as a real child process.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, type CapturedRun } from '../helpers/io.js';
import { ACCOUNT } from '../helpers/emulator.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ztsync-emulator-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const LISTENING = /^ztsync emulator listening on (http:\/\/127\.0\.0\.1:(\d+)\/client\/v4)\n/;

/** Start the command in-process; resolves once it printed its first line. */
async function startCommand(args: string[]) {
  let stop!: (signal: string) => void;
  const stopSignal = new Promise<string>((resolve) => (stop = resolve));
  const out: string[] = [];
  let announce!: (line: string) => void;
  const firstLine = new Promise<string>((resolve) => (announce = resolve));
  const finished: Promise<CapturedRun> = run(['emulator', ...args], {
    stdout: { write: (s: string) => (out.push(s), announce(out.join(''))) },
    stopSignal: () => stopSignal,
  });
  const first = await Promise.race([firstLine, finished.then((r) => Promise.reject(new Error(`exited early: ${r.stderr}`)))]);
  return { first, out, stop, finished };
}

describe('ztsync emulator (in-process)', () => {
  it('prints the listening line first, serves the seed, and closes cleanly on the stop signal', async () => {
    const seedPath = join(dir, 'seed.yaml');
    await writeFile(seedPath, `accounts:\n  - id: ${ACCOUNT}\n    organization: { name: Widget Corps, auth_domain: widget.cloudflareaccess.com }\n`);
    const { first, out, stop, finished } = await startCommand(['--port', '0', '--seed', seedPath, '--put-semantics', 'merge']);
    const [, url] = LISTENING.exec(first)!;
    const reply = await fetch(`${url}/accounts/${ACCOUNT}/access/organizations`, { headers: { authorization: 'Bearer t' } });
    expect(((await reply.json()) as { result: { name: string } }).result.name).toBe('Widget Corps');
    stop('SIGTERM');
    const result = await finished;
    expect(result.code).toBe(0);
    expect(out.join('')).toMatch(/stopped \(SIGTERM\)\n$/);
    await expect(fetch(url + '/')).rejects.toThrow();
  });

  it('--token: only that token is accepted', async () => {
    const { first, stop, finished } = await startCommand(['--port', '0', '--accounts', '1', '--token', 'cli-secret', '--forbidden', 'f0f0']);
    const [, url] = LISTENING.exec(first)!;
    const path = '/accounts/x/access/organizations';
    expect((await fetch(url + path, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(url + path, { headers: { authorization: 'Bearer cli-secret' } })).status).toBe(404);
    // --forbidden: that account answers 403 even to the right token.
    expect((await fetch(url + '/accounts/F0F0/access/organizations', { headers: { authorization: 'Bearer cli-secret' } })).status).toBe(403);
    stop('SIGINT');
    expect((await finished).code).toBe(0);
  });

  for (const [args, message] of [
    [['--fault-rate', '2'], '--fault-rate: expected a number from 0 to 1, not "2"'],
    [['--port', 'http'], '--port: expected a number from 0 to 65535'],
    [['--rate-limit', '1200'], '--rate-limit: expected N/SECONDS such as 1200/300'],
    [['--fault-kinds', '500,teapot'], '--fault-kinds: "teapot" is not one of'],
    [['--rate-limit-lockout', '30'], '--rate-limit-lockout needs --rate-limit'],
    [['--rate-limit', '120/30', '--rate-limit-lockout', 'soon'], '--rate-limit-lockout: expected a number from 0 to 86400, not "soon"'],
    [['--fault-seed', '-3'], '--fault-seed: expected a number from 0 to 4294967295'],
    [['--accounts', '2.5'], '--accounts: expected a whole number'],
    [['--seed', '/nonexistent/seed.yaml'], 'cannot read seed file /nonexistent/seed.yaml: ENOENT'],
    [['--seed', 'x.yaml', '--accounts', '2'], 'give either --seed or --accounts, not both'],
  ] as const) {
    it(`refuses ${args.join(' ')} with one line and exit 1`, async () => {
      const result = await run(['emulator', '--port', '0', ...args]);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(`ztsync emulator: ${result.stderr.slice('ztsync emulator: '.length).split('\n')[0]}\n`);
      expect(result.stderr).toContain(message);
    });
  }

  it('a seed with an error: one line with file:line:col', async () => {
    const seedPath = join(dir, 'bad.yaml');
    await writeFile(seedPath, `zones:\n  - id: abc\n    organization: { name: Z, auth_domain: z.example, session_duration: 1h }\n`);
    const result = await run(['emulator', '--port', '0', '--seed', seedPath]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`ztsync emulator: ${seedPath}:3:72: zones[0].organization.session_duration: is not accepted for a zone\n`);
  });

  it('a port in use: one line, exit 1', async () => {
    const { first, stop, finished } = await startCommand(['--port', '0']);
    const port = LISTENING.exec(first)![2];
    const result = await run(['emulator', '--port', port]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^ztsync emulator: cannot listen: the address is already in use .*\n$/);
    stop('SIGTERM');
    await finished;
  });

  it('--host 0.0.0.0 (with a token, #18 item 15) prints a loopback URL that plan accepts (#6 item 7)', async () => {
    const seedPath = join(dir, 'all-interfaces.yaml');
    await writeFile(seedPath, `accounts:\n  - id: ${ACCOUNT}\n    organization: { name: Widget Corps, auth_domain: widget.cloudflareaccess.com }\n`);
    const configPath = join(dir, 'all-interfaces-config.yaml');
    await writeFile(configPath, `accounts:\n  - account_id: ${ACCOUNT}\n    organization: { name: Widget Corps }\n`);
    const { first, stop, finished } = await startCommand(['--host', '0.0.0.0', '--port', '0', '--seed', seedPath, '--token', 'the-token-1234']);
    const [, url] = LISTENING.exec(first)!;
    const plan = await run(['plan', configPath, '--detailed-exitcode'], { env: { CLOUDFLARE_API_TOKEN: 'the-token-1234', CLOUDFLARE_BASE_URL: url } });
    expect(plan.stderr).toBe('');
    expect(plan.code).toBe(0);
    stop('SIGTERM');
    await finished;
  });

  it('--help explains every option, the seed format and the admin endpoints', async () => {
    const result = await run(['emulator', '--help']);
    expect(result.code).toBe(0);
    for (const text of ['--host', '--port', '--state', '--seed', '--accounts', '--latency', '--fault-rate', '--fault-kinds', '--rate-limit', '--rate-limit-lockout', '--fault-seed', 'Ratelimit-Policy', '--token', '--put-semantics', 'service_tokens:', 'doh:', 'zones:', 'GET  /__emulator/state', 'POST /__emulator/reset', 'POST /__emulator/config', 'lost-answer']) {
      expect(result.stdout, text).toContain(text);
    }
  });
});

describe('ztsync emulator (child process)', () => {
  it('SIGTERM closes it cleanly', async () => {
    // Its own process group, so that the signal reaches npx, tsx and node alike.
    const child = spawn('npx', ['tsx', 'src/bin.ts', 'emulator', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk) => {
        out += chunk;
        const match = LISTENING.exec(out);
        if (match) resolve(match[1]);
      });
      child.on('close', () => reject(new Error(`exited before listening: ${out}`)));
    });
    const reply = await fetch(`${url}/accounts/${ACCOUNT}/access/organizations`, { headers: { authorization: 'Bearer t' } });
    expect(reply.status).toBe(404);
    process.kill(-child.pid!, 'SIGTERM');
    await closed;
    expect(out).toMatch(/ztsync emulator stopped \(SIGTERM\)\n$/);
    await expect(fetch(url + '/')).rejects.toThrow();
  });
});
