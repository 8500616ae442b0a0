// Issue #20: a contract test against the official `cloudflare` SDK. It reads the installed SDK's type declarations
// for the organization (create, update, and the answers of list/get, create and update) and DoH resources, and fails,
// naming the field, when a field there is neither in ztsync's tables nor in LEFT_ALONE below (with the reason). So
// bumping the SDK tells the team what the API gained. It reads the .d.ts with the TypeScript compiler's parser
// (typescript is already a devDependency), not with regular expressions.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { doh, organization, type ResourceSpec } from '../../src/resources/index.js';

/** The installed SDK's folder (its package.json is not exported, its main entry is at the top). */
const SDK_DIR = dirname(createRequire(import.meta.url).resolve('cloudflare'));
const SDK_VERSION = (JSON.parse(readFileSync(join(SDK_DIR, 'package.json'), 'utf8')) as { version: string }).version;

/** Fields of the SDK's types that ztsync deliberately leaves alone, each with the reason. */
export const LEFT_ALONE: Record<'organization' | 'doh', Record<string, string>> = {
  organization: {
    account_id: 'a path parameter (which account), not a setting: ztsync takes it from account_id in the config',
    zone_id: 'a path parameter (which zone), not a setting: ztsync takes it from zone_id in the config',
  },
  doh: {
    account_id: 'a path parameter (which account), not a setting',
  },
};

/** Which SDK declarations describe which resource, and whether they are a write (params) or an answer. */
const CONTRACT = [
  { resource: organization, file: 'resources/zero-trust/organizations/organizations.d.ts', writes: ['OrganizationCreateParams', 'OrganizationUpdateParams'], answers: ['Organization', 'OrganizationListResponse'] },
  { resource: doh, file: 'resources/zero-trust/organizations/doh.d.ts', writes: ['DOHUpdateParams'], answers: ['DOHGetResponse', 'DOHUpdateResponse'] },
] as const;

/** The interfaces of a .d.ts by name, namespaced ones as `Namespace.Name`. */
function interfacesOf(file: string): Map<string, ts.InterfaceDeclaration> {
  const source = ts.createSourceFile(file, readFileSync(join(SDK_DIR, file), 'utf8'), ts.ScriptTarget.Latest, true);
  const found = new Map<string, ts.InterfaceDeclaration>();
  const visit = (node: ts.Node, prefix: string) => {
    if (ts.isInterfaceDeclaration(node)) found.set(prefix + node.name.text, node);
    else if (ts.isModuleDeclaration(node) && node.body && ts.isModuleBlock(node.body)) for (const s of node.body.statements) visit(s, `${prefix}${node.name.text}.`);
  };
  for (const statement of source.statements) visit(statement, '');
  return found;
}

/** Every property of an interface as a dotted path, descending into properties whose type is another interface of the file. */
function fieldPaths(interfaces: Map<string, ts.InterfaceDeclaration>, name: string, prefix = ''): string[] {
  const declaration = interfaces.get(name);
  if (!declaration) throw new Error(`the SDK ${SDK_VERSION} has no interface ${name}: the contract test needs updating`);
  return declaration.members.flatMap((member) => {
    if (!ts.isPropertySignature(member) || !member.name) return [];
    const key = member.name.getText();
    const type = member.type;
    const referenced = type && ts.isTypeReferenceNode(type) ? type.typeName.getText() : undefined;
    if (referenced && interfaces.has(referenced)) return fieldPaths(interfaces, referenced, `${prefix}${key}.`);
    return [prefix + key];
  });
}

/** Whether the table declares the path: a field, the name a field is reported under, or a group. */
function declared(spec: ResourceSpec, path: string): boolean {
  return spec.fields.some((f) => f.path === path || f.liveKey === path) || spec.groups.some((g) => g.path === path);
}

/** The SDK's fields that ztsync neither declares nor leaves alone, named with the SDK type they come from. */
export function undeclaredFields(): string[] {
  return CONTRACT.flatMap(({ resource, file, writes, answers }) => {
    const interfaces = interfacesOf(file);
    const missing = new Set<string>();
    for (const name of [...writes, ...answers]) {
      for (const path of fieldPaths(interfaces, name)) {
        if (!declared(resource, path) && !(path in LEFT_ALONE[resource.type])) missing.add(`${resource.type}.${path} (SDK ${SDK_VERSION} ${name})`);
      }
    }
    return [...missing];
  });
}

/** Fields the SDK takes in a write that the tables declare read-only: ztsync would never send them. */
export function writableButReadOnly(): string[] {
  return CONTRACT.flatMap(({ resource, file, writes }) => {
    const interfaces = interfacesOf(file);
    return [...new Set(writes.flatMap((name) => fieldPaths(interfaces, name)))]
      .filter((path) => resource.fields.some((f) => f.path === path && f.readOnly))
      .map((path) => `${resource.type}.${path}`);
  });
}

describe(`the official cloudflare SDK (${SDK_VERSION}) and ztsync's tables`, () => {
  it('every field of the SDK\'s organization and DoH types is in the tables or deliberately left alone', () => {
    expect(undeclaredFields()).toEqual([]);
  });

  it('what the SDK takes in a write is not declared read-only, and what only its answers carry is', () => {
    expect(writableButReadOnly()).toEqual([]);
    const interfaces = interfacesOf(CONTRACT[0].file);
    const written = new Set(CONTRACT[0].writes.flatMap((name) => fieldPaths(interfaces, name)));
    const answeredOnly = [...new Set(CONTRACT[0].answers.flatMap((name) => fieldPaths(interfaces, name)))].filter((p) => !written.has(p));
    expect(answeredOnly).toEqual(['trusted_accounts']);
    expect(organization.fields.find((f) => f.path === 'trusted_accounts')?.readOnly).toBe(true);
  });

  it('the list of fields left alone names only fields the SDK has, each with a reason', () => {
    for (const { resource, file, writes, answers } of CONTRACT) {
      const interfaces = interfacesOf(file);
      const sdk = new Set([...writes, ...answers].flatMap((name) => fieldPaths(interfaces, name)));
      for (const [path, reason] of Object.entries(LEFT_ALONE[resource.type])) {
        expect(sdk.has(path), `${resource.type}.${path} is no longer in the SDK: take it off LEFT_ALONE`).toBe(true);
        expect(reason.length).toBeGreaterThan(20);
      }
    }
  });
});
