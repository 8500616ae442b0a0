// Text from outside ztsync (config strings, file names, API answers) reaches a terminal with its control, bidi and
// invisible characters made visible: in the text plan, on stderr, and in the other outputs a person reads. Without
// it a pull request (or a proxy) could clear the screen, move the cursor up over change lines, or reverse text.
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { visible, visibleLines } from '../../src/util/terminal.js';
import { answer, startServer, type TestServer } from '../helpers/http.js';
import { run } from '../helpers/io.js';
import { PRODUCTION, SECRET_TOKEN, STAGING, demoEmulator, liveAccount, ztsync } from '../helpers/reconcile.js';

let em: RunningEmulator | undefined;
let server: TestServer | undefined;
afterEach(async () => {
  await em?.close();
  await server?.close();
  em = server = undefined;
});

/** A raw character a terminal acts on or that hides text (newlines aside, which ztsync writes itself). */
const RAW = /(?!\n)[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
/** Erase the screen, home the cursor, retitle the window (OSC … BEL), reverse the rest (RLO), isolate, 8-bit CSI. */
const HOSTILE = 'Staging\u001b[2J\u001b[1;1H\u001b]0;pwned\u0007 fake \u202eevil\u2066 \u009b31m';
const HOSTILE_SHOWN = 'Staging\\u001b[2J\\u001b[1;1H\\u001b]0;pwned\\u0007 fake \\u202eevil\\u2066 \\u009b31m';
/** Cursor up, erase line, carriage return: what would hide an earlier change line. */
const HIDING_NAME = 'Name\u001b[1A\u001b[2K\r hidden \u202e';

async function hostileConfig(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ztsync-terminal-'));
  // YAML double quotes: \e is ESC, \a BEL, \uXXXX any character.
  await writeFile(
    join(dir, 'hostile.yaml'),
    [
      'accounts:',
      `  - account_id: ${STAGING}`,
      '    description: "Staging\\e[2J\\e[1;1H\\e]0;pwned\\a fake \\u202eevil\\u2066 \\u009b31m"',
      '    organization:',
      '      name: "Name\\e[1A\\e[2K\\r hidden \\u202e"',
      '      login_design: { footer_text: "line1\\nline2\\u0085x" }',
      `  - account_id: ${PRODUCTION}`,
      '    description: |',
      '      Multi',
      '      line',
      '    organization: { session_duration: 13h }',
      '',
    ].join('\n'),
  );
  return dir;
}

describe('visible / visibleLines', () => {
  it('escape C0, DEL, C1, bidi, zero-width, tag characters and lone surrogates, JSON-style; leave other text alone', () => {
    expect(visible('a\u001b[2Jb\u0007\r\n\t\u007f\u0085\u009b')).toBe('a\\u001b[2Jb\\u0007\\r\\n\\t\\u007f\\u0085\\u009b');
    expect(visible('\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c')).toBe(
      '\\u202a\\u202b\\u202c\\u202d\\u202e\\u2066\\u2067\\u2068\\u2069\\u200e\\u200f\\u061c',
    );
    expect(visible('\u200b\ufeff\u00ad\u2028\u2029\u{e0041}\ud800')).toBe('\\u200b\\ufeff\\u00ad\\u2028\\u2029\\udb40\\udc41\\ud800');
    expect(visible('Widget Corps — é 中 😀 "q" \\ ok')).toBe('Widget Corps — é 中 😀 "q" \\ ok');
    expect(visibleLines('one\u001b[1A\ntwo\r\n')).toBe('one\\u001b[1A\ntwo\\r\n');
  });

  it('keep JSON JSON, with the same value', () => {
    const value = { s: HOSTILE + '\u{e0041}\u2028' };
    const text = visibleLines(JSON.stringify(value, null, 2));
    expect(text).not.toMatch(RAW);
    expect(JSON.parse(text)).toEqual(value);
  });
});

describe('config text in plans', () => {
  it('text plan: the description, values and a multi-line description are shown escaped, each target header on one line', async () => {
    em = await demoEmulator();
    const dir = await hostileConfig();
    const result = await ztsync(em, ['plan', dir]);
    expect(result.code).toBe(0);
    expect(result.stdout).not.toMatch(RAW);
    expect(result.stderr).toBe('');
    const lines = result.stdout.split('\n');
    expect(lines).toContain(`account ${STAGING} (${HOSTILE_SHOWN})  ${join(dir, 'hostile.yaml')}:2`);
    expect(lines).toContain(`account ${PRODUCTION} (Multi\\nline\\n)  ${join(dir, 'hostile.yaml')}:7`);
    expect(result.stdout).toContain('"Name\\u001b[1A\\u001b[2K\\r hidden \\u202e"');
    expect(result.stdout).toContain('"line1\\nline2\\u0085x"');
  });

  it('coloured on a terminal: the only escape sequences are ztsync\'s own colours', async () => {
    em = await demoEmulator();
    const result = await ztsync(em, ['plan', await hostileConfig()], { stdoutIsTTY: true });
    expect(result.stdout).toContain('\u001b['); // coloured indeed
    const withoutColours = result.stdout.replace(/\u001b\[\d+(;\d+)*m/g, '');
    expect(withoutColours).not.toMatch(RAW);
    expect(withoutColours).toContain(HOSTILE_SHOWN);
  });

  it('markdown, JSON and the HTML report show the same text escaped; the JSON plan still holds the exact values', async () => {
    em = await demoEmulator();
    const dir = await hostileConfig();
    const markdown = await ztsync(em, ['plan', dir, '--format', 'markdown']);
    expect(markdown.stdout).not.toMatch(RAW);
    expect(markdown.stdout).toContain('\\u202e');
    const json = await ztsync(em, ['plan', dir, '--format', 'json']);
    expect(json.stdout).not.toMatch(RAW);
    const plan = JSON.parse(json.stdout);
    expect(plan.targets[0].description).toBe(HOSTILE);
    expect(plan.targets[0].resources[0].desired.name).toBe(HIDING_NAME);
    const saved = join(dir, '..', `${dir.split('/').pop()}-plan.json`);
    await writeFile(saved, json.stdout);
    // The saved plan's checksum is of its values, not of their spelling: it applies.
    const applied = await ztsync(em, ['apply', '--plan', saved, '--auto-approve']);
    expect(applied.code).toBe(0);
    expect(applied.stdout).not.toMatch(RAW);
    expect(liveAccount(em, STAGING).organization?.name).toBe(HIDING_NAME);
    const report = await ztsync(em, ['report', '--plan', saved, '--out', '-']);
    expect(report.code).toBe(0);
    expect(report.stdout).not.toMatch(RAW);
    expect(report.stdout).toContain('\\u202eevil');
  });

  it('plan --out and --markdown-out name their files escaped', async () => {
    em = await demoEmulator();
    const dir = await hostileConfig();
    const result = await ztsync(em, ['plan', dir, '--format', 'json', '--out', join(dir, 'p\u001b[2J.json'), '--markdown-out', join(dir, 'p\u202e.md')]);
    expect(result.code).toBe(0);
    expect(result.stdout).not.toMatch(RAW);
    expect(result.stdout).toContain(`Wrote the json plan to ${join(dir, 'p\\u001b[2J.json')}\n`);
    expect(result.stdout).toContain(`Wrote the markdown plan to ${join(dir, 'p\\u202e.md')}\n`);
  });

  it('import writes live text with such characters double-quoted and escaped, and it reads back the same (--verify)', async () => {
    em = await demoEmulator();
    expect((await ztsync(em, ['apply', await hostileConfig(), '--auto-approve'])).code).toBe(0);
    const imported = await ztsync(em, ['import', '--account', STAGING, '--verify']);
    expect(imported.code).toBe(0);
    expect(imported.stdout).not.toMatch(RAW);
    expect(imported.stdout).toContain('name: "Name\\e[1A\\e[2K\\r hidden \\u202e"');
    expect(imported.stderr).toContain('Verified');
  });
});

describe('stderr', () => {
  it('config problems: a file name and a key with control characters are shown escaped', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ztsync-terminal-'));
    await mkdir(join(dir, 'x\u001b[2J'));
    await writeFile(join(dir, 'x\u001b[2J', 'a\u202e.yaml'), `accounts:\n  - account_id: ${STAGING}\n    organization: { "na\\e[1Ame": x }\n`);
    const result = await run(['validate', dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).not.toMatch(RAW);
    expect(result.stderr).toContain('x\\u001b[2J/a\\u202e.yaml:3:');
    expect(result.stderr).toContain('na\\u001b[1Ame');
  });

  const hostileError = 'Authentication error\u001b[2J\u001b[31m\r\u202eok\u009b1A\nNext line';
  const failure = (code: number) => ({ success: false, errors: [{ code, message: hostileError }], messages: [], result: null });
  const shownError = 'Authentication error\\u001b[2J\\u001b[31m\\r\\u202eok\\u009b1A\\nNext line';

  it('an API message with control characters: the refused credential on stderr, a failed target in the plan, both on one line', async () => {
    server = await startServer((req, res) => answer(res, req.url.includes(PRODUCTION) ? 401 : 400, failure(req.url.includes(PRODUCTION) ? 10000 : 12345)));
    const env = { CLOUDFLARE_API_TOKEN: SECRET_TOKEN, CLOUDFLARE_BASE_URL: server.url };
    const dir = await hostileConfig();
    const refused = await run(['plan', dir, '--account', PRODUCTION], { env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).not.toMatch(RAW);
    expect(refused.stderr).toContain(shownError);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    const failed = await run(['plan', dir, '--account', STAGING, '--max-retries', '0'], { env });
    expect(failed.code).toBe(1);
    expect(failed.stdout).not.toMatch(RAW);
    expect(failed.stdout).toContain(`  ! error: GET /accounts/${STAGING}/access/organizations → 400: [12345] ${shownError}\n`);
    // In GitHub Actions the same message also goes out as an annotation, on stderr.
    const annotated = await run(['plan', dir, '--account', STAGING, '--max-retries', '0'], { env: { ...env, GITHUB_ACTIONS: 'true' } });
    expect(annotated.stderr).toMatch(/^::error /);
    expect(annotated.stderr).not.toMatch(RAW);
  });

  it('revoke-user prints the API\'s refusal escaped', async () => {
    server = await startServer((req, res) => answer(res, 400, failure(12345)));
    const result = await run(['revoke-user', '--account', STAGING, '--email', 'a@example.com', '--yes'], { env: { CLOUDFLARE_API_TOKEN: SECRET_TOKEN, CLOUDFLARE_BASE_URL: server.url } });
    expect(result.code).toBe(1);
    expect(result.stderr).not.toMatch(RAW);
    expect(result.stderr).toContain(shownError);
  });

  it('apply: a write refused with such a message is reported escaped, on one line', async () => {
    const live = { name: 'Widget Corps Staging', auth_domain: 'widgetcorps-staging.cloudflareaccess.com' };
    server = await startServer((req, res) => (req.method === 'GET' ? answer(res, 200, { success: true, errors: [], messages: [], result: live }) : answer(res, 400, failure(12345))));
    const dir = await mkdtemp(join(tmpdir(), 'ztsync-terminal-'));
    await writeFile(join(dir, 'a.yaml'), `accounts:\n  - account_id: ${STAGING}\n    organization: { session_duration: 13h }\n`);
    const result = await run(['apply', dir, '--auto-approve', '--max-retries', '0'], { env: { CLOUDFLARE_API_TOKEN: SECRET_TOKEN, CLOUDFLARE_BASE_URL: server.url } });
    expect(result.code).toBe(1);
    expect(result.stdout).not.toMatch(RAW);
    expect(result.stderr).not.toMatch(RAW);
    expect(result.stdout).toMatch(new RegExp(`✗ account ${STAGING} \\(Widget Corps Staging\\): organization failed: .*${shownError.replace(/[\\[\]]/g, '\\$&')}\n`));
  });
});
