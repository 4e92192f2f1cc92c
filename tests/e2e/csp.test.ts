import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable } from './support/chromium.js';
import { sample, waitClockVersion, waitReady } from './support/rooms.js';
import { bootStage, type Stage } from './support/stage.js';

// The app under its strict Content-Security-Policy (issue #13 item 4), in real Chromium: the instructor link
// opens the room with no CSP violation, the key leaves the address bar, the room renders and plays.

const hasChromium = chromiumAvailable();

describe.runIf(hasChromium)('the app under the CSP', () => {
  let stage: Stage | undefined;
  let context: BrowserContext;
  let page: Page;
  const violations: string[] = [];
  const consoleCsp: string[] = [];
  let csp = '';

  beforeAll(async () => {
    stage = await bootStage();
    context = await stage.browser.newContext({ viewport: { width: 1280, height: 800 } });
    // Record every violation the page reports (securitypolicyviolation fires for blocked scripts, styles, workers...).
    await context.addInitScript(() => {
      const w = window as unknown as { __csp: string[] };
      w.__csp = [];
      document.addEventListener('securitypolicyviolation', (e) => w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
      localStorage.setItem('wardroom:name', 'Sisko');
    });
    page = await context.newPage();
    page.on('console', (m) => /Content.Security.Policy/i.test(m.text()) && consoleCsp.push(m.text()));
    const res = await page.goto(`${stage.server.url}/room/${stage.roomId}#key=${encodeURIComponent(stage.instructorKey)}`);
    csp = (await res?.headerValue('content-security-policy')) ?? '';
    await waitReady(page);
  });

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await stage?.close();
  });

  it('serves the page with the strict policy', () => {
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
  });

  it('the instructor link works and its key leaves the address bar', async () => {
    expect(await page.evaluate(() => window.__wardroom?.role)).toBe('instructor');
    expect(await page.evaluate(() => window.location.hash)).toBe('');
  });

  it('renders and plays with no CSP violation', async () => {
    const v0 = (await sample(page)).version;
    await page.getByTestId('play-pause').click();
    await waitClockVersion(page, v0 + 1);
    await page.waitForFunction(() => (window.__wardroom?.positionMs() ?? 0) > 300, undefined, { timeout: 10_000 });
    const units = await page.evaluate(() => Object.keys(window.__wardroom?.unitPositions(window.__wardroom.positionMs()) ?? {}).length);
    expect(units).toBeGreaterThan(0);
    violations.push(...(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)));
    expect(violations).toEqual([]);
    expect(consoleCsp).toEqual([]);
  });
});
