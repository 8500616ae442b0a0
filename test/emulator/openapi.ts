// Response validators compiled with ajv from Cloudflare's published OpenAPI excerpt (test/fixtures, a copy of the
// spec embedded in cloudflare/cloudflare-typescript), so that contract tests need nothing outside the project.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

const FIXTURE = fileURLToPath(new URL('../fixtures/cloudflare-org-doh.openapi.json', import.meta.url));

type Json = Record<string, unknown>;
interface OpenApi {
  paths: Record<string, Record<string, { responses: Record<string, { content: { 'application/json': { schema: Json } } }> }>>;
  components: { schemas: Record<string, Json> };
}

export const spec: OpenApi = JSON.parse(readFileSync(FIXTURE, 'utf8'));

/**
 * The organization fields newer than the excerpt (2026-08), as the official SDK 7.3.0 (2026-10-02) types them:
 * test/resources/sdk-contract.test.ts holds ztsync's tables to the SDK; here they complete the excerpt's schema.
 */
Object.assign(spec.components.schemas.access_organizations.properties as Json, {
  strict_service_token_auth: { type: 'boolean' },
  service_token_inactivity: {
    type: 'object',
    required: ['action', 'enabled', 'inactivity_threshold_days'],
    properties: { action: { type: 'string', enum: ['disable', 'delete'] }, enabled: { type: 'boolean' }, inactivity_threshold_days: { type: 'integer' } },
  },
  trusted_accounts: { type: 'array', items: { type: 'string' }, readOnly: true },
});

/** The one schema that documents a success body loosely on purpose: revoke_user's `{result, success}`. */
const OPEN_SCHEMAS = new Set(['access_empty_response']);

/**
 * Make the spec check what it means: every object with declared properties rejects undeclared ones (so the emulator
 * sends nothing Cloudflare does not document), and the failure's `errors` (declared with `minLength: 1`, a string
 * keyword on an array) must hold at least one message. `nullable` is understood by ajv itself.
 */
function tighten(schema: unknown, open = false): unknown {
  if (Array.isArray(schema)) return schema.map((s) => tighten(s));
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Json = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === '$ref' && typeof value === 'string') out.$ref = value.replace(/^#\/components\//, 'cloudflare#/components/');
    else if (key === 'minLength' && '$ref' in schema) out.minItems = value;
    else out[key] = key === 'properties' ? Object.fromEntries(Object.entries(value as Json).map(([k, v]) => [k, tighten(v)])) : tighten(value);
  }
  if ('properties' in out && !open) out.additionalProperties = false;
  return out;
}

const ajv = new Ajv({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema({
  $id: 'cloudflare',
  components: {
    schemas: Object.fromEntries(Object.entries(spec.components.schemas).map(([name, s]) => [name, tighten(s, OPEN_SCHEMAS.has(name))])),
  },
});

const compiled = new Map<string, ValidateFunction>();

/** The validator for an operation's answer with this status: its own 2xx, else its 4XX; 5xx uses the common failure. */
export function responseValidator(path: string, method: string, status: number): ValidateFunction {
  const key = `${method} ${path} ${status}`;
  let validate = compiled.get(key);
  if (validate) return validate;
  const responses = spec.paths[path]?.[method.toLowerCase()]?.responses;
  if (!responses) throw new Error(`the spec has no operation ${method} ${path}`);
  const response = status >= 500 ? undefined : (responses[String(status)] ?? (status >= 400 ? (responses['4XX'] ?? responses['4xx']) : undefined));
  if (status < 400 && !response) throw new Error(`the spec does not document status ${status} for ${method} ${path}`);
  const schema = response ? response.content['application/json'].schema : { $ref: '#/components/schemas/access_api-response-common-failure' };
  validate = ajv.compile(tighten(schema) as Json);
  compiled.set(key, validate);
  return validate;
}

/** The common failure schema, for answers that match no operation (unknown routes). */
export function failureValidator(): ValidateFunction {
  return responseValidator(Object.keys(spec.paths)[0], 'GET', 500);
}

/** The spec's path template for an emulator route key such as "PUT /zones/:id/access/organizations". */
export function specPath(routeKey: string): { method: string; path: string } {
  const [method, path] = routeKey.split(' ');
  if (path.endsWith('/doh')) return { method, path: '/accounts/{account_id}/access/organizations/doh' };
  return { method, path: path.replace(/^\/(accounts|zones)\/:id/, '/{accounts_or_zones}/{account_or_zone_id}') };
}

export function operations(): string[] {
  return Object.entries(spec.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`));
}
