// Small purpose-built HTTP servers for behaviour the emulator does not have: a mock at the root URL, a proxy's
// HTML error page, an API that echoes the request, a gateway that answers 502 after forwarding a write.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Exchange {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface TestServer {
  /** http://127.0.0.1:PORT (no path) */
  url: string;
  requests: Exchange[];
  close(): Promise<void>;
}

export type Handler = (request: Exchange, response: ServerResponse) => void | Promise<void>;

export async function startServer(handle: Handler): Promise<TestServer> {
  const requests: Exchange[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const exchange = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(exchange);
      try {
        await handle(exchange, res);
      } catch (err) {
        res.writeHead(599).end(String(err));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Send a received request on to `base` + its path; returns the answer without writing it. */
export async function forward(request: Exchange, base: string): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(request.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'content-length') headers[k] = v;
  const res = await fetch(base + request.url, { method: request.method, headers, body: request.body || undefined });
  return { status: res.status, headers: { 'content-type': res.headers.get('content-type') ?? 'application/json' }, body: await res.text() };
}

/** Write an answer. */
export function answer(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/html' : 'application/json', ...headers }).end(text);
}

/** A proxy to `base` (e.g. an emulator's /client/v4 URL) that lets `intercept` answer first; unanswered requests are forwarded. */
export function startProxy(base: string, intercept: (request: Exchange, res: ServerResponse) => boolean | Promise<boolean> = () => false): Promise<TestServer> {
  return startServer(async (request, res) => {
    if (await intercept(request, res)) return;
    const forwarded = await forward(request, base);
    answer(res, forwarded.status, forwarded.body, forwarded.headers);
  });
}

/** A proxy to `base` that forwards reads and answers every write 429 with this Retry-After (seconds). */
export function writesRateLimited(base: string, retryAfterSeconds: number): Promise<TestServer> {
  return startProxy(base, (request, res) => {
    if (request.method === 'GET') return false;
    answer(res, 429, { success: false, errors: [{ code: 10429, message: 'Rate limited' }], messages: [], result: null }, { 'retry-after': String(retryAfterSeconds) });
    return true;
  });
}
