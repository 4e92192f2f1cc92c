import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIG_WORLD, bootBigWorld, openBigRoom, playWindow, sideColouredPixels, type BigWorldServer } from './support/bigRoom.js';
import { chromiumAvailable, launchChromium } from './support/chromium.js';

// Issue #14: a 20,000-unit world in the real room UI (real server, socket.io, segments, built client) at
// "Fit", played at 16x: its units are drawn, by the unit canvas's worker. The world is the synthetic 5,000 vs
// 15,000 battle (tests/fixtures/bigBattle.ts); BIG_WORLD=battle-of-cardassia uses the scaled battle.
// The frame bar (no main-thread task over 50 ms after the first frame at 16x) is NOT asserted: segments are
// now fetched and parsed by a worker and the world folds in place, so main-thread tasks over 50 ms of CPU went from
// 15-16 to 0-1 per 10 s window (Chromium trace, shared machine), but on a loaded 2-core machine 8-30 ms frames still
// stretch into wall-clock long tasks. The window's long tasks are logged here and measured by `npm run bench -- frames20k` and
// `SHOT_ONLY=big npm run screenshots` (docs/benchmarks.md); issue #14 stays open until the bar holds here.

const hasChromium = chromiumAvailable();

describe.runIf(hasChromium)(`a 20,000-unit world in the room (${BIG_WORLD})`, () => {
  let browser: Browser;
  let server: BigWorldServer;
  let page: Page;

  beforeAll(async () => {
    [browser, server] = await Promise.all([launchChromium(), bootBigWorld()]);
    page = await openBigRoom(browser, server);
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('draws the units off the main thread, on the unit canvas', async () => {
    // Chromium has Worker + OffscreenCanvas: anything else means the worker failed to load (e.g. the CSP).
    // Play a moment at 16x first: the worker draws a moving world, not only the first frame.
    const w = await playWindow(page, 5_000, 16, 2_000);
    console.log(`bigWorld: ${w.units} units, ${w.renderer}, ${w.frames} frames in 2 s at 16x, work mean ${w.workMeanMs.toFixed(1)} ms`);
    expect(w.units).toBeGreaterThanOrEqual(20_000);
    expect(w.frames).toBeGreaterThan(0);
    const renderer = await page.evaluate(() => window.__wardroom?.unitRenderer);
    expect(renderer).toBe('worker');
    await page.waitForTimeout(300);
    const withUnits = await sideColouredPixels(page, server.sideColors, false);
    // Thousands of wedges of a few pixels each (the map itself has no side colours).
    expect(withUnits).toBeGreaterThan(5_000);
    // The wedges are on the unit canvas: hiding it takes them away.
    const without = await sideColouredPixels(page, server.sideColors, true);
    expect(without).toBeLessThan(withUnits / 4);
  }, 60_000);

  it('plays 10 s at 16x with every segment fetched and parsed by the segment worker', async () => {
    const w = await playWindow(page, 5_000, 16, 10_000);
    const inFrame = w.longTasks.filter((t) => t.inFrame);
    console.log(
      `bigWorld 16x: ${w.frames} frames in 10 s, work ${w.workMeanMs.toFixed(1)} / p95 ${w.workP95Ms.toFixed(1)} ms, long tasks ${w.longTasks.length} (${inFrame.length} holding a frame): ${w.longTasks.map((t) => t.durationMs.toFixed(0)).join(' ')}`,
    );
    const seg = await page.evaluate(() => window.__wardroom?.segments());
    // 160 s of playback is many segments: each was asked of the worker (none parsed on the main thread).
    expect(seg?.fetched.length).toBeGreaterThan(3);
    expect(seg?.worker.asked).toBe(seg?.fetched.length);
    expect(seg?.worker.delivered).toBeGreaterThan(3);
    expect(w.frames).toBeGreaterThan(0);
  }, 60_000);
});
