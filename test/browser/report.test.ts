// The report in a real browser: Debian's Chromium opens the report of a 300-account plan (made by the real CLI
// against the emulator) from a file:// URL, as someone opening a CI artifact would. Screenshots are kept in
// test-artifacts/ (gitignored). Skipped, visibly and with how to install Chromium, when there is none.
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { findChromium, launchBrowser, noChromium, type Browser } from '../helpers/browser.js';
import { HOSTILE_DESCRIPTION, MISSING_ACCOUNTS, writeFleetConfig, type Fleet } from '../helpers/fleet.js';
import { SECRET_TOKEN, ztsync } from '../helpers/reconcile.js';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const chromiumPath = findChromium();

if (!chromiumPath) {
  it('report in a real browser', (ctx) => {
    ctx.skip(noChromium());
  });
} else {
  // A real browser on a shared machine: generous timeouts (the suite's 20 s is for in-process tests); no timing is asserted.
  describe('the report in Chromium', { timeout: 90_000 }, () => {
    let em: RunningEmulator;
    let browser: Browser;
    let fleet: Fleet;
    let url: string;
    let html: string;

    beforeAll(async () => {
      const dir = await mkdtemp(join(tmpdir(), 'ztsync-browser-'));
      em = await startEmulator({ port: 0, accounts: 300, token: SECRET_TOKEN });
      fleet = await writeFleetConfig(em, join(dir, 'config'));
      const out = join(dir, 'report.html');
      const run = await ztsync(em, ['report', fleet.dir, '--out', out]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(1); // the two missing accounts are errors; the report is written all the same
      html = await readFile(out, 'utf8');
      url = pathToFileURL(out).href;
      await mkdir(ARTIFACTS, { recursive: true });
      browser = await launchBrowser(chromiumPath);
    }, 90_000);

    afterAll(async () => {
      await browser?.close();
      await em?.close();
    });

    it('opens the 300-account report, filters to drift, opens a target with the keyboard; no console error, no CSP violation', async () => {
      const page = await browser.page();
      await page.goto(url);
      await page.waitForSelector('html[data-ready]');
      const rows = page.locator('#matrix tbody tr');
      expect(await rows.count()).toBe(fleet.accounts);
      await expect.poll(() => page.locator('#shown').textContent()).toBe(`Showing ${fleet.accounts} of ${fleet.accounts} targets`);

      // Filter to drift.
      await page.locator('select[name=state]').selectOption('drift');
      const visible = page.locator('#matrix tbody tr:not([hidden])');
      expect(await visible.count()).toBe(fleet.drifted.length);
      const shownIds = await visible.locator('th code').allTextContents();
      expect(shownIds.sort()).toEqual([...fleet.drifted].sort());
      expect(await page.locator('#shown').textContent()).toBe(`Showing ${fleet.drifted.length} of ${fleet.accounts} targets`);
      await page.screenshot({ path: join(ARTIFACTS, 'report-300-drift.png') });
      // Details of targets filtered out are hidden too.
      expect(await page.locator('details.target:not([hidden])').count()).toBe(fleet.drifted.length);

      // Open the first drifted target from the matrix with the keyboard: Tab to its link, Enter.
      const first = visible.first();
      const id = await first.locator('th code').textContent();
      await first.locator('th a').focus();
      await page.keyboard.press('Enter');
      const details = page.locator(`details.target:has(summary code:text-is("account ${id}"))`);
      await expect.poll(() => details.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(true);
      expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('SUMMARY');
      expect(await details.locator('table.changes').first().textContent()).toContain('session_duration');
      expect(await details.locator('table.changes tbody tr:not(.r)').allTextContents()).toContainEqual(expect.stringContaining('"24h""12h"'));
      await page.screenshot({ path: join(ARTIFACTS, 'report-300-drift-open.png') });

      // The summary itself toggles with the keyboard (native <details>): Enter closes, Space opens again.
      await page.keyboard.press('Enter');
      expect(await details.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false);
      await page.keyboard.press('Space');
      expect(await details.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(true);

      // Search narrows within the filter; clearing both brings every row back.
      await page.locator('input[name=q]').fill('business unit 4');
      expect(await visible.locator('td.d').allTextContents()).toEqual(expect.arrayContaining(['Business unit 4', 'Business unit 40']));
      await page.locator('input[name=q]').fill('');
      await page.locator('select[name=state]').selectOption('');
      expect(await visible.count()).toBe(fleet.accounts);

      // Sort by state: the worst (errors) first, then by id's order within the same state.
      await page.locator('#matrix thead th[data-col="3"] button').click();
      expect(await visible.locator('th code').evaluateAll((els) => els.slice(0, 2).map((e) => e.textContent))).toEqual(MISSING_ACCOUNTS);
      expect(await page.locator('#matrix thead th[data-col="3"]').getAttribute('aria-sort')).toBe('ascending');

      // The hostile description is text in the page, and nothing ran.
      expect(await page.locator('td.d', { hasText: HOSTILE_DESCRIPTION }).count()).toBe(1);
      expect(await page.locator('img').count()).toBe(0);
      expect(browser.problems).toEqual([]);
    });

    it('reads well in the dark theme', async () => {
      const page = await browser.page();
      await page.emulateMedia({ colorScheme: 'dark' });
      await page.goto(url);
      await page.waitForSelector('html[data-ready]');
      expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(13, 17, 23)');
      // The legend's drift symbol: in this fleet every drifted cell is security drift (a longer session), shown as such.
      const drift = page.locator('.legend .sym.s-drift').first();
      const [fg, bg] = await drift.evaluate((td) => [getComputedStyle(td).color, getComputedStyle(td).backgroundColor]);
      expect([fg, bg]).toEqual(['rgb(242, 204, 96)', 'rgb(59, 46, 5)']);
      await page.screenshot({ path: join(ARTIFACTS, 'report-300-dark.png') });
      expect(browser.problems).toEqual([]);
    });

    it('is complete without JavaScript: every row is shown, the controls that need scripts are not', async () => {
      const page = await browser.page({ javaScript: false });
      await page.goto(url);
      expect(await page.locator('html[data-ready]').count()).toBe(0); // the script really did not run
      expect(await page.locator('#matrix tbody tr:visible').count()).toBe(fleet.accounts);
      expect(await page.locator('#filters').isVisible()).toBe(false);
      // A target opens with the keyboard all the same: its summary is focusable and toggles natively.
      const summary = page.locator('details.target summary').first();
      await summary.focus();
      await page.keyboard.press('Enter');
      expect(await page.locator('details.target').first().evaluate((d) => (d as HTMLDetailsElement).open)).toBe(true);
      expect(browser.problems).toEqual([]);
    });

    it('catches a CSP violation when there is one (the check above can fail)', async () => {
      const tampered = join(await mkdtemp(join(tmpdir(), 'ztsync-tampered-')), 'tampered.html');
      // One character changed in the inline script: its hash no longer matches the policy.
      await writeFile(tampered, html.replace("'use strict';", "'use strict'; "));
      const page = await browser.page();
      const before = browser.problems.length;
      await page.goto(pathToFileURL(tampered).href);
      await expect.poll(() => browser.problems.length).toBeGreaterThan(before);
      expect(browser.problems.slice(before).join('\n')).toMatch(/Content Security Policy|CSP violation: script-src/);
      expect(await page.locator('html[data-ready]').count()).toBe(0);
      browser.problems.splice(before);
    });
  });
}
