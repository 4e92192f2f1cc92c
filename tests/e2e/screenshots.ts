import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { clickScrubberAt, createRoom, listBattles, openRoomPage, waitClockVersion } from './support/rooms.js';
import { withShotStage } from './support/shots.js';
import { togetherShots } from './screenshotsTogether.js';
import { captureVotesAndStudy } from './screenshotsVotes.js';
import { captureCompare } from './screenshotsCompare.js';
import { bootBigWorld, openBigRoom, playWindow } from './support/bigRoom.js';
import { CPU_TRACE_CATEGORIES, mainThreadCpu, type TraceCpu } from './support/traceCpu.js';

// `npm run screenshots`: boots the server, captures the lobby and each battle mid-playback into
// docs/screenshots/*.png, and prints frame timings measured in the page while each battle plays.

const outDir = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
/** Where in each battle to take the picture (fraction of its duration). */
const AT = Number(process.env.SHOT_AT ?? 0.6);

async function main(): Promise<void> {
  await withShotStage(outDir, async (browser, url) => {
    const server = { url };
    const lobby = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await lobby.goto(server.url + '/');
    await lobby.locator('.battle').nth(2).waitFor();
    await lobby.screenshot({ path: join(outDir, 'lobby.png') });
    await lobby.close();

    const battles = await listBattles(server.url);
    for (const [i, b] of battles.entries()) {
      // SHOT_ONLY=<battle id substring> captures one battle (handy when tuning the renderer).
      if (process.env.SHOT_ONLY && !b.id.includes(process.env.SHOT_ONLY)) continue;
      const { roomId, instructorKey } = await createRoom(server.url, b.id);
      const { context, page } = await openRoomPage(browser, server.url, roomId, {
        name: 'Instructor',
        instructorKey,
        viewport: { width: 1440, height: 900 },
      });
      await page.waitForFunction(() => window.__wardroom?.timelineLoaded === true, undefined, { timeout: 120_000 });
      await seekAndPlay(page, b.durationMs * AT);
      await page.evaluate(() => window.__wardroom?.resetFrameStats());
      await page.waitForTimeout(2500);
      const stats = await page.evaluate(() => window.__wardroom?.frameStats());
      await page.screenshot({ path: join(outDir, `${b.id}.png`) });
      console.log(`${b.id} at 1x: ${fmtStats(stats)}`);
      // The same stretch at 16x: many more events folded and beams drawn per frame.
      await page.getByTestId('rate').selectOption('16');
      await page.waitForFunction(() => (window.__wardroom?.clockVersion ?? 0) > 0);
      await page.waitForTimeout(300);
      await page.evaluate(() => window.__wardroom?.resetFrameStats());
      await page.waitForTimeout(2500);
      console.log(`${b.id} at 16x: ${fmtStats(await page.evaluate(() => window.__wardroom?.frameStats()))}`);
      await page.getByTestId('rate').selectOption('1');
      if (i === 0) await closeUp(page, join(outDir, `${b.id}-closeup.png`));
      if (i === 0) {
        // One tablet-width capture: the side panel collapses under the map.
        await page.setViewportSize({ width: 900, height: 1100 });
        await page.waitForTimeout(500);
        await page.screenshot({ path: join(outDir, `${b.id}-tablet.png`) });
      }
      await context.close();
    }
    if (!process.env.SHOT_ONLY || process.env.SHOT_ONLY === 'together') await togetherShots(browser, server.url, outDir);
    if (!process.env.SHOT_ONLY) await captureVotesAndStudy(browser, server.url, outDir);
    if (!process.env.SHOT_ONLY || process.env.SHOT_ONLY === 'compare') await captureCompare(browser, server.url, outDir);
    // Issue #14's scale (slow: compiles the world first), with SHOT_ONLY=big or SHOT_BIG=1.
    if (process.env.SHOT_ONLY === 'big' || process.env.SHOT_BIG === '1') await bigWorldShot(browser);
  });
}

