// A successful answer whose result is not an object (a list, a string, a number, a boolean) is not "not set up
// yet": taking it so would plan a create and make apply POST one. It is the same error as any answer that does not
// look like the Cloudflare API, naming the request; nothing is ever written. Only an empty result (null, {}) and a
// 404 in the envelope mean absent. Against purpose-built servers, and a proxy in front of the emulator for the
// reads apply makes after the plan (its fresh read before a write, and its read-back).
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { writeConfig } from '../config/helpers.js';
import { answer, startProxy, startServer, type TestServer } from '../helpers/http.js';
import { run } from '../helpers/io.js';
import { SECRET_TOKEN, STAGING, demoEmulator, writes } from '../helpers/reconcile.js';

let em: RunningEmulator | undefined;
let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  await em?.close();
  em = server = undefined;
});

const ORG = `/accounts/${STAGING}/access/organizations`;
const DOH = `${ORG}/doh`;
const envelope = (result: unknown) => ({ success: true, errors: [], messages: [], result });
const notFound = (code: number) => ({ success: false, errors: [{ code, message: 'not set up' }], messages: [], result: null });

/** One account with an organization (named `name`) and DoH settings, written to a fresh directory. */
async function config(name = 'Widget Corps Staging'): Promise<string> {
  const lines = [
    'accounts:',
    `  - account_id: ${STAGING}`,
    `    organization: {name: ${name}, auth_domain: widgetcorps-staging.cloudflareaccess.com}`,
    '    doh: {service_token_id: 3c9a1f5e-2b7d-4e8a-9c6f-0d1e2f3a4b5c, doh_jwt_duration: 24h}',
    '',
  ];
  return join(writeConfig({ 'staging.yaml': lines.join('\n') }), 'staging.yaml');
}

const ztsyncAt = (base: string, argv: string[]) => run(argv, { env: { CLOUDFLARE_API_TOKEN: SECRET_TOKEN, CLOUDFLARE_BASE_URL: base } });
const writesTo = (s: TestServer) => s.requests.filter((r) => r.method !== 'GET');

const MALFORMED: [string, unknown, string][] = [
  ['a list', [1, 2], 'its result is a list of 2, not an object'],
  ['an empty list', [], 'its result is a list of 0, not an object'],
  ['a string', 'ok', 'its result is a string of 2 characters, not an object'],
  ['a number', 42, 'its result is a number, not an object'],
  ['a boolean', true, 'its result is a boolean, not an object'],
];

describe('a 200 whose result is not an object is an error, never "absent"', () => {
  for (const [what, result, detail] of MALFORMED) {
    it(`organization read as ${what}: plan and apply error naming the request; apply sends no POST or PUT`, async () => {
      server = await startServer((req, res) => answer(res, 200, envelope(req.url.endsWith('/doh') ? { id: 'x' } : result)));
      const base = `${server.url}/client/v4`;
      const file = await config();
      const plan = await ztsyncAt(base, ['plan', file, '--format', 'json']);
      expect(plan.code).toBe(1);
      const target = JSON.parse(plan.stdout).targets[0];
      expect(target.resources.map((r: { action: string }) => r.action)).not.toContain('create');
      expect(target.error.message).toBe(
        `GET ${ORG} → 200: the answer does not look like the Cloudflare API (${detail}); check that ${base} is the API base URL (--api-base or CLOUDFLARE_BASE_URL)`,
      );

      const apply = await ztsyncAt(base, ['apply', file, '--auto-approve']);
      expect(apply.code).toBe(1);
      expect(apply.stdout).not.toContain('organization (create)');
      expect(apply.stdout).toContain(`GET ${ORG} → 200: the answer does not look like the Cloudflare API (${detail})`);
      expect(writesTo(server)).toEqual([]);
    });
  }

  it('DoH read as a list: the same error, naming the DoH request; nothing is written', async () => {
    server = await startServer((req, res) => answer(res, 200, envelope(req.url.endsWith('/doh') ? ['token'] : { name: 'Widget Corps Staging', auth_domain: 'widgetcorps-staging.cloudflareaccess.com' })));
    const apply = await ztsyncAt(server.url, ['apply', await config(), '--auto-approve']);
    expect(apply.code).toBe(1);
    expect(apply.stdout).toContain(`GET ${DOH} → 200: the answer does not look like the Cloudflare API (its result is a list of 1, not an object)`);
    expect(writesTo(server)).toEqual([]);
  });

  it('an empty result (null, {}, none) and a 404 envelope still mean "not set up yet"', async () => {
    const absent: ((res: Parameters<typeof answer>[0]) => void)[] = [
      (res) => answer(res, 200, envelope(null)),
      (res) => answer(res, 200, envelope({})),
      (res) => answer(res, 200, { success: true, errors: [], messages: [] }),
      (res) => answer(res, 404, notFound(12001)),
    ];
    for (const reply of absent) {
      server = await startServer((req, res) => reply(res));
      const plan = await ztsyncAt(server.url, ['plan', await config(), '--format', 'json', '--detailed-exitcode']);
      expect(plan.code).toBe(2);
      expect(JSON.parse(plan.stdout).targets[0].resources.map((r: { action: string }) => r.action)).toEqual(['create', 'create']);
      await server.close();
      server = undefined;
    }
  });
});

describe("apply's own reads: the fresh read before a write and the read-back", () => {
  /** A proxy to the demo emulator that answers the organization GETs after the first `passed` with a list. */
  async function listAfter(passed: number): Promise<TestServer> {
    em = await demoEmulator();
    let gets = 0;
    return startProxy(em.url, (req, res) => {
      if (req.method !== 'GET' || !req.url.endsWith('/access/organizations') || ++gets <= passed) return false;
      answer(res, 200, envelope([1, 2]));
      return true;
    });
  }

  it('the fresh read before the write answers a list: the target fails, nothing is written', async () => {
    server = await listAfter(1);
    const apply = await ztsyncAt(server.url, ['apply', await config('Widget Corps Staging EU'), '--auto-approve']);
    expect(apply.code).toBe(1);
    expect(apply.stdout).toContain(`organization failed: GET ${ORG} → 200: the answer does not look like the Cloudflare API (its result is a list of 2, not an object)`);
    expect(writesTo(server)).toEqual([]);
  });

  it('the read-back answers a list: written but not confirmed (not "did not converge"), and not written again', async () => {
    server = await listAfter(2);
    const before = writes(em!);
    const apply = await ztsyncAt(server.url, ['apply', await config('Widget Corps Staging EU'), '--auto-approve']);
    expect(apply.code).toBe(1);
    expect(apply.stdout).toContain('organization written, but not confirmed: reading it back failed: GET');
    expect(apply.stdout).toContain('the answer does not look like the Cloudflare API (its result is a list of 2, not an object)');
    expect(apply.stdout).not.toContain('did not converge');
    expect(writesTo(server).filter((r) => r.url === ORG)).toHaveLength(1);
    expect(writes(em!)).toBeGreaterThan(before);
  });
});
