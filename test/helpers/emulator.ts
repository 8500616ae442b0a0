// A seeded emulator and a small HTTP client for the emulator's tests.
import { startEmulator, type EmulatorOptions, type RunningEmulator, type Seed } from '../../src/emulator/index.js';

export const ACCOUNT = '023e105f4ecef8ad9ca31a8372d0c353';
export const EMPTY_ACCOUNT = '11111111111111111111111111111111';
export const ZONE = '699d98642c564d2e855e9661899b7252';
export const TOKEN_ID = 'f174e90a-fafe-4643-bbbc-4a0ed4fc8415';
export const TOKEN_CLIENT_ID = '88bf3b6d86161464f6509f7219099e57.access';
export const OTHER_TOKEN_ID = '0b1c9a52-6a77-4e09-9d0e-0d9c3e6a1d2f';

export const ORG_PATH = `/accounts/${ACCOUNT}/access/organizations`;
export const ZONE_ORG_PATH = `/zones/${ZONE}/access/organizations`;
export const DOH_PATH = `/accounts/${ACCOUNT}/access/organizations/doh`;
export const EMPTY_ORG_PATH = `/accounts/${EMPTY_ACCOUNT}/access/organizations`;

export function testSeed(): Seed {
  return {
    accounts: [
      {
        id: ACCOUNT,
        organization: { name: 'Widget Corps', auth_domain: 'widget.cloudflareaccess.com', session_duration: '24h' },
        service_tokens: [
          { id: TOKEN_ID, client_id: TOKEN_CLIENT_ID, name: 'CI token', duration: '8760h' },
          { id: OTHER_TOKEN_ID, client_id: 'aa11bb22cc33dd44ee55ff6677889900.access', name: 'Other token' },
        ],
        doh: { service_token_id: TOKEN_ID, doh_jwt_duration: '24h' },
      },
      { id: EMPTY_ACCOUNT, service_tokens: [{ id: OTHER_TOKEN_ID, client_id: 'x.access', name: 'Lonely token' }] },
    ],
    zones: [{ id: ZONE, organization: { name: 'Zone org', auth_domain: 'zone.cloudflareaccess.com' } }],
  };
}

export function startTestEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  return startEmulator({ port: 0, seed: testSeed(), ...options });
}

export interface Reply {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export interface CallOptions {
  /** An object is sent as JSON; a string as it is. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Leave out the default bearer token. */
  anonymous?: boolean;
}

/** One request to the emulator's API (`path` under /client/v4) or, with an absolute URL, anywhere. */
export async function call(em: RunningEmulator, method: string, path: string, options: CallOptions = {}): Promise<Reply> {
  const url = path.startsWith('http') ? path : path.startsWith('/__emulator') ? em.origin + path : em.url + path;
  const headers: Record<string, string> = { ...(options.anonymous ? {} : { authorization: 'Bearer test-token' }), ...options.headers };
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(url, { method, headers, body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

/** The failure envelope's codes, for compact assertions. */
export function codes(reply: Reply): number[] {
  return (reply.body?.errors ?? []).map((e: { code: number }) => e.code);
}
