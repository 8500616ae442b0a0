// Admin endpoints under /__emulator (outside the API, never faulted, rate-limited or counted):
//   GET  /__emulator/state   the whole state in the seed format, plus counters
//   POST /__emulator/reset   body: a seed (JSON); replaces the state, counters back to zero; answers the new state
//   GET  /__emulator/config  the running settings
//   POST /__emulator/config  change latencyMs, faultRate, faultKinds, rateLimit ({requests, windowSeconds} or null), putSemantics, answerStyle, forbidden, auditCursorStyle
//   GET  /__emulator/audit   every audit log entry, oldest first
//   PATCH /__emulator/{accounts|zones}/{id}/organization, /__emulator/accounts/{id}/doh   a dashboard edit (dashboard.ts)
// Successes answer plain JSON; failures the Cloudflare envelope. With --token they need that bearer token too.
//
// They change what the emulator answers, so a web page must not reach them: a browser's request carries an Origin
// header (refused), a DNS name rebound to this machine arrives with its own Host (only loopback names are served
// while the emulator listens on loopback), and a form post is not application/json (a body must be JSON).

import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { checkConfigChange, ConfigError } from './config.js';
import { dashboardEdit, isDashboardEdit } from './dashboard.js';
import { ApiError, CODES, noRoute } from './errors.js';
import { SeedError } from './seed.js';
import { authenticate, parseJsonBody, sendEnvelope, sendJson, type RawBody, type ServerContext } from './server.js';

export interface AdminRequest {
  method: string;
  /** After /__emulator. */
  path: string;
  headers: IncomingHttpHeaders;
  body: Promise<RawBody>;
}

const RAY = '0000000000000000-EMU';

export async function handleAdmin(ctx: ServerContext, req: AdminRequest, res: ServerResponse): Promise<void> {
  const body = await req.body;
  try {
    checkLocal(req, ctx);
    if (ctx.token !== undefined || (ctx.tokens?.length ?? 0) > 0) authenticate(req.headers, ctx);
    const route = `${req.method} ${req.path}`;
    if (route === 'GET /state') return sendJson(res, RAY, 200, ctx.state.snapshot());
    if (route === 'GET /config') return sendJson(res, RAY, 200, ctx.config);
    if (route === 'POST /reset') {
      ctx.state.reset(parseJsonBody(body));
      return sendJson(res, RAY, 200, ctx.state.snapshot());
    }
    if (route === 'POST /config') {
      ctx.reconfigure(checkConfigChange(parseJsonBody(body)));
      return sendJson(res, RAY, 200, ctx.config);
    }
    if (route === 'GET /audit') return sendJson(res, RAY, 200, ctx.state.audit.all());
    if (isDashboardEdit(req.path)) return sendJson(res, RAY, 200, dashboardEdit(ctx, req.method, req.path, parseJsonBody(body, true)));
    throw noRoute();
  } catch (err) {
    if (err instanceof SeedError || err instanceof ConfigError) {
      return sendEnvelope(res, RAY, new ApiError(400, [{ code: CODES.malformedBody, message: err.message }]));
    }
    if (err instanceof ApiError) return sendEnvelope(res, RAY, err);
    throw err;
  }
}

/** Refuse what a web page could send (see the top of this file). */
function checkLocal(req: AdminRequest, ctx: ServerContext): void {
  if (req.headers.origin !== undefined) {
    throw new ApiError(403, [{ code: CODES.authentication, message: 'admin endpoints refuse requests that carry an Origin header (sent by web pages): use curl or a script' }]);
  }
  const host = hostName(req.headers.host);
  if (ctx.loopbackOnly && !isLoopbackName(host)) {
    throw new ApiError(403, [{ code: CODES.authentication, message: `admin endpoints answer only to a loopback Host (localhost, 127.0.0.1, ::1), not ${JSON.stringify(host)}` }]);
  }
  if (req.method !== 'GET' && !isJsonType(req.headers['content-type'])) {
    throw new ApiError(400, [{ code: CODES.malformedBody, message: `admin requests with a body must be sent as application/json, not ${req.headers['content-type'] === undefined ? 'without a Content-Type' : JSON.stringify(req.headers['content-type'])}` }]);
  }
}

/** The host of a Host header, without its port (and an IPv6 literal without its brackets). */
function hostName(header: string | undefined): string {
  const text = (header ?? '').trim().toLowerCase();
  const bracketed = /^\[([^\]]*)\]/.exec(text);
  return bracketed ? bracketed[1] : text.replace(/:\d*$/, '');
}

/** localhost (and its subdomains, which resolve to loopback by RFC 6761), 127.0.0.0/8 and ::1. */
export function isLoopbackName(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

function isJsonType(header: string | undefined): boolean {
  const type = (header ?? '').split(';')[0].trim().toLowerCase();
  return type === 'application/json' || /^application\/[\w.+-]+\+json$/.test(type);
}
