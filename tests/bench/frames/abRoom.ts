import { readFileSync, writeFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../e2e/support/chromium.js';
import { bootBigWorld, openBigRoom, playWindow, type BigWorldServer } from '../../e2e/support/bigRoom.js';
import { CPU_TRACE_CATEGORIES, mainThreadCpu } from '../../e2e/support/traceCpu.js';

// Two builds of the client side by side in the real room at 20,000 units (issue #14): each run opens a fresh page
// on each build in turn (same machine load for the pair), plays 2 s at 16x from 5 s (as the e2e's first test), then
// traces 10 s at 16x from 5 s and prints the main thread's CPU per frame and its tasks over 50 ms.
// `npx tsx tests/bench/frames/abRoom.ts <before-dist> [runs]` (the after build: client/dist, built if stale;
// the before build: e.g. `npx vite build --config client/vite.config.ts --outDir /tmp/before` at the old commit).

const beforeDist = process.argv[2];
const runs = Number(process.argv[3] ?? 2);
if (!beforeDist) throw new Error('usage: abRoom.ts <before-dist> [runs]');
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
const servers: [string, BigWorldServer][] = [
  ['before', await bootBigWorld(undefined, beforeDist)],
  ['after', await bootBigWorld()],
];
try {
  for (let r = 1; r <= runs; r++)
    for (const [name, server] of servers) {
      const page = await openBigRoom(browser, server);
      await playWindow(page, 5_000, 16, 2_000);
      let trace = '';
      const w = await playWindow(page, 5_000, 16, 10_000, {
        start: () => browser.startTracing(page, { categories: CPU_TRACE_CATEGORIES }),
        stop: async () => {
          trace = (await browser.stopTracing()).toString('utf8');
        },
      });
      const t1 = await page.evaluate(() => window.__wardroom?.worldT ?? 0);
      // AB_TRACE=<prefix>: keep each window's trace (<prefix>-<run>-<build>.trace.json) to see what its long tasks were.
      if (process.env.AB_TRACE) writeFileSync(`${process.env.AB_TRACE}-${r}-${name}.trace.json`, trace);
      const c = mainThreadCpu(trace);
      const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
      console.log(
        `run ${r} ${name.padEnd(6)} ${new Date().toISOString().slice(11, 16)} load ${load}: frames ${w.frames}, frame CPU mean ${c.frameCpuMeanMs.toFixed(1)} ` +
          `p50 ${c.frameCpuP50Ms.toFixed(1)} p95 ${c.frameCpuP95Ms.toFixed(1)} max ${c.frameCpuMaxMs.toFixed(1)} over ${c.frames}; ` +
          `tasks>50 CPU ${c.tasksOver50Cpu} longest ${c.longestTaskCpuMs.toFixed(0)}; main ${c.mainCpuMs.toFixed(0)} ms, workers ${c.workerCpuMs.toFixed(0)} ms; ` +
          `world 5000 -> ${t1}; wall long tasks ${w.longTasks.length}`,
      );
      await page.close();
    }
} finally {
  await browser.close();
  for (const [, s] of servers) await s.close();
}
process.exit(0);
