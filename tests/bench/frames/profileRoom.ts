import { writeFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../e2e/support/chromium.js';
import { bootBigWorld, openBigRoom, playWindow } from '../../e2e/support/bigRoom.js';
import { CPU_TRACE_CATEGORIES, mainThreadCpu } from '../../e2e/support/traceCpu.js';

// Where the main thread's time goes in the real room at 20,000 units, 10 s at 16x (issue #14): a V8 CPU
// profile (self time by function) and a Chromium trace (the long tasks and what ran in them).
// `npx tsx tests/bench/frames/profileRoom.ts [out-prefix]` (PROFILE=0 for the trace alone).

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const out = process.argv[2] ?? '/tmp/room-profile';
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
// CLIENT_DIST=<dir>: profile another build of the client (e.g. the one before a change).
const server = await bootBigWorld(undefined, process.env.CLIENT_DIST);
try {
  const page = await openBigRoom(browser, server);
  const cdp = await page.context().newCDPSession(page);
  const profiling = process.env.PROFILE !== '0';
  // WARM=1: play 2 s at 16x first, as the e2e's first test does (the segments it fetched stay cached).
  if (process.env.WARM === '1') await playWindow(page, 5_000, 16, 2_000);
  let profile: Profile | null = null;
  let trace = '';
  const w = await playWindow(page, 5_000, 16, 10_000, {
    start: async () => {
      await browser.startTracing(page, { categories: [...CPU_TRACE_CATEGORIES, 'v8', 'blink.user_timing'] });
      if (profiling) {
        await cdp.send('Profiler.enable');
        await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
        await cdp.send('Profiler.start');
      }
    },
    stop: async () => {
      if (profiling) profile = (await cdp.send('Profiler.stop')).profile as unknown as Profile;
      trace = (await browser.stopTracing()).toString('utf8');
    },
  });
  writeFileSync(`${out}.trace.json`, trace);
  const seg = await page.evaluate(() => window.__wardroom?.segments());
  console.log(
    `segments fetched ${seg?.fetched.join(',')}; worker asked ${seg?.worker.asked}, delivered ${seg?.worker.delivered}; position ${await page.evaluate(() => window.__wardroom?.positionMs())}, world t ${await page.evaluate(() => window.__wardroom?.worldT)}`,
  );
  const c = mainThreadCpu(trace);
  console.log(
    `frames ${w.frames}, work ${w.workMeanMs.toFixed(1)} / p95 ${w.workP95Ms.toFixed(1)} (fold ${w.foldMeanMs.toFixed(1)}), long tasks ${w.longTasks.length}: ${w.longTasks.map((t) => `${t.durationMs.toFixed(0)}${t.inFrame ? 'F' : ''}`).join(' ')}`,
  );
  console.log(
    `trace frame CPU mean ${c.frameCpuMeanMs.toFixed(1)} p50 ${c.frameCpuP50Ms.toFixed(1)} p95 ${c.frameCpuP95Ms.toFixed(1)} max ${c.frameCpuMaxMs.toFixed(1)} over ${c.frames}; tasks>50 CPU ${c.tasksOver50Cpu} longest ${c.longestTaskCpuMs.toFixed(0)}; workers ${c.workerCpuMs.toFixed(0)} ms`,
  );
  const p = profile as Profile | null;
  if (p) {
    writeFileSync(`${out}.cpuprofile`, JSON.stringify(p));
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const self = new Map<string, number>();
    let total = 0;
    for (let i = 0; i < p.samples.length; i++) {
      const n = byId.get(p.samples[i]);
      if (!n) continue;
      const f = n.callFrame;
      const key = `${f.functionName || '(anon)'} ${f.url.split('/').pop()}:${f.lineNumber}`;
      const dt = (p.timeDeltas[i] ?? 0) / 1000;
      self.set(key, (self.get(key) ?? 0) + dt);
      total += dt;
    }
    console.log(`profile ${total.toFixed(0)} ms sampled`);
    for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(`${v.toFixed(0).padStart(7)} ms  ${k}`);
  }
} finally {
  await browser.close();
  await server.close();
}
process.exit(0);
