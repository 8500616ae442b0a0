// Edges of plan and apply found by a new user: filters that match nothing, output files, and the order of
// apply's lines. The real CLI runs in-process against the emulator.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { run } from '../helpers/io.js';
import { EXAMPLES, PRODUCTION, RESEARCH, STAGING, ZONE, demoEmulator, envFor, liveAccount, writes, ztsync } from '../helpers/reconcile.js';

let em: RunningEmulator;
afterEach(async () => {
  await em?.close();
  em = undefined as unknown as RunningEmulator;
});

describe('--account and --zone filters', () => {
  it('match ids without regard to case', async () => {
    em = await demoEmulator();
    const { code, stdout } = await ztsync(em, ['plan', EXAMPLES, '--format', 'json', '--account', STAGING.toUpperCase(), '--zone', ZONE.toUpperCase()]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).targets.map((t: { id: string }) => t.id)).toEqual([STAGING, ZONE]);
  });

  it('a filter that matches nothing is an error naming it, even with --detailed-exitcode; nothing is read', async () => {
    em = await demoEmulator();
    const typo = STAGING.replace('1a2b', '1a2c');
    const { code, stdout, stderr } = await ztsync(em, ['plan', EXAMPLES, '--detailed-exitcode', '--account', STAGING, '--account', typo]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(`ztsync: --account ${typo} matches no account in the config; check the id, or run without the filter to plan every target\n`);
    expect(Object.keys(em.state.snapshot().counters.requests)).toEqual([]);
  });

  it('says when an id is of the other kind', async () => {
    em = await demoEmulator();
    const plan = await ztsync(em, ['plan', EXAMPLES, '--account', ZONE]);
    expect(plan.code).toBe(1);
    expect(plan.stderr).toBe(`ztsync: --account ${ZONE} matches no account in the config: it is a zone id; use --zone ${ZONE}\n`);
    const apply = await ztsync(em, ['apply', EXAMPLES, '--auto-approve', '--zone', PRODUCTION]);
    expect(apply.code).toBe(1);
    expect(apply.stderr).toContain(`--zone ${PRODUCTION} matches no zone in the config: it is an account id; use --account ${PRODUCTION}`);
    expect(writes(em)).toBe(0);
  });
});

describe('plan --out', () => {
  const tempFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.tmp'));

  it('writes the file atomically and prints the summary and where it went', async () => {
    em = await demoEmulator();
    const dir = mkdtempSync(join(tmpdir(), 'ztsync-out-'));
    const out = join(dir, 'plan.json');
    writeFileSync(out, 'an older plan');
    const { code, stdout } = await ztsync(em, ['plan', EXAMPLES, '--format', 'json', '--out', out]);
    expect(code).toBe(0);
    expect(stdout).toBe(`Plan: 1 to create, 3 to update, 2 unchanged, 0 errors. 8 changes weaken security (security drift).\nWrote the json plan to ${out}\n`);
    expect(JSON.parse(readFileSync(out, 'utf8')).format_version).toBe('1');
    expect(readdirSync(dir)).toEqual(['plan.json']);
  });

  it('refuses a directory or a missing directory before reading anything, naming the path given', async () => {
    em = await demoEmulator();
    const dir = mkdtempSync(join(tmpdir(), 'ztsync-out-'));
    const intoDir = await ztsync(em, ['plan', EXAMPLES, '--out', dir]);
    expect(intoDir.code).toBe(1);
    expect(intoDir.stderr).toBe(`ztsync: cannot write ${dir}: it is a directory\n`);
    const missing = join(dir, 'no-such-dir', 'plan.txt');
    const intoMissing = await ztsync(em, ['plan', EXAMPLES, '--out', missing]);
    expect(intoMissing.stderr).toBe(`ztsync: cannot write ${missing}: the directory ${join(dir, 'no-such-dir')} does not exist\n`);
    writeFileSync(join(dir, 'file'), '');
    const underFile = join(dir, 'file', 'plan.txt');
    expect((await ztsync(em, ['plan', EXAMPLES, '--out', underFile])).stderr).toBe(`ztsync: cannot write ${underFile}: ${join(dir, 'file')} is not a directory\n`);
    expect(tempFiles(dir)).toEqual([]);
    expect(Object.keys(em.state.snapshot().counters.requests)).toEqual([]);
  });

  it('--out - writes to stdout', async () => {
    em = await demoEmulator();
    const before = existsSync('-');
    const { code, stdout } = await ztsync(em, ['plan', EXAMPLES, '--format', 'json', '--out', '-']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).summary).toEqual({ create: 1, update: 3, noop: 2, error: 0, weakens: 8 });
    expect(existsSync('-')).toBe(before);
  });
});

describe('emulator --state', () => {
  it('names the path given when it cannot be used, leaving no temporary file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ztsync-state-'));
    const asDir = await run(['emulator', '--port', '0', '--state', dir]);
    expect(asDir.code).toBe(1);
    expect(asDir.stderr).toBe(`ztsync emulator: cannot use ${dir} as the state file: it is a directory\n`);
    const missing = join(dir, 'nope', 'state.json');
    const inMissing = await run(['emulator', '--port', '0', '--state', missing]);
    expect(inMissing.stderr).toBe(`ztsync emulator: cannot write ${missing}: the directory ${join(dir, 'nope')} does not exist\n`);
    const dash = await run(['emulator', '--port', '0', '--state', '-']);
    expect(dash.stderr).toBe('ztsync emulator: --state needs a file name: the state is read back from it at start, so - (stdout) cannot be used\n');
    mkdirSync(join(dir, 'sub'));
    expect(readdirSync(dir)).toEqual(['sub']);
  });
});

