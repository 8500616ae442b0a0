// `npm run bundle`: the action's entry (src/action/main.ts) and the whole CLI in one self-contained ES module,
// action/dist/index.mjs, committed as GitHub's JavaScript actions are (nothing is installed when the action
// runs). Deterministic: the same sources and lock file give the same bytes, which CI's check-dist job and
// test/github/action-bundle.test.ts compare with the committed file. `--out FILE` writes elsewhere.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const at = process.argv.indexOf('--out');
const outfile = at > 0 ? process.argv[at + 1] : 'action/dist/index.mjs';

await build({
  absWorkingDir: root,
  entryPoints: ['src/action/main.ts'],
  outfile,
  bundle: true,
  platform: 'node',
  // The runner's node24; Node 20.19 (engines) runs it too, as the tests here do.
  target: 'node20.19',
  format: 'esm',
  // Paths in the bundle's comments as written (node_modules/…), not where a symlinked node_modules really is.
  preserveSymlinks: true,
  // The CLI reads `yaml` through its ES build (src/config/yaml.ts says why); in the bundle, at build time.
  define: { ZTSYNC_BUNDLED: 'true' },
  alias: { yaml: './node_modules/yaml/browser/index.js' },
  // CommonJS dependencies (commander, ajv…) call require() for Node's built-ins; an ES module has none of its own.
  banner: { js: "import { createRequire as __ztsyncRequire } from 'node:module';\nconst require = __ztsyncRequire(import.meta.url);" },
  legalComments: 'eof',
  charset: 'utf8',
  logLevel: 'warning',
});
