// Admin endpoints under /__emulator (outside the API, never faulted, rate-limited or counted):
//   GET  /__emulator/state   the whole state in the seed format, plus counters
//   POST /__emulator/reset   body: a seed (JSON); replaces the state, counters back to zero; answers the new state
//   GET  /__emulator/config  the running settings
//   POST /__emulator/config  change latencyMs, faultRate, faultKinds, rateLimit ({requests, windowSeconds} or null), putSemantics, answerStyle, forbidden, auditCursorStyle
//   GET  /__emulator/audit   every audit log entry, oldest first
//   PATCH /__emulator/{accounts|zones}/{id}/organization, /__emulator/accounts/{id}/doh   a dashboard edit (dashboard.ts)
// Successes answer plain JSON; failures the Cloudflare envelope. With --token they need that bearer token too.

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
