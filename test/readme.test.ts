// The README and the help say what the CLI does: each mismatch a new user found is checked against behaviour.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { call, startTestEmulator } from './helpers/emulator.js';
import { run } from './helpers/io.js';
import { problems } from './config/helpers.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
/** The README is the front door; the reference is in docs/. Each is held to behaviour here. */
const PAGES = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const text = (page: string) => readFileSync(join(ROOT, page), 'utf8');
const README = PAGES.map(text).join('\n');
const cli = text('docs/cli.md');
const cliReference = cli.slice(0, cli.indexOf('## Pointing it at Cloudflare'));

/** The long options a command's --help lists. */
async function helpOptions(command: string): Promise<string[]> {
  const { stdout } = await run([command, '--help']);
  return [...new Set([...stdout.matchAll(/^\s+(?:-\w, )?(--[a-z-]+)/gm)].map((m) => m[1]))].filter((o) => o !== '--help');
}

describe('README and help agree with behaviour', () => {
  it('every relative link of the README and docs/ leads to a file of the repository', () => {
    for (const page of PAGES) {
      for (const link of text(page).matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)|src(?:set)?="([^"]+)"/g)) {
        const target = link[1] ?? link[2];
        if (/^[a-z]+:/.test(target)) continue;
        expect(existsSync(join(ROOT, dirname(page), target)), `${page} → ${target}`).toBe(true);
      }
    }
  });

  it('the CLI reference lists every option of plan and apply', async () => {
    for (const command of ['plan', 'apply']) {
      for (const option of await helpOptions(command)) expect(cliReference, `${command} ${option}`).toContain(option);
    }
  });

  it('help paragraphs end as sentences, not mid-sentence', async () => {
    for (const command of ['validate', 'plan', 'apply', 'emulator']) {
      const { stdout } = await run([command, '--help']);
      const description = stdout.split('\n\n')[1];
      expect(description.trim(), command).toMatch(/[.)]$/);
    }
  });

  it('--out prints two lines, as the README says', () => {
    expect(cliReference).toContain('prints two lines, the summary line and `Wrote the FORMAT plan to FILE`');
    expect(cliReference).not.toContain('prints only the summary line');
  });

  it('admin endpoints fail in the envelope, and /__emulator/config leaves out rateLimit when unset', async () => {
    const em = await startTestEmulator();
    try {
      const failed = await call(em, 'POST', '/__emulator/config', { body: { latencyMs: -1 } });
      expect(failed.status).toBe(400);
      expect(failed.body).toMatchObject({ success: false, result: null, messages: [] });
      expect(README).toContain("failures (a bad seed or setting, a missing token, an unknown path) answer Cloudflare's envelope");
      const config = await call(em, 'GET', '/__emulator/config');
      expect(Object.keys(config.body)).not.toContain('rateLimit');
      expect(README).toContain('(no "rateLimit" key when there is no limit)');
    } finally {
      await em.close();
    }
  });

  it('YAML anchors work within a file; merge keys and top-level anchor blocks are refused, as documented', async () => {
    const account = ['accounts:', '  - account_id: 023e105f4ecef8ad9ca31a8372d0c353'];
    expect(await problems([...account, '    organization: &org { session_duration: 12h }', '  - account_id: 1a2b3c4d5e6f708192a3b4c5d6e7f801', '    organization: *org', ''].join('\n'))).toEqual([]);
    expect(await problems(['x-common: &c { session_duration: 12h }', ...account, '    organization: *c', ''].join('\n'))).toEqual([
      'c.yaml:1:1: unknown key "x-common"; expected one of: defaults, accounts, zones, allow, budget (x-common)',
    ]);
    expect(await problems(['defaults:', '  organization: &c { session_duration: 12h }', ...account, '    organization: { <<: *c }', ''].join('\n'))).toEqual([
      'c.yaml:5:21: merge keys (<<) are not supported: use defaults, or write the values out (accounts[0].organization.<<)',
    ]);
    expect(README).toContain('Merge keys\n  (`<<: *name`) are refused, and so is a top-level block kept only for anchors (`x-common: &c …`)');
  });
});
