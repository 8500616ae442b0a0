// The JSON Schema of a config file, generated from the resource tables so that it can never disagree with
// them. Editors use it through the yaml-language-server modeline; the validator compiles the same object.

import { groupOf, RESOURCES, writableFields, type FieldSpec, type FieldType, type ResourceSpec, type Scope, type StringFormat } from '../resources/index.js';
import type { DurationUnits } from '../resources/duration.js';
import { SAFETY_RULE_NAMES, SAFETY_RULES } from '../resources/safety.js';
import { LABEL_KEY_PATTERN, LABEL_VALUE_PATTERN, MAX_LABELS } from './labels.js';

/** Cloudflare account and zone ids: 32 lowercase hex digits. */
export const ID_PATTERN = '^[0-9a-f]{32}$';

/** What is known of the formats the API does not define, said in each such field's description. */
const FORMAT_NOTES: Partial<Record<StringFormat, string>> = {
  color:
    ' The API documents no format: the dashboard writes hex (#c5ed1b). A CSS colour (#rgb, #rrggbb, #rrggbbaa, rgb(), hsl(), a colour name), compared by meaning, in any case; anything else is refused unless tagged !unchecked.',
  uri: ' The API documents no format: an https: URL (what the dashboard takes) or a relative path; anything else is refused unless tagged !unchecked.',
  text: ' Plain text: HTML is refused unless the value is tagged !unchecked.',
};

/** An environment variable name, for credentials_env. */
export const ENV_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*$';

/** Go's time.ParseDuration syntax, so editors flag bad durations without knowing the custom format. */
const DURATION_UNIT_PATTERN: Record<DurationUnits, string> = { go: '(?:ns|us|µs|μs|ms|s|m|h)', 'minutes-hours': '[mh]' };
export function durationPattern(units: DurationUnits): string {
  return `^[-+]?(?:0|(?:(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)${DURATION_UNIT_PATTERN[units]})+)$`;
}

/** The custom formats the validator registers (with a compare function, for formatMinimum/formatMaximum). */
export const DURATION_FORMAT: Record<DurationUnits, string> = { go: 'go-duration', 'minutes-hours': 'go-duration-mh' };

/** No setting here takes a negative duration, whether or not the table gives a lower bound. */
export const DEFAULT_DURATION_MIN = '0s';

const TARGET_KEYS = { account: 'account_id', zone: 'zone_id' } as const;
export function idKey(scope: Scope): 'account_id' | 'zone_id' {
  return TARGET_KEYS[scope];
}

/** `$defs` name of a resource's settings object for a scope. */
function defName(spec: ResourceSpec, scope: Scope, inDefaults = false): string {
  return inDefaults ? `defaults_${spec.type}` : scope === 'account' ? spec.type : `${scope}_${spec.type}`;
}

/**
 * The schema's identity: which config format a file follows, the same wherever ztsync is installed and for every
 * release that reads this format (v1). A name, not a location: the project has no host of its own to serve the
 * schema from, and a URL on a host it does not control would let whoever holds that host serve editors a schema.
 */
export const SCHEMA_ID = 'urn:ztsync:schema:config:v1';

export function buildSchema(): object {
  const defs: Record<string, object> = {
    id: { type: 'string', pattern: ID_PATTERN, description: 'A Cloudflare id: 32 lowercase hex digits. Quote ids that are all digits.' },
    defaults: targetSchema('Settings laid under every target that has the resource: organization defaults reach only accounts and zones with an organization section of their own (zones take only the fields they accept), DoH defaults only accounts with a doh section. A target\'s own value wins, field by field.', {}, 'account'),
    defaults_layer: targetSchema('A layer of defaults: with select, laid only under the targets whose labels match it (over the unscoped defaults); without, unscoped. Two scoped layers may not set the same field for one target.', {}, 'account', true),
    account: targetSchema('A Cloudflare account whose settings ztsync manages.', {
      account_id: { $ref: '#/$defs/id', description: 'The Cloudflare account id.' },
    }, 'account'),
    zone: targetSchema('A Cloudflare zone with its own Zero Trust organization (zones have no DoH settings).', {
      zone_id: { $ref: '#/$defs/id', description: 'The Cloudflare zone id.' },
    }, 'zone'),
    allow: allowSchema(),
    labels: labelsSchema('Labels of this target (env: prod, region: eu): selectors (--select, scoped defaults, allow entries) choose targets by them.'),
    selector: labelsSchema('A selector: the labels a target must all carry (env: prod) to be chosen.'),
  };
  for (const spec of RESOURCES) {
    for (const scope of spec.scopes) defs[defName(spec, scope)] = resourceSchema(spec, scope);
    defs[defName(spec, 'account', true)] = resourceSchema(spec, 'account', true);
  }
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: SCHEMA_ID,
    title: 'ztsync configuration',
    description: 'Cloudflare Zero Trust organization and DoH settings of accounts and zones. Only the fields written here are managed.',
    type: 'object',
    additionalProperties: false,
    properties: {
      defaults: {
        description: 'Defaults: a mapping (laid under every target), or a list of layers, each scoped to the targets a select matches (or unscoped, without select).',
        if: { type: 'array' },
        then: { type: 'array', items: { $ref: '#/$defs/defaults_layer' } },
        else: { $ref: '#/$defs/defaults' },
      },
      accounts: { type: 'array', description: 'The accounts to manage.', items: { $ref: '#/$defs/account' } },
      zones: { type: 'array', description: 'The zones to manage (zone-scoped organizations).', items: { $ref: '#/$defs/zone' } },
      allow: { type: 'array', description: 'Changes a safety rule would block, allowed on one account or zone, with the reason (shown in the plan).', items: { $ref: '#/$defs/allow' } },
      budget: {
        type: 'object',
        description: 'The change budget: a plan that would change more targets than this is blocked (exit 3). Set at most once across the files; shown in every plan with its reason. Without it, plans of 8 targets or more may change 25 % of them.',
        additionalProperties: false,
        required: ['max_changed_targets', 'reason'],
        properties: {
          max_changed_targets: { type: ['string', 'integer'], pattern: '^(?:100|[1-9]?[0-9])%$', minimum: 0, description: 'At most this many targets (12), or this percentage of the plan\'s targets ("40%"), may change.', examples: ['40%', 12] },
          reason: { type: 'string', minLength: 1, description: 'Why the budget is what it is: shown in every plan for reviewers.' },
        },
      },
    },
    $defs: defs,
  };
}

