import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../e2e/support/chromium.js';
import { serveFramePage } from './frames/bundle.js';
import { CPU_TRACE_CATEGORIES, mainThreadCpu, type TraceCpu } from '../e2e/support/traceCpu.js';
import type { FrameBenchMode, FrameBenchResult } from './frames/page.js';
import type { Row } from './stats.js';

// Frame work of the tactical unit layer with 20,000 units at "Fit", played at 16x, in headless
// Chromium (tests/bench/frames/page.ts). Target (issue #14): mean <= 8 ms, p95 <= 12 ms.

export async function benchFrames(
  counts: number[],
  frames: number,
  mode: FrameBenchMode = 'worker',
  extraArgs: string[] = [],
): Promise<Row[]> {
  const site = await serveFramePage();
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, ...extraArgs] });
  const rows: Row[] = [];
  try {
    for (const n of counts) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(site.url);
      await page.waitForFunction(() => window.__frameBench !== undefined);
      const r = (await page.evaluate(([units, f, m]) => window.__frameBench!.run(units, f, 16, m), [
        n,
        frames,
        mode,
      ] as const)) as FrameBenchResult;
      rows.push({
        bench: `unit layer frame work at 16x, Fit (${r.renderer})`,
        battle: `synthetic ${n}`,
        value: r.meanMs,
        unit: 'ms',
        note: `p95 ${r.p95Ms.toFixed(1)} ms, max ${r.maxMs.toFixed(1)} ms, ${r.frames} frames, rAF interval ${r.intervalMeanMs.toFixed(1)} ms, long tasks ${r.longTasks} (longest ${r.longestTaskMs.toFixed(0)} ms)${r.renderer === 'worker' ? `, worker frames dropped ${r.dropped}, worker last frame ${r.workerMs.toFixed(1)} ms` : ''}; WebGL2: ${r.webgl2}`,
      });
      await page.close();
    }
  } finally {
    await browser.close();
    await site.close();
  }
  return rows;
}

/** The same world size in the real room UI (tests/e2e/support/bigRoom.ts): 10 s at 16x from 5 s in. */
export async function benchFramesRoom(): Promise<Row[]> {
  const { bootBigWorld, openBigRoom, playWindow, BIG_WORLD } = await import('../e2e/support/bigRoom.js');
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  const server = await bootBigWorld();
  try {
    const page = await openBigRoom(browser, server);
    // Traced too: on a shared machine wall times stretch, the page's own thread time does not.
    let cpu: TraceCpu | null = null;
    const w = await playWindow(page, 5_000, 16, 10_000, {
      start: () => browser.startTracing(page, { categories: CPU_TRACE_CATEGORIES }),
      stop: async () => {
        cpu = mainThreadCpu((await browser.stopTracing()).toString('utf8'));
      },
    });
    const inFrame = w.longTasks.filter((t) => t.inFrame);
    const longest = (ts: { durationMs: number }[]) => (ts.length ? Math.max(...ts.map((t) => t.durationMs)) : 0);
    const c = cpu as TraceCpu | null;
    return [
      {
        bench: `room frame work at 16x, Fit (${w.renderer})`,
        battle: `${BIG_WORLD} ${w.units}`,
        value: w.workMeanMs,
        unit: 'ms',
        note: `p95 ${w.workP95Ms.toFixed(1)} ms, max ${w.workMaxMs.toFixed(1)} ms (fold ${w.foldMeanMs.toFixed(1)} ms), ${w.frames} frames in 10 s, rAF interval ${w.intervalMeanMs.toFixed(1)} ms; long tasks ${w.longTasks.length} (longest ${longest(w.longTasks).toFixed(0)} ms), holding a frame ${inFrame.length} (longest ${longest(inFrame).toFixed(0)} ms)`,
      },
      ...(c
        ? [
            {
              bench: 'room frame main-thread CPU at 16x, Fit (trace thread time)',
              battle: `${BIG_WORLD} ${w.units}`,
              value: c.frameCpuMeanMs,
              unit: 'ms',
              note: `p50 ${c.frameCpuP50Ms.toFixed(1)}, p95 ${c.frameCpuP95Ms.toFixed(1)}, max ${c.frameCpuMaxMs.toFixed(1)} ms over ${c.frames} frames; main-thread tasks over 50 ms of CPU ${c.tasksOver50Cpu} (longest ${c.longestTaskCpuMs.toFixed(0)} ms); workers ${c.workerCpuMs.toFixed(0)} ms CPU`,
            },
          ]
        : []),
    ];
  } finally {
    await browser.close();
    await server.close();
  }
}
