// The bodies a fuzzer sends: deep nesting, huge arrays, broken or odd Unicode, prototype keys, numbers out of range,
// wrong content types. Each, on every route that takes a body, is answered 4xx with the envelope, never 5xx; nothing
// is stored, nothing is polluted, and the emulator keeps serving.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { call, DOH_PATH, EMPTY_ORG_PATH, ORG_PATH, startTestEmulator, TOKEN_ID } from '../helpers/emulator.js';

let em: RunningEmulator;
beforeAll(async () => {
  em = await startTestEmulator();
});
afterAll(async () => {
  await em.close();
});

interface RawReply {
  status: number;
  body: { success: boolean; errors: { code: number; message: string }[] } | undefined;
}

/** A raw request: the bytes and headers exactly as given. */
function raw(method: string, path: string, body: Buffer | string, contentType: string | undefined): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const url = new URL(em.origin);
    const headers: Record<string, string> = { authorization: 'Bearer t' };
    if (contentType !== undefined) headers['content-type'] = contentType;
    const req = request({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : undefined });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const nested = (open: string, close: string, depth: number, inner = '1') => open.repeat(depth) + inner + close.repeat(depth);
const JSON_TYPE = 'application/json';

/** [what, body, content type]; every one must be refused. */
const HOSTILE: [string, Buffer | string, string | undefined][] = [
  // Deep nesting (the crash: 100,000 levels), in a group, at the top, in a list field, in an object.
  ['100,000 nested lists in login_design', `{"login_design":${nested('[', ']', 100_000)}}`, JSON_TYPE],
  ['30,000 nested objects', `{"name":${nested('{"a":', '}', 30_000)}}`, JSON_TYPE],
  ['nested lists in a set field', `{"deny_unmatched_requests_exempted_zone_names":${nested('[', ']', 5_000)}}`, JSON_TYPE],
  ['nested lists as the email', `{"email":${nested('[', ']', 30_000)}}`, JSON_TYPE],
  ['21 levels of groups', `{"login_design":${nested('{"x":', '}', 21)}}`, JSON_TYPE],
  // Huge arrays and many keys (within the 1 MiB limit).
  ['100,000 numbers as the name', JSON.stringify({ name: new Array(100_000).fill(0) }), JSON_TYPE],
  ['60,000 valid zone names', JSON.stringify({ name: 'x', auth_domain: 'x.example.com', deny_unmatched_requests_exempted_zone_names: Array.from({ length: 60_000 }, (_, i) => `z${i}.example`) }), JSON_TYPE],
  ['60,000 authenticators', JSON.stringify({ mfa_config: { allowed_authenticators: new Array(60_000).fill('totp') } }), JSON_TYPE],
  ['20,000 unknown keys', JSON.stringify(Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i]))), JSON_TYPE],
  // Unicode that is not text.
  ['a lone high surrogate', '{"name":"\\ud800","email":"\\ud800@example.com","service_token_id":"\\ud800"}', JSON_TYPE],
  ['a lone low surrogate in a key', '{"\\udc00":1}', JSON_TYPE],
  ['a NUL character', '{"name":"a\\u0000b","email":"a\\u0000@example.com","service_token_id":"a\\u0000"}', JSON_TYPE],
  ['bytes that are not UTF-8', Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]), JSON_TYPE],
  ['an overlong UTF-8 encoding of "/"', Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]), JSON_TYPE],
  ['UTF-16 with a byte order mark', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"name":"x"}', 'utf16le')]), JSON_TYPE],
  ['a UTF-8 byte order mark', '\ufeff{"name":"x"}', JSON_TYPE],
  // Prototype keys, top level and nested.
  ['__proto__ at the top', '{"__proto__":{"polluted":true},"email":"a@example.com","service_token_id":"x"}', JSON_TYPE],
  ['__proto__ in a group', '{"login_design":{"__proto__":{"polluted":true}},"mfa_config":{"constructor":{"prototype":{"polluted":true}}}}', JSON_TYPE],
  ['constructor and prototype keys', '{"constructor":{"prototype":{"polluted":true}},"prototype":1,"toString":"x","hasOwnProperty":1}', JSON_TYPE],
  // Numbers out of range.
  ['1e400 in a set of numbers', '{"mfa_piv_key_requirements":{"ssh_key_size":[1e400]},"email":1e400,"doh_jwt_duration":1e400}', JSON_TYPE],
  ['-1e400 as a boolean', '{"is_ui_read_only":-1e400,"devices":-1e400,"service_token_id":-1e400}', JSON_TYPE],
  ['a 400-digit integer', `{"session_duration":${'9'.repeat(400)},"user_uid":${'9'.repeat(400)},"doh_jwt_duration":${'9'.repeat(400)}}`, JSON_TYPE],
  ['a duration beyond Go\'s range', '{"session_duration":"9999999999999999999h","email":"x","doh_jwt_duration":"9999999999999999999h"}', JSON_TYPE],
  // Wrong content types (the body itself is fine JSON).
  ['text/plain', '{"name":"x"}', 'text/plain'],
  ['a form', 'name=x&auth_domain=y', 'application/x-www-form-urlencoded'],
  ['multipart', '--b\r\nContent-Disposition: form-data; name="name"\r\n\r\nx\r\n--b--\r\n', 'multipart/form-data; boundary=b'],
  ['XML', '<organization><name>x</name></organization>', 'application/xml'],
  ['JSON in UTF-16 by its charset', '{"name":"x"}', 'application/json; charset=utf-16'],
  ['a form body without a content type', 'name=x&auth_domain=y', undefined],
  // Not an object, or not JSON.
  ['an empty body', '', JSON_TYPE],
  ['null', 'null', JSON_TYPE],
  ['a list', '[{"name":"x"}]', JSON_TYPE],
  ['a string', '"{\\"name\\":\\"x\\"}"', JSON_TYPE],
  ['trailing garbage', '{"name":"x"} {}', JSON_TYPE],
  ['a comment', '{"name":"x" /* hi */}', JSON_TYPE],
  ['NaN', '{"name":NaN}', JSON_TYPE],
];

