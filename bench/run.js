// ztsync benchmarks: `npm run bench` (builds first), or `node bench/run.js [--quick] [--json]` after a build.
// Each scenario runs in a child process of its own (so memory numbers are its own and a scenario that leaves a
// handle open is caught: the child must exit by itself); this process prepares the fixtures and prints the table.

import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { realisticAccount, writeConfig } from './lib/fixtures.js';
import { writeOfflineFixture } from './lib/offline.js';

const SELF = fileURLToPath(import.meta.url);
const CHILD_TIMEOUT_MS = 120_000;
const RESULT_MARK = '@bench-result ';

// Issue #10's fleet rows: the emulator's lockout limit is Cloudflare's 1200/300 scaled to 120/30 s (12/3 s quick).
const FLEET = {
  full: { fleet: 1000, rateAccounts: 150, rateLimit: { requests: 120, windowSeconds: 30 } },
  quick: { fleet: 100, rateAccounts: 15, rateLimit: { requests: 12, windowSeconds: 3 } },
};
const FLEET_LATENCY_MS = 25;
const FLEET_TIMEOUT_MS = 300_000; // the SDK reads 1000 accounts one by one (~55 s); the rate-limited plan takes ~60 s

const SIZES = {
  full: { validate: 2000, plan: 1000, latency: 200, apply: 500, diff: 200_000, runs: 10, report: 1000, reportRuns: 5, ...FLEET.full },
  quick: { validate: 200, plan: 100, latency: 50, apply: 50, diff: 20_000, runs: 3, report: 100, reportRuns: 2, ...FLEET.quick },
};
const FILES = 20;
/** Accounts in the offline validate + diff row (issue #10's target: 10,000 in ≤ 2 s and ≤ 300 MB). */
const OFFLINE_ACCOUNTS = { full: 10_000, quick: 1000 };
const LATENCY_MS = 20;

/**
 * The rows of the table, in order: each is one child process running SCENARIOS[kind](params), which returns a row
 * or several (measured in one process, e.g. ztsync and the SDK against one emulator, so their ratio is of one run).
 */
function scenarios(size, tmp) {
  const list = [{ name: 'validate', kind: 'validate', params: { dir: join(tmp, 'validate'), accounts: size.validate, files: FILES } }];
  for (const concurrency of [1, 8, 32]) {
    list.push({ name: 'plan', kind: 'plan', params: { accounts: size.plan, concurrency } });
  }
  for (const concurrency of [1, 8, 32]) {
    list.push({ name: 'plan (latency)', kind: 'plan', params: { accounts: size.latency, concurrency, latencyMs: LATENCY_MS } });
  }
  list.push({
    name: 'plan (latency bound)',
    kind: 'latencyBound',
    params: { accounts: size.fleet, latencyMs: FLEET_LATENCY_MS, concurrency: 8, maxBoundRatio: 1.2, minSdkRatio: 7 },
    timeoutMs: FLEET_TIMEOUT_MS,
  });
  list.push({
    name: 'plan (rate limit)',
    kind: 'rateLimited',
    params: { accounts: size.rateAccounts, limit: size.rateLimit, latencyMs: FLEET_LATENCY_MS, concurrency: 8, maxBoundRatio: 1.1 },
    timeoutMs: FLEET_TIMEOUT_MS,
  });
  for (const concurrency of [4, 16]) list.push({ name: 'apply', kind: 'apply', params: { accounts: size.apply, concurrency } });
  list.push({ name: 'diff core', kind: 'diff', params: { iterations: size.diff } });
  list.push({ name: 'validate + diff (offline)', kind: 'offline', params: { dir: join(tmp, 'offline'), accounts: size.offline, files: FILES } });
  list.push({ name: 'validate: hostile lines', kind: 'hostileLines', params: { lineLength: 1024 * 1024, maxMs: 1000 } });
  list.push({ name: 'report: render HTML', kind: 'reportRender', params: { accounts: size.report } });
  list.push({ name: 'report: open in Chromium', kind: 'reportBrowser', params: { accounts: size.report, runs: size.reportRuns } });
  for (const command of ['node -e 0', 'ztsync --help', 'ztsync validate examples/config']) {
    list.push({ name: `cli: ${command}`, kind: 'cli', params: { command, runs: size.runs } });
  }
  return list.map((s, i) => ({ ...s, params: { ...s.params, tmp: join(tmp, `scenario-${i}`) } }));
}

async function child(spec) {
  if (spec.kind === 'offline') return childRow(await (await import('./lib/offline.js')).offline(spec.params));
  const { SCENARIOS } = await import('./lib/scenarios.js');
  const fleet = await import('./lib/fleet.js');
  const { hostileLines } = await import('./lib/hostile.js');
  const row = await ({ ...SCENARIOS, latencyBound: fleet.latencyBound, rateLimited: fleet.rateLimited, hostileLines })[spec.kind](spec.params);
  childRow(row);
}

/**
 * Hand the row to the parent. No process.exit: the parent checks that the process ends by itself (nothing left
 * open). The offline row's child loads only its own modules: its peak RSS is judged against a budget, and the
 * other rows' modules (the emulator, the SDK) add ~45 MB that validate + diff never loads.
 */
function childRow(row) {
  process.stdout.write(`\n${RESULT_MARK}${JSON.stringify(row)}\n`);
}

