import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { createRoom, listBattles, openRoomPage } from './support/rooms.js';
import { withShotStage } from './support/shots.js';

// Screenshots of the Branches tab's group vote (live tallies) and what-if statistics, for the README.
// Called by tests/e2e/screenshots.ts; `npx tsx tests/e2e/screenshotsVotes.ts` captures only these two.

const outDir = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));

export async function captureVotesAndStudy(browser: Browser, baseUrl: string, dir = outDir): Promise<void> {
  // The smallest battle: its studies finish in seconds.
  const battle = [...(await listBattles(baseUrl))].sort((a, b) => a.durationMs - b.durationMs)[0];
  const { roomId, instructorKey } = await createRoom(baseUrl, battle.id);
  const viewport = { width: 1440, height: 900 };
  const inst = await openRoomPage(browser, baseUrl, roomId, { name: 'Instructor', instructorKey, viewport });
  const players = await Promise.all(
    ['Kira', 'Dax', 'Nog'].map((name) => openRoomPage(browser, baseUrl, roomId, { name, role: 'player', viewport })),
  );
  try {
    for (const p of [inst.page, ...players.map((x) => x.page)]) {
      await p.getByRole('tab', { name: 'Branches' }).click();
      await p.waitForSelector('[data-testid="branch-node"][data-depth="0"]');
    }
    await inst.page.getByTestId('vote-open').click();
    const page = players[0].page;
    await page.waitForSelector('[data-testid="votes"] .vote.open');
    const ids = await page.$$eval('[data-testid="votes"] .vote.open [data-option-id]', (els) =>
      els.map((e) => e.getAttribute('data-option-id')!),
    );
    for (const [i, p] of players.entries()) {
      const id = ids[i === 2 ? 0 : Math.min(1, ids.length - 1)];
      await p.page.locator(`[data-testid="votes"] .vote.open [data-option-id="${id}"] [data-testid="vote-cast"]`).click();
      await p.page.waitForSelector(`[data-testid="votes"] .vote.open [data-option-id="${id}"].mine`);
    }
    await page.waitForTimeout(500);
    await page.locator('[data-testid="votes"]').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(dir, 'group-vote.png') });

    await inst.page.getByTestId('vote-close').click();
    await page.waitForSelector('[data-testid="vote-result"]', { timeout: 60_000 });
    await page.getByTestId('study-runs').fill('20');
    await page.getByTestId('study-run').click();
    await page.waitForSelector('[data-testid="study-result"] .study-box', { timeout: 300_000 });
    await page.locator('[data-testid="study"]').scrollIntoViewIfNeeded();
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(dir, 'what-if-statistics.png') });
  } finally {
    for (const x of [inst, ...players]) await x.context.close().catch(() => undefined);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1])
  await withShotStage(outDir, (browser, url) => captureVotesAndStudy(browser, url));
