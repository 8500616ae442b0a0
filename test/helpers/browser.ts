// A real browser for the report's tests: Debian's Chromium (apt-get install -y chromium), driven by playwright-core
// (which downloads no browser). Without Chromium the browser tests are skipped, visibly, with how to install it.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** ZTSYNC_CHROMIUM, else Debian's Chromium where apt puts it; null when there is none. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.ZTSYNC_CHROMIUM) return existsSync(env.ZTSYNC_CHROMIUM) ? env.ZTSYNC_CHROMIUM : null;
  return CANDIDATES.find((path) => existsSync(path)) ?? null;
}

export function noChromium(env: NodeJS.ProcessEnv = process.env): string {
  const looked = env.ZTSYNC_CHROMIUM ? `ZTSYNC_CHROMIUM=${env.ZTSYNC_CHROMIUM} does not exist` : `looked for ${CANDIDATES.join(', ')}`;
  return (
    `browser tests SKIPPED: Chromium not found (${looked}). ` +
    'Install it with `sudo apt-get update && sudo apt-get install -y chromium` (Debian/Ubuntu), or set ZTSYNC_CHROMIUM to a Chromium binary.'
  );
}

// Quiet, offline, reproducible: nothing phones home, nothing from a previous run (fresh profile every launch).
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface Browser {
  context: BrowserContext;
  /** A new page whose console errors, uncaught errors and CSP violations are recorded in `problems`. */
  page(options?: { javaScript?: boolean }): Promise<Page>;
  /** Every console error, page error and CSP violation seen so far, across pages. */
  problems: string[];
  close(): Promise<void>;
}

export async function launchBrowser(executablePath: string): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'ztsync-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 900 },
    offline: true,
  });
  const problems: string[] = [];
  // Runs in every page before its own scripts; a violation of the page's CSP lands here and on the console.
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sample})`);
    });
  });
  return {
    context,
    problems,
    async page({ javaScript = true } = {}) {
      const page = await context.newPage();
      page.on('console', (message) => {
        if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`);
      });
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      if (!javaScript) {
        const cdp = await context.newCDPSession(page);
        await cdp.send('Emulation.setScriptExecutionDisabled', { value: true });
      }
      return page;
    },
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
