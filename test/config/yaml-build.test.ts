// The config stage parses with yaml's ES build (src/config/yaml.ts: no process.env read per token). It must be
// that build, and it must read every file exactly as the Node build does: same data, same errors and warnings at the
// same places, on the examples and on the hostile fixtures.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as nodeBuild from 'yaml';
import { describe, expect, it } from 'vitest';
import { LineCounter, parseDocument } from '../../src/config/yaml.js';

const dirs = ['../../examples/config/', '../fixtures/hostile/'].map((d) => fileURLToPath(new URL(d, import.meta.url)));
const files = dirs.flatMap((dir) => readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => /\.ya?ml$/.test(f)).map((f) => join(dir, f)));

/** YAML's other features, which the files above do not all use. */
const FEATURES = [
  'a: &x { b: [1, 0o17, 0x1f, 1e3, .inf, -.nan, ~, null, true, False, "q\\t\\u00e9", \'it\'\'s\' ] }\nc: *x\nd: !!str 12\n',
  'text: |\n  line one\n   two\nfolded: >-\n  a\n  b\n\nplain: multi\n  line\n? explicit key\n: v\n',
  '%YAML 1.2\n---\nk: v\n...\n', 'a: 1\na: 2\n', 'x: [1, 2\n', 'x: "unterminated\n', '- a\n- b: c\n  d: [e, {f: g}]\n',
];

const OPTIONS = { prettyErrors: false, strict: true, uniqueKeys: true } as const;

/** What the config stage takes from a parse: the data, and every error and warning with its place. */
function reading(build: { parseDocument: typeof parseDocument; LineCounter: typeof LineCounter }, text: string) {
  const lines = new build.LineCounter();
  const doc = build.parseDocument(text, { ...OPTIONS, lineCounter: lines });
  const problems = [...doc.errors, ...doc.warnings].map((e) => ({ code: e.code, message: e.message, at: lines.linePos(e.pos[0]) }));
  return { problems, data: doc.errors.length > 0 ? undefined : doc.toJS({ maxAliasCount: 100 }) };
}

describe("yaml's ES build", () => {
  it('is the one the config stage uses', () => {
    expect(parseDocument).not.toBe(nodeBuild.parseDocument);
  });

  it('reads every example and hostile file, and the other YAML features, exactly as the Node build does', () => {
    expect(files.length).toBeGreaterThan(10);
    for (const [name, text] of [...files.map((f) => [f, readFileSync(f, 'utf8')]), ...FEATURES.map((t) => [t, t])]) {
      expect(reading({ parseDocument, LineCounter }, text), name).toEqual(reading(nodeBuild, text));
    }
  });
});
