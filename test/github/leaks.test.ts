// Issue #18 items 4 and 13: one secret list and one threshold for masking what is printed and refusing what is
// saved or posted; the email is no secret; issue references and old-style workflow commands are defused.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { holdsSecret, maskSecrets, MIN_SECRET_LENGTH } from '../../src/cloudflare/credentials.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { ResultsWriter } from '../../src/commands/shared/results.js';
import { escapeText } from '../../src/plan/render-markdown.js';
import { captureIo, run } from '../helpers/io.js';
import { githubActions } from '../../src/commands/shared/github.js';
import { outputIo } from '../../src/commands/shared/output.js';
import { demoEmulator, envFor, SECRET_TOKEN, STAGING, writes, ztsync } from '../helpers/reconcile.js';

const ACCOUNT = '0123456789abcdef0123456789abcdef';
const PER_TARGET = 'per-target-token-9d2e6b1c7a40';

let em: RunningEmulator | undefined;
afterEach(async () => {
  await em?.close();
  em = undefined;
});

async function configWith(description: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ztsync-leak-'));
  await writeFile(join(dir, 'a.yaml'), `accounts:\n  - account_id: ${STAGING}\n    description: ${JSON.stringify(description)}\n    organization: { session_duration: 12h }\n`);
  return dir;
}

describe('one secret list, one threshold (item 4)', () => {
  it('masks and refuses from the same length on', () => {
    const short = 'a'.repeat(MIN_SECRET_LENGTH - 1);
    const long = 'b'.repeat(MIN_SECRET_LENGTH);
    expect([holdsSecret(`x ${short} y`, [short]), maskSecrets(`x ${short} y`, [short])]).toEqual([false, `x ${short} y`]);
    expect([holdsSecret(`x ${long} y`, [long]), maskSecrets(`x ${long} y`, [long])]).toEqual([true, 'x *** y']);
  });

  it('the email is no secret: a value holding it is planned and saved exactly, never as ***', async () => {
    em = await demoEmulator();
    const dir = await configWith('Owner: ops@widget.example');
    const out = join(dir, 'plan.json');
    const env = envFor(em, { CLOUDFLARE_EMAIL: 'ops@widget.example' });
    const result = await run(['plan', dir, '--format', 'json', '--out', out], { env });
    expect(result.code).toBe(0);
    expect(JSON.parse(await readFile(out, 'utf8')).targets[0].description).toBe('Owner: ops@widget.example');
    const shown = await run(['plan', dir], { env });
    expect(shown.stdout).toContain('ops@widget.example');
    expect(shown.stdout).not.toContain('***');
  });

  it('a per-target token in a config value refuses the plan, though no target uses it; nothing is shown or saved', async () => {
    em = await demoEmulator();
    const dir = await configWith(`token ${PER_TARGET}`);
    const out = join(dir, 'plan.json');
    const result = await run(['plan', dir, '--format', 'json', '--out', out, '--markdown-out', join(dir, 'plan.md')], { env: envFor(em, { CLOUDFLARE_API_TOKEN_EU: PER_TARGET }) });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('refusing to show or save the plan: the API credential appears in it');
    expect(result.stdout + result.stderr).not.toContain(PER_TARGET);
    expect(existsSync(out)).toBe(false);
  });
});

