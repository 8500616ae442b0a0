// HTTP: reading bodies within a limit, authentication, rate limit, fault injection, routing, and the envelope.
// Every answer under /client/v4 is {success, errors, messages, result}; nothing a client sends can crash it.

import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { matchAccountRoute } from './account-routes.js';
import { handleAdmin } from './admin.js';
import type { RuntimeConfig } from './config.js';
import { ApiError, authenticationError, bodyTooLarge, CODES, malformedBody, noRoute } from './errors.js';
import { drawFault, faultAnswer, rateLimitedAnswer, type FaultKind } from './faults.js';
import { describe, isPlainObject, type JsonObject } from './field-checks.js';
import { hostileBodyProblem } from './hostile.js';
import { identify, type Identity, type NamedToken } from './identities.js';
import type { SlidingWindow } from './rate-limit.js';
import { matchRoute, unmatchedKey } from './routes.js';
import type { EmulatorState } from './state.js';

export const API_PREFIX = '/client/v4';
export const ADMIN_PREFIX = '/__emulator';
export const BODY_LIMIT_BYTES = 1024 * 1024;
/** Past this much, an oversized body is no longer drained but the connection is cut. */
const DRAIN_LIMIT_BYTES = 16 * BODY_LIMIT_BYTES;

/** What the request handler works with; config and limiter change while running (POST /__emulator/config). */
export interface ServerContext {
  state: EmulatorState;
  config: RuntimeConfig;
  limiter?: SlidingWindow;
  /** Only this bearer token (and the named tokens) is accepted, when set. */
  token?: string;
  /** Tokens known by name: the audit log records their label as the actor; when given, only they (and `token`) are accepted. */
  tokens?: readonly NamedToken[];
  random: () => number;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  onWrite?: (write: EmulatorWrite) => void;
  /** Apply a configuration change (admin endpoint). */
  reconfigure(change: Partial<RuntimeConfig>): void;
  /** Listening on loopback only: admin endpoints then answer only to a loopback Host (DNS rebinding). */
  loopbackOnly?: boolean;
}

/** A write the emulator carried out and saved, before its answer goes out. */
export interface EmulatorWrite {
  /** The route template, e.g. "POST /accounts/:id/access/organizations". */
  route: string;
  /** The account or zone id. */
  id: string;
  /** Whether its answer is about to be lost (an injected lost-answer fault). */
  answerLost: boolean;
}

export function createRequestHandler(ctx: ServerContext): (req: IncomingMessage, res: ServerResponse) => void {
  let rays = 0;
  return (req, res) => {
    const ray = `${(++rays).toString(16).padStart(16, '0')}-EMU`;
    handle(ctx, req, res, ray).catch((err: unknown) => {
      // A bug, never a client's doing: answer 500 with the envelope if the answer has not started.
      if (!res.headersSent) sendEnvelope(res, ray, new ApiError(500, [{ code: CODES.internal, message: `Internal server error: ${(err as Error)?.message ?? err}` }]));
      else res.destroy();
    });
  };
}

async function handle(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, ray: string): Promise<void> {
  const method = req.method ?? 'GET';
  const url = parseUrl(req.url);
  const bodyPromise = readBody(req, BODY_LIMIT_BYTES);
  if (url && (url.pathname === ADMIN_PREFIX || url.pathname.startsWith(ADMIN_PREFIX + '/'))) {
    return handleAdmin(ctx, { method, path: url.pathname.slice(ADMIN_PREFIX.length), headers: req.headers, body: bodyPromise }, res);
  }
  const apiPath = url && url.pathname.startsWith(API_PREFIX + '/') ? url.pathname.slice(API_PREFIX.length) : undefined;
  const route = apiPath === undefined ? undefined : (matchRoute(method, apiPath) ?? matchAccountRoute(method, apiPath));
  ctx.state.countRequest(route?.key ?? unmatchedKey(method));
  if (ctx.config.latencyMs > 0) await ctx.sleep(ctx.config.latencyMs);
  let fault: FaultKind | undefined;
  // Every answer of a rate-limited credential says how much of its budget is left.
  let rateHeaders: Record<string, string> = {};
  // Set once the request reaches its handler: from then on a write is recorded in the audit log, failed or not.
  let audited: Omit<AuditedWrite, 'status'> | undefined;
  try {
    const identity = identify(req.headers, ctx, req.socket.remoteAddress);
    const decision = ctx.limiter?.take(identity.key);
    if (decision) rateHeaders = ctx.limiter!.headers(decision.status);
    if (decision && !decision.allowed) {
      ctx.state.counters.rateLimited++;
      throw rateLimitedAnswer(decision.retryAfterSeconds);
    }
    if (route && ctx.config.forbidden.some((id) => id.toLowerCase() === route.id.toLowerCase())) throw authenticationError(403);
    fault = drawFault(ctx.config.faultRate, ctx.config.faultKinds, route?.isWrite ?? false, ctx.random);
    if (fault) ctx.state.countFault(fault);
    if (fault === 'reset') return void req.socket.destroy();
    const injected = fault && faultAnswer(fault);
    if (injected) throw injected;
    if (!route) throw noRoute();
    const body = await bodyPromise;
    if (route.isWrite) audited = { route: route.key, id: route.id, identity, uri: url!.pathname, ray, userAgent: single(req.headers['user-agent']) };
    if (route.isWrite) checkContentType(req.headers['content-type'], body);
    const parsedBody = route.isWrite ? parseJsonBody(body, route.bodyRequired) : {};
    if (audited) audited.request = parsedBody;
    const answer = route.handler({
      state: ctx.state,
      scope: route.scope,
      id: route.id,
      path: apiPath!,
      body: parsedBody,
      query: url!.searchParams,
      putSemantics: ctx.config.putSemantics,
      answerStyle: ctx.config.answerStyle,
      newerApi: ctx.config.newerApi,
      strict: ctx.config.strict,
      now: ctx.now,
      identity,
      auditCursorStyle: ctx.config.auditCursorStyle,
    });
    if (route.isWrite) {
      recordAudit(ctx, { ...audited!, status: answer.status, response: answer.result });
      ctx.state.recordWrite();
      ctx.onWrite?.({ route: route.key, id: route.id, answerLost: fault === 'lost-answer' });
    }
    // The write is applied and saved; its answer is lost with the connection.
    if (fault === 'lost-answer') return void req.socket.destroy();
    sendJson(res, ray, answer.status, { success: true, errors: [], messages: [], result: answer.result, ...(answer.resultInfo ? { result_info: answer.resultInfo } : {}) }, rateHeaders);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    if (audited) recordAudit(ctx, { ...audited, status: err.status });
    // An injected lost answer drops the connection whatever the outcome.
    if (fault === 'lost-answer') return void req.socket.destroy();
    await bodyPromise; // answer only once the body is read, so the client is not cut off mid-upload
    sendEnvelope(res, ray, err, rateHeaders);
  }
}

