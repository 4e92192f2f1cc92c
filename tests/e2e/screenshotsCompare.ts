import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { createRoom, openRoomPage } from './support/rooms.js';
import { withShotStage } from './support/shots.js';

// A what-if beside history at the seed's scale, for the README: in the Battle of Cardassia a player forks at the
// Founder's surrender ("fight on") and opens the compare view, which plays both branches on one clock from the fork
// point while the what-if still compiles. Called by tests/e2e/screenshots.ts; `npx tsx tests/e2e/screenshotsCompare.ts`
// captures only this one. Prints how long the fork took to its first frame and how far the what-if had compiled.

const outDir = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const BATTLE = 'battle-of-cardassia';
const DECISION = 'founder-surrender';
const OPTION = 'fight';

export async function captureCompare(browser: Browser, baseUrl: string, dir = outDir): Promise<void> {
  const { roomId } = await createRoom(baseUrl, BATTLE);
  const { context, page } = await openRoomPage(browser, baseUrl, roomId, {
    name: 'Garak',
    role: 'player',
    viewport: { width: 1440, height: 900 },
  });
  try {
    await page.getByRole('tab', { name: 'Branches' }).click();
    await page.waitForSelector('[data-testid="branch-node"][data-depth="0"]');
    const item = page.locator(`[data-decision-id="${DECISION}"]`);
    await item.locator(`input[type="radio"][data-option-id="${OPTION}"]`).check();
    const t0 = Date.now();
    await item.getByTestId('fork-button').click();
    await page.waitForFunction(() => (window.__wardroomBranches?.tree()?.branches.length ?? 0) >= 2, undefined, { timeout: 120_000 });
    const branchId = await page.evaluate(() => window.__wardroomBranches!.tree()!.branches[1].branchId);
    await page.locator(`[data-branch-id="${branchId}"]`).getByTestId('branch-compare-history').click();
    await page.waitForFunction(() => window.__wardroomCompare?.mode === 'compare' && window.__wardroomCompare.ready, undefined, {
      timeout: 120_000,
    });
    const firstFrame = Date.now() - t0;
    // The picture shows both outcomes: the what-if compiled to its end first (the table fills in when it is).
    await page.waitForFunction(() => window.__wardroomCompare!.right?.frontier()?.complete === true, undefined, { timeout: 120_000 });
    await page.waitForFunction(() => !document.querySelector('.diff-table tr.pending'), undefined, { timeout: 30_000 });
    // From the fork point at 4x for ~12 s of battle: the fight that history never had, beside the surrender.
    await page.locator('.compare-controls select[aria-label="Speed"]').selectOption('4');
    await page.evaluate(() => window.__wardroomCompare!.play());
    const forkMs = (await page.evaluate(() => window.__wardroomCompare!.forkMs)) ?? 0;
    await page.waitForFunction((to) => window.__wardroomCompare!.positionMs() >= to, forkMs + 12_000, { timeout: 60_000 });
    await page.evaluate(() => window.__wardroomCompare!.pause());
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(dir, 'what-if-compare.png') });
    console.log(
      `[compare] ${BATTLE} ${DECISION}=${OPTION}: fork -> compare view ready ${firstFrame} ms; shot at ${(forkMs + 12_000) / 1000} s`,
    );
  } finally {
    await context.close().catch(() => undefined);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1])
  await withShotStage(outDir, (browser, url) => captureCompare(browser, url));
