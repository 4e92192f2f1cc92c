import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../e2e/support/chromium.js';
import { bootBigWorld, openBigRoom, playWindow } from '../../e2e/support/bigRoom.js';
import { clickScrubberAt, waitClockVersion } from '../../e2e/support/rooms.js';

// The same moment of the 20,000-unit room drawn by two builds of the client, to compare the pictures of an A/B:
// `npx tsx tests/bench/frames/shotAB.ts <before-dist> <out-prefix> [atMs]` writes <out-prefix>-before.png and
// <out-prefix>-after.png (after: client/dist, built if stale), each after 2 s at 16x,
// paused and sought to atMs.

const [beforeDist, prefix, at] = process.argv.slice(2);
if (!beforeDist || !prefix) throw new Error('usage: shotAB.ts <before-dist> <out-prefix> [atMs]');
const atMs = Number(at ?? 40_000);
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
try {
  for (const [name, dist] of [
    ['before', beforeDist],
    ['after', undefined],
  ] as const) {
    const server = await bootBigWorld(undefined, dist);
    try {
      const page = await openBigRoom(browser, server);
      await playWindow(page, 5_000, 16, 2_000);
      const v = await page.evaluate(() => window.__wardroom?.clockVersion ?? 0);
      await page.getByTestId('play-pause').click();
      await waitClockVersion(page, v + 1, 30_000);
      // Paused, then sought to atMs: both builds show the same moment (at 16x the last 5.6 s of beams).
      await clickScrubberAt(page, atMs);
      await waitClockVersion(page, v + 2, 30_000);
      await page.waitForTimeout(3_000);
      await page.screenshot({ path: `${prefix}-${name}.png` });
      await page.close();
    } finally {
      await server.close();
    }
  }
} finally {
  await browser.close();
}
process.exit(0);
