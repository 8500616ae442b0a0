// Issue #18 item 15: the emulator is a local tool. Its admin endpoints change what it answers, so no web page may
// reach them (an Origin header, a rebound DNS name's Host, a form post are refused), and listening beyond this
// machine needs a token.
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { run } from '../helpers/io.js';
import { call, startTestEmulator } from '../helpers/emulator.js';

let em: RunningEmulator | undefined;
afterEach(async () => {
  await em?.close();
  em = undefined;
});

/** A raw request, so that Host and Origin are exactly what a browser (or an attacker's page) would send. */
function raw(target: RunningEmulator, method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; text: string }> {
  const url = new URL(target.origin);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('admin endpoints answer only a local tool', () => {
  it('refuse a request with an Origin header, as a web page sends it', async () => {
    em = await startTestEmulator();
    const reset = await raw(em, 'POST', '/__emulator/reset', { origin: 'https://evil.example', 'content-type': 'application/json' }, '{}');
    expect(reset.status).toBe(403);
    expect(JSON.parse(reset.text).errors[0].message).toContain('refuse requests that carry an Origin header');
    expect((await raw(em, 'GET', '/__emulator/state', { origin: 'null' })).status).toBe(403);
    expect(em.state.snapshot().accounts?.length).toBeGreaterThan(0);
  });

  it('refuse a Host that is not a loopback name (DNS rebinding), and serve localhost, 127.0.0.1 and [::1]', async () => {
    em = await startTestEmulator();
    const port = new URL(em.origin).port;
    const rebound = await raw(em, 'GET', '/__emulator/state', { host: `attacker.example:${port}` });
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.text).errors[0].message).toBe('admin endpoints answer only to a loopback Host (localhost, 127.0.0.1, ::1), not "attacker.example"');
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'app.localhost']) {
      expect((await raw(em, 'GET', '/__emulator/state', { host })).status, host).toBe(200);
    }
  });

  it('take a body only as application/json: a form post changes nothing', async () => {
    em = await startTestEmulator();
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const reply = await raw(em, 'POST', '/__emulator/config', { 'content-type': type }, '{"latencyMs":5000}');
      expect(reply.status, type).toBe(400);
    }
    expect((await raw(em, 'POST', '/__emulator/config', {}, '{"latencyMs":5000}')).status).toBe(400);
    expect(em.config.latencyMs).toBe(0);
    expect((await call(em, 'POST', '/__emulator/config', { body: { latencyMs: 1 } })).status).toBe(200);
    expect(em.config.latencyMs).toBe(1);
  });
});

describe('listening beyond this machine', () => {
  it('needs a token', async () => {
    await expect(startEmulator({ port: 0, host: '0.0.0.0' })).rejects.toThrow('listening on 0.0.0.0 reaches beyond this machine: give a token (ZTSYNC_EMULATOR_TOKEN, --token or --tokens), or listen on 127.0.0.1');
    const result = await run(['emulator', '--host', '0.0.0.0', '--port', '0']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('ztsync emulator: listening on 0.0.0.0 reaches beyond this machine');
  });

  it('with ZTSYNC_EMULATOR_TOKEN (kept out of argv), prints the real address with a warning; Host is then not limited to loopback', async () => {
    let stop!: (signal: string) => void;
    const stopped = new Promise<string>((resolve) => (stop = resolve));
    const out: string[] = [];
    let listening!: (line: string) => void;
    const first = new Promise<string>((resolve) => (listening = resolve));
    const finished = run(['emulator', '--host', '0.0.0.0', '--port', '0'], {
      env: { ZTSYNC_EMULATOR_TOKEN: 'emulator-token-123456' },
      stdout: { write: (s: string) => (out.push(s), listening(s)) },
      stopSignal: () => stopped,
    });
    const line = await first;
    const url = /listening on (\S+)/.exec(line)![1];
    const port = new URL(url).port;
    const anonymous = await fetch(`${url.replace('/client/v4', '')}/__emulator/state`);
    expect(anonymous.status).toBe(401);
    const withToken = await fetch(`${url.replace('/client/v4', '')}/__emulator/state`, { headers: { authorization: 'Bearer emulator-token-123456' } });
    expect(withToken.status).toBe(200);
    stop('SIGTERM');
    const result = await finished;
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(`ztsync emulator: warning: listening on http://0.0.0.0:${port}, which other machines can reach; only requests with the token are served\n`);
    expect(result.stdout + result.stderr).not.toContain('emulator-token-123456');
  });
});