const WRITE_ROUTES: [string, string][] = [
  ['PUT', `/client/v4${ORG_PATH}`],
  ['POST', `/client/v4${EMPTY_ORG_PATH}`],
  ['PUT', `/client/v4${DOH_PATH}`],
  ['POST', `/client/v4${ORG_PATH}/revoke_user`],
];

describe('hostile bodies', () => {
  it('every one, on every route that takes a body, is a 4xx envelope; nothing is stored or polluted', async () => {
    const before = em.state.toSeed();
    const answered: string[] = [];
    for (const [what, body, type] of HOSTILE) {
      for (const [method, path] of WRITE_ROUTES) {
        const reply = await raw(method, path, body, type);
        const label = `${what} → ${method} ${path}: ${reply.status} ${JSON.stringify(reply.body?.errors?.slice(0, 2))}`;
        expect(reply.status >= 400 && reply.status < 500, label).toBe(true);
        expect(reply.body?.success, label).toBe(false);
        expect(reply.body?.errors.length, label).toBeGreaterThan(0);
        expect(reply.body?.errors.length, label).toBeLessThanOrEqual(51);
        answered.push(label);
      }
    }
    expect(answered).toHaveLength(HOSTILE.length * WRITE_ROUTES.length);
    expect(em.state.toSeed()).toEqual(before);
    expect(em.state.counters.writes).toBe(0);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((await call(em, 'GET', ORG_PATH)).status).toBe(200);
  });

  it('the admin endpoints refuse the same bodies (content types aside: curl -d sends a form type) with a 4xx', async () => {
    const before = em.state.toSeed();
    const config = structuredClone(em.config);
    // An empty body resets to an empty state and is an empty change: both documented, so left out here.
    for (const [what, body, type] of HOSTILE.filter(([w, , t]) => t === JSON_TYPE && w !== 'an empty body')) {
      for (const path of ['/__emulator/reset', '/__emulator/config']) {
        const reply = await raw('POST', path, body, type);
        expect(reply.status >= 400 && reply.status < 500, `${what} → ${path}: ${reply.status} ${JSON.stringify(reply.body)}`).toBe(true);
      }
    }
    expect(em.state.toSeed()).toEqual(before);
    expect(em.config).toEqual(config);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('names what is wrong: depth, Unicode, numbers, content type', async () => {
    const message = async (body: Buffer | string, type: string | undefined = JSON_TYPE) => (await raw('PUT', `/client/v4${ORG_PATH}`, body, type)).body?.errors[0].message;
    expect(await message(`{"login_design":${nested('[', ']', 100_000)}}`)).toBe('access.api.error.invalid_request: the request body is nested more than 20 levels deep');
    expect(await message('{"name":"\\ud800"}')).toBe('access.api.error.invalid_request: the request body holds text that is not valid Unicode (a lone surrogate)');
    expect(await message(Buffer.from([0x7b, 0xff, 0x7d]))).toBe('access.api.error.invalid_request: the request body is not valid UTF-8');
    expect(await message('{"mfa_piv_key_requirements":{"ssh_key_size":[1e400]}}')).toBe('access.api.error.invalid_request: the request body holds a number out of range');
    expect(await message('{"name":"x"}', 'text/plain')).toBe('access.api.error.invalid_request: the request body must be sent as application/json (UTF-8), not "text/plain"');
    const many = await raw('PUT', `/client/v4${ORG_PATH}`, JSON.stringify(Object.fromEntries(Array.from({ length: 120 }, (_, i) => [`k${i}`, i]))), JSON_TYPE);
    expect(many.body?.errors).toHaveLength(51);
    expect(many.body?.errors[50].message).toBe('access.api.error.invalid_request: and 70 more problems');
  });

  it('is not over-strict: odd but valid text, JSON with a charset, and a JSON subtype are accepted', async () => {
    const name = 'Ẁidget 🚀 \u202eCorps\u200d — 漢字 ñ\tfooter';
    const put = await raw('PUT', `/client/v4${ORG_PATH}`, JSON.stringify({ name, auth_domain: 'widget.cloudflareaccess.com' }), 'application/json; charset=UTF-8');
    expect(put.status).toBe(200);
    expect((await call(em, 'GET', ORG_PATH)).body.result.name).toBe(name);
    const doh = await raw('PUT', `/client/v4${DOH_PATH}`, JSON.stringify({ service_token_id: TOKEN_ID }), 'application/vnd.api+json');
    expect(doh.status).toBe(201);
    const nestedOk = await raw('PUT', `/client/v4${ORG_PATH}`, JSON.stringify({ name, auth_domain: 'widget.cloudflareaccess.com', mfa_piv_key_requirements: { ssh_key_size: [256, 4096] } }), undefined);
    expect(nestedOk.status).toBe(200);
  });
});
