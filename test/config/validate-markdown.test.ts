// validate --markdown-out: the outcome as the pull request's sticky plan comment, so that when validation fails the
// comment says so (and at which commit) instead of leaving an outdated plan up.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MARKDOWN_MARKER } from '../../src/plan/render-markdown.js';
import { parseMarkdown, nodesOf } from '../helpers/markdown.js';
import { run } from '../helpers/io.js';
import { ACCOUNT, writeConfig } from './helpers.js';

const SHA = '4f1c2b3a4d5e6f708192a3b4c5d6e7f8091a2b3c';

describe('validate --markdown-out', () => {
  it('says validation failed at the commit, lists the problems escaped, and exits 1', async () => {
    const dir = writeConfig({ 'bad.yaml': `accounts:\n  - account_id: ${ACCOUNT}\n    organization: { sesion_duration: 24h }\n` });
    const out = join(dir, 'comment.md');
    const result = await run(['validate', dir, '--markdown-out', out, '--commit', SHA]);
    expect(result.code).toBe(1);
    const md = readFileSync(out, 'utf8');
    expect(md.split('\n')[0]).toBe(MARKDOWN_MARKER);
    expect(md).toContain(`> **Validation failed at \`${SHA}\`: see the annotations.** 1 problem in the config;`);
    expect(md).toContain(`- \`${dir}/bad.yaml:3:21\`: unknown key \\"sesion\\_duration\\"`);
    // One caution block, no plan table.
    const tree = parseMarkdown(md);
    expect(nodesOf(tree, 'table')).toHaveLength(0);
    expect(nodesOf(tree, 'blockquote')).toHaveLength(1);
  });

  it('says validation passed at the commit when the config is valid, and exits 0', async () => {
    const dir = writeConfig({ 'one.yaml': `accounts:\n  - account_id: ${ACCOUNT}\n` });
    const out = join(dir, 'comment.md');
    const result = await run(['validate', dir, '--markdown-out', out, '--commit', SHA.slice(0, 12)]);
    expect(result).toEqual({ code: 0, stdout: 'ok: 1 file, 1 account, 0 zones\n', stderr: '' });
    expect(readFileSync(out, 'utf8')).toBe(`${MARKDOWN_MARKER}\n### ztsync plan\n\nValidation passed at \`${SHA.slice(0, 12)}\` (1 file, 1 account, 0 zones); the plan follows when it is made.\n`);
  });

  it('names the config work tree HEAD without --commit, and "this commit" outside git', async () => {
    const dir = writeConfig({ 'bad.yaml': 'accounts: 3\n' });
    const out = join(dir, 'comment.md');
    await run(['validate', join(dir, 'bad.yaml'), '--markdown-out', out]);
    expect(readFileSync(out, 'utf8')).toContain('**Validation failed at this commit: see the annotations.**');
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: dir }).toString().trim();
    git('init', '-q');
    git('add', 'bad.yaml');
    git('commit', '-qm', 'bad');
    const head = git('rev-parse', 'HEAD');
    await run(['validate', join(dir, 'bad.yaml'), '--markdown-out', out]);
    expect(readFileSync(out, 'utf8')).toContain(`**Validation failed at \`${head}\`: see the annotations.**`);
  });

  it('refuses a --commit that is not a commit id, writing nothing', async () => {
    const dir = writeConfig({ 'one.yaml': `accounts:\n  - account_id: ${ACCOUNT}\n` });
    const out = join(dir, 'comment.md');
    const result = await run(['validate', dir, '--markdown-out', out, '--commit', 'main; rm -rf /']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--commit takes a git commit id');
    expect(existsSync(out)).toBe(false);
  });
});
