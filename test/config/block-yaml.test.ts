// The block reader (src/config/block-yaml.ts) held to yaml: for every text it reads, the same data and the same
// line:col for every key and value (and for paths that lead nowhere); everything else declined. Handwritten cases
// for each construct, then thousands of mutated documents from a fixed seed.

import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readBlockYaml } from '../../src/config/block-yaml.js';
import { checkDocument, checkFile } from '../../src/config/check-file.js';
import { parseYaml } from '../../src/config/load.js';
import { blockLocator, type PathSegment } from '../../src/config/positions.js';
import { isMap, isSeq, Schema } from '../../src/config/yaml.js';
import { ACCOUNT, TOKEN, ZONE } from './helpers.js';

const FLEET = `# yaml-language-server: $schema=../schema/ztsync.schema.json
# Two accounts and a zone.
accounts:
  - account_id: ${ACCOUNT}
    description: 'Production: the ''main'' one'
    organization:
      name: Widget Corps Internal Applications
      auth_domain: widgetcorps.cloudflareaccess.com
      session_duration: 12h                     # overrides the default 24h
      login_design:
        # the brand
        background_color: "#c5ed1b"
        text_color: "#222222"
        header_text: "Widget Corps \\u2014 \\"internal\\""
        logo_path: https://widgetcorps.example/logo.png
      mfa_config:
        allowed_authenticators: [totp, "security_key"]
        session_duration: 12h
      mfa_required_for_all_apps: true
      deny_unmatched_requests: yes
      deny_unmatched_requests_exempted_zone_names:
      - status.widgetcorps.example
      -   widgetcorps.example   # spaced
      user_seat_expiration_inactive_time: 730h
    doh:
      service_token_id: ${TOKEN}
      doh_jwt_duration: 800h

  - account_id: 1a2b3c4d5e6f708192a3b4c5d6e7f801
    organization: {name: Staging, auth_domain: staging.cloudflareaccess.com}
zones:
  - zone_id: ${ZONE}
    organization:
      name: Intranet
      is_ui_read_only: false
      numbers: [1, +2, 0x1F, 0o17, 1.5, .inf, ~, null]
defaults:
  organization:
    auto_redirect_to_identity: false
allow:
  - rule: doh-token-replaced
    account_id: ${ACCOUNT}
    reason: Rotating to the 2026 DoH token
`;

/** Every data path of the document yaml read: each mapping entry and sequence item. */
function pathsOf(node: unknown, path: PathSegment[] = []): PathSegment[][] {
  if (isMap(node)) return node.items.flatMap((pair) => [[...path, String((pair.key as { value: unknown }).value)], ...pathsOf(pair.value, [...path, String((pair.key as { value: unknown }).value)])]);
  if (isSeq(node)) return node.items.flatMap((item, i) => [[...path, i], ...pathsOf(item, [...path, i])]);
  return [];
}

/**
 * What the block reader made of `text`: 'declined', or 'same' when yaml reads the same data from it without a
 * problem and every key and value (and a path below each, which does not exist) is placed alike; else the first
 * difference.
 */
function compareWithYaml(text: string): string {
  const block = readBlockYaml(text);
  if (!block) return 'declined';
  const { file, diagnostics } = parseYaml('c.yaml', text);
  if (!file) return `accepted what yaml refuses: ${diagnostics[0].message}`;
  expect(block.data).toStrictEqual(file.data);
  const where = blockLocator('c.yaml', block.data, block.positions);
  for (const path of pathsOf(file.doc.contents)) {
    for (const probe of [path, [...path, 'absent'], [...path, 7]]) {
      expect({ probe, value: where.value(probe) }).toStrictEqual({ probe, value: file.where.value(probe) });
      expect({ probe, key: where.key(probe) }).toStrictEqual({ probe, key: file.where.key(probe) });
    }
  }
  return 'same';
}

