// The JSON Schema: generated from the tables, committed, and complete.
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildSchema } from '../../src/config/index.js';
import { durationPattern } from '../../src/config/schema.js';
import { parseDuration } from '../../src/resources/duration.js';
import { organization, writableFields } from '../../src/resources/index.js';

type Json = Record<string, any>;
const schema = buildSchema() as Json;
const defs = schema.$defs as Json;

/** Every object schema in the tree, with its JSON path. */
function objectSchemas(node: unknown, path = '#'): [string, Json][] {
  if (node === null || typeof node !== 'object') return [];
  const here: [string, Json][] = (node as Json).type === 'object' ? [[path, node as Json]] : [];
  return [...here, ...Object.entries(node as Json).flatMap(([k, v]) => objectSchemas(v, `${path}/${k}`))];
}

/** The dotted leaf paths an organization-like schema declares. */
function leafPaths(s: Json, prefix = ''): string[] {
  return Object.entries(s.properties as Json).flatMap(([k, v]) => ((v as Json).properties ? leafPaths(v as Json, `${prefix}${k}.`) : [`${prefix}${k}`]));
}

describe('the JSON Schema', () => {
  it('is committed exactly as generated (2-space JSON and a newline)', () => {
    const committed = readFileSync(new URL('../../schema/ztsync.schema.json', import.meta.url), 'utf8');
    expect(committed).toBe(`${JSON.stringify(buildSchema(), null, 2)}\n`);
  });

  it('is JSON Schema 2020-12 and closes every object', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    const objects = objectSchemas(schema);
    expect(objects.length).toBeGreaterThan(10);
    // Labels and selectors are maps: any key of the label spelling, each value a string.
    const maps = ['#/$defs/labels', '#/$defs/selector'];
    for (const [path, s] of objects) expect(s.additionalProperties, path).toEqual(maps.includes(path) ? { type: 'string', pattern: expect.any(String) } : false);
  });

  it('declares every writable field of the tables with its description, and no read-only field', () => {
    expect(leafPaths(defs.organization).sort()).toEqual(writableFields(organization).map((f) => f.path).sort());
    expect(leafPaths(defs.doh).sort()).toEqual(['doh_jwt_duration', 'service_token_id']);
    for (const f of writableFields(organization)) {
      const [group, leaf] = f.path.split('.');
      const s = leaf ? defs.organization.properties[group].properties[leaf] : defs.organization.properties[group];
      expect(s.description.startsWith(f.description), f.path).toBe(true);
    }
    expect(JSON.stringify(schema)).not.toMatch(/"created_at"|"updated_at"|"expires_at"|"client_id"/);
  });

  it('gives zones the zone subset of the organization and no doh', () => {
    expect(leafPaths(defs.zone_organization).sort()).toEqual(writableFields(organization, 'zone').map((f) => f.path).sort());
    expect(leafPaths(defs.zone_organization)).not.toContain('session_duration');
    expect(Object.keys(defs.zone.properties)).toEqual(['zone_id', 'description', 'labels', 'credentials_env', 'organization']);
    expect(Object.keys(defs.account.properties)).toEqual(['account_id', 'description', 'labels', 'credentials_env', 'organization', 'doh']);
    expect(defs.account.required).toEqual(['account_id']);
    expect(defs.id.pattern).toBe('^[0-9a-f]{32}$');
    expect(Object.keys(defs.defaults.properties)).toEqual(['credentials_env', 'organization', 'doh']);
  });

  it('describes durations with a pattern, a custom format and their bounds', () => {
    const seat = defs.organization.properties.user_seat_expiration_inactive_time;
    expect(seat).toMatchObject({ type: ['string', 'null'], format: 'go-duration', formatMinimum: '730h', formatMaximum: '8760h' });
    expect(defs.organization.properties.mfa_config.properties.session_duration).toMatchObject({ format: 'go-duration-mh', formatMinimum: '0m', formatMaximum: '720h' });
    expect(defs.doh.properties.doh_jwt_duration).toMatchObject({ format: 'go-duration', formatMinimum: '0s' });
    expect(defs.doh.properties.service_token_id).toMatchObject({ type: 'string', format: 'uuid' });
    // Optional fields may be null (unset); what every organization must have may not.
    expect(defs.organization.properties.name.type).toBe('string');
    expect(defs.organization.properties.mfa_piv_key_requirements.properties.pin_policy.enum).toEqual(['never', 'once', 'always', null]);
    expect(defs.organization.properties.mfa_config.properties.allowed_authenticators.items.enum).toEqual(['totp', 'biometrics', 'security_key', 'piv_key', 'ssh_fido2_key']);
  });

  it('has duration patterns that agree with the Go parser', () => {
    const samples = ['24h', '2h45m', '1.5h', '.5h', '300ms', '1µs', '1us', '0', '-1h', '+3m', '1d', '24', 'h', '1 h', '1h 2m', '', '1.h', '30s', '30m'];
    for (const units of ['go', 'minutes-hours'] as const) {
      const re = new RegExp(durationPattern(units), 'u');
      for (const s of samples) expect(re.test(s), `${units} ${s}`).toBe(parseDuration(s, units) !== undefined);
    }
  });

  it('is a valid JSON Schema 2020-12 (ztsync compiles it without checking that, to start faster)', () => {
    const ajv = new Ajv2020({ strict: false });
    expect(ajv.validateSchema(schema), ajv.errorsText()).toBe(true);
    expect(ajv.validateSchema({ ...schema, type: 'mapping' })).toBe(false); // the check can fail
  });

  it('lets an editor (a plain validator without ztsync formats) catch bad values', () => {
    const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
    const validate = ajv.compile(schema);
    const text = readFileSync(new URL('../../examples/config/production.yaml', import.meta.url), 'utf8');
    expect(validate(parse(text))).toBe(true);
    expect(validate(parse(text.replace('session_duration: 12h ', 'session_duration: 1d ')))).toBe(false);
    expect(validate.errors?.[0]).toMatchObject({ instancePath: '/accounts/0/organization/session_duration', keyword: 'pattern' });
  });
});
