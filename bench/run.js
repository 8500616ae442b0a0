// ztsync benchmarks: `npm run bench` (builds first), or `node bench/run.js [--quick] [--json]` after a build.
// Each scenario runs in a child process of its own (so memory numbers are its own and a scenario that leaves a
// handle open is caught: the child must exit by itself); this process prepares the fixtures and prints the table.

import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { realisticAccount, writeConfig } from './lib/fixtures.js';
import { writeOfflineFixture } from './lib/offline.js';

const SELF = fileURLToPath(import.meta.url);
const CHILD_TIMEOUT_MS = 120_000;
const RESULT_MARK = '@bench-result ';

const SIZES = {
  full: { validate: 2000, plan: 1000, latency: 200, apply: 500, diff: 200_000, runs: 10, report: 1000, reportRuns: 5 },
  quick: { validate: 200, plan: 100, latency: 50, apply: 50, diff: 20_000, runs: 3, report: 100, reportRuns: 2 },
};
const FILES = 20;
/** Accounts in the offline validate + diff row (issue #10's target: 10,000 in ≤ 2 s and ≤ 300 MB). */
const OFFLINE_ACCOUNTS = { full: 10_000, quick: 1000 };
const LATENCY_MS = 20;

/** The rows of the table, in order: each is one child process running SCENARIOS[kind](params). */
function scenarios(size, tmp) {
  const list = [{ name: 'validate', kind: 'validate', params: { dir: join(tmp, 'validate'), accounts: size.validate, files: FILES } }];
  for (const concurrency of [1, 8, 32]) {
    list.push({ name: 'plan', kind: 'plan', params: { accounts: size.plan, concurrency } });
  }
  for (const concurrency of [1, 8, 32]) {
    list.push({ name: 'plan (latency)', kind: 'plan', params: { accounts: size.latency, concurrency, latencyMs: LATENCY_MS } });
  }
  for (const concurrency of [4, 16]) list.push({ name: 'apply', kind: 'apply', params: { accounts: size.apply, concurrency } });
  list.push({ name: 'diff core', kind: 'diff', params: { iterations: size.diff } });
  list.push({ name: 'validate + diff (offline)', kind: 'offline', params: { dir: join(tmp, 'offline'), accounts: size.offline, files: FILES } });
  list.push({ name: 'report: render HTML', kind: 'reportRender', params: { accounts: size.report } });
  list.push({ name: 'report: open in Chromium', kind: 'reportBrowser', params: { accounts: size.report, runs: size.reportRuns } });
  for (const command of ['node -e 0', 'ztsync --help', 'ztsync validate examples/config']) {
    list.push({ name: `cli: ${command}`, kind: 'cli', params: { command, runs: size.runs } });
  }
  return list.map((s, i) => ({ ...s, params: { ...s.params, tmp: join(tmp, `scenario-${i}`) } }));
}

async function child(spec) {
  const { SCENARIOS } = await import('./lib/scenarios.js');
  const row = await SCENARIOS[spec.kind](spec.params);
  process.stdout.write(`\n${RESULT_MARK}${JSON.stringify(row)}\n`);
  // No process.exit: the parent checks that the process ends by itself (nothing left open).
}

function runChild(spec) {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [SELF, '--child', JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => (stdout += d));
    proc.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => proc.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    proc.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith(RESULT_MARK));
      const row = line ? JSON.parse(line.slice(RESULT_MARK.length)) : undefined;
      let error;
      if (signal) error = `killed after ${CHILD_TIMEOUT_MS / 1000} s${row ? ' (it finished but did not exit: something was left open)' : ''}`;
      else if (code !== 0 || !row) error = (stderr.trim() || `exited with ${code} and no result`).split('\n').slice(0, 12).join('\n');
      resolve({ name: spec.name, ...(row ?? {}), ...(error ? { error } : {}) });
    });
  });
}

const fmt = (n, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const rate = ({ value, unit }) => `${fmt(value, value < 100 ? 1 : 0)} ${unit}`;

function table(rows) {
  const header = ['scenario', 'size', 'wall ms', 'throughput', 'RSS MB start→peak', 'heap MB start→peak', 'notes'];
  const cells = rows.map((r) => {
    if (r.error) return [r.name, r.size ?? '', 'FAILED', '', '', '', r.error.split('\n')[0]];
    const m = r.memory;
    const mem = (start, peak) => (start === undefined ? `${fmt(peak)}` : `${fmt(start)}→${fmt(peak)}`);
    return [
      r.name,
      r.size,
      fmt(r.ms, r.ms < 100 ? 1 : 0),
      [r.throughput, r.extra].filter(Boolean).map(rate).join(', '),
      mem(m.rssStartMb, m.rssPeakMb),
      mem(m.heapStartMb, m.heapPeakMb),
      r.notes ?? '',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c) => c.map((v, i) => (i === 2 ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

async function main(argv) {
  const childAt = argv.indexOf('--child');
  if (childAt >= 0) return child(JSON.parse(argv[childAt + 1]));
  const unknown = argv.filter((a) => a !== '--quick' && a !== '--json');
  if (unknown.length) throw new Error(`unknown arguments: ${unknown.join(' ')} (usage: node bench/run.js [--quick] [--json])`);
  const mode = argv.includes('--quick') ? 'quick' : 'full';
  const json = argv.includes('--json');
  const size = { ...SIZES[mode], offline: OFFLINE_ACCOUNTS[mode] };
  const tmp = await mkdtemp(join(tmpdir(), 'ztsync-bench-'));
  const started = Date.now();
  const rows = [];
  try {
    const accounts = Array.from({ length: size.validate }, (_, i) => realisticAccount(i));
    await writeConfig(join(tmp, 'validate'), accounts, { fileCount: FILES });
    await writeOfflineFixture(join(tmp, 'offline'), size.offline, FILES);
    for (const spec of scenarios(size, tmp)) {
      const row = await runChild(spec);
      rows.push(row);
      if (!json) process.stderr.write(row.error ? `✗ ${row.name}: ${row.error.split('\n')[0]}\n` : `✓ ${row.name} (${row.size}): ${fmt(row.ms, 1)} ms\n`);
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  const failed = rows.filter((r) => r.error);
  const meta = { mode, node: process.version, cpus: (await import('node:os')).availableParallelism(), date: new Date().toISOString(), totalSeconds: (Date.now() - started) / 1000 };
  const rounded = (_key, v) => (typeof v === 'number' && !Number.isInteger(v) ? Math.round(v * 100) / 100 : v);
  if (json) process.stdout.write(JSON.stringify({ ...meta, rows }, rounded, 2) + '\n');
  else process.stdout.write(`\nztsync bench (${mode}, node ${meta.node}, ${meta.cpus} CPUs, ${fmt(meta.totalSeconds, 1)} s)\n\n${table(rows)}\n`);
  if (failed.length) {
    process.stderr.write(`\n${failed.length} scenario(s) FAILED:\n${failed.map((r) => `- ${r.name}: ${r.error}`).join('\n')}\n`);
    process.exitCode = 1;
  }
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.stack : err}\n`);
  process.exitCode = 1;
});
