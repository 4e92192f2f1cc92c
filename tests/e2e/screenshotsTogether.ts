import './support/togetherHooks.js';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { clickScrubberAt, createRoom, listBattles, openRoomPage, waitClockVersion } from './support/rooms.js';

// Screenshots of watching together (issue #11): a follower in the presented view, the chat with
// reaction bursts, and a viewer peeking at a moment link. Called by screenshots.ts
// (`SHOT_ONLY=together npm run screenshots` captures only these and the lobby).

export async function togetherShots(browser: Browser, baseUrl: string, outDir: string): Promise<void> {
  const battle = (await listBattles(baseUrl)).find((b) => b.id.includes('deep-space-9'));
  if (!battle) return;
  const { roomId, instructorKey } = await createRoom(baseUrl, battle.id);
  const viewport = { width: 1440, height: 900 };
  const inst = await openRoomPage(browser, baseUrl, roomId, { name: 'Captain Sisko', instructorKey, viewport });
  const kira = await openRoomPage(browser, baseUrl, roomId, { name: 'Kira', role: 'player', viewport });
  const odo = await openRoomPage(browser, baseUrl, roomId, { name: 'Odo', viewport });
  const pages = [inst.page, kira.page, odo.page];
  for (const p of pages)
    await p.waitForFunction(() => window.__wardroom?.timelineLoaded === true && !!window.__wardroomCamera, undefined, { timeout: 120_000 });
  try {
    await seek(inst.page, battle.durationMs * 0.45);

    // 1. Present: the instructor zooms onto the station; the viewer follows with the badge showing who leads.
    await inst.page.getByTestId('camera-present').click();
    const canvas = await inst.page.getByTestId('tactical-canvas').boundingBox();
    const big = [...(await inst.page.evaluate(() => window.__wardroom?.drawnUnits() ?? []))].sort((a, b) => b.r - a.r)[0];
    if (canvas && big) {
      await inst.page.mouse.move(canvas.x + big.x, canvas.y + big.y);
      for (let k = 0; k < 3; k++) {
        await inst.page.mouse.wheel(0, -300);
        await inst.page.waitForTimeout(80);
      }
    }
    // ... and clicks a ship near it: ringed on every follower's map.
    await inst.page.waitForTimeout(400);
    const near = await inst.page.evaluate(() => window.__wardroom?.drawnUnits() ?? []);
    // The second biggest on screen: the biggest is the station itself.
    const ship = near.filter((u) => u.x > 80 && u.y > 80 && u.x < 900 && u.y < 650).sort((a, b) => b.r - a.r)[1];
    console.log(`together-camera: selecting ${ship?.id ?? 'nothing'} of ${near.length} drawn units`);
    if (canvas && ship) await inst.page.mouse.click(canvas.x + ship.x, canvas.y + ship.y);
    await inst.page.locator('button.tab[data-tab="chat"]').click();
    if (ship)
      await odo.page
        .waitForFunction((id) => window.__wardroomCamera?.highlighted() === id, ship.id, { timeout: 10_000 })
        .catch(() => undefined);
    await odo.page.waitForTimeout(1200);
    await odo.page.screenshot({ path: join(outDir, 'together-camera.png') });

    // 2. Chat and reactions: a short exchange, then a burst on the scrubber.
    const say = async (p: Page, text: string) => {
      await p.locator('button.tab[data-tab="chat"]').click();
      await p.getByTestId('chat-input').fill(text);
      await p.getByTestId('chat-input').press('Enter');
      await p.waitForTimeout(150);
    };
    await say(inst.page, 'Watch the Dominion line as it turns: the gap opens here.');
    await say(kira.page, 'Could the Defiant have gone through it?');
    await say(odo.page, 'They had the mines to worry about first.');
    await say(inst.page, 'Good question, Kira: we will fork at the next decision and see.');
    await odo.page.locator('button.tab[data-tab="chat"]').click();
    // A burst: several members react within one batch window (clicked in the pages without waiting).
    const clicks: [Page, string][] = [
      [kira.page, 'fire'],
      [odo.page, 'fire'],
      [inst.page, 'alarm'],
      [kira.page, 'applause'],
      [odo.page, 'eyes'],
      [kira.page, 'fire'],
      [odo.page, 'question'],
    ];
    await Promise.all(
      clicks.map(([p, sym]) => p.evaluate((s) => document.querySelector<HTMLButtonElement>(`[data-testid="react-${s}"]`)?.click(), sym)),
    );
    await odo.page.waitForFunction(() => (window.__wardroomChat?.bursts() ?? 0) > 0);
    await odo.page.waitForTimeout(300);
    await odo.page.screenshot({ path: join(outDir, 'together-chat.png') });

    // 3. A moment link opened by a viewer: a private peek with "Back to the room".
    await inst.page.getByTestId('moment-copy').click();
    const link = await inst.page.getByTestId('moment-link').inputValue();
    await inst.page.waitForTimeout(200);
    await inst.page.screenshot({ path: join(outDir, 'together-moment-copy.png') });
    await inst.page.getByTestId('moment-copy').click();
    await seek(inst.page, battle.durationMs * 0.2);
    const peek = await odo.context.newPage();
    await peek.setViewportSize(viewport);
    await peek.goto(link);
    await peek.getByTestId('moment-back').waitFor({ timeout: 60_000 });
    await peek.waitForFunction(() => window.__wardroomCompare?.ready === true, undefined, { timeout: 60_000 });
    await peek.waitForTimeout(500);
    await peek.screenshot({ path: join(outDir, 'together-moment-peek.png') });
  } finally {
    for (const x of [inst, kira, odo]) await x.context.close();
  }
}

async function seek(page: Page, positionMs: number): Promise<void> {
  const v0 = await page.evaluate(() => window.__wardroom?.clockVersion ?? 0);
  await clickScrubberAt(page, positionMs);
  await waitClockVersion(page, v0 + 1);
}
