// The npm package as a user gets it: the README's `npm install -g "./$(npm pack --silent)"`, run in a copy of this
// repository with a temporary prefix. npm pack builds dist/ afresh (prepack); npm install -g of the tarball installs
// its dependencies and never its devDependencies; the installed `ztsync` answers --version and plans against the
// emulator. npm takes what it can from its cache (prefer-offline): the registry is asked only for what it lacks.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { EXAMPLES, SECRET_TOKEN, demoEmulator, writes } from '../helpers/reconcile.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  bin: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** How the README says to install the `ztsync` command from a clone. */
const INSTALL = 'npm install -g "./$(npm pack --silent)"';

/** npm as a user runs it: none of the npm_* settings an enclosing `npm test` hands down. */
function npmEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !/^npm_/i.test(key)) env[key] = value;
  return { ...env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
}

function run(file: string, args: string[], options: { cwd: string; env?: Record<string, string> }): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: options.cwd, env: options.env ?? npmEnv(), maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

let em: RunningEmulator;
let tarball: string;
let packed: string[];
let prefix: string;
let installed: string;
beforeAll(async () => {
  em = await demoEmulator();
  // A copy of the repository (what git would hand out, node_modules linked), so that prepack's build leaves this
  // work tree's dist/ alone.
  const copy = await mkdtemp(join(tmpdir(), 'ztsync-pack-src-'));
  const skip = new Set(['node_modules', 'dist', '.git', 'coverage', 'test-artifacts']);
  cpSync(ROOT, copy, { recursive: true, filter: (src) => !skip.has(src.slice(ROOT.length).split('/')[0]!) });
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
  tarball = join(copy, `${pkg.name}-${pkg.version}.tgz`);

  // The README's command, as written, into a temporary prefix.
  prefix = await mkdtemp(join(tmpdir(), 'ztsync-prefix-'));
  const install = await run('sh', ['-c', INSTALL], { cwd: copy, env: { ...npmEnv(), npm_config_prefix: prefix, npm_config_prefer_offline: 'true' } });
  expect(install.code, install.stderr).toBe(0);
  installed = join(prefix, 'lib/node_modules', pkg.name);
  const listing = await run('tar', ['-tzf', tarball], { cwd: copy });
  packed = listing.stdout.split('\n').filter(Boolean).map((path) => path.replace(/^package\//, ''));
}, 180_000);
afterAll(async () => {
  await em?.close();
});

describe('the npm package', () => {
  it('is installed the way the README says', () => {
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain(INSTALL);
  });

  it('holds the built CLI, the schema and the docs a user reads; no sources, tests or the action bundle', () => {
    const paths = packed;
    expect(paths).toEqual(expect.arrayContaining(['package.json', 'README.md', 'CHANGELOG.md', 'schema/ztsync.schema.json', pkg.bin.ztsync!, 'dist/cli.js']));
    expect(paths.filter((p) => !/^(dist\/.*\.js|schema\/ztsync\.schema\.json|package\.json|README\.md|CHANGELOG\.md)$/.test(p))).toEqual([]);
    expect(paths.filter((p) => p.startsWith('dist/action/') || p === 'dist/demo.js')).toEqual([]);
  });

  it('installs with its dependencies and none of its devDependencies', () => {
    expect(existsSync(tarball)).toBe(true);
    const modules = join(installed, 'node_modules');
    const present = readdirSync(modules).flatMap((name) => (name.startsWith('@') ? readdirSync(join(modules, name)).map((sub) => `${name}/${sub}`) : [name]));
    for (const dependency of Object.keys(pkg.dependencies)) expect(present, dependency).toContain(dependency);
    expect(present.filter((name) => name in pkg.devDependencies)).toEqual([]);
    // Nor anything only they bring (the test runner, the compiler, the bundler, the browser driver).
    expect(present.filter((name) => ['vitest', 'vite', 'typescript', 'esbuild', 'tsx', 'jsdom', 'playwright-core'].includes(name))).toEqual([]);
  });

  it('puts a ztsync command on the PATH that knows its version', async () => {
    const bin = join(prefix, 'bin/ztsync');
    expect(existsSync(bin)).toBe(true);
    const version = await run(bin, ['--version'], { cwd: prefix });
    expect(version).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });

  it('plans against the emulator, from the installed files alone', async () => {
    const env = { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, CLOUDFLARE_API_TOKEN: SECRET_TOKEN, CLOUDFLARE_BASE_URL: em.url, NO_COLOR: '1' };
    const plan = await run(join(prefix, 'bin/ztsync'), ['plan', EXAMPLES, '--format', 'json', '--detailed-exitcode'], { cwd: prefix, env });
    expect(plan.stderr).toBe('');
    expect(plan.code).toBe(2);
    const saved = JSON.parse(plan.stdout) as { ztsync_version: string; summary: { update: number } };
    expect(saved.summary.update).toBe(3);
    expect(saved.ztsync_version).toBe(pkg.version);
    expect(plan.stdout).not.toContain(SECRET_TOKEN);
    expect(writes(em)).toBe(0);
  });
});
