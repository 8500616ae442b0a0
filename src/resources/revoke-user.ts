// The revoke_user call (POST …/access/organizations/revoke_user): its body and query, declared once for the
// emulator's checks and any client that builds the call. It is an action, not a setting, so it has no table of
// managed fields.

/** Body keys and their JSON types. `body_devices` is the key the official TypeScript SDK sends for the body's `devices`. */
export const REVOKE_USER_BODY: ReadonlyMap<string, 'string' | 'boolean'> = new Map([
  ['email', 'string'],
  ['user_uid', 'string'],
  ['devices', 'boolean'],
  ['body_devices', 'boolean'],
  ['warp_session_reauth', 'boolean'],
]);

/** Query parameters: `devices=true|false`. */
export const REVOKE_USER_QUERY = ['devices'] as const;

/** RFC 5321's limit on a whole address. */
const MAX_EMAIL_LENGTH = 254;

/**
 * An address a mail system could deliver to: one `@`, no spaces, a dot in the domain. Deliberately loose (real
 * addresses are varied); it refuses what is clearly not an address ("bob", "a@b", "a b@c.d").
 */
export function isEmail(text: unknown): text is string {
  return typeof text === 'string' && text.length <= MAX_EMAIL_LENGTH && /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/.test(text);
}