/** One allow entry: a safety rule, the one target it is allowed on (account_id or zone_id), and why. */
function allowSchema(): object {
  const rules = SAFETY_RULES.map((r) => `${r.name}: ${r.description}`).join(' ');
  return {
    type: 'object',
    description: 'Allow changes that a safety rule blocks, on the targets named by exactly one of account_id, zone_id (an id or a list) or select (labels).',
    additionalProperties: false,
    required: ['rule', 'reason'],
    properties: {
      rule: { type: 'string', enum: [...SAFETY_RULE_NAMES], description: `The safety rule. ${rules}` },
      account_id: idsSchema('account'),
      zone_id: idsSchema('zone'),
      select: { $ref: '#/$defs/selector', description: 'The targets the rule is allowed on, by their labels (env: staging): every account and zone whose labels match. It must match at least one.' },
      to: { description: 'Pin the change: the rule lets a change through only when the new value equals this (compared as the plan compares values); a change to any other value stays blocked.' },
      expires: { type: 'string', pattern: '^\\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\\d|3[01])$', description: 'YYYY-MM-DD (UTC): after this day the entry lets nothing through, and is a warning.' },
      reason: { type: 'string', maxLength: MAX_REASON_LENGTH, description: `Why the change is allowed: shown in the plan for reviewers (at most ${MAX_REASON_LENGTH} characters).` },
    },
  };
}

/** The target(s) an allow entry names: one id, or a list of distinct ids. */
function idsSchema(scope: 'account' | 'zone'): object {
  return {
    description: `The ${scope} the rule is allowed on, or a list of them.`,
    // One id or a list of them: each keyword applies to its own type, so errors name the one written.
    type: ['string', 'array'],
    pattern: ID_PATTERN,
    minItems: 1,
    uniqueItems: true,
    items: { $ref: '#/$defs/id' },
  };
}

/** Labels, or a selector: string keys to string values, both in a plain spelling selectors can name on the command line. */
function labelsSchema(description: string): object {
  return {
    type: 'object',
    description,
    maxProperties: MAX_LABELS,
    propertyNames: { pattern: LABEL_KEY_PATTERN },
    additionalProperties: { type: 'string', pattern: LABEL_VALUE_PATTERN },
    examples: [{ env: 'prod', region: 'eu' }],
  };
}

/**
 * Free text a pull request writes is shown in the plan comment, whose length GitHub caps at 65,536 characters:
 * bounded, so that one text cannot push every other target (and a change elsewhere) out of the comment.
 */
export const MAX_DESCRIPTION_LENGTH = 200;
export const MAX_REASON_LENGTH = 500;