/** The child's rows (one, or several when the scenario returns a list), each with its own error if it failed. */
function runChild(spec) {
  const timeoutMs = spec.timeoutMs ?? CHILD_TIMEOUT_MS;
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [SELF, '--child', JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => (stdout += d));
    proc.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith(RESULT_MARK));
      const result = line ? JSON.parse(line.slice(RESULT_MARK.length)) : undefined;
      let error;
      if (signal) error = `killed after ${timeoutMs / 1000} s${result ? ' (it finished but did not exit: something was left open)' : ''}`;
      else if (code !== 0 || !result) error = (stderr.trim() || `exited with ${code} and no result`).split('\n').slice(0, 12).join('\n');
      const rows = Array.isArray(result) ? result : [result ?? {}];
      resolve(rows.map((row) => ({ name: spec.name, ...row, ...(error ? { error } : {}) })));
    });
  });
}

const fmt = (n, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const rate = ({ value, unit }) => `${fmt(value, value < 100 ? 1 : 0)} ${unit}`;

function table(rows) {
  const header = ['scenario', 'size', 'wall ms', 'throughput', 'RSS MB start→peak', 'heap MB start→peak', 'notes'];
  const cells = rows.map((r) => {
    if (r.error) return [r.name, r.size ?? '', 'FAILED', '', '', '', r.error.split('\n')[0]];
    // A row with a target shows whether it met it first: its figures stay, a miss fails the (full) run.
    const verdict = r.target && (r.target.ok ? 'met' : r.missed ? 'MISSED' : 'missed (not judged in --quick)');
    const notes = [r.target && `${verdict}: ${r.target.text}`, r.notes].filter(Boolean).join('; ');
    const m = r.memory;
    const mem = (start, peak) => (start === undefined ? `${fmt(peak)}` : `${fmt(start)}→${fmt(peak)}`);
    return [
      r.name,
      r.size,
      fmt(r.ms, r.ms < 100 ? 1 : 0),
      [r.throughput, r.extra].filter(Boolean).map(rate).join(', '),
      mem(m.rssStartMb, m.rssPeakMb),
      mem(m.heapStartMb, m.heapPeakMb),
      notes,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c) => c.map((v, i) => (i === 2 ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

function usage(problem) {
  process.stderr.write(`bench: ${problem} (usage: node bench/run.js [--quick] [--json] [--only TEXT]…)\n`);
  process.exitCode = 1;
}

async function main(argv) {
  const childAt = argv.indexOf('--child');
  if (childAt >= 0) return child(JSON.parse(argv[childAt + 1]));
  let flags;
  try {
    flags = parseArgs({ args: argv, options: { quick: { type: 'boolean' }, json: { type: 'boolean' }, only: { type: 'string', multiple: true } } }).values;
  } catch (err) {
    return usage(err.message);
  }
  const mode = flags.quick ? 'quick' : 'full';
  const json = Boolean(flags.json);
  // --only TEXT: just the rows whose name contains TEXT (any of them, when given more than once).
  const picked = (spec) => !flags.only || flags.only.some((text) => spec.name.includes(text));
  const size = { ...SIZES[mode], offline: OFFLINE_ACCOUNTS[mode] };
  const load = loadavg()[0];
  const tmp = await mkdtemp(join(tmpdir(), 'ztsync-bench-'));
  const specs = scenarios(size, tmp).filter(picked);
  const started = Date.now();
  const rows = [];
  try {
    if (specs.length === 0) return usage(`--only ${flags.only.join(', ')}: no row has that in its name`);
    if (specs.some((spec) => spec.kind === 'validate')) {
      const accounts = Array.from({ length: size.validate }, (_, i) => realisticAccount(i));
      await writeConfig(join(tmp, 'validate'), accounts, { fileCount: FILES });
    }
    if (specs.some((spec) => spec.kind === 'offline')) await writeOfflineFixture(join(tmp, 'offline'), size.offline, FILES);
    for (const spec of specs) {
      for (const row of await runChild(spec)) {
        // The targets are judged in the full run; --quick's sizes are too small for ratios that mean anything.
        if (row.target?.ok === false && mode === 'full') row.missed = true;
        rows.push(row);
        if (!json) process.stderr.write(row.error || row.missed ? `✗ ${row.name}: ${row.error?.split('\n')[0] ?? `missed its target: ${row.target.text}`}\n` : `✓ ${row.name} (${row.size}): ${fmt(row.ms, 1)} ms\n`);
      }
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  const failed = rows.filter((r) => r.error || r.missed);
  // The load average (1 min) at the start and end: the machine is shared, and the figures move with it.
  const meta = { mode, node: process.version, cpus: availableParallelism(), load: [load, loadavg()[0]], date: new Date().toISOString(), totalSeconds: (Date.now() - started) / 1000 };
  const rounded = (_key, v) => (typeof v === 'number' && !Number.isInteger(v) ? Math.round(v * 100) / 100 : v);
  if (json) process.stdout.write(JSON.stringify({ ...meta, rows }, rounded, 2) + '\n');
  else process.stdout.write(`\nztsync bench (${mode}, node ${meta.node}, ${meta.cpus} CPUs, load ${fmt(meta.load[0], 1)} → ${fmt(meta.load[1], 1)}, ${fmt(meta.totalSeconds, 1)} s)\n\n${table(rows)}\n`);
  if (failed.length) {
    process.stderr.write(`\n${failed.length} scenario(s) FAILED:\n${failed.map((r) => `- ${r.name}: ${r.error ?? `missed its target: ${r.target.text}`}`).join('\n')}\n`);
    process.exitCode = 1;
  }
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.stack : err}\n`);
  process.exitCode = 1;
});