function parseUrl(raw: string | undefined): URL | undefined {
  try {
    return new URL(raw ?? '/', 'http://emulator.invalid');
  } catch {
    return undefined;
  }
}

export interface RawBody {
  text: string;
  tooLarge: boolean;
  /** The bytes are not UTF-8 (text is then empty). */
  notUtf8?: boolean;
}

/** The whole body as text; beyond the limit it is drained and dropped (cut off entirely past DRAIN_LIMIT_BYTES). */
export function readBody(req: IncomingMessage, limit: number): Promise<RawBody> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else if (size > DRAIN_LIMIT_BYTES) req.socket.destroy();
    });
    const done = () => {
      if (size > limit) return resolve({ text: '', tooLarge: true });
      try {
        // fatal: a bad byte is refused rather than stored as U+FFFD; ignoreBOM: a byte order mark stays, and is not JSON.
        resolve({ text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(Buffer.concat(chunks)), tooLarge: false });
      } catch {
        resolve({ text: '', tooLarge: false, notUtf8: true });
      }
    };
    req.on('end', done);
    req.on('error', done);
    req.on('close', done);
  });
}

/**
 * An API write's body must be sent as JSON (Cloudflare's documented requests all say so): a declared type that is
 * not JSON, or a charset other than UTF-8, is a 400. Without a Content-Type the body is read as JSON.
 */
function checkContentType(header: string | undefined, body: RawBody): void {
  if (header === undefined || (body.text.trim() === '' && !body.tooLarge && !body.notUtf8)) return;
  const [type, ...params] = header.split(';').map((p) => p.trim().toLowerCase());
  const charset = params.find((p) => p.startsWith('charset='))?.slice('charset='.length).replace(/"/g, '');
  const json = type === 'application/json' || /^application\/[\w.+-]+\+json$/.test(type);
  if (!json || (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')) {
    throw malformedBody(`the request body must be sent as application/json (UTF-8), not ${describe(header)}`);
  }
}

/** A POST/PUT body: an empty one is `{}` unless it is required; anything but a JSON object is a 400. */
export function parseJsonBody(body: RawBody, required = false): JsonObject {
  if (body.tooLarge) throw bodyTooLarge(BODY_LIMIT_BYTES);
  if (body.notUtf8) throw malformedBody('the request body is not valid UTF-8');
  if (body.text.trim() === '') {
    if (required) throw malformedBody('a request body is required: a JSON object');
    return {};
  }
  let value: unknown;
  try {
    value = JSON.parse(body.text);
  } catch {
    throw malformedBody('the request body is not valid JSON');
  }
  if (!isPlainObject(value)) throw malformedBody('the request body must be a JSON object');
  const problem = hostileBodyProblem(value);
  if (problem) throw malformedBody(problem);
  return value;
}

/**
 * Only the --token and named tokens, when given; otherwise any credential. Missing or not accepted → 401, as
 * Cloudflare answers for a credential it does not know (403 is for a known token without permission on the
 * account: the forbidden setting).
 */
export function authenticate(headers: IncomingHttpHeaders, accepted: { token?: string; tokens?: readonly NamedToken[] }): Identity {
  return identify(headers, accepted);
}

interface AuditedWrite {
  route: string;
  id: string;
  identity: Identity;
  uri: string;
  ray: string;
  userAgent?: string;
  request?: unknown;
  response?: unknown;
  status: number;
}

/** An API write, as the audit log records it: the credential is the actor. */
function recordAudit(ctx: ServerContext, write: AuditedWrite): void {
  const [method] = write.route.split(' ');
  const resource = write.route.endsWith('/doh') ? 'doh' : write.route.endsWith('/revoke_user') ? 'revoke_user' : 'organization';
  const scope = write.route.includes('/zones/') ? 'zone' : 'account';
  ctx.state.audit.record({
    scope,
    ownerId: write.id,
    zoneAccountId: scope === 'zone' ? ctx.state.zoneAccount(write.id) : undefined,
    resource,
    actor: write.identity.actor,
    method,
    uri: write.uri,
    status: write.status,
    ray: write.ray,
    userAgent: write.userAgent,
    request: write.request,
    response: write.response,
    time: ctx.now(),
  });
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export function sendEnvelope(res: ServerResponse, ray: string, err: ApiError, headers: Record<string, string> = {}): void {
  sendJson(res, ray, err.status, { success: false, errors: err.errors, messages: [], result: null }, { ...headers, ...err.headers });
}

export function sendJson(res: ServerResponse, ray: string, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cf-ray': ray, ...headers });
  res.end(text);
}
