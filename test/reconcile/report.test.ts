// `ztsync report` end to end: the real CLI in-process against the demo emulator, the page read back with jsdom.
import { cp, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JSDOM } from 'jsdom';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { EXAMPLES, PRODUCTION, RESEARCH, SECRET_TOKEN, STAGING, ZONE, demoEmulator, writes, ztsync } from '../helpers/reconcile.js';

let em: RunningEmulator;
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ztsync-report-'));
});
afterEach(async () => {
  await em?.close();
  em = undefined as unknown as RunningEmulator;
});

async function readReport(file: string) {
  const html = await readFile(file, 'utf8');
  const doc = new JSDOM(html).window.document;
  const rows = [...doc.querySelectorAll('#matrix tbody tr')].map((tr) => ({
    id: tr.querySelector('th code')!.textContent,
    states: tr.getAttribute('data-states'),
  }));
  const changes = [...doc.querySelectorAll('details.target')].map((d) =>
    [...d.querySelectorAll('table.changes tbody tr:not(.r)')].map((tr) => `${tr.children[0]!.textContent}: ${tr.children[2]!.textContent} → ${tr.children[3]!.textContent}`),
  );
  return { html, doc, rows, changes };
}

describe('ztsync report', () => {
  it('plans the config and writes one HTML page with every target, never writing to the API', async () => {
    em = await demoEmulator();
    const out = join(dir, 'report.html');
    const run = await ztsync(em, ['report', EXAMPLES, '--out', out]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Plan: 1 to create, 3 to update, 2 unchanged, 0 errors\. 8 changes weaken security \(security drift\)\.\nWrote the HTML report to .*report\.html \(4 targets, \d+ KB\)\n$/);
    expect(writes(em)).toBe(0);
    const { html, rows, changes } = await readReport(out);
    expect(rows).toEqual([
      { id: PRODUCTION, states: 'weakens drift' },
      { id: RESEARCH, states: 'create' },
      { id: STAGING, states: 'drift' },
      { id: ZONE, states: 'sync' },
    ]);
    expect(changes[2]).toEqual(['login_design.background_color: "#000000" → "#1b5ec5"']);
    expect(changes[0]).toContain('session_duration: "1440m" → "12h"');
    expect(changes[0]).toContain('allow_authenticate_via_warp: false → true');
    expect(changes[3]).toEqual([]);
    expect(html).not.toContain(SECRET_TOKEN);
    expect(await readdir(dir)).toEqual(['report.html']);
  });

  it('renders a saved JSON plan without reading the API, with the same targets and changes', async () => {
    em = await demoEmulator();
    const planFile = join(dir, 'plan.json');
    expect((await ztsync(em, ['plan', EXAMPLES, '--format', 'json', '--out', planFile])).code).toBe(0);
    const live = join(dir, 'live.html');
    await ztsync(em, ['report', EXAMPLES, '--out', live]);
    const requests = em.state.snapshot().counters.requests;
    await em.close();
    em = { ...em, close: async () => {} };
    // The emulator is gone: rendering the saved plan must not need it.
    const saved = join(dir, 'saved.html');
    const run = await ztsync(em, ['report', '--plan', planFile, '--out', saved]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const [a, b] = [await readReport(live), await readReport(saved)];
    expect(b.rows).toEqual(a.rows);
    expect(b.changes).toEqual(a.changes);
    expect(Object.values(requests).reduce((x, y) => x + y, 0)).toBe(12); // two plans of 6 reads each (zones have no DoH); none for the saved plan
  });

  it('with --baseline, tells the changes the config introduces from drift already there', async () => {
    em = await demoEmulator();
    const config = join(dir, 'config');
    await cp(EXAMPLES, config, { recursive: true });
    const staging = join(config, 'staging.yaml');
    await writeFile(staging, (await readFile(staging, 'utf8')).replace('session_duration: 30m', 'session_duration: 15m'));
    const out = join(dir, 'report.html');
    const run = await ztsync(em, ['report', config, '--baseline', EXAMPLES, '--out', out]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const { doc, rows } = await readReport(out);
    expect(rows.find((r) => r.id === STAGING)!.states).toBe('introduced drift');
    expect(rows.find((r) => r.id === PRODUCTION)!.states).toBe('weakens drift');
    const stagingChanges = [...doc.querySelectorAll('details.target')[2]!.querySelectorAll('table.changes tbody tr:not(.r)')].map((tr) => [tr.children[0]!.textContent, tr.children[1]!.textContent, tr.lastElementChild!.textContent]);
    expect(stagingChanges).toEqual([
      ['login_design.background_color', '~ drift', 'drift'],
      ['mfa_config.session_duration', '★ introduced', 'introduced'],
    ]);
    const facts = Object.fromEntries([...doc.querySelectorAll('header .facts dt')].map((dt) => [dt.textContent, dt.nextElementSibling!.textContent]));
    expect(facts.Baseline).toMatch(/^.*examples\/config: 1 change introduced by this config, \d+ already drifted from the baseline$/);
  });

  it('writes the report of a blocked plan, showing what is blocked, and exits 3 like plan', async () => {
    em = await demoEmulator();
    const out = join(dir, 'report.html');
    const run = await ztsync(em, ['report', EXAMPLES, '--max-changed-targets', '1', '--out', out]);
    expect(run.code).toBe(3);
    const { doc } = await readReport(out);
    expect(doc.getElementById('blocked-title')!.parentElement!.textContent).toContain('max-changed-targets — the whole plan: ');
    expect(writes(em)).toBe(0);
  });

  it('writes the page to stdout with --out -', async () => {
    em = await demoEmulator();
    const run = await ztsync(em, ['report', EXAMPLES, '--out', '-']);
    expect(run.code).toBe(0);
    expect(run.stdout.startsWith('<!doctype html>\n')).toBe(true);
    expect(new JSDOM(run.stdout).window.document.querySelectorAll('#matrix tbody tr')).toHaveLength(4);
    expect(await readdir(dir)).toEqual([]);
  });

  it('still writes the report when a target cannot be read, shows the error, and exits 1 like plan', async () => {
    em = await demoEmulator();
    const config = join(dir, 'config.yaml');
    const missing = '0123456789abcdef0123456789abcdef';
    await writeFile(config, `accounts:\n  - account_id: ${PRODUCTION}\n    organization: { session_duration: 12h }\n  - account_id: ${missing}\n    description: Gone\n    organization: { session_duration: 12h }\n`);
    const out = join(dir, 'report.html');
    const run = await ztsync(em, ['report', config, '--out', out]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('1 error');
    const { doc, rows } = await readReport(out);
    expect(rows).toEqual([
      { id: PRODUCTION, states: 'weakens drift' },
      { id: missing, states: 'error' },
    ]);
    expect(doc.querySelectorAll('details.target')[1]!.querySelector('.problem')!.textContent).toMatch(/^! Error: .+\(HTTP 404; code 7003\)$/);
  });

  it('writes nothing when the config is invalid', async () => {
    em = await demoEmulator();
    const config = join(dir, 'bad.yaml');
    await writeFile(config, 'accounts:\n  - account_id: nothex\n');
    const run = await ztsync(em, ['report', config, '--out', join(dir, 'report.html')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${config}:2:`);
    expect(await readdir(dir)).toEqual(['bad.yaml']);
    expect(em.state.snapshot().counters.requests).toEqual({});
  });

  it.each([
    [['report', '--plan', 'p.json'], 'report needs --out FILE: the HTML page to write (--out - for stdout)'],
    [['report', '--out', 'r.html'], 'give config paths to plan, or --plan FILE to render a saved plan'],
    [['report', 'config', '--plan', 'p.json', '--out', 'r.html'], 'give config paths to plan, or --plan FILE to render a saved plan, not both'],
    [['report', '--plan', 'p.json', '--account', PRODUCTION, '--out', 'r.html'], '--account, --zone, --baseline and --attribute shape a new plan; a saved plan (--plan) is rendered as it was made'],
  ])('refuses %j with a clear message', async (argv, message) => {
    em = await demoEmulator();
    const run = await ztsync(em, argv);
    expect(run).toEqual({ code: 1, stdout: '', stderr: `ztsync: ${message}\n` });
  });

  it('refuses a plan file that is missing, not a plan, of an unknown format, or edited, as apply --plan does', async () => {
    em = await demoEmulator();
    const good = join(dir, 'plan.json');
    expect((await ztsync(em, ['plan', EXAMPLES, '--format', 'json', '--out', good])).code).toBe(0);
    const saved = await readFile(good, 'utf8');
    const out = join(dir, 'r.html');
    const at = (name: string) => join(dir, name);
    const cases: [string, string, string][] = [
      ['missing.json', '', `cannot read the plan ${at('missing.json')}: no such file`],
      ['broken.json', '{\n  "format_version": "1"\n  "targets": []\n}', `${at('broken.json')} is not a ztsync plan: it is not JSON`],
      ['other.json', '{"name": "not a plan"}', `${at('other.json')} is not a ztsync plan: it has no format_version and targets`],
      ['future.json', saved.replace('"format_version": "1"', '"format_version": "7"'), `${at('future.json')} has plan format_version "7", which this ztsync cannot read`],
      ['edited.json', saved.replace('"#1b5ec5"', '"#ffffff"'), `${at('edited.json')} was changed after it was saved`],
    ];
    for (const [name, content, message] of cases) {
      if (content) await writeFile(at(name), content);
      const run = await ztsync(em, ['report', '--plan', at(name), '--out', out]);
      expect(run.code, name).toBe(1);
      expect(run.stderr, name).toContain(`ztsync: ${message}`);
      expect(run.stderr, name).not.toMatch(/\n\s+at /);
    }
    expect((await readdir(dir)).filter((f) => f.endsWith('.html') || f.endsWith('.tmp'))).toEqual([]);
  });

  it('says plainly when the output cannot be written, and leaves no temporary file', async () => {
    em = await demoEmulator();
    const run = await ztsync(em, ['report', EXAMPLES, '--out', join(dir, 'no', 'such', 'dir', 'r.html')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`ztsync: cannot write ${join(dir, 'no', 'such', 'dir', 'r.html')}: the directory ${join(dir, 'no', 'such', 'dir')} does not exist\n`);
    expect(em.state.snapshot().counters.requests).toEqual({}); // refused before reading anything
    await mkdir(join(dir, 'taken.html'));
    const taken = await ztsync(em, ['report', EXAMPLES, '--out', join(dir, 'taken.html')]);
    expect(taken.stderr).toBe(`ztsync: cannot write ${join(dir, 'taken.html')}: it is a directory\n`);
    expect(await readdir(dir)).toEqual(['taken.html']);
  });
});
