// The action's committed bundle (action/dist/index.mjs) is what `npm run bundle` makes from these sources, byte
// for byte (the check-dist job of .github/workflows/ci.yml checks the same on GitHub), and it is self-contained:
// it imports nothing but Node's built-ins.
import { execFile } from 'node:child_process';
import { builtinModules } from 'node:module';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { build } from 'esbuild';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const COMMITTED = 'action/dist/index.mjs';

let fresh: Buffer;
let committed: Buffer;
beforeAll(async () => {
  const out = join(await mkdtemp(join(tmpdir(), 'ztsync-bundle-')), 'index.mjs');
  // As a developer or CI runs it, through package.json's script.
  await promisify(execFile)('npm', ['run', '--silent', 'bundle', '--', '--out', out], { cwd: ROOT });
  [fresh, committed] = await Promise.all([readFile(out), readFile(join(ROOT, COMMITTED))]);
}, 60_000);

/**
 * Every module the bundle loads (static and dynamic imports, require calls), as esbuild reads them: the bundle
 * bundled again from a folder with no node_modules, where any import of a package or file would be resolved (and
 * fail) instead of being left to Node.
 */
async function loads(bundle: Buffer): Promise<{ path: string; kind: string; external?: boolean }[]> {
  const dir = await mkdtemp(join(tmpdir(), 'ztsync-bundle-imports-'));
  await writeFile(join(dir, 'index.mjs'), bundle);
  const { metafile } = await build({ absWorkingDir: dir, entryPoints: ['index.mjs'], bundle: true, write: false, metafile: true, platform: 'node', format: 'esm', logLevel: 'silent' });
  expect(Object.keys(metafile.inputs)).toEqual(['index.mjs']);
  return metafile.inputs['index.mjs']!.imports;
}

describe('the action bundle', () => {
  it('is the one action.yml runs', async () => {
    const action = parse(await readFile(join(ROOT, 'action.yml'), 'utf8')) as { runs: { using: string; main: string } };
    expect(action.runs).toEqual({ using: 'node24', main: COMMITTED });
  });

  it('matches a fresh build of these sources byte for byte (run `npm run bundle` and commit it when this fails)', () => {
    expect(fresh.length).toBeGreaterThan(100_000);
    expect(fresh.equals(committed), `${COMMITTED} is not what npm run bundle makes from these sources`).toBe(true);
  });

  it('loads nothing but Node built-ins: no node_modules, no file of this repository', async () => {
    const loaded = await loads(committed);
    expect(loaded.map((i) => i.path)).toContain('node:module'); // the check sees imports at all
    const builtins = new Set(builtinModules);
    expect(loaded.filter((i) => !(i.external && (i.path.startsWith('node:') || builtins.has(i.path))))).toEqual([]);
  });
});
