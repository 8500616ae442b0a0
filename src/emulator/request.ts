// What a route handler gets and gives back.

import type { Scope } from '../resources/fields.js';
import type { AnswerStyle, AuditCursorStyle, PutSemantics } from './config.js';
import { unknownIdentifier } from './errors.js';
import type { JsonObject } from './field-checks.js';
import type { Identity } from './identities.js';
import type { EmulatorState, Owner } from './state.js';

export interface RequestContext {
  state: EmulatorState;
  scope: Scope;
  /** The account or zone id from the path. */
  id: string;
  /** The request path under /client/v4, for messages. */
  path: string;
  body: JsonObject;
  query: URLSearchParams;
  putSemantics: PutSemantics;
  answerStyle: AnswerStyle;
  /** Create and update take the fields of src/emulator/newer-api.ts. */
  newerApi: boolean;
  /** A write carrying a read-only field is refused (400) rather than ignored. */
  strict: boolean;
  now: () => Date;
  /** Who sent the request (absent for the admin interface's dashboard edits). */
  identity?: Identity;
  auditCursorStyle?: AuditCursorStyle;
}

/** A success: its status and the envelope's `result`. */
export interface Answer {
  status: number;
  result: unknown;
  /** The envelope's result_info, for lists. */
  resultInfo?: Record<string, unknown>;
}

/** The seeded account or zone the path names; an id that was never seeded is a 404 envelope. */
export function requireOwner(ctx: RequestContext): Owner {
  const owner = ctx.state.owner(ctx.scope, ctx.id);
  if (!owner) throw unknownIdentifier(ctx.path);
  return owner;
}
