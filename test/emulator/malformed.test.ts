// Malformed requests get a 400 envelope, never a crash: bad JSON, wrong shapes, huge bodies, odd URLs.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { call, codes, DOH_PATH, ORG_PATH, startTestEmulator } from '../helpers/emulator.js';

let em: RunningEmulator;
beforeAll(async () => {
  em = await startTestEmulator();
});
afterAll(async () => {
  await em.close();
});

/** A raw request, for what fetch will not send. */
function raw(method: string, path: string, body?: Buffer | string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const url = new URL(em.origin);
    const req = request({ host: url.hostname, port: url.port, method, path, headers: { authorization: 'Bearer t', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('malformed requests', () => {
  it('bad JSON: 400 envelope', async () => {
    for (const body of ['{"name": ', 'not json', '{"a":1}}']) {
      const reply = await call(em, 'PUT', ORG_PATH, { body });
      expect(reply.status).toBe(400);
      expect(reply.body).toEqual({ success: false, errors: [{ code: 10001, message: 'access.api.error.invalid_request: the request body is not valid JSON' }], messages: [], result: null });
    }
  });

  it('JSON that is not an object: 400 envelope', async () => {
    for (const body of ['[]', '"text"', '42', 'null']) {
      const reply = await call(em, 'PUT', DOH_PATH, { body });
      expect(reply.status, body).toBe(400);
      expect(codes(reply)).toEqual([10001]);
    }
  });

  it('wrong types deep inside: 400 naming the field', async () => {
    const reply = await call(em, 'PUT', ORG_PATH, { body: { name: ['x'], mfa_config: { allowed_authenticators: [{}] }, login_design: { header_text: { a: 1 } } } });
    expect(reply.status).toBe(400);
    expect(reply.body.errors.map((e: { source: { pointer: string } }) => e.source.pointer)).toEqual(['/name', '/mfa_config/allowed_authenticators', '/login_design/header_text']);
  });

  it('a body over 1 MiB: 400 envelope, and the emulator keeps serving', async () => {
    const huge = JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) });
    const reply = await raw('PUT', '/client/v4' + ORG_PATH, huge, { 'content-type': 'application/json' });
    expect(reply.status).toBe(400);
    expect(reply.body.errors[0].code).toBe(10002);
    expect(em.state.toSeed().accounts[0].organization!.name).toBe('Widget Corps');
    expect((await call(em, 'GET', ORG_PATH)).status).toBe(200);
  });

  it('prototype keys are just unknown fields', async () => {
    const reply = await call(em, 'PUT', ORG_PATH, { body: '{"__proto__": {"polluted": true}, "constructor": 1}' });
    expect(reply.status).toBe(400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('invalid UTF-8 and odd URLs do not crash it', async () => {
    expect((await raw('PUT', '/client/v4' + ORG_PATH, Buffer.from([0x7b, 0xff, 0xfe, 0x7d]))).status).toBe(400);
    expect((await raw('GET', '/client/v4/accounts/%zz/access/organizations')).status).toBe(404);
    expect((await raw('GET', '//client/v4' + ORG_PATH)).status).toBe(404);
    expect((await call(em, 'GET', ORG_PATH)).status).toBe(200);
  });

  it('no body on an organization PUT or POST is a 400, and nothing changes (the spec requires a body)', async () => {
    const before = em.state.toSeed();
    for (const method of ['PUT', 'POST']) {
      for (const body of [undefined, '', '  \n']) {
        const reply = await raw(method, '/client/v4' + ORG_PATH, body);
        expect([reply.status, reply.body.errors[0].code, reply.body.errors[0].message], `${method} ${JSON.stringify(body)}`).toEqual([
          400,
          10001,
          'access.api.error.invalid_request: a request body is required: a JSON object',
        ]);
      }
    }
    expect(em.state.toSeed()).toEqual(before);
    expect(em.state.counters.writes).toBe(0);
  });

  it('DoH PUT may come without a body (the spec does not require one): under replace it still needs service_token_id', async () => {
    const reply = await raw('PUT', '/client/v4' + DOH_PATH);
    expect(reply.status).toBe(400);
    expect(reply.body.errors[0].source.pointer).toBe('/service_token_id');
  });
});