describe('apply output', () => {
  let proxy: Server | undefined;
  afterEach(async () => {
    proxy?.closeAllConnections();
    await new Promise((resolve) => proxy?.close(resolve) ?? resolve(undefined));
    proxy = undefined;
  });

  /**
   * A pass-through to the emulator that holds the first target's write until the writes of two later targets
   * have been answered, so that targets finish out of config order.
   */
  async function reorderingProxy(target: RunningEmulator, heldId: string): Promise<string> {
    let othersWritten = 0;
    const waiting: (() => void)[] = [];
    proxy = createServer((req, res) => {
      const isWrite = req.method === 'PUT' || req.method === 'POST';
      const held = isWrite && req.url!.includes(heldId);
      const forward = () => {
        const upstream = request(target.origin + req.url, { method: req.method, headers: req.headers }, (answer) => {
          res.writeHead(answer.statusCode!, answer.headers);
          answer.pipe(res);
          answer.on('end', () => {
            if (isWrite && !held && ++othersWritten >= 2) waiting.splice(0).forEach((go) => go());
          });
        });
        req.pipe(upstream);
      };
      if (held && othersWritten < 2) waiting.push(forward);
      else forward();
    });
    await new Promise<void>((resolve) => proxy!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/client/v4`;
  }

  it('prints per-target lines in config order, whatever order they finish in', async () => {
    em = await demoEmulator();
    const base = await reorderingProxy(em, PRODUCTION);
    const { code, stdout } = await run(['apply', EXAMPLES, '--auto-approve'], { env: envFor(em, { CLOUDFLARE_BASE_URL: base }) });
    expect(code).toBe(0);
    const lines = stdout.split('\n').filter((l) => /^[✓✗=] /.test(l));
    expect(lines.map((l) => l.split(' ')[2])).toEqual([PRODUCTION, RESEARCH, STAGING, ZONE]);
  });
});

describe('the atomic write', () => {
  it('fails naming the path given, leaving no temporary file, and never half-writes', async () => {
    const { writeFileAtomicSync } = await import('../../src/util/atomic-write.js');
    const dir = mkdtempSync(join(tmpdir(), 'ztsync-atomic-'));
    writeFileSync(join(dir, 'file'), 'kept');
    expect(() => writeFileAtomicSync(join(dir, 'file', 'x.json'), '{}')).toThrow(`cannot write ${join(dir, 'file', 'x.json')}: ${join(dir, 'file')} is not a directory`);
    expect(() => writeFileAtomicSync(join(dir, 'gone', 'x.json'), '{}')).toThrow(`cannot write ${join(dir, 'gone', 'x.json')}: the directory ${join(dir, 'gone')} does not exist`);
    expect(() => writeFileAtomicSync(dir, '{}')).toThrow(`cannot write ${dir}: it is a directory`);
    const long = join(dir, 'p'.repeat(250));
    writeFileAtomicSync(long, 'a long name is fine');
    expect(readdirSync(dir).sort()).toEqual(['file', 'p'.repeat(250)]);
    expect(readFileSync(join(dir, 'file'), 'utf8')).toBe('kept');
  });
});

describe('values that mean the same in any case', () => {
  const OLD_TOKEN = '5d2e8b1c-7a4f-4c3e-9b8d-1f0a2e3c4d5e';
  const NEW_TOKEN = 'f174e90a-fafe-4643-bbbc-4a0ed4fc8415';
  const AAGUID = 'cb69481e-8ff7-4039-93ec-0a2729a154a8';

  function config(tokenId: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'ztsync-case-'));
    const text = [
      'accounts:',
      `  - account_id: ${PRODUCTION}`,
      '    organization:',
      '      auth_domain: WidgetCorps.CloudflareAccess.com',
      '      login_design: { background_color: "#C5ED1B" }',
      `      mfa_config: { required_aaguids: ${AAGUID.toUpperCase()} }`,
      `    doh: { service_token_id: ${tokenId.toUpperCase()} }`,
      '',
    ].join('\n');
    writeFileSync(join(dir, 'c.yaml'), text);
    return dir;
  }

  it('plan no change for an uppercase auth_domain, colour or token id; apply sends uuids lowercase and converges', async () => {
    em = await demoEmulator();
    const dir = config(OLD_TOKEN);
    const first = JSON.parse((await ztsync(em, ['plan', dir, '--format', 'json'])).stdout);
    // Only the aaguid is new; the other three equal live state in meaning.
    expect(first.targets[0].resources.map((r: { changes: unknown[] }) => r.changes)).toEqual([[{ ...first.targets[0].resources[0].changes[0], path: 'mfa_config.required_aaguids', before: null, after: AAGUID }], []]);
    expect((await ztsync(em, ['apply', dir, '--auto-approve'])).code).toBe(0);
    expect(liveAccount(em, PRODUCTION).organization?.mfa_config).toMatchObject({ required_aaguids: AAGUID });
    const again = await ztsync(em, ['plan', dir, '--detailed-exitcode']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('No changes.');
  });

  it('an uppercase service token id is sent lowercase: no 12005', async () => {
    em = await demoEmulator();
    const applied = await ztsync(em, ['apply', config(NEW_TOKEN), '--auto-approve', '--allow', 'doh-token-replaced']);
    expect(applied.stdout).not.toContain('12005');
    expect(applied.code).toBe(0);
    expect(liveAccount(em, PRODUCTION).doh?.service_token_id).toBe(NEW_TOKEN);
  });
});
