import { mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { ensureClientBuilt } from './buildClient.js';
import { chromiumAvailable, launchChromium } from './chromium.js';
import { bootServer } from './server.js';

/**
 * Screenshots made by a script (`npm run screenshots`, or one capture alone: `npx tsx tests/e2e/screenshotsX.ts`):
 * the built client, a server and Chromium for `capture`, all closed after it. Without Chromium it does nothing
 * (chromiumAvailable says what to install).
 */
export async function withShotStage(outDir: string, capture: (browser: Browser, baseUrl: string) => Promise<void>): Promise<void> {
  if (!chromiumAvailable()) process.exit(0);
  await ensureClientBuilt();
  mkdirSync(outDir, { recursive: true });
  const server = await bootServer();
  const browser = await launchChromium();
  try {
    await capture(browser, server.url);
  } finally {
    await browser.close();
    await server.close();
  }
}