/** An account, a zone or the defaults: the id (not for defaults), a description and one object per resource. */
function targetSchema(description: string, idProperty: Record<string, object>, scope: Scope, scoped = false): object {
  const isDefaults = Object.keys(idProperty).length === 0;
  const properties: Record<string, object> = { ...idProperty };
  if (scoped) properties.select = { $ref: '#/$defs/selector' };
  if (!isDefaults) properties.description = { type: 'string', maxLength: MAX_DESCRIPTION_LENGTH, description: `Free text, shown in plans (at most ${MAX_DESCRIPTION_LENGTH} characters).` };
  if (!isDefaults) properties.labels = { $ref: '#/$defs/labels' };
  properties.credentials_env = {
    type: 'string',
    pattern: ENV_NAME_PATTERN,
    description: `The environment variable holding the API token for ${isDefaults ? 'every target without its own credentials_env' : 'this target'} (instead of CLOUDFLARE_API_TOKEN); each token gets a rate budget of its own.`,
    examples: ['CF_TOKEN_EU'],
  };
  for (const spec of RESOURCES) {
    if (spec.scopes.includes(scope)) properties[spec.type] = { $ref: `#/$defs/${defName(spec, scope, isDefaults)}` };
  }
  return {
    type: 'object',
    description,
    additionalProperties: false,
    ...(isDefaults ? {} : { required: Object.keys(idProperty) }),
    properties,
  };
}

/** The settings object of one resource for one scope: its writable fields, nested into their groups. */
function resourceSchema(spec: ResourceSpec, scope: Scope, inDefaults = false): object {
  const note = inDefaults ? ' As defaults: without the fields that name one target\'s own thing (auth_domain, service_token_id).' : scope === 'account' ? '' : ' Zones accept only this subset.';
  const root = objectSchema(spec.description + note);
  for (const field of writableFields(spec, scope).filter((f) => !(inDefaults && f.perTarget))) {
    const keys = field.path.split('.');
    let parent = root;
    for (const [i, key] of keys.slice(0, -1).entries()) {
      const groupPath = keys.slice(0, i + 1).join('.');
      const description = spec.groups.find((g) => g.path === groupPath)?.description ?? groupPath;
      // A group may be null: that unsets every field of it (a group always holds optional fields only).
      parent.properties[key] ??= { ...objectSchema(`${description} null unsets the whole group.`), type: ['object', 'null'] };
      parent = parent.properties[key] as ObjectSchema;
    }
    parent.properties[keys[keys.length - 1]] = fieldSchema(field, groupOf(spec, field)?.whole === true);
  }
  return root;
}

interface ObjectSchema {
  type: 'object' | ['object', 'null'];
  description: string;
  additionalProperties: false;
  properties: Record<string, object>;
}

function objectSchema(description: string): ObjectSchema {
  return { type: 'object', description, additionalProperties: false, properties: {} };
}

/** A field's schema; a field of a group the API takes only whole cannot be unset alone. */
function fieldSchema(field: FieldSpec, inWholeGroup: boolean): object {
  const examples = field.example === undefined ? {} : { examples: [field.example] };
  // What every organization (or DoH setting) must have can be changed, never emptied.
  const nonEmpty = field.requiredOnCreate && field.type.kind === 'string' ? { minLength: 1 } : {};
  const note = field.type.kind === 'string' && field.type.format ? (FORMAT_NOTES[field.type.format] ?? '') : '';
  const schema = { description: field.description + note, ...typeSchema(field.type), ...nonEmpty, ...examples };
  return canBeUnset(field) && !inWholeGroup ? nullable(schema as TypeSchema) : schema;
}

/** Every optional writable field may be given as null, which unsets it; what every organization must have may not. */
export function canBeUnset(field: FieldSpec): boolean {
  return !field.requiredOnCreate;
}

type TypeSchema = { type: string; enum?: unknown[]; description: string };

function nullable(schema: TypeSchema): object {
  return {
    ...schema,
    description: `${schema.description} null unsets it.`,
    type: [schema.type, 'null'],
    ...(schema.enum ? { enum: [...schema.enum, null] } : {}),
  };
}

function typeSchema(type: FieldType): object {
  switch (type.kind) {
    case 'boolean':
      return { type: 'boolean' };
    case 'enum':
      return { type: 'string', enum: [...type.values] };
    case 'string':
      // Only the formats the API defines are checked; the others are described (FORMAT_NOTES) and warned about.
      return type.format === 'uuid' || type.format === 'hostname' ? { type: 'string', format: type.format } : { type: 'string' };
    case 'duration':
      return {
        type: 'string',
        pattern: durationPattern(type.units),
        format: DURATION_FORMAT[type.units],
        formatMinimum: type.min ?? DEFAULT_DURATION_MIN,
        ...(type.max ? { formatMaximum: type.max } : {}),
      };
    case 'integer':
      return { type: 'integer', ...(type.min !== undefined ? { minimum: type.min } : {}), ...(type.max !== undefined ? { maximum: type.max } : {}) };
    case 'set': {
      if (type.items === 'string') return { type: 'array', uniqueItems: true, items: { type: 'string' } };
      const itemType = type.items.every((v) => typeof v === 'number') ? 'integer' : 'string';
      return { type: 'array', uniqueItems: true, items: { type: itemType, enum: [...type.items] } };
    }
  }
}
