// Issue #18 items 10 and 11: a pull request controls the config folder. Reading stays inside the paths given,
// reads only regular files of bounded size, and every step is linear in a line's length.
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDesiredState } from '../../src/config/index.js';
import { flowCutInLine, MAX_FILE_BYTES, MAX_LINE_LENGTH, parseYaml, readConfigText } from '../../src/config/load.js';
import { commentAfterColon, commentInPlaceOfValue } from '../../src/config/positions.js';
import { run } from '../helpers/io.js';
import { ACCOUNT, load, writeConfig } from './helpers.js';

const GOOD = `accounts:\n  - account_id: ${ACCOUNT}\n`;
const MB = 1024 * 1024;

describe('symlinks', () => {
  it('refuses a link to /proc/self/environ in a config folder, and never prints the environment', async () => {
    const dir = writeConfig({ 'prod.yaml': GOOD });
    symlinkSync('/proc/self/environ', join(dir, 'env.yaml'));
    const result = await run(['validate', dir], { env: { ZTSYNC_SECRET_MARK: 'env-secret-4d1c' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${join(dir, 'env.yaml')}: a symlink that leads outside`);
    expect(result.stdout + result.stderr).not.toMatch(/PATH=|env-secret-4d1c/);
  });

  it('refuses a link to a file outside, given by name or found in a folder, and a linked folder that leads outside', async () => {
    const outside = writeConfig({ 'secret.yaml': GOOD, 'dir/x.yaml': GOOD });
    const dir = writeConfig({ 'prod.yaml': GOOD });
    symlinkSync(join(outside, 'secret.yaml'), join(dir, 'linked.yaml'));
    symlinkSync(join(outside, 'dir'), join(dir, 'folder'));
    const inFolder = await loadDesiredState([dir]);
    expect(inFolder.diagnostics.map((d) => [d.file.slice(dir.length + 1), d.message.split(' (')[0]])).toEqual([
      ['folder', `a symlink that leads outside ${dir}`],
      ['linked.yaml', `a symlink that leads outside ${dir}`],
    ]);
    const byName = await loadDesiredState([join(dir, 'linked.yaml')]);
    expect(byName.diagnostics.map((d) => d.message)).toEqual([expect.stringMatching(/^a symlink that leads outside /)]);
  });

  it('follows links that stay inside the folder given', async () => {
    const dir = writeConfig({ 'real/prod.yaml': GOOD });
    symlinkSync(join(dir, 'real/prod.yaml'), join(dir, 'alias.yaml'));
    symlinkSync('real', join(dir, 'again'));
    const { state, diagnostics } = await loadDesiredState([join(dir, 'alias.yaml')].concat([]));
    expect(diagnostics).toEqual([]);
    expect(state!.targets).toHaveLength(1);
    const whole = await loadDesiredState([dir]);
    expect(whole.diagnostics.map((d) => d.message)).toEqual([expect.stringMatching(/^account \w+ is defined twice: also at /)]);
  });
});

describe('only regular files of bounded size', () => {
  it('refuses a FIFO without waiting on it, and a link to /dev/zero (inside the folder: a device, not a file)', async () => {
    const dir = writeConfig({ 'prod.yaml': GOOD });
    execFileSync('mkfifo', [join(dir, 'pipe.yaml')]);
    const { diagnostics } = await loadDesiredState([dir]);
    expect(diagnostics.map((d) => [d.file.slice(dir.length + 1), d.message])).toEqual([
      ['pipe.yaml', 'not a regular file (a FIFO): config is read only from regular files'],
    ]);
    expect(await readConfigText('/dev/zero')).toEqual({ diagnostics: [expect.objectContaining({ message: 'not a regular file (a device): config is read only from regular files' })] });
  });

  it('refuses a file larger than the cap, without reading past it', async () => {
    const dir = writeConfig({ 'big.yaml': `# ${'x'.repeat(100)}\n`.repeat(Math.ceil((MAX_FILE_BYTES + 10) / 103)) });
    const result = await run(['validate', dir]);
    expect(result.code).toBe(1);
    expect(result.stderr.split('\n')[0]).toBe(`${join(dir, 'big.yaml')}: too large: a config file holds at most 16 MiB; split it into several files`);
  });
});

describe('linear time on any input (issue #18 item 11)', () => {
  const long = (unit: string) => unit.repeat(Math.ceil(MB / unit.length));

  it('refuses a line longer than the cap before parsing, at file:line:col', async () => {
    const { shown } = await load({ 'c.yaml': `${GOOD}    description: "${'a'.repeat(MB)}"\n` });
    expect(shown).toEqual([`c.yaml:3:${MAX_LINE_LENGTH + 1}: line 3 is ${MB + 19} characters long: lines longer than ${MAX_LINE_LENGTH} characters are refused`]);
  });

  // Each hint is fed a 1 MB line of the shape that made its former regex backtrack quadratically (on that code
  // this test never finishes); the answers are checked, not the time (bench/ measures it).
  it('finds a comment cut into a flow collection in a 1 MB line of brackets', () => {
    const brackets = long('{[');
    expect(flowCutInLine(brackets, 0, brackets.length)).toBe(-1);
    const cut = `${brackets} #c5ed1b`;
    expect(flowCutInLine(cut, 0, cut.length)).toBe(brackets.length + 1);
    expect(flowCutInLine(`{ a: "#x" } #`, 0, 13)).toBe(-1);
    expect(flowCutInLine(`{ a: x, b: #x }`, 0, 15)).toBe(11);
  });

  it('finds a comment in place of a value after a 1 MB run of spaces', () => {
    const spaces = long(' ');
    expect(commentAfterColon(`:${spaces}#c5ed1b${spaces}x`)).toBe(`#c5ed1b${spaces}x`);
    expect(commentAfterColon(`:${spaces}#c5ed1b${spaces}`)).toBe('#c5ed1b');
    expect(commentAfterColon(`:${spaces}`)).toBeUndefined();
    expect(commentAfterColon(':#x')).toBeUndefined();
    expect(commentAfterColon('  : # note ')).toBe('# note');
  });

  it('explains every 1 MB line shape through the parser hints when given past the cap', () => {
    // parseYaml is what runs after the line check: the hints it calls on a syntax error see the whole line.
    const flow = `${GOOD}    description: x${long('{')}\n    organization: { login_design: { background_color: #c5ed1b } }\n`;
    expect(parseYaml('c.yaml', flow).diagnostics).toEqual([expect.objectContaining({ line: 4, col: 55, message: expect.stringMatching(/^a \{ … \} or \[ … \] is cut short by a comment/) })]);
    const colon = `${GOOD}    organization:\n      login_design:\n        background_color:${long(' ')}#c5ed1b${long(' ')}x\n`;
    const file = parseYaml('c.yaml', colon).file!;
    expect(commentInPlaceOfValue(file, ['accounts', 0, 'organization', 'login_design', 'background_color'])).toBe(`#c5ed1b${long(' ')}x`);
    const quote = `accounts:\n  - account_id: ${ACCOUNT}\n    description: "${long('\\"')}\n`;
    expect(parseYaml('c.yaml', quote).diagnostics[0].message).toMatch(/no closing "/);
  });
});

describe('free text is bounded (issue #18 item 12: the comment holds every target)', () => {
  it('a 73 KB description, written over many lines, and a long allow reason are refused at their place', async () => {
    const description = Array.from({ length: 1000 }, () => 'x'.repeat(72)).join('\n      ');
    const text = [
      'accounts:',
      `  - account_id: ${ACCOUNT}`,
      '    description: |',
      `      ${description}`,
      'allow:',
      '  - rule: doh-token-replaced',
      `    account_id: ${ACCOUNT}`,
      `    reason: ${'r'.repeat(501)}`,
      '',
    ].join('\n');
    const { shown } = await load({ 'c.yaml': text });
    expect(shown).toEqual([
      'c.yaml:3:18: "description" is 73000 characters long: it is shown in every plan, so it holds at most 200 characters (accounts[0].description)',
      'c.yaml:1007:13: "reason" is 501 characters long: it is shown in every plan, so it holds at most 500 characters (allow[0].reason)',
    ]);
    const { shown: fine } = await load({ 'c.yaml': `${GOOD}    description: ${'d'.repeat(200)}\n` });
    expect(fine).toEqual([]);
  });
});
