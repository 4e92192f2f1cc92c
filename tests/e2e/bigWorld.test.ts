import { writeFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIG_WORLD, bootBigWorld, openBigRoom, playWindow, sideColouredPixels, type BigWorldServer } from './support/bigRoom.js';
import { WEAPON_COLOR } from '../../client/src/room/tactical/palette.js';
import { chromiumAvailable, launchChromium } from './support/chromium.js';
import { clickScrubberAt, framesDrawn, waitClockVersion } from './support/rooms.js';
import { CPU_TRACE_CATEGORIES, mainThreadCpu, type TraceCpu } from './support/traceCpu.js';

// Issue #14: a 20,000-unit world in the real room UI (real server, socket.io, segments, built client) at
// "Fit", played at 16x: its units are drawn, by the unit canvas's worker (which paints the beams too), and after the first frame no task holds
// the main thread for more than 50 ms. The world is the synthetic 5,000 vs 15,000 battle
// (tests/fixtures/bigBattle.ts); BIG_WORLD=battle-of-cardassia uses the scaled battle.
// The bar is measured in the page's own thread time (a Chromium trace of the window, support/traceCpu.ts), not on
// the wall clock: CI runs test files in parallel on 2 cores, and there a frame of 5-15 ms of CPU is routinely
// descheduled into a 100-300 ms wall-clock "long task" (measured: 64-166 of them per 10 s window at load 22-33,
// nearly all under 20 ms of CPU). The wall-clock long tasks (PerformanceObserver 'longtask') are logged beside it.
// Asserted: the bar, no main-thread task over 50 ms of CPU after the first frame. It failed before (segments
// parsed on the main thread, 50-1,000 ms tasks; a 20,000-unit start unpacked and folded in one frame; beams rasterised
// in the main thread's commit, frames of 40-110 ms). Since the beams moved to the unit layer's worker and the forces
// are counted from the view's list: longest task 20-31 ms of CPU in quiet runs, 27 ms beside the other e2e files
// (docs/benchmarks.md, "Beams and effects on the unit layer's worker"). `npm test` runs this file last and alone: on
// a host half as fast (the eleventh session's), beside another test file, its longest task (a young-generation
// collection, or a frame) read 24-63 ms of CPU across four full runs; alone, 34 ms (39-45 ms with two busy loops).
const MAX_TASK_CPU_MS = 50;

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
    await framesDrawn(page);
    const withUnits = await sideColouredPixels(page, server.sideColors, false);
    // Thousands of wedges of a few pixels each (the map itself has no side colours).
    expect(withUnits).toBeGreaterThan(5_000);
    // The wedges are on the unit canvas: hiding it takes them away.
    const without = await sideColouredPixels(page, server.sideColors, 'tactical-units');
    expect(without).toBeLessThan(withUnits / 4);
    // The beams are painted by the same worker, on the fx canvas under the wedges': hiding it takes them away.
    // Paused in the thick of the fight (the lines meet at ~30 s), so both counts see the same picture.
    const v = await page.evaluate(() => window.__wardroom?.clockVersion ?? 0);
    await page.getByTestId('play-pause').click();
    await waitClockVersion(page, v + 1, 30_000);
    await clickScrubberAt(page, 40_000);
    await waitClockVersion(page, v + 2, 30_000);
    // The segment at 40 s delivered by the worker, folded and drawn (wedges and fx by the worker: a few frames).
    await page.waitForFunction(() => {
      const s = window.__wardroom?.segments();
      if (!s || window.__wardroom?.ready !== true) return false;
      const k = s.bounds.findIndex(([a, b]) => a <= 40_000 && 40_000 < b);
      return s.fetched.includes(k) && s.worker.delivered >= s.worker.asked;
    });
    await framesDrawn(page, 4);
    // Line weapons only: the projectiles' dots are few, and the torpedo's red is within the tolerance of Red's.
    const beamColors = (['phaser', 'disruptor', 'polaron', 'cannon'] as const).map((k) => WEAPON_COLOR[k]);
    // The fx canvas is painted by the worker after the frame that moved the clock: on a loaded machine a few frames
    // may pass first, so the beams are waited for (bounded), then counted.
    await expect.poll(() => sideColouredPixels(page, beamColors, false), { timeout: 15_000, interval: 250 }).toBeGreaterThan(1_000);
    const withFx = await sideColouredPixels(page, beamColors, false);
    expect(withFx).toBeGreaterThan(1_000);
    const withoutFx = await sideColouredPixels(page, beamColors, 'tactical-fx');
    console.log(`bigWorld: beam-coloured pixels at 40 s, ${withFx} with the fx canvas, ${withoutFx} without`);
    expect(withoutFx).toBeLessThan(withFx / 4);
  }, 60_000);

  it('plays 10 s at 16x with no main-thread task over MAX_TASK_CPU_MS of CPU after the first frame, segments parsed by the worker', async () => {
    const t0 = 5_000;
    let cpu: TraceCpu | null = null;
    const w = await playWindow(page, t0, 16, 10_000, {
      start: () => browser.startTracing(page, { categories: CPU_TRACE_CATEGORIES }),
      stop: async () => {
        const trace = (await browser.stopTracing()).toString('utf8');
        // BIG_WORLD_TRACE=<file>: keep the window's trace (what a task over the bar was: chrome://tracing, Perfetto).
        if (process.env.BIG_WORLD_TRACE) writeFileSync(process.env.BIG_WORLD_TRACE, trace);
        cpu = mainThreadCpu(trace);
      },
    });
    const c = cpu as TraceCpu | null;
    const t1 = await page.evaluate(() => window.__wardroom?.worldT ?? 0);
    const inFrame = w.longTasks.filter((t) => t.inFrame);
    console.log(
      `bigWorld 16x: ${w.frames} frames in 10 s, work ${w.workMeanMs.toFixed(1)} / p95 ${w.workP95Ms.toFixed(1)} ms (wall); ` +
        `frame CPU ${c?.frameCpuMeanMs.toFixed(1)} / p95 ${c?.frameCpuP95Ms.toFixed(1)} / max ${c?.frameCpuMaxMs.toFixed(1)} ms over ${c?.frames} traced frames; ` +
        `longest main-thread task ${c?.longestTaskCpuMs.toFixed(0)} ms CPU, ${c?.tasksOver50Cpu} over 50 ms (the issue's bar); world ${t0} -> ${t1} ms; ` +
        `wall-clock long tasks ${w.longTasks.length} (${inFrame.length} holding a frame): ${w.longTasks.map((t) => t.durationMs.toFixed(0)).join(' ')}`,
    );
    expect(c).not.toBeNull();
    expect(c?.frames).toBeGreaterThan(0);
    // In the page's own time: nothing on the main thread (frames, segment hand-off, folding, unpacking, DOM, GC
    // inside a task) took more than MAX_TASK_CPU_MS.
    expect(c?.longestTaskCpuMs, `longest main-thread task, ms of CPU (${c?.tasksOver50Cpu} over 50 ms)`).toBeLessThanOrEqual(
      MAX_TASK_CPU_MS,
    );
    const seg = await page.evaluate(() => window.__wardroom?.segments());
    // 160 s of playback is many segments: each was asked of the worker (none parsed on the main thread).
    expect(seg?.fetched.length).toBeGreaterThan(3);
    expect(seg?.worker.asked).toBe(seg?.fetched.length);
    expect(seg?.worker.delivered).toBeGreaterThan(3);
    // And the world played on from the seek (on a loaded machine it may lag the play head, never stand still).
    expect(t1).toBeGreaterThan(t0);
    expect(w.frames).toBeGreaterThan(0);
  }, 90_000);
});
