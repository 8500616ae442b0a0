// The HTML report (ztsync report): how long rendering a fleet's plan takes, how big the page is, and how long
// Debian's Chromium (driven by playwright-core) takes to show it — opened from a file:// URL, like a CI artifact.
// Budgets (issue #11): a 1000-target report under 5 MB, shown by the browser in under 2 s; a row over budget fails.

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { CloudflareClient } from '../../dist/cloudflare/client.js';
import { loadDesiredState } from '../../dist/config/index.js';
import { startEmulator } from '../../dist/emulator/index.js';
import { buildPlan } from '../../dist/plan/build.js';
import { renderHtml } from '../../dist/plan/render-html.js';
import { desiredFor, expectedPlan, writeConfig } from './fixtures.js';
import { check, measure, median } from './measure.js';

export const MAX_BYTES = 5 * 1024 * 1024;
export const MAX_BROWSER_MS = 2000;
const CHROMIUM = process.env.ZTSYNC_CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The plan of `accounts` generated accounts (every 4th drifting, creates where the emulator has no setting yet). */
async function fleetPlan(accounts, tmp) {
  const em = await startEmulator({ port: 0, accounts });
  try {
    const snapshot = em.state.snapshot();
    const dir = await writeConfig(tmp, desiredFor(snapshot), { defaults: false });
    const { state } = await loadDesiredState([dir]);
    const client = new CloudflareClient({ apiBase: em.url, credentials: { kind: 'token', token: 'bench' }, readOnly: true });
    const plan = await buildPlan(state, client, { concurrency: 8 });
    const expected = expectedPlan(snapshot);
    check(JSON.stringify(plan.summary) === JSON.stringify(expected.summary), `plan summary ${JSON.stringify(plan.summary)}, expected ${JSON.stringify(expected.summary)}`);
    return { plan, drifted: snapshot.accounts.filter((_, i) => i % 4 === 0).length };
  } finally {
    await em.close();
  }
}

/** renderHtml on the plan: time, memory and the page's size. */
export async function reportRender({ accounts, tmp }) {
  const { plan } = await fleetPlan(accounts, tmp);
  const options = { generatedAt: new Date().toISOString(), version: plan.ztsync_version };
  renderHtml(plan, options); // warm-up (JIT)
  const m = await measure(() => renderHtml(plan, options));
  const bytes = Buffer.byteLength(m.value);
  check(bytes < MAX_BYTES, `the ${accounts}-target report is ${(bytes / 1048576).toFixed(2)} MB, over the 5 MB budget`);
  return {
    size: `${accounts} targets`,
    ms: m.ms,
    throughput: { value: accounts / (m.ms / 1000), unit: 'targets/s' },
    notes: `${(bytes / 1048576).toFixed(2)} MB (budget 5 MB), ${Math.round(bytes / accounts)} bytes/target`,
    memory: m.memory,
  };
}

/** The page in Chromium: from navigation to the script having run (rows filterable), median of `runs` fresh pages. */
export async function reportBrowser({ accounts, runs, tmp }) {
  check(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM}: install it with apt-get install -y chromium (or set ZTSYNC_CHROMIUM)`);
  const { chromium } = await import('playwright-core');
  const { plan, drifted } = await fleetPlan(accounts, tmp);
  const html = renderHtml(plan, { generatedAt: new Date().toISOString(), version: plan.ztsync_version });
  await mkdir(tmp, { recursive: true });
  const file = join(tmp, 'report.html');
  await writeFile(file, html);
  const profile = await mkdtemp(join(tmpdir(), 'ztsync-bench-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1280, height: 900 }, offline: true });
  try {
    const problems = [];
    const open = async () => {
      const page = await context.newPage();
      page.on('console', (msg) => msg.type() === 'error' && problems.push(msg.text()));
      page.on('pageerror', (err) => problems.push(err.message));
      const t0 = performance.now();
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      await page.waitForSelector('html[data-ready]', { state: 'attached' });
      // A frame after the script ran: the first paint of the finished page.
      await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => resolve())));
      const ready = performance.now() - t0;
      const timing = await page.evaluate(() => {
        const nav = performance.getEntriesByType('navigation')[0];
        const fcp = performance.getEntriesByName('first-contentful-paint')[0];
        return { dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd, fcp: fcp ? fcp.startTime : NaN, heapMb: performance.memory.usedJSHeapSize / 1048576 };
      });
      const f0 = performance.now();
      await page.locator('select[name=state]').selectOption('drift');
      const shown = await page.locator('#matrix tbody tr:not([hidden])').count();
      const filter = performance.now() - f0;
      check(shown === drifted, `filtering to drift shows ${shown} rows, expected ${drifted}`);
      await page.close();
      return { ready, filter, ...timing };
    };
    await open(); // warm-up: Chromium's first page pays for starting its renderer
    const results = [];
    for (let i = 0; i < runs; i++) results.push(await open());
    check(problems.length === 0, `the page logged errors: ${problems.slice(0, 3).join(' | ')}`);
    const ms = median(results.map((r) => r.ready));
    const med = (key) => median(results.map((r) => r[key])).toFixed(0);
    check(ms < MAX_BROWSER_MS, `Chromium took ${ms.toFixed(0)} ms to show the ${accounts}-target report, over the ${MAX_BROWSER_MS} ms budget`);
    return {
      size: `${accounts} targets, ${(Buffer.byteLength(html) / 1048576).toFixed(2)} MB`,
      ms,
      throughput: { value: accounts / (ms / 1000), unit: 'targets/s' },
      notes: `median of ${runs} (max ${Math.max(...results.map((r) => r.ready)).toFixed(0)} ms, budget 2 s): first paint ${med('fcp')} ms, DOMContentLoaded ${med('dcl')} ms, load ${med('load')} ms; filter to drift ${med('filter')} ms; page JS heap ${med('heapMb')} MB; memory columns: this node process`,
      memory: { rssPeakMb: process.resourceUsage().maxRSS / 1024, heapPeakMb: process.memoryUsage().heapUsed / 1048576 },
    };
  } finally {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  }
}