describe('declared token variables are secrets in every command (item 8)', () => {
  it('validate masks the value of a --credentials-env variable quoted in a message', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ztsync-leak-'));
    await writeFile(join(dir, 'a.yaml'), `accounts:\n  - account_id: ${STAGING}\n    organization: { session_duration: "${PER_TARGET}" }\n`);
    const result = await run(['validate', dir, '--credentials-env', 'EU_TOKEN'], { env: { EU_TOKEN: PER_TARGET } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('***');
    expect(result.stderr).not.toContain(PER_TARGET);
  });
});

describe('every form of a credential is refused (item 13)', () => {
  const forms: [string, string][] = [
    ['upper case', SECRET_TOKEN.toUpperCase()],
    ['base64', Buffer.from(SECRET_TOKEN).toString('base64')],
    ['base64 inside longer base64', Buffer.from(`Bearer ${SECRET_TOKEN}`).toString('base64')],
    ['base64url', Buffer.from(`x${SECRET_TOKEN}`).toString('base64url')],
    ['hex', Buffer.from(SECRET_TOKEN).toString('hex').toUpperCase()],
  ];

  it.each(forms)('%s, in a config value: no plan', async (_form, text) => {
    em ??= await demoEmulator();
    const dir = await configWith(`x ${text} y`);
    const result = await ztsync(em, ['plan', dir, '--format', 'markdown']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('refusing to show or save the plan');
    expect(result.stdout).toBe('');
  });

  it('--results withholds a message that holds one, still listing the target', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ztsync-leak-'));
    const path = join(dir, 'results.json');
    const echoed = `the proxy said: ${Buffer.from(`Bearer ${SECRET_TOKEN}`).toString('base64')}`;
    await new ResultsWriter(path, 'apply', [{ scope: 'account', id: STAGING, outcome: 'failed', error: echoed }], undefined, [SECRET_TOKEN]).finish();
    const text = await readFile(path, 'utf8');
    expect(JSON.parse(text).targets).toEqual([{ scope: 'account', id: STAGING, outcome: 'failed', error: 'the message was withheld: an API credential appears in it' }]);
  });

  it('the step summary is not written when the plan holds one, and says so', async () => {
    em = await demoEmulator();
    const dir = await configWith('fine');
    const out = join(dir, 'plan.json');
    expect((await ztsync(em, ['plan', dir, '--format', 'json', '--out', out])).code).toBe(0);
    const plan = JSON.parse(await readFile(out, 'utf8'));
    const summary = join(dir, 'summary.md');
    await writeFile(summary, '');
    const io = outputIo(captureIo({ env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary, CLOUDFLARE_API_TOKEN: SECRET_TOKEN } }));
    await githubActions(io).appendStepSummary(plan);
    expect(await readFile(summary, 'utf8')).toContain('ztsync');
    await writeFile(summary, '');
    // The name is what is shown next to the id (a description is the name when there is one).
    plan.targets[0].description = plan.targets[0].name = `x ${Buffer.from(SECRET_TOKEN).toString('hex')}`;
    await githubActions(io).appendStepSummary(plan);
    expect(await readFile(summary, 'utf8')).toBe('');
  });

  it('import refuses to write a file holding the token, and writes nothing', async () => {
    em = await startEmulator({ port: 0, token: SECRET_TOKEN, seed: { accounts: [{ id: ACCOUNT, organization: { name: `Echo ${SECRET_TOKEN}`, auth_domain: 'echo.cloudflareaccess.com' } }] } });
    const dir = await mkdtemp(join(tmpdir(), 'ztsync-leak-'));
    const out = join(dir, 'x.yaml');
    const result = await ztsync(em, ['import', '--account', ACCOUNT, '--out', out]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`refusing to write ${out}: an API credential appears in it`);
    expect(existsSync(out)).toBe(false);
    expect(result.stdout + result.stderr).not.toContain(SECRET_TOKEN);
  });
});

describe('issue references and old-style workflow commands (item 13)', () => {
  it('#123, owner/repo#123 and GH-123 link nothing in markdown text', () => {
    const shown = escapeText('see #123, acme/infra#45 and GH-7 (@ops)');
    expect(shown).not.toMatch(/(?<!&)#\d|GH\\-\d/);
    expect(shown).toContain('\\#&#8203;123');
    expect(shown).toContain('infra\\#&#8203;45');
    expect(shown).toContain('GH&#8203;\\-7');
    expect(shown).toContain('@&#8203;ops');
  });

  it('the JSON plan printed under Actions holds no ##[, and the same values', async () => {
    em = await demoEmulator();
    const dir = await configWith('##[error]fake failure ###[group]x');
    const result = await ztsync(em, ['plan', dir, '--format', 'json'], { env: envFor(em, { GITHUB_ACTIONS: 'true' }) });
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('##[');
    expect(JSON.parse(result.stdout).targets[0].description).toBe('##[error]fake failure ###[group]x');
    const markdown = await ztsync(em, ['plan', dir, '--format', 'markdown'], { env: envFor(em, { GITHUB_ACTIONS: 'true' }) });
    expect(markdown.stdout).not.toContain('##[');
  });

  it('a description with #123 links no issue, in the summary line (raw HTML) too', async () => {
    em = await demoEmulator();
    const dir = await configWith('tracked in #123 and acme/infra#45');
    const markdown = await ztsync(em, ['plan', dir, '--format', 'markdown']);
    expect(markdown.code).toBe(0);
    expect(markdown.stdout).toContain('tracked in &#35;&#8203;123 and acme/infra&#35;&#8203;45');
    expect(markdown.stdout).not.toMatch(/(?<!&)#\d|&#35;\d/);
  });

  it('import YAML printed under Actions holds no ##[, and reads back the same', async () => {
    em = await startEmulator({ port: 0, token: SECRET_TOKEN, seed: { accounts: [{ id: ACCOUNT, organization: { name: '##[error]x', auth_domain: 'echo.cloudflareaccess.com' } }] } });
    const result = await ztsync(em, ['import', '--account', ACCOUNT], { env: envFor(em, { GITHUB_ACTIONS: 'true' }) });
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('##[');
    expect(parse(result.stdout).accounts[0].organization.name).toBe('##[error]x');
    expect(writes(em)).toBe(0);
  });
});