/** 20,000 units (tests/e2e/support/bigRoom.ts) at Fit: the frame timings at 16x and one picture. */
async function bigWorldShot(browser: Browser): Promise<void> {
  const big = await bootBigWorld();
  try {
    const page = await openBigRoom(browser, big);
    // Traced too: the main thread's own CPU per frame and per task, which a loaded machine does not stretch.
    let cpu: TraceCpu | null = null;
    const w = await playWindow(page, 5_000, 16, 10_000, {
      start: () => browser.startTracing(page, { categories: CPU_TRACE_CATEGORIES }),
      stop: async () => {
        cpu = mainThreadCpu((await browser.stopTracing()).toString('utf8'));
      },
    });
    const c = cpu as TraceCpu | null;
    const inFrame = w.longTasks.filter((t) => t.inFrame).length;
    console.log(
      `${big.battleId} at 16x: ${w.units} units (${w.renderer}), ${w.frames} frames: frame work mean ${w.workMeanMs.toFixed(1)} ms (fold ${w.foldMeanMs.toFixed(1)}), p95 ${w.workP95Ms.toFixed(1)}, max ${w.workMaxMs.toFixed(1)}; rAF interval mean ${w.intervalMeanMs.toFixed(1)} ms; long tasks ${w.longTasks.length} (${inFrame} holding a frame)`,
    );
    if (c)
      console.log(
        `${big.battleId} at 16x, main-thread CPU (trace): frame mean ${c.frameCpuMeanMs.toFixed(1)} ms, p95 ${c.frameCpuP95Ms.toFixed(1)}, max ${c.frameCpuMaxMs.toFixed(1)} over ${c.frames} frames; tasks over 50 ms of CPU ${c.tasksOver50Cpu} (longest ${c.longestTaskCpuMs.toFixed(0)} ms)`,
      );
    await page.screenshot({ path: join(outDir, `${big.battleId}.png`) });
    await page.context().close();
  } finally {
    await big.close();
  }
}

/** Zoom onto the biggest unit on screen (a station) and hover a ship next to it: tooltip, hull bars, labels. */
async function closeUp(page: Page, path: string): Promise<void> {
  const canvas = await page.getByTestId('tactical-canvas').boundingBox();
  if (!canvas) return;
  const drawn = await page.evaluate(() => window.__wardroom?.drawnUnits() ?? []);
  const big = [...drawn].sort((a, b) => b.r - a.r)[0];
  if (!big) return;
  await page.mouse.move(canvas.x + big.x, canvas.y + big.y);
  for (let k = 0; k < 4; k++) {
    await page.mouse.wheel(0, -300);
    await page.waitForTimeout(60);
  }
  await page.waitForTimeout(300);
  const near = await page.evaluate(() => window.__wardroom?.drawnUnits() ?? []);
  const cx = canvas.width / 2;
  const cy = canvas.height / 2;
  const pick = near
    .filter((u) => u.x > 40 && u.y > 40 && u.x < canvas.width - 260 && u.y < canvas.height - 120 && u.r <= 20)
    .sort((a, b) => Math.hypot(a.x - cx, a.y - cy) - Math.hypot(b.x - cx, b.y - cy))[0];
  if (pick) await page.mouse.move(canvas.x + pick.x, canvas.y + pick.y);
  await page.waitForTimeout(400);
  await page.screenshot({ path });
  await page.getByRole('button', { name: 'Fit map' }).click();
}

function fmtStats(
  s:
    | {
        frames: number;
        drawMeanMs: number;
        drawP95Ms: number;
        drawMaxMs: number;
        foldMeanMs: number;
        intervalMeanMs: number;
        intervalP95Ms: number;
        units: number;
      }
    | undefined,
): string {
  if (!s) return 'n/a';
  const f = (n: number): string => n.toFixed(1);
  return `${s.units} units, ${s.frames} frames: frame work mean ${f(s.drawMeanMs)} ms (fold ${f(s.foldMeanMs)}), p95 ${f(s.drawP95Ms)}, max ${f(s.drawMaxMs)}; rAF interval mean ${f(s.intervalMeanMs)} ms, p95 ${f(s.intervalP95Ms)}`;
}

async function seekAndPlay(page: Page, positionMs: number): Promise<void> {
  const v0 = await page.evaluate(() => window.__wardroom?.clockVersion ?? 0);
  await clickScrubberAt(page, positionMs);
  await waitClockVersion(page, v0 + 1);
  await page.getByTestId('play-pause').click();
  await waitClockVersion(page, v0 + 2);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