describe('block reader', () => {
  it('reads a fleet in block style as yaml does: data, and every key and value at the same line:col', () => {
    expect(compareWithYaml(FLEET)).toBe('declined'); // the flow mapping on one account
    const blockOnly = FLEET.replace(
      '    organization: {name: Staging, auth_domain: staging.cloudflareaccess.com}',
      '    organization:\n      name: Staging\n      auth_domain: staging.cloudflareaccess.com',
    );
    expect(compareWithYaml(blockOnly)).toBe('same');
    expect(compareWithYaml(`---\n${blockOnly}`)).toBe('same');
    expect(compareWithYaml(blockOnly.replace(/^/gm, '  '))).toBe('same'); // everything indented
  });

  it.each([
    ['a flow mapping', 'a: {b: 1}\n'],
    ['a nested flow sequence', 'a: [[1]]\n'],
    ['a flow sequence with a trailing comma', 'a: [1, 2,]\n'],
    ['a flow sequence over two lines', 'a: [1,\n  2]\n'],
    ['an anchor', 'a: &x 1\nb: 2\n'],
    ['an alias', 'a: 1\nb: *a\n'],
    ['a tag', 'a: !!str 1\n'],
    ['a literal block scalar', 'a: |\n  text\n'],
    ['a folded block scalar', 'a: >-\n  text\n'],
    ['a plain scalar over two lines', 'a: one\n  two\n'],
    ['a quoted scalar over two lines', 'a: "one\n  two"\n'],
    ['an empty value', 'a:\nb: 1\n'],
    ['an empty value at the end', 'a: 1\nb:\n'],
    ['a hash read as a comment', 'a: #c5ed1b\n'],
    ['a tab', 'a:\n\tb: 1\n'],
    ['a carriage return', 'a: 1\r\nb: 2\r\n'],
    ['a byte order mark', '\ufeffa: 1\n'],
    ['a directive', '%YAML 1.2\n---\na: 1\n'],
    ['two documents', 'a: 1\n---\nb: 2\n'],
    ['a document end marker', 'a: 1\n...\n'],
    ['a duplicate key', 'a: 1\na: 2\n'],
    ['a key yaml reads as a boolean', 'true: 1\n'],
    ['a key yaml reads as null', 'null: 1\n'],
    ['a number as a key', '1: a\n'],
    ['a quoted key', '"a": 1\n'],
    ['an explicit key', '? a\n: 1\n'],
    ['a __proto__ key', '__proto__: 1\n'],
    ['a key with a space before its colon', 'a : 1\n'],
    ['a colon and space inside a value', 'a: b: c\n'],
    ['a value ending with a colon', 'a: b:\n'],
    ['a value that starts with an indicator', 'a: @b\n'],
    ['a negative number', 'a: -1\n'],
    ['a sequence item on the next line', 'a:\n  -\n    b\n'],
    ['a sequence in a sequence', 'a:\n  - - b\n'],
    ['a sequence at the top', '- a\n- b\n'],
    ['a scalar at the top', 'just text\n'],
    ['a dedent yaml refuses', 'a:\n    b: 1\n  c: 2\n'],
    ['an escape JSON does not share', 'a: "\\x41"\n'],
    ['a lone surrogate', 'a: "\ud800"\n'],
    ['a line separator', 'a: b\u2028c\n'],
    ['a key of more than 1024 characters', `${'k'.repeat(1025)}: 1\n`],
    ['nesting deeper than 64 levels', Array.from({ length: 70 }, (_, i) => `${' '.repeat(i)}k:`).join('\n') + ' 1\n'],
  ])('declines %s', (_, text) => {
    expect(readBlockYaml(text)).toBeUndefined();
  });

  it.each([
    ['a value with a non-breaking space before its end', 'a: b\u00a0 \n'],
    ['a value with # not after a space', 'a: b#c\n'],
    ['a value with a colon not before a space', 'a: http://example.com:8080/x\n'],
    ['quotes', `a: 'it''s'\nb: "say \\"hi\\" \\u00e9"\nc: ""\n`],
    ['scalars of every core type', 'a: ~\nb: Null\nc: TRUE\nd: false\ne: 0o17\nf: +12\ng: 0x1F\nh: +.inf\ni: .NaN\nj: 1e3\nk: 1.\nl: 2026-11-25\nm: 1_000\n'],
    ['a sequence of mappings at the key indent', 'a:\n- b: 1\n  c: [x]\n- d: 2\ne: 3\n'],
    ['an empty document', '# only a comment\n\n'],
    ['an empty document after its start marker', '# a comment\n---\n# another\n'],
    ['nothing at all', ''],
    ['comments and blank lines everywhere', '# top\n\na:   # after a key\n  # inside\n\n  b: 1 # after a value\n# at column 0\n  c:\n    - x   # item\n\n    - y\n'],
  ])('reads %s as yaml does', (_, text) => {
    expect(compareWithYaml(text)).toBe('same');
  });

  it('knows the first characters of every null, boolean and number of yaml\'s core schema', () => {
    // block-yaml.ts reads a plain scalar as text, without yaml's tag tests, unless it starts with ~ n N t T f F + - .
    // or a digit: true of these tests, the core schema's. Should a later yaml change them, this fails first.
    const tests = new Schema({}).tags.filter((tag) => tag.default === true && tag.test).map((tag) => tag.test!.source);
    expect(tests).toStrictEqual([
      '^(?:~|[Nn]ull|NULL)?$',
      '^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$',
      '^0o[0-7]+$',
      '^[-+]?[0-9]+$',
      '^0x[0-9a-fA-F]+$',
      '^(?:[-+]?\\.(?:inf|Inf|INF)|\\.nan|\\.NaN|\\.NAN)$',
      '^[-+]?(?:\\.[0-9]+|[0-9]+(?:\\.[0-9]*)?)[eE][-+]?[0-9]+$',
      '^[-+]?(?:\\.[0-9]+|[0-9]+\\.[0-9]*)$',
    ]);
    for (const sample of ['~', 'null', 'Null', 'NULL', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE', '0o7', '12', '+12', '0x1F', '.inf', '+.Inf', '.nan', '.NaN', '.NAN', '1e3', '+1.5E-3', '.5', '1.', '1.5']) {
      expect([sample, compareWithYaml(`a: ${sample}\nb: [${sample}]\n`)]).toStrictEqual([sample, 'same']);
      expect(typeof readBlockYaml(`a: ${sample}\n`)!.data.a, sample).not.toBe('string');
    }
  });

  it('declines or agrees with yaml on thousands of mutated documents (fixed seed)', () => {
    const outcomes = { same: 0, declined: 0 };
    let seed = 20261125;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const pick = <T,>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
    const snippets = [
      '-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', "'", '"', '%', '@', '`', ' ', '  ', '\n', '~', '.', '0', '1',
      'null', 'true', 'no', '0x1F', '0o7', '1e3', '.inf', ': ', ' #', '- ', '---', '...', '\\', '\\n', '\\x41', '"a"', "'b''c'", '[a, b]',
      '[]', '[a,]', '1_000', '12:30', '-1', '+1', '.5', '1.', 'é', '😀', '\u00a0', '\u00a0 ', '\u3000', '\u200b', '<<', 'key: v', '\n  ',
      '\n- ', '\n    x: 1', 'NULL', '=', '__proto__', '\n# c\n', '-.inf', '007', '\t', '\r\n',
    ];
    const base = FLEET.replace('{name: Staging, auth_domain: staging.cloudflareaccess.com}', '\n      name: Staging');
    for (let n = 0; n < 1500; n++) {
      let text = base;
      for (let m = 1 + Math.floor(random() * 3); m > 0; m--) {
        const at = Math.floor(random() * text.length);
        const op = random();
        if (op < 0.5) text = text.slice(0, at) + pick(snippets) + text.slice(at);
        else if (op < 0.7) text = text.slice(0, at) + text.slice(at + 1 + Math.floor(random() * 3));
        else if (op < 0.85) text = text.slice(0, at) + pick(snippets) + text.slice(at + 1);
        else {
          const lines = text.split('\n');
          const i = Math.floor(random() * lines.length);
          const shift = Math.floor(random() * 5) - 2;
          lines[i] = shift > 0 ? ' '.repeat(shift) + lines[i] : lines[i].slice(Math.min(-shift, lines[i].search(/\S|$/)));
          text = lines.join('\n');
        }
      }
      const outcome = compareWithYaml(text);
      if (outcome !== 'same' && outcome !== 'declined') expect.fail(`${outcome}\n${text}`);
      outcomes[outcome]++;
    }
    // Both answers are common: the mutations neither all break the subset nor all stay inside it.
    expect(outcomes.same).toBeGreaterThan(300);
    expect(outcomes.declined).toBeGreaterThan(300);
  });
});

describe('a config file checked through the block reader', () => {
  const env = { values: { ZTSYNC_TEAM: 'Widget' }, policy: { readable: ['ZTSYNC_TEAM'], credentials: [] } };
  const examples = new URL('../../examples/config/', import.meta.url);
  const texts: [string, string][] = [
    ...readdirSync(examples).map((name): [string, string] => [name, readFileSync(new URL(name, examples), 'utf8')]),
    ['fleet.yaml', FLEET.replace('{name: Staging, auth_domain: staging.cloudflareaccess.com}', '\n      name: Staging').replace('yes', 'true').replace(/ *numbers: .*\n/, '')],
    ['interpolated.yaml', `accounts:\n  - account_id: ${ACCOUNT}\n    organization:\n      name: \${ZTSYNC_TEAM} corp\n      auth_domain: "\\u0024{ZTSYNC_TEAM}.cloudflareaccess.com"\n`],
  ];

  it.each(texts)('%s: gives what yaml\'s reading gives, every position included', async (name, text) => {
    expect(readBlockYaml(text)).toBeDefined(); // else this would compare yaml with itself
    const viaBlock = await checkFile(name, async () => ({ text }), env);
    expect(viaBlock.diagnostics).toStrictEqual([]);
    expect(viaBlock).toStrictEqual(await checkDocument(name, text, env));
  });

  it('reads ${…} spelled with a JSON escape, as yaml does', async () => {
    const [, text] = texts[texts.length - 1];
    const { placed } = await checkFile('interpolated.yaml', async () => ({ text }), env);
    const leaves = placed!.entries[0].sections.get('organization')!.leaves;
    expect([leaves.get('name')!.value, leaves.get('auth_domain')!.value]).toStrictEqual(['Widget corp', 'Widget.cloudflareaccess.com']);
  });
});
