import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../e2e/support/chromium.js';
import { serveFramePage } from './frames/bundle.js';
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
