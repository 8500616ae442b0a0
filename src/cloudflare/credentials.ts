// Where the client's credentials and base URL come from, and the rule that they never travel in clear
// text to anything but this machine.

import { UsageError } from '../io.js';

export type Credentials = { kind: 'token'; token: string } | { kind: 'key'; email: string; key: string };

export const DEFAULT_API_BASE = 'https://api.cloudflare.com/client/v4';

export function credentialsFromEnv(env: Record<string, string | undefined>): Credentials {
  const token = env.CLOUDFLARE_API_TOKEN?.trim();
  if (token) return { kind: 'token', token };
  const key = env.CLOUDFLARE_API_KEY?.trim();
  const email = env.CLOUDFLARE_EMAIL?.trim();
  if (key && email) return { kind: 'key', email, key };
  if (key || email) throw new UsageError('CLOUDFLARE_API_KEY and CLOUDFLARE_EMAIL go together: set both, or set CLOUDFLARE_API_TOKEN instead');
  throw new UsageError('no Cloudflare credentials: set CLOUDFLARE_API_TOKEN (or CLOUDFLARE_API_KEY with CLOUDFLARE_EMAIL)');
}

export function authHeaders(credentials: Credentials): Record<string, string> {
  return credentials.kind === 'token'
    ? { authorization: `Bearer ${credentials.token}` }
    : { 'x-auth-email': credentials.email, 'x-auth-key': credentials.key };
}

/** A base URL that is safe to send credentials to: https anywhere, plain http only to loopback. */
export function checkedApiBase(raw: string | undefined): URL {
  const text = (raw ?? '').trim() || DEFAULT_API_BASE;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`the API base URL "${text}" is not a URL`);
  }
  if (url.username || url.password) throw new UsageError('the API base URL must not carry a user name or password');
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
    throw new UsageError(`refusing to send credentials over plain http to ${url.hostname}: use https, or a loopback address for the emulator`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`the API base URL must be http(s), not ${url.protocol}`);
  url.pathname = url.pathname.replace(/\/+$/, '');
  return url;
}

export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}
